/*
 * fuzz_request.c: whole requests through the in-process pipeline the
 * server runs (the test client: CGI parameters, sx_dispatch): the method,
 * the path and query string, the headers (cookies, request ids, Accept,
 * Range, If-None-Match, If-Modified-Since, Content-Type) and the body, into
 * the hello example's routes plus the static files handler. This covers the
 * parsers no other harness reaches on their own: request ids, the static
 * handler's Range and date headers, percent-decoded path parameters.
 *
 * Input: the method, a newline, the path, a newline, header lines ("Name:
 * value", one a line) up to an empty line, then the body.
 *
 * Invariants checked on every input: a status from 100 to 599 and never a
 * 500 (no database here, so nothing may fail inside), and no CR or LF in
 * any response header name or value.
 */
#define SX_EXAMPLE_NO_MAIN
#include "examples/hello/hello.c"
#include "fuzz.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* hello's routes and the static handler; one client for the whole run. */
static sx_route all_routes[SX_NELEM(routes) + 1];
static sx_app fuzz_app;
static sx_test_client *client;
/* The folder holding static/a.txt (the static handler looks in the
 * working directory), and the driver's own working directory. */
static int app_dir = -1, own_dir = -1;

/* Writes static/a.txt (26 bytes) in a fresh folder, removed at exit. */
static char *tmp_dir;

static void
remove_static_dir(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/static/a.txt", tmp_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/static", tmp_dir);
	rmdir(path);
	rmdir(tmp_dir);
}

static void
make_static_dir(void)
{
	char path[4200];
	FILE *f;

	tmp_dir = sx_fuzz_mkdtemp("request");
	snprintf(path, sizeof(path), "%s/static", tmp_dir);
	if (mkdir(path, 0755) != 0)
		sx_fuzz_fail(__FILE__, __LINE__, "cannot make the static folder");
	snprintf(path, sizeof(path), "%s/static/a.txt", tmp_dir);
	if ((f = fopen(path, "w")) == NULL)
		sx_fuzz_fail(__FILE__, __LINE__, "cannot write the static file");
	fputs("abcdefghijklmnopqrstuvwxyz", f);
	fclose(f);
	if ((app_dir = open(tmp_dir, O_RDONLY | O_DIRECTORY)) < 0 ||
	    (own_dir = open(".", O_RDONLY | O_DIRECTORY)) < 0)
		sx_fuzz_fail(__FILE__, __LINE__, "cannot open the working folders");
	atexit(remove_static_dir);
}

static void
setup(void)
{
	static const char *const options[] = { "--log", "/dev/null", NULL };
	char err[256];

	memcpy(all_routes, routes, sizeof(routes));
	all_routes[SX_NELEM(routes)] = (sx_route)SX_STATIC_ROUTE("/static");
	fuzz_app = app;
	fuzz_app.routes = all_routes;
	fuzz_app.n_routes = SX_NELEM(all_routes);
	make_static_dir();
	if ((client = sx_test_client_new(&fuzz_app, options, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_request: %s\n", err);
		sx_fuzz_fail(__FILE__, __LINE__, "the test client did not start");
	}
}

/* Cuts the next line (up to '\n') out of [*p, end) as a new string. */
static char *
take_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	char *line = strndup(*p, (size_t)(stop - *p));

	*p = nl ? nl + 1 : end;
	return line;
}

static void
check_response(const sx_test_response *r)
{
	SX_FUZZ_CHECK(r->status >= 100 && r->status <= 599);
	SX_FUZZ_CHECK(r->status != 500);
	for (size_t i = 0; i < r->n_headers; i++) {
		SX_FUZZ_CHECK(strpbrk(r->headers[i].name, "\r\n") == NULL);
		SX_FUZZ_CHECK(strpbrk(r->headers[i].value, "\r\n") == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method, *path, *headers[33];
	size_t n = 0;
	sx_test_response *r;

	if (client == NULL)
		setup();
	method = take_line(&p, end);
	path = take_line(&p, end);
	while (p < end && *p != '\n' && n < SX_NELEM(headers) - 1) {
		headers[n] = take_line(&p, end);
		/* The test client refuses a line without a colon; so would a
		 * web server, before the app. */
		if (strchr(headers[n], ':') == NULL || headers[n][0] == ':')
			free(headers[n]);
		else
			n++;
	}
	headers[n] = NULL;
	if (p < end && *p == '\n')
		p++;
	/* A web server sends neither an empty method nor an empty path. */
	if (*method != '\0' && *path == '/' && strlen(method) == strcspn(method, " ")) {
		if (fchdir(app_dir) != 0)
			sx_fuzz_fail(__FILE__, __LINE__, "cannot enter the static folder");
		r = sx_test_request(client, method, path, (const char *const *)headers,
		    p, (size_t)(end - p));
		if (fchdir(own_dir) != 0)
			sx_fuzz_fail(__FILE__, __LINE__, "cannot go back to the working folder");
		if (r != NULL) {
			check_response(r);
			sx_test_response_free(r);
		}
	}
	while (n > 0)
		free(headers[--n]);
	free(path);
	free(method);
	return 0;
}
