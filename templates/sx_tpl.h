/*
 * sx_tpl.h: Sextant's Mustache engine.
 *
 * A template set holds compiled templates by name. Each template is parsed
 * once, when it is added, into a flat array of nodes; rendering walks that
 * array over a cJSON value and appends straight to an sx_buf. Partials
 * ({{>name}}) and parents ({{<name}}...{{/name}}, the inheritance module that
 * gives pages a shared layout) are looked up by name in the same set when a
 * template renders, so a set may be filled in any order.
 *
 * The engine follows the Mustache specification (interpolation, sections,
 * inverted sections, comments, partials, set delimiters, inheritance); it
 * does not implement lambdas, which JSON data cannot carry.
 *
 * Threads: a set is written while it is being filled and read-only after;
 * any number of threads may then render from it at once.
 *
 * This module knows nothing of HTTP: framework/render.c connects it to
 * responses.
 */
#ifndef SX_TPL_H
#define SX_TPL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "sx_util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sx_tpl_err {
	SX_TPL_OK,
	SX_TPL_NOMEM,		/* out of memory */
	SX_TPL_IO,		/* a template file or folder cannot be read */
	SX_TPL_BAD_NAME,	/* a template name is empty or already taken */
	SX_TPL_UNCLOSED_TAG,	/* "{{" without its closing delimiter */
	SX_TPL_UNCLOSED_SECTION,/* {{#x}}, {{^x}}, {{<x}}, {{$x}} not closed */
	SX_TPL_MISMATCHED_CLOSE,/* {{/y}} closes a section opened as x */
	SX_TPL_UNEXPECTED_CLOSE,/* {{/y}} with no section open */
	SX_TPL_BAD_DELIMITER,	/* {{=...=}} that is not two delimiters */
	SX_TPL_BAD_TAG,		/* a tag without a name, or with spaces */
	SX_TPL_NOT_FOUND,	/* rendering a template the set does not hold */
	SX_TPL_TOO_DEEP,	/* partials or blocks nested beyond the limit */
	SX_TPL__MAX
} sx_tpl_err;

/* A short description of e ("unclosed section", ...). */
SX_API const char *sx_tpl_strerror(sx_tpl_err e);

typedef struct sx_tpl_set sx_tpl_set;

/* An empty set, or NULL when memory ran out. Free with sx_tpl_set_free. */
SX_API sx_tpl_set *sx_tpl_set_new(void);
SX_API void sx_tpl_set_free(sx_tpl_set *set);

/*
 * Compiles len bytes of src as template name. origin names the source in
 * error messages ("notes.mustache"); NULL means the name. The set keeps its
 * own copy of everything. On failure the set is unchanged and msg holds one
 * line naming the template, line and column:
 *   unclosed section 'items' opened at notes.mustache:12:5
 * Returns SX_TPL_BAD_NAME when name is empty or already in the set.
 */
SX_API sx_tpl_err sx_tpl_set_add(sx_tpl_set *set, const char *name,
    const char *src, size_t len, const char *origin, char *msg, size_t msglen);

/*
 * Adds every DIR/NAME.mustache, including those in subfolders (named
 * "sub/NAME") up to 16 folders deep (deeper ones are skipped); files and
 * folders whose names begin with '.' are skipped.
 * Stops at the first file that fails to read or compile: msg names it (its
 * path relative to dir, line and column). Templates added before the failure
 * stay in the set.
 */
SX_API sx_tpl_err sx_tpl_set_load_dir(sx_tpl_set *set, const char *dir,
    char *msg, size_t msglen);

/* True when the set holds a template called name. */
SX_API bool sx_tpl_set_has(const sx_tpl_set *set, const char *name);
/* How many templates the set holds. */
SX_API size_t sx_tpl_set_count(const sx_tpl_set *set);

/*
 * Renders template name over data (NULL renders as an empty context),
 * appending to out. A missing partial or parent renders as nothing, as the
 * specification asks. Returns SX_TPL_OK; SX_TPL_NOT_FOUND when the set has
 * no template name; SX_TPL_TOO_DEEP when partials and parents nest more
 * than 100 levels; SX_TPL_NOMEM. On failure out may hold part of the output and msg
 * says what failed.
 */
SX_API sx_tpl_err sx_tpl_render(const sx_tpl_set *set, const char *name,
    const cJSON *data, sx_buf *out, char *msg, size_t msglen);

/* Appends s with & < > " ' replaced by HTML entities, as {{name}} does. */
SX_API int sx_tpl_escape(sx_buf *out, const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
