/*
 * worker.h: what the supervisor (server.c) tells a worker process
 * (worker.c) and how a worker reports back.
 */
#ifndef SX_SERVER_WORKER_H
#define SX_SERVER_WORKER_H

#include "core.h"

/* Exit status of a worker that could not build its runtime: the supervisor
 * stops instead of restarting it when no worker ever started. */
#define SX_WORKER_EXIT_STARTUP 3

/* Bytes a worker writes on its status pipe. */
#define SX_WORKER_READY 'R'	/* serving */
#define SX_WORKER_DRAINING 'D'	/* stopped accepting (recycling or told to) */

typedef struct sx_worker_config {
	sx_runtime *rt;
	int listen_fd;		/* non-blocking listening socket */
	int threads;		/* handler threads */
	long max_requests;	/* drain after this many; 0 = never */
	int read_timeout_ms;	/* a request must arrive whole within this */
	int shutdown_timeout_s;	/* in-flight requests get this long on drain */
	int status_fd;		/* pipe to the supervisor, -1 when none */
} sx_worker_config;

/*
 * Serves the listening socket until SIGTERM, SIGINT or SIGQUIT (read from
 * a signalfd; they are blocked in every thread) or until max_requests
 * requests were served, then lets in-flight requests finish. Returns 0
 * after a clean drain. When the shutdown timeout cuts requests off, handler
 * threads still use the runtime, so the process ends there with _exit(1).
 */
int sx_worker_run(const sx_worker_config *wc);

/*
 * Blocks the signals the server reads from a signalfd (TERM, INT, QUIT,
 * HUP, USR1, and CHLD when with_chld) in the calling thread, so threads
 * created afterwards inherit the mask, and returns a non-blocking signalfd
 * for them, or -1. SIGPIPE is ignored: a client gone is an error return.
 */
int sx_server_signalfd(bool with_chld);

#endif
