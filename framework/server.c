/*
 * server.c: the FastCGI server. One process with N threads, each taking one
 * request at a time from libfcgi; accept() is serialised between threads
 * with a mutex, as libfcgi's threaded example requires on systems where
 * concurrent accept on one socket is not safe.
 *
 * SIGTERM and SIGINT stop accepting (the listening socket is shut down,
 * which wakes every thread blocked in accept) and let in-flight requests
 * finish before the process exits 0.
 */
#include "internal.h"

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct server {
	sx_runtime *rt;
	int listen_fd;
	pthread_mutex_t accept_lock;
} server;

static volatile sig_atomic_t stopping;
static int signal_listen_fd = -1;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (signal_listen_fd >= 0)
		shutdown(signal_listen_fd, SHUT_RDWR);
}

static long
fcgi_read(void *ctx, char *buf, size_t n)
{
	FCGX_Request *r = ctx;
	int chunk = n > 1 << 20 ? 1 << 20 : (int)n;
	int got = FCGX_GetStr(buf, chunk, r->in);

	return got > 0 ? got : (FCGX_GetError(r->in) != 0 ? -1 : 0);
}

static int
fcgi_write(void *ctx, const char *buf, size_t n)
{
	FCGX_Request *r = ctx;

	while (n > 0) {
		int chunk = n > 1 << 20 ? 1 << 20 : (int)n;

		if (FCGX_PutStr(buf, chunk, r->out) != chunk)
			return -1;
		buf += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

static void *
worker_thread(void *arg)
{
	server *s = arg;
	FCGX_Request req;
	sx_arena *a = sx_arena_new(16384);
	int rc;

	if (a == NULL || FCGX_InitRequest(&req, s->listen_fd, 0) != 0)
		return NULL;
	while (!stopping) {
		pthread_mutex_lock(&s->accept_lock);
		rc = stopping ? -1 : FCGX_Accept_r(&req);
		pthread_mutex_unlock(&s->accept_lock);
		if (rc < 0)
			break;
		{
			sx_io io = { req.envp, fcgi_read, fcgi_write, &req, false };

			sx_dispatch(s->rt, &io, a);
		}
		FCGX_Finish_r(&req);
		sx_arena_reset(a);
	}
	FCGX_Free(&req, 1);
	sx_arena_free(a);
	return NULL;
}

/* Opens the listening socket: a unix socket path, or host:port / :port. */
static int
open_listener(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	int fd;

	if (colon == NULL || strchr(addr, '/') != NULL) {
		struct stat st;

		/* A stale socket from an earlier run would make bind fail. */
		if (stat(addr, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(addr);
	}
	fd = FCGX_OpenSocket(addr, 1024);
	return fd;
}

static const char serve_usage[] =
    "usage: %s serve [--listen ADDR] [--threads N] [options]\n"
    "Serves FastCGI. ADDR is a unix socket path or host:port; with no\n"
    "--listen the app serves the socket it inherited on fd 0.\n";

int
sx_cmd_serve(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	server s = { 0 };
	pthread_t *threads;
	struct sigaction sa;
	char err[512];
	int i, used, n;

	for (i = 1; i < argc; i += used) {
		used = 2;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(serve_usage, app->name);
			return 0;
		} else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			cfg->listen = argv[i + 1];
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			cfg->threads = atoi(argv[i + 1]);
			if (cfg->threads < 1 || cfg->threads > 1024) {
				fprintf(stderr, "serve: --threads takes 1 to 1024, "
				    "got \"%s\"\n", argv[i + 1]);
				return 2;
			}
		} else if ((used = sx_config_common_option(cfg, argc, argv, i)) <= 0) {
			if (used == 0)
				fprintf(stderr, "serve: unknown option %s\n" "%s",
				    argv[i], "");
			fprintf(stderr, serve_usage, app->name);
			return 2;
		}
	}
	if ((s.rt = sx_runtime_new(app, cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		return 1;
	}
	FCGX_Init();
	s.listen_fd = 0;
	if (cfg->listen != NULL && (s.listen_fd = open_listener(cfg->listen)) < 0) {
		fprintf(stderr, "%s: cannot listen on %s: %s (is another process "
		    "using it?)\n", app->name, cfg->listen, strerror(errno));
		sx_runtime_free(s.rt);
		return 1;
	}
	signal_listen_fd = s.listen_fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&s.accept_lock, NULL);
	n = cfg->threads ? cfg->threads : 4;
	threads = calloc((size_t)n, sizeof(pthread_t));
	sx_log(s.rt, "%s: serving FastCGI on %s with %d threads", app->name,
	    cfg->listen ? cfg->listen : "fd 0", n);
	for (i = 0; i < n; i++)
		pthread_create(&threads[i], NULL, worker_thread, &s);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	sx_log(s.rt, "%s: stopped", app->name);
	free(threads);
	if (cfg->listen != NULL && strchr(cfg->listen, '/') != NULL)
		unlink(cfg->listen);
	pthread_mutex_destroy(&s.accept_lock);
	sx_runtime_free(s.rt);
	return 0;
}
