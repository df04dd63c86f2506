/*
 * server.c: `APP serve`, the supervisor. It binds the socket (or takes the
 * one it inherited), forks the workers (worker.c), restarts one that
 * dies, and turns signals into orders:
 *
 *   SIGTERM, SIGINT, SIGQUIT  no new connection is let in (close_door); the
 *                             workers take the ones already queued, finish
 *                             what they hold (bounded by --shutdown-timeout)
 *                             and exit; exit 0
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
#include "defaults.h"
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
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

#define MAX_WORKERS SX_MAX_WORKERS
/* Entries of the process table (procs[]): each slot's worker and, during a
 * SIGHUP, its replacement, and two more. spawn() never goes past it. */
#define MAX_PROCS (2 * MAX_WORKERS + 2)
/* A worker with no room in procs[] is tried again this much later. */
#define SPAWN_RETRY_MS 100.0
/* A worker that dies sooner than this after starting counts as a crash
 * loop: its restart waits, doubling from BACKOFF_MIN_MS to BACKOFF_MAX_MS. */
#define CRASH_WINDOW_MS 1000.0
#define BACKOFF_MIN_MS 100.0
#define BACKOFF_MAX_MS 5000.0
/* systemd passes sockets from this fd on (sd_listen_fds(3)). */
#define SD_LISTEN_FDS_START 3

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
	if (cfg->socket_mode != NULL && sx_socket_mode_parse(cfg->socket_mode, &mode) &&
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
	bool table_full;	/* procs[] refused a worker; said once */
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
	wc.read_timeout_ms = cfg->read_timeout_ms > 0 ? cfg->read_timeout_ms :
	    SX_DEFAULT_READ_TIMEOUT_MS;
	wc.write_timeout_ms = cfg->write_timeout_ms > 0 ?
	    cfg->write_timeout_ms : SX_DEFAULT_WRITE_TIMEOUT_MS;
	wc.shutdown_timeout_s = cfg->shutdown_timeout_s > 0 ?
	    cfg->shutdown_timeout_s : SX_DEFAULT_SHUTDOWN_TIMEOUT_S;
	wc.status_fd = status_fd;
	free(s->procs);
	free(s->restart_at);
	free(s->backoff_ms);
	rc = sx_worker_run(&wc);
	sx_runtime_free(wc.rt);
	close(status_fd);
	exit(rc);
}

/*
 * Forks a worker for slot. Returns 0, or -1 when none started: procs[] is
 * full (the workers a SIGHUP replaces have not left yet) or the pipe or
 * fork failed. Then the slot's start is scheduled again (restart_at) and
 * the reason logged, a full table once until a worker starts again.
 */
static int
spawn(supervisor *s, int slot)
{
	int pipefd[2];
	pid_t pid;
	wproc *p;

	if (s->n_procs >= MAX_PROCS) {
		if (!s->table_full)
			sx_logf(&s->log, "%s: no room for another worker process "
			    "(%d, the most there can be); the missing workers "
			    "start as the ones being replaced leave", s->app->name,
			    s->n_procs);
		s->table_full = true;
		s->restart_at[slot] = sx_now_ms() + SPAWN_RETRY_MS;
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		goto fail;
	if ((pid = fork()) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
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
	s->table_full = false;
	return 0;
fail:
	sx_logf(&s->log, "%s: cannot start a worker: %s; trying again in "
	    "%.0f ms", s->app->name, strerror(errno), BACKOFF_MAX_MS);
	s->restart_at[slot] = sx_now_ms() + BACKOFF_MAX_MS;
	return -1;
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

/* Reads what a worker said: ready (retire the ones it replaces, unless
 * it is leaving itself) or draining (start its successor now, before it is
 * gone, unless the slot has one or its start is already scheduled). */
static void
read_status(supervisor *s, wproc *p)
{
	char buf[16];
	ssize_t n = read(p->status_fd, buf, sizeof(buf));

	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == SX_WORKER_READY && !p->ready) {
			p->ready = true;
			s->ever_ready = true;
			if (p->retiring)
				continue;
			for (int j = 0; j < s->n_procs; j++)
				if (s->procs[j].slot == p->slot && s->procs[j].replaced)
					retire(&s->procs[j]);
		} else if (buf[i] == SX_WORKER_DRAINING) {
			p->retiring = true;
			if (!s->stopping && !slot_staffed(s, p->slot) &&
			    s->restart_at[p->slot] == 0)
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

/*
 * Closes the door before a stop. Connections the kernel completed but no
 * worker accepted yet wait in the listening socket's queue; closing the
 * socket resets them, and nginx does not resend a POST it has written on
 * one. So no new connection may complete any more, while the queued ones
 * stay for the workers to take (SX_WORKER_SIG_STOP):
 *   TCP     a socket filter that drops every packet: a new SYN goes
 *           unanswered, and once the socket is closed the client's next
 *           try is refused, which nginx fails over to the next server;
 *   unix    shut down for reading: connect() is refused at once.
 * Only a socket this process opened: one inherited from systemd outlives
 * us, and so does its queue, which the next instance serves.
 */
static bool
close_door(supervisor *s)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };
	int rc;

	if (s->cfg->listen == NULL)
		return false;
	rc = is_unix_path(s->cfg->listen) ? shutdown(s->listen_fd, SHUT_RD) :
	    setsockopt(s->listen_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog));
	if (rc < 0)
		sx_logf(&s->log, "%s: cannot stop new connections on %s before "
		    "stopping (%s): connections queued at the stop may be reset",
		    s->app->name, s->cfg->listen, strerror(errno));
	return rc == 0;
}

static void
stop_all(supervisor *s, const char *why)
{
	int sig;

	if (s->stopping)
		return;
	s->stopping = true;
	s->stop_deadline = sx_now_ms() +
	    (s->cfg->shutdown_timeout_s > 0 ? s->cfg->shutdown_timeout_s :
	    SX_DEFAULT_SHUTDOWN_TIMEOUT_S) *
	    1000.0 + 2000.0;
	sx_logf(&s->log, "%s: %s; stopping %d worker(s)", s->app->name, why,
	    s->n_procs);
	/* With the door open (systemd's socket), a worker taking the queue
	 * would take new connections too: it only drains. */
	sig = close_door(s) ? SX_WORKER_SIG_STOP : SIGTERM;
	for (int i = 0; i < s->n_procs; i++)
		kill(s->procs[i].pid, sig);
}

/*
 * SIGHUP: a new worker for every slot. A ready worker serves on until its
 * slot's new one is ready; one still starting (an earlier SIGHUP's) is
 * retired at once, since a newer one replaces it. So a slot holds at most
 * two workers that are not leaving, and however fast SIGHUPs come, the
 * ones leaving free their entries of procs[] for the starts spawn() had
 * to put off.
 */
static void
reload(supervisor *s)
{
	int i, n = s->n_procs;

	sx_logf(&s->log, "%s: SIGHUP: replacing the workers", s->app->name);
	for (i = 0; i < n; i++) {
		if (s->procs[i].retiring)
			continue;
		if (s->procs[i].ready)
			s->procs[i].replaced = true;
		else
			retire(&s->procs[i]);
	}
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
	struct pollfd *pfd = calloc(MAX_PROCS + 1, sizeof(*pfd));

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
			if (s->restart_at[i] > 0 && now >= s->restart_at[i]) {
				s->restart_at[i] = 0;
				spawn(s, i);	/* reschedules itself on failure */
			}
			if (s->restart_at[i] > 0 && s->restart_at[i] - now < timeout)
				timeout = (int)(s->restart_at[i] - now) + 1;
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
sx_serve(const sx_app *app, sx_config *cfg)
{
	supervisor s = { .app = app, .cfg = cfg };
	char err[512];
	int rc;

	s.n_slots = cfg->workers > 0 ? cfg->workers : SX_DEFAULT_WORKERS;
	s.threads = cfg->threads > 0 ? cfg->threads : SX_DEFAULT_THREADS;
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
