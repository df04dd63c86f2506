/*
 * tpl_internal.h: the compiled form of a template, shared by the compiler
 * (tpl_compile.c), the renderer (tpl_render.c) and the set (tpl_set.c).
 *
 * A template compiles to a flat array of nodes. A container node (section,
 * inverted section, parent, block) is followed by its children; its end field
 * is the index just past its last child, so a renderer skips a container's
 * body in one step and walks it as the half-open range [i + 1, end).
 */
#ifndef SX_TPL_INTERNAL_H
#define SX_TPL_INTERNAL_H

#include <stdint.h>

#include "sx_tpl.h"

/* How deep partials, parents and block overrides may nest while rendering:
 * a template that includes itself with no data to stop it ends here. */
#define SX_TPL_MAX_DEPTH 100

typedef enum tpl_kind {
	TPL_TEXT,	/* literal bytes */
	TPL_VAR,	/* {{name}}: escaped */
	TPL_RAW,	/* {{{name}}} or {{&name}} */
	TPL_SECTION,	/* {{#name}} ... {{/name}} */
	TPL_INVERTED,	/* {{^name}} ... {{/name}} */
	TPL_PARTIAL,	/* {{>name}} */
	TPL_PARENT,	/* {{<name}} ... {{/name}}: children override blocks */
	TPL_BLOCK,	/* {{$name}} ... {{/name}}: children are the default */
	TPL_KIND__MAX
} tpl_kind;

typedef struct tpl_node {
	tpl_kind kind;
	/* Partial / parent on a line of its own: its content is indented by
	 * indent. Block opened on a line of its own: its content is reindented
	 * by indent where it expands, and line_end closes its last line. */
	bool standalone;
	uint32_t end;			/* containers: past the last child */
	const char *text;		/* TEXT: the bytes; else the name
					 * (NUL-terminated) */
	size_t len;
	const char *const *path;	/* name split at '.'; NULL for "." */
	size_t n_path;
	const char *indent;
	size_t indent_len;
	const char *line_end;		/* "\n", "\r\n" or "" */
	size_t line_end_len;
} tpl_node;

typedef struct tpl {
	const char *name;
	const char *origin;		/* for messages: "notes.mustache" */
	tpl_node *nodes;		/* malloc'd */
	size_t n_nodes;
	sx_arena *arena;		/* source copy, names, paths */
} tpl;

/*
 * Compiles src into *out (allocating its arena and nodes). Returns SX_TPL_OK,
 * or an error with msg naming origin, line and column; *out is then empty.
 */
sx_tpl_err sx_tpl_compile(tpl *out, const char *name,
    const char *origin, const char *src, size_t len, char *msg, size_t msglen);
void sx_tpl_release(tpl *t);

/* The template called name in set, or NULL. */
const tpl *sx_tpl_find(const sx_tpl_set *set, const char *name);

#endif
