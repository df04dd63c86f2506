/*
 * response.c: the buffered response. Nothing reaches the web server until
 * the handler has returned and the transaction is settled (dispatch.c), so
 * a failed commit can still replace what the handler wrote.
 *
 * Headers are checked as they are set: a name must be an HTTP token and a
 * value must hold no CR, LF or NUL, so a handler cannot split a response.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Bytes read from a file body per write: a few FastCGI records' worth. */
#define SX_FILE_CHUNK (64 * 1024)

const char *const sx_methods[SX_METHOD__MAX] = {
	[SX_GET] = "GET",
	[SX_HEAD] = "HEAD",
	[SX_POST] = "POST",
	[SX_PUT] = "PUT",
	[SX_PATCH] = "PATCH",
	[SX_DELETE] = "DELETE",
	[SX_OPTIONS] = "OPTIONS",
};

const char *
sx_status_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 418: return "I'm a teapot";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

sx_res *
sx_res_new(sx_arena *a, sx_req *req)
{
	sx_res *res = sx_arena_alloc(a, sizeof(*res));

	if (res != NULL) {
		res->arena = a;
		res->req = req;
	}
	return res;
}

sx_req *
sx_res_req(const sx_res *res)
{
	return res->req;
}

/* Closes a file body, if there is one; the body is empty again. */
static void
drop_file(sx_res *res)
{
	if (res->has_file)
		close(res->file_fd);
	res->has_file = false;
	res->file_fd = -1;
	res->file_off = res->file_len = 0;
}

void
sx_res_free(sx_res *res)
{
	if (res != NULL) {
		drop_file(res);
		sx_buf_free(&res->body);
	}
}

void
sx_res_clear(sx_res *res)
{
	res->status = 0;
	res->n_headers = 0;
	res->has_content_type = false;
	drop_file(res);
	sx_buf_reset(&res->body);
}

int
sx_res_file(sx_res *res, int fd, uint64_t offset, uint64_t len)
{
	drop_file(res);
	sx_buf_reset(&res->body);
	if (fd < 0 || offset > (uint64_t)INT64_MAX ||
	    len > (uint64_t)INT64_MAX - offset) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	res->has_file = true;
	res->file_fd = fd;
	res->file_off = offset;
	res->file_len = len;
	return 0;
}

int
sx_res_status(sx_res *res, int status)
{
	if (status < 100 || status > 999)
		return -1;
	res->status = status;
	return 0;
}

int
sx_res_get_status(const sx_res *res)
{
	return res->status ? res->status : 200;
}

static bool
header_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return false;
	return true;
}

static bool
header_value_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

const char *
sx_res_get_header(const sx_res *res, const char *name)
{
	for (size_t i = res->n_headers; i > 0; i--)
		if (strcasecmp(res->headers[i - 1].name, name) == 0)
			return res->headers[i - 1].value;
	return NULL;
}

/* Appends a header; Content-Type and Location replace an earlier one. */
/* How sx_res_header treats a header name. */
typedef enum header_kind {
	HEADER_ANY,		/* may repeat */
	HEADER_COMPUTED,	/* the framework's own: refused */
	HEADER_SINGLE,		/* set again, it replaces the value */
	HEADER_CONTENT_TYPE,	/* single, and noted */
} header_kind;

/* The kind of a valid token name; its first letter picks the one name
 * to compare, as this runs for every header of every response. */
static header_kind
header_kind_of(const char *name)
{
	switch (name[0] | 0x20) {	/* ASCII lower case */
	case 'c':
		if (strcasecmp(name, "content-length") == 0)
			return HEADER_COMPUTED;
		if (strcasecmp(name, "content-type") == 0)
			return HEADER_CONTENT_TYPE;
		break;
	case 's':
		if (strcasecmp(name, "status") == 0)
			return HEADER_COMPUTED;
		break;
	case 'l':
		if (strcasecmp(name, "location") == 0)
			return HEADER_SINGLE;
		break;
	case 'x':
		if (strcasecmp(name, "x-request-id") == 0)
			return HEADER_SINGLE;
		break;
	}
	return HEADER_ANY;
}

int
sx_res_header(sx_res *res, const char *name, const char *value)
{
	header_kind kind;

	if (name == NULL || value == NULL || !header_name_ok(name) ||
	    !header_value_ok(value))
		return -1;
	if ((kind = header_kind_of(name)) == HEADER_COMPUTED)
		return -1;
	if (kind != HEADER_ANY)
		for (size_t i = 0; i < res->n_headers; i++)
			if (strcasecmp(res->headers[i].name, name) == 0) {
				res->headers[i].value =
				    sx_arena_strdup(res->arena, value);
				return res->headers[i].value ? 0 : -1;
			}
	if (res->n_headers == res->cap_headers) {
		size_t cap = res->cap_headers ? res->cap_headers * 2 : 8;
		sx_kv *h = sx_arena_alloc(res->arena, cap * sizeof(sx_kv));

		if (h == NULL)
			return -1;
		if (res->n_headers)
			memcpy(h, res->headers, res->n_headers * sizeof(sx_kv));
		res->headers = h;
		res->cap_headers = cap;
	}
	res->headers[res->n_headers].name = sx_arena_strdup(res->arena, name);
	res->headers[res->n_headers].value = sx_arena_strdup(res->arena, value);
	if (res->headers[res->n_headers].name == NULL ||
	    res->headers[res->n_headers].value == NULL)
		return -1;
	res->n_headers++;
	if (kind == HEADER_CONTENT_TYPE)
		res->has_content_type = true;
	return 0;
}

/* Cookie names are tokens; values may not hold separators that would let
 * them spill into attributes. */
static bool
cookie_value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || *s == ';' || *s == ',' ||
		    *s == '"' || *s == '\\' || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

int
sx_res_cookie(sx_res *res, const char *name, const char *value,
    const sx_cookie_opts *opts)
{
	static const char *const samesite[SX_SAMESITE__MAX] = {
		[SX_SAMESITE_LAX] = "Lax",
		[SX_SAMESITE_STRICT] = "Strict",
		[SX_SAMESITE_NONE] = "None",
	};
	sx_cookie_opts def = { 0 };
	sx_buf b = SX_BUF_INIT;
	int rc;

	if (opts == NULL)
		opts = &def;
	if (name == NULL || value == NULL || !header_name_ok(name) ||
	    !cookie_value_ok(value) ||
	    (opts->path && !cookie_value_ok(opts->path)) ||
	    (opts->domain && !cookie_value_ok(opts->domain)) ||
	    opts->samesite >= SX_SAMESITE__MAX)
		return -1;
	sx_buf_printf(&b, "%s=%s; Path=%s", name, value,
	    opts->path ? opts->path : "/");
	if (opts->domain)
		sx_buf_printf(&b, "; Domain=%s", opts->domain);
	if (opts->max_age > 0)
		sx_buf_printf(&b, "; Max-Age=%ld", opts->max_age);
	else if (opts->max_age < 0)
		sx_buf_puts(&b, "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
	if (!opts->not_http_only)
		sx_buf_puts(&b, "; HttpOnly");
	/* SameSite=None is only honoured by browsers on Secure cookies. */
	if (opts->secure || opts->samesite == SX_SAMESITE_NONE)
		sx_buf_puts(&b, "; Secure");
	sx_buf_printf(&b, "; SameSite=%s", samesite[opts->samesite]);
	rc = b.data != NULL ? sx_res_header(res, "Set-Cookie", b.data) : -1;
	sx_buf_free(&b);
	return rc;
}

/* Writing to the body buffer, through any of these, replaces a file body:
 * the last kind of body set is the one sent. */
int
sx_res_write(sx_res *res, const void *data, size_t len)
{
	drop_file(res);
	return sx_buf_append(&res->body, data, len);
}

int
sx_res_printf(sx_res *res, const char *fmt, ...)
{
	va_list ap;
	int rc;

	drop_file(res);
	va_start(ap, fmt);
	rc = sx_buf_vprintf(&res->body, fmt, ap);
	va_end(ap);
	return rc;
}

sx_buf *
sx_res_body(sx_res *res)
{
	drop_file(res);
	return &res->body;
}

/* Sets status and content type and replaces the body with len bytes. */
static int
res_whole(sx_res *res, int status, const char *type, const char *data,
    size_t len)
{
	if (sx_res_status(res, status) < 0 ||
	    sx_res_header(res, "Content-Type", type) < 0)
		return -1;
	drop_file(res);
	sx_buf_reset(&res->body);
	return sx_buf_append(&res->body, data, len);
}

int
sx_text(sx_res *res, int status, const char *text)
{
	return res_whole(res, status, "text/plain; charset=utf-8", text,
	    strlen(text));
}

int
sx_html(sx_res *res, int status, const char *html)
{
	return res_whole(res, status, "text/html; charset=utf-8", html,
	    strlen(html));
}

/* A JSON string: s between quotes, escaped as cJSON escapes it. */
static int
json_put_string(sx_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0, i;
	int bad = sx_buf_putc(b, '"');

	for (i = 0; s != NULL && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 0, '0', '0', hex[c >> 4], hex[c & 0x0f] };
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		bad |= sx_buf_append(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: esc[1] = 'u'; n = 6; break;
		}
		bad |= sx_buf_append(b, esc, n);
	}
	if (s != NULL)
		bad |= sx_buf_append(b, s + start, i - start);
	return bad | sx_buf_putc(b, '"');
}

/*
 * A JSON number as cJSON prints it: %1.15g, or %1.17g when that does not
 * read back as the same double; NaN and infinities as null. A whole number
 * under 1e15 is what %1.15g gives for it, its digits, written without
 * printf (ids and counts are most of the numbers an app sends).
 */
static int
json_put_number(sx_buf *b, double d)
{
	char text[32];
	double back;

	if (isnan(d) || isinf(d))
		return sx_buf_append(b, "null", 4);
	if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d &&
	    !(d == 0 && signbit(d))) {
		int64_t v = (int64_t)d;

		if (v < 0 && sx_buf_putc(b, '-') < 0)
			return -1;
		return sx_buf_put_u64(b, v < 0 ? (uint64_t)-v : (uint64_t)v);
	}
	snprintf(text, sizeof(text), "%1.15g", d);
	back = strtod(text, NULL);
	if (fabs(back - d) > fmax(fabs(back), fabs(d)) * DBL_EPSILON)
		snprintf(text, sizeof(text), "%1.17g", d);
	return sx_buf_puts(b, text);
}

/*
 * Appends item as compact JSON, byte for byte what cJSON_PrintUnformatted
 * gives, straight into b: no string to allocate, copy and free, and no
 * printf for whole numbers. Returns 0, or -1 for an invalid item or when
 * out of memory.
 */
static int
json_put(sx_buf *b, const cJSON *item)
{
	const cJSON *c;
	int bad = 0;

	switch (item->type & 0xff) {
	case cJSON_False:
		return sx_buf_append(b, "false", 5);
	case cJSON_True:
		return sx_buf_append(b, "true", 4);
	case cJSON_NULL:
		return sx_buf_append(b, "null", 4);
	case cJSON_Number:
		return json_put_number(b, item->valuedouble);
	case cJSON_String:
		return json_put_string(b, item->valuestring);
	case cJSON_Raw:
		return item->valuestring == NULL ? -1 :
		    sx_buf_puts(b, item->valuestring);
	case cJSON_Array:
		bad |= sx_buf_putc(b, '[');
		for (c = item->child; c != NULL && !bad; c = c->next)
			bad |= (c != item->child ? sx_buf_putc(b, ',') : 0) |
			    json_put(b, c);
		return bad | sx_buf_putc(b, ']');
	case cJSON_Object:
		bad |= sx_buf_putc(b, '{');
		for (c = item->child; c != NULL && !bad; c = c->next)
			bad |= (c != item->child ? sx_buf_putc(b, ',') : 0) |
			    json_put_string(b, c->string) | sx_buf_putc(b, ':') |
			    json_put(b, c);
		return bad | sx_buf_putc(b, '}');
	default:
		return -1;
	}
}

int
sx_json(sx_res *res, int status, cJSON *json)
{
	int rc;

	if (json == NULL) {
		/* a hint for the log (dispatch.c), never for the client */
		if (res->req != NULL && res->req->pending_error == NULL)
			res->req->pending_error = "sx_json() was given NULL (a "
			    "cJSON constructor failed or returned nothing)";
		return -1;
	}
	rc = res_whole(res, status, "application/json", "", 0);
	if (rc == 0 && json_put(&res->body, json) < 0) {
		sx_buf_reset(&res->body);
		rc = -1;
	}
	cJSON_Delete(json);
	return rc;
}

int
sx_redirect(sx_res *res, int status, const char *location)
{
	if (status < 300 || status > 399)
		return -1;
	if (sx_res_header(res, "Location", location) < 0)
		return -1;
	return res_whole(res, status, "text/plain; charset=utf-8", "", 0);
}

/*
 * Sends the file body: file_len bytes from file_off, SX_FILE_CHUNK at a
 * time through one buffer, so a file of any size costs that much memory
 * here. A file that shrank since the handler measured it ends the write
 * with -1: Content-Length is already out, so the web server sees the
 * response cut short rather than a different file.
 */
static int
write_file_body(const sx_res *res, const sx_io *io)
{
	uint64_t off = res->file_off, left = res->file_len;
	char *chunk;
	int rc = 0;

	if (left == 0)
		return 0;
	if ((chunk = malloc(SX_FILE_CHUNK)) == NULL)
		return -1;
	while (left > 0 && rc == 0) {
		size_t want = left < SX_FILE_CHUNK ? (size_t)left : SX_FILE_CHUNK;
		ssize_t n = pread(res->file_fd, chunk, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		rc = io->write(io->ctx, chunk, (size_t)n);
		off += (uint64_t)n;
		left -= (uint64_t)n;
	}
	free(chunk);
	return rc;
}

/* A body this small is sent in the head's write: copying it costs less
 * than a second write. */
#define SX_INLINE_BODY (16 * 1024)

/*
 * Appends the CGI response head to b: the Status line, the headers,
 * Content-Length unless bodyless, and the blank line. Built by hand rather
 * than with printf: it runs once per response. Returns 0, or -1 when out
 * of memory.
 */
static int
put_head(sx_buf *b, const sx_res *res, int status, bool bodyless)
{
	int bad = 0;
	bool has_type = false, has_nosniff = false;

	bad |= sx_buf_append(b, "Status: ", 8);
	bad |= sx_buf_put_u64(b, status > 0 ? (uint64_t)status : 0);
	bad |= sx_buf_putc(b, ' ');
	bad |= sx_buf_puts(b, sx_status_reason(status));
	bad |= sx_buf_append(b, "\r\n", 2);
	for (size_t i = 0; i < res->n_headers; i++) {
		const char *name = res->headers[i].name;

		has_type |= strcasecmp(name, "Content-Type") == 0;
		has_nosniff |= strcasecmp(name, "X-Content-Type-Options") == 0;
		bad |= sx_buf_puts(b, name);
		bad |= sx_buf_append(b, ": ", 2);
		bad |= sx_buf_puts(b, res->headers[i].value);
		bad |= sx_buf_append(b, "\r\n", 2);
	}
	/* Browsers must not guess a type from the body (a text/plain
	 * answer run as HTML); a body with no type is plain bytes. */
	if (!has_nosniff)
		bad |= sx_buf_puts(b, "X-Content-Type-Options: nosniff\r\n");
	if (!bodyless && !has_type && (res->has_file || res->body.len > 0))
		bad |= sx_buf_puts(b,
		    "Content-Type: application/octet-stream\r\n");
	if (!bodyless) {
		bad |= sx_buf_append(b, "Content-Length: ", 16);
		bad |= sx_buf_put_u64(b, res->has_file ? res->file_len :
		    (uint64_t)res->body.len);
		bad |= sx_buf_append(b, "\r\n", 2);
	}
	bad |= sx_buf_append(b, "\r\n", 2);
	return bad ? -1 : 0;
}

/*
 * Serialises in the CGI response form that both FastCGI and CGI use. The
 * head goes out in one write, with a small body in the same write; a larger
 * body in one more, or a file body in chunks (write_file_body). This runs
 * after the transaction has settled, so a file is read only once nothing
 * can replace the response any more.
 */
int
sx_res_serialize(sx_res *res, const sx_io *io, bool with_body)
{
	sx_buf head = SX_BUF_INIT;
	int status = sx_res_get_status(res);
	bool bodyless = status == 204 || status == 304;
	bool send_body = with_body && !bodyless;
	bool inline_body = send_body && !res->has_file &&
	    res->body.len <= SX_INLINE_BODY;
	int rc;

	if (sx_buf_reserve(&head, 256 + (inline_body ? res->body.len : 0)) < 0 ||
	    put_head(&head, res, status, bodyless) < 0 || (inline_body &&
	    sx_buf_append(&head, res->body.data, res->body.len) < 0)) {
		sx_buf_free(&head);
		return -1;
	}
	rc = io->write(io->ctx, head.data, head.len);
	sx_buf_free(&head);
	if (rc != 0 || !send_body || inline_body)
		return rc;
	if (res->has_file)
		return write_file_body(res, io);
	if (res->body.len > 0)
		rc = io->write(io->ctx, res->body.data, res->body.len);
	return rc;
}
