/*
 * tpl_set.c: a set of compiled templates by name, filled from strings or
 * from a folder of NAME.mustache files.
 *
 * Templates live in an open-addressing hash table keyed by name, so looking
 * up a partial while rendering costs one hash of its name. The table is
 * written only while the set is filled; rendering reads it.
 */
#include "tpl_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEMPLATE_EXT ".mustache"
#define MAX_TEMPLATE_BYTES ((size_t)16 << 20)
#define MAX_DIR_DEPTH 16

struct sx_tpl_set {
	tpl **slots;		/* NULL or a template; cap of them (2^k) */
	size_t cap, count;
};

static const char *const errors[SX_TPL__MAX] = {
	[SX_TPL_OK] = "success",
	[SX_TPL_NOMEM] = "out of memory",
	[SX_TPL_IO] = "cannot read template",
	[SX_TPL_BAD_NAME] = "invalid or duplicate template name",
	[SX_TPL_UNCLOSED_TAG] = "unclosed tag",
	[SX_TPL_UNCLOSED_SECTION] = "unclosed section",
	[SX_TPL_MISMATCHED_CLOSE] = "closing tag does not match its section",
	[SX_TPL_UNEXPECTED_CLOSE] = "closing tag without an open section",
	[SX_TPL_BAD_DELIMITER] = "invalid set-delimiter tag",
	[SX_TPL_BAD_TAG] = "invalid tag name",
	[SX_TPL_NOT_FOUND] = "no such template",
	[SX_TPL_TOO_DEEP] = "partials nested too deep",
};

const char *
sx_tpl_strerror(sx_tpl_err e)
{
	return (unsigned)e < SX_TPL__MAX ? errors[e] : "unknown template error";
}

sx_tpl_set *
sx_tpl_set_new(void)
{
	return calloc(1, sizeof(sx_tpl_set));
}

void
sx_tpl_set_free(sx_tpl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i] != NULL) {
			sx_tpl_release(set->slots[i]);
			free(set->slots[i]);
		}
	free(set->slots);
	free(set);
}

/* FNV-1a: short names, no adversary (templates come from the app). */
static size_t
hash_name(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot holding name, or the empty slot where it belongs. */
static size_t
slot_of(tpl *const *slots, size_t cap, const char *name)
{
	size_t i = hash_name(name) & (cap - 1);

	while (slots[i] != NULL && strcmp(slots[i]->name, name) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

const tpl *
sx_tpl_find(const sx_tpl_set *set, const char *name)
{
	if (set->cap == 0)
		return NULL;
	return set->slots[slot_of(set->slots, set->cap, name)];
}

bool
sx_tpl_set_has(const sx_tpl_set *set, const char *name)
{
	return set != NULL && name != NULL && sx_tpl_find(set, name) != NULL;
}

size_t
sx_tpl_set_count(const sx_tpl_set *set)
{
	return set != NULL ? set->count : 0;
}

/* Keeps the table at most half full. */
static int
make_room(sx_tpl_set *set)
{
	size_t ncap, i;
	tpl **slots;

	if ((set->count + 1) * 2 <= set->cap)
		return 0;
	ncap = set->cap ? set->cap * 2 : 16;
	if ((slots = calloc(ncap, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < set->cap; i++)
		if (set->slots[i] != NULL)
			slots[slot_of(slots, ncap, set->slots[i]->name)] =
			    set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = ncap;
	return 0;
}

sx_tpl_err
sx_tpl_set_add(sx_tpl_set *set, const char *name, const char *src, size_t len,
    const char *origin, char *msg, size_t msglen)
{
	tpl *t;
	sx_tpl_err e;

	if (name == NULL || *name == '\0' || sx_tpl_find(set, name) != NULL) {
		if (msglen > 0)
			snprintf(msg, msglen, "template name \"%s\" is %s",
			    name ? name : "", name && *name ? "already taken" :
			    "empty");
		return SX_TPL_BAD_NAME;
	}
	if (make_room(set) < 0 || (t = malloc(sizeof(*t))) == NULL) {
		if (msglen > 0)
			snprintf(msg, msglen, "template \"%s\": out of memory",
			    name);
		return SX_TPL_NOMEM;
	}
	if ((e = sx_tpl_compile(t, name, origin, src, len, msg, msglen)) !=
	    SX_TPL_OK) {
		free(t);
		return e;
	}
	set->slots[slot_of(set->slots, set->cap, name)] = t;
	set->count++;
	return SX_TPL_OK;
}

/* Reads and adds one file as template name; rel names it in messages. */
static sx_tpl_err
add_file(sx_tpl_set *set, const char *path, const char *rel, const char *name,
    char *msg, size_t msglen)
{
	FILE *f = fopen(path, "rb");
	sx_buf b = SX_BUF_INIT;
	char chunk[8192];
	size_t n;
	sx_tpl_err e;

	if (f == NULL) {
		if (msglen > 0)
			snprintf(msg, msglen, "%s: cannot open: %s", rel,
			    strerror(errno));
		return SX_TPL_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > MAX_TEMPLATE_BYTES) {
			fclose(f);
			sx_buf_free(&b);
			if (msglen > 0)
				snprintf(msg, msglen, "%s: larger than "
				    "%zu MiB; split it into partials", rel,
				    MAX_TEMPLATE_BYTES >> 20);
			return SX_TPL_IO;
		}
		if (sx_buf_append(&b, chunk, n) < 0) {
			fclose(f);
			sx_buf_free(&b);
			return SX_TPL_NOMEM;
		}
	}
	if (ferror(f)) {
		fclose(f);
		sx_buf_free(&b);
		if (msglen > 0)
			snprintf(msg, msglen, "%s: read error", rel);
		return SX_TPL_IO;
	}
	fclose(f);
	e = sx_tpl_set_add(set, name, b.data ? b.data : "", b.len, rel, msg,
	    msglen);
	sx_buf_free(&b);
	return e;
}

/* True when entry ends in ".mustache" with something before it. */
static bool
is_template_file(const char *entry)
{
	size_t n = strlen(entry), x = sizeof(TEMPLATE_EXT) - 1;

	return n > x && strcmp(entry + n - x, TEMPLATE_EXT) == 0;
}

/*
 * Adds the templates of dir/prefix (prefix "" or "sub/") and, recursively,
 * of its subfolders.
 */
static sx_tpl_err
load_folder(sx_tpl_set *set, const char *dir, const char *prefix, int depth,
    char *msg, size_t msglen)
{
	sx_buf path = SX_BUF_INIT, rel = SX_BUF_INIT;
	struct dirent *d;
	struct stat st;
	sx_tpl_err e = SX_TPL_OK;
	DIR *dp;

	if (sx_buf_printf(&path, "%s/%s", dir, prefix) < 0)
		return SX_TPL_NOMEM;
	if ((dp = opendir(path.data)) == NULL) {
		if (msglen > 0)
			snprintf(msg, msglen, "%s: cannot open folder: %s",
			    path.data, strerror(errno));
		sx_buf_free(&path);
		return SX_TPL_IO;
	}
	while (e == SX_TPL_OK && (d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		sx_buf_reset(&path);
		sx_buf_reset(&rel);
		if (sx_buf_printf(&rel, "%s%s", prefix, d->d_name) < 0 ||
		    sx_buf_printf(&path, "%s/%s", dir, rel.data) < 0) {
			e = SX_TPL_NOMEM;
			break;
		}
		if (stat(path.data, &st) < 0)
			continue;	/* a dangling link: not a template */
		if (S_ISDIR(st.st_mode) && depth < MAX_DIR_DEPTH) {
			if (sx_buf_putc(&rel, '/') < 0)
				e = SX_TPL_NOMEM;
			else
				e = load_folder(set, dir, rel.data, depth + 1,
				    msg, msglen);
		} else if (S_ISREG(st.st_mode) && is_template_file(d->d_name)) {
			char *name = strndup(rel.data,
			    rel.len - (sizeof(TEMPLATE_EXT) - 1));

			e = name == NULL ? SX_TPL_NOMEM :
			    add_file(set, path.data, rel.data, name, msg,
			    msglen);
			free(name);
		}
	}
	closedir(dp);
	sx_buf_free(&path);
	sx_buf_free(&rel);
	if (e == SX_TPL_NOMEM && msglen > 0)
		snprintf(msg, msglen, "%s: out of memory while loading "
		    "templates", dir);
	return e;
}

sx_tpl_err
sx_tpl_set_load_dir(sx_tpl_set *set, const char *dir, char *msg, size_t msglen)
{
	return load_folder(set, dir, "", 0, msg, msglen);
}
