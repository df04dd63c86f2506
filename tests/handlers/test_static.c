/*
 * test_static.c: the static files handler through the public test client,
 * over a folder made for each test: 200 with its headers, HEAD, 304 on
 * both validators, 206 and 416, and a 404 for every way out of the folder.
 */
#include "sextant.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[] = "/tmp/sx-static-XXXXXX";
static char dir[256];
static sx_static_opts opts = { .cache_control = "public, max-age=60" };

static int
h_static(sx_req *req, sx_res *res)
{
	return sx_static_serve(req, res, &opts);
}

static const sx_route routes[] = {
	{ SX_GET, "/static/{path:path}", h_static, NULL, "static", NULL },
};

static const sx_app app = { .name = "static-test", SX_ROUTE_TABLE(routes) };
static const char *const quiet[] = { "--log", "/dev/null", NULL };
static sx_test_client *tc;
#define BIG_SIZE (300 * 1000)

static void
put(const char *rel, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	cr_assert_not_null(f = fopen(path, "w"), "create %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
setup(void)
{
	char err[256], path[512], *big = malloc(BIG_SIZE);

	cr_assert_not_null(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/static", top);
	opts.dir = dir;
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	put("static/hello.txt", "Hello, static!\n", 15);
	put("static/style.css", "body{}", 6);
	put("static/sub/app.js", "let a;", 6);
	put("static/.env", "SECRET=1", 8);
	put("secret.txt", "top secret", 10);
	for (size_t i = 0; i < BIG_SIZE; i++)
		big[i] = (char)(i * 7 + i / 251);
	put("static/big.bin", big, BIG_SIZE);
	free(big);
	snprintf(path, sizeof(path), "%s/out", dir);
	cr_assert_eq(symlink("../secret.txt", path), 0);
	snprintf(path, sizeof(path), "%s/sub/up", dir);
	cr_assert_eq(symlink("../../secret.txt", path), 0);
	snprintf(path, sizeof(path), "%s/alias.txt", dir);
	cr_assert_eq(symlink("hello.txt", path), 0);
	snprintf(path, sizeof(path), "%s/etc", dir);
	cr_assert_eq(symlink("/etc", path), 0);
	tc = sx_test_client_new(&app, quiet, err, sizeof(err));
	cr_assert_not_null(tc, "test client: %s", err);
}

static void
teardown(void)
{
	char cmd[300];

	sx_test_client_free(tc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	cr_assert_eq(system(cmd), 0);
	strcpy(top, "/tmp/sx-static-XXXXXX");
}

TestSuite(static_files, .init = setup, .fini = teardown);

static sx_test_response *
get(const char *method, const char *path, const char *header)
{
	const char *h[] = { header, NULL };
	sx_test_response *r = sx_test_request(tc, method, path,
	    header ? h : NULL, NULL, 0);

	cr_assert_not_null(r, "%s %s: no response", method, path);
	return r;
}

static int
status_of(const char *path)
{
	sx_test_response *r = get("GET", path, NULL);
	int status = r->status;

	cr_assert_null(strstr(r->body, "secret"), "%s leaked: %s", path, r->body);
	sx_test_response_free(r);
	return status;
}

Test(static_files, serves_a_file_with_its_headers)
{
	sx_test_response *r = get("GET", "/static/hello.txt", NULL);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "Hello, static!\n");
	cr_assert_str_eq(sx_test_header(r, "Content-Type"),
	    "text/plain; charset=utf-8");
	cr_assert_str_eq(sx_test_header(r, "Content-Length"), "15");
	cr_assert_str_eq(sx_test_header(r, "Cache-Control"), "public, max-age=60");
	cr_assert_str_eq(sx_test_header(r, "Accept-Ranges"), "bytes");
	cr_assert_not_null(sx_test_header(r, "ETag"));
	cr_assert_not_null(strstr(sx_test_header(r, "Last-Modified"), " GMT"));
	sx_test_response_free(r);
	r = get("GET", "/static/style.css", NULL);
	cr_assert_str_eq(sx_test_header(r, "Content-Type"),
	    "text/css; charset=utf-8");
	sx_test_response_free(r);
	r = get("GET", "/static/sub/app.js", NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(sx_test_header(r, "Content-Type"),
	    "text/javascript; charset=utf-8");
	sx_test_response_free(r);
	r = get("GET", "/static/big.bin", NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, BIG_SIZE, "streamed in chunks, all of it");
	cr_assert_eq((unsigned char)r->body[BIG_SIZE - 1],
	    (unsigned char)((BIG_SIZE - 1) * 7 + (BIG_SIZE - 1) / 251));
	cr_assert_str_eq(sx_test_header(r, "Content-Type"),
	    "application/octet-stream");
	sx_test_response_free(r);
	r = get("GET", "/static/alias.txt", NULL);
	cr_assert_eq(r->status, 200, "a link that stays inside is served");
	sx_test_response_free(r);
}

Test(static_files, head_has_length_and_no_body)
{
	sx_test_response *r = get("HEAD", "/static/big.bin", NULL);

	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, 0);
	cr_assert_str_eq(sx_test_header(r, "Content-Length"), "300000");
	sx_test_response_free(r);
}

Test(static_files, not_modified_on_either_validator)
{
	sx_test_response *r = get("GET", "/static/hello.txt", NULL);
	char inm[128], ims[128];

	snprintf(inm, sizeof(inm), "If-None-Match: %s",
	    sx_test_header(r, "ETag"));
	snprintf(ims, sizeof(ims), "If-Modified-Since: %s",
	    sx_test_header(r, "Last-Modified"));
	sx_test_response_free(r);

	r = get("GET", "/static/hello.txt", inm);
	cr_assert_eq(r->status, 304);
	cr_assert_eq(r->body_len, 0);
	cr_assert_not_null(sx_test_header(r, "ETag"));
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", ims);
	cr_assert_eq(r->status, 304);
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "If-None-Match: \"other\", *");
	cr_assert_eq(r->status, 304, "* matches any current file");
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "If-None-Match: \"stale\"");
	cr_assert_eq(r->status, 200);
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt",
	    "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT");
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "Hello, static!\n");
	sx_test_response_free(r);
}

Test(static_files, single_ranges_are_206)
{
	sx_test_response *r = get("GET", "/static/hello.txt", "Range: bytes=0-4");

	cr_assert_eq(r->status, 206);
	cr_assert_str_eq(r->body, "Hello");
	cr_assert_str_eq(sx_test_header(r, "Content-Range"), "bytes 0-4/15");
	cr_assert_str_eq(sx_test_header(r, "Content-Length"), "5");
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "Range: bytes=7-");
	cr_assert_eq(r->status, 206);
	cr_assert_str_eq(r->body, "static!\n");
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "Range: bytes=-2");
	cr_assert_eq(r->status, 206);
	cr_assert_str_eq(r->body, "!\n");
	cr_assert_str_eq(sx_test_header(r, "Content-Range"), "bytes 13-14/15");
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "Range: bytes=10-999");
	cr_assert_eq(r->status, 206);
	cr_assert_str_eq(sx_test_header(r, "Content-Range"), "bytes 10-14/15");
	sx_test_response_free(r);
	r = get("GET", "/static/big.bin", "Range: bytes=100000-299999");
	cr_assert_eq(r->status, 206);
	cr_assert_eq(r->body_len, 200000);
	cr_assert_eq((unsigned char)r->body[0],
	    (unsigned char)(100000 * 7 + 100000 / 251));
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "Range: bytes=0-1,4-5");
	cr_assert_eq(r->status, 200, "several ranges: the whole file");
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "If-Range: \"stale\"");
	cr_assert_eq(r->status, 200);
	sx_test_response_free(r);
}

Test(static_files, unsatisfiable_range_is_416)
{
	sx_test_response *r = get("GET", "/static/hello.txt",
	    "Range: bytes=15-");

	cr_assert_eq(r->status, 416);
	cr_assert_str_eq(sx_test_header(r, "Content-Range"), "bytes */15");
	sx_test_response_free(r);
	r = get("GET", "/static/hello.txt", "Range: bytes=-0");
	cr_assert_eq(r->status, 416);
	sx_test_response_free(r);
}

Test(static_files, every_way_out_is_404)
{
	static const char *const out[] = {
		"/static/nothing.txt",
		"/static/../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E%2Fsecret.txt",
		"/static/sub/../../secret.txt",
		"/static/sub/%2e%2e/%2e%2e/secret.txt",
		"/static/./hello.txt",
		"/static/sub/./app.js",
		"/static//etc/passwd",
		"/static/%2fetc%2fpasswd",
		"/static/out",			/* link out of the folder */
		"/static/sub/up",		/* link out, two levels */
		"/static/etc/passwd",		/* link to /etc */
		"/static/.env",			/* hidden file */
		"/static/..%5csecret.txt",	/* backslash */
		"/static/sub",			/* directory: no listing */
		"/static/sub/",
		"/static/",
		"/static",
		"/static/hello.txt/",
		"/static/hello.txt%0a",
	};

	for (size_t i = 0; i < SX_NELEM(out); i++)
		cr_assert_eq(status_of(out[i]), 404, "%s", out[i]);
}

Test(static_files, nul_never_reaches_the_disk)
{
	/* The request layer refuses %00 in a path for every route (400),
	 * before the handler could see it. */
	cr_assert_eq(status_of("/static/hello.txt%00.png"), 400);
	cr_assert_eq(status_of("/static/%00"), 400);
}

/* Open file descriptors of this process. */
static int
open_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

Test(static_files, every_answer_closes_the_file)
{
	static const char *const headers[] = {
		NULL, "Range: bytes=0-4", "Range: bytes=99-",
		"If-None-Match: *", "Range: bytes=0-1,3-4",
	};
	int before = open_fds();

	for (int round = 0; round < 10; round++)
		for (size_t i = 0; i < SX_NELEM(headers); i++) {
			sx_test_response_free(get("GET", "/static/hello.txt",
			    headers[i]));
			sx_test_response_free(get("HEAD", "/static/big.bin",
			    headers[i]));
		}
	cr_assert_eq(open_fds(), before, "200, 206, 416, 304 and HEAD close "
	    "the file they opened");
}
