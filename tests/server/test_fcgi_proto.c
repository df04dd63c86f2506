/*
 * test_fcgi_proto.c: the server's FastCGI record layer, record by record:
 * a request assembled from split input, the management records, refusals,
 * the limits, and the encoding of responses.
 */
#include <criterion/criterion.h>

#include <fastcgi.h>
#include <string.h>

#include "server/fcgi_proto.h"

static const sx_fcgi_limits lim = { .max_params = 1024, .max_body = 16,
    .max_conns = 7 };

/* Appends one record with content to b, padded to 8. */
static void
rec(sx_buf *b, int type, int id, const void *data, size_t len)
{
	cr_assert_eq(sx_fcgi_put_stream(b, type, (uint16_t)id, data, len), 0);
	if (len == 0) {
		unsigned char h[8] = { 1, (unsigned char)type, (unsigned char)(id >> 8),
		    (unsigned char)id, 0, 0, 0, 0 };
		sx_buf_append(b, h, 8);
	}
}

static void
begin(sx_buf *b, int id, int role, int flags)
{
	unsigned char body[8] = { 0, (unsigned char)role, (unsigned char)flags };

	rec(b, FCGI_BEGIN_REQUEST, id, body, sizeof(body));
}

/* A PARAMS stream of short "name", "value" pairs. */
static void
params(sx_buf *b, int id, const char *const *kv)
{
	sx_buf p = SX_BUF_INIT;

	for (; kv[0] != NULL; kv += 2) {
		sx_buf_putc(&p, (char)strlen(kv[0]));
		sx_buf_putc(&p, (char)strlen(kv[1]));
		sx_buf_puts(&p, kv[0]);
		sx_buf_puts(&p, kv[1]);
	}
	rec(b, FCGI_PARAMS, id, p.data, p.len);
	rec(b, FCGI_PARAMS, id, NULL, 0);
	sx_buf_free(&p);
}

/* Feeds in to c one byte at a time, as a slow client would. */
static sx_fcgi_err
feed_bytewise(sx_fcgi_conn *c, const sx_buf *in)
{
	sx_fcgi_err err = SX_FCGI_OK;

	for (size_t i = 0; i < in->len && err == SX_FCGI_OK; i++) {
		sx_buf_append(&c->in, in->data + i, 1);
		err = sx_fcgi_parse(c);
	}
	return err;
}

static sx_fcgi_err
feed(sx_fcgi_conn *c, const sx_buf *in)
{
	sx_buf_append(&c->in, in->data, in->len);
	return sx_fcgi_parse(c);
}

Test(fcgi_proto, request_split_at_every_byte)
{
	static const char *const env[] = { "REQUEST_METHOD", "POST",
	    "CONTENT_LENGTH", "5", NULL };
	sx_fcgi_conn c;
	sx_buf in = SX_BUF_INIT;

	sx_fcgi_conn_init(&c, &lim);
	begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	params(&in, 1, env);
	rec(&in, FCGI_STDIN, 1, "hel", 3);
	rec(&in, FCGI_STDIN, 1, "lo, extra", 9);
	rec(&in, FCGI_STDIN, 1, NULL, 0);
	cr_assert_eq(feed_bytewise(&c, &in), SX_FCGI_OK);
	cr_assert_eq(c.state, SX_FCGI_READY);
	cr_assert(c.keep_conn);
	cr_assert_str_eq(c.envp[0], "REQUEST_METHOD=POST");
	cr_assert_str_eq(c.envp[1], "CONTENT_LENGTH=5");
	cr_assert_null(c.envp[2]);
	cr_assert_eq(c.content_length, 5);
	/* Only CONTENT_LENGTH bytes are kept. */
	cr_assert_eq(c.body.len, 5);
	cr_assert_eq(memcmp(c.body.data, "hello", 5), 0);
	cr_assert_eq(c.out.len, 0);
	sx_fcgi_request_done(&c);
	cr_assert_eq(c.state, SX_FCGI_IDLE);
	sx_buf_free(&in);
	sx_fcgi_conn_free(&c);
}

Test(fcgi_proto, body_over_limit_is_ready_at_once)
{
	static const char *const env[] = { "CONTENT_LENGTH", "999999", NULL };
	sx_fcgi_conn c;
	sx_buf in = SX_BUF_INIT;

	sx_fcgi_conn_init(&c, &lim);
	begin(&in, 3, FCGI_RESPONDER, 0);
	params(&in, 3, env);
	rec(&in, FCGI_STDIN, 3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 30);
	cr_assert_eq(feed(&c, &in), SX_FCGI_OK);
	cr_assert_eq(c.state, SX_FCGI_READY, "state %s", sx_fcgi_states[c.state]);
	cr_assert_eq(c.body.len, 0, "a body over the limit is not buffered");
	sx_buf_free(&in);
	sx_fcgi_conn_free(&c);
}

Test(fcgi_proto, get_values_and_unknown_type)
{
	static const char q[] = "\x0e\x00" "FCGI_MAX_CONNS" "\x0f\x00" "FCGI_MPXS_CONNS"
	    "\x05\x00" "OTHER";
	sx_fcgi_conn c;
	sx_buf in = SX_BUF_INIT;
	const unsigned char *o;

	sx_fcgi_conn_init(&c, &lim);
	rec(&in, FCGI_GET_VALUES, 0, q, sizeof(q) - 1);
	rec(&in, 42, 0, "x", 1);
	cr_assert_eq(feed(&c, &in), SX_FCGI_OK);
	o = (const unsigned char *)c.out.data;
	cr_assert_eq(o[1], FCGI_GET_VALUES_RESULT);
	cr_assert_eq(o[5], 2 + 14 + 1 + 2 + 15 + 1);
	cr_assert_eq(memcmp(o + 8, "\x0e\x01" "FCGI_MAX_CONNS" "7" "\x0f\x01"
	    "FCGI_MPXS_CONNS" "0", 35), 0);
	o += 8 + 35 + o[6];
	cr_assert_eq(o[1], FCGI_UNKNOWN_TYPE);
	cr_assert_eq(o[8], 42);
	sx_buf_free(&in);
	sx_fcgi_conn_free(&c);
}

Test(fcgi_proto, refusals)
{
	sx_fcgi_conn c;
	sx_buf in = SX_BUF_INIT;
	const unsigned char *o;

	sx_fcgi_conn_init(&c, &lim);
	begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	begin(&in, 2, FCGI_RESPONDER, 0);	/* multiplexing: refused */
	cr_assert_eq(feed(&c, &in), SX_FCGI_OK);
	o = (const unsigned char *)c.out.data;
	cr_assert_eq(o[1], FCGI_END_REQUEST);
	cr_assert_eq(o[3], 2);
	cr_assert_eq(o[8 + 4], FCGI_CANT_MPX_CONN);
	cr_assert_eq(c.state, SX_FCGI_PARAMS, "request 1 goes on");
	sx_buf_reset(&in);
	begin(&in, 1, FCGI_RESPONDER, 0);	/* the active id again */
	cr_assert_eq(feed(&c, &in), SX_FCGI_BAD_BEGIN);
	sx_fcgi_conn_free(&c);

	sx_fcgi_conn_init(&c, &lim);
	sx_buf_reset(&in);
	begin(&in, 5, FCGI_AUTHORIZER, 0);
	cr_assert_eq(feed(&c, &in), SX_FCGI_OK);
	cr_assert_eq(((const unsigned char *)c.out.data)[8 + 4], FCGI_UNKNOWN_ROLE);
	cr_assert(c.close_after_flush, "no KEEP_CONN: close after the refusal");
	sx_buf_free(&in);
	sx_fcgi_conn_free(&c);
}

Test(fcgi_proto, malformed_input)
{
	static const unsigned char overrun[] = { 0x05, 0x7f, 'A', 'B', 'C' };
	static const unsigned char huge[] = { 0xff, 0xff, 0xff, 0xff, 0x01, 'A' };
	static const unsigned char eq_name[] = { 3, 1, 'A', '=', 'B', 'c' };
	static const unsigned char *const cases[] = { overrun, huge, eq_name };
	static const size_t lens[] = { sizeof(overrun), sizeof(huge), sizeof(eq_name) };
	sx_fcgi_conn c;
	sx_buf in = SX_BUF_INIT;

	for (size_t i = 0; i < 3; i++) {
		sx_fcgi_conn_init(&c, &lim);
		sx_buf_reset(&in);
		begin(&in, 1, FCGI_RESPONDER, 0);
		rec(&in, FCGI_PARAMS, 1, cases[i], lens[i]);
		rec(&in, FCGI_PARAMS, 1, NULL, 0);
		cr_assert_eq(feed(&c, &in), SX_FCGI_BAD_PARAMS, "case %zu", i);
		sx_fcgi_conn_free(&c);
	}
	/* PARAMS beyond max_params. */
	sx_fcgi_conn_init(&c, &lim);
	sx_buf_reset(&in);
	begin(&in, 1, FCGI_RESPONDER, 0);
	for (int i = 0; i < 3; i++) {
		char blob[500];

		memset(blob, 'p', sizeof(blob));
		rec(&in, FCGI_PARAMS, 1, blob, sizeof(blob));
	}
	cr_assert_eq(feed(&c, &in), SX_FCGI_PARAMS_TOO_LARGE);
	cr_assert_leq(c.params.len, lim.max_params);
	sx_fcgi_conn_free(&c);
	/* Not FastCGI at all. */
	sx_fcgi_conn_init(&c, &lim);
	sx_buf_reset(&in);
	sx_buf_puts(&in, "GET / HTTP/1.1\r\n\r\n");
	cr_assert_eq(feed(&c, &in), SX_FCGI_BAD_VERSION);
	cr_assert_str_neq(sx_fcgi_strerror(SX_FCGI_BAD_VERSION), "unknown error");
	sx_fcgi_conn_free(&c);
	sx_buf_free(&in);
}

Test(fcgi_proto, stdout_records_are_bounded_and_padded)
{
	static char big[70001];
	sx_buf out = SX_BUF_INIT;
	const unsigned char *o;
	size_t len1, len2;

	memset(big, 'x', sizeof(big));
	cr_assert_eq(sx_fcgi_put_stream(&out, FCGI_STDOUT, 9, big, sizeof(big)), 0);
	cr_assert_eq(sx_fcgi_put_end(&out, 9, true, 0, FCGI_REQUEST_COMPLETE), 0);
	o = (const unsigned char *)out.data;
	len1 = (size_t)o[4] << 8 | o[5];
	cr_assert_eq(len1, 65528);
	cr_assert_eq(o[6], 0);
	o += 8 + len1;
	len2 = (size_t)o[4] << 8 | o[5];
	cr_assert_eq(len1 + len2, sizeof(big));
	cr_assert_eq((len2 + o[6]) % 8, 0);
	o += 8 + len2 + o[6];
	cr_assert_eq(o[1], FCGI_STDOUT);	/* the empty record ending the stream */
	cr_assert_eq(o[5], 0);
	cr_assert_eq(o[8 + 1], FCGI_END_REQUEST);
	cr_assert_eq((size_t)(o + 16 + 8 - (const unsigned char *)out.data), out.len);
	sx_buf_free(&out);
}
