/*
 * dbconfig.c: an app's databases as configured, checked before anything is
 * opened. Code gives the databases and their keys; the --config file and
 * the command line change their settings (see dbset.h for the layers and
 * the file's shape). Every mistake that can be seen here stops start-up
 * with one line naming the database, the key or the route, and the fix.
 */
#include "dbset.h"
#include "defaults.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const sx_commit_modes[SX_COMMIT__MAX] = {
	[SX_COMMIT_MANUAL] = "manual",
	[SX_COMMIT_AUTO] = "autocommit",
	[SX_COMMIT_AUTO_REDIRECT] = "autocommit_include_redirect",
};
const char *const sx_dbkeys[SX_DBKEY__MAX] = {
	[SX_DBKEY_SESSION] = "session",
	[SX_DBKEY_CONNECTION] = "connection",
	[SX_DBKEY_POOL] = "pool",
};
static const char *const default_keys[SX_DBKEY__MAX] = {
	[SX_DBKEY_SESSION] = SX_DEFAULT_SESSION_KEY,
	[SX_DBKEY_CONNECTION] = SX_DEFAULT_CONNECTION_KEY,
	[SX_DBKEY_POOL] = SX_DEFAULT_POOL_KEY,
};

/* Fields a database may have in the config file. */
static const char *const file_fields[] = {
	"url", "commit_mode", "pool_size", "stmt_cache_size",
	"extra_commit_statuses", "extra_rollback_statuses", "migrations_dir",
	"busy_timeout_ms", "acquire_timeout_ms", "statement_timeout_ms",
	"lock_timeout_ms",
};

#define ENV_PREFIX "SX_DATABASE_"
#define ENV_URL "SX_DATABASE_URL"

extern char **environ;

static void
fail(char *err, size_t errlen, const char *fmt, ...) SX_PRINTF(3, 4);

static void
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
sx_dbset_find(const struct sx_dbset *dbs, const char *key, sx_dbkey *kind)
{
	for (size_t i = 0; dbs != NULL && i < dbs->n; i++)
		for (int k = 0; k < SX_DBKEY__MAX; k++)
			if (strcmp(dbs->conf[i].keys[k], key) == 0) {
				if (kind != NULL)
					*kind = (sx_dbkey)k;
				return (int)i;
			}
	return -1;
}

/* "db_session, db_connection, db_pool" (or "none"), in the set's arena. */
static const char *
known_keys(const struct sx_dbset *dbs)
{
	sx_buf b = SX_BUF_INIT;
	const char *s;

	for (size_t i = 0; i < dbs->n; i++)
		for (int k = 0; k < SX_DBKEY__MAX; k++)
			sx_buf_printf(&b, "%s%s", b.len ? ", " : "",
			    dbs->conf[i].keys[k]);
	s = sx_arena_strdup(dbs->arena, b.data != NULL ? b.data : "none");
	sx_buf_free(&b);
	return s != NULL ? s : "?";
}

/* Parses a commit mode name; -1 when it is none of them. */
static int
parse_mode(const char *s)
{
	for (int m = 0; m < SX_COMMIT__MAX; m++)
		if (strcmp(s, sx_commit_modes[m]) == 0)
			return m;
	return -1;
}

static int
bad_mode(const sx_dbconf *db, const char *mode, const char *where, char *err,
    size_t errlen)
{
	fail(err, errlen, "database \"%s\": unknown commit mode \"%s\" in %s "
	    "(valid: %s, %s, %s)", db->keys[SX_DBKEY_SESSION], mode, where,
	    sx_commit_modes[0], sx_commit_modes[1], sx_commit_modes[2]);
	return -1;
}

/* Copies a 0-terminated status list from code into the arena. */
static int
copy_statuses(sx_arena *a, const int *src, int **out, size_t *n)
{
	size_t len = 0;

	while (src != NULL && src[len] != 0)
		len++;
	*n = len;
	*out = NULL;
	if (len == 0)
		return 0;
	if ((*out = sx_arena_alloc(a, len * sizeof(int))) == NULL)
		return -1;
	memcpy(*out, src, len * sizeof(int));
	return 0;
}

/* Layer 1: the app's code. */
static int
conf_from_code(struct sx_dbset *dbs, const sx_database *src, sx_dbconf *db,
    char *err, size_t errlen)
{
	const char *keys[SX_DBKEY__MAX] = {
		src->session_key, src->connection_key, src->pool_key,
	};

	for (int k = 0; k < SX_DBKEY__MAX; k++)
		db->keys[k] = keys[k] != NULL && *keys[k] != '\0' ? keys[k] :
		    default_keys[k];
	db->url = src->url;
	if ((int)src->commit_mode < 0 || src->commit_mode >= SX_COMMIT__MAX) {
		fail(err, errlen, "database \"%s\": commit_mode %d in the app's "
		    "code is not an sx_commit_mode (use SX_COMMIT_MANUAL, "
		    "SX_COMMIT_AUTO or SX_COMMIT_AUTO_REDIRECT)",
		    db->keys[SX_DBKEY_SESSION], (int)src->commit_mode);
		return -1;
	}
	db->mode = src->commit_mode;
	db->pool_size = src->pool_size;
	db->stmt_cache_size = src->stmt_cache_size;
	db->migrations_dir = src->migrations_dir != NULL ?
	    src->migrations_dir : SX_DEFAULT_MIGRATIONS_DIR;
	if (copy_statuses(dbs->arena, src->extra_commit_statuses,
	    &db->commit_extra, &db->n_commit_extra) < 0 ||
	    copy_statuses(dbs->arena, src->extra_rollback_statuses,
	    &db->rollback_extra, &db->n_rollback_extra) < 0) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* A JSON array of status codes from the config file into the arena. */
static int
file_statuses(struct sx_dbset *dbs, const sx_dbconf *db, const cJSON *arr,
    const char *field, int **out, size_t *n, char *err, size_t errlen)
{
	const cJSON *v;
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		goto bad;
	*n = (size_t)cJSON_GetArraySize(arr);
	*out = *n ? sx_arena_alloc(dbs->arena, *n * sizeof(int)) : NULL;
	if (*n && *out == NULL) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)v->valueint)
			goto bad;
		(*out)[i++] = v->valueint;
	}
	return 0;
bad:
	fail(err, errlen, "config file: databases.%s.%s must be an array of "
	    "HTTP status codes, e.g. [418]", db->keys[SX_DBKEY_SESSION], field);
	return -1;
}

/* Reads an integer field; 0 when absent, -1 after a message when not an
 * integer >= min. */
static int
file_int(const sx_dbconf *db, const cJSON *o, const char *field, int min,
    int *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)v->valueint ||
	    v->valueint < min) {
		fail(err, errlen, "config file: databases.%s.%s must be an "
		    "integer of at least %d", db->keys[SX_DBKEY_SESSION], field,
		    min);
		return -1;
	}
	*out = v->valueint;
	return 0;
}

static int
file_string(const sx_dbconf *db, const cJSON *o, const char *field,
    const char **out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || *v->valuestring == '\0') {
		fail(err, errlen, "config file: databases.%s.%s must be a "
		    "non-empty string", db->keys[SX_DBKEY_SESSION], field);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

/* Rejects fields the file may not set for a database (a typo would
 * otherwise be ignored silently). */
static int
file_check_fields(const sx_dbconf *db, const cJSON *o, char *err, size_t errlen)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, o) {
		size_t f;

		for (f = 0; f < SX_NELEM(file_fields); f++)
			if (strcmp(v->string, file_fields[f]) == 0)
				break;
		if (f == SX_NELEM(file_fields)) {
			fail(err, errlen, "config file: databases.%s has no "
			    "setting \"%s\" (known: url, commit_mode, pool_size, "
			    "stmt_cache_size, extra_commit_statuses, "
			    "extra_rollback_statuses, migrations_dir, "
			    "busy_timeout_ms, acquire_timeout_ms, "
			    "statement_timeout_ms, lock_timeout_ms)",
			    db->keys[SX_DBKEY_SESSION], v->string);
			return -1;
		}
	}
	return 0;
}

/* Layer 2: one database's entry of the config file. */
static int
conf_from_file_entry(struct sx_dbset *dbs, sx_dbconf *db, const cJSON *o,
    char *err, size_t errlen)
{
	const char *mode = NULL;
	const cJSON *v;

	if (!cJSON_IsObject(o)) {
		fail(err, errlen, "config file: databases.%s must be an object "
		    "such as {\"url\": \"sqlite:app.db\"}", o->string);
		return -1;
	}
	if (file_check_fields(db, o, err, errlen) < 0 ||
	    file_string(db, o, "url", &db->url, err, errlen) < 0 ||
	    file_string(db, o, "migrations_dir", &db->migrations_dir, err,
	    errlen) < 0 ||
	    file_string(db, o, "commit_mode", &mode, err, errlen) < 0 ||
	    file_int(db, o, "pool_size", 1, &db->pool_size, err, errlen) < 0 ||
	    file_int(db, o, "stmt_cache_size", -1, &db->stmt_cache_size, err,
	    errlen) < 0 ||
	    file_int(db, o, "busy_timeout_ms", 1, &db->busy_timeout_ms, err,
	    errlen) < 0 ||
	    file_int(db, o, "acquire_timeout_ms", 1, &db->acquire_timeout_ms,
	    err, errlen) < 0 ||
	    file_int(db, o, "statement_timeout_ms", -1,
	    &db->statement_timeout_ms, err, errlen) < 0 ||
	    file_int(db, o, "lock_timeout_ms", -1, &db->lock_timeout_ms, err,
	    errlen) < 0)
		return -1;
	if (mode != NULL) {
		int m = parse_mode(mode);

		if (m < 0)
			return bad_mode(db, mode, "the config file", err, errlen);
		db->mode = (sx_commit_mode)m;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "extra_commit_statuses")) &&
	    file_statuses(dbs, db, v, "extra_commit_statuses",
	    &db->commit_extra, &db->n_commit_extra, err, errlen) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "extra_rollback_statuses")) &&
	    file_statuses(dbs, db, v, "extra_rollback_statuses",
	    &db->rollback_extra, &db->n_rollback_extra, err, errlen) < 0)
		return -1;
	return 0;
}

static int
conf_from_file(struct sx_dbset *dbs, const cJSON *root, char *err,
    size_t errlen)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(root, "databases");
	const cJSON *entry;

	if (all == NULL)
		return 0;
	if (!cJSON_IsObject(all)) {
		fail(err, errlen, "config file: \"databases\" must be an object "
		    "keyed by a database's key, e.g. {\"db_session\": "
		    "{\"url\": \"sqlite:app.db\"}}");
		return -1;
	}
	cJSON_ArrayForEach(entry, all) {
		int i = sx_dbset_find(dbs, entry->string, NULL);

		if (i < 0) {
			fail(err, errlen, "config file: databases.%s: no database "
			    "has the key \"%s\" (known: %s)", entry->string,
			    entry->string, known_keys(dbs));
			return -1;
		}
		if (conf_from_file_entry(dbs, &dbs->conf[i], entry, err,
		    errlen) < 0)
			return -1;
	}
	return 0;
}

/* The environment variable for key: SX_DATABASE_ and the key upper-cased,
 * any character but a letter or digit as '_' ("db_session" ->
 * SX_DATABASE_DB_SESSION). */
static const char *
env_name(sx_arena *a, const char *key)
{
	char *name = sx_arena_printf(a, "%s%s", ENV_PREFIX, key);

	for (char *p = name ? name + strlen(ENV_PREFIX) : NULL; p && *p; p++)
		*p = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') :
		    ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ?
		    *p : '_';
	return name;
}

/* Sets db's URL from environment variable name when it is set. */
static int
env_url(struct sx_dbset *dbs, sx_dbconf *db, const char *name, char *err,
    size_t errlen)
{
	const char *v = getenv(name);

	if (v == NULL)
		return 0;
	if (*v == '\0') {
		fail(err, errlen, "environment: %s is empty (give it a database "
		    "URL, or unset it)", name);
		return -1;
	}
	db->url = sx_arena_strdup(dbs->arena, v);
	return 0;
}

/* Every SX_DATABASE_* variable names the first database (_URL) or a key,
 * so that a misspelt one is not ignored. */
static int
env_check_names(struct sx_dbset *dbs, char *err, size_t errlen)
{
	for (char **e = environ; *e != NULL; e++) {
		size_t len = strcspn(*e, "=");
		bool known = strncmp(*e, ENV_PREFIX, strlen(ENV_PREFIX)) != 0 ||
		    (len == strlen(ENV_URL) && strncmp(*e, ENV_URL, len) == 0);

		for (size_t i = 0; !known && i < dbs->n; i++)
			for (int k = 0; k < SX_DBKEY__MAX; k++) {
				const char *n = env_name(dbs->arena,
				    dbs->conf[i].keys[k]);

				known |= n != NULL && strlen(n) == len &&
				    strncmp(*e, n, len) == 0;
			}
		if (!known) {
			fail(err, errlen, "environment: %.*s names no database "
			    "(use %s, or %s and a key upper-cased; keys: %s)",
			    (int)len, *e, ENV_URL, ENV_PREFIX, known_keys(dbs));
			return -1;
		}
	}
	return 0;
}

/* Layer 3: the environment. SX_DATABASE_URL is the first database's URL;
 * SX_DATABASE_<KEY> the URL of the database with that key (any of its
 * three), and wins over SX_DATABASE_URL. */
static int
conf_from_env(struct sx_dbset *dbs, char *err, size_t errlen)
{
	if (dbs->n == 0)
		return 0;
	if (env_check_names(dbs, err, errlen) < 0 ||
	    env_url(dbs, &dbs->conf[0], ENV_URL, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < dbs->n; i++)
		for (int k = 0; k < SX_DBKEY__MAX; k++)
			if (env_url(dbs, &dbs->conf[i], env_name(dbs->arena,
			    dbs->conf[i].keys[k]), err, errlen) < 0)
				return -1;
	return 0;
}

/* Layer 4: --database KEY=URL and --commit-mode KEY=MODE. */
static int
conf_from_command_line(struct sx_dbset *dbs, const sx_config *cfg, char *err,
    size_t errlen)
{
	for (size_t j = 0; j < cfg->n_db_urls + cfg->n_commit_modes; j++) {
		bool is_url = j < cfg->n_db_urls;
		const sx_override *o = is_url ? &cfg->db_urls[j] :
		    &cfg->commit_modes[j - cfg->n_db_urls];
		const char *opt = is_url ? "--database" : "--commit-mode";
		int i = sx_dbset_find(dbs, o->key, NULL), m;

		if (i < 0) {
			fail(err, errlen, "%s %s=%s: no database has the key "
			    "\"%s\" (known: %s)", opt, o->key, o->value, o->key,
			    known_keys(dbs));
			return -1;
		}
		if (is_url) {
			dbs->conf[i].url = o->value;
			continue;
		}
		if ((m = parse_mode(o->value)) < 0)
			return bad_mode(&dbs->conf[i], o->value, "--commit-mode",
			    err, errlen);
		dbs->conf[i].mode = (sx_commit_mode)m;
	}
	return 0;
}

/* No key may name two things: across databases and within one. */
static int
check_keys_unique(const struct sx_dbset *dbs, char *err, size_t errlen)
{
	for (size_t i = 0; i < dbs->n; i++)
		for (int k = 0; k < SX_DBKEY__MAX; k++)
			for (size_t j = i; j < dbs->n; j++)
				for (int l = (j == i ? k + 1 : 0); l < SX_DBKEY__MAX; l++) {
					if (strcmp(dbs->conf[i].keys[k],
					    dbs->conf[j].keys[l]) != 0)
						continue;
					fail(err, errlen, "key \"%s\" is used twice: "
					    "as the %s key of database #%zu and the "
					    "%s key of database #%zu (give each "
					    "database its own session_key, "
					    "connection_key and pool_key)",
					    dbs->conf[i].keys[k], sx_dbkeys[k], i + 1,
					    sx_dbkeys[l], j + 1);
					return -1;
				}
	return 0;
}

/* Status lists: real HTTP statuses, none in both lists. */
static int
check_statuses(const sx_dbconf *db, char *err, size_t errlen)
{
	const int *lists[2] = { db->commit_extra, db->rollback_extra };
	const size_t lens[2] = { db->n_commit_extra, db->n_rollback_extra };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lens[l]; i++)
			if (lists[l][i] < 100 || lists[l][i] > 599) {
				fail(err, errlen, "database \"%s\": %d in %s is "
				    "not an HTTP status (100-599)",
				    db->keys[SX_DBKEY_SESSION], lists[l][i],
				    l == 0 ? "extra_commit_statuses" :
				    "extra_rollback_statuses");
				return -1;
			}
	for (size_t i = 0; i < lens[0]; i++)
		for (size_t j = 0; j < lens[1]; j++)
			if (lists[0][i] == lists[1][j]) {
				fail(err, errlen, "database \"%s\": status %d is in "
				    "both extra_commit_statuses and "
				    "extra_rollback_statuses (keep it in one)",
				    db->keys[SX_DBKEY_SESSION], lists[0][i]);
				return -1;
			}
	return 0;
}

/* True when key is the one the sessions extension provides, the form flag
 * it serves, or the write flag (transaction.c). */
static bool
is_session_key(const sx_app *app, const char *key)
{
	const char *mine = sx_sessions_key(app);

	/* the form flag without sessions is refused by sx_sessions_open,
	 * with a message that says so */
	return strcmp(key, SX_FORM_ROUTE) == 0 ||
	    strcmp(key, SX_WRITE_ROUTE) == 0 ||
	    (mine != NULL && strcmp(mine, key) == 0);
}

/* Every key a route declares must be provided by a database or, for the
 * session key, by the sessions extension. */
static int
check_routes(const struct sx_dbset *dbs, const sx_app *app, char *err,
    size_t errlen)
{
	for (size_t r = 0; r < app->n_routes; r++) {
		const sx_route *rt = &app->routes[r];

		for (const char *const *d = rt->deps; d != NULL && *d != NULL; d++)
			if (sx_dbset_find(dbs, *d, NULL) < 0 &&
			    !is_session_key(app, *d)) {
				fail(err, errlen, "route %s %s: dependency \"%s\" "
				    "is not provided by any database (known: %s)",
				    (unsigned)rt->method < SX_METHOD__MAX ?
				    sx_methods[rt->method] : "?", rt->pattern, *d,
				    known_keys(dbs));
				return -1;
			}
	}
	return 0;
}

/* Every database's URL is set, and with --migrate its migrations folder
 * exists. */
static int
check_ready(const struct sx_dbset *dbs, const sx_config *cfg, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < dbs->n; i++) {
		const sx_dbconf *db = &dbs->conf[i];

		if (db->url == NULL || *db->url == '\0') {
			fail(err, errlen, "database \"%s\": no URL (set .url in "
			    "the code, \"url\" in the config file, or use "
			    "--database %s=URL)", db->keys[SX_DBKEY_SESSION],
			    db->keys[SX_DBKEY_SESSION]);
			return -1;
		}
		if (cfg->auto_migrate &&
		    sx_dbconf_migrations_check(db, NULL, err, errlen) < 0)
			return -1;
	}
	return 0;
}

struct sx_dbset *
sx_dbset_configure(const sx_app *app, const sx_config *cfg, char *err,
    size_t errlen)
{
	return sx_dbset_configure_settings(app, cfg, SX_DBSET_CHECK_READY, err,
	    errlen);
}

struct sx_dbset *
sx_dbset_configure_settings(const sx_app *app, const sx_config *cfg,
    sx_dbset_check check, char *err, size_t errlen)
{
	struct sx_dbset *dbs = calloc(1, sizeof(*dbs));

	if (dbs == NULL || (dbs->arena = sx_arena_new(4096)) == NULL)
		goto nomem;
	dbs->n = app->n_databases;
	if (dbs->n > 0 &&
	    ((dbs->conf = sx_arena_alloc(dbs->arena, dbs->n * sizeof(sx_dbconf))) == NULL ||
	    (dbs->pools = sx_arena_alloc(dbs->arena, dbs->n * sizeof(sx_db_pool *))) == NULL))
		goto nomem;
	for (size_t i = 0; i < dbs->n; i++) {
		memset(&dbs->conf[i], 0, sizeof(dbs->conf[i]));
		dbs->pools[i] = NULL;
		if (conf_from_code(dbs, &app->databases[i], &dbs->conf[i], err,
		    errlen) < 0)
			goto fail;
	}
	/* Keys first: the file and command line find databases by them. */
	if (check_keys_unique(dbs, err, errlen) < 0 ||
	    (cfg->config_json != NULL &&
	    conf_from_file(dbs, cfg->config_json, err, errlen) < 0) ||
	    conf_from_env(dbs, err, errlen) < 0 ||
	    conf_from_command_line(dbs, cfg, err, errlen) < 0)
		goto fail;
	if (check == SX_DBSET_CHECK_READY && check_ready(dbs, cfg, err,
	    errlen) < 0)
		goto fail;
	for (size_t i = 0; i < dbs->n; i++) {
		if (check_statuses(&dbs->conf[i], err, errlen) < 0)
			goto fail;
		/* The file's and command line's strings belong to cfg, which
		 * may go before the set does. */
		if ((dbs->conf[i].url != NULL && (dbs->conf[i].url =
		    sx_arena_strdup(dbs->arena, dbs->conf[i].url)) == NULL) ||
		    (dbs->conf[i].migrations_dir = sx_arena_strdup(dbs->arena,
		    dbs->conf[i].migrations_dir)) == NULL)
			goto nomem;
	}
	if (check_routes(dbs, app, err, errlen) < 0)
		goto fail;
	return dbs;
nomem:
	fail(err, errlen, "out of memory");
fail:
	if (dbs != NULL)
		sx_arena_free(dbs->arena);
	free(dbs);
	return NULL;
}

const char *
sx_path_absolute(const char *dir, char *buf, size_t len)
{
	char cwd[4096];

	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(buf, len, "%s", dir);
	else
		snprintf(buf, len, "%s/%s", cwd, dir);
	return buf;
}

sx_db_options
sx_dbconf_conn_options(const sx_dbconf *db)
{
	sx_db_options o = {
		.stmt_cache_size = db->stmt_cache_size,
		.busy_timeout_ms = db->busy_timeout_ms,
		.statement_timeout_ms = db->statement_timeout_ms,
		.lock_timeout_ms = db->lock_timeout_ms,
	};

	return o;
}

const char *
sx_dbconf_migrations_dir(const sx_dbconf *db, const char *dir, char *buf,
    size_t len)
{
	return sx_path_absolute(dir != NULL ? dir : db->migrations_dir, buf, len);
}

int
sx_dbconf_migrations_check(const sx_dbconf *db, const char *dir, char *err,
    size_t errlen)
{
	char path[4096];
	struct stat st;

	bool missing;

	sx_dbconf_migrations_dir(db, dir, path, sizeof(path));
	missing = stat(path, &st) < 0;
	if (!missing && S_ISDIR(st.st_mode))
		return 0;
	fail(err, errlen, "database \"%s\": migrations folder %s %s (create it "
	    "with db make-migration, or point %s at the right folder)",
	    db->keys[SX_DBKEY_SESSION], path, !missing ? "is not a folder" :
	    errno == ENOENT || errno == ENOTDIR ? "does not exist" :
	    strerror(errno), dir != NULL ? "--dir" :
	    "the database's migrations_dir");
	return -1;
}

const char *
sx_dbset_redact_url(sx_arena *a, const char *url)
{
	size_t n = strlen(url) + 1;
	char *s = sx_arena_alloc(a, n);

	if (s == NULL)
		return "(url)";
	sx_db_redact(url, s, n);
	return s;
}
