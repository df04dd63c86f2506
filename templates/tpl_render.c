/*
 * tpl_render.c: walks a compiled template over cJSON data into an sx_buf.
 *
 * Rendering keeps all of its state on the stack (the context stack, the
 * indentation of standalone partials, the block overrides in force), so any
 * number of threads may render from one read-only set at once.
 *
 * Indentation: a partial, parent or block on a line of its own indents each
 * line it writes. The renderer tracks whether the output stands at the start
 * of a line and writes the indentation before the next template text or tag
 * there. Newlines inside interpolated data do not start indented lines, as
 * the specification asks.
 */
#include "tpl_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One level of the context stack: a value and what encloses it. */
typedef struct context {
	const cJSON *value;
	const struct context *up;
} context;

/* Indentation in force: each standalone expansion adds its own to the
 * enclosing one's. */
typedef struct indent {
	const char *s;
	size_t len;
	const struct indent *up;
} indent;

/* The parent tags being expanded: their block children override blocks. */
typedef struct frame {
	const tpl_node *nodes;
	size_t parent;		/* index of the TPL_PARENT node */
	const struct frame *up;
} frame;

typedef struct render {
	const sx_tpl_set *set;
	sx_buf *out;
	const indent *ind;
	const frame *frames;
	bool bol;		/* the output is at the start of a line */
	int depth;
	sx_tpl_err err;
	const char *err_name;	/* the partial that nested too deep */
} render;

static void render_range(render *r, const tpl_node *nodes, size_t from,
    size_t to, const context *ctx);

/* The index of the node after nodes[i] and, for a container, its body. */
static size_t
next_node(const tpl_node *nodes, size_t i)
{
	switch (nodes[i].kind) {
	case TPL_SECTION:
	case TPL_INVERTED:
	case TPL_PARENT:
	case TPL_BLOCK:
		return nodes[i].end;
	default:
		return i + 1;
	}
}

/* Bytes each character grows by when escaped (0: copied as is). */
static const unsigned char escape_growth[256] = {
	['&'] = 4, ['<'] = 3, ['>'] = 3, ['"'] = 5, ['\''] = 4,
};

int
sx_tpl_escape(sx_buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t extra = 0, i;
	char *w;

	for (i = 0; i < len; i++)
		extra += escape_growth[u[i]];
	if (extra == 0)
		return sx_buf_append(out, s, len);
	if (sx_buf_reserve(out, len + extra) < 0)
		return -1;
	w = out->data + out->len;
	for (i = 0; i < len; i++) {
		const char *rep;
		size_t n;

		switch (s[i]) {
		case '&': rep = "&amp;"; n = 5; break;
		case '<': rep = "&lt;"; n = 4; break;
		case '>': rep = "&gt;"; n = 4; break;
		case '"': rep = "&quot;"; n = 6; break;
		case '\'': rep = "&#39;"; n = 5; break;
		default: *w++ = s[i]; continue;
		}
		memcpy(w, rep, n);
		w += n;
	}
	out->len += len + extra;
	out->data[out->len] = '\0';
	return 0;
}

static void
put(render *r, const char *s, size_t len)
{
	if (sx_buf_append(r->out, s, len) < 0)
		r->err = SX_TPL_NOMEM;
}

static void
put_indent(render *r, const indent *ind)
{
	if (ind == NULL)
		return;
	put_indent(r, ind->up);
	put(r, ind->s, ind->len);
}

/* Writes template text, indenting each line that starts in it. */
static void
put_text(render *r, const char *s, size_t len)
{
	const char *end = s + len, *nl;

	if (r->ind == NULL) {
		put(r, s, len);
		return;
	}
	while (s < end) {
		if (r->bol) {
			put_indent(r, r->ind);
			r->bol = false;
		}
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL) {
			put(r, s, (size_t)(end - s));
			return;
		}
		put(r, s, (size_t)(nl + 1 - s));
		r->bol = true;
		s = nl + 1;
	}
}

/* Numbers print as JSON writes them: 85, 1.21, -0.5, 1e+300. */
static void
put_number(render *r, double d)
{
	char tmp[32], *p = tmp + sizeof(tmp);
	int n;

	if (d == floor(d) && fabs(d) < 1e15) {
		long long v = (long long)d;
		unsigned long long u = v < 0 ? -(unsigned long long)v :
		    (unsigned long long)v;

		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (v < 0)
			*--p = '-';
		put(r, p, (size_t)(tmp + sizeof(tmp) - p));
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		n = snprintf(tmp, sizeof(tmp), "%.17g", d);
	put(r, tmp, (size_t)n);
}

/* Resolves a node's dotted name: the first part against the context stack,
 * each further part only inside the value before it. NULL when missing. */
static const cJSON *
lookup(const context *ctx, const tpl_node *n)
{
	const cJSON *v = NULL;

	if (n->path == NULL)
		return ctx->value;
	for (; ctx != NULL; ctx = ctx->up)
		if (cJSON_IsObject(ctx->value) &&
		    (v = cJSON_GetObjectItemCaseSensitive(ctx->value,
		    n->path[0])) != NULL)
			break;
	for (size_t i = 1; v != NULL && i < n->n_path; i++)
		v = cJSON_IsObject(v) ?
		    cJSON_GetObjectItemCaseSensitive(v, n->path[i]) : NULL;
	return v;
}

static void
put_value(render *r, const cJSON *v, bool escape)
{
	if (r->ind != NULL && r->bol) {
		put_indent(r, r->ind);
		r->bol = false;
	}
	if (v == NULL)
		return;
	if (cJSON_IsString(v)) {
		size_t len = strlen(v->valuestring);

		if (escape ? sx_tpl_escape(r->out, v->valuestring, len) < 0 :
		    sx_buf_append(r->out, v->valuestring, len) < 0)
			r->err = SX_TPL_NOMEM;
	} else if (cJSON_IsNumber(v)) {
		put_number(r, v->valuedouble);
	} else if (cJSON_IsTrue(v)) {
		put(r, "true", 4);
	} else if (cJSON_IsFalse(v)) {
		put(r, "false", 5);
	}
}

/* Missing, null, false and the empty list are false; all else is true. */
static bool
truthy(const cJSON *v)
{
	return v != NULL && !cJSON_IsNull(v) && !cJSON_IsFalse(v) &&
	    !(cJSON_IsArray(v) && v->child == NULL);
}

static void
render_section(render *r, const tpl_node *nodes, size_t i, const context *ctx)
{
	const tpl_node *n = &nodes[i];
	const cJSON *v = lookup(ctx, n);
	context inner = { v, ctx };

	if (!truthy(v))
		return;
	if (cJSON_IsArray(v)) {
		for (const cJSON *e = v->child;
		    e != NULL && r->err == SX_TPL_OK; e = e->next) {
			inner.value = e;
			render_range(r, nodes, i + 1, n->end, &inner);
		}
		return;
	}
	render_range(r, nodes, i + 1, n->end, &inner);
}

/* Renders nodes[from, to) as an expansion: a partial, a parent or a block,
 * indented when it stood on a line of its own. */
static void
expand(render *r, const tpl_node *site, const tpl_node *nodes, size_t from,
    size_t to, const context *ctx)
{
	indent ind = { site->indent, site->indent_len, r->ind };

	if (++r->depth > SX_TPL_MAX_DEPTH) {
		if (r->err == SX_TPL_OK) {
			r->err = SX_TPL_TOO_DEEP;
			r->err_name = site->text;
		}
		return;
	}
	if (site->standalone) {
		r->ind = &ind;
		r->bol = true;
	}
	render_range(r, nodes, from, to, ctx);
	if (site->standalone)
		r->ind = ind.up;
	r->depth--;
}

static void
render_include(render *r, const tpl_node *nodes, size_t i, const context *ctx)
{
	const tpl_node *n = &nodes[i];
	const tpl *t = sx_tpl_find(r->set, n->text);
	frame f = { nodes, i, r->frames };

	if (t == NULL)
		return;		/* a missing partial renders as nothing */
	if (n->kind == TPL_PARENT)
		r->frames = &f;
	expand(r, n, t->nodes, 0, t->n_nodes, ctx);
	if (n->kind == TPL_PARENT)
		r->frames = f.up;
}

/* The block child called name of a parent node, or (size_t)-1. */
static size_t
find_block(const tpl_node *nodes, size_t parent, const char *name)
{
	for (size_t j = parent + 1; j < nodes[parent].end;
	    j = next_node(nodes, j))
		if (nodes[j].kind == TPL_BLOCK &&
		    strcmp(nodes[j].text, name) == 0)
			return j;
	return (size_t)-1;
}

/*
 * A block renders the outermost override of it among the parents being
 * expanded (the page's wins over the layout's own), else its default body.
 * Where the block stood on a line of its own it writes whole lines.
 */
static void
render_block(render *r, const tpl_node *nodes, size_t i, const context *ctx)
{
	const tpl_node *n = &nodes[i], *body_nodes = nodes;
	size_t from = i + 1, to = n->end, start = r->out->len, j;

	for (const frame *f = r->frames; f != NULL; f = f->up) {
		j = find_block(f->nodes, f->parent, n->text);
		if (j != (size_t)-1) {
			body_nodes = f->nodes;
			from = j + 1;
			to = f->nodes[j].end;
		}
	}
	expand(r, n, body_nodes, from, to, ctx);
	if (n->standalone && r->out->len > start &&
	    r->out->data[r->out->len - 1] != '\n' && n->line_end_len > 0) {
		put(r, n->line_end, n->line_end_len);
		r->bol = true;
	}
}

static void
render_range(render *r, const tpl_node *nodes, size_t from, size_t to,
    const context *ctx)
{
	size_t i = from;

	while (i < to && r->err == SX_TPL_OK) {
		const tpl_node *n = &nodes[i];

		switch (n->kind) {
		case TPL_TEXT:
			put_text(r, n->text, n->len);
			break;
		case TPL_VAR:
		case TPL_RAW:
			put_value(r, lookup(ctx, n), n->kind == TPL_VAR);
			break;
		case TPL_SECTION:
			render_section(r, nodes, i, ctx);
			break;
		case TPL_INVERTED:
			if (!truthy(lookup(ctx, n)))
				render_range(r, nodes, i + 1, n->end, ctx);
			break;
		case TPL_PARTIAL:
		case TPL_PARENT:
			render_include(r, nodes, i, ctx);
			break;
		case TPL_BLOCK:
			render_block(r, nodes, i, ctx);
			break;
		case TPL_KIND__MAX:
			break;
		}
		i = next_node(nodes, i);
	}
}

sx_tpl_err
sx_tpl_render(const sx_tpl_set *set, const char *name, const cJSON *data,
    sx_buf *out, char *msg, size_t msglen)
{
	const tpl *t = set != NULL && name != NULL ?
	    sx_tpl_find(set, name) : NULL;
	render r = { .set = set, .out = out };
	context root = { data, NULL };

	if (t == NULL) {
		if (msglen > 0)
			snprintf(msg, msglen, "no template called \"%s\"",
			    name != NULL ? name : "(null)");
		return SX_TPL_NOT_FOUND;
	}
	render_range(&r, t->nodes, 0, t->n_nodes, &root);
	if (r.err == SX_TPL_TOO_DEEP && msglen > 0)
		snprintf(msg, msglen, "template \"%s\": partials nest more "
		    "than %d levels deep at \"%s\" (does a partial include itself?)",
		    name, SX_TPL_MAX_DEPTH, r.err_name);
	else if (r.err == SX_TPL_NOMEM && msglen > 0)
		snprintf(msg, msglen, "template \"%s\": out of memory", name);
	return r.err;
}
