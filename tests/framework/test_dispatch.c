/*
 * test_dispatch.c: whole requests through sx_dispatch. Most go through the
 * public test client; the mount-point cases drive sx_dispatch with the CGI
 * parameters real web servers send (nginx with and without
 * fastcgi_split_path_info, Apache mod_cgi), and a body cut short by the
 * client must run nothing and write nothing.
 */
#include "core.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int handler_runs;

/* {"name": value, ...} of a pair array; repeated names become arrays. */
static cJSON *
pairs_json(const sx_kv *kv, size_t n)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < n; i++) {
		cJSON *old = cJSON_GetObjectItemCaseSensitive(o, kv[i].name);
		cJSON *v = cJSON_CreateString(kv[i].value);

		if (old == NULL)
			cJSON_AddItemToObject(o, kv[i].name, v);
		else {
			if (!cJSON_IsArray(old)) {
				cJSON *arr = cJSON_CreateArray();

				cJSON_AddItemToArray(arr, cJSON_Duplicate(old, 1));
				cJSON_ReplaceItemInObjectCaseSensitive(o, kv[i].name,
				    arr);
				old = arr;
			}
			cJSON_AddItemToArray(old, v);
		}
	}
	return o;
}

static int
h_args(sx_req *req, sx_res *res)
{
	size_t n;
	const sx_kv *kv = sx_req_queries(req, &n);

	handler_runs++;
	return sx_json(res, 200, pairs_json(kv, n));
}

static int
h_form(sx_req *req, sx_res *res)
{
	size_t n;
	const sx_kv *kv = sx_req_forms(req, &n);

	handler_runs++;
	return sx_json(res, 200, pairs_json(kv, n));
}

static int
h_upload(sx_req *req, sx_res *res)
{
	const sx_upload *f = sx_req_file(req, "doc");

	handler_runs++;
	if (f == NULL)
		return sx_error(res, 400, "no file in field doc");
	return sx_res_printf(res, "%s|%s|%s|%zu|%s", f->field, f->filename,
	    f->content_type, f->len, sx_req_form(req, "note"));
}

static int
h_json(sx_req *req, sx_res *res)
{
	const cJSON *j = sx_req_json(req);

	handler_runs++;
	return sx_json(res, 200, j ? cJSON_Duplicate(j, 1) :
	    cJSON_CreateString("not json"));
}

static int
h_path(sx_req *req, sx_res *res)
{
	handler_runs++;
	return sx_text(res, 200, sx_req_path(req));
}

static const sx_route routes[] = {
	{ SX_GET, "/args", h_args, NULL, "args", NULL },
	{ SX_POST, "/form", h_form, NULL, "form", NULL },
	{ SX_POST, "/upload", h_upload, NULL, "upload", NULL },
	{ SX_POST, "/json", h_json, NULL, "post_json", NULL },
	{ SX_GET, "/json", h_path, NULL, "json", NULL },
	{ SX_GET, "/", h_path, NULL, "root", NULL },
	{ SX_GET, "/greet/{name}", h_path, NULL, "greet", NULL },
};

static const sx_app app = {
	.name = "dispatch-test",
	SX_ROUTE_TABLE(routes),
	.max_body = 256,
};

static const char *const quiet[] = { "--log", "/dev/null", NULL };
static sx_test_client *tc;

static void
setup(void)
{
	char err[256];

	tc = sx_test_client_new(&app, quiet, err, sizeof(err));
	cr_assert_not_null(tc, "test client: %s", err);
	handler_runs = 0;
}

static void
teardown(void)
{
	sx_test_client_free(tc);
}

TestSuite(client, .init = setup, .fini = teardown);

static sx_test_response *
request(const char *method, const char *path, const char *const *headers,
    const char *body, size_t len)
{
	sx_test_response *r = sx_test_request(tc, method, path, headers, body,
	    len);

	cr_assert_not_null(r, "%s %s: no response", method, path);
	return r;
}

/* The "error" member of a JSON error body. */
static const char *
error_of(const sx_test_response *r)
{
	cr_assert_not_null(r->json, "not JSON: %s", r->body);
	return cJSON_GetStringValue(cJSON_GetObjectItem(r->json, "error"));
}

Test(client, query_arguments)
{
	sx_test_response *r = request("GET", "/args?a=1&b=x+y%21&a=2&flag", NULL,
	    NULL, 0);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "{\"a\":[\"1\",\"2\"],\"b\":\"x y!\",\"flag\":\"\"}");
	sx_test_response_free(r);
}

Test(client, malformed_query_is_400)
{
	sx_test_response *r = request("GET", "/args?a=%zz", NULL, NULL, 0);

	cr_assert_eq(r->status, 400);
	cr_assert_str_eq(error_of(r), "malformed percent-encoding, or a NUL "
	    "byte (%00), in the query string");
	cr_assert_eq(handler_runs, 0);
	sx_test_response_free(r);
}

Test(client, form_echo)
{
	static const char *const h[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	static const char body[] = "title=Hello+there&tags=a&tags=b&empty=";
	sx_test_response *r = request("POST", "/form", h, body, sizeof(body) - 1);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "{\"title\":\"Hello there\",\"tags\":[\"a\",\"b\"],"
	    "\"empty\":\"\"}");
	sx_test_response_free(r);
}

Test(client, multipart_upload)
{
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=----Bnd7", NULL
	};
	static const char body[] =
	    "------Bnd7\r\n"
	    "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
	    "quarterly\r\n"
	    "------Bnd7\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; filename=\"r.csv\"\r\n"
	    "Content-Type: text/csv\r\n\r\n"
	    "a,b\r\n1,2\0\r\n"
	    "------Bnd7--\r\n";
	sx_test_response *r = request("POST", "/upload", h, body, sizeof(body) - 1);

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(r->body, "doc|r.csv|text/csv|9|quarterly");
	sx_test_response_free(r);
}

Test(client, malformed_multipart_is_400_with_reason)
{
	static const char *const h[] = {
		"Content-Type: multipart/form-data; boundary=zz", NULL
	};
	static const char body[] = "--zz\r\nContent-Type: text/plain\r\n\r\nx\r\n--zz--";
	sx_test_response *r = request("POST", "/upload", h, body, sizeof(body) - 1);

	cr_assert_eq(r->status, 400);
	cr_assert_str_eq(error_of(r),
	    "multipart part has no Content-Disposition header");
	cr_assert_eq(handler_runs, 0);
	sx_test_response_free(r);
}

Test(client, json_body_and_broken_json)
{
	static const char *const h[] = { "Content-Type: application/json", NULL };
	sx_test_response *r = request("POST", "/json", h, "{\"k\":[1,true]}", 14);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "{\"k\":[1,true]}");
	sx_test_response_free(r);
	r = request("POST", "/json", h, "{\"k\":", 5);
	cr_assert_eq(r->status, 400);
	cr_assert_str_eq(error_of(r), "malformed JSON body");
	cr_assert_eq(handler_runs, 1, "the handler must not run for broken JSON");
	sx_test_response_free(r);
}

Test(client, body_over_max_body_is_413)
{
	static const char *const h[] = { "Content-Type: text/plain", NULL };
	char big[257];
	sx_test_response *r;

	memset(big, 'x', sizeof(big));
	r = request("POST", "/json", h, big, sizeof(big));
	cr_assert_eq(r->status, 413);
	cr_assert_eq(handler_runs, 0);
	sx_test_response_free(r);
	r = request("POST", "/json", h, big, 256);
	cr_assert_eq(r->status, 200, "exactly max_body is accepted");
	sx_test_response_free(r);
}

Test(client, request_id_echoed)
{
	static const char *const h[] = { "X-Request-ID: trace-42", NULL };
	sx_test_response *r = request("GET", "/nowhere", h, NULL, 0);

	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(sx_test_header(r, "X-Request-ID"), "trace-42");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r->json,
	    "request_id")), "trace-42");
	sx_test_response_free(r);
	r = request("GET", "/args", NULL, NULL, 0);
	cr_assert_eq(strlen(sx_test_header(r, "X-Request-ID")), 36,
	    "without one, a UUID is made");
	sx_test_response_free(r);
}

Test(client, not_found_method_not_allowed_and_head)
{
	sx_test_response *r = request("DELETE", "/args", NULL, NULL, 0);

	cr_assert_eq(r->status, 405);
	cr_assert_str_eq(sx_test_header(r, "Allow"), "GET, HEAD");
	sx_test_response_free(r);
	r = request("HEAD", "/greet/ada", NULL, NULL, 0);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(sx_test_header(r, "Content-Length"), "10");
	cr_assert_eq(r->body_len, 0, "HEAD has no body");
	sx_test_response_free(r);
}

/* ---- sx_dispatch with the parameters of real web servers ------------------ */

typedef struct wire {
	const char *body;
	size_t len, off;
	sx_buf out;
} wire;

static long
wire_read(void *ctx, char *buf, size_t n)
{
	wire *w = ctx;

	if (n > w->len - w->off)
		n = w->len - w->off;
	memcpy(buf, w->body + w->off, n);
	w->off += n;
	return (long)n;
}

static int
wire_write(void *ctx, const char *buf, size_t n)
{
	return sx_buf_append(&((wire *)ctx)->out, buf, n);
}

static sx_runtime *rt;

static void
rt_setup(void)
{
	sx_config cfg = { .log_file = "/dev/null" };
	char err[256];

	rt = sx_runtime_new(&app, &cfg, err, sizeof(err));
	cr_assert_not_null(rt, "runtime: %s", err);
	handler_runs = 0;
}

static void
rt_teardown(void)
{
	sx_runtime_free(rt);
}

TestSuite(mount, .init = rt_setup, .fini = rt_teardown);

/* Runs one request; returns sx_dispatch's result, the raw output in *out
 * (caller frees). */
static int
dispatch(char **envp, bool cgi, const char *body, size_t len, char **out)
{
	wire w = { body, len, 0, SX_BUF_INIT };
	sx_io io = { envp, wire_read, wire_write, &w, cgi };
	sx_arena *a = sx_arena_new(4096);
	int rc = sx_dispatch(rt, &io, a);

	sx_arena_free(a);
	*out = w.out.data;
	return rc;
}

/* Dispatches a GET and asserts the handler saw path. */
static void
expect_path(char **envp, bool cgi, const char *path)
{
	char *out;

	cr_assert_eq(dispatch(envp, cgi, NULL, 0, &out), 0);
	cr_assert_not_null(out);
	cr_assert(strncmp(out, "Status: 200", 11) == 0, "%s", out);
	cr_assert_str_eq(strstr(out, "\r\n\r\n") + 4, path);
	free(out);
}

Test(mount, nginx_default_script_name_is_the_uri)
{
	char *env[] = {
		"REQUEST_METHOD=GET", "REQUEST_URI=/greet/x?y=1",
		"SCRIPT_NAME=/greet/x", "QUERY_STRING=y=1", NULL
	};

	expect_path(env, false, "/greet/x");
}

Test(mount, nginx_split_path_info_under_app)
{
	char *env[] = {
		"REQUEST_METHOD=GET", "REQUEST_URI=/app/json",
		"SCRIPT_NAME=/app", "PATH_INFO=/json", "QUERY_STRING=", NULL
	};

	expect_path(env, false, "/json");
}

Test(mount, script_name_prefix_without_path_info)
{
	char *env[] = {
		"REQUEST_METHOD=GET", "REQUEST_URI=/app/greet/%41da",
		"SCRIPT_NAME=/app", NULL
	};

	expect_path(env, false, "/greet/Ada");
}

Test(mount, sx_mount_parameter)
{
	char *env[] = {
		"REQUEST_METHOD=GET", "REQUEST_URI=/svc/json",
		"SCRIPT_NAME=/svc/json", "SX_MOUNT=/svc", NULL
	};
	char *root[] = {
		"REQUEST_METHOD=GET", "REQUEST_URI=/svc",
		"SCRIPT_NAME=/svc", "SX_MOUNT=/svc/", NULL
	};

	expect_path(env, false, "/json");
	expect_path(root, false, "/");
}

Test(mount, apache_mod_cgi)
{
	char *env[] = {
		"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=GET",
		"REQUEST_URI=/cgi-bin/hello/greet/x", "SCRIPT_NAME=/cgi-bin/hello",
		"PATH_INFO=/greet/x", "QUERY_STRING=", NULL
	};
	char *root[] = {
		"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=GET",
		"REQUEST_URI=/cgi-bin/hello", "SCRIPT_NAME=/cgi-bin/hello",
		"QUERY_STRING=", NULL
	};

	expect_path(env, true, "/greet/x");
	expect_path(root, true, "/");
}

Test(mount, body_shorter_than_content_length_is_aborted)
{
	char *env[] = {
		"REQUEST_METHOD=POST", "REQUEST_URI=/json", "SCRIPT_NAME=/json",
		"CONTENT_TYPE=application/json", "CONTENT_LENGTH=100", NULL
	};
	char *out;

	cr_assert_eq(dispatch(env, false, "{\"a\":1}", 7, &out), -1);
	cr_assert_null(out, "nothing may be written: %s", out);
	cr_assert_eq(handler_runs, 0);
}

Test(mount, malformed_path_escape_is_400)
{
	char *env[] = {
		"REQUEST_METHOD=GET", "REQUEST_URI=/greet/%zz",
		"SCRIPT_NAME=/greet/%zz", NULL
	};
	char *out;

	cr_assert_eq(dispatch(env, false, NULL, 0, &out), 0);
	cr_assert(strncmp(out, "Status: 400", 11) == 0, "%s", out);
	cr_assert_eq(handler_runs, 0);
	free(out);
}

/* ---- names, failing handlers, caller-owned options ------------------------ */

static int
h_lookup(sx_req *req, sx_res *res)
{
	const char *q = sx_req_query(req, "name");
	const char *h = sx_req_header(req, "x-custom");

	return sx_res_printf(res, "query=%s header=%s", q ? q : "(none)",
	    h ? h : "(none)");
}

/* Uses a key the route did not declare (a pending 500), then answers 404
 * itself and fails: its own error status must stand. */
static int
h_own_error(sx_req *req, sx_res *res)
{
	cr_expect_null(sx_db(req, "undeclared"));
	sx_error(res, 404, "no such thing");
	return -1;
}

/* Fails after a dependency failed, without setting a status: the
 * dependency's error is what the client gets. */
static int
h_dep_error(sx_req *req, sx_res *res)
{
	(void)res;
	return sx_db(req, "undeclared") == NULL ? -1 : 0;
}

static int
h_missing_template(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_render(res, 200, "no_such_page", NULL);
}

static const sx_route more_routes[] = {
	{ SX_GET, "/lookup", h_lookup, NULL, "lookup", NULL },
	{ SX_GET, "/own-error", h_own_error, NULL, "own_error", NULL },
	{ SX_GET, "/dep-error", h_dep_error, NULL, "dep_error", NULL },
	{ SX_GET, "/page", h_missing_template, NULL, "page", NULL },
};

static const sx_app more_app = {
	.name = "dispatch-test-more",
	SX_ROUTE_TABLE(more_routes),
};

/* Query names match exactly; header names match in any case. */
Test(names, query_exact_header_any_case)
{
	char err[256];
	sx_test_client *c = sx_test_client_new(&more_app, quiet, err, sizeof(err));
	const char *const hdr[] = { "X-Custom: yes", NULL };
	sx_test_response *r;

	cr_assert_not_null(c, "%s", err);
	r = sx_test_request(c, "GET", "/lookup?Name=upper", hdr, NULL, 0);
	cr_assert_not_null(r);
	cr_expect_str_eq(r->body, "query=(none) header=yes");
	sx_test_response_free(r);
	r = sx_test_request(c, "GET", "/lookup?name=lower", NULL, NULL, 0);
	cr_expect_str_eq(r->body, "query=lower header=(none)");
	sx_test_response_free(r);
	sx_test_client_free(c);
}

Test(failing, handler_error_status_stands_over_a_dependency_error)
{
	char err[256];
	sx_test_client *c = sx_test_client_new(&more_app, quiet, err, sizeof(err));
	sx_test_response *r;

	cr_assert_not_null(c, "%s", err);
	r = sx_test_request(c, "GET", "/own-error", NULL, NULL, 0);
	cr_expect_eq(r->status, 404);
	cr_expect(strstr(r->body, "no such thing") != NULL, "%s", r->body);
	sx_test_response_free(r);
	r = sx_test_request(c, "GET", "/dep-error", NULL, NULL, 0);
	cr_expect_eq(r->status, 500);
	cr_expect(strstr(r->body, "internal error") != NULL, "%s", r->body);
	cr_expect(strstr(r->body, "undeclared") == NULL, "hint in the log only: "
	    "%s", r->body);
	sx_test_response_free(r);
	sx_test_client_free(c);
}

/* The client copies its options: the caller's strings may be freed at once
 * (ASan reports a use after free otherwise: the missing-template message
 * names the templates folder). */
Test(options, caller_may_free_its_strings)
{
	char err[256], *dir = strdup("/tmp/sx-test-no-templates-XXXXXX");
	char *opt[5];
	sx_test_client *c;
	sx_test_response *r;

	cr_assert_not_null(mkdtemp(dir));
	opt[0] = strdup("--templates");
	opt[1] = strdup(dir);
	opt[2] = strdup("--log");
	opt[3] = strdup("/dev/null");
	opt[4] = NULL;
	c = sx_test_client_new(&more_app, (const char *const *)opt, err, sizeof(err));
	for (int i = 0; i < 4; i++) {
		memset(opt[i], 'x', strlen(opt[i]));
		free(opt[i]);
	}
	cr_assert_not_null(c, "%s", err);
	r = sx_test_request(c, "GET", "/page", NULL, NULL, 0);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 500);
	sx_test_response_free(r);
	sx_test_client_free(c);
	rmdir(dir);
	free(dir);
}
