/*
 * cgi.c: the app as a plain CGI program. The web server runs the binary
 * once per request with the request in the environment and the body on
 * stdin; the response goes to stdout in the same form FastCGI uses.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

extern char **environ;

static long
stdin_read(void *ctx, char *buf, size_t n)
{
	ssize_t got;

	(void)ctx;
	do
		got = read(STDIN_FILENO, buf, n);
	while (got < 0 && errno == EINTR);
	return (long)got;
}

static int
stdout_write(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
}

int
sx_run_cgi(const sx_app *app, sx_config *cfg)
{
	char err[512];
	sx_runtime *rt = sx_runtime_new(app, cfg, err, sizeof(err));
	sx_arena *a;
	sx_io io = { environ, stdin_read, stdout_write, NULL, true };
	int rc;

	if (rt == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		fputs("Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\n\r\n"
		    "The application could not start; see the server's error "
		    "log.\n",
		    stdout);
		return 1;
	}
	if ((a = sx_arena_new(16384)) == NULL) {
		sx_runtime_free(rt);
		return 1;
	}
	rc = sx_dispatch(rt, &io, a);
	fflush(stdout);
	sx_arena_free(a);
	sx_runtime_free(rt);
	return rc == 0 ? 0 : 1;
}
