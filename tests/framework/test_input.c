/*
 * test_input.c: what a client sends is either clean or refused. Log lines
 * cannot be forged through a decoded path, JSON bodies and path parameters
 * must be UTF-8, values handed on as C strings may not hold NUL, an unknown
 * method is 501 and an oversized request head is 431. Every request goes
 * through the public test client.
 */
#include "sextant.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int handler_runs;

static int
h_echo(sx_req *req, sx_res *res)
{
	const char *v;

	handler_runs++;
	if ((v = sx_req_param(req, "name")) == NULL &&
	    (v = sx_req_query(req, "a")) == NULL &&
	    (v = sx_req_form(req, "a")) == NULL &&
	    (v = sx_req_cookie(req, "a")) == NULL)
		v = "-";
	return sx_text(res, 200, v);
}

static int
h_json(sx_req *req, sx_res *res)
{
	const cJSON *j = sx_req_json(req);

	handler_runs++;
	return sx_json(res, 200, j ? cJSON_Duplicate(j, 1) : cJSON_CreateNull());
}

static const sx_route routes[] = {
	{ SX_GET, "/x", h_echo, NULL, "x", NULL },
	{ SX_GET, "/p/{name}", h_echo, NULL, "param", NULL },
	{ SX_POST, "/form", h_echo, NULL, "form", NULL },
	{ SX_POST, "/json", h_json, NULL, "json", NULL },
};

static const sx_app app = {
	.name = "input-test",
	SX_ROUTE_TABLE(routes),
};

static char log_path[] = "/tmp/sx-input-log-XXXXXX";
static sx_test_client *tc;

static void
setup(void)
{
	const char *opts[] = { "--log", log_path, NULL };
	char err[256];
	int fd = mkstemp(log_path);

	cr_assert_geq(fd, 0, "mkstemp");
	close(fd);
	tc = sx_test_client_new(&app, opts, err, sizeof(err));
	cr_assert_not_null(tc, "test client: %s", err);
	handler_runs = 0;
}

static void
teardown(void)
{
	sx_test_client_free(tc);
	unlink(log_path);
	strcpy(log_path, "/tmp/sx-input-log-XXXXXX");
}

TestSuite(input, .init = setup, .fini = teardown);

static sx_test_response *
request(const char *method, const char *path, const char *const *headers,
    const char *body, size_t len)
{
	sx_test_response *r = sx_test_request(tc, method, path, headers, body,
	    len);

	cr_assert_not_null(r, "%s %s: no response", method, path);
	return r;
}

/* Status of one request; the response is freed. */
static int
status_of(const char *method, const char *path, const char *const *headers,
    const char *body, size_t len)
{
	sx_test_response *r = request(method, path, headers, body, len);
	int status = r->status;

	sx_test_response_free(r);
	return status;
}

/* The log file's whole text (malloc'd). */
static char *
read_log(void)
{
	FILE *f = fopen(log_path, "r");
	char *text = calloc(1, 65536);
	size_t n;

	cr_assert_not_null(f, "open %s", log_path);
	n = fread(text, 1, 65535, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

Test(input, decoded_newline_cannot_forge_a_log_line)
{
	char *before = read_log(), *after, *line;
	size_t n0 = count_lines(before);

	cr_assert_eq(status_of("GET", "/x%0a2026-12-02T16:00:00.000Z%20id=FORGED"
	    "%20GET%20/admin%20200%200.1ms", NULL, NULL, 0), 404);
	after = read_log();
	cr_assert_eq(count_lines(after), n0 + 1,
	    "one request, one log line:\n%s", after);
	line = after + strlen(before);
	cr_assert_not_null(strstr(line, "/x\\n2026-12-02T16:00:00.000Z id=FORGED"),
	    "the newline is escaped in place: %s", line);
	cr_assert_null(strstr(after, "\n2026-12-02T16:00:00.000Z"),
	    "no line starts with the forged time stamp: %s", after);
	free(before);
	free(after);
}

Test(input, control_characters_and_backslash_are_escaped_in_the_log)
{
	char *before = read_log(), *after, *line;

	cr_assert_eq(status_of("GET", "/a%0d%09%1b%5c%7fb", NULL, NULL, 0), 404);
	after = read_log();
	line = after + strlen(before);
	cr_assert_not_null(strstr(line, "/a\\r\\t\\x1b\\\\\\x7fb "),
	    "escaped: %s", line);
	free(before);
	free(after);
}

static int
json_status(const char *body, size_t len)
{
	static const char *const h[] = { "Content-Type: application/json", NULL };

	return status_of("POST", "/json", h, body, len);
}

Test(input, json_body_must_be_utf8)
{
	static const char *const bad[] = {
		"{\"a\":\"\xff\"}",			/* never valid */
		"{\"a\":\"\xc3\"}",			/* truncated sequence */
		"{\"a\":\"\xc0\xaf\"}",			/* overlong '/' */
		"{\"a\":\"\xed\xa0\x80\"}",		/* UTF-16 surrogate */
		"{\"a\":\"\xf4\x90\x80\x80\"}",		/* above U+10FFFF */
		"{\"\xfe\":1}",				/* in a name */
	};

	for (size_t i = 0; i < SX_NELEM(bad); i++)
		cr_assert_eq(json_status(bad[i], strlen(bad[i])), 400,
		    "case %zu", i);
	cr_assert_eq(handler_runs, 0);
	cr_assert_eq(json_status("{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
	    strlen("{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}")), 200);
}

Test(input, path_parameter_must_decode_to_utf8)
{
	sx_test_response *r;

	cr_assert_eq(status_of("GET", "/p/%ff", NULL, NULL, 0), 400);
	cr_assert_eq(status_of("GET", "/p/a%c3", NULL, NULL, 0), 400);
	cr_assert_eq(status_of("GET", "/p/%ed%a0%80", NULL, NULL, 0), 400);
	cr_assert_eq(handler_runs, 0);
	r = request("GET", "/p/caf%c3%a9", NULL, NULL, 0);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "caf\xc3\xa9");
	sx_test_response_free(r);
}

Test(input, nul_in_json_string_is_400)
{
	static const char nul[] = "{\"a\":\"ab\\u0000cd\"}";
	static const char nul_name[] = "{\"a\\u0000b\":1}";
	static const char escaped_backslash[] = "{\"a\":\"ab\\\\u0000cd\"}";
	sx_test_response *r;

	cr_assert_eq(json_status(nul, strlen(nul)), 400);
	cr_assert_eq(json_status(nul_name, strlen(nul_name)), 400);
	cr_assert_eq(handler_runs, 0);
	/* A backslash, then the text "u0000": no NUL at all. */
	r = request("POST", "/json", (const char *const[]){
	    "Content-Type: application/json", NULL }, escaped_backslash,
	    strlen(escaped_backslash));
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "{\"a\":\"ab\\\\u0000cd\"}");
	sx_test_response_free(r);
}

static int
form_status(const char *body)
{
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};

	return status_of("POST", "/form", h, body, strlen(body));
}

Test(input, nul_in_form_query_and_path_is_400)
{
	static const char *const mp[] = {
		"Content-Type: multipart/form-data; boundary=zz", NULL
	};
	static const char field[] = "--zz\r\nContent-Disposition: form-data; "
	    "name=\"a\"\r\n\r\nx\0y\r\n--zz--\r\n";
	static const char file[] = "--zz\r\nContent-Disposition: form-data; "
	    "name=\"a\"; filename=\"b.bin\"\r\n\r\nx\0y\r\n--zz--\r\n";

	cr_assert_eq(form_status("a=x%00y"), 400);
	cr_assert_eq(status_of("GET", "/x?a=x%00y", NULL, NULL, 0), 400);
	cr_assert_eq(status_of("GET", "/p/x%00y", NULL, NULL, 0), 400);
	cr_assert_eq(status_of("POST", "/form", mp, field, sizeof(field) - 1),
	    400, "a form field is a C string");
	cr_assert_eq(handler_runs, 0);
	cr_assert_eq(status_of("POST", "/form", mp, file, sizeof(file) - 1),
	    200, "a file's bytes are (data, len) and may hold NUL");
	cr_assert_eq(form_status("a=x%01y"), 200);
}

Test(input, cookie_values_are_not_decoded)
{
	static const char *const h[] = { "Cookie: a=x%00y", NULL };
	sx_test_response *r = request("GET", "/x", h, NULL, 0);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "x%00y", "kept as sent: no NUL can appear");
	sx_test_response_free(r);
}

Test(input, unknown_method_is_501)
{
	sx_test_response *r = request("BREW", "/x", NULL, NULL, 0);

	cr_assert_eq(r->status, 501);
	cr_assert_eq(handler_runs, 0);
	sx_test_response_free(r);
	cr_assert_eq(status_of("get", "/x", NULL, NULL, 0), 501,
	    "methods are case-sensitive");
}

Test(input, oversized_request_head_is_431)
{
	size_t big = 40 * 1024;
	char *line = malloc(big + 16), *uri = malloc(big + 16);
	const char *h[] = { line, NULL };

	strcpy(line, "X-Big: ");
	memset(line + 7, 'a', big);
	line[7 + big] = '\0';
	cr_assert_eq(status_of("GET", "/x", h, NULL, 0), 431);
	strcpy(uri, "/x?a=");
	memset(uri + 5, 'b', big);
	uri[5 + big] = '\0';
	cr_assert_eq(status_of("GET", uri, NULL, NULL, 0), 431);
	cr_assert_eq(handler_runs, 0);
	/* Well under the cap: served. */
	line[7 + 8 * 1024] = '\0';
	cr_assert_eq(status_of("GET", "/x", h, NULL, 0), 200);
	free(line);
	free(uri);
}
