/*
 * internal.h: what the framework's files share and apps never see.
 *
 * The pipeline of one request (dispatch.c) is:
 *   sx_req_init (request.c)      CGI params -> method, path, query, headers, cookies
 *   sx_req_read_body (request.c) exactly CONTENT_LENGTH bytes, bounded -> 413 / aborted
 *   sx_req_parse_body            urlencoded, JSON, multipart -> 400 with a reason
 *   sx_router_match (router.c)   -> 404 / 405 + Allow
 *   handler
 *   sx_tx_finalize (transaction.c)  commit / roll back; may replace the response
 *   sx_res_serialize (response.c)   status, headers, body -> the web server
 *   sx_deps_release (resolver.c)    connections back to their pools
 *   access log line
 */
#ifndef SX_INTERNAL_H
#define SX_INTERNAL_H

#include <pthread.h>
#include <stdio.h>

#include "sextant.h"

#define SX_HIDDEN __attribute__((visibility("hidden")))
#define SX_MAX_PARAMS 16
#define SX_MAX_OVERRIDES 16
#define SX_REQUEST_ID_MAX 128

/* Where a request comes from and its response goes to: FastCGI, CGI, memory. */
typedef struct sx_io {
	char **envp;		/* CGI parameters, "NAME=value", NULL-terminated */
	/* Reads up to n body bytes: count read, 0 at end of input, -1 on error. */
	long (*read)(void *ctx, char *buf, size_t n);
	/* Writes all n bytes: 0, or -1 when the client is gone. */
	int (*write)(void *ctx, const char *buf, size_t n);
	void *ctx;
	bool cgi;		/* plain CGI: SCRIPT_NAME is the mount point */
} sx_io;

/* A request body already in memory (the server buffers it; the test client
 * and `request` hold it), read through sx_io.read by sx_membody_read. */
typedef struct sx_membody {
	const char *data;
	size_t len, off;
} sx_membody;

SX_HIDDEN long sx_membody_read(void *ctx, char *buf, size_t n);

/* A KEY=VALUE setting from the command line or config file. */
typedef struct sx_override {
	const char *key;
	const char *value;
} sx_override;

/* Settings from the command line and --config file, over the app's own. */
typedef struct sx_config {
	const char *listen;		/* unix socket path or host:port; NULL = fd 0 */
	int threads;			/* per worker; 0 = 4 */
	int workers;			/* 0 = 1 */
	size_t max_body;		/* 0 = app's, else 1 MiB */
	long max_requests;		/* per worker before recycling; 0 = unlimited */
	int read_timeout_ms;		/* 0 = 30000 */
	int shutdown_timeout_s;		/* 0 = 30 */
	const char *socket_mode;	/* octal, e.g. "0660" */
	const char *socket_owner;	/* user[:group] */
	const char *log_file;		/* NULL = stderr */
	const char *config_file;
	const char *templates_dir;
	sx_override db_urls[SX_MAX_OVERRIDES];	/* --database KEY=URL */
	size_t n_db_urls;
	sx_override commit_modes[SX_MAX_OVERRIDES]; /* --commit-mode KEY=MODE */
	size_t n_commit_modes;
	bool auto_migrate;		/* --migrate: upgrade every database at start-up */
	cJSON *config_json;		/* parsed --config file, owned */
} sx_config;

struct sx_router;
struct sx_dbset;
struct sx_tpl_set;

/* Everything a running app needs; built once at start-up, shared by threads. */
typedef struct sx_runtime {
	const sx_app *app;
	sx_config cfg;
	size_t max_body;
	struct sx_router *router;
	struct sx_dbset *dbs;		/* resolver.c */
	struct sx_tpl_set *templates;	/* render.c */
	FILE *log;
	pthread_mutex_t log_lock;
} sx_runtime;

struct sx_res {
	sx_req *req;			/* the request this answers */
	int status;			/* 0 until set; 200 by default */
	sx_kv *headers;
	size_t n_headers, cap_headers;
	sx_buf body;
	sx_arena *arena;
	bool has_content_type;
};

struct sx_deps;

struct sx_req {
	sx_runtime *rt;
	sx_arena *arena;
	sx_method method;
	const char *method_name;
	const char *path;		/* decoded, relative to the mount point */
	const char *query_string;
	const char *content_type;
	long content_length;		/* -1 when absent */
	sx_kv *headers;  size_t n_headers;	/* names lower-case */
	sx_kv *queries;  size_t n_queries;
	sx_kv *cookies;  size_t n_cookies;
	sx_kv *forms;    size_t n_forms;
	sx_upload *files; size_t n_files;
	cJSON *json;			/* freed at request end */
	char *body; size_t body_len;
	sx_kv params[SX_MAX_PARAMS]; size_t n_params;
	const sx_route *route;
	char id[SX_REQUEST_ID_MAX + 1];
	sx_res *res;
	struct sx_deps *deps;		/* resolver.c state */
	int pending_status;		/* set by a failed sx_inject: 503 / 500 */
	const char *pending_error;
	double started_ms;
	double db_ms;			/* time spent in commit/rollback/queries */
	bool aborted;			/* body cut short / client gone */
};

/* ---- request.c -------------------------------------------------------------- */

/* Outcome of reading and parsing a request; sx_req_strerror-like reasons
 * are put in *why (static strings). */
typedef enum sx_req_err {
	SX_REQ_OK,
	SX_REQ_BAD,		/* 400: malformed */
	SX_REQ_TOO_LARGE,	/* 413 */
	SX_REQ_ABORTED,		/* body cut short: no response is owed */
	SX_REQ_NOMEM,
	SX_REQ__MAX
} sx_req_err;

/* Fills method, path, query, headers, cookies from CGI params. */
SX_HIDDEN sx_req_err sx_req_init(sx_req *req, char **envp, bool cgi,
    const char **why);
/* Reads exactly CONTENT_LENGTH bytes (bounded by max_body). */
SX_HIDDEN sx_req_err sx_req_read_body(sx_req *req, const sx_io *io, size_t max_body,
    const char **why);
/* Parses the body by Content-Type into forms/files/json. */
SX_HIDDEN sx_req_err sx_req_parse_body(sx_req *req, const char **why);
/* Percent-decodes in place ('+' to space when plus is true); returns the new
 * length, or -1 on a malformed escape. */
SX_HIDDEN long sx_url_decode(char *s, size_t len, bool plus);
/* Parses "a=1&b=2" into arena pairs. Returns 0 or -1 (malformed). */
SX_HIDDEN int sx_parse_urlencoded(sx_arena *a, const char *s, size_t len,
    sx_kv **out, size_t *n);
/* Parses a Cookie header. */
SX_HIDDEN int sx_parse_cookies(sx_arena *a, const char *s, sx_kv **out, size_t *n);
/* Parses a multipart/form-data body with the given boundary. */
SX_HIDDEN int sx_parse_multipart(sx_arena *a, const char *boundary,
    const char *body, size_t len, sx_kv **fields, size_t *n_fields,
    sx_upload **files, size_t *n_files, const char **why);
/* Case-insensitive lookup in a pair array. */
SX_HIDDEN const sx_kv *sx_kv_find(const sx_kv *kv, size_t n, const char *name);

/* ---- router.c ---------------------------------------------------------------- */

typedef enum sx_match {
	SX_MATCH_OK,
	SX_MATCH_NOT_FOUND,
	SX_MATCH_METHOD,	/* path matched under other methods: *allow set */
	SX_MATCH__MAX
} sx_match;

/* Compiles and validates the table; NULL with a one-line message in err. */
SX_HIDDEN struct sx_router *sx_router_new(const sx_route *routes, size_t n,
    char *err, size_t errlen);
SX_HIDDEN void sx_router_free(struct sx_router *r);
/* One line a route: method, pattern, name, dependency keys. */
SX_HIDDEN void sx_router_print(const struct sx_router *r, FILE *out);
/* Matches method + path; on OK fills req->route and req->params. On
 * SX_MATCH_METHOD, *allow is an arena string "GET, HEAD". */
SX_HIDDEN sx_match sx_router_match(const struct sx_router *r, sx_req *req,
    const char **allow);

/* ---- response.c -------------------------------------------------------------- */

SX_HIDDEN sx_res *sx_res_new(sx_arena *a, sx_req *req);
/* Drops status, headers and body (a commit failure replaces the response). */
SX_HIDDEN void sx_res_clear(sx_res *res);
SX_HIDDEN const char *sx_res_get_header(const sx_res *res, const char *name);
/* Writes the CGI/FastCGI form: "Status: 200 OK\r\n", headers, blank line,
 * body (omitted when with_body is false). Returns 0 or -1. */
SX_HIDDEN int sx_res_serialize(sx_res *res, const sx_io *io, bool with_body);
SX_HIDDEN void sx_res_free(sx_res *res);

/* ---- csrf.c ------------------------------------------------------------------- */

/* NULL when the request may proceed, else the reason for a 403 (a form post
 * from another site). */
SX_HIDDEN const char *sx_csrf_check(const sx_req *req);

/* ---- dispatch.c -------------------------------------------------------------- */

/* Runs one request end to end. Returns 0, or -1 when the client went away. */
SX_HIDDEN int sx_dispatch(sx_runtime *rt, const sx_io *io, sx_arena *arena);
SX_HIDDEN void sx_log(sx_runtime *rt, const char *fmt, ...) SX_PRINTF(2, 3);

/* ---- testclient.c ----------------------------------------------------------- */

/* Runs one request in-process with the CGI parameters nginx would send and
 * returns the raw CGI-form response in out (caller frees). Returns 0, or -1
 * when a header is not "Name: value". */
SX_HIDDEN int sx_run_inprocess(sx_runtime *rt, const char *method,
    const char *target, const char *const *headers, const void *body,
    size_t len, sx_buf *out);

/* ---- runtime.c ---------------------------------------------------------------- */

/* Builds the runtime: validates routes, databases, templates. NULL with a
 * one-line message in err. */
SX_HIDDEN sx_runtime *sx_runtime_new(const sx_app *app, const sx_config *cfg,
    char *err, size_t errlen);
SX_HIDDEN void sx_runtime_free(sx_runtime *rt);

/* ---- resolver.c / transaction.c (databases and dependency injection) --------- */

/* Validates the app's databases against cfg and the routes, and opens pools.
 * Returns 0, or -1 with a one-line message. */
SX_HIDDEN int sx_dbset_open(sx_runtime *rt, char *err, size_t errlen);
SX_HIDDEN void sx_dbset_free(struct sx_dbset *dbs);
/* Commits or rolls back every database the request used, by commit mode and
 * the response status; replaces the response on a failed commit. */
SX_HIDDEN void sx_tx_finalize(sx_req *req, bool handler_failed);
/* Hands every connection the request took back to its pool. */
SX_HIDDEN void sx_deps_release(sx_req *req);
/* Picks the request id from the headers or makes a UUID. */
SX_HIDDEN void sx_req_assign_id(sx_req *req);

/* ---- render.c ---------------------------------------------------------------- */

SX_HIDDEN int sx_templates_open(sx_runtime *rt, char *err, size_t errlen);
SX_HIDDEN void sx_templates_free(struct sx_tpl_set *t);

/* ---- cli ----------------------------------------------------------------------- */

/* Each command: argv[0] is the command name. Returns an exit status. */
typedef int (*sx_command_fn)(const sx_app *app, sx_config *cfg, int argc, char **argv);
SX_HIDDEN int sx_cmd_serve(const sx_app *app, sx_config *cfg, int argc, char **argv);
SX_HIDDEN int sx_cmd_request(const sx_app *app, sx_config *cfg, int argc, char **argv);
SX_HIDDEN int sx_cmd_routes(const sx_app *app, sx_config *cfg, int argc, char **argv);
SX_HIDDEN int sx_cmd_render(const sx_app *app, sx_config *cfg, int argc, char **argv);
SX_HIDDEN int sx_cmd_db(const sx_app *app, sx_config *cfg, int argc, char **argv);
/* Serves requests as a CGI program (environment + stdin + stdout). */
SX_HIDDEN int sx_run_cgi(const sx_app *app, sx_config *cfg);
/* Takes one option every command shares (--database, --commit-mode,
 * --config, --templates, --max-body, --log) at argv[i]. Returns how many
 * arguments it used (1 or 2), 0 when argv[i] is not one of them, or -1 after
 * printing a one-line error. */
SX_HIDDEN int sx_config_common_option(sx_config *cfg, int argc, char **argv, int i);
SX_HIDDEN void sx_config_free(sx_config *cfg);

#endif
