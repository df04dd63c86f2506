/*
 * db.c: the `db` command every app has. It picks one of the app's
 * databases, opens it by URL, and runs the migration engine (db/migrate.c):
 *
 *	APP db upgrade [REV] [--dry-run] [--force]
 *	APP db downgrade [REV] [--dry-run] [--force]
 *	APP db current | history
 *	APP db stamp REV
 *	APP db make-migration -m MESSAGE
 *
 * The URL of a database comes from, in order: --database KEY=URL, the
 * --config file's {"databases": {"KEY": {"url": ...}}}, the app's
 * sx_database.url. KEY may be any of the database's keys.
 *
 * Exit statuses: 0 success, 1 failure, 2 usage error.
 */
#include "cli.h"
#include "sx_migrate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum db_sub {
	DB_UPGRADE,
	DB_DOWNGRADE,
	DB_CURRENT,
	DB_HISTORY,
	DB_STAMP,
	DB_MAKE_MIGRATION,
	DB_SUB__MAX
} db_sub;

static const char *const db_subs[DB_SUB__MAX] = {
	"upgrade", "downgrade", "current", "history", "stamp", "make-migration",
};

static const char db_usage[] =
    "usage: %s db COMMAND [REV] [options]\n"
    "Manages the schema of the app's databases with numbered migrations\n"
    "(NNNN_description.sql files with '-- migrate:up' and '-- migrate:down').\n\n"
    "Commands:\n"
    "  upgrade [REV]          apply pending migrations up to REV (default: all)\n"
    "  downgrade [REV]        revert down to REV (default: one step; \"base\": all)\n"
    "  current                print the database's version\n"
    "  history                list every migration, applied or pending\n"
    "  stamp REV              record REV as applied without running SQL\n"
    "  make-migration -m MSG  write the next numbered file with empty sections\n\n"
    "REV is a version (0002), a number (2), a file name, \"head\" or \"base\".\n\n"
    "Options:\n"
    "  --key KEY              which database, when the app has several\n"
    "                         (default: the first)\n"
    "  --dir DIR              migrations folder (default: the database's\n"
    "                         migrations_dir, else \"migrations\")\n"
    "  --dry-run              upgrade/downgrade: print the SQL, change nothing\n"
    "  --force                go on although an applied file changed\n"
    "  -m, --message MSG      make-migration: what the migration does\n"
    "  --database KEY=URL     the database's URL (sqlite:FILE, postgresql://...)\n"
    "  --config FILE          JSON settings: {\"databases\": {\"KEY\": {\"url\": ...}}}\n\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

/* What the command line asked for. */
typedef struct db_args {
	db_sub sub;
	const char *rev;
	const char *key;
	const char *dir;
	const char *message;
	bool dry_run, force;
} db_args;

static const char *const default_keys[3] = { "db_session", "db_connection", "db_pool" };

/* The keys a database answers to: its own, or the defaults when it has none. */
static void
database_keys(const sx_database *d, const char *keys[3])
{
	const bool none = d->session_key == NULL && d->connection_key == NULL &&
	    d->pool_key == NULL;

	keys[0] = none ? default_keys[0] : d->session_key;
	keys[1] = none ? default_keys[1] : d->connection_key;
	keys[2] = none ? default_keys[2] : d->pool_key;
}

static bool
database_has_key(const sx_database *d, const char *key)
{
	const char *keys[3];

	database_keys(d, keys);
	for (int i = 0; i < 3; i++)
		if (keys[i] != NULL && strcmp(keys[i], key) == 0)
			return true;
	return false;
}

/* The name we call a database by in messages: its first key. */
static const char *
database_name(const sx_database *d)
{
	const char *keys[3];

	database_keys(d, keys);
	for (int i = 0; i < 3; i++)
		if (keys[i] != NULL)
			return keys[i];
	return default_keys[0];
}

/* The database with key (the first when key is NULL), or NULL. */
static const sx_database *
find_database(const sx_app *app, const char *key)
{
	if (app->n_databases == 0)
		return NULL;
	if (key == NULL)
		return &app->databases[0];
	for (size_t i = 0; i < app->n_databases; i++)
		if (database_has_key(&app->databases[i], key))
			return &app->databases[i];
	return NULL;
}

/* The --database override for any key of d (or for key when d is NULL). */
static const char *
override_url(const sx_config *cfg, const sx_database *d, const char *key)
{
	for (size_t i = 0; i < cfg->n_db_urls; i++)
		if (d != NULL ? database_has_key(d, cfg->db_urls[i].key) :
		    key != NULL && strcmp(cfg->db_urls[i].key, key) == 0)
			return cfg->db_urls[i].value;
	return NULL;
}

/* The --config file's databases.KEY.url for any key of d. */
static const char *
config_url(const sx_config *cfg, const sx_database *d)
{
	const cJSON *dbs = cfg->config_json ?
	    cJSON_GetObjectItemCaseSensitive(cfg->config_json, "databases") : NULL;
	const cJSON *e;

	cJSON_ArrayForEach(e, dbs) {
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(e, "url");

		if (e->string != NULL && database_has_key(d, e->string) &&
		    cJSON_IsString(url))
			return url->valuestring;
	}
	return NULL;
}

/*
 * Picks the database (by --key, else the first) and its URL and migrations
 * folder. An app without databases can still be driven with --database
 * KEY=URL. Returns 0, or 1 after printing a one-line error.
 */
static int
pick_database(const sx_app *app, const sx_config *cfg, const db_args *a,
    const char **name, const char **url, const char **dir)
{
	const sx_database *d = NULL;

	if (app->n_databases == 0) {
		if (cfg->n_db_urls == 0) {
			fprintf(stderr, "db: this app declares no databases (add one to "
			    "sx_app.databases or pass --database KEY=URL)\n");
			return 1;
		}
		*name = a->key ? a->key : cfg->db_urls[0].key;
		if ((*url = override_url(cfg, NULL, *name)) == NULL) {
			fprintf(stderr, "db: no database \"%s\" (pass --database "
			    "%s=URL)\n", *name, *name);
			return 1;
		}
		*dir = a->dir ? a->dir : "migrations";
		return 0;
	}
	if ((d = find_database(app, a->key)) == NULL) {
		fprintf(stderr, "db: --key %s: the app has no such database (known:",
		    a->key);
		for (size_t i = 0; i < app->n_databases; i++)
			fprintf(stderr, "%s %s", i ? "," : "",
			    database_name(&app->databases[i]));
		fprintf(stderr, ")\n");
		return 1;
	}
	*name = database_name(d);
	if ((*url = override_url(cfg, d, NULL)) == NULL &&
	    (*url = config_url(cfg, d)) == NULL)
		*url = d->url;
	if (*url == NULL || **url == '\0') {
		fprintf(stderr, "db: database \"%s\" has no URL (set sx_database.url, "
		    "or pass --database %s=sqlite:app.db)\n", *name, *name);
		return 1;
	}
	*dir = a->dir ? a->dir : d->migrations_dir ? d->migrations_dir : "migrations";
	return 0;
}

/* Parses the arguments after "db". Returns -1 to go on, else an exit status. */
static int
parse_args(const sx_app *app, sx_config *cfg, int argc, char **argv, db_args *a)
{
	int i, used;

	memset(a, 0, sizeof(*a));
	a->sub = DB_SUB__MAX;
	for (i = 1; i < argc; i += used) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		used = 1;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			printf(db_usage, app->name);
			return 0;
		} else if (strcmp(arg, "--dry-run") == 0)
			a->dry_run = true;
		else if (strcmp(arg, "--force") == 0)
			a->force = true;
		else if (strcmp(arg, "--key") == 0 || strcmp(arg, "--dir") == 0 ||
		    strcmp(arg, "-m") == 0 || strcmp(arg, "--message") == 0) {
			if (val == NULL) {
				fprintf(stderr, "db: %s expects a value\n", arg);
				return 2;
			}
			*(arg[2] == 'k' ? &a->key : arg[2] == 'd' ? &a->dir :
			    &a->message) = val;
			used = 2;
		} else if ((used = sx_config_common_option(cfg, argc, argv, i)) < 0)
			return 2;
		else if (used > 0)
			continue;
		else if (arg[0] == '-' && arg[1] != '\0') {
			fprintf(stderr, "db: unknown option %s (see %s db --help)\n",
			    arg, app->name);
			return 2;
		} else if (a->sub == DB_SUB__MAX) {
			for (int s = 0; s < DB_SUB__MAX; s++)
				if (strcmp(arg, db_subs[s]) == 0)
					a->sub = (db_sub)s;
			if (a->sub == DB_SUB__MAX) {
				fprintf(stderr, "db: unknown command \"%s\" (see %s "
				    "db --help)\n", arg, app->name);
				return 2;
			}
			used = 1;
		} else if (a->rev == NULL && a->sub <= DB_DOWNGRADE) {
			a->rev = arg;
			used = 1;
		} else if (a->rev == NULL && a->sub == DB_STAMP) {
			a->rev = arg;
			used = 1;
		} else {
			fprintf(stderr, "db %s: unexpected argument \"%s\"\n",
			    db_subs[a->sub], arg);
			return 2;
		}
	}
	if (a->sub == DB_SUB__MAX) {
		fprintf(stderr, "db: expected a command\n");
		fprintf(stderr, db_usage, app->name);
		return 2;
	}
	if (a->sub == DB_STAMP && a->rev == NULL) {
		fprintf(stderr, "db stamp: expected a revision (e.g. %s db stamp head)\n",
		    app->name);
		return 2;
	}
	if (a->sub == DB_MAKE_MIGRATION && a->message == NULL) {
		fprintf(stderr, "db make-migration: expected -m MESSAGE "
		    "(e.g. -m \"create users\")\n");
		return 2;
	}
	if ((a->dry_run || a->force) && a->sub > DB_DOWNGRADE) {
		fprintf(stderr, "db %s: --dry-run and --force apply to upgrade and "
		    "downgrade only\n", db_subs[a->sub]);
		return 2;
	}
	return -1;
}

static void
print_current(const sx_migrate_status *st)
{
	const sx_migration_info *cur = NULL;

	for (size_t i = 0; i < st->n && st->current; i++)
		if (strcmp(st->items[i].version, st->current) == 0)
			cur = &st->items[i];
	if (cur == NULL)
		printf("base");
	else
		printf("%s %s", cur->version, cur->description);
	if (st->pending == 0)
		printf(" (head)\n");
	else
		printf(" (%zu pending: run db upgrade)\n", st->pending);
	for (size_t i = 0; i < st->n; i++)
		if (st->items[i].changed)
			printf("warning: %s changed after it was applied\n",
			    st->items[i].file);
}

static void
print_history(const sx_migrate_status *st)
{
	if (st->n == 0) {
		printf("no migrations (make one with db make-migration -m MESSAGE)\n");
		return;
	}
	for (size_t i = 0; i < st->n; i++) {
		const sx_migration_info *it = &st->items[i];

		printf("%s %-6s %-28s", st->current &&
		    strcmp(st->current, it->version) == 0 ? "*" : " ",
		    it->version, it->description);
		if (it->applied)
			printf(" applied %s (%" PRId64 " ms)", it->applied_at,
			    it->execution_ms);
		else
			printf(" pending");
		if (it->file == NULL)
			printf(" [file missing]");
		else if (it->changed)
			printf(" [file changed since]");
		printf("\n");
	}
}

/* Adds the migrations of the extensions the chosen database holds
 * (ext_sessions_NNNN, ...) to o. Returns 0, or -1 with a message. */
static int
extension_migrations(const sx_app *app, const db_args *a, sx_arena *arena,
    sx_migrate_ext *ext, sx_migrate_opts *o, char *err, size_t errlen)
{
	const sx_database *d = find_database(app, a->key);
	const char *keys[3];

	if (d == NULL)
		return 0;
	database_keys(d, keys);
	return sx_sessions_migrate_exts(app, (size_t)(d - app->databases), keys,
	    arena, ext, o, err, errlen);
}

/* Runs the chosen command on an open connection. Returns an exit status. */
static int
run_on(sx_db_conn *c, const db_args *a, const sx_migrate_opts *o)
{
	char err[2048];
	sx_migrate_status st;
	sx_db_err rc;

	switch (a->sub) {
	case DB_UPGRADE:
		rc = sx_migrate_upgrade(c, o, a->rev, err, sizeof(err));
		break;
	case DB_DOWNGRADE:
		rc = sx_migrate_downgrade(c, o, a->rev, err, sizeof(err));
		break;
	case DB_STAMP:
		rc = sx_migrate_stamp(c, o, a->rev, err, sizeof(err));
		break;
	default:
		if ((rc = sx_migrate_status_get(c, o, &st, err, sizeof(err))) == SX_DB_OK) {
			if (a->sub == DB_CURRENT)
				print_current(&st);
			else
				print_history(&st);
		}
		sx_migrate_status_free(&st);
		break;
	}
	if (rc != SX_DB_OK) {
		fprintf(stderr, "db %s: %s\n", db_subs[a->sub],
		    err[0] ? err : sx_db_strerror(rc));
		return 1;
	}
	return 0;
}

int
sx_cmd_db(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	const char *name = NULL, *url = NULL, *dir = NULL;
	sx_migrate_opts o = { 0 };
	sx_migrate_ext ext;
	sx_arena *arena;
	char err[1024] = "";
	sx_db_conn *c;
	db_args a;
	int rc;

	if ((rc = parse_args(app, cfg, argc, argv, &a)) >= 0)
		return rc;
	if (a.sub == DB_MAKE_MIGRATION) {
		const sx_database *d = find_database(app, a.key);
		char *path;

		dir = a.dir ? a.dir : d && d->migrations_dir ? d->migrations_dir :
		    "migrations";
		if (sx_migrate_new_file(dir, a.message, &path, err, sizeof(err))
		    != SX_DB_OK) {
			fprintf(stderr, "db make-migration: %s\n", err);
			return 1;
		}
		printf("%s\n", path);
		free(path);
		return 0;
	}
	if (pick_database(app, cfg, &a, &name, &url, &dir) != 0)
		return 1;
	if (sx_db_open(url, NULL, &c, err, sizeof(err)) != SX_DB_OK) {
		fprintf(stderr, "db: cannot open database \"%s\": %s\n", name, err);
		return 1;
	}
	o.dir = dir;
	o.dry_run = a.dry_run;
	o.force = a.force;
	o.out = stdout;
	if ((arena = sx_arena_new(4096)) == NULL ||
	    extension_migrations(app, &a, arena, &ext, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "db: %s\n", arena != NULL ? err : "out of memory");
		rc = 1;
	} else
		rc = run_on(c, &a, &o);
	sx_arena_free(arena);
	sx_db_close(c);
	return rc;
}
