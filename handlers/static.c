/*
 * static.c: serves the regular files of a folder (the app's static/) under
 * a route ending in {path:path}, on the public API only.
 *
 * What reaches the disk: the {path} parameter, already percent-decoded by
 * the framework (so "%2e%2e" arrives as ".."), must be segments of visible
 * names with no "." or ".." and no leading dot; the file it names is then
 * resolved with realpath() and must still lie inside the folder's own
 * realpath (a symbolic link inside the folder may point elsewhere inside
 * it, never out). Only a regular file is served: a directory is a 404, so
 * there are no listings. Every refusal is the same 404, so a client cannot
 * tell a forbidden path from a missing one.
 *
 * For production, nginx serves the folder itself (docs/deploy.md); this
 * handler is for development and for deployments without a front server.
 */
#include "sextant.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATIC_DIR "static"
#define STATIC_CACHE "public, max-age=3600"

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
};

/* The Content-Type for a file name, by its extension (any case);
 * application/octet-stream when it has none or an unknown one. */
static const char *
content_type_of(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');

	if (dot != NULL)
		for (size_t i = 0; i < SX_NELEM(content_types); i++)
			if (strcasecmp(dot + 1, content_types[i].ext) == 0)
				return content_types[i].type;
	return "application/octet-stream";
}

/*
 * True when rel is a safe relative path: non-empty segments separated by
 * single '/', none starting with '.' (which also excludes "." and ".."
 * and hidden files), no control characters or backslashes.
 */
static bool
rel_path_ok(const char *rel)
{
	const char *p = rel;

	if (*p == '\0')
		return false;
	for (;;) {
		size_t len = strcspn(p, "/");

		if (len == 0 || p[0] == '.')
			return false;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f ||
			    p[i] == '\\')
				return false;
		p += len;
		if (*p == '\0')
			return true;
		p++;
	}
}

/*
 * Opens rel inside dir when it is a regular file that resolves to a place
 * inside dir; fills *st. Returns the fd, or -1 (the caller answers 404).
 */
static int
open_inside(const char *dir, const char *rel, struct stat *st)
{
	char root[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
	size_t rlen;
	int fd;

	if (!rel_path_ok(rel) || realpath(dir, root) == NULL)
		return -1;
	rlen = strlen(root);
	if (snprintf(full, sizeof(full), "%s/%s", root, rel) >= (int)sizeof(full) ||
	    realpath(full, real) == NULL)
		return -1;
	/* root is "/" only when the app serves the whole disk: refuse. */
	if (rlen < 2 || strncmp(real, root, rlen) != 0 || real[rlen] != '/')
		return -1;
	if ((fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* RFC 9110 date: "Sun, 06 Nov 1994 08:49:37 GMT". */
static void
http_date(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Parses an RFC 9110 date; -1 when it is not one. */
static time_t
parse_http_date(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	return timegm(&tm);
}

/* True when an If-None-Match list holds etag ("*" matches any). The weak
 * comparison of RFC 9110 section 13.1.2: a W/ prefix is ignored. */
static bool
etag_listed(const char *list, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = list;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, " \t,");
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		len = strcspn(p, " \t,");
		if ((len == 1 && *p == '*') ||
		    (len == elen && strncmp(p, etag, len) == 0))
			return true;
		p += len;
	}
	return false;
}

/* True when the client's copy is current: If-None-Match when it is sent,
 * else If-Modified-Since (RFC 9110 section 13.2.2). */
static bool
not_modified(sx_req *req, const char *etag, time_t mtime)
{
	const char *inm = sx_req_header(req, "If-None-Match");
	const char *ims = sx_req_header(req, "If-Modified-Since");
	time_t since;

	if (inm != NULL)
		return etag_listed(inm, etag);
	if (ims != NULL && (since = parse_http_date(ims)) >= 0)
		return mtime <= since;
	return false;
}

typedef enum range_kind {
	RANGE_NONE,		/* whole file: no Range, or one to ignore */
	RANGE_ONE,		/* *first..*last */
	RANGE_UNSATISFIABLE,	/* 416 */
} range_kind;

/* Parses an unsigned decimal number that fills [s, s + len). */
static bool
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * Reads a Range header against a file of size bytes: "bytes=a-b",
 * "bytes=a-" or "bytes=-n". Several ranges, another unit or a malformed
 * header are ignored (the whole file is sent, as RFC 9110 permits), as is
 * a Range whose If-Range does not name the current ETag.
 */
static range_kind
parse_range(sx_req *req, const char *etag, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	const char *r = sx_req_header(req, "Range");
	const char *ifr = sx_req_header(req, "If-Range");
	const char *spec, *dash;
	uint64_t a, b;

	if (r == NULL || strncmp(r, "bytes=", 6) != 0 ||
	    (ifr != NULL && strcmp(ifr, etag) != 0))
		return RANGE_NONE;
	spec = r + 6;
	if (strchr(spec, ',') != NULL || (dash = strchr(spec, '-')) == NULL)
		return RANGE_NONE;
	if (dash == spec) {			/* the last n bytes */
		if (!parse_u64(dash + 1, strlen(dash + 1), &b))
			return RANGE_NONE;
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return RANGE_ONE;
	}
	if (!parse_u64(spec, (size_t)(dash - spec), &a))
		return RANGE_NONE;
	if (dash[1] == '\0')
		b = UINT64_MAX;
	else if (!parse_u64(dash + 1, strlen(dash + 1), &b) || b < a)
		return RANGE_NONE;
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return RANGE_ONE;
}

/* The headers every answer about an existing file carries. */
static int
validators(sx_res *res, const char *etag, const char *modified,
    const char *cache_control)
{
	return sx_res_header(res, "ETag", etag) < 0 ||
	    sx_res_header(res, "Last-Modified", modified) < 0 ||
	    sx_res_header(res, "Cache-Control", cache_control) < 0 ? -1 : 0;
}

int
sx_static_serve(sx_req *req, sx_res *res, const sx_static_opts *opts)
{
	const char *dir = opts && opts->dir ? opts->dir : STATIC_DIR;
	const char *cache = opts && opts->cache_control ?
	    opts->cache_control : STATIC_CACHE;
	const char *rel = sx_req_param(req, "path");
	char etag[64], modified[40], *range;
	uint64_t size, first = 0, last = 0;
	struct stat st;
	range_kind rk;
	int fd;

	if (rel == NULL ||
	    (fd = open_inside(dir, rel, &st)) < 0)
		return sx_error(res, 404, "no such file");
	size = (uint64_t)st.st_size;
	snprintf(etag, sizeof(etag), "\"%" PRIx64 "-%" PRIx64 "-%lx\"", size,
	    (uint64_t)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	http_date(st.st_mtim.tv_sec, modified, sizeof(modified));
	if (validators(res, etag, modified, cache) < 0) {
		close(fd);
		return -1;
	}
	if (not_modified(req, etag, st.st_mtim.tv_sec)) {
		close(fd);
		return sx_res_status(res, 304);
	}
	rk = parse_range(req, etag, size, &first, &last);
	if (rk == RANGE_UNSATISFIABLE) {
		close(fd);
		range = sx_req_printf(req, "bytes */%" PRIu64, size);
		if (range == NULL || sx_res_header(res, "Content-Range", range) < 0)
			return -1;
		return sx_error(res, 416, "range not satisfiable");
	}
	if (sx_res_header(res, "Content-Type", content_type_of(rel)) < 0 ||
	    sx_res_header(res, "Accept-Ranges", "bytes") < 0 ||
	    sx_res_header(res, "X-Content-Type-Options", "nosniff") < 0) {
		close(fd);
		return -1;
	}
	if (rk == RANGE_NONE) {
		sx_res_status(res, 200);
		return sx_res_file(res, fd, 0, size);
	}
	range = sx_req_printf(req, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
	    first, last, size);
	if (range == NULL || sx_res_header(res, "Content-Range", range) < 0) {
		close(fd);
		return -1;
	}
	sx_res_status(res, 206);
	return sx_res_file(res, fd, first, last - first + 1);
}

int
sx_handler_static(sx_req *req, sx_res *res)
{
	return sx_static_serve(req, res, NULL);
}
