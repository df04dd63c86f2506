/*
 * worker.h: what the supervisor (server.c) tells a worker process
 * (worker.c) and how a worker reports back.
 */
#ifndef SX_SERVER_WORKER_H
#define SX_SERVER_WORKER_H

#include "core.h"

#include <signal.h>

/* How a worker process ends (its exit status). */
typedef enum sx_worker_exit {
	SX_WORKER_EXIT_OK = 0,		/* drained: every request finished */
	SX_WORKER_EXIT_CUT_OFF = 1,	/* the shutdown timeout cut requests */
	/* It could not build its runtime: the supervisor stops instead of
	 * restarting it when no worker ever started. */
	SX_WORKER_EXIT_STARTUP = 3,
	/* It could not set up its event loop (out of file descriptors or
	 * memory): restarted like a crash, with the crash-loop backoff. */
	SX_WORKER_EXIT_LOOP = 4,
} sx_worker_exit;

/* Bytes a worker writes on its status pipe. */
#define SX_WORKER_READY 'R'	/* serving */
#define SX_WORKER_DRAINING 'D'	/* stopped accepting (recycling or told to) */

/* Signals the supervisor sends a worker. SIGTERM (a SIGHUP's replacement
 * is ready, or someone signalled the worker itself): stop accepting and
 * drain. SX_WORKER_SIG_STOP (the whole server stops and closed the door):
 * first take every connection still queued on the listening socket, since
 * nobody else will and closing the socket would reset them, then drain. */
#define SX_WORKER_SIG_STOP SIGUSR2

typedef struct sx_worker_config {
	sx_runtime *rt;
	int listen_fd;		/* non-blocking listening socket */
	int threads;		/* handler threads */
	long max_requests;	/* drain after this many; 0 = never */
	int read_timeout_ms;	/* a request must arrive whole within this */
	int write_timeout_ms;	/* unsent output must progress within this */
	int shutdown_timeout_s;	/* in-flight requests get this long on drain */
	int status_fd;		/* pipe to the supervisor, -1 when none */
} sx_worker_config;

/*
 * Serves the listening socket until SIGTERM, SIGINT or SIGQUIT (read from
 * a signalfd; they are blocked in every thread) or until max_requests
 * requests were served, then lets in-flight requests finish. Returns
 * SX_WORKER_EXIT_OK after a clean drain, SX_WORKER_EXIT_LOOP (after
 * logging why) when the event loop could not be set up. When the shutdown
 * timeout cuts requests off, handler threads still use the runtime, so the
 * process ends there with _exit(SX_WORKER_EXIT_CUT_OFF).
 */
sx_worker_exit sx_worker_run(const sx_worker_config *wc);

/*
 * Blocks the signals the server reads from a signalfd (TERM, INT, QUIT,
 * HUP, USR1, and CHLD when with_chld) in the calling thread, so threads
 * created afterwards inherit the mask, and returns a non-blocking signalfd
 * for them, or -1. SIGPIPE is ignored: a client gone is an error return.
 */
int sx_server_signalfd(bool with_chld);

#endif
