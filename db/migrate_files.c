/*
 * migrate_files.c: reads migration folders into a plan, and writes new
 * migration files.
 *
 * A file is NNNN_description.sql (both dialects) or
 * NNNN_description.sqlite.sql / NNNN_description.postgres.sql (one dialect;
 * it wins over a generic file of the same number). Its up and down sections
 * start at lines "-- migrate:up" and "-- migrate:down". The checksum covers
 * the whole file, so any edit of an applied migration is noticed.
 */
#include "migrate_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
sx_mig_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, (unsigned long long)len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Reads a whole file into the arena (NUL-terminated), or NULL with errno. */
static char *
read_whole(sx_arena *a, const char *path, size_t *len)
{
	char *data = sx_read_file(path, len), *text;

	if (data == NULL)
		return NULL;
	text = sx_arena_strndup(a, data, *len);
	free(data);
	if (text == NULL)
		errno = ENOMEM;
	return text;
}

/* Which section a line marks: 1 up, 2 down, 0 neither. Accepts
 * "-- migrate:up" with any spacing after the dashes and trailing blanks. */
static int
section_marker(const char *line, size_t len)
{
	size_t i = 0, wlen;

	if (len < 2 || line[0] != '-' || line[1] != '-')
		return 0;
	for (i = 2; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (len - i >= 10 && strncmp(line + i, "migrate:up", 10) == 0)
		wlen = 10;
	else if (len - i >= 12 && strncmp(line + i, "migrate:down", 12) == 0)
		wlen = 12;
	else
		return 0;
	for (size_t j = i + wlen; j < len; j++)
		if (!isspace((unsigned char)line[j]))
			return 0;
	return wlen == 10 ? 1 : 2;
}

/* True when text holds only blanks and "--" comment lines. */
static bool
only_comments(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (isspace((unsigned char)text[i]))
			i++;
		else if (text[i] == '-' && i + 1 < len && text[i + 1] == '-') {
			while (i < len && text[i] != '\n')
				i++;
		} else
			return false;
	}
	return true;
}

/* Cuts the file text into its up and down sections (in place). */
static sx_db_err
split_sections(sx_mig *m, char *text, char *err, size_t errlen)
{
	char *up = NULL, *down = NULL, *p = text;
	unsigned line = 1;

	while (*p != '\0') {
		char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		int kind = section_marker(p, len);

		if (kind == 1 && up == NULL) {
			if (!only_comments(text, (size_t)(p - text))) {
				snprintf(err, errlen, "%s: SQL before the \"-- migrate:up\" "
				    "line (put it in the up section)", m->path);
				return SX_DB_ERR_SQL;
			}
			up = eol ? eol + 1 : p + len;
			m->up_line = line + 1;
		} else if (kind == 2 && up != NULL && down == NULL) {
			*p = '\0';	/* ends the up section */
			down = eol ? eol + 1 : p + len;
			m->down_line = line + 1;
		} else if (kind != 0) {
			snprintf(err, errlen, "%s:%u: unexpected \"%.*s\" (a file has "
			    "one \"-- migrate:up\" line, then one \"-- migrate:down\" line)",
			    m->path, line, (int)len, p);
			return SX_DB_ERR_SQL;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
		line++;
	}
	if (up == NULL) {
		snprintf(err, errlen, "%s: no \"-- migrate:up\" line (a migration "
		    "has an up section and a down section, each after its marker line)",
		    m->path);
		return SX_DB_ERR_SQL;
	}
	m->up = up;
	m->down = down ? down : "";
	return SX_DB_OK;
}

/* The dialect a file name's suffix asks for. */
typedef enum file_kind {
	FILE_GENERIC,
	FILE_SQLITE,
	FILE_POSTGRES,
	FILE_OTHER,	/* not a .sql file: ignored */
	FILE_KIND__MAX
} file_kind;

/*
 * Parses "0001_create_users.sqlite.sql": number, description, kind.
 * Returns FILE_OTHER for names that are not .sql files, or -1 (with err)
 * for a .sql file whose name does not follow the pattern.
 */
static int
parse_name(sx_arena *a, const char *dir, const char *name, long *number,
    const char **desc, char *err, size_t errlen)
{
	static const char *const suffixes[FILE_OTHER] = {
		".sql", ".sqlite.sql", ".postgres.sql"
	};
	size_t len = strlen(name), slen = 0, i;
	int kind = FILE_OTHER;
	char *end;

	if (len < 4 || strcmp(name + len - 4, ".sql") != 0)
		return FILE_OTHER;
	for (int k = FILE_POSTGRES; k >= FILE_GENERIC; k--) {
		size_t l = strlen(suffixes[k]);

		if (len > l && strcmp(name + len - l, suffixes[k]) == 0) {
			kind = k, slen = l;
			break;
		}
	}
	errno = 0;
	*number = isdigit((unsigned char)name[0]) ? strtol(name, &end, 10) : -1;
	if (*number < 0 || errno != 0 || *end != '_') {
		snprintf(err, errlen, "%s/%s: a migration's name starts with its "
		    "number and '_' (rename it like 0001_create_users.sql)", dir, name);
		return -1;
	}
	for (i = (size_t)(end - name) + 1; i < len - slen; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-') {
			snprintf(err, errlen, "%s/%s: unexpected '%c' in the name (use "
			    "letters, digits and '_'; dialect files end in .sqlite.sql "
			    "or .postgres.sql)", dir, name, name[i]);
			return -1;
		}
	*desc = sx_arena_strndup(a, end + 1, len - slen - (size_t)(end - name) - 1);
	return kind;
}

/* Adds a plan entry; grows the array in the arena. */
static sx_mig *
plan_push(sx_mig_plan *plan, size_t *cap)
{
	if (plan->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		sx_mig *grown = sx_arena_alloc(plan->arena, ncap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		if (plan->n > 0)
			memcpy(grown, plan->m, plan->n * sizeof(*grown));
		plan->m = grown;
		*cap = ncap;
	}
	memset(&plan->m[plan->n], 0, sizeof(sx_mig));
	return &plan->m[plan->n++];
}

static int
cmp_mig(const void *x, const void *y)
{
	const sx_mig *a = x, *b = y;

	return (a->number > b->number) - (a->number < b->number);
}

/*
 * Reads one folder's files (or the files ext carries in memory, when it
 * does; dir then only names them in messages) for dialect d onto the end of
 * the plan, sorted by number. prefix is "" for the app, "ext_NAME_" for an
 * extension.
 */
/* Where a plan's file names come from: a folder, or the files an
 * extension carries in memory. */
typedef struct name_source {
	DIR *dh;
	const sx_migrate_file *files;
	size_t n, next;
} name_source;

/* The next file name of src, or NULL after the last. */
static const char *
next_name(name_source *src)
{
	struct dirent *e;

	if (src->dh == NULL)
		return src->next < src->n ? src->files[src->next++].name : NULL;
	while ((e = readdir(src->dh)) != NULL)
		if (e->d_name[0] != '.')
			return e->d_name;
	return NULL;
}

static void
source_close(name_source *src)
{
	if (src->dh != NULL)
		closedir(src->dh);
	src->dh = NULL;
}

/* The in-memory text of the file called name, or NULL for a folder. */
static const char *
source_text(const name_source *src, const char *name)
{
	for (size_t i = 0; src->dh == NULL && i < src->n; i++)
		if (strcmp(src->files[i].name, name) == 0)
			return src->files[i].text;
	return NULL;
}

static sx_db_err
load_dir(sx_mig_plan *plan, size_t *cap, const sx_migrate_ext *ext,
    const char *dir, const char *prefix, sx_db_dialect d, bool must_exist,
    char *err, size_t errlen)
{
	const file_kind mine = d == SX_DB_SQLITE ? FILE_SQLITE : FILE_POSTGRES;
	size_t first = plan->n;
	const char *name;
	name_source src = { 0 };

	if (ext != NULL && ext->files != NULL) {
		src.files = ext->files;
		src.n = ext->n_files;
	} else if ((src.dh = opendir(dir)) == NULL) {
		if (errno == ENOENT && !must_exist)
			return SX_DB_OK;
		snprintf(err, errlen, "migrations folder %s: %s (pass --dir DIR or "
		    "create it)", dir, strerror(errno));
		return SX_DB_ERR_SQL;
	}
	while ((name = next_name(&src)) != NULL) {
		const char *desc = NULL;
		long number;
		int kind;
		sx_mig *m = NULL;

		kind = parse_name(plan->arena, dir, name, &number, &desc,
		    err, errlen);
		if (kind < 0) {
			source_close(&src);
			return SX_DB_ERR_SQL;
		}
		if (kind == FILE_OTHER || (kind != FILE_GENERIC && kind != (int)mine))
			continue;
		for (size_t i = first; i < plan->n; i++)
			if (plan->m[i].number == number) {
				m = &plan->m[i];
				break;
			}
		if (m != NULL) {
			bool m_generic = strstr(m->file, ".sqlite.sql") == NULL &&
			    strstr(m->file, ".postgres.sql") == NULL;

			if (m_generic == (kind == FILE_GENERIC)) {
				snprintf(err, errlen, "%s: version %04ld is in two files, "
				    "%s and %s (renumber one)", dir, number, m->file,
				    name);
				source_close(&src);
				return SX_DB_ERR_SQL;
			}
			if (kind == FILE_GENERIC)
				continue;	/* the dialect's own file wins */
		} else if ((m = plan_push(plan, cap)) == NULL) {
			source_close(&src);
			return SX_DB_ERR_NOMEM;
		}
		m->number = number;
		m->description = desc;
		m->file = sx_arena_strdup(plan->arena, name);
		m->path = sx_arena_printf(plan->arena, "%s/%s", dir, name);
		m->version = sx_arena_printf(plan->arena, "%s%04ld", prefix, number);
		if (m->file == NULL || m->path == NULL || m->version == NULL) {
			source_close(&src);
			return SX_DB_ERR_NOMEM;
		}
	}
	source_close(&src);
	if (plan->n > first)
		qsort(plan->m + first, plan->n - first, sizeof(sx_mig), cmp_mig);
	for (size_t i = first; i < plan->n; i++) {
		sx_mig *m = &plan->m[i];
		const char *mem = source_text(&src, m->file);
		size_t len = mem != NULL ? strlen(mem) : 0;
		char *text = mem != NULL ? sx_arena_strndup(plan->arena, mem, len) :
		    read_whole(plan->arena, m->path, &len);
		sx_db_err rc;

		if (text == NULL) {
			snprintf(err, errlen, "%s: cannot read (%s)", m->path,
			    strerror(errno));
			return SX_DB_ERR_SQL;
		}
		sx_mig_sha256_hex(text, len, m->checksum);
		if ((rc = split_sections(m, text, err, errlen)) != SX_DB_OK)
			return rc;
	}
	return SX_DB_OK;
}

sx_db_err
sx_mig_plan_load(sx_mig_plan *plan, const sx_migrate_opts *o, sx_db_dialect d,
    char *err, size_t errlen)
{
	size_t cap = 0;
	sx_db_err rc;

	memset(plan, 0, sizeof(*plan));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return SX_DB_ERR_NOMEM;
	}
	if ((plan->arena = sx_arena_new(16384)) == NULL)
		return SX_DB_ERR_NOMEM;
	for (size_t i = 0; i < o->n_exts; i++) {
		const char *prefix = sx_arena_printf(plan->arena, "ext_%s_",
		    o->exts[i].name);

		if (prefix == NULL)
			return SX_DB_ERR_NOMEM;
		rc = load_dir(plan, &cap, &o->exts[i], o->exts[i].dir, prefix, d,
		    true, err, errlen);
		if (rc != SX_DB_OK)
			return rc;
	}
	return load_dir(plan, &cap, NULL, o->dir ? o->dir : "migrations", "",
	    d, false, err, errlen);
}

void
sx_mig_plan_free(sx_mig_plan *plan)
{
	sx_arena_free(plan->arena);
	memset(plan, 0, sizeof(*plan));
}

long
sx_mig_plan_find(const sx_mig_plan *plan, const char *v)
{
	for (size_t i = 0; i < plan->n; i++)
		if (strcmp(plan->m[i].version, v) == 0)
			return (long)i;
	return -1;
}

/* Turns a message into a file-name slug: lower-case letters, digits, '_'. */
static int
slugify(sx_buf *b, const char *message)
{
	bool sep = false;

	for (const char *p = message; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p)) {
			if (sep && b->len > 0 && sx_buf_putc(b, '_') < 0)
				return -1;
			sep = false;
			if (sx_buf_putc(b, (char)tolower((unsigned char)*p)) < 0)
				return -1;
		} else
			sep = true;
		if (b->len >= 60)
			break;
	}
	return 0;
}

sx_db_err
sx_migrate_new_file(const char *dir, const char *message, char **path,
    char *err, size_t errlen)
{
	static const char body[] =
	    "-- migrate:up\n\n-- migrate:down\n";
	sx_buf slug = SX_BUF_INIT;
	long next = 1;
	struct dirent *e;
	DIR *dh;
	int fd;
	char *p;

	*path = NULL;
	if (dir == NULL)
		dir = "migrations";
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the migrations folder %s (%s)",
		    dir, strerror(errno));
		return SX_DB_ERR_SQL;
	}
	if ((dh = opendir(dir)) == NULL) {
		snprintf(err, errlen, "migrations folder %s: %s", dir, strerror(errno));
		return SX_DB_ERR_SQL;
	}
	while ((e = readdir(dh)) != NULL) {
		char *end;
		long v;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		v = strtol(e->d_name, &end, 10);
		if (*end == '_' && v >= next && v < LONG_MAX)
			next = v + 1;
	}
	closedir(dh);
	if (slugify(&slug, message ? message : "") < 0)
		return SX_DB_ERR_NOMEM;
	if (slug.len == 0) {
		sx_buf_free(&slug);
		snprintf(err, errlen, "the message names the migration: give one "
		    "with letters or digits (-m \"create users\")");
		return SX_DB_ERR_SQL;
	}
	{
		sx_buf pb = SX_BUF_INIT;

		if (sx_buf_printf(&pb, "%s/%04ld_%s.sql", dir, next, slug.data) < 0) {
			sx_buf_free(&slug);
			return SX_DB_ERR_NOMEM;
		}
		p = sx_buf_steal(&pb);
	}
	sx_buf_free(&slug);
	/* O_EXCL: two make-migration runs never overwrite each other's file. */
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || write(fd, body, sizeof(body) - 1) != (ssize_t)(sizeof(body) - 1)) {
		snprintf(err, errlen, "cannot write %s (%s)", p, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(p);
		return SX_DB_ERR_SQL;
	}
	close(fd);
	*path = p;
	return SX_DB_OK;
}
