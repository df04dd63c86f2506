/*
 * fcgi_proto.c: FastCGI records in and out, with no I/O of its own.
 *
 * Why not libfcgi's FCGX_Accept_r: it binds a connection to the thread that
 * accepted it, so a connection the web server keeps alive pins a thread
 * while idle. Parsing the records ourselves lets one event loop a worker
 * own every connection and hand only complete requests to threads.
 *
 * Every length that arrives is checked against what is actually there and
 * against a limit before it is used: a record's content against the bytes
 * received, each name-value pair against the rest of its stream, the PARAMS
 * stream against lim->max_params, STDIN against CONTENT_LENGTH and
 * lim->max_body. A violation closes the one connection that sent it.
 */
#include "fcgi_proto.h"

#include <ctype.h>
#include <errno.h>
#include <fastcgi.h>
#include <stdlib.h>
#include <string.h>

/* Largest STDOUT record content we emit: a multiple of 8 below 65535, so
 * full records need no padding. */
#define SX_FCGI_CHUNK 65528
/* Parsed input is moved to the front of c->in once this much is consumed. */
#define SX_FCGI_COMPACT 65536

static const char *const fcgi_errors[SX_FCGI__MAX] = {
	[SX_FCGI_OK] = "no error",
	[SX_FCGI_BAD_VERSION] = "record header has a version other than 1 "
	    "(the peer does not speak FastCGI)",
	[SX_FCGI_BAD_BEGIN] = "malformed BEGIN_REQUEST (request id 0, short "
	    "body, or an id already in use)",
	[SX_FCGI_BAD_ORDER] = "STDIN record before the PARAMS stream ended",
	[SX_FCGI_BAD_PARAMS] = "malformed PARAMS stream (a length overruns the "
	    "stream, or a name is empty or holds '=' or NUL)",
	[SX_FCGI_PARAMS_TOO_LARGE] = "PARAMS stream larger than the limit "
	    "(too many or too large request headers)",
	[SX_FCGI_NOMEM] = "out of memory",
};

const char *const sx_fcgi_states[SX_FCGI_STATE__MAX] = {
	[SX_FCGI_IDLE] = "idle",
	[SX_FCGI_PARAMS] = "params",
	[SX_FCGI_STDIN] = "stdin",
	[SX_FCGI_READY] = "ready",
	[SX_FCGI_BUSY] = "busy",
};

const char *
sx_fcgi_strerror(sx_fcgi_err err)
{
	return err >= 0 && err < SX_FCGI__MAX ? fcgi_errors[err] :
	    "unknown error";
}

void
sx_fcgi_conn_init(sx_fcgi_conn *c, const sx_fcgi_limits *lim)
{
	memset(c, 0, sizeof(*c));
	c->lim = lim;
	c->content_length = -1;
}

/* Drops the active request's memory, keeping the buffers' capacity small. */
static void
request_reset(sx_fcgi_conn *c)
{
	sx_buf_free(&c->params);
	sx_buf_free(&c->env);
	sx_buf_free(&c->body);
	free(c->envp);
	c->envp = NULL;
	c->content_length = -1;
	c->state = SX_FCGI_IDLE;
	c->id = 0;
	c->keep_conn = false;
	c->stdin_ended = false;
}

void
sx_fcgi_conn_free(sx_fcgi_conn *c)
{
	request_reset(c);
	sx_buf_free(&c->in);
	sx_buf_free(&c->out);
}

void
sx_fcgi_request_done(sx_fcgi_conn *c)
{
	request_reset(c);
}

/* ---- output ------------------------------------------------------------ */

/* Appends one record; len must be at most 65535. */
static int
put_record(sx_buf *out, int type, uint16_t id, const void *data, size_t len)
{
	static const char zeros[8];
	unsigned char h[FCGI_HEADER_LEN];
	size_t pad = (8 - len % 8) % 8;

	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	if (sx_buf_reserve(out, sizeof(h) + len + pad) < 0)
		return -1;
	sx_buf_append(out, h, sizeof(h));
	if (len > 0)
		sx_buf_append(out, data, len);
	sx_buf_append(out, zeros, pad);
	return 0;
}

int
sx_fcgi_put_stream(sx_buf *out, int type, uint16_t id, const void *data,
    size_t len)
{
	const char *p = data;

	while (len > 0) {
		size_t n = len > SX_FCGI_CHUNK ? SX_FCGI_CHUNK : len;

		if (put_record(out, type, id, p, n) < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int
sx_fcgi_put_end(sx_buf *out, uint16_t id, bool close_stdout,
    uint32_t app_status, int protocol_status)
{
	unsigned char body[8] = {
		(unsigned char)(app_status >> 24),
		(unsigned char)(app_status >> 16),
		(unsigned char)(app_status >> 8), (unsigned char)app_status,
		(unsigned char)protocol_status, 0, 0, 0,
	};

	if (close_stdout && put_record(out, FCGI_STDOUT, id, NULL, 0) < 0)
		return -1;
	return put_record(out, FCGI_END_REQUEST, id, body, sizeof(body));
}

int
sx_fcgi_put_goodbye(sx_buf *out, uint16_t id)
{
	return put_record(out, FCGI_STDERR, id, NULL, 0);
}

/* ---- name-value pairs -------------------------------------------------- */

/* Reads one length (1 byte, or 4 with the high bit set) at *p, advancing
 * it. Returns false when the stream ends first. */
static bool
read_length(const unsigned char **p, const unsigned char *end, size_t *len)
{
	if (*p >= end)
		return false;
	if ((**p & 0x80) == 0) {
		*len = **p;
		*p += 1;
		return true;
	}
	if (end - *p < 4)
		return false;
	*len = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16) |
	    ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	return true;
}

/* One pair of a stream: the name and value point into the stream. */
typedef struct nv_pair {
	const unsigned char *name, *value;
	size_t name_len, value_len;
} nv_pair;

/* Takes the next pair at *p. Returns 1 with a pair, 0 at the end of the
 * stream, -1 when a length overruns the stream. */
static int
next_pair(const unsigned char **p, const unsigned char *end, nv_pair *nv)
{
	if (*p == end)
		return 0;
	if (!read_length(p, end, &nv->name_len) ||
	    !read_length(p, end, &nv->value_len))
		return -1;
	if (nv->name_len > (size_t)(end - *p) ||
	    nv->value_len > (size_t)(end - *p) - nv->name_len)
		return -1;
	nv->name = *p;
	nv->value = *p + nv->name_len;
	*p += nv->name_len + nv->value_len;
	return 1;
}

/* CONTENT_LENGTH as a number: -1 when it is not a plain decimal. */
static long
parse_content_length(const unsigned char *s, size_t len)
{
	long v = 0;

	if (len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Turns the complete PARAMS stream into "NAME=value" strings and envp.
 * Names must be non-empty without '=' or NUL, values without NUL: either
 * would change what the C strings say.
 */
static sx_fcgi_err
decode_params(sx_fcgi_conn *c)
{
	/* An empty PARAMS stream leaves the buffer unallocated. */
	const unsigned char *p = c->params.data != NULL ?
	    (const unsigned char *)c->params.data : (const unsigned char *)"";
	const unsigned char *end = p + c->params.len;
	size_t n = 0, off, i;
	nv_pair nv;
	int rc;

	while ((rc = next_pair(&p, end, &nv)) == 1) {
		if (nv.name_len == 0 || memchr(nv.name, '=', nv.name_len) ||
		    memchr(nv.name, '\0', nv.name_len) ||
		    memchr(nv.value, '\0', nv.value_len))
			return SX_FCGI_BAD_PARAMS;
		if (sx_buf_append(&c->env, nv.name, nv.name_len) < 0 ||
		    sx_buf_putc(&c->env, '=') < 0 ||
		    sx_buf_append(&c->env, nv.value, nv.value_len) < 0 ||
		    sx_buf_putc(&c->env, '\0') < 0)
			return SX_FCGI_NOMEM;
		if (nv.name_len == 14 &&
		    memcmp(nv.name, "CONTENT_LENGTH", 14) == 0)
			c->content_length = parse_content_length(nv.value,
			    nv.value_len);
		n++;
	}
	if (rc < 0)
		return SX_FCGI_BAD_PARAMS;
	if ((c->envp = calloc(n + 1, sizeof(char *))) == NULL)
		return SX_FCGI_NOMEM;
	for (i = 0, off = 0; i < n; i++) {
		c->envp[i] = c->env.data + off;
		off += strlen(c->envp[i]) + 1;
	}
	sx_buf_free(&c->params);
	return SX_FCGI_OK;
}

/* Answers GET_VALUES with the variables we know, skipping the others. */
static sx_fcgi_err
answer_get_values(sx_fcgi_conn *c, const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len;
	sx_buf reply = SX_BUF_INIT;
	char value[24];
	nv_pair nv;
	int rc;

	while ((rc = next_pair(&p, end, &nv)) == 1) {
		const char *v = NULL;

		if (nv.name_len == strlen(FCGI_MAX_CONNS) &&
		    memcmp(nv.name, FCGI_MAX_CONNS, nv.name_len) == 0) {
			snprintf(value, sizeof(value), "%u", c->lim->max_conns);
			v = value;
		} else if (nv.name_len == strlen(FCGI_MAX_REQS) &&
		    memcmp(nv.name, FCGI_MAX_REQS, nv.name_len) == 0) {
			snprintf(value, sizeof(value), "%u", c->lim->max_conns);
			v = value;
		} else if (nv.name_len == strlen(FCGI_MPXS_CONNS) &&
		    memcmp(nv.name, FCGI_MPXS_CONNS, nv.name_len) == 0) {
			v = "0";
		}
		/* Lengths below 128 fit one byte: our names and values do. */
		if (v != NULL && (sx_buf_putc(&reply, (char)nv.name_len) < 0 ||
		    sx_buf_putc(&reply, (char)strlen(v)) < 0 ||
		    sx_buf_append(&reply, nv.name, nv.name_len) < 0 ||
		    sx_buf_puts(&reply, v) < 0)) {
			sx_buf_free(&reply);
			return SX_FCGI_NOMEM;
		}
	}
	rc = put_record(&c->out, FCGI_GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID,
	    reply.data, reply.len);
	sx_buf_free(&reply);
	return rc < 0 ? SX_FCGI_NOMEM : SX_FCGI_OK;
}

/* ---- records ----------------------------------------------------------- */

/* Refuses a request with END_REQUEST and protocol_status. */
static sx_fcgi_err
refuse(sx_fcgi_conn *c, uint16_t id, int protocol_status)
{
	return sx_fcgi_put_end(&c->out, id, false, 0, protocol_status) < 0 ?
	    SX_FCGI_NOMEM : SX_FCGI_OK;
}

static sx_fcgi_err
on_begin(sx_fcgi_conn *c, uint16_t id, const unsigned char *data, size_t len)
{
	int role;

	if (id == FCGI_NULL_REQUEST_ID || len < 8)
		return SX_FCGI_BAD_BEGIN;
	role = data[0] << 8 | data[1];
	if (c->state != SX_FCGI_IDLE)
		return id == c->id ? SX_FCGI_BAD_BEGIN :
		    refuse(c, id, FCGI_CANT_MPX_CONN);
	if (role != FCGI_RESPONDER) {
		if ((data[2] & FCGI_KEEP_CONN) == 0)
			c->close_after_flush = true;
		return refuse(c, id, FCGI_UNKNOWN_ROLE);
	}
	c->state = SX_FCGI_PARAMS;
	c->id = id;
	c->keep_conn = (data[2] & FCGI_KEEP_CONN) != 0;
	c->content_length = -1;
	c->stdin_ended = false;
	return SX_FCGI_OK;
}

/* An aborted request that no thread has yet is ended here; one a thread
 * runs is left to finish (its END_REQUEST answers the abort). */
static sx_fcgi_err
on_abort(sx_fcgi_conn *c, uint16_t id)
{
	if (c->state == SX_FCGI_IDLE || id != c->id ||
	    c->state == SX_FCGI_READY || c->state == SX_FCGI_BUSY)
		return SX_FCGI_OK;
	if (!c->keep_conn)
		c->close_after_flush = true;
	request_reset(c);
	return refuse(c, id, FCGI_REQUEST_COMPLETE);
}

static sx_fcgi_err
on_params(sx_fcgi_conn *c, uint16_t id, const unsigned char *data, size_t len)
{
	sx_fcgi_err err;

	if (c->state != SX_FCGI_PARAMS || id != c->id)
		return SX_FCGI_OK;
	if (len > 0) {
		if (len > c->lim->max_params - c->params.len)
			return SX_FCGI_PARAMS_TOO_LARGE;
		return sx_buf_append(&c->params, data, len) < 0 ?
		    SX_FCGI_NOMEM : SX_FCGI_OK;
	}
	if ((err = decode_params(c)) != SX_FCGI_OK)
		return err;
	/* A body over the limit is not read: the app answers 413 at once and
	 * the rest of the STDIN stream is skipped as a finished request's. */
	c->state = c->content_length > 0 &&
	    (size_t)c->content_length > c->lim->max_body ?
	    SX_FCGI_READY : SX_FCGI_STDIN;
	return SX_FCGI_OK;
}

static sx_fcgi_err
on_stdin(sx_fcgi_conn *c, uint16_t id, const unsigned char *data, size_t len)
{
	size_t want, take;

	if (c->state == SX_FCGI_IDLE || id != c->id)
		return SX_FCGI_OK;
	if (c->state == SX_FCGI_PARAMS)
		return SX_FCGI_BAD_ORDER;
	if (c->state != SX_FCGI_STDIN)
		return SX_FCGI_OK;
	if (len == 0) {
		c->state = SX_FCGI_READY;
		c->stdin_ended = true;
		return SX_FCGI_OK;
	}
	/* Only CONTENT_LENGTH bytes are ever read by the app: keep no more. */
	want = c->content_length > 0 ? (size_t)c->content_length : 0;
	take = want > c->body.len ? want - c->body.len : 0;
	if (take > len)
		take = len;
	return take > 0 && sx_buf_append(&c->body, data, take) < 0 ?
	    SX_FCGI_NOMEM : SX_FCGI_OK;
}

static sx_fcgi_err
on_record(sx_fcgi_conn *c, int type, uint16_t id, const unsigned char *data,
    size_t len)
{
	switch (type) {
	case FCGI_BEGIN_REQUEST:
		return on_begin(c, id, data, len);
	case FCGI_ABORT_REQUEST:
		return on_abort(c, id);
	case FCGI_PARAMS:
		return on_params(c, id, data, len);
	case FCGI_STDIN:
		return on_stdin(c, id, data, len);
	case FCGI_DATA:
		return SX_FCGI_OK;	/* only the filter role reads it */
	case FCGI_GET_VALUES:
		return answer_get_values(c, data, len);
	default: {
		unsigned char body[8] = { (unsigned char)type };

		return put_record(&c->out, FCGI_UNKNOWN_TYPE,
		    FCGI_NULL_REQUEST_ID, body, sizeof(body)) < 0 ?
		    SX_FCGI_NOMEM : SX_FCGI_OK;
	}
	}
}

sx_fcgi_err
sx_fcgi_parse(sx_fcgi_conn *c)
{
	sx_fcgi_err err = SX_FCGI_OK;

	while (err == SX_FCGI_OK && c->in.len - c->in_off >= FCGI_HEADER_LEN) {
		const unsigned char *h =
		    (const unsigned char *)c->in.data + c->in_off;
		size_t len = (size_t)h[4] << 8 | h[5], pad = h[6];

		if (h[0] != FCGI_VERSION_1)
			return SX_FCGI_BAD_VERSION;
		if (c->in.len - c->in_off < FCGI_HEADER_LEN + len + pad)
			break;
		c->in_off += FCGI_HEADER_LEN + len + pad;
		err = on_record(c, h[1], (uint16_t)(h[2] << 8 | h[3]),
		    h + FCGI_HEADER_LEN, len);
	}
	if (c->in_off == c->in.len) {
		c->in.len = c->in_off = 0;
		if (c->in.data != NULL)
			c->in.data[0] = '\0';
	} else if (c->in_off >= SX_FCGI_COMPACT) {
		memmove(c->in.data, c->in.data + c->in_off,
		    c->in.len - c->in_off);
		c->in.len -= c->in_off;
		c->in.data[c->in.len] = '\0';
		c->in_off = 0;
	}
	return err;
}
