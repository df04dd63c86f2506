/*
 * fuzz_fcgi.c: the server's FastCGI record layer (framework/server/fcgi_proto.c)
 * over arbitrary bytes, as the worker's event loop drives it. The first
 * input byte picks how the rest is cut into reads (1 byte at a time up to
 * everything at once), so records split at every offset are covered.
 *
 * Invariants checked on every input: the parser never holds more than its
 * limits allow, a ready request's environment is well formed, and every
 * byte the layer wants to send is a sequence of whole, version-1 records
 * padded to 8 bytes.
 */
#include "server/fcgi_proto.h"
#include "fuzz.h"

#include <fastcgi.h>
#include <string.h>

static const sx_fcgi_limits limits = {
	.max_params = 4096,
	.max_body = 1024,
	.max_conns = 16,
};

/* Checks that out holds whole records only, and consumes them. */
static void
check_output(sx_fcgi_conn *c)
{
	const unsigned char *p = (const unsigned char *)c->out.data;
	size_t off = c->out_off;

	while (off < c->out.len) {
		size_t len, pad;

		SX_FUZZ_CHECK(c->out.len - off >= FCGI_HEADER_LEN);
		SX_FUZZ_CHECK(p[off] == FCGI_VERSION_1);
		SX_FUZZ_CHECK(p[off + 1] == FCGI_STDOUT ||
		    p[off + 1] == FCGI_END_REQUEST ||
		    p[off + 1] == FCGI_GET_VALUES_RESULT ||
		    p[off + 1] == FCGI_UNKNOWN_TYPE);
		len = (size_t)p[off + 4] << 8 | p[off + 5];
		pad = p[off + 6];
		SX_FUZZ_CHECK((len + pad) % 8 == 0);
		SX_FUZZ_CHECK(c->out.len - off >= FCGI_HEADER_LEN + len + pad);
		off += FCGI_HEADER_LEN + len + pad;
	}
	sx_buf_reset(&c->out);
	c->out_off = 0;
}

/* What a thread does with a ready request: check it, answer it. */
static void
serve_ready(sx_fcgi_conn *c)
{
	static const char reply[] = "Status: 200 OK\r\n\r\nok";
	size_t i;

	SX_FUZZ_CHECK(c->envp != NULL);
	for (i = 0; c->envp[i] != NULL; i++)
		SX_FUZZ_CHECK(strchr(c->envp[i], '=') > c->envp[i]);
	SX_FUZZ_CHECK(c->body.len <= limits.max_body);
	SX_FUZZ_CHECK(c->content_length >= 0 ||
	    c->body.len == 0);
	SX_FUZZ_CHECK(c->body.len <= (size_t)(c->content_length > 0 ?
	    c->content_length : 0));
	c->state = SX_FCGI_BUSY;
	SX_FUZZ_CHECK(sx_fcgi_put_stream(&c->out, FCGI_STDOUT, c->id, reply,
	    sizeof(reply) - 1) == 0);
	SX_FUZZ_CHECK(sx_fcgi_put_end(&c->out, c->id, true, 0,
	    FCGI_REQUEST_COMPLETE) == 0);
	sx_fcgi_request_done(c);
	SX_FUZZ_CHECK(c->state == SX_FCGI_IDLE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sx_fcgi_conn c;
	size_t step, off;

	if (size == 0)
		return 0;
	step = data[0] < 128 ? (size_t)data[0] + 1 : size;
	sx_fcgi_conn_init(&c, &limits);
	for (off = 1; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		sx_fcgi_err err;

		SX_FUZZ_CHECK(sx_buf_append(&c.in, data + off, n) == 0);
		err = sx_fcgi_parse(&c);
		SX_FUZZ_CHECK(err >= SX_FCGI_OK && err < SX_FCGI__MAX);
		SX_FUZZ_CHECK(c.params.len <= limits.max_params);
		/* At most one partial record is ever left unparsed. */
		SX_FUZZ_CHECK(c.in.len - c.in_off < FCGI_HEADER_LEN + 65535 + 255);
		check_output(&c);
		if (err != SX_FCGI_OK)
			break;
		if (c.state == SX_FCGI_READY)
			serve_ready(&c);
		check_output(&c);
	}
	sx_fcgi_conn_free(&c);
	return 0;
}
