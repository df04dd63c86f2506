/*
 * log.h: the one place log lines are written, for the supervisor, the
 * workers and every request. A line is formatted first and written whole
 * under the logger's lock, so lines from threads never interleave.
 */
#ifndef SX_LOG_H
#define SX_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "sx_util.h"

/* An open log: a file (or stderr) and the lock its writers share. */
typedef struct sx_logger {
	FILE *out;		/* stderr when no file is set */
	const char *path;	/* NULL = stderr; borrowed */
	pthread_mutex_t lock;
	bool json;		/* --log-format json: one object a line */
	/* sx_logger_buffer: whole lines wait in buf for the flusher */
	char *buf;
	size_t len, cap;
	pthread_t flusher;
	pthread_cond_t wake;	/* the first line into an empty buffer */
	bool buffered, stopping;
} sx_logger;

/*
 * Opens path for appending (NULL = stderr). Returns 0, or -1 with errno set
 * when the file cannot be opened; the logger then writes to stderr, so it is
 * always usable.
 */
int sx_logger_open(sx_logger *lg, const char *path);
/* Reopens the file after log rotation (SIGHUP). Returns 0, or -1 when it
 * cannot be reopened: the logger falls back to stderr. */
int sx_logger_reopen(sx_logger *lg);
/* Writes out what is buffered, stops the flusher and closes the file. */
void sx_logger_close(sx_logger *lg);
/*
 * Buffers the lines (a server worker's, where a write per line would cost
 * a system call per request): lines gather in memory and a flusher thread
 * writes them in one write(2) a few milliseconds after the first one came,
 * or at once when the buffer fills; sx_logger_reopen and sx_logger_close
 * write out what is left first. So a clean stop (SIGTERM, SIGHUP's drain,
 * recycling) loses nothing, and a crash or SIGKILL loses at most the lines
 * of the last SX_LOG_LINGER_MS. Lines stay whole: they are only ever
 * written whole, in one append. Returns 0, or -1 when the flusher cannot
 * start (the logger then writes each line as before).
 */
int sx_logger_buffer(sx_logger *lg);
/* Writes out the buffered lines now (a no-op when not buffered). */
void sx_logger_flush(sx_logger *lg);
/* How long the flusher lets lines gather before it writes them. */
#define SX_LOG_LINGER_MS 10
#define SX_LOG_BUFFER (64 * 1024)

/* Writes one line, "2026-01-01T00:00:00.000Z " then the formatted text
 * with control characters and backslashes escaped (\n, \\, \x1b), so a
 * logged value can never make a line of its own (a JSON object with level
 * "info" when lg->json). lg may be NULL: the line goes to stderr. */
void sx_logf(sx_logger *lg, const char *fmt, ...) SX_PRINTF(2, 3);
/* Writes len bytes whole under the logger's lock. */
void sx_log_write(sx_logger *lg, const char *data, size_t len);

/* ---- JSON lines ------------------------------------------------------------ */

/* What a request's lines carry besides their message; NULL and 0 are left
 * out. */
typedef struct sx_log_fields {
	const char *request_id, *method, *route, *path;
	int status;		/* 0: none */
	double ms, db_ms;	/* with status only */
} sx_log_fields;

/* One JSON object: {"time","level","pid", the fields, "msg"}, written
 * whole. f may be NULL. */
void sx_log_json(sx_logger *lg, const char *level, const sx_log_fields *f,
    const char *msg);
/*
 * A request's access line, as text
 * "TIME id=ID METHOD PATH STATUS 1.23ms db=0.45ms NOTE" (the strings escaped
 * as sx_logf does) or, with lg->json, a JSON object whose msg is "access"
 * then the note. note may be NULL; a text note is put after one space.
 */
void sx_log_access(sx_logger *lg, const sx_log_fields *f, const char *note);

#endif
