/*
 * body.c: the parsers for what a client sends besides the path: query
 * strings and urlencoded forms, Cookie headers, multipart/form-data bodies
 * and JSON bodies.
 *
 * Every parser works on (pointer, length) input that may hold any byte,
 * including NUL, and never reads past the length it was given. Results are
 * NUL-terminated copies in the request arena, so they live exactly as long
 * as the request. Work is linear in the input: each scan starts where the
 * previous one stopped and boundaries are found with memmem.
 */
#include "http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* RFC 2046 section 5.1.1: a boundary is 1 to 70 characters. */
#define SX_BOUNDARY_MAX 70

const sx_kv *
sx_kv_find(const sx_kv *kv, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(kv[i].name, name) == 0)
			return &kv[i];
	return NULL;
}

/* ---- small scanning helpers ------------------------------------------------ */

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Narrows [*b, *e) so that it starts and ends with something other than
 * spaces and tabs. */
static void
trim_ows(const char **b, const char **e)
{
	while (*b < *e && is_ows(**b))
		(*b)++;
	while (*e > *b && is_ows((*e)[-1]))
		(*e)--;
}

/* Counts occurrences of c in s[0..len), for sizing arrays in one step. */
static size_t
count_char(const char *s, size_t len, char c)
{
	const char *p = s, *end = s + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * Makes room for one more element in an arena array of *n elements of size
 * bytes, doubling its capacity when full (the old block stays in the arena,
 * so the waste is bounded by the final size). Returns the array, or NULL
 * when memory ran out.
 */
static void *
arena_grow(sx_arena *a, void *array, size_t n, size_t *cap, size_t size)
{
	void *bigger;
	size_t ncap;

	if (n < *cap)
		return array;
	ncap = *cap ? *cap * 2 : 8;
	if ((bigger = sx_arena_alloc(a, ncap * size)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(bigger, array, n * size);
	*cap = ncap;
	return bigger;
}

/* ---- percent-encoding and urlencoded pairs ------------------------------- */

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes %XX escapes (and '+' to a space when plus is true) in place.
 * Returns the decoded length, or -1 when a '%' is not followed by two hex
 * digits. When the result is shorter than len, s[result] is set to NUL, so
 * a NUL-terminated input stays NUL-terminated; s[len] is never touched.
 */
long
sx_url_decode(char *s, size_t len, bool plus)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		s[o++] = c;
	}
	if (o < len)
		s[o] = '\0';
	return (long)o;
}

/* An arena copy of s[0..len), form-decoded. Returns its length through
 * *out_len, or NULL on a malformed escape or when memory ran out. */
static char *
decoded_copy(sx_arena *a, const char *s, size_t len, size_t *out_len)
{
	char *copy = sx_arena_strndup(a, s, len);
	long dec;

	if (copy == NULL || (dec = sx_url_decode(copy, len, true)) < 0)
		return NULL;
	*out_len = (size_t)dec;
	return copy;
}

/*
 * Parses "a=1&b=2&flag&empty=" into pairs in arrival order: a key without
 * '=' has the value "", repeated keys are all kept, empty pieces ("a=1&&b")
 * are skipped. Names and values are decoded ('+' is a space). Returns 0, or
 * -1 when an escape is malformed, a name or value decodes to something
 * holding NUL (handlers get C strings: the value would be cut short), or
 * memory ran out.
 */
int
sx_parse_urlencoded(sx_arena *a, const char *s, size_t len, sx_kv **out,
    size_t *n)
{
	const char *p = s, *end = s + len;
	sx_kv *kv;

	*out = NULL;
	*n = 0;
	if (len == 0)
		return 0;
	if ((kv = sx_arena_alloc(a, (count_char(s, len, '&') + 1) *
	    sizeof(*kv))) == NULL)
		return -1;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *name_end = eq != NULL ? eq : stop;
		size_t nlen, vlen = 0;
		char *name, *value = "";

		if (stop > p) {
			if ((name = decoded_copy(a, p, (size_t)(name_end - p),
			    &nlen)) == NULL || memchr(name, '\0', nlen) != NULL)
				return -1;
			if (eq != NULL && ((value = decoded_copy(a, eq + 1,
			    (size_t)(stop - eq - 1), &vlen)) == NULL ||
			    memchr(value, '\0', vlen) != NULL))
				return -1;
			kv[*n].name = name;
			kv[*n].value = value;
			kv[*n].len = vlen;
			(*n)++;
		}
		p = stop + (amp != NULL);
	}
	*out = kv;
	return 0;
}

/* ---- cookies --------------------------------------------------------------- */

/* A cookie name: no controls, spaces or separators (RFC 6265's token). */
static bool
is_cookie_name(const char *b, const char *e)
{
	if (b == e)
		return false;
	for (; b < e; b++)
		if ((unsigned char)*b <= ' ' || (unsigned char)*b >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?={}", *b) != NULL)
			return false;
	return true;
}

/*
 * Parses a Cookie header ("a=1; b=2") into pairs in the order sent.
 * Whitespace around names and values is dropped and a value in double
 * quotes loses them; values are otherwise kept as sent (no decoding).
 * Browsers send whatever scripts stored, so a piece that is not name=value
 * with a valid name is skipped rather than failing the request. Returns 0,
 * or -1 only when memory ran out.
 */
int
sx_parse_cookies(sx_arena *a, const char *s, sx_kv **out, size_t *n)
{
	size_t len = strlen(s);
	const char *p = s, *end = s + len;
	sx_kv *kv;

	*out = NULL;
	*n = 0;
	if ((kv = sx_arena_alloc(a, (count_char(s, len, ';') + 1) *
	    sizeof(*kv))) == NULL)
		return -1;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi != NULL ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *nb = p, *ne = eq, *vb, *ve = stop;
		char *name, *value;

		p = stop + (semi != NULL);
		if (eq == NULL)
			continue;
		trim_ows(&nb, &ne);
		if (!is_cookie_name(nb, ne))
			continue;
		vb = eq + 1;
		trim_ows(&vb, &ve);
		if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
			vb++;
			ve--;
		}
		if ((name = sx_arena_strndup(a, nb, (size_t)(ne - nb))) == NULL ||
		    (value = sx_arena_strndup(a, vb, (size_t)(ve - vb))) == NULL)
			return -1;
		kv[*n].name = name;
		kv[*n].value = value;
		kv[*n].len = (size_t)(ve - vb);
		(*n)++;
	}
	*out = kv;
	return 0;
}

/* ---- header values with parameters ------------------------------------------ */

/*
 * The leading token of a header value such as "multipart/form-data; a=b",
 * without surrounding whitespace: its start, and its length in *tlen.
 */
static const char *
header_type(const char *h, size_t len, size_t *tlen)
{
	const char *semi = memchr(h, ';', len);
	const char *b = h, *e = semi != NULL ? semi : h + len;

	trim_ows(&b, &e);
	*tlen = (size_t)(e - b);
	return b;
}

static bool
type_is(const char *t, size_t tlen, const char *want)
{
	return tlen == strlen(want) && strncasecmp(t, want, tlen) == 0;
}

/* application/json, or any structured "+json" type (RFC 6839). */
static bool
type_is_json(const char *t, size_t tlen)
{
	return type_is(t, tlen, "application/json") ||
	    (tlen > 5 && strncasecmp(t + tlen - 5, "+json", 5) == 0);
}

/*
 * Reads the value of one parameter at *pp (after "name="), a token or a
 * quoted-string, and leaves *pp after it. Inside quotes, \" and \\ stand for
 * " and \; any other backslash is kept, because browsers send Windows paths
 * in filename unescaped. When out is not NULL the value is written there
 * (it needs as many bytes as the input holds). Returns the value's length,
 * or -1 when a quoted-string is not closed.
 */
static long
param_value(const char **pp, const char *end, char *out)
{
	const char *p = *pp, *b, *e;
	size_t o = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end &&
			    (p[1] == '"' || p[1] == '\\'))
				p++;
			if (out != NULL)
				out[o] = *p;
			o++;
		}
		if (p == end)
			return -1;
		*pp = p + 1;
		return (long)o;
	}
	for (b = p; p < end && *p != ';'; p++)
		;
	e = p;
	trim_ows(&b, &e);
	if (out != NULL)
		memcpy(out, b, (size_t)(e - b));
	*pp = p;
	return (long)(e - b);
}

/*
 * Finds parameter want (case-insensitive) in a header value such as
 * `form-data; name="a"; filename=b.txt` (RFC 9110 parameters). Returns 1
 * with an arena copy of its value in *value, 0 when it is absent, -1 when
 * the parameters are malformed (an unclosed quote) or memory ran out.
 */
static int
header_param(sx_arena *a, const char *h, size_t len, const char *want,
    char **value)
{
	const char *end = h + len, *p = memchr(h, ';', len);
	size_t wlen = strlen(want);

	*value = NULL;
	while (p != NULL && p < end) {
		const char *name, *vstart;
		size_t nlen;
		long vlen;

		while (p < end && (is_ows(*p) || *p == ';'))
			p++;
		for (name = p; p < end && *p != '=' && *p != ';' && !is_ows(*p);
		    p++)
			;
		nlen = (size_t)(p - name);
		while (p < end && is_ows(*p))
			p++;
		if (p == end || *p != '=') {
			/* A bare word is no parameter; skip to the next ';'. */
			while (p < end && *p != ';')
				p++;
			continue;
		}
		p++;
		while (p < end && is_ows(*p))
			p++;
		vstart = p;
		if ((vlen = param_value(&p, end, NULL)) < 0)
			return -1;
		if (nlen == wlen && strncasecmp(name, want, wlen) == 0) {
			if ((*value = sx_arena_alloc(a, (size_t)vlen + 1)) == NULL)
				return -1;
			param_value(&vstart, end, *value);
			return 1;
		}
	}
	return 0;
}

/* ---- multipart/form-data ---------------------------------------------------- */

/* The fields and files collected from a multipart body. */
typedef struct mp_sink {
	sx_arena *a;
	sx_kv *fields;
	size_t n_fields, cap_fields;
	sx_upload *files;
	size_t n_files, cap_files;
} mp_sink;

/* RFC 2046 bchars: digits, letters, '()+_,-./:=? and space, not last. */
static bool
boundary_valid(const char *b, size_t len)
{
	if (len == 0 || len > SX_BOUNDARY_MAX || b[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)b[i]) && strchr("'()+_,-./:=? ",
		    b[i]) == NULL)
			return false;
	return true;
}

/*
 * Reads the header lines of one part, hdr[0..len) (each line ending in
 * CRLF), keeping the values of Content-Disposition and Content-Type.
 * Returns 0, or -1 with *why when a line is not "Name: value".
 */
static int
part_headers(const char *hdr, size_t len, const char **cd, size_t *cd_len,
    const char **ct, size_t *ct_len, const char **why)
{
	const char *p = hdr, *end = hdr + len;

	*cd = *ct = NULL;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *colon, *nb = p, *ne, *vb, *ve;

		if (eol == NULL)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL) {
			*why = "multipart part has a header line without ':'";
			return -1;
		}
		ne = colon;
		vb = colon + 1;
		ve = eol;
		trim_ows(&nb, &ne);
		trim_ows(&vb, &ve);
		if (type_is(nb, (size_t)(ne - nb), "content-disposition") &&
		    *cd == NULL) {
			*cd = vb;
			*cd_len = (size_t)(ve - vb);
		} else if (type_is(nb, (size_t)(ne - nb), "content-type") &&
		    *ct == NULL) {
			*ct = vb;
			*ct_len = (size_t)(ve - vb);
		}
		p = eol + 2;
	}
	return 0;
}

/*
 * Parses one part: start points just after its delimiter line's CRLF and
 * next at the CRLF that begins the following delimiter (so next[0..2) is
 * readable). A part is header lines, a blank line, then data; it becomes a
 * file when its Content-Disposition has a filename, else a form field.
 * Returns 0, or -1 with *why.
 */
static int
parse_part(mp_sink *s, const char *start, const char *next, const char **why)
{
	const char *hend, *data, *cd, *ct;
	size_t cd_len = 0, ct_len = 0, tlen, dlen;
	const char *type;
	char *name, *filename, *copy;
	int rc;

	if (start[0] == '\r' && start[1] == '\n') {
		hend = start;		/* no header lines at all */
		data = start + 2;
	} else {
		/* The blank line may borrow the CRLF of the next delimiter:
		 * a part can be header lines and nothing else. */
		hend = memmem(start, (size_t)(next + 2 - start), "\r\n\r\n", 4);
		if (hend == NULL) {
			*why = "multipart part headers are not followed by a "
			    "blank line";
			return -1;
		}
		hend += 2;
		data = hend + 2;
	}
	dlen = data < next ? (size_t)(next - data) : 0;
	if (part_headers(start, (size_t)(hend - start), &cd, &cd_len, &ct,
	    &ct_len, why) < 0)
		return -1;
	if (cd == NULL) {
		*why = "multipart part has no Content-Disposition header";
		return -1;
	}
	type = header_type(cd, cd_len, &tlen);
	if (!type_is(type, tlen, "form-data")) {
		*why = "multipart part's Content-Disposition is not form-data";
		return -1;
	}
	if ((rc = header_param(s->a, cd, cd_len, "name", &name)) <= 0) {
		*why = rc < 0 ? "multipart part has a malformed "
		    "Content-Disposition (unclosed quote)" :
		    "multipart part has no name in its Content-Disposition";
		return -1;
	}
	if ((rc = header_param(s->a, cd, cd_len, "filename", &filename)) < 0) {
		*why = "multipart part has a malformed Content-Disposition "
		    "(unclosed quote)";
		return -1;
	}
	if ((copy = sx_arena_strndup(s->a, dlen ? data : "", dlen)) == NULL)
		goto nomem;
	if (filename == NULL) {
		if (memchr(copy, '\0', dlen) != NULL) {
			*why = "multipart form field holds a NUL byte (send "
			    "binary data as a file part)";
			return -1;
		}
		if ((s->fields = arena_grow(s->a, s->fields, s->n_fields,
		    &s->cap_fields, sizeof(sx_kv))) == NULL)
			goto nomem;
		s->fields[s->n_fields++] = (sx_kv){ name, copy, dlen };
		return 0;
	}
	if ((s->files = arena_grow(s->a, s->files, s->n_files, &s->cap_files,
	    sizeof(sx_upload))) == NULL)
		goto nomem;
	s->files[s->n_files] = (sx_upload){ name, filename,
	    "application/octet-stream", copy, dlen };
	if (ct != NULL && ct_len > 0 && (s->files[s->n_files].content_type =
	    sx_arena_strndup(s->a, ct, ct_len)) == NULL)
		goto nomem;
	s->n_files++;
	return 0;
nomem:
	*why = "out of memory while parsing the multipart body";
	return -1;
}

/*
 * Parses a multipart/form-data body (RFC 7578 over RFC 2046): an optional
 * preamble, then "--boundary" lines each followed by a part, ending with
 * "--boundary--" and an ignored epilogue. Delimiters and part headers use
 * CRLF. Parts hold any bytes, NULs included. Returns 0 with the fields and
 * files (arena arrays) filled, or -1 with a reason in *why.
 */
int
sx_parse_multipart(sx_arena *a, const char *boundary, const char *body,
    size_t len, sx_kv **fields, size_t *n_fields, sx_upload **files,
    size_t *n_files, const char **why)
{
	mp_sink s = { .a = a };
	const char *p, *end = body + len;
	size_t blen = strlen(boundary), dlen;
	char *delim;

	*fields = NULL;
	*files = NULL;
	*n_fields = *n_files = 0;
	if (blen > SX_BOUNDARY_MAX) {
		*why = "multipart boundary is longer than 70 characters";
		return -1;
	}
	if (!boundary_valid(boundary, blen)) {
		*why = "multipart boundary is empty or has characters RFC 2046 "
		    "does not allow";
		return -1;
	}
	if ((delim = sx_arena_printf(a, "\r\n--%s", boundary)) == NULL) {
		*why = "out of memory while parsing the multipart body";
		return -1;
	}
	dlen = blen + 4;
	/* The first delimiter opens the body or follows a preamble. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else {
		*why = "multipart body does not contain its boundary";
		return -1;
	}
	for (;;) {
		const char *next;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;		/* the close delimiter */
		while (p < end && is_ows(*p))
			p++;		/* transport padding */
		if (end - p < 2) {
			*why = "multipart body ends without the final "
			    "delimiter (--boundary--)";
			return -1;
		}
		if (p[0] != '\r' || p[1] != '\n') {
			*why = "multipart boundary delimiter is not followed "
			    "by CRLF";
			return -1;
		}
		p += 2;
		next = memmem(p, (size_t)(end - p), delim, dlen);
		if (next == NULL) {
			*why = "multipart body ends without the final "
			    "delimiter (--boundary--)";
			return -1;
		}
		if (parse_part(&s, p, next, why) < 0)
			return -1;
		p = next + dlen;
	}
	*fields = s.fields;
	*n_fields = s.n_fields;
	*files = s.files;
	*n_files = s.n_files;
	return 0;
}

/* ---- UTF-8 ------------------------------------------------------------------- */

/*
 * True when s[0..len) is well-formed UTF-8 (RFC 3629): no stray
 * continuation bytes, no truncated sequences, no overlong forms, no UTF-16
 * surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
 */
bool
sx_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		size_t n;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
		} else
			return false;
		if ((size_t)(end - p) <= n || p[1] < lo || p[1] > hi)
			return false;
		for (size_t i = 2; i <= n; i++)
			if (p[i] < 0x80 || p[i] > 0xbf)
				return false;
		p += n + 1;
	}
	return true;
}

/*
 * True when a string of the JSON text s[0..len) holds the escape \u0000.
 * cJSON decodes it into a NUL that cuts the C string short, so it is found
 * here, in the text: inside a string a backslash escapes the next
 * character, so "\\u0000" (a backslash, then "u0000") is not a NUL. The
 * text is valid JSON already.
 */
static bool
json_has_nul_escape(const char *s, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			in_string = !in_string;
		else if (in_string && s[i] == '\\') {
			if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
				return true;
			i++;
		}
	}
	return false;
}

/* ---- the body by Content-Type ------------------------------------------------- */

/* Parses a JSON body; anything but whitespace after the value is an error,
 * and so are bytes that are not UTF-8 (RFC 8259 section 8.1) and a string
 * holding \u0000 (handlers get C strings). */
static sx_req_err
parse_json_body(sx_req *req, const char **why)
{
	const char *end = NULL, *stop = req->body + req->body_len;

	if (!sx_utf8_valid(req->body, req->body_len)) {
		*why = "JSON body is not valid UTF-8";
		return SX_REQ_BAD;
	}
	req->json = cJSON_ParseWithLengthOpts(req->body, req->body_len, &end,
	    false);
	if (req->json != NULL)
		while (end < stop && (*end == ' ' || *end == '\t' ||
		    *end == '\r' || *end == '\n'))
			end++;	/* RFC 8259 whitespace only */
	if (req->json == NULL || end != stop) {
		cJSON_Delete(req->json);
		req->json = NULL;
		*why = "malformed JSON body";
		return SX_REQ_BAD;
	}
	if (json_has_nul_escape(req->body, req->body_len)) {
		cJSON_Delete(req->json);
		req->json = NULL;
		*why = "JSON string holds \\u0000 (NUL is not accepted)";
		return SX_REQ_BAD;
	}
	return SX_REQ_OK;
}

static sx_req_err
parse_multipart_body(sx_req *req, const char **why)
{
	const char *ct = req->content_type;
	char *boundary;
	int rc;

	rc = header_param(req->arena, ct, strlen(ct), "boundary", &boundary);
	if (rc <= 0) {
		*why = rc < 0 ? "multipart/form-data Content-Type has a "
		    "malformed boundary parameter" :
		    "multipart/form-data Content-Type has no boundary parameter";
		return SX_REQ_BAD;
	}
	if (sx_parse_multipart(req->arena, boundary, req->body, req->body_len,
	    &req->forms, &req->n_forms, &req->files, &req->n_files, why) < 0)
		return SX_REQ_BAD;
	return SX_REQ_OK;
}

/*
 * Parses the body by its Content-Type (case-insensitive, parameters
 * allowed): urlencoded forms into req->forms, JSON into req->json,
 * multipart into req->forms and req->files. Other types, and an empty body,
 * are left as they are. Returns SX_REQ_OK, or SX_REQ_BAD with a reason in
 * *why.
 */
sx_req_err
sx_req_parse_body(sx_req *req, const char **why)
{
	const char *ct = req->content_type, *type;
	size_t tlen;

	if (req->body_len == 0 || ct == NULL)
		return SX_REQ_OK;
	type = header_type(ct, strlen(ct), &tlen);
	if (type_is(type, tlen, "application/x-www-form-urlencoded")) {
		if (sx_parse_urlencoded(req->arena, req->body, req->body_len,
		    &req->forms, &req->n_forms) < 0) {
			*why = "malformed percent-encoding, or a NUL byte (%00), "
			    "in the form body";
			return SX_REQ_BAD;
		}
		return SX_REQ_OK;
	}
	if (type_is_json(type, tlen))
		return parse_json_body(req, why);
	if (type_is(type, tlen, "multipart/form-data"))
		return parse_multipart_body(req, why);
	return SX_REQ_OK;
}
