/*
 * server.c: `APP serve`, the supervisor. It binds the socket (or takes the
 * one it inherited), forks the workers (worker.c), restarts one that
 * dies, and turns signals into orders:
 *
 *   SIGTERM, SIGINT, SIGQUIT  workers stop accepting and finish what they
 *                             hold (bounded by --shutdown-timeout); exit 0
 *   SIGHUP                    new workers start; once each is ready, the one
 *                             it replaces drains and exits: nothing fails
 *   SIGUSR1                   every process reopens its log file
 *
 * Each worker builds its own runtime after fork, so database pools and
 * their connections are never shared between processes. The supervisor is
 * single-threaded and reads its signals from a signalfd, so it never runs
 * code inside a signal handler.
 */
#include "server.h"
#include "../metrics.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 256
#define MAX_THREADS 1024
/* A worker that dies sooner than this after starting counts as a crash
 * loop: its restart waits, doubling from BACKOFF_MIN_MS to BACKOFF_MAX_MS. */
#define CRASH_WINDOW_MS 1000.0
#define BACKOFF_MIN_MS 100.0
#define BACKOFF_MAX_MS 5000.0
/* systemd passes sockets from this fd on (sd_listen_fds(3)). */
#define SD_LISTEN_FDS_START 3

/* ---- options -------------------------------------------------------------------- */

static const char serve_usage[] =
    "usage: %s serve [--listen ADDR] [--workers N] [--threads M] [options]\n"
    "Serves FastCGI with a supervisor and N worker processes of M threads.\n"
    "  --listen ADDR           unix socket path, HOST:PORT or :PORT; without it\n"
    "                          the socket inherited from systemd (LISTEN_FDS) or\n"
    "                          on fd 0 (spawn-fcgi, mod_fcgid)\n"
    "  --workers N             worker processes (default 1)\n"
    "  --threads M             request threads per worker (default 4)\n"
    "  --socket-mode MODE      octal permissions of a unix socket, e.g. 0660\n"
    "  --socket-owner USER[:GROUP]  owner of a unix socket\n"
    "  --max-requests N        recycle a worker after N requests (0 = never)\n"
    "  --read-timeout T        drop a request not received whole in T\n"
    "                          (seconds, or with ms: 500ms; default 30)\n"
    "  --shutdown-timeout S    seconds in-flight requests get on stop (default 30)\n"
    "Signals: TERM/INT stop gracefully, HUP replaces the workers, USR1\n"
    "reopens the log file.\n";

/* Parses a whole decimal number in [min, max]. */
static bool
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "30", "30s" or "500ms" as milliseconds in [1 ms, 1 day]. */
static bool
parse_duration_ms(const char *s, long *ms)
{
	size_t len = strlen(s);
	char num[32];
	long scale = 1000, v;

	if (len > 2 && strcmp(s + len - 2, "ms") == 0) {
		scale = 1;
		len -= 2;
	} else if (len > 1 && s[len - 1] == 's') {
		len -= 1;
	}
	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	if (!parse_long(num, 1, 86400L * 1000 / scale, &v))
		return false;
	*ms = v * scale;
	return true;
}

/* An octal mode such as 0660 (at most 0777). */
static bool
valid_socket_mode(const char *s, mode_t *mode)
{
	char *end;
	long v;

	if (*s < '0' || *s > '7')
		return false;
	v = strtol(s, &end, 8);
	if (*end != '\0' || v > 0777)
		return false;
	*mode = (mode_t)v;
	return true;
}

/* Takes one serve option at argv[i]. Returns the arguments used, or -1
 * after printing what is wrong with it. */
static int
serve_option(sx_config *cfg, int argc, char **argv, int i)
{
	const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
	long v;
	mode_t mode;

	if (strcmp(opt, "--listen") != 0 && strcmp(opt, "--workers") != 0 &&
	    strcmp(opt, "--threads") != 0 && strcmp(opt, "--socket-mode") != 0 &&
	    strcmp(opt, "--socket-owner") != 0 && strcmp(opt, "--max-requests") != 0 &&
	    strcmp(opt, "--read-timeout") != 0 &&
	    strcmp(opt, "--shutdown-timeout") != 0)
		return 0;
	if (val == NULL) {
		fprintf(stderr, "serve: %s needs a value\n", opt);
		return -1;
	}
	if (strcmp(opt, "--listen") == 0) {
		cfg->listen = val;
	} else if (strcmp(opt, "--workers") == 0) {
		if (!parse_long(val, 1, MAX_WORKERS, &v))
			goto bad;
		cfg->workers = (int)v;
	} else if (strcmp(opt, "--threads") == 0) {
		if (!parse_long(val, 1, MAX_THREADS, &v))
			goto bad;
		cfg->threads = (int)v;
	} else if (strcmp(opt, "--socket-mode") == 0) {
		if (!valid_socket_mode(val, &mode))
			goto bad;
		cfg->socket_mode = val;
	} else if (strcmp(opt, "--socket-owner") == 0) {
		if (*val == '\0' || *val == ':')
			goto bad;
		cfg->socket_owner = val;
	} else if (strcmp(opt, "--max-requests") == 0) {
		if (!parse_long(val, 0, 1L << 40, &v))
			goto bad;
		cfg->max_requests = v;
	} else if (strcmp(opt, "--read-timeout") == 0) {
		if (!parse_duration_ms(val, &v))
			goto bad;
		cfg->read_timeout_ms = (int)v;
	} else {
		if (!parse_long(val, 1, 86400, &v))
			goto bad;
		cfg->shutdown_timeout_s = (int)v;
	}
	return 2;
bad:
	fprintf(stderr, "serve: %s takes %s, got \"%s\"\n", opt,
	    strcmp(opt, "--workers") == 0 ? "1 to 256" :
	    strcmp(opt, "--threads") == 0 ? "1 to 1024" :
	    strcmp(opt, "--socket-mode") == 0 ? "an octal mode like 0660" :
	    strcmp(opt, "--socket-owner") == 0 ? "USER or USER:GROUP" :
	    strcmp(opt, "--max-requests") == 0 ? "a count (0 = no limit)" :
	    strcmp(opt, "--read-timeout") == 0 ? "seconds (30, 30s) or 500ms" :
	    "seconds, 1 to 86400", val);
	return -1;
}

/* ---- the listening socket ----------------------------------------------------------- */

/* A --listen value with a '/' or without a ':' names a unix socket. */
static bool
is_unix_path(const char *addr)
{
	return strchr(addr, '/') != NULL || strchr(addr, ':') == NULL;
}

/* True when fd is a listening stream socket. */
static bool
is_listening_socket(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

/* Applies --socket-owner and --socket-mode to a unix socket path. */
static int
set_socket_access(const sx_config *cfg, const char *path, char *err, size_t errlen)
{
	mode_t mode;

	if (cfg->socket_owner != NULL) {
		char *user = strdup(cfg->socket_owner), *group;
		struct passwd *pw;
		struct group *gr = NULL;
		int rc = -1;

		if (user == NULL)
			return -1;
		if ((group = strchr(user, ':')) != NULL)
			*group++ = '\0';
		if ((pw = getpwnam(user)) == NULL)
			snprintf(err, errlen, "--socket-owner: no user \"%s\"", user);
		else if (group != NULL && *group != '\0' &&
		    (gr = getgrnam(group)) == NULL)
			snprintf(err, errlen, "--socket-owner: no group \"%s\"", group);
		else if (chown(path, pw->pw_uid, gr ? gr->gr_gid : (gid_t)-1) < 0)
			snprintf(err, errlen, "--socket-owner: chown %s: %s (changing "
			    "the owner needs root)", path, strerror(errno));
		else
			rc = 0;
		free(user);
		if (rc < 0)
			return -1;
	}
	if (cfg->socket_mode != NULL && valid_socket_mode(cfg->socket_mode, &mode) &&
	    chmod(path, mode) < 0) {
		snprintf(err, errlen, "--socket-mode: chmod %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds a unix socket. A socket file nobody listens on is a leftover of a
 * process that died, and is replaced; a live one is an error. */
static int
listen_unix(const sx_config *cfg, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is longer than %zu bytes",
		    path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			snprintf(err, errlen, "%s: another process is serving this "
			    "socket (stop it, or pick another --listen path)", path);
			close(fd);
			return -1;
		}
		close(fd);
		unlink(path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0)
		goto fail;
	if (set_socket_access(cfg, path, err, errlen) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s (does the directory exist "
	    "and is it writable?)", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Binds HOST:PORT or :PORT (every interface). */
static int
listen_tcp(const char *addr, char *err, size_t errlen)
{
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL, *ai;
	char *host = strndup(addr, (size_t)(colon - addr));
	int fd = -1, rc, saved = 0;
	const int on = 1;

	if (host == NULL)
		return -1;
	if (host[0] == '[' && strlen(host) > 1 && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	rc = getaddrinfo(*host != '\0' && strcmp(host, "*") != 0 ? host : NULL,
	    colon + 1, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, gai_strerror(rc));
		free(host);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s: %s (is another process "
		    "using the port?)", addr, strerror(saved));
	freeaddrinfo(res);
	free(host);
	return fd;
}

/*
 * The socket to serve: --listen, else one systemd passed (LISTEN_PID is us,
 * LISTEN_FDS >= 1: fd 3), else fd 0 from spawn-fcgi or mod_fcgid. The
 * socket is made non-blocking: every worker's loop accepts from it.
 */
static int
open_listener(const sx_config *cfg, char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fd;

	if (cfg->listen != NULL) {
		fd = is_unix_path(cfg->listen) ?
		    listen_unix(cfg, cfg->listen, err, errlen) :
		    listen_tcp(cfg->listen, err, errlen);
	} else if (pid != NULL && fds != NULL && atol(pid) == (long)getpid() &&
	    atoi(fds) >= 1) {
		fd = SD_LISTEN_FDS_START;
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		if (!is_listening_socket(fd)) {
			snprintf(err, errlen, "LISTEN_FDS is set but fd 3 is not a "
			    "listening socket (check the .socket unit)");
			return -1;
		}
	} else if (is_listening_socket(STDIN_FILENO)) {
		fd = STDIN_FILENO;
	} else {
		snprintf(err, errlen, "no socket to serve: give --listen PATH or "
		    "HOST:PORT, or start the app under spawn-fcgi or systemd");
		return -1;
	}
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* ---- supervisor ---------------------------------------------------------------------- */

typedef struct wproc {
	pid_t pid;
	int slot;
	int status_fd;		/* read end of the worker's status pipe */
	double started_ms;
	bool ready;		/* said SX_WORKER_READY */
	bool retiring;		/* draining; not to be restarted */
	bool replaced;		/* SIGHUP: retire once the slot's new one is ready */
} wproc;

typedef struct supervisor {
	const sx_app *app;
	const sx_config *cfg;
	sx_logger log;		/* the supervisor's own lines */
	int listen_fd, sig_fd;
	int n_slots, threads;
	wproc *procs;
	int n_procs;
	double *restart_at;	/* per slot; 0 = no restart pending */
	double *backoff_ms;	/* per slot */
	bool stopping, ever_ready, startup_failed;
	double stop_deadline;
	struct sx_metrics *metrics;	/* shared with the workers (metrics.c) */
} supervisor;

/* The child side of a fork: builds the runtime, serves, exits. */
static void
worker_main(supervisor *s, int slot, int status_fd)
{
	sx_worker_config wc = { 0 };
	const sx_config *cfg = s->cfg;
	char err[512];
	sigset_t chld;
	int rc;

	for (int i = 0; i < s->n_procs; i++)
		close(s->procs[i].status_fd);
	close(s->sig_fd);
	sx_logger_close(&s->log);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	if ((wc.rt = sx_runtime_new(s->app, cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", s->app->name, err);
		free(s->procs);
		free(s->restart_at);
		free(s->backoff_ms);
		exit(SX_WORKER_EXIT_STARTUP);
	}
	if (s->metrics != NULL)		/* count into the shared region */
		sx_metrics_attach(wc.rt, s->metrics, (size_t)slot);
	wc.listen_fd = s->listen_fd;
	wc.threads = s->threads;
	wc.max_requests = cfg->max_requests;
	wc.read_timeout_ms = cfg->read_timeout_ms > 0 ? cfg->read_timeout_ms : 30000;
	wc.shutdown_timeout_s = cfg->shutdown_timeout_s > 0 ?
	    cfg->shutdown_timeout_s : 30;
	wc.status_fd = status_fd;
	free(s->procs);
	free(s->restart_at);
	free(s->backoff_ms);
	rc = sx_worker_run(&wc);
	sx_runtime_free(wc.rt);
	close(status_fd);
	exit(rc);
}

/* Forks a worker for slot. Returns 0, or -1 when fork failed (retried). */
static int
spawn(supervisor *s, int slot)
{
	int pipefd[2];
	pid_t pid;
	wproc *p;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		sx_logf(&s->log, "%s: cannot start a worker: %s", s->app->name,
		    strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		worker_main(s, slot, pipefd[1]);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	p = &s->procs[s->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->slot = slot;
	p->status_fd = pipefd[0];
	p->started_ms = sx_now_ms();
	return 0;
}

/* True when slot has a worker that is neither leaving nor to be replaced. */
static bool
slot_staffed(const supervisor *s, int slot)
{
	for (int i = 0; i < s->n_procs; i++)
		if (s->procs[i].slot == slot && !s->procs[i].retiring &&
		    !s->procs[i].replaced)
			return true;
	return false;
}

/* Tells a worker to drain and exit; it is not restarted. */
static void
retire(wproc *p)
{
	if (!p->retiring) {
		p->retiring = true;
		kill(p->pid, SIGTERM);
	}
}

/* Reads what a worker said: ready (retire the one it replaces) or
 * draining (start its successor now, before it is gone). */
static void
read_status(supervisor *s, wproc *p)
{
	char buf[16];
	ssize_t n = read(p->status_fd, buf, sizeof(buf));

	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == SX_WORKER_READY && !p->ready) {
			p->ready = true;
			s->ever_ready = true;
			for (int j = 0; j < s->n_procs; j++)
				if (s->procs[j].slot == p->slot && s->procs[j].replaced)
					retire(&s->procs[j]);
		} else if (buf[i] == SX_WORKER_DRAINING) {
			p->retiring = true;
			if (!s->stopping && !slot_staffed(s, p->slot))
				spawn(s, p->slot);
		}
	}
}

/* Logs how a worker ended, in words. */
static void
log_exit(supervisor *s, const wproc *p, int status, const char *what)
{
	if (WIFSIGNALED(status))
		sx_logf(&s->log, "%s: worker %ld %s: killed by signal %d (%s)",
		    s->app->name, (long)p->pid, what, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		sx_logf(&s->log, "%s: worker %ld %s: exited with status %d",
		    s->app->name, (long)p->pid, what, WEXITSTATUS(status));
}

/* Reaps dead workers and schedules the restart of those that crashed. */
static void
reap(supervisor *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int i;

		for (i = 0; i < s->n_procs && s->procs[i].pid != pid; i++)
			;
		if (i == s->n_procs)
			continue;
		wproc p = s->procs[i];

		close(p.status_fd);
		s->procs[i] = s->procs[--s->n_procs];
		if (s->stopping || p.retiring || p.replaced) {
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				log_exit(s, &p, status, "ended while stopping");
			continue;
		}
		if (!p.ready && !s->ever_ready && WIFEXITED(status) &&
		    WEXITSTATUS(status) == SX_WORKER_EXIT_STARTUP) {
			/* The configuration is wrong: restarting cannot help. */
			s->startup_failed = true;
			continue;
		}
		log_exit(s, &p, status, "died");
		if (slot_staffed(s, p.slot))
			continue;
		if (sx_now_ms() - p.started_ms < CRASH_WINDOW_MS) {
			double b = s->backoff_ms[p.slot] * 2;

			s->backoff_ms[p.slot] = b < BACKOFF_MIN_MS ? BACKOFF_MIN_MS :
			    b > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b;
		} else {
			s->backoff_ms[p.slot] = 0;
		}
		s->restart_at[p.slot] = sx_now_ms() + s->backoff_ms[p.slot];
		sx_metrics_worker_restarted(s->metrics);
		if (s->backoff_ms[p.slot] > 0)
			sx_logf(&s->log, "%s: worker died within %.0f ms of starting; "
			    "restarting it in %.0f ms", s->app->name, CRASH_WINDOW_MS,
			    s->backoff_ms[p.slot]);
	}
}

static void
stop_all(supervisor *s, const char *why)
{
	if (s->stopping)
		return;
	s->stopping = true;
	s->stop_deadline = sx_now_ms() +
	    (s->cfg->shutdown_timeout_s > 0 ? s->cfg->shutdown_timeout_s : 30) *
	    1000.0 + 2000.0;
	sx_logf(&s->log, "%s: %s; stopping %d worker(s)", s->app->name, why,
	    s->n_procs);
	for (int i = 0; i < s->n_procs; i++)
		kill(s->procs[i].pid, SIGTERM);
}

static void
reload(supervisor *s)
{
	int i, n = s->n_procs;

	sx_logf(&s->log, "%s: SIGHUP: replacing the workers", s->app->name);
	for (i = 0; i < n; i++)
		if (!s->procs[i].retiring)
			s->procs[i].replaced = true;
	for (i = 0; i < s->n_slots; i++) {
		s->restart_at[i] = 0;
		spawn(s, i);
	}
}

static void
reopen_log(supervisor *s)
{
	sx_logger_reopen(&s->log);
	for (int i = 0; i < s->n_procs; i++)
		kill(s->procs[i].pid, SIGUSR1);
}

static void
on_signals(supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(s);
			break;
		case SIGHUP:
			if (!s->stopping)
				reload(s);
			break;
		case SIGUSR1:
			reopen_log(s);
			break;
		default:
			stop_all(s, strsignal((int)si.ssi_signo));
			break;
		}
	}
}

/* Waits for signals and worker messages; starts pending restarts. */
static int
supervise(supervisor *s)
{
	struct pollfd *pfd = calloc((size_t)(2 * MAX_WORKERS + 8), sizeof(*pfd));

	if (pfd == NULL)
		return 1;
	for (int i = 0; i < s->n_slots; i++)
		spawn(s, i);
	for (;;) {
		int n = 0, timeout = 500, i;
		double now = sx_now_ms();

		if (s->startup_failed) {
			stop_all(s, "a worker could not start (its error is above)");
			if (s->n_procs == 0)
				break;
		}
		if (s->stopping && s->n_procs == 0)
			break;
		if (s->stopping && now > s->stop_deadline) {
			for (i = 0; i < s->n_procs; i++) {
				sx_logf(&s->log, "%s: worker %ld did not stop in time; "
				    "killing it", s->app->name, (long)s->procs[i].pid);
				kill(s->procs[i].pid, SIGKILL);
			}
			s->stop_deadline = now + 5000;
		}
		for (i = 0; !s->stopping && i < s->n_slots; i++) {
			if (s->restart_at[i] > 0 && now >= s->restart_at[i] &&
			    s->n_procs < 2 * MAX_WORKERS) {
				s->restart_at[i] = 0;
				if (spawn(s, i) < 0)
					s->restart_at[i] = now + BACKOFF_MAX_MS;
			} else if (s->restart_at[i] > 0 && s->restart_at[i] - now < timeout) {
				timeout = (int)(s->restart_at[i] - now) + 1;
			}
		}
		pfd[n++] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
		for (i = 0; i < s->n_procs; i++)
			pfd[n++] = (struct pollfd){ .fd = s->procs[i].status_fd,
			    .events = POLLIN };
		if (poll(pfd, (nfds_t)n, timeout) <= 0)
			continue;
		/* Status first: the pipes belong to procs[] as it is now. */
		for (i = n - 1; i >= 1; i--)
			if (pfd[i].revents & POLLIN)
				read_status(s, &s->procs[i - 1]);
		if (pfd[0].revents & POLLIN)
			on_signals(s);
	}
	free(pfd);
	return s->startup_failed ? 1 : 0;
}

/* The region the workers count into, mapped before the first fork, when
 * the app mounts the metrics handler (metrics.c); else NULL. */
static struct sx_metrics *
metrics_region(const sx_app *app, const sx_config *cfg, int n_slots)
{
	sx_arena *arena = sx_arena_new(4096);
	const sx_app *flat;
	struct sx_metrics *m = NULL;
	char err[256];

	/* a malformed group stops each worker with its message */
	if (arena != NULL && (flat = sx_routes_flatten(app, arena, err,
	    sizeof(err))) != NULL && sx_metrics_wanted(flat, cfg))
		m = sx_metrics_new(flat, n_slots);
	sx_arena_free(arena);
	return m;
}

int
sx_cmd_serve(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	supervisor s = { .app = app, .cfg = cfg };
	char err[512];
	int i, used, rc;

	for (i = 1; i < argc; i += used) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(serve_usage, app->name);
			return 0;
		}
		if ((used = serve_option(cfg, argc, argv, i)) == 0 &&
		    (used = sx_config_common_option(cfg, argc, argv, i)) == 0)
			fprintf(stderr, "serve: unknown option %s\n", argv[i]);
		if (used <= 0) {
			fprintf(stderr, serve_usage, app->name);
			return 2;
		}
	}
	s.n_slots = cfg->workers > 0 ? cfg->workers : 1;
	s.threads = cfg->threads > 0 ? cfg->threads : 4;
	if (sx_logger_open(&s.log, cfg->log_file) < 0) {
		fprintf(stderr, "%s: log file %s: cannot open for appending (check "
		    "the directory exists and is writable)\n", app->name,
		    cfg->log_file);
		sx_logger_close(&s.log);
		return 1;
	}
	s.log.json = cfg->log_json;
	if ((s.listen_fd = open_listener(cfg, err, sizeof(err))) < 0) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		rc = 1;
		goto out;
	}
	s.sig_fd = sx_server_signalfd(true);
	s.metrics = metrics_region(app, cfg, s.n_slots);
	s.procs = calloc(2 * MAX_WORKERS + 2, sizeof(*s.procs));
	s.restart_at = calloc((size_t)s.n_slots, sizeof(double));
	s.backoff_ms = calloc((size_t)s.n_slots, sizeof(double));
	if (s.sig_fd < 0 || s.procs == NULL || s.restart_at == NULL ||
	    s.backoff_ms == NULL) {
		fprintf(stderr, "%s: cannot set up the supervisor: %s\n", app->name,
		    strerror(errno));
		rc = 1;
	} else {
		sx_logf(&s.log, "%s: supervisor %ld serving FastCGI on %s with %d "
		    "worker(s) of %d thread(s)", app->name, (long)getpid(),
		    cfg->listen ? cfg->listen : s.listen_fd == 0 ? "fd 0" :
		    "the socket from systemd (fd 3)", s.n_slots, s.threads);
		rc = supervise(&s);
		sx_logf(&s.log, "%s: stopped", app->name);
	}
	free(s.procs);
	free(s.restart_at);
	free(s.backoff_ms);
	sx_metrics_free(s.metrics);
	if (s.sig_fd >= 0)
		close(s.sig_fd);
	if (cfg->listen != NULL && is_unix_path(cfg->listen))
		unlink(cfg->listen);
	close(s.listen_fd);
out:
	sx_logger_close(&s.log);
	return rc;
}
