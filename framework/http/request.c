/*
 * request.c: turns the CGI parameters a web server sends (over FastCGI or in
 * a CGI program's environment) into an sx_req, reads the body, and gives
 * handlers their accessors. Parsing of query strings, cookies and bodies is
 * in body.c.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Value of NAME in a "NAME=value" array, or NULL. */
static const char *
env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* HTTPS=on (nginx's fastcgi_params, Apache) or REQUEST_SCHEME=https. */
static bool
came_over_https(char **envp)
{
	const char *https = env_get(envp, "HTTPS");
	const char *scheme = env_get(envp, "REQUEST_SCHEME");

	return (https != NULL && strcasecmp(https, "on") == 0) ||
	    (scheme != NULL && strcasecmp(scheme, "https") == 0);
}

static sx_method
method_from_name(const char *m)
{
	for (int i = 0; i < SX_METHOD__MAX; i++)
		if (strcmp(sx_methods[i], m) == 0)
			return (sx_method)i;
	return SX_METHOD__MAX;
}

/*
 * Collects HTTP_* parameters as headers with lower-case, dash-separated
 * names, plus CONTENT_TYPE and CONTENT_LENGTH, which CGI passes without the
 * prefix.
 */
static int
collect_headers(sx_req *req, char **envp)
{
	size_t n = 0, i;
	char **e;

	for (e = envp; e != NULL && *e != NULL; e++)
		n++;
	req->headers = sx_arena_alloc(req->arena, (n + 1) * sizeof(sx_kv));
	if (req->headers == NULL)
		return -1;
	for (e = envp; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '='), *start;
		char *name;

		if (eq == NULL)
			continue;
		if (strncmp(*e, "HTTP_", 5) == 0)
			start = *e + 5;
		else if (strncmp(*e, "CONTENT_TYPE=", 13) == 0 ||
		    strncmp(*e, "CONTENT_LENGTH=", 15) == 0)
			start = *e;
		else
			continue;
		if ((name = sx_arena_strndup(req->arena, start,
		    (size_t)(eq - start))) == NULL)
			return -1;
		for (i = 0; name[i] != '\0'; i++)
			name[i] = name[i] == '_' ? '-' :
			    (char)tolower((unsigned char)name[i]);
		req->headers[req->n_headers].name = name;
		req->headers[req->n_headers].value = eq + 1;
		req->headers[req->n_headers].len = strlen(eq + 1);
		req->n_headers++;
	}
	return 0;
}

/*
 * The path the router sees, relative to where the app is mounted:
 * PATH_INFO when the server split it off; else REQUEST_URI's path without
 * SCRIPT_NAME when that is a proper prefix (a sub-path mount); else the
 * whole REQUEST_URI path (nginx's default SCRIPT_NAME is the whole URI).
 * A CGI program invoked as exactly SCRIPT_NAME is at its root, "/".
 */
static sx_req_err
resolve_path(sx_req *req, char **envp, bool cgi, const char **why)
{
	const char *pi = env_get(envp, "PATH_INFO");
	const char *sn = env_get(envp, "SCRIPT_NAME");
	const char *ru = env_get(envp, "REQUEST_URI");
	const char *mount = env_get(envp, "SX_MOUNT");
	char *path;
	size_t len, snlen;
	long dec;

	if (pi != NULL && *pi != '\0') {
		if (!sx_utf8_valid(pi, strlen(pi))) {
			*why = "request path is not valid UTF-8";
			return SX_REQ_BAD;
		}
		req->path = pi;
		return SX_REQ_OK;
	}
	if (ru == NULL || *ru == '\0') {
		req->path = "/";
		return SX_REQ_OK;
	}
	len = strcspn(ru, "?#");
	if ((path = sx_arena_strndup(req->arena, ru, len)) == NULL)
		return SX_REQ_NOMEM;
	if ((dec = sx_url_decode(path, len, false)) < 0 ||
	    memchr(path, '\0', (size_t)dec) != NULL) {
		*why = "malformed percent-encoding, or a NUL byte (%00), in "
		    "the request path";
		return SX_REQ_BAD;
	}
	if (!sx_utf8_valid(path, (size_t)dec)) {
		*why = "request path does not decode to valid UTF-8";
		return SX_REQ_BAD;
	}
	len = (size_t)dec;
	if (mount != NULL && *mount != '\0')
		sn = mount;
	else if (!cgi && sn != NULL && strcmp(sn, path) == 0) {
		/* nginx's default: SCRIPT_NAME is the whole URI, no mount */
		req->path = path[0] == '/' ? path : "/";
		return SX_REQ_OK;
	}
	snlen = sn != NULL ? strlen(sn) : 0;
	if (snlen > 0 && sn[snlen - 1] == '/')
		snlen--;
	if (snlen > 0 && strncmp(path, sn, snlen) == 0) {
		if (path[snlen] == '/') {
			req->path = path + snlen;
			return SX_REQ_OK;
		}
		if (path[snlen] == '\0' && (cgi || mount != NULL)) {
			req->path = "/";
			return SX_REQ_OK;
		}
	}
	req->path = path[0] == '/' ? path : "/";
	return SX_REQ_OK;
}

int
sx_req_err_status(sx_req_err err)
{
	static const int status[SX_REQ__MAX] = {
		[SX_REQ_BAD] = 400,
		[SX_REQ_TOO_LARGE] = 413,
		[SX_REQ_NOMEM] = 500,
		[SX_REQ_HEAD_TOO_LARGE] = 431,
		[SX_REQ_BAD_METHOD] = 501,
	};

	return err >= 0 && err < SX_REQ__MAX ? status[err] : 500;
}

/* Bytes of the request head as the client sent it: every header's name and
 * value, and the request URI. */
static size_t
head_size(const sx_req *req, char **envp)
{
	const char *uri = env_get(envp, "REQUEST_URI");
	size_t n = uri != NULL ? strlen(uri) : 0;

	for (size_t i = 0; i < req->n_headers; i++)
		n += strlen(req->headers[i].name) + req->headers[i].len;
	return n;
}

/*
 * Reads the request line and headers from the CGI parameters. Refuses, in
 * this order: a head larger than SX_MAX_HEAD (431), a method outside
 * sx_methods (501; methods are case-sensitive), then anything malformed
 * (400). The reason goes to *why.
 */
sx_req_err
sx_req_init(sx_req *req, char **envp, bool cgi, const char **why)
{
	const char *m, *cl, *qs, *cookie;
	sx_req_err rc;

	*why = NULL;
	req->https = came_over_https(envp);
	m = env_get(envp, "REQUEST_METHOD");
	req->method_name = m != NULL ? m : "GET";
	req->method = method_from_name(req->method_name);
	req->path = "-";
	if (collect_headers(req, envp) < 0)
		return SX_REQ_NOMEM;
	if (head_size(req, envp) > SX_MAX_HEAD) {
		*why = "request headers and URI are larger than the limit "
		    "(32 KiB)";
		return SX_REQ_HEAD_TOO_LARGE;
	}
	if (req->method == SX_METHOD__MAX) {
		*why = "request method not implemented (GET, HEAD, POST, PUT, "
		    "PATCH, DELETE, OPTIONS are)";
		return SX_REQ_BAD_METHOD;
	}
	if ((rc = resolve_path(req, envp, cgi, why)) != SX_REQ_OK)
		return rc;

	qs = env_get(envp, "QUERY_STRING");
	req->query_string = qs != NULL ? qs : "";
	if (sx_parse_urlencoded(req->arena, req->query_string,
	    strlen(req->query_string), &req->queries, &req->n_queries) < 0) {
		*why = "malformed percent-encoding, or a NUL byte (%00), in "
		    "the query string";
		return SX_REQ_BAD;
	}
	if ((cookie = sx_req_header(req, "cookie")) != NULL &&
	    sx_parse_cookies(req->arena, cookie, &req->cookies,
	    &req->n_cookies) < 0) {
		*why = "malformed Cookie header";
		return SX_REQ_BAD;
	}
	req->content_type = sx_req_header(req, "content-type");
	req->content_length = -1;
	if ((cl = env_get(envp, "CONTENT_LENGTH")) != NULL && *cl != '\0') {
		char *end;

		errno = 0;
		req->content_length = strtol(cl, &end, 10);
		if (errno != 0 || *end != '\0' || req->content_length < 0 ||
		    !isdigit((unsigned char)*cl)) {
			*why = "Content-Length is not a number";
			return SX_REQ_BAD;
		}
	}
	return SX_REQ_OK;
}

/*
 * Reads exactly CONTENT_LENGTH bytes. A body larger than max_body is refused
 * before it is read (413); one that ends early was cut short by the client and
 * must not be processed as complete.
 */
sx_req_err
sx_req_read_body(sx_req *req, const sx_io *io, size_t max_body, const char **why)
{
	size_t want, got = 0;
	long n;

	if (req->content_length <= 0) {
		req->body = "";
		req->body_len = 0;
		return SX_REQ_OK;
	}
	want = (size_t)req->content_length;
	if (want > max_body) {
		*why = "request body is larger than the limit";
		return SX_REQ_TOO_LARGE;
	}
	if ((req->body = sx_arena_alloc(req->arena, want + 1)) == NULL)
		return SX_REQ_NOMEM;
	while (got < want) {
		n = io->read(io->ctx, req->body + got, want - got);
		if (n <= 0) {
			*why = "request body ended before Content-Length bytes";
			req->aborted = true;
			return SX_REQ_ABORTED;
		}
		got += (size_t)n;
	}
	req->body[want] = '\0';
	req->body_len = want;
	return SX_REQ_OK;
}

/* ---- accessors --------------------------------------------------------------- */

sx_method sx_req_method(const sx_req *req) { return req->method; }
const char *sx_req_method_name(const sx_req *req) { return req->method_name; }
const char *sx_req_path(const sx_req *req) { return req->path; }
const char *sx_req_query_string(const sx_req *req) { return req->query_string; }
const char *sx_req_content_type(const sx_req *req) { return req->content_type; }
const cJSON *sx_req_json(const sx_req *req) { return req->json; }
const char *sx_req_id(const sx_req *req) { return req->id; }
const sx_route *sx_req_route(const sx_req *req) { return req->route; }

/* First value of name: header names match without regard to case (HTTP
 * says so); query, cookie and form names match exactly. */
static const char *
kv_value(const sx_kv *kv, size_t n, const char *name, bool any_case)
{
	const sx_kv *p;

	if (any_case)
		return (p = sx_kv_find(kv, n, name)) != NULL ? p->value : NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	return NULL;
}

const char *
sx_req_query(const sx_req *req, const char *name)
{
	return kv_value(req->queries, req->n_queries, name, false);
}

const char *
sx_req_header(const sx_req *req, const char *name)
{
	return kv_value(req->headers, req->n_headers, name, true);
}

const char *
sx_req_cookie(const sx_req *req, const char *name)
{
	return kv_value(req->cookies, req->n_cookies, name, false);
}

const char *
sx_req_form(const sx_req *req, const char *name)
{
	return kv_value(req->forms, req->n_forms, name, false);
}

const sx_kv *
sx_req_queries(const sx_req *req, size_t *n)
{
	*n = req->n_queries;
	return req->queries;
}

const sx_kv *
sx_req_headers(const sx_req *req, size_t *n)
{
	*n = req->n_headers;
	return req->headers;
}

const sx_kv *
sx_req_forms(const sx_req *req, size_t *n)
{
	*n = req->n_forms;
	return req->forms;
}

const sx_upload *
sx_req_file(const sx_req *req, const char *field)
{
	for (size_t i = 0; i < req->n_files; i++)
		if (strcmp(req->files[i].field, field) == 0)
			return &req->files[i];
	return NULL;
}

const sx_upload *
sx_req_files(const sx_req *req, size_t *n)
{
	*n = req->n_files;
	return req->files;
}

const char *
sx_req_body(const sx_req *req, size_t *len)
{
	if (len != NULL)
		*len = req->body_len;
	return req->body != NULL ? req->body : "";
}

const char *
sx_req_param(const sx_req *req, const char *name)
{
	for (size_t i = 0; i < req->n_params; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

/* The router only matched an int parameter that parsed, so this cannot fail
 * for a declared {name:int}; an unknown name gives 0. */
int64_t
sx_req_param_int(const sx_req *req, const char *name)
{
	const char *v = sx_req_param(req, name);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

void *
sx_req_alloc(sx_req *req, size_t size)
{
	return sx_arena_alloc(req->arena, size);
}

char *
sx_req_strdup(sx_req *req, const char *s)
{
	return sx_arena_strdup(req->arena, s);
}

char *
sx_req_printf(sx_req *req, const char *fmt, ...)
{
	va_list ap;
	sx_buf b = SX_BUF_INIT;
	char *p;

	va_start(ap, fmt);
	if (sx_buf_vprintf(&b, fmt, ap) < 0) {
		va_end(ap);
		sx_buf_free(&b);
		return NULL;
	}
	va_end(ap);
	p = sx_arena_strndup(req->arena, b.data, b.len);
	sx_buf_free(&b);
	return p;
}

void
sx_req_log(const sx_req *req, const char *fmt, ...)
{
	va_list ap;
	sx_buf b = SX_BUF_INIT;

	va_start(ap, fmt);
	if (sx_buf_vprintf(&b, fmt, ap) == 0 && req->log != NULL &&
	    req->log->json)
		sx_log_json(req->log, "warn", &(sx_log_fields){
		    .request_id = req->id, .method = req->method_name,
		    .route = req->route ? req->route->name : NULL,
		    .path = req->path }, b.data);
	else if (b.data != NULL)
		sx_logf(req->log, "[%s] %s", req->id, b.data);
	va_end(ap);
	sx_buf_free(&b);
}

/* Reads a body held in memory, for the server's buffered requests and the
 * test client's. */
long
sx_membody_read(void *ctx, char *buf, size_t n)
{
	sx_membody *m = ctx;
	size_t left = m->len - m->off;

	if (n > left)
		n = left;
	memcpy(buf, m->data + m->off, n);
	m->off += n;
	return (long)n;
}
