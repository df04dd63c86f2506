/*
 * cli.c: sx_main, the command line every Sextant app has. The binary is its
 * own tool: it serves, answers one request in-process, lists its routes,
 * renders a template and manages its databases.
 *
 * Exit statuses: 0 success, 1 failure, 2 usage error.
 */
#include "cli.h"
#include "dbset.h"
#include "server/server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct command {
	const char *name;
	sx_command_fn run;
	const char *summary;
} command;

static int cmd_help(const sx_app *app, sx_config *cfg, int argc, char **argv);

static const command commands[] = {
	{ "serve", sx_cmd_serve, "serve FastCGI requests (socket, host:port or fd 0)" },
	{ "request", sx_cmd_request, "run one request in-process, print the CGI response" },
	{ "routes", sx_cmd_routes, "list the route table" },
	{ "render", sx_cmd_render, "render a template with JSON data" },
	{ "db", sx_cmd_db, "database migrations: upgrade, downgrade, current, ..." },
	{ "sessions", sx_cmd_sessions, "server-side sessions: delete-expired, count" },
	{ "help", cmd_help, "show this help" },
};

static void
usage(const sx_app *app, FILE *out)
{
	fprintf(out, "usage: %s COMMAND [options]\n", app->name);
	if (app->description != NULL)
		fprintf(out, "%s\n", app->description);
	fprintf(out, "\nCommands:\n");
	for (size_t i = 0; i < SX_NELEM(commands); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun '%s COMMAND --help' for a command's options.\n"
	    "Run with no arguments under a web server: CGI (GATEWAY_INTERFACE set)\n"
	    "or FastCGI on an inherited socket (fd 0).\n\n"
	    "Options serve, request, render and db all take:\n", app->name);
	sx_options_help(out, SX_FOR_ALL);
}

/*
 * Reads a command's options into cfg (options.c) and prints what --help
 * or a mistake calls for: usage is the command's synopsis (with one %s for
 * the app's name), about what follows it in --help. Returns -1 to go on,
 * else the exit status.
 */
int
sx_cli_options(const sx_app *app, sx_config *cfg, sx_cmd cmd, int argc,
    char **argv, const char *usage, const char *about)
{
	char err[1024];

	switch (sx_options_parse(cfg, cmd, argc, argv, err, sizeof(err))) {
	case SX_OPTS_HELP:
		printf(usage, app->name);
		printf("%s\nOptions:\n", about);
		sx_options_help(stdout, SX_FOR(cmd));
		return 0;
	case SX_OPTS_ERROR:
		sx_cli_usage_error(app, cmd, usage, "%s", err);
		return 2;
	default:
		return -1;
	}
}

void
sx_cli_usage_error(const sx_app *app, sx_cmd cmd, const char *usage,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, usage, app->name);
	fprintf(stderr, "(%s %s --help lists the options)\n", app->name,
	    sx_cmds[cmd]);
}

static int
cmd_help(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	(void)cfg; (void)argc; (void)argv;
	usage(app, stdout);
	return 0;
}

static bool
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* True when fd 0 is a listening socket (spawn-fcgi, mod_fcgid, systemd). */
static bool
stdin_is_socket(void)
{
	int type;
	socklen_t len = sizeof(type);

	return getsockopt(STDIN_FILENO, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
}

static const char serve_usage[] =
    "usage: %s serve [--listen ADDR] [--workers N] [--threads M] [options]\n";
static const char serve_about[] =
    "Serves FastCGI with a supervisor and N worker processes of M threads.\n"
    "Signals: TERM/INT stop gracefully, HUP replaces the workers, USR1\n"
    "reopens the log file.\n";

/*
 * Everything a worker checks at start-up, checked once before the
 * supervisor says it is serving: routes, settings, templates, and a
 * connection to each database (waiting --db-wait for one not up yet);
 * --migrate applies the migrations here, once. 0, or -1 after printing
 * the one-line reason.
 */
static int
serve_precheck(const sx_app *app, const sx_config *cfg)
{
	char err[1024];
	sx_runtime *rt = sx_runtime_new(app, cfg, err, sizeof(err));

	if (rt == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		return -1;
	}
	sx_runtime_free(rt);
	return 0;
}

int
sx_cmd_serve(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	int rc;

	if ((rc = sx_cli_options(app, cfg, SX_CMD_SERVE, argc, argv,
	    serve_usage, serve_about)) >= 0)
		return rc;
	if (cfg->args.n_operands > 0) {
		sx_cli_usage_error(app, SX_CMD_SERVE, serve_usage,
		    "serve: unexpected argument %s", cfg->args.operands[0]);
		return 2;
	}
	if (serve_precheck(app, cfg) < 0)
		return 1;
	return sx_serve(app, cfg);
}

static const char request_usage[] =
    "usage: %s request METHOD PATH [-H 'Name: value']... [-d BODY | -d @FILE] "
    "[options]\n";
static const char request_about[] =
    "Runs one request in-process and prints the response as a CGI program\n"
    "would: a Status line, headers, a blank line, the body. Exits 0 when a\n"
    "response was produced, whatever its status.\n";

/* The -d body: the text itself, or @FILE's contents. NULL after printing
 * an error. */
static char *
request_body(const char *data, size_t *len)
{
	char *body;

	if (data[0] == '@') {
		if ((body = sx_read_file(data + 1, len)) == NULL)
			fprintf(stderr, "request: -d %s: %s\n", data,
			    strerror(errno));
		return body;
	}
	if ((body = strdup(data)) != NULL)
		*len = strlen(body);
	return body;
}

int
sx_cmd_request(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	const sx_cmd_args *a = &cfg->args;
	const char *method, *path;
	char *body = NULL, err[512];
	size_t body_len = 0;
	sx_runtime *rt;
	sx_buf out = SX_BUF_INIT;
	int rc;

	if ((rc = sx_cli_options(app, cfg, SX_CMD_REQUEST, argc, argv,
	    request_usage, request_about)) >= 0)
		return rc;
	method = a->n_operands > 0 ? a->operands[0] : NULL;
	path = a->n_operands > 1 ? a->operands[1] : NULL;
	if (a->n_operands > 2) {
		sx_cli_usage_error(app, SX_CMD_REQUEST, request_usage,
		    "request: unexpected argument %s", a->operands[2]);
		return 2;
	}
	if (method == NULL || path == NULL || path[0] != '/') {
		sx_cli_usage_error(app, SX_CMD_REQUEST, request_usage,
		    "request: expected METHOD and a PATH starting with '/'");
		return 2;
	}
	if (a->data != NULL && (body = request_body(a->data, &body_len)) == NULL)
		return 1;
	if ((rt = sx_runtime_new(app, cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		free(body);
		return 1;
	}
	rc = sx_run_inprocess(rt, method, path, a->headers, body, body_len,
	    &out);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "request: a header is not 'Name: value'\n");
	sx_buf_free(&out);
	sx_runtime_free(rt);
	free(body);
	return rc == 0 ? 0 : 1;
}

int
sx_cmd_routes(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	struct sx_router *r;
	struct sx_dbset *dbs;
	sx_arena *arena;
	const sx_app *flat;
	char err[512];

	if (argc > 1) {
		if (is_help(argv[1])) {
			printf("usage: %s routes\nLists the route table: method, "
			    "pattern, name, dependency keys, guards.\n", app->name);
			return 0;
		}
		fprintf(stderr, "routes: unexpected argument %s\nusage: %s routes\n",
		    argv[1], app->name);
		return 2;
	}
	if ((arena = sx_arena_new(4096)) == NULL ||
	    (flat = sx_routes_flatten(app, arena, err, sizeof(err))) == NULL ||
	    (r = sx_router_new(flat->routes, flat->n_routes, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, arena ? err : "out of memory");
		sx_arena_free(arena);
		return 1;
	}
	/* a route naming a key no database provides is refused here too */
	if ((dbs = sx_dbset_configure_settings(flat, cfg,
	    SX_DBSET_CHECK_SETTINGS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		sx_router_free(r);
		sx_arena_free(arena);
		return 1;
	}
	sx_dbset_free(dbs);
	sx_router_print(r, stdout);
	sx_router_free(r);
	sx_arena_free(arena);
	return 0;
}

int
sx_main(int argc, char **argv, const sx_app *app)
{
	sx_config cfg = { 0 };
	int rc;

	setvbuf(stderr, NULL, _IOLBF, 0);
	if (getenv("GATEWAY_INTERFACE") != NULL && getenv("REQUEST_METHOD") != NULL)
		return sx_run_cgi(app, &cfg);
	if (argc < 2) {
		if (stdin_is_socket()) {
			char *serve_argv[] = { "serve", NULL };

			return sx_cmd_serve(app, &cfg, 1, serve_argv);
		}
		usage(app, stderr);
		return 2;
	}
	if (is_help(argv[1])) {
		usage(app, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s (Sextant %s)\n", app->name, SX_VERSION);
		return 0;
	}
	for (size_t i = 0; i < SX_NELEM(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			rc = commands[i].run(app, &cfg, argc - 1, argv + 1);
			sx_config_free(&cfg);
			return rc;
		}
	fprintf(stderr, "%s: unknown command \"%s\"\n", app->name, argv[1]);
	usage(app, stderr);
	return 2;
}
