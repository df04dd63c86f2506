/*
 * cli.c: sx_main, the command line every Sextant app has. The binary is its
 * own tool: it serves, answers one request in-process, lists its routes,
 * renders a template and manages its databases.
 *
 * Exit statuses: 0 success, 1 failure, 2 usage error.
 */
#include "cli.h"
#include "server/server.h"

#include <errno.h>
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
	{ "help", cmd_help, "show this help" },
};

static const char common_options[] =
    "Options every command takes:\n"
    "  --database KEY=URL     database URL for a key (sqlite:FILE, postgresql://...)\n"
    "  --commit-mode KEY=MODE manual, autocommit or autocommit_include_redirect\n"
    "  --config FILE          JSON file with the same settings\n"
    "  --templates DIR        templates folder\n"
    "  --max-body BYTES       request body limit (K and M suffixes)\n"
    "  --log FILE             log to FILE instead of stderr\n"
    "  --migrate              apply pending migrations at start-up\n";

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
	    "or FastCGI on an inherited socket (fd 0).\n\n%s",
	    app->name, common_options);
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

static const char request_usage[] =
    "usage: %s request METHOD PATH [-H 'Name: value']... [-d BODY | -d @FILE] [options]\n"
    "Runs one request in-process and prints the response as a CGI program\n"
    "would: a Status line, headers, a blank line, the body. Exits 0 when a\n"
    "response was produced, whatever its status.\n\n%s";

int
sx_cmd_request(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	const char *method = NULL, *path = NULL, **headers;
	char *body = NULL, err[512];
	size_t body_len = 0, n_headers = 0;
	sx_runtime *rt;
	sx_buf out = SX_BUF_INIT;
	int i, used, rc = 2;

	if ((headers = calloc((size_t)argc + 1, sizeof(char *))) == NULL)
		return 1;
	for (i = 1; i < argc; i += used) {
		used = 1;
		if (is_help(argv[i])) {
			printf(request_usage, app->name, common_options);
			rc = 0;
			goto done;
		} else if (strcmp(argv[i], "-H") == 0 && i + 1 < argc) {
			if (strchr(argv[i + 1], ':') == NULL) {
				fprintf(stderr, "request: -H expects 'Name: value', "
				    "got \"%s\"\n", argv[i + 1]);
				goto done;
			}
			headers[n_headers++] = argv[i + 1];
			used = 2;
		} else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			free(body);
			if (argv[i + 1][0] == '@') {
				if ((body = sx_read_file(argv[i + 1] + 1,
				    &body_len)) == NULL) {
					fprintf(stderr, "request: -d %s: %s\n",
					    argv[i + 1], strerror(errno));
					rc = 1;
					goto done;
				}
			} else {
				body = strdup(argv[i + 1]);
				body_len = strlen(body);
			}
			used = 2;
		} else if ((used = sx_config_common_option(cfg, argc, argv, i)) < 0) {
			goto done;
		} else if (used == 0) {
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				fprintf(stderr, "request: unknown option %s\n", argv[i]);
				fprintf(stderr, request_usage, app->name, common_options);
				goto done;
			}
			if (method == NULL)
				method = argv[i];
			else if (path == NULL)
				path = argv[i];
			else {
				fprintf(stderr, "request: unexpected argument %s\n", argv[i]);
				goto done;
			}
			used = 1;
		}
	}
	if (method == NULL || path == NULL || path[0] != '/') {
		fprintf(stderr, "request: expected METHOD and a PATH starting with '/'\n");
		fprintf(stderr, request_usage, app->name, common_options);
		goto done;
	}
	if ((rt = sx_runtime_new(app, cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		rc = 1;
		goto done;
	}
	rc = sx_run_inprocess(rt, method, path, headers, body, body_len, &out);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "request: a header is not 'Name: value'\n");
	sx_buf_free(&out);
	sx_runtime_free(rt);
	rc = rc == 0 ? 0 : 1;
done:
	free(body);
	free(headers);
	return rc;
}

int
sx_cmd_routes(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	struct sx_router *r;
	sx_arena *arena;
	const sx_app *flat;
	char err[512];

	(void)cfg;
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
