/*
 * tpl_compile.c: Mustache source -> the flat node array of tpl_internal.h.
 *
 * The source is read one line at a time. Each line is first split into text
 * and tags (a tag may run over several lines, as a comment can); only then is
 * it known whether the line is "standalone": it holds tags that print nothing
 * of their own (sections, closings, comments, partials, parents, blocks,
 * delimiter changes) and otherwise only whitespace. A standalone line leaves
 * no trace in the output: its indentation and line ending are dropped, and a
 * partial or parent on it indents every line it expands to by the dropped
 * indentation, as the specification asks.
 *
 * Blocks ({{$name}}) opened on a standalone line are reindented: the
 * indentation of their first line is removed from every line of their body
 * here, and added back, by the block where it expands, at render time. That
 * lets a page define a block at any indentation and have it land at the
 * layout's.
 */
#include "tpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_OPEN "{{"
#define DEFAULT_CLOSE "}}"

/* One piece of the current line: literal text or a parsed tag. */
typedef struct token {
	bool is_tag;
	char sigil;		/* 0 (plain {{name}}), & { # ^ / ! > < $ = */
	const char *s;		/* text bytes, or the tag's trimmed name */
	size_t len;
	size_t off;		/* source offset where the token starts */
} token;

/* A container waiting for its closing tag. */
typedef struct open_tag {
	uint32_t node;
	size_t off;		/* of the opening tag, for messages */
	bool line_level;	/* a block opened on a standalone line */
	bool awaiting;		/* ... whose first body line is not read yet */
	size_t strip;		/* columns removed from each body line */
	const char *line_indent;/* indentation of the opening line */
	size_t line_indent_len;
} open_tag;

typedef struct compiler {
	const char *src;	/* the arena copy */
	size_t len, pos;
	const char *origin;
	sx_arena *arena;
	const char *open, *close;	/* current delimiters */
	size_t open_len, close_len;
	tpl_node *nodes;
	size_t n_nodes, cap_nodes;
	open_tag *stack;
	size_t depth, cap_stack;
	token *line;
	size_t n_line, cap_line;
	bool text_mergeable;	/* the last node is text that may grow */
	char *msg;
	size_t msglen;
} compiler;

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* 1-based line and column (in bytes) of a source offset. */
static void
position(const compiler *c, size_t off, unsigned *line, unsigned *col)
{
	size_t i, line_start = 0;

	*line = 1;
	for (i = 0; i < off && i < c->len; i++)
		if (c->src[i] == '\n') {
			(*line)++;
			line_start = i + 1;
		}
	*col = (unsigned)(off - line_start + 1);
}

/* Writes "origin:line:col: " followed by the formatted text into msg. */
static sx_tpl_err
fail_at(compiler *c, sx_tpl_err e, size_t off, const char *fmt, ...)
    SX_PRINTF(4, 5);

static sx_tpl_err
fail_at(compiler *c, sx_tpl_err e, size_t off, const char *fmt, ...)
{
	unsigned line, col;
	va_list ap;
	int n;

	if (c->msglen == 0)
		return e;
	position(c, off, &line, &col);
	n = snprintf(c->msg, c->msglen, "%s:%u:%u: ", c->origin, line, col);
	if (n >= 0 && (size_t)n < c->msglen) {
		va_start(ap, fmt);
		vsnprintf(c->msg + n, c->msglen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return e;
}

static sx_tpl_err
fail_nomem(compiler *c)
{
	if (c->msglen > 0)
		snprintf(c->msg, c->msglen, "%s: out of memory while compiling",
		    c->origin);
	return SX_TPL_NOMEM;
}

/* Grows an array of elem-sized items so one more fits. */
static int
grow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void **arr = arrp;
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((p = realloc(*arr, ncap * elem)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static tpl_node *
add_node(compiler *c, tpl_kind kind)
{
	tpl_node *n;

	if (grow(&c->nodes, &c->cap_nodes, c->n_nodes, sizeof(*c->nodes)) < 0)
		return NULL;
	n = &c->nodes[c->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line_end = "";
	c->text_mergeable = false;
	return n;
}

static int
add_token(compiler *c, const token *t)
{
	if (grow(&c->line, &c->cap_line, c->n_line, sizeof(*c->line)) < 0)
		return -1;
	c->line[c->n_line++] = *t;
	return 0;
}

/* Finds needle in [from, to) of the source; returns its offset or (size_t)-1. */
static size_t
find(const compiler *c, size_t from, size_t to, const char *needle, size_t nlen)
{
	const char *p;

	if (to < from || to - from < nlen)
		return (size_t)-1;
	p = memmem(c->src + from, to - from, needle, nlen);
	return p == NULL ? (size_t)-1 : (size_t)(p - c->src);
}

/*
 * Applies a {{=<% %>=}} tag whose inner text (between the two '=') is s.
 * The new delimiters point into the source, which outlives compilation.
 */
static sx_tpl_err
set_delimiters(compiler *c, const char *s, size_t len, size_t off)
{
	size_t i = 0, a, alen, b, blen;

	while (i < len && is_space(s[i]))
		i++;
	for (a = i; i < len && !is_space(s[i]); i++)
		;
	alen = i - a;
	while (i < len && is_space(s[i]))
		i++;
	for (b = i; i < len && !is_space(s[i]); i++)
		;
	blen = i - b;
	while (i < len && is_space(s[i]))
		i++;
	if (alen == 0 || blen == 0 || i != len ||
	    memchr(s + a, '=', alen) != NULL || memchr(s + b, '=', blen) != NULL)
		return fail_at(c, SX_TPL_BAD_DELIMITER, off,
		    "invalid set-delimiter tag '%.*s': expected two delimiters "
		    "without spaces or '=', separated by a space, as in {{=<%% %%>=}}",
		    (int)len, s);
	c->open = s + a;
	c->open_len = alen;
	c->close = s + b;
	c->close_len = blen;
	return SX_TPL_OK;
}

/* Checks a tag's name: not empty, no space inside. */
static sx_tpl_err
check_name(compiler *c, const token *t)
{
	if (t->len == 0)
		return fail_at(c, SX_TPL_BAD_TAG, t->off,
		    "tag '%.*s' has no name", (int)(c->pos - t->off),
		    c->src + t->off);
	for (size_t i = 0; i < t->len; i++)
		if (is_space(t->s[i]))
			return fail_at(c, SX_TPL_BAD_TAG, t->off,
			    "tag name '%.*s' contains a space", (int)t->len, t->s);
	return SX_TPL_OK;
}

/*
 * Parses the tag whose opening delimiter starts at offset off, leaving
 * c->pos just past it. A delimiter change takes effect at once, so the rest
 * of the line is read with the new delimiters.
 */
static sx_tpl_err
scan_tag(compiler *c, size_t off, token *t)
{
	size_t p = off + c->open_len, end, inner, inner_end;
	sx_tpl_err e;

	memset(t, 0, sizeof(*t));
	t->is_tag = true;
	t->off = off;
	if (p < c->len && c->src[p] == '{') {
		/* Triple mustache: the closing delimiter comes after a '}'. */
		t->sigil = '{';
		inner = p + 1;
		for (end = inner;; end++) {
			end = find(c, end, c->len, "}", 1);
			if (end == (size_t)-1 || (c->len - end - 1 >= c->close_len &&
			    memcmp(c->src + end + 1, c->close, c->close_len) == 0))
				break;
		}
		if (end == (size_t)-1)
			goto unclosed;
		inner_end = end;
		c->pos = end + 1 + c->close_len;
	} else {
		end = find(c, p, c->len, c->close, c->close_len);
		if (end == (size_t)-1)
			goto unclosed;
		inner = p;
		inner_end = end;
		c->pos = end + c->close_len;
		if (inner < inner_end && strchr("&#^/!><$=", c->src[inner]) != NULL)
			t->sigil = c->src[inner++];
	}
	if (t->sigil == '!')
		return SX_TPL_OK;
	if (t->sigil == '=') {
		if (inner_end == inner || c->src[inner_end - 1] != '=')
			return fail_at(c, SX_TPL_BAD_DELIMITER, off,
			    "invalid set-delimiter tag: it must end with '=' "
			    "before the closing delimiter, as in {{=<%% %%>=}}");
		return set_delimiters(c, c->src + inner, inner_end - 1 - inner, off);
	}
	while (inner < inner_end && is_space(c->src[inner]))
		inner++;
	while (inner_end > inner && is_space(c->src[inner_end - 1]))
		inner_end--;
	t->s = c->src + inner;
	t->len = inner_end - inner;
	if ((e = check_name(c, t)) != SX_TPL_OK)
		return e;
	return SX_TPL_OK;
unclosed:
	return fail_at(c, SX_TPL_UNCLOSED_TAG, off,
	    "unclosed tag: '%.*s' has no closing '%s%.*s'", (int)c->open_len,
	    c->open, t->sigil == '{' ? "}" : "", (int)c->close_len, c->close);
}

/*
 * Reads the source from c->pos to the end of the line (its '\n' included)
 * into c->line. Tags are searched only up to the line's end, so scanning
 * stays linear however long the text between tags.
 */
static sx_tpl_err
scan_line(compiler *c)
{
	token t;
	sx_tpl_err e;

	c->n_line = 0;
	while (c->pos < c->len) {
		const char *nl = memchr(c->src + c->pos, '\n', c->len - c->pos);
		size_t stop = nl ? (size_t)(nl - c->src) : c->len;
		size_t tag = find(c, c->pos, stop, c->open, c->open_len);

		if (tag == (size_t)-1) {
			t = (token){ false, 0, c->src + c->pos,
			    (nl ? stop + 1 : stop) - c->pos, c->pos };
			c->pos += t.len;
			return add_token(c, &t) < 0 ? fail_nomem(c) : SX_TPL_OK;
		}
		if (tag > c->pos) {
			t = (token){ false, 0, c->src + c->pos, tag - c->pos, c->pos };
			if (add_token(c, &t) < 0)
				return fail_nomem(c);
		}
		if ((e = scan_tag(c, tag, &t)) != SX_TPL_OK)
			return e;
		if (add_token(c, &t) < 0)
			return fail_nomem(c);
	}
	return SX_TPL_OK;
}

static bool
all_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_space(s[i]))
			return false;
	return true;
}

/* A line is standalone when it holds only tags that print nothing of their
 * own, at least one of them, and whitespace. */
static bool
line_is_standalone(const compiler *c)
{
	bool has_tag = false;

	for (size_t i = 0; i < c->n_line; i++) {
		const token *t = &c->line[i];

		if (!t->is_tag) {
			if (!all_space(t->s, t->len))
				return false;
		} else if (t->sigil == 0 || t->sigil == '&' || t->sigil == '{') {
			return false;
		} else {
			has_tag = true;
		}
	}
	return has_tag;
}

/*
 * At the start of a line inside blocks opened on standalone lines: removes
 * the blocks' indentation, and fixes the indentation of a block whose first
 * body line this is.
 */
static void
strip_block_indent(compiler *c)
{
	size_t strip = 0, i, n, ws;

	for (i = c->depth; i-- > 0;)
		if (c->stack[i].line_level && !c->stack[i].awaiting) {
			strip = c->stack[i].strip;
			break;
		}
	for (n = 0; n < strip && c->pos < c->len && is_blank(c->src[c->pos]); n++)
		c->pos++;
	for (ws = 0; c->pos + ws < c->len && is_blank(c->src[c->pos + ws]); ws++)
		;
	for (i = 0; i < c->depth; i++) {
		open_tag *o = &c->stack[i];

		if (!o->awaiting)
			continue;
		o->awaiting = false;
		c->nodes[o->node].indent = c->src + c->pos;
		c->nodes[o->node].indent_len = ws;
		strip += ws;
		o->strip = strip;
		c->pos += ws;
		ws = 0;		/* blocks opened on the same line share it */
	}
}

static sx_tpl_err
emit_text(compiler *c, const char *s, size_t len)
{
	tpl_node *n;

	if (len == 0)
		return SX_TPL_OK;
	if (c->text_mergeable) {
		n = &c->nodes[c->n_nodes - 1];
		if (n->text + n->len == s) {
			n->len += len;
			return SX_TPL_OK;
		}
	}
	if ((n = add_node(c, TPL_TEXT)) == NULL)
		return fail_nomem(c);
	n->text = s;
	n->len = len;
	c->text_mergeable = true;
	return SX_TPL_OK;
}

/* Sets n's name (a NUL-terminated arena copy) and, for names looked up in
 * the data, its path split at '.'. */
static int
set_name(compiler *c, tpl_node *n, const token *t, bool split)
{
	char *name = sx_arena_strndup(c->arena, t->s, t->len), *p;
	const char **path;
	size_t parts = 1, i;

	if (name == NULL)
		return -1;
	n->text = name;
	n->len = t->len;
	if (!split || strcmp(name, ".") == 0)
		return 0;
	for (i = 0; i < t->len; i++)
		parts += t->s[i] == '.';
	if ((path = sx_arena_alloc(c->arena, parts * sizeof(*path))) == NULL ||
	    (p = sx_arena_strndup(c->arena, t->s, t->len)) == NULL)
		return -1;
	for (i = 0; i < parts; i++) {
		path[i] = p;
		p += strcspn(p, ".");
		if (*p == '.')
			*p++ = '\0';
	}
	n->path = path;
	n->n_path = parts;
	return 0;
}

static const char *const kind_words[TPL_KIND__MAX] = {
	[TPL_TEXT] = "text",
	[TPL_VAR] = "variable",
	[TPL_RAW] = "variable",
	[TPL_SECTION] = "section",
	[TPL_INVERTED] = "inverted section",
	[TPL_PARTIAL] = "partial",
	[TPL_PARENT] = "parent",
	[TPL_BLOCK] = "block",
};

static sx_tpl_err
close_tag(compiler *c, const token *t, bool standalone, const token *eol)
{
	open_tag *o;
	tpl_node *n;
	unsigned line, col;

	if (c->depth == 0)
		return fail_at(c, SX_TPL_UNEXPECTED_CLOSE, t->off,
		    "closing tag '%.*s' has no open section", (int)t->len, t->s);
	o = &c->stack[c->depth - 1];
	n = &c->nodes[o->node];
	if (n->len != t->len || memcmp(n->text, t->s, t->len) != 0) {
		position(c, o->off, &line, &col);
		return fail_at(c, SX_TPL_MISMATCHED_CLOSE, t->off,
		    "closing tag '%.*s' does not match the open %s '%s' "
		    "(opened at line %u, column %u)", (int)t->len, t->s,
		    kind_words[n->kind], n->text, line, col);
	}
	if (o->awaiting) {
		/* Opened and closed on one standalone line: the line's own
		 * indentation is where the block's content goes. */
		n->indent = o->line_indent;
		n->indent_len = o->line_indent_len;
	}
	if (n->kind == TPL_BLOCK && standalone && eol != NULL) {
		n->line_end = eol->s;
		n->line_end_len = eol->len;
	}
	n->end = (uint32_t)c->n_nodes;
	c->depth--;
	c->text_mergeable = false;
	return SX_TPL_OK;
}

/* Emits one tag. On a standalone line, indent is the line's indentation
 * and eol its line ending (a token of "\n" or "\r\n", or NULL at the end). */
static sx_tpl_err
emit_tag(compiler *c, const token *t, bool standalone, const token *indent,
    const token *eol)
{
	static const tpl_kind kinds[] = {
		['#'] = TPL_SECTION, ['^'] = TPL_INVERTED, ['<'] = TPL_PARENT,
		['$'] = TPL_BLOCK, ['>'] = TPL_PARTIAL,
	};
	tpl_node *n;
	open_tag *o;
	tpl_kind kind;

	switch (t->sigil) {
	case '!':
	case '=':
		return SX_TPL_OK;
	case '/':
		return close_tag(c, t, standalone, eol);
	case 0:
	case '&':
	case '{':
		if ((n = add_node(c, t->sigil == 0 ? TPL_VAR : TPL_RAW)) == NULL ||
		    set_name(c, n, t, true) < 0)
			return fail_nomem(c);
		return SX_TPL_OK;
	default:
		break;
	}
	kind = kinds[(unsigned char)t->sigil];
	if ((n = add_node(c, kind)) == NULL ||
	    set_name(c, n, t, kind == TPL_SECTION || kind == TPL_INVERTED) < 0)
		return fail_nomem(c);
	if (standalone && kind != TPL_SECTION && kind != TPL_INVERTED) {
		n->standalone = true;
		n->indent = indent ? indent->s : "";
		n->indent_len = indent ? indent->len : 0;
	}
	if (kind == TPL_PARTIAL)
		return SX_TPL_OK;
	if (grow(&c->stack, &c->cap_stack, c->depth, sizeof(*c->stack)) < 0)
		return fail_nomem(c);
	o = &c->stack[c->depth++];
	memset(o, 0, sizeof(*o));
	o->node = (uint32_t)(c->n_nodes - 1);
	o->off = t->off;
	if (kind == TPL_BLOCK && standalone) {
		o->line_level = o->awaiting = true;
		o->line_indent = n->indent;
		o->line_indent_len = n->indent_len;
		n->indent = "";
		n->indent_len = 0;
	}
	return SX_TPL_OK;
}

/* The line ending ("\n" or "\r\n") at the end of the line's last token. */
static bool
line_ending(const compiler *c, token *eol)
{
	const token *last;

	if (c->n_line == 0 || (last = &c->line[c->n_line - 1])->is_tag ||
	    last->len == 0 || last->s[last->len - 1] != '\n')
		return false;
	*eol = *last;
	eol->len = last->len >= 2 && last->s[last->len - 2] == '\r' ? 2 : 1;
	eol->s = last->s + last->len - eol->len;
	return true;
}

static sx_tpl_err
emit_line(compiler *c)
{
	bool standalone = line_is_standalone(c);
	const token *indent = NULL;
	token eol;
	bool has_eol = line_ending(c, &eol);
	sx_tpl_err e = SX_TPL_OK;

	if (standalone && c->n_line > 0 && !c->line[0].is_tag)
		indent = &c->line[0];
	for (size_t i = 0; i < c->n_line && e == SX_TPL_OK; i++) {
		const token *t = &c->line[i];

		if (t->is_tag)
			e = emit_tag(c, t, standalone, indent,
			    has_eol ? &eol : NULL);
		else if (!standalone)
			e = emit_text(c, t->s, t->len);
	}
	return e;
}

static sx_tpl_err
compile_all(compiler *c)
{
	sx_tpl_err e;
	tpl_node *n;
	open_tag *o;
	unsigned line, col;

	while (c->pos < c->len) {
		strip_block_indent(c);
		if ((e = scan_line(c)) != SX_TPL_OK || (e = emit_line(c)) != SX_TPL_OK)
			return e;
	}
	if (c->depth > 0) {
		o = &c->stack[c->depth - 1];
		n = &c->nodes[o->node];
		position(c, o->off, &line, &col);
		/* A long name is cut so that the location always fits. */
		if (c->msglen > 0 && strlen(n->text) > 60)
			snprintf(c->msg, c->msglen, "unclosed %s '%.60s...' opened "
			    "at %s:%u:%u", kind_words[n->kind], n->text,
			    c->origin, line, col);
		else if (c->msglen > 0)
			snprintf(c->msg, c->msglen, "unclosed %s '%s' opened at "
			    "%s:%u:%u (close it with {{/%s}})", kind_words[n->kind],
			    n->text, c->origin, line, col, n->text);
		return SX_TPL_UNCLOSED_SECTION;
	}
	return SX_TPL_OK;
}

sx_tpl_err
sx_tpl_compile(tpl *out, const char *name, const char *origin, const char *src,
    size_t len, char *msg, size_t msglen)
{
	compiler c = {
		.open = DEFAULT_OPEN, .open_len = 2,
		.close = DEFAULT_CLOSE, .close_len = 2,
		.msg = msg, .msglen = msglen, .len = len,
	};
	sx_tpl_err e;
	char *copy;

	memset(out, 0, sizeof(*out));
	c.origin = origin != NULL ? origin : name;
	if ((c.arena = sx_arena_new(len + 1024)) == NULL ||
	    (out->name = sx_arena_strdup(c.arena, name)) == NULL ||
	    (out->origin = sx_arena_strdup(c.arena, c.origin)) == NULL ||
	    (copy = sx_arena_alloc(c.arena, len + 1)) == NULL) {
		e = fail_nomem(&c);
		goto fail;
	}
	memcpy(copy, src, len);
	c.src = copy;
	c.origin = out->origin;
	if ((e = compile_all(&c)) != SX_TPL_OK)
		goto fail;
	free(c.stack);
	free(c.line);
	out->nodes = c.nodes;
	out->n_nodes = c.n_nodes;
	out->arena = c.arena;
	return SX_TPL_OK;
fail:
	free(c.stack);
	free(c.line);
	free(c.nodes);
	sx_arena_free(c.arena);
	memset(out, 0, sizeof(*out));
	return e;
}

void
sx_tpl_release(tpl *t)
{
	free(t->nodes);
	sx_arena_free(t->arena);
	memset(t, 0, sizeof(*t));
}
