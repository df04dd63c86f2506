/*
 * log.h: the one place log lines are written, for the supervisor, the
 * workers and every request. A line is formatted first and written whole
 * under the logger's lock, so lines from threads never interleave.
 */
#ifndef SX_LOG_H
#define SX_LOG_H

#include <pthread.h>
#include <stdio.h>

#include "sx_util.h"

/* An open log: a file (or stderr) and the lock its writers share. */
typedef struct sx_logger {
	FILE *out;		/* stderr when no file is set */
	const char *path;	/* NULL = stderr; borrowed */
	pthread_mutex_t lock;
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
void sx_logger_close(sx_logger *lg);

/* Writes one line, "2026-01-01T00:00:00.000Z " then the formatted text
 * with control characters and backslashes escaped (\n, \\, \x1b), so a
 * logged value can never make a line of its own. lg may be NULL: the line
 * goes to stderr. */
void sx_logf(sx_logger *lg, const char *fmt, ...) SX_PRINTF(2, 3);

#endif
