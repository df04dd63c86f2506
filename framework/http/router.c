/*
 * router.c: the static route table, compiled once at start-up.
 *
 * A pattern is a sequence of segments, each a literal ("posts") or a typed
 * parameter ("{post_id:int}"); {name:path} takes the rest of the path and
 * must come last. A parameter whose text does not parse as its type does not
 * match, so "/posts/abc" is a 404 for "/posts/{id:int}".
 *
 * When several routes match a path, the most specific wins: literal segments
 * before int/uuid parameters before str before path; ties go to table order.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum seg_kind {
	SEG_LITERAL,
	SEG_INT,
	SEG_UUID,
	SEG_STR,
	SEG_PATH,
	SEG__MAX
} seg_kind;

static const char *const seg_names[SEG__MAX] = {
	[SEG_LITERAL] = "literal",
	[SEG_INT] = "int",
	[SEG_UUID] = "uuid",
	[SEG_STR] = "str",
	[SEG_PATH] = "path",
};
/* Specificity weight of each kind, for choosing among matches. */
static const int seg_weight[SEG__MAX] = {
	[SEG_LITERAL] = 4,
	[SEG_INT] = 3,
	[SEG_UUID] = 3,
	[SEG_STR] = 2,
	[SEG_PATH] = 1,
};

typedef struct segment {
	seg_kind kind;
	char *text;		/* literal text or parameter name */
} segment;

typedef struct compiled {
	const sx_route *route;
	segment *segs;
	size_t n_segs;
	int weight;
	char *shape;		/* pattern without parameter names, for duplicates */
} compiled;

struct sx_router {
	compiled *routes;
	size_t n;
};

static void
compiled_free(compiled *c)
{
	for (size_t i = 0; i < c->n_segs; i++)
		free(c->segs[i].text);
	free(c->segs);
	free(c->shape);
}

/* Parses "{name:type}" (or "{name}", a str) in seg[0..len). */
static int
parse_param(const char *seg, size_t len, segment *out, const char **why)
{
	const char *colon, *end = seg + len - 1;
	size_t nlen;
	int k;

	if (len < 3 || *end != '}') {
		*why = "unclosed '{' in a parameter";
		return -1;
	}
	colon = memchr(seg, ':', len);
	nlen = (size_t)((colon ? colon : end) - (seg + 1));
	if (nlen == 0) {
		*why = "parameter without a name";
		return -1;
	}
	for (size_t i = 1; i <= nlen; i++)
		if (!isalnum((unsigned char)seg[i]) && seg[i] != '_') {
			*why = "parameter names take letters, digits and '_'";
			return -1;
		}
	out->kind = SEG_STR;
	if (colon != NULL) {
		size_t tlen = (size_t)(end - colon - 1);

		for (k = SEG_INT; k < SEG__MAX; k++)
			if (strlen(seg_names[k]) == tlen &&
			    strncmp(colon + 1, seg_names[k], tlen) == 0)
				break;
		if (k == SEG__MAX) {
			*why = "unknown parameter type (known: int, str, path, uuid)";
			return -1;
		}
		out->kind = (seg_kind)k;
	}
	if ((out->text = strndup(seg + 1, nlen)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* Splits a pattern into segments. Returns 0, or -1 with *why set. */
static int
compile_route(const sx_route *r, compiled *c, const char **why)
{
	const char *p = r->pattern, *slash;
	sx_buf shape = SX_BUF_INIT;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->route = r;
	if (r->handler == NULL) {
		*why = "no handler";
		return -1;
	}
	if ((int)r->method < 0 || r->method >= SX_METHOD__MAX) {
		*why = "unknown method";
		return -1;
	}
	if (p == NULL || p[0] != '/') {
		*why = "pattern must start with '/'";
		return -1;
	}
	if ((c->segs = calloc(strlen(p) + 1, sizeof(segment))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	p++;
	while (*p != '\0') {
		segment *s = &c->segs[c->n_segs];

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (c->n_segs > 0 && c->segs[c->n_segs - 1].kind == SEG_PATH) {
			*why = "a {name:path} parameter must be the last segment";
			goto fail;
		}
		if (len == 0) {
			*why = "empty segment ('//')";
			goto fail;
		}
		if (p[0] == '{') {
			if (parse_param(p, len, s, why) < 0)
				goto fail;
			for (size_t i = 0; i < c->n_segs; i++)
				if (c->segs[i].kind != SEG_LITERAL &&
				    strcmp(c->segs[i].text, s->text) == 0) {
					free(s->text);
					*why = "parameter name used twice";
					goto fail;
				}
			sx_buf_printf(&shape, "/{%s}", seg_names[s->kind]);
		} else {
			if (memchr(p, '{', len) || memchr(p, '}', len)) {
				*why = "a parameter must be a whole segment";
				goto fail;
			}
			s->kind = SEG_LITERAL;
			if ((s->text = strndup(p, len)) == NULL)
				goto fail;
			sx_buf_putc(&shape, '/');
			sx_buf_append(&shape, p, len);
		}
		c->weight = c->weight * 8 + seg_weight[s->kind];
		c->n_segs++;
		p += len;
		if (*p == '/')
			p++;
		if (*p == '\0' && slash != NULL) {
			/* trailing slash is part of the pattern */
			sx_buf_putc(&shape, '/');
		}
	}
	if (shape.len == 0)
		sx_buf_putc(&shape, '/');
	c->shape = sx_buf_steal(&shape);
	return 0;
fail:
	sx_buf_free(&shape);
	return -1;
}

struct sx_router *
sx_router_new(const sx_route *routes, size_t n, char *err, size_t errlen)
{
	struct sx_router *r = calloc(1, sizeof(*r));
	const char *why = NULL;
	size_t i, j;

	if (r == NULL || (r->routes = calloc(n + 1, sizeof(compiled))) == NULL) {
		snprintf(err, errlen, "router: out of memory");
		free(r);
		return NULL;
	}
	for (i = 0; i < n; i++, r->n++) {
		if (compile_route(&routes[i], &r->routes[i], &why) < 0) {
			snprintf(err, errlen, "route #%zu %s %s: %s", i + 1,
			    routes[i].method < SX_METHOD__MAX ?
			    sx_methods[routes[i].method] : "?",
			    routes[i].pattern ? routes[i].pattern : "(null)",
			    why);
			compiled_free(&r->routes[i]);
			sx_router_free(r);
			return NULL;
		}
		for (j = 0; j < i; j++)
			if (routes[j].method == routes[i].method &&
			    strcmp(r->routes[j].shape, r->routes[i].shape) == 0) {
				snprintf(err, errlen,
				    "route #%zu %s %s duplicates route #%zu %s %s "
				    "(same method and pattern): remove one",
				    i + 1, sx_methods[routes[i].method],
				    routes[i].pattern, j + 1,
				    sx_methods[routes[j].method],
				    routes[j].pattern);
				r->n++;
				sx_router_free(r);
				return NULL;
			}
	}
	return r;
}

void
sx_router_free(struct sx_router *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		compiled_free(&r->routes[i]);
	free(r->routes);
	free(r);
}

static bool
is_int(const char *s, size_t len)
{
	char buf[32], *end;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!(isdigit((unsigned char)buf[0]) ||
	    (buf[0] == '-' && isdigit((unsigned char)buf[1]))))
		return false;
	errno = 0;
	(void)strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool
is_uuid(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/*
 * Matches path against one compiled route. On success, and when params is
 * not NULL, stores the parameters (arena copies) and returns true.
 */
static bool
route_matches(const compiled *c, const char *path, sx_arena *a,
    sx_kv *params, size_t *n_params)
{
	const char *p = path;
	size_t i, len, np = 0;

	if (*p != '/')
		return false;
	p++;
	for (i = 0; i < c->n_segs; i++) {
		const segment *s = &c->segs[i];

		if (s->kind == SEG_PATH) {
			len = strlen(p);
			if (len == 0)
				return false;
		} else {
			len = strcspn(p, "/");
			if (len == 0)
				return false;
		}
		switch (s->kind) {
		case SEG_LITERAL:
			if (strlen(s->text) != len || strncmp(s->text, p, len))
				return false;
			break;
		case SEG_INT:
			if (!is_int(p, len))
				return false;
			break;
		case SEG_UUID:
			if (!is_uuid(p, len))
				return false;
			break;
		default:
			break;
		}
		if (s->kind != SEG_LITERAL && params != NULL) {
			params[np].name = s->text;
			params[np].value = sx_arena_strndup(a, p, len);
			params[np].len = len;
			np++;
		}
		p += len;
		if (i + 1 < c->n_segs) {
			if (*p != '/')
				return false;
			p++;
		}
	}
	/* A pattern ending in '/' matches a path ending in '/'. */
	if (*p == '/' && c->shape[strlen(c->shape) - 1] == '/')
		p++;
	if (*p != '\0')
		return false;
	if (n_params != NULL)
		*n_params = np;
	return true;
}

/*
 * Finds the most specific route for the request's path and method. HEAD
 * falls back to GET. When the path matches only under other methods, *allow
 * lists them (HEAD alongside GET).
 */
sx_match
sx_router_match(const struct sx_router *r, sx_req *req, const char **allow)
{
	const compiled *best = NULL;
	bool methods[SX_METHOD__MAX] = { false };
	bool any = false;
	sx_method want = req->method;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const compiled *c = &r->routes[i];

		if (!route_matches(c, req->path, NULL, NULL, NULL))
			continue;
		any = true;
		methods[c->route->method] = true;
		if (c->route->method == want ||
		    (want == SX_HEAD && c->route->method == SX_GET)) {
			if (best == NULL || c->weight > best->weight ||
			    (c->weight == best->weight && want == SX_HEAD &&
			    c->route->method == SX_HEAD &&
			    best->route->method == SX_GET))
				best = c;
		}
	}
	if (best != NULL) {
		route_matches(best, req->path, req->arena, req->params,
		    &req->n_params);
		req->route = best->route;
		return SX_MATCH_OK;
	}
	if (!any)
		return SX_MATCH_NOT_FOUND;
	{
		sx_buf b = SX_BUF_INIT;

		if (methods[SX_GET])
			methods[SX_HEAD] = true;
		for (i = 0; i < SX_METHOD__MAX; i++)
			if (methods[i])
				sx_buf_printf(&b, "%s%s", b.len ? ", " : "",
				    sx_methods[i]);
		*allow = sx_arena_strndup(req->arena, b.data, b.len);
		sx_buf_free(&b);
	}
	return SX_MATCH_METHOD;
}

/* Prints the table for `APP routes`: method, pattern, name, deps, guards. */
void
sx_router_print(const struct sx_router *r, FILE *out)
{
	for (size_t i = 0; i < r->n; i++) {
		const sx_route *rt = r->routes[i].route;

		fprintf(out, "%-7s %-32s", sx_methods[rt->method], rt->pattern);
		if (rt->name != NULL)
			fprintf(out, " name=%s", rt->name);
		if (rt->deps != NULL && rt->deps[0] != NULL) {
			fprintf(out, " deps=");
			for (size_t k = 0; rt->deps[k] != NULL; k++)
				fprintf(out, "%s%s", k ? "," : "", rt->deps[k]);
		}
		/* guards, by name (routes of a group: the group's first) */
		for (size_t k = 0; rt->guards != NULL && rt->guards[k] != NULL; k++)
			fprintf(out, "%s%s", k ? "," : " guards=",
			    rt->guards[k]->name ? rt->guards[k]->name : "?");
		fputc('\n', out);
	}
}
