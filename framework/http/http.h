/*
 * http.h: the framework's HTTP layer, shared by its files and never seen by
 * apps: a request read from CGI parameters and a body, the route table, the
 * buffered response and its serialisation, the cross-site form check, the
 * request id and the error responses.
 *
 * Nothing here knows about databases, the runtime or the server: the core
 * (dispatch.c) drives these calls in this order:
 *   sx_req_init                 CGI params -> method, path, query, headers, cookies
 *   sx_req_read_body            exactly CONTENT_LENGTH bytes, bounded -> 413 / aborted
 *   sx_req_parse_body           urlencoded, JSON, multipart -> 400 with a reason
 *   sx_router_match             -> 404 / 405 + Allow
 *   sx_csrf_check               -> 403 for a form post from another site
 *   ... the handler, the transaction wrapper ...
 *   sx_res_serialize            status, headers, body -> the web server
 */
#ifndef SX_HTTP_H
#define SX_HTTP_H

#include <stdio.h>

#include "sextant.h"
#include "log.h"

#define SX_MAX_PARAMS 16
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

long sx_membody_read(void *ctx, char *buf, size_t n);

struct sx_res {
	sx_req *req;			/* the request this answers */
	int status;			/* 0 until set; 200 by default */
	sx_kv *headers;
	size_t n_headers, cap_headers;
	sx_buf body;
	sx_arena *arena;
	bool has_content_type;
	/* A body streamed from a file (sx_res_file) instead of body. */
	bool has_file;
	int file_fd;
	uint64_t file_off, file_len;
};

struct sx_runtime;
struct sx_deps;
struct sx_session;

struct sx_req {
	struct sx_runtime *rt;		/* the core's; opaque to the HTTP layer */
	const sx_app *app;
	sx_logger *log;
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
	struct sx_session *session;	/* loaded on first use (sessions.c) */
	bool https;			/* came over HTTPS (CGI HTTPS=on) */
	int pending_status;		/* set by a failed sx_inject: 503 / 500 */
	const char *pending_error;
	const char *db_failure;		/* the last failed statement (trace.c) */
	double started_ms;
	double db_ms;			/* time spent in commit/rollback/queries */
	bool aborted;			/* body cut short / client gone */
	size_t hooks_entered;		/* before-hooks run (the core's hooks.c) */
};

/* ---- request.c, body.c --------------------------------------------------- */

/* Outcome of reading and parsing a request; the reason for a refusal is put
 * in *why (a static string). */
typedef enum sx_req_err {
	SX_REQ_OK,
	SX_REQ_BAD,		/* 400: malformed */
	SX_REQ_TOO_LARGE,	/* 413 */
	SX_REQ_ABORTED,		/* body cut short: no response is owed */
	SX_REQ_NOMEM,
	SX_REQ_HEAD_TOO_LARGE,	/* 431: headers + URI over SX_MAX_HEAD */
	SX_REQ_BAD_METHOD,	/* 501: a method the framework does not know */
	SX_REQ__MAX
} sx_req_err;

/* Bytes of request head the app accepts: header names and values plus the
 * request URI. nginx's default large_client_header_buffers (4 x 8 KiB)
 * holds as much; a larger head is refused with 431. */
#define SX_MAX_HEAD (32 * 1024)

/* The status a refused request gets (400, 413, 431, 500, 501); 0 for
 * SX_REQ_OK and SX_REQ_ABORTED, which owe no error. */
int sx_req_err_status(sx_req_err err);

/* Fills method, path, query, headers, cookies from CGI params. */
sx_req_err sx_req_init(sx_req *req, char **envp, bool cgi, const char **why);
/* Reads exactly CONTENT_LENGTH bytes (bounded by max_body). */
sx_req_err sx_req_read_body(sx_req *req, const sx_io *io, size_t max_body,
    const char **why);
/* Parses the body by Content-Type into forms/files/json. */
sx_req_err sx_req_parse_body(sx_req *req, const char **why);
/* Percent-decodes in place ('+' to space when plus is true); returns the new
 * length, or -1 on a malformed escape. */
long sx_url_decode(char *s, size_t len, bool plus);
/* Parses "a=1&b=2" into arena pairs. Returns 0 or -1 (malformed). */
int sx_parse_urlencoded(sx_arena *a, const char *s, size_t len, sx_kv **out,
    size_t *n);
/* Parses a Cookie header. */
int sx_parse_cookies(sx_arena *a, const char *s, sx_kv **out, size_t *n);
/* Parses a multipart/form-data body with the given boundary. */
int sx_parse_multipart(sx_arena *a, const char *boundary, const char *body,
    size_t len, sx_kv **fields, size_t *n_fields, sx_upload **files,
    size_t *n_files, const char **why);
/* True when s[0..len) is well-formed UTF-8. */
bool sx_utf8_valid(const char *s, size_t len);
/* Case-insensitive lookup in a pair array. */
const sx_kv *sx_kv_find(const sx_kv *kv, size_t n, const char *name);

/* ---- router.c ------------------------------------------------------------ */

typedef enum sx_match {
	SX_MATCH_OK,
	SX_MATCH_NOT_FOUND,
	SX_MATCH_METHOD,	/* path matched under other methods: *allow set */
	SX_MATCH__MAX
} sx_match;

/* Compiles and validates the table; NULL with a one-line message in err. */
struct sx_router *sx_router_new(const sx_route *routes, size_t n, char *err,
    size_t errlen);
void sx_router_free(struct sx_router *r);
/* One line a route: method, pattern, name, dependency keys, guards. */
void sx_router_print(const struct sx_router *r, FILE *out);
/* Matches method + path; on OK fills req->route and req->params. On
 * SX_MATCH_METHOD, *allow is an arena string "GET, HEAD". */
sx_match sx_router_match(const struct sx_router *r, sx_req *req,
    const char **allow);

/* ---- response.c ---------------------------------------------------------- */

sx_res *sx_res_new(sx_arena *a, sx_req *req);
/* Drops status, headers and body (a commit failure replaces the response). */
void sx_res_clear(sx_res *res);
/* Writes the CGI/FastCGI form: "Status: 200 OK\r\n", headers, blank line,
 * body (omitted when with_body is false; a file body goes out in chunks
 * read from the file). Returns 0 or -1. */
int sx_res_serialize(sx_res *res, const sx_io *io, bool with_body);
void sx_res_free(sx_res *res);

/* ---- csrf.c -------------------------------------------------------------- */

/* NULL when the request may proceed, else the reason for a 403 (a form post
 * from another site). */
const char *sx_csrf_check(const sx_req *req);

/* ---- request_id.c -------------------------------------------------------- */

/*
 * Checks a candidate request id: trims blanks at both ends, cuts it to
 * SX_REQUEST_ID_MAX characters, and accepts it only if every character is
 * visible ASCII (0x21-0x7e). Writes the id to out (SX_REQUEST_ID_MAX + 1
 * bytes) and returns true, or returns false (empty, or a character outside
 * that range: the id is dropped whole rather than rewritten, so it still
 * matches what the upstream logged when it is kept).
 */
bool sx_request_id_clean(const char *in, char *out);
/* Picks the request id from the headers or makes a UUID. */
void sx_req_assign_id(sx_req *req);

#endif
