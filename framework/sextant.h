/*
 * sextant.h: the public API of Sextant, a C framework for web applications
 * served over FastCGI or CGI. This header is the manual's index; each group
 * below has its page in sextant(3).
 *
 * An application is a static table of routes plus an sx_app description,
 * handed to sx_main():
 *
 *	#include <sextant.h>
 *
 *	static int
 *	hello(sx_req *req, sx_res *res)
 *	{
 *		(void)req;
 *		return sx_text(res, 200, "Hello, World!");
 *	}
 *
 *	static const sx_route routes[] = {
 *		{ SX_GET, "/", hello, NULL, "hello", NULL },
 *	};
 *	static const sx_app app = { .name = "hello", SX_ROUTE_TABLE(routes) };
 *
 *	int
 *	main(int argc, char **argv)
 *	{
 *		return sx_main(argc, argv, &app);
 *	}
 *
 * A route names every field (method, pattern, handler, dependency keys,
 * name, guards), or uses designated initializers (.method = SX_GET, ...):
 * -Wextra warns about a positional initializer that leaves fields out.
 * A route using a database lists its keys: SX_DEPS("db_session").
 *
 * Memory, who frees what:
 *  - What the request hands out (strings, parameters, parsed bodies, the
 *    JSON body, sx_req_alloc memory) lives until the request ends: never
 *    freed by the handler.
 *  - Injected objects (sx_db() connections and pools) belong to the
 *    request: released when it ends, never freed or closed by the handler.
 *  - A cJSON given to sx_json() or sx_render() belongs to the call, which
 *    frees it, even when the call fails: never cJSON_Delete it after.
 *  - What the database layer returns while serving a request, through a
 *    connection the request handed out (sx_db()), belongs to the request:
 *    an sx_db_result not freed with sx_db_result_free is freed when the
 *    request ends (freeing it early stays allowed), and sx_db_scalar_text's
 *    string is request memory (never free() it). Outside a request (a
 *    connection you opened or acquired yourself) they are the caller's
 *    (sx_db.h). The JSON of sx_db_row_json and sx_db_result_json is always
 *    the caller's: hand it to sx_json()/sx_render() or cJSON_Delete it.
 *    Strings read from a result live as long as the result.
 *  - The test client and its responses are freed with sx_test_client_free
 *    and sx_test_response_free.
 */
#ifndef SEXTANT_H
#define SEXTANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sx_util.h"
#include "sx_db.h"
#include "sx_session.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SX_VERSION "0.1.0"
#define SX_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- HTTP vocabulary ---------------------------------------------------- */

typedef enum sx_method {
	SX_GET,
	SX_HEAD,
	SX_POST,
	SX_PUT,
	SX_PATCH,
	SX_DELETE,
	SX_OPTIONS,
	SX_METHOD__MAX
} sx_method;

/* "GET", "HEAD", ...; sx_methods[SX_METHOD__MAX] */
SX_API extern const char *const sx_methods[SX_METHOD__MAX];
/* Reason phrase of a status code ("Not Found"), "Unknown" if not known. */
SX_API const char *sx_status_reason(int status);

/* A name/value pair: headers, query arguments, form fields, cookies, params. */
typedef struct sx_kv {
	const char *name;
	const char *value;
	size_t len;		/* length of value; never holds NUL (400) */
} sx_kv;

/* An uploaded file part of a multipart/form-data body. */
typedef struct sx_upload {
	const char *field;	/* form field name */
	const char *filename;	/* client's file name, may be "" */
	const char *content_type;
	const char *data;
	size_t len;
} sx_upload;

/* ---- Handlers and routes ------------------------------------------------ */

typedef struct sx_req sx_req;
typedef struct sx_res sx_res;

/*
 * A handler fills the response and returns 0. A non-zero return means the
 * handler failed: its database work is rolled back and, unless it already
 * set an error status (>= 400), the client gets a 500.
 */
typedef int (*sx_handler)(sx_req *req, sx_res *res);

/*
 * A guard decides whether a request may reach its route's handler. It runs
 * after routing and the cross-site form check, before the handler, and may
 * use the route's dependencies (sx_inject, sx_db): whatever it does to a
 * database session is settled by the transaction wrapper like a handler's
 * work, by the final status (a guard answering 401 or 403 rolls back under
 * autocommit). A guard returns
 *   SX_GUARD_PASS      let the request through (the next guard, then the
 *                      handler, runs);
 *   SX_GUARD_ANSWERED  it answered the request itself (sx_error(res, 401,
 *                      ...), sx_redirect(...)); nothing later runs. A guard
 *                      that answers without a status gets a 403;
 *   SX_GUARD_FAILED    it could not decide (a database down): handled like a
 *                      failed handler (rollback, 503 or 500).
 * arg is the guard's own setting (a role name), from its sx_guard.
 */
typedef enum sx_guard_result {
	SX_GUARD_PASS,
	SX_GUARD_ANSWERED,
	SX_GUARD_FAILED,
	SX_GUARD__MAX
} sx_guard_result;

typedef struct sx_guard {
	const char *name;	/* for `routes` and logs: "require_role(admin)" */
	sx_guard_result (*check)(sx_req *req, sx_res *res, const void *arg);
	const void *arg;
} sx_guard;

/* Guard list for a route or group: SX_GUARDS(&require_login, &admin_only) */
#define SX_GUARDS(...) ((const sx_guard *const[]){__VA_ARGS__, NULL})

typedef struct sx_route {
	sx_method method;
	const char *pattern;	/* "/posts/{post_id:int}"; types int, str, path, uuid */
	sx_handler handler;
	const char *const *deps;/* dependency keys, NULL-terminated, or NULL */
	const char *name;	/* optional, for `routes` and logs */
	const sx_guard *const *guards;	/* NULL-terminated, or NULL; run in order */
} sx_route;

/* Dependency key list for a route: SX_DEPS("db_session", "analytics_session") */
#define SX_DEPS(...) ((const char *const[]){__VA_ARGS__, NULL})
/*
 * The form-route flag, given among a route's dependencies:
 * SX_DEPS("session", SX_FORM_ROUTE). POST, PUT, PATCH and DELETE on a form
 * route need the session's CSRF token (form field "csrf_token" or header
 * X-CSRF-Token), else 403; its templates get {{csrf_token}}. Needs the
 * sessions extension. (A flag in the deps list rather than a new sx_route
 * field keeps every existing positional route initializer valid.)
 */
#define SX_FORM_ROUTE "sx:form"
/*
 * The write flag, given among a route's dependencies:
 * SX_DEPS("db_session", SX_WRITE_ROUTE), for a GET (HEAD, OPTIONS) route
 * that writes through its session. A safe method's session transaction
 * otherwise begins read-first: on SQLite it takes no write lock, so readers
 * never queue behind a writer (WAL), but a write after a read cannot wait
 * for the lock and makes the request a 503 to retry when another request
 * writes at the same time. Flagged, the transaction takes the write lock
 * at its start, as every POST, PUT, PATCH and DELETE does.
 */
#define SX_WRITE_ROUTE "sx:write"
#define SX_ROUTE_TABLE(t) .routes = (t), .n_routes = SX_NELEM(t)
/* Extensions an app uses: SX_EXTENSIONS("sessions") */
#define SX_EXTENSIONS(...) ((const char *const[]){__VA_ARGS__, NULL})

/*
 * A group of routes sharing a path prefix, dependency keys and guards:
 *
 *	static const sx_route api_routes[] = {
 *		{ SX_GET, "/items", list_items, NULL, "items", NULL },
 *	};
 *	static const sx_route_group groups[] = {
 *		{ .prefix = "/api", .name = "api",
 *		  .deps = SX_DEPS("db_session"), .guards = SX_GUARDS(&login),
 *		  SX_GROUP_ROUTES(api_routes) },
 *	};
 *	... .groups = groups, .n_groups = SX_NELEM(groups) in the sx_app.
 *
 * At start-up each route of a group becomes one route of the table:
 * pattern prefix + pattern ("/" alone is the prefix itself), the group's
 * keys then its own (no duplicates), the group's guards then its own, and
 * name "group.route" when both are named. The table is then checked as a
 * whole (duplicates, keys, guards) like routes without a group.
 */
typedef struct sx_route_group {
	const char *prefix;		/* "/api": starts with '/', no trailing '/' */
	const char *const *deps;
	const sx_guard *const *guards;
	const sx_route *routes;
	size_t n_routes;
	const char *name;
} sx_route_group;

#define SX_GROUP_ROUTES(t) .routes = (t), .n_routes = SX_NELEM(t)
#define SX_GROUP_TABLE(t) .groups = (t), .n_groups = SX_NELEM(t)

/*
 * App-wide hooks, around every request. The order of one request:
 *   1. the request is read and parsed, its id assigned (400/413 here skip
 *      every hook);
 *   2. before-hooks, in table order; the first that answers
 *      (SX_HOOK_ANSWERED) ends the walk: no routing, guard or handler runs.
 *      No route is matched yet (sx_req_route is NULL);
 *   3. routing (404, 405) and the cross-site form check (403);
 *   4. the route's guards (a group's first), then the handler;
 *   5. the transaction wrapper commits or rolls back every database;
 *   6. after-hooks, in reverse table order, of every hook whose before-hook
 *      ran (or that has none): they see the final status, after a failed
 *      commit replaced the response, and may add headers; a status they set
 *      is ignored (the transaction was settled by the one before them);
 *   7. X-Request-ID is added, the response sent, connections released, the
 *      access line logged.
 * check, when set, validates arg at start-up (non-zero stops it, with a
 * one-line message in err).
 */
typedef enum sx_hook_result {
	SX_HOOK_CONTINUE,
	SX_HOOK_ANSWERED,
	SX_HOOK__MAX
} sx_hook_result;

typedef struct sx_hook {
	const char *name;
	sx_hook_result (*before)(sx_req *req, sx_res *res, const void *arg);
	void (*after)(sx_req *req, sx_res *res, const void *arg);
	const void *arg;
	int (*check)(const void *arg, char *err, size_t errlen);
} sx_hook;

#define SX_HOOK_TABLE(t) .hooks = (t), .n_hooks = SX_NELEM(t)

/* ---- Databases ------------------------------------------------------------ */

typedef enum sx_commit_mode {
	SX_COMMIT_MANUAL,		/* the handler commits; leftovers roll back */
	SX_COMMIT_AUTO,			/* 2xx commits, anything else rolls back */
	SX_COMMIT_AUTO_REDIRECT,	/* 2xx and 3xx commit */
	SX_COMMIT__MAX
} sx_commit_mode;

/* "manual", "autocommit", "autocommit_include_redirect" */
SX_API extern const char *const sx_commit_modes[SX_COMMIT__MAX];

/*
 * One database of an app. Keys default to "db_session", "db_connection"
 * and "db_pool"; give each database its own keys when an app has several.
 * Status lists end with 0.
 */
typedef struct sx_database {
	const char *url;		/* "sqlite:app.db", "postgresql://..." */
	const char *session_key;	/* a managed session (transaction wrapper) */
	const char *connection_key;	/* the raw connection, no wrapper */
	const char *pool_key;		/* the pool itself */
	sx_commit_mode commit_mode;
	const int *extra_commit_statuses;
	const int *extra_rollback_statuses;
	int pool_size;			/* 0 = 10 */
	int stmt_cache_size;		/* 0 = 64, -1 = off */
	const char *migrations_dir;	/* default "migrations" */
} sx_database;

#define SX_DATABASE_TABLE(t) .databases = (t), .n_databases = SX_NELEM(t)

/* ---- The application ------------------------------------------------------ */

typedef struct sx_app {
	const char *name;
	const char *description;
	const sx_route *routes;
	size_t n_routes;
	const sx_database *databases;
	size_t n_databases;
	const char *templates_dir;	/* default "templates" */
	size_t max_body;		/* bytes; 0 = 1 MiB */
	const char *const *request_id_headers; /* NULL-terminated; after X-Request-ID */
	/* Origins allowed to post forms cross-site ("https://pay.example"),
	 * NULL-terminated; every other cross-site form post gets 403. */
	const char *const *trusted_origins;
	/* Called once per process after configuration, before serving. Non-zero
	 * stops start-up. err receives a one-line message. */
	int (*on_startup)(const struct sx_app *app, char *err, size_t errlen);
	/* Extensions the app uses, NULL-terminated: "sessions" (server-side
	 * sessions, sextant_session(3)). Each brings its migrations
	 * (ext_NAME_NNNN), applied with the app's own by `db upgrade` and
	 * --migrate. */
	const char *const *extensions;
	/* Settings of the sessions extension; NULL = the defaults. */
	const sx_session_config *sessions;
	const sx_hook *hooks;		/* SX_HOOK_TABLE; order: see sx_hook */
	size_t n_hooks;
	const sx_route_group *groups;	/* SX_GROUP_TABLE; after the routes */
	size_t n_groups;
} sx_app;

/*
 * The app's command line: serve, request, routes, render, db ..., --help.
 * Returns the process exit status (0 ok, 1 failure, 2 usage).
 */
SX_API int sx_main(int argc, char **argv, const sx_app *app);

/* ---- Request ---------------------------------------------------------------- */

SX_API sx_method sx_req_method(const sx_req *req);
SX_API const char *sx_req_method_name(const sx_req *req);
/* Path relative to where the app is mounted, decoded: "/posts/7". */
SX_API const char *sx_req_path(const sx_req *req);
/* Raw query string without '?', "" if none. */
SX_API const char *sx_req_query_string(const sx_req *req);
/* First value of a query argument / header / cookie / form field, or NULL. */
SX_API const char *sx_req_query(const sx_req *req, const char *name);
SX_API const char *sx_req_header(const sx_req *req, const char *name);
SX_API const char *sx_req_cookie(const sx_req *req, const char *name);
SX_API const char *sx_req_form(const sx_req *req, const char *name);
/* All pairs of a kind, in arrival order. */
SX_API const sx_kv *sx_req_queries(const sx_req *req, size_t *n);
SX_API const sx_kv *sx_req_headers(const sx_req *req, size_t *n);
SX_API const sx_kv *sx_req_forms(const sx_req *req, size_t *n);
SX_API const sx_upload *sx_req_file(const sx_req *req, const char *field);
SX_API const sx_upload *sx_req_files(const sx_req *req, size_t *n);
/* The parsed JSON body, or NULL when the body was not JSON. */
SX_API const cJSON *sx_req_json(const sx_req *req);
SX_API const char *sx_req_body(const sx_req *req, size_t *len);
SX_API const char *sx_req_content_type(const sx_req *req);
/* Typed path parameters of the matched route. */
SX_API const char *sx_req_param(const sx_req *req, const char *name);
SX_API int64_t sx_req_param_int(const sx_req *req, const char *name);
/* The request id: from X-Request-ID (or a configured header) or a UUID v4. */
SX_API const char *sx_req_id(const sx_req *req);
SX_API const sx_route *sx_req_route(const sx_req *req);
/* Request-scoped memory, freed when the request ends. */
SX_API void *sx_req_alloc(sx_req *req, size_t size);
SX_API char *sx_req_strdup(sx_req *req, const char *s);
SX_API char *sx_req_printf(sx_req *req, const char *fmt, ...) SX_PRINTF(2, 3);
/* A log line tagged with the request id, to the app's log. */
SX_API void sx_req_log(const sx_req *req, const char *fmt, ...) SX_PRINTF(2, 3);

/* ---- Dependencies ------------------------------------------------------------ */

/*
 * The object injected under key: a database session or connection
 * (sx_db_conn *) or a pool (sx_db_pool *). Acquired on first use, released
 * when the request ends. NULL when it cannot be had (pool exhausted, database
 * down, key not declared by the route): the request then carries the error,
 * and a handler that returns non-zero passes it to the client (503 / 500).
 */
SX_API void *sx_inject(sx_req *req, const char *key);
/* sx_inject typed for database sessions and connections. */
SX_API sx_db_conn *sx_db(sx_req *req, const char *key);
/* sx_inject typed for the server-side session (the sessions extension's
 * key, "session" by default). NULL when it cannot be had. */
SX_API sx_session *sx_session_of(sx_req *req);

/* ---- Response ------------------------------------------------------------------ */

typedef enum sx_samesite {
	SX_SAMESITE_LAX,	/* the default */
	SX_SAMESITE_STRICT,
	SX_SAMESITE_NONE,
	SX_SAMESITE__MAX
} sx_samesite;

typedef struct sx_cookie_opts {
	const char *path;	/* default "/" */
	const char *domain;
	long max_age;		/* seconds; 0 = session cookie, -1 = delete */
	bool not_http_only;	/* HttpOnly is on unless this is set */
	bool secure;
	sx_samesite samesite;
} sx_cookie_opts;

/* Each returns 0, or -1 when refused (CR/LF in a header, no memory). */
SX_API int sx_res_status(sx_res *res, int status);
SX_API int sx_res_get_status(const sx_res *res);
/* The value of a header set on the response, or NULL (any case). */
SX_API const char *sx_res_get_header(const sx_res *res, const char *name);
SX_API int sx_res_header(sx_res *res, const char *name, const char *value);
SX_API int sx_res_cookie(sx_res *res, const char *name, const char *value,
    const sx_cookie_opts *opts);
SX_API int sx_res_write(sx_res *res, const void *data, size_t len);
SX_API int sx_res_printf(sx_res *res, const char *fmt, ...) SX_PRINTF(2, 3);
/* The request a response answers. */
SX_API sx_req *sx_res_req(const sx_res *res);
/* The body buffer, for code that renders straight into it. */
SX_API sx_buf *sx_res_body(sx_res *res);
/*
 * Makes the body len bytes of the open file fd from offset on, replacing
 * anything written so far. The file is not read into memory: it is sent in
 * chunks once the response goes out, after the transaction has settled, and
 * Content-Length is len. The response owns fd from this call on (success or
 * not) and closes it when the request ends. Returns 0, or -1 for a negative
 * fd.
 */
SX_API int sx_res_file(sx_res *res, int fd, uint64_t offset, uint64_t len);

/* Whole responses. Each sets status, Content-Type and body. */
SX_API int sx_text(sx_res *res, int status, const char *text);
SX_API int sx_html(sx_res *res, int status, const char *html);
/* Serialises json and frees it (ownership passes to the call). */
SX_API int sx_json(sx_res *res, int status, cJSON *json);
SX_API int sx_redirect(sx_res *res, int status, const char *location);
/* {"error": message, "request_id": id} (or an HTML page if the client asked). */
SX_API int sx_error(sx_res *res, int status, const char *message);
/* Renders the named template of the app's templates folder over data and
 * frees data (ownership passes to the call, as with sx_json). */
SX_API int sx_render(sx_res *res, int status, const char *template_name,
    cJSON *data);

/* ---- Helpers: query parameters, pagination, validation, results ------------ */

/*
 * Typed query parameters. Each reads the first value of query argument name:
 * absent (or empty) gives def; a value that does not parse, or falls outside
 * [min, max], is answered with 400 and a reason naming the parameter and
 * what it takes ("\"limit\" must be an integer from 1 to 100"). Returns 0
 * with *out set, or -1 after answering: the handler then returns 0 (the
 * answer stands, its database work rolls back). Integers are decimal;
 * booleans are true/false, 1/0, yes/no or on/off.
 */
SX_API int sx_req_query_int(sx_req *req, const char *name, int64_t def,
    int64_t min, int64_t max, int64_t *out);
SX_API int sx_req_query_double(sx_req *req, const char *name, double def,
    double min, double max, double *out);
SX_API int sx_req_query_bool(sx_req *req, const char *name, bool def,
    bool *out);

/*
 * Pagination in the shape {"items": [...], "limit": L, "offset": O,
 * "total": T}. sx_req_page reads "limit" (1 to max_limit, default
 * def_limit) and "offset" (0 or more, default 0) like sx_req_query_int:
 * 0, or -1 after answering 400. sx_json_page answers 200 with the
 * envelope of items' rows (ownership of items passes to the call, which
 * frees it) and total, the count of every row the filter matches.
 */
typedef struct sx_page {
	int64_t limit;
	int64_t offset;
} sx_page;

SX_API int sx_req_page(sx_req *req, int64_t def_limit, int64_t max_limit,
    sx_page *out);
SX_API int sx_json_page(sx_res *res, sx_db_result *items, const sx_page *page,
    int64_t total);

/*
 * Declarative validation of the JSON body. Each sx_field names a member of
 * the body object and what it must be:
 *   type      SX_FIELD_STRING, _INT, _NUMBER, _BOOL, or _STRINGS (an array
 *             of strings);
 *   required  absence (or null) is an error ("required");
 *   min, max  bounds of the length (strings: bytes; arrays: elements) or
 *             of the value (numbers), checked when either is non-zero; a
 *             max of 0 then means no upper bound;
 *   allowed   NULL-terminated values a string (or each string of an array)
 *             must be one of, or NULL.
 * sx_validate checks every field: 0 when the body fits; else it answers
 * 422 {"error": "validation failed", "fields": {"title": "required", ...},
 * "request_id": ...} with one reason per failing field (400 when the body
 * is not a JSON object) and returns -1: the handler then returns 0.
 *
 *	static const sx_field post_fields[] = {
 *		{ "title", SX_FIELD_STRING, .required = true, .min = 1, .max = 200 },
 *		{ "state", SX_FIELD_STRING, .allowed = SX_VALUES("draft", "live") },
 *	};
 *	if (sx_validate(req, post_fields, SX_NELEM(post_fields)) != 0)
 *		return 0;
 *
 * sx_error_fields answers the same 422 for a handler that checked more
 * itself: fields is an object of name -> reason, and the call takes it.
 * Returns 0, or -1 when out of memory.
 */
typedef enum sx_field_type {
	SX_FIELD_STRING,
	SX_FIELD_INT,
	SX_FIELD_NUMBER,
	SX_FIELD_BOOL,
	SX_FIELD_STRINGS,
	SX_FIELD__MAX
} sx_field_type;

typedef struct sx_field {
	const char *name;
	sx_field_type type;
	bool required;
	double min;
	double max;
	const char *const *allowed;
} sx_field;

#define SX_VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})

SX_API int sx_validate(sx_req *req, const sx_field *fields, size_t n);
SX_API int sx_error_fields(sx_res *res, cJSON *fields);

/*
 * Results to responses. Each takes ownership of r (frees it).
 * sx_json_rows answers status with r's rows as a JSON array;
 * sx_json_row answers status with r's first row as a JSON object, or 404
 * with not_found (NULL: "not found") when r has no row or is NULL.
 * sx_json_query and sx_json_query_one run sql first (sx_db_exec with its
 * parameters) and answer 200 the same way, or sx_res_db_error's answer.
 */
SX_API int sx_json_rows(sx_res *res, int status, sx_db_result *r);
SX_API int sx_json_row(sx_res *res, int status, sx_db_result *r,
    const char *not_found);
SX_API int sx_json_query(sx_res *res, sx_db_conn *db, const char *sql,
    const sx_db_value *params, size_t n);
SX_API int sx_json_query_one(sx_res *res, sx_db_conn *db, const char *sql,
    const sx_db_value *params, size_t n, const char *not_found);

/*
 * Answers a database failure err of db: SX_DB_NO_ROW is a 404 "not found";
 * a busy database, a serialization failure or an exhausted pool a 503
 * with Retry-After (worth retrying); anything else a 500 "internal error".
 * The driver's message, its SQLSTATE or SQLite code go to the log, never
 * to the client. Returns -1, for the handler to return (its database work
 * then rolls back).
 */
SX_API int sx_res_db_error(sx_res *res, sx_db_conn *db, sx_db_err err);

/*
 * Password hashing with Argon2id (libsodium's crypto_pwhash_str, its
 * "interactive" costs). sx_password_hash writes the encoded hash, salt and
 * costs included, to out: 0, or -1 when out of memory. sx_password_verify
 * is true when password matches hash. With SX_PASSWORD_FAST=1 in the
 * environment the hash uses libsodium's minimum costs: for tests only.
 */
#define SX_PASSWORD_HASH_MAX 128
SX_API int sx_password_hash(const char *password,
    char out[SX_PASSWORD_HASH_MAX]);
SX_API bool sx_password_verify(const char *hash, const char *password);

/* ---- Test client ----------------------------------------------------------------- */

/*
 * Runs requests in-process through the same pipeline as the server: for
 * Criterion tests of apps. options are extra command-line options
 * ("--database", "db_session=sqlite:x.db", ...), NULL-terminated or NULL.
 */
typedef struct sx_test_client sx_test_client;
typedef struct sx_test_response {
	int status;
	sx_kv *headers;
	size_t n_headers;
	char *body;		/* NUL-terminated */
	size_t body_len;
	cJSON *json;		/* parsed body when it is JSON, else NULL */
} sx_test_response;

SX_API sx_test_client *sx_test_client_new(const sx_app *app,
    const char *const *options, char *err, size_t errlen);
/*
 * A test client whose every database is new and migrated (--migrate): a
 * temporary SQLite file each, or, when pg_url names a PostgreSQL server, a
 * new schema each on it (the URL's search_path). sx_test_client_free
 * throws them away (the files, DROP SCHEMA ... CASCADE). options as for
 * sx_test_client_new. Test clients log nowhere unless options give --log
 * or SX_TEST_LOG is set in the environment.
 */
SX_API sx_test_client *sx_test_client_fresh(const sx_app *app,
    const char *pg_url, const char *const *options, char *err, size_t errlen);
/* headers: "Name: value" strings, NULL-terminated, or NULL. body may be NULL. */
SX_API sx_test_response *sx_test_request(sx_test_client *tc, const char *method,
    const char *path, const char *const *headers, const void *body, size_t len);
SX_API const char *sx_test_header(const sx_test_response *r, const char *name);
SX_API void sx_test_response_free(sx_test_response *r);
SX_API void sx_test_client_free(sx_test_client *tc);

/* ---- Stock handlers (handlers/) -------------------------------------------------- */

/* {"status":"ok"} */
SX_API int sx_handler_health(sx_req *req, sx_res *res);
/* The app's index, no database needed: {"name", "description",
 * "routes": [{"method", "pattern", "name"}]}. What the examples answer at
 * "/", so that a new app answers `./NAME request GET /` at once. */
SX_API int sx_handler_index(sx_req *req, sx_res *res);
/* Readiness: pings every database (a new connection and SELECT 1, bounded
 * by a 2 s timeout): 200 {"status":"ready"}, or 503 {"status":
 * "unavailable","database":KEY,"error":...} naming the first that failed. */
SX_API int sx_handler_ready(sx_req *req, sx_res *res);
/* The Prometheus text format of every worker's counters, summed. Mounting
 * it turns the counting on (--no-metrics, or "no_metrics": true in --config, turns it off). */
SX_API int sx_handler_metrics(sx_req *req, sx_res *res);

/* What those two are made of, for apps that answer in their own way.
 * sx_ready_check returns NULL when every database answered within
 * timeout_ms, else the failing database's session key, with the reason in
 * *why. sx_metrics_write appends the scrape to out: 0, or -1 when metrics
 * are off. */
SX_API const char *sx_ready_check(sx_req *req, int timeout_ms, const char **why);
SX_API int sx_metrics_write(sx_req *req, sx_buf *out);

/*
 * CORS as a stock hook: put SX_CORS_HOOK(&opts) in the app's hook table.
 * Nothing is allowed by default: an origin, method or header gets through
 * only when listed. A preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) is answered by the hook without reaching
 * routing or a handler: 204 with the allowances when origin, method and
 * every requested header are allowed, else 403 naming what is not. An
 * actual request from an allowed origin gets Access-Control-Allow-Origin
 * (and -Credentials, -Expose-Headers) on its response, whatever its status;
 * from another origin, nothing (the browser then withholds the response).
 * "*" in origins allows every origin; it cannot be combined with
 * credentials (start-up refuses it).
 */
typedef struct sx_cors {
	const char *const *origins;	/* "https://app.example", or "*" */
	const char *const *methods;	/* "GET", "POST", ... */
	const char *const *headers;	/* request headers allowed, any case */
	const char *const *expose;	/* response headers scripts may read */
	bool credentials;		/* cookies and HTTP auth allowed */
	int max_age;			/* seconds a preflight is cached; 0 = not sent */
} sx_cors;

SX_API sx_hook_result sx_cors_before(sx_req *req, sx_res *res, const void *arg);
SX_API void sx_cors_after(sx_req *req, sx_res *res, const void *arg);
SX_API int sx_cors_check(const void *arg, char *err, size_t errlen);
#define SX_CORS_HOOK(opts) \
	{ "cors", sx_cors_before, sx_cors_after, (opts), sx_cors_check }

/*
 * Static files: serves the regular files of a folder under a route whose
 * last segment is {path:path}. Content-Type by extension, ETag and
 * Last-Modified (304 on If-None-Match / If-Modified-Since), Cache-Control,
 * HEAD, one byte range (206, 416 when unsatisfiable, If-Range honoured).
 * Anything that is not a regular file inside the folder is a 404: "." and
 * ".." segments, hidden (dot) files, directories (no listings), symbolic
 * links that lead out of the folder. Files are streamed (sx_res_file), and
 * the route needs no dependencies, so no database session is taken.
 */
typedef struct sx_static_opts {
	const char *dir;		/* default "static", from the working directory */
	const char *cache_control;	/* default "public, max-age=3600" */
} sx_static_opts;

SX_API int sx_static_serve(sx_req *req, sx_res *res, const sx_static_opts *opts);
/* sx_static_serve with the defaults. */
SX_API int sx_handler_static(sx_req *req, sx_res *res);
/* A route for sx_handler_static under a prefix: SX_STATIC_ROUTE("/static")
 * serves static/app.css as /static/app.css. */
#define SX_STATIC_ROUTE(prefix) \
	{ .method = SX_GET, .pattern = prefix "/{path:path}", \
	  .handler = sx_handler_static, .name = "static" }

#ifdef __cplusplus
}
#endif
#endif
