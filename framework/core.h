/*
 * core.h: what the framework's core shares (dispatch, runtime, settings,
 * resolver, transaction wrapper, templates, test client), built on the HTTP
 * layer (http/http.h). Apps never see it.
 *
 * One request (dispatch.c): the HTTP layer reads, parses and routes it; the
 * handler runs; sx_tx_finalize (transaction.c) commits or rolls back every
 * database the request used and may replace the response; the HTTP layer
 * serialises the response; sx_deps_release (resolver.c) hands connections
 * back to their pools; one access line goes to the log.
 */
#ifndef SX_CORE_H
#define SX_CORE_H

#include <stdio.h>

#include "sextant.h"
#include "log.h"
#include "http/http.h"
#include "sx_migrate.h"

#define SX_MAX_OVERRIDES 16
#define SX_MAX_OPERANDS 4

/* A KEY=VALUE setting from the command line or config file. */
typedef struct sx_override {
	const char *key;
	const char *value;
} sx_override;

/* What a command's own options say (see the option table, options.c). */
typedef struct sx_cmd_args {
	const char *key;		/* db --key: one database, else all */
	const char *dir;		/* db --dir: the migrations folder */
	const char *message;		/* db make-migration -m */
	bool dry_run;			/* db upgrade/downgrade --dry-run */
	bool force;			/* db upgrade/downgrade --force */
	bool verbose;			/* sessions delete-expired --verbose */
	const char **headers;		/* request -H, NULL-terminated, owned */
	size_t n_headers;
	const char *data;		/* request -d BODY or @FILE */
	const char *operands[SX_MAX_OPERANDS];	/* the non-option arguments */
	size_t n_operands;
} sx_cmd_args;

/* Settings from the command line and --config file, over the app's own.
 * The option table (options.c) says which option and which file key sets
 * each field; defaults.h holds what a field left at 0 means. */
typedef struct sx_config {
	const char *listen;		/* unix socket path or host:port; NULL = fd 0 */
	int threads;			/* per worker; 0 = default */
	int workers;			/* 0 = default */
	size_t max_body;		/* 0 = app's, else the default */
	long max_requests;		/* per worker before recycling; 0 = unlimited */
	int read_timeout_ms;		/* 0 = default */
	int write_timeout_ms;		/* 0 = default */
	int shutdown_timeout_s;		/* 0 = default */
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
	bool trace_sql;			/* --trace-sql: log every statement (trace.c) */
	long slow_query_ms;		/* --slow-query-ms; 0 = default 200, -1 = off */
	bool log_json;			/* --log-format json */
	bool metrics_off;		/* --no-metrics */
	int db_wait_s;			/* --db-wait; 0 = default, -1 = try once */
	bool debug;			/* --debug: a 500's cause to the client */
	cJSON *config_json;		/* parsed --config file, owned */
	sx_cmd_args args;		/* the command's own options */
} sx_config;

struct sx_router;
struct sx_dbset;
struct sx_tpl_set;

/* Everything a running app needs; built once at start-up, shared by threads. */
typedef struct sx_runtime {
	const sx_app *app;		/* groups flattened (routes.c) */
	sx_arena *arena;		/* what lives as long as the runtime */
	sx_config cfg;
	size_t max_body;
	struct sx_router *router;
	struct sx_dbset *dbs;		/* resolver.c */
	struct sx_tpl_set *templates;	/* render.c */
	struct sx_sessions *sessions;	/* sessions.c; NULL when not enabled */
	sx_logger log;
	struct sx_metrics *metrics;	/* NULL when off (metrics.c) */
	size_t metrics_slot;		/* this worker's slot in it */
	bool metrics_owned;		/* mapped by this runtime, not the supervisor */
} sx_runtime;

/* ---- config.c ------------------------------------------------------------ */

/* Reads the --config file named in cfg->config_file into cfg->config_json
 * and applies its top-level settings to the fields the command line left
 * alone (seen[i]: option i of the table was given). Every key must be a
 * setting of the option table or "databases", with the type it takes.
 * Returns 0, or -1 with one line in err naming the file, the key and the
 * fix. */
int sx_config_load_file(sx_config *cfg, const bool *seen, char *err,
    size_t errlen);
/* Frees what the options and the file allocated; cfg is zeroed. */
void sx_config_free(sx_config *cfg);

/* path as an absolute path in buf, for messages (a relative one is
 * taken from the working directory); dbconfig.c. */
const char *sx_path_absolute(const char *path, char *buf, size_t len);

/* ---- runtime.c ----------------------------------------------------------- */

/* Builds the runtime: validates routes, databases, templates. NULL with a
 * one-line message in err. */
sx_runtime *sx_runtime_new(const sx_app *app, const sx_config *cfg, char *err,
    size_t errlen);
void sx_runtime_free(sx_runtime *rt);

/* ---- dispatch.c ---------------------------------------------------------- */

/* Runs one request end to end. Returns 0, or -1 when the client went away. */
int sx_dispatch(sx_runtime *rt, const sx_io *io, sx_arena *arena);

/* ---- routes.c ----------------------------------------------------------- */

/* A copy of app, in arena, whose route table holds the app's routes then
 * every group's, prefix, keys and guards joined (see sx_route_group), and
 * no groups. NULL with a one-line message when a group is malformed. */
const sx_app *sx_routes_flatten(const sx_app *app, sx_arena *arena, char *err,
    size_t errlen);
/* True when the route declares key among its dependencies. */
bool sx_route_declares(const sx_route *route, const char *key);

/* ---- guards.c ----------------------------------------------------------- */

/* Runs the matched route's guards in order; the first that does not pass
 * decides (see sx_guard). An answering guard's response is in req->res. */
sx_guard_result sx_guards_run(sx_req *req);
/* Start-up check of every route's guards. 0, or -1 with a one-line message. */
int sx_guards_check(const sx_route *routes, size_t n, char *err, size_t errlen);

/* ---- hooks.c ------------------------------------------------------------ */

/* Runs the app's before-hooks in order; true when one answered the request
 * (its response is in req->res). */
bool sx_hooks_before(sx_req *req);
/* Runs the after-hooks of the hooks entered, in reverse order. */
void sx_hooks_after(sx_req *req);
/* Start-up check of the hook table. 0, or -1 with a one-line message. */
int sx_hooks_check(const sx_app *app, char *err, size_t errlen);

/* ---- trace.c ------------------------------------------------------------ */

/* Makes c, just taken for req, report its statements to the query trace
 * (--trace-sql) and the slow-query log; sx_trace_detach undoes it before
 * the connection goes back to its pool. */
void sx_trace_attach(sx_req *req, sx_db_conn *c);
void sx_trace_detach(sx_db_conn *c);
/* What the database server is told about req (application_name). */
const char *sx_trace_tag(sx_req *req);

/* ---- testclient.c -------------------------------------------------------- */

/* Runs one request in-process with the CGI parameters nginx would send and
 * returns the raw CGI-form response in out (caller frees). Returns 0, or -1
 * when a header is not "Name: value". */
int sx_run_inprocess(sx_runtime *rt, const char *method, const char *target,
    const char *const *headers, const void *body, size_t len, sx_buf *out);

/* ---- resolver.c, transaction.c (databases and dependency injection) ------- */

/* Validates the app's databases against cfg and the routes, and opens pools.
 * Returns 0, or -1 with a one-line message. */
int sx_dbset_open(sx_runtime *rt, char *err, size_t errlen);
void sx_dbset_free(struct sx_dbset *dbs);
/* Commits or rolls back every database the request used, by commit mode and
 * the response status; replaces the response on a failed commit. */
void sx_tx_finalize(sx_req *req, bool handler_failed);
/* Hands every connection the request took back to its pool. */
void sx_deps_release(sx_req *req);
/* After a handler failed: 503 when one of the request's connections last
 * failed on a lock timeout, busy database, serialization failure or lost
 * connection, 504 on a statement timeout, else 0; *why names it. */
int sx_deps_failure_status(const sx_req *req, const char **why);

/* ---- sessions.c (the sessions extension in the request pipeline) ------- */

/* Checks the app's extensions and session settings against its databases
 * and routes, and makes the store. Returns 0, or -1 with a one-line
 * message. */
int sx_sessions_open(sx_runtime *rt, char *err, size_t errlen);
void sx_sessions_free(struct sx_sessions *s);
/* True when the route is flagged SX_FORM_ROUTE. */
bool sx_route_is_form(const sx_route *route);
/* True when the app names the sessions extension (extensions.c). */
bool sx_app_uses_sessions(const sx_app *app);
/* The dependency key the sessions extension provides, or NULL when the app
 * does not use it. */
const char *sx_sessions_key(const sx_app *app);
/* Sets o->exts to the extensions' migrations when database db_index (with
 * keys) of the app holds them; strings in a. Returns 0, or -1 with a
 * one-line message. */
int sx_sessions_migrate_exts(const sx_app *app, size_t db_index,
    const char *const *keys, sx_arena *a, sx_migrate_ext *ext,
    sx_migrate_opts *o, char *err, size_t errlen);
/* The request's session, loaded on first call; NULL with the request's
 * pending error set when the store cannot be read. */
sx_session *sx_sessions_inject(sx_req *req);
/* For a form route's unsafe request: NULL when its CSRF token is right,
 * else the reason for an error with *status (403, or 503 when the store
 * cannot be read). */
const char *sx_sessions_csrf_check(sx_req *req, int *status);
/* Before the transaction wrapper: writes a changed session inside the
 * request's transaction on the store's database (or in one of its own in
 * manual mode) when the request will commit, and sets or expires the
 * cookie. Returns failed, or true when the write failed (the response is
 * then an error and everything rolls back). */
bool sx_sessions_flush(sx_req *req, bool failed);
/* Frees the request's session. */
void sx_sessions_release(sx_req *req);
/* data with "csrf_token" added for a route that uses the session (NULL:
 * render data as it is). Free with cJSON_Delete: it references data. */
cJSON *sx_sessions_template_data(sx_req *req, const cJSON *data);

/* ---- render.c ------------------------------------------------------------ */

int sx_templates_open(sx_runtime *rt, char *err, size_t errlen);
void sx_templates_free(struct sx_tpl_set *t);
/* The templates folder in force and whether it was named (by the command
 * line, the config file or the app) rather than the default. */
const char *sx_templates_dir(const sx_runtime *rt, bool *named);

#endif
