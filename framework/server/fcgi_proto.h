/*
 * fcgi_proto.h: the FastCGI record layer of the server (fcgi_proto.c).
 *
 * One sx_fcgi_conn holds what has arrived on one connection and what must
 * be sent back. The event loop (worker.c) appends the bytes it reads
 * to in, calls sx_fcgi_parse, writes out, and when state reaches
 * SX_FCGI_READY hands the request (envp + body) to a thread. Nothing here
 * touches a socket, so the fuzz harness drives exactly the code production
 * runs.
 *
 * The layer never multiplexes (FCGI_MPXS_CONNS=0): one request at a time a
 * connection; a second BEGIN_REQUEST on a busy connection is refused with
 * FCGI_CANT_MPX_CONN. Records for request ids that are not active are
 * ignored, as the specification asks.
 */
#ifndef SX_FCGI_PROTO_H
#define SX_FCGI_PROTO_H

#include "sx_util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Why a connection's input was refused; the connection is then closed. */
typedef enum sx_fcgi_err {
	SX_FCGI_OK,
	SX_FCGI_BAD_VERSION,	/* a record header whose version is not 1 */
	SX_FCGI_BAD_BEGIN,	/* BEGIN_REQUEST: id 0, short body, id reused */
	SX_FCGI_BAD_ORDER,	/* STDIN before the PARAMS stream ended */
	SX_FCGI_BAD_PARAMS,	/* a name-value pair overruns its stream,
				 * or a bad name */
	SX_FCGI_PARAMS_TOO_LARGE, /* PARAMS stream over the limit */
	SX_FCGI_NOMEM,
	SX_FCGI__MAX
} sx_fcgi_err;

/* A sentence naming the problem, for the log. */
const char *sx_fcgi_strerror(sx_fcgi_err err);

/* Where a connection stands in its current request. */
typedef enum sx_fcgi_state {
	SX_FCGI_IDLE,		/* between requests (a kept connection) */
	SX_FCGI_PARAMS,		/* BEGIN_REQUEST seen, reading PARAMS */
	SX_FCGI_STDIN,		/* PARAMS complete, reading STDIN */
	SX_FCGI_READY,		/* complete: hand envp and body to a thread */
	SX_FCGI_BUSY,		/* a thread is running it */
	SX_FCGI_STATE__MAX
} sx_fcgi_state;

extern const char *const sx_fcgi_states[SX_FCGI_STATE__MAX];

/* Bounds on what one connection may make the server hold. */
typedef struct sx_fcgi_limits {
	size_t max_params;	/* bytes of one PARAMS stream */
	size_t max_body;	/* STDIN bytes buffered; a larger
				 * CONTENT_LENGTH is dispatched at once
				 * (the app answers 413) */
	unsigned max_conns;	/* reported to GET_VALUES */
} sx_fcgi_limits;

typedef struct sx_fcgi_conn {
	const sx_fcgi_limits *lim;
	sx_buf in;		/* received, not yet parsed from in_off */
	size_t in_off;
	sx_buf out;		/* records to send, from out_off */
	size_t out_off;
	sx_fcgi_state state;
	uint16_t id;		/* the active request id (state != IDLE) */
	bool keep_conn;		/* FCGI_KEEP_CONN of the active request */
	bool close_after_flush;	/* a refused request without KEEP_CONN */
	bool stdin_ended;	/* the active request's empty STDIN record came:
				   nothing more of it is on its way */
	sx_buf params;		/* raw PARAMS stream of the active request */
	sx_buf env;		/* "NAME=value\0" strings envp points into */
	char **envp;		/* NULL-terminated, valid in READY and BUSY */
	long content_length;	/* -1 when absent or malformed */
	sx_buf body;		/* STDIN, at most min(CONTENT_LENGTH,
				 * max_body) */
} sx_fcgi_conn;

void sx_fcgi_conn_init(sx_fcgi_conn *c, const sx_fcgi_limits *lim);
void sx_fcgi_conn_free(sx_fcgi_conn *c);

/*
 * Consumes every complete record in c->in. Management replies
 * (GET_VALUES_RESULT, UNKNOWN_TYPE, END_REQUEST for a refused request) are
 * appended to c->out. When the active request is complete, c->state becomes
 * SX_FCGI_READY; records that follow are still parsed (a BUSY request's
 * STDIN is ignored). Returns SX_FCGI_OK, or the reason to close the
 * connection; partial records stay in c->in for the next call.
 */
sx_fcgi_err sx_fcgi_parse(sx_fcgi_conn *c);

/* Ends the active request (its response is on its way): the connection
 * returns to IDLE and the request's memory is released. */
void sx_fcgi_request_done(sx_fcgi_conn *c);

/* Appends a stream (STDOUT) as records of at most 65528 bytes, each padded
 * to a multiple of 8. len 0 appends nothing. Returns 0 or -1 (memory). */
int sx_fcgi_put_stream(sx_buf *out, int type, uint16_t id,
    const void *data, size_t len);
/* Appends END_REQUEST, preceded when close_stdout is true by the empty
 * STDOUT record that ends the response stream. Returns 0 or -1. */
int sx_fcgi_put_end(sx_buf *out, uint16_t id, bool close_stdout,
    uint32_t app_status, int protocol_status);

/*
 * Appends an empty STDERR record for id, to go out right behind the
 * END_REQUEST of the last response on a kept connection. nginx keeps an
 * upstream connection only when the END_REQUEST record ends what it read;
 * bytes after it make it close the connection instead of caching it, so a
 * draining worker can end a kept connection without nginx ever writing
 * another request on it. Any reader of the record sees a valid, empty
 * stream record. Returns 0 or -1 (memory).
 */
int sx_fcgi_put_goodbye(sx_buf *out, uint16_t id);

#endif
