/*
 * test_response.c: the buffered response: header checks (no CR/LF, no
 * framework-owned headers), Set-Cookie attributes and their defaults,
 * serialisation with Content-Length, the whole-response helpers and the
 * error body in JSON or HTML by Accept.
 */
#include "core.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static sx_arena *arena;
static sx_req *req;
static sx_res *res;

static void
setup(void)
{
	arena = sx_arena_new(4096);
	cr_assert_not_null(arena);
	req = sx_arena_alloc(arena, sizeof(*req));
	req->arena = arena;
	strcpy(req->id, "req-123");
	res = sx_res_new(arena, req);
	req->res = res;
}

static void
teardown(void)
{
	sx_res_free(res);
	sx_arena_free(arena);
}

TestSuite(headers, .init = setup, .fini = teardown);
TestSuite(cookie, .init = setup, .fini = teardown);
TestSuite(serialize, .init = setup, .fini = teardown);
TestSuite(helpers, .init = setup, .fini = teardown);
TestSuite(errors, .init = setup, .fini = teardown);

/* Sets the request's Accept header. */
static void
set_accept(const char *accept)
{
	req->headers = sx_arena_alloc(arena, sizeof(sx_kv));
	req->headers[0] = (sx_kv){ "accept", accept, strlen(accept) };
	req->n_headers = 1;
}

static int
buf_write(void *ctx, const char *data, size_t n)
{
	return sx_buf_append(ctx, data, n);
}

/* The serialised response (caller frees). */
static char *
serialize(bool with_body)
{
	sx_buf out = SX_BUF_INIT;
	sx_io io = { NULL, NULL, buf_write, &out, false };

	cr_assert_eq(sx_res_serialize(res, &io, with_body), 0);
	cr_assert_not_null(out.data);
	return sx_buf_steal(&out);
}

Test(headers, crlf_in_values_refused)
{
	cr_assert_eq(sx_res_header(res, "X-A", "fine value"), 0);
	cr_assert_eq(sx_res_header(res, "X-B", "evil\r\nSet-Cookie: a=b"), -1);
	cr_assert_eq(sx_res_header(res, "X-C", "line\nfeed"), -1);
	cr_assert_eq(sx_res_header(res, "X-D", "carriage\rreturn"), -1);
	cr_assert_eq(sx_res_header(res, "X-E\r\nX-F", "v"), -1);
	cr_assert_str_eq(sx_res_get_header(res, "x-a"), "fine value");
	cr_assert_null(sx_res_get_header(res, "X-B"));
	cr_assert_eq(res->n_headers, 1, "refused headers leave no trace");
}

Test(headers, names_must_be_tokens)
{
	cr_assert_eq(sx_res_header(res, "", "v"), -1);
	cr_assert_eq(sx_res_header(res, "Bad Name", "v"), -1);
	cr_assert_eq(sx_res_header(res, "Bad:Name", "v"), -1);
	cr_assert_eq(sx_res_header(res, NULL, "v"), -1);
	cr_assert_eq(sx_res_header(res, "X-Ok", NULL), -1);
}

Test(headers, framework_owned_headers_refused)
{
	cr_assert_eq(sx_res_header(res, "Content-Length", "5"), -1);
	cr_assert_eq(sx_res_header(res, "status", "200"), -1);
}

Test(headers, content_type_replaced_others_repeat)
{
	cr_assert_eq(sx_res_header(res, "Content-Type", "text/plain"), 0);
	cr_assert_eq(sx_res_header(res, "content-type", "text/html"), 0);
	cr_assert_eq(sx_res_header(res, "Vary", "Accept"), 0);
	cr_assert_eq(sx_res_header(res, "Vary", "Cookie"), 0);
	cr_assert_eq(res->n_headers, 3);
	cr_assert_str_eq(sx_res_get_header(res, "Content-Type"), "text/html");
}

Test(cookie, defaults_http_only_lax_root_path)
{
	cr_assert_eq(sx_res_cookie(res, "sid", "abc123", NULL), 0);
	cr_assert_str_eq(sx_res_get_header(res, "Set-Cookie"),
	    "sid=abc123; Path=/; HttpOnly; SameSite=Lax");
}

Test(cookie, attributes)
{
	sx_cookie_opts o = { .path = "/app", .domain = "example.org",
	    .max_age = 3600, .secure = true, .samesite = SX_SAMESITE_STRICT };

	cr_assert_eq(sx_res_cookie(res, "pref", "dark", &o), 0);
	cr_assert_str_eq(sx_res_get_header(res, "Set-Cookie"),
	    "pref=dark; Path=/app; Domain=example.org; Max-Age=3600; HttpOnly; "
	    "Secure; SameSite=Strict");
}

Test(cookie, not_http_only_none_implies_secure_and_delete)
{
	sx_cookie_opts o = { .not_http_only = true,
	    .samesite = SX_SAMESITE_NONE };
	sx_cookie_opts del = { .max_age = -1 };
	const char *c;

	cr_assert_eq(sx_res_cookie(res, "js", "1", &o), 0);
	c = sx_res_get_header(res, "Set-Cookie");
	cr_assert_null(strstr(c, "HttpOnly"));
	cr_assert_not_null(strstr(c, "; Secure; SameSite=None"), "%s", c);
	cr_assert_eq(sx_res_cookie(res, "old", "", &del), 0);
	c = sx_res_get_header(res, "Set-Cookie");
	cr_assert_not_null(strstr(c, "old=; Path=/; Max-Age=0; Expires="), "%s", c);
}

Test(cookie, unsafe_values_refused)
{
	sx_cookie_opts path = { .path = "/a\r\nX: y" };
	sx_cookie_opts dom = { .domain = "a;b" };

	cr_assert_eq(sx_res_cookie(res, "a", "x; Domain=evil", NULL), -1);
	cr_assert_eq(sx_res_cookie(res, "a", "with space", NULL), -1);
	cr_assert_eq(sx_res_cookie(res, "a", "line\nfeed", NULL), -1);
	cr_assert_eq(sx_res_cookie(res, "a=b", "v", NULL), -1);
	cr_assert_eq(sx_res_cookie(res, "a", "v", &path), -1);
	cr_assert_eq(sx_res_cookie(res, "a", "v", &dom), -1);
	cr_assert_eq(res->n_headers, 0);
}

Test(serialize, status_headers_and_content_length)
{
	char *out;

	cr_assert_eq(sx_text(res, 201, "hello"), 0);
	cr_assert_eq(sx_res_header(res, "X-Thing", "1"), 0);
	out = serialize(true);
	cr_assert_str_eq(out, "Status: 201 Created\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "X-Thing: 1\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Length: 5\r\n"
	    "\r\n"
	    "hello");
	free(out);
}

Test(serialize, head_keeps_length_drops_body)
{
	char *out;

	cr_assert_eq(sx_text(res, 200, "hello"), 0);
	out = serialize(false);
	cr_assert_not_null(strstr(out, "Content-Length: 5\r\n\r\n"));
	cr_assert_eq(strstr(out, "\r\n\r\n")[4], '\0', "no body for HEAD");
	free(out);
}

Test(serialize, default_status_and_204)
{
	char *out = serialize(true);

	cr_assert_str_eq(out, "Status: 200 OK\r\nX-Content-Type-Options: "
	    "nosniff\r\nContent-Length: 0\r\n\r\n");
	free(out);
	sx_res_status(res, 204);
	sx_res_write(res, "ignored", 7);
	out = serialize(true);
	cr_assert_str_eq(out, "Status: 204 No Content\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n");
	free(out);
}

Test(helpers, json_text_html)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "n", 1);
	cr_assert_eq(sx_json(res, 200, o), 0);
	cr_assert_str_eq(sx_res_get_header(res, "Content-Type"), "application/json");
	cr_assert_str_eq(res->body.data, "{\"n\":1}");
	cr_assert_eq(sx_html(res, 404, "<p>x</p>"), 0);
	cr_assert_eq(sx_res_get_status(res), 404);
	cr_assert_str_eq(sx_res_get_header(res, "Content-Type"),
	    "text/html; charset=utf-8");
	cr_assert_str_eq(res->body.data, "<p>x</p>", "helpers replace the body");
	cr_assert_eq(sx_json(res, 200, NULL), -1);
}

/* sx_json writes what cJSON_PrintUnformatted writes, for every kind of
 * value: whole and fractional numbers at the edges of the fast path,
 * escapes, UTF-8, raw JSON, nesting, empty containers. */
Test(helpers, json_as_cjson_prints_it)
{
	const double numbers[] = { 0, -0.0, 1, -1, 42, 2147483647, 2147483648.0,
	    -2147483649.0, 999999999999999.0, 1e15, -1e15, 9007199254740993.0,
	    123456789012345678.0, 0.1, -0.5, 1.0 / 3, 3.14159, 1e-7, 1e300,
	    -1e-300, 5e-324, NAN, INFINITY, -INFINITY };
	cJSON *o = cJSON_CreateObject(), *nums = cJSON_AddArrayToObject(o, "n");
	cJSON *nest = cJSON_CreateArray();
	char *want;

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		cJSON_AddItemToArray(nums, cJSON_CreateNumber(numbers[i]));
	cJSON_AddStringToObject(o, "s", "q\"b\\/\b\f\n\r\t\x01\x1f\x7f J\xc3\xbcrgen \xe2\x82\xac");
	cJSON_AddStringToObject(o, "", "empty key");
	cJSON_AddStringToObject(o, "k\"\n", "escaped key");
	cJSON_AddRawToObject(o, "raw", "[1, 2 ,3]");
	cJSON_AddTrueToObject(o, "t");
	cJSON_AddFalseToObject(o, "f");
	cJSON_AddNullToObject(o, "z");
	cJSON_AddItemToObject(o, "eo", cJSON_CreateObject());
	cJSON_AddItemToObject(o, "ea", cJSON_CreateArray());
	cJSON_AddItemToArray(nest, cJSON_CreateArray());
	cJSON_AddItemToArray(cJSON_GetArrayItem(nest, 0), cJSON_CreateString(""));
	cJSON_AddItemToObject(o, "nest", nest);
	want = cJSON_PrintUnformatted(o);
	cr_assert_eq(sx_json(res, 200, o), 0);
	cr_assert_str_eq(res->body.data, want);
	cJSON_free(want);
	o = cJSON_CreateArray();
	cJSON_AddItemToArray(o, cJSON_CreateNumber(7));
	cr_assert_eq(sx_json(res, 201, o), 0);
	cr_assert_str_eq(res->body.data, "[7]", "the body is replaced");
	o = cJSON_CreateString("top");
	cr_assert_eq(sx_json(res, 200, o), 0);
	cr_assert_str_eq(res->body.data, "\"top\"");
}

Test(helpers, redirect)
{
	cr_assert_eq(sx_redirect(res, 303, "/posts/7"), 0);
	cr_assert_eq(sx_res_get_status(res), 303);
	cr_assert_str_eq(sx_res_get_header(res, "Location"), "/posts/7");
	cr_assert_eq(sx_redirect(res, 200, "/x"), -1, "not a redirect status");
	cr_assert_eq(sx_redirect(res, 302, "/x\r\nSet-Cookie: a=b"), -1);
	cr_assert_str_eq(sx_res_get_header(res, "Location"), "/posts/7");
}

Test(helpers, status_range)
{
	cr_assert_eq(sx_res_status(res, 99), -1);
	cr_assert_eq(sx_res_status(res, 1000), -1);
	cr_assert_eq(sx_res_status(res, 418), 0);
	cr_assert_eq(sx_res_get_status(res), 418);
}

Test(errors, json_body_with_request_id)
{
	cJSON *j, *e, *id;

	cr_assert_eq(sx_error(res, 422, "title is required"), 0);
	cr_assert_eq(sx_res_get_status(res), 422);
	cr_assert_str_eq(sx_res_get_header(res, "Content-Type"), "application/json");
	j = cJSON_Parse(res->body.data);
	cr_assert_not_null(j);
	e = cJSON_GetObjectItem(j, "error");
	id = cJSON_GetObjectItem(j, "request_id");
	cr_assert_str_eq(cJSON_GetStringValue(e), "title is required");
	cr_assert_str_eq(cJSON_GetStringValue(id), "req-123");
	cJSON_Delete(j);
}

Test(errors, html_when_the_client_prefers_it)
{
	set_accept("text/html,application/xhtml+xml,*/*;q=0.8");
	cr_assert_eq(sx_error(res, 404, "no <post> here"), 0);
	cr_assert_str_eq(sx_res_get_header(res, "Content-Type"),
	    "text/html; charset=utf-8");
	cr_assert_not_null(strstr(res->body.data, "404 Not Found"));
	cr_assert_not_null(strstr(res->body.data, "no &lt;post&gt; here"),
	    "the message is escaped: %s", res->body.data);
	cr_assert_null(strstr(res->body.data, "<post>"));
	cr_assert_not_null(strstr(res->body.data, "req-123"));
}

Test(errors, json_when_json_comes_first)
{
	set_accept("application/json, text/html");
	cr_assert_eq(sx_error(res, 400, "bad"), 0);
	cr_assert_str_eq(sx_res_get_header(res, "Content-Type"), "application/json");
}
