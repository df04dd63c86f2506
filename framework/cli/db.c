/*
 * db.c: the `db` command every app has. It runs the migration engine
 * (db/migrate.c) on the app's databases:
 *
 *	APP db upgrade [REV] [--dry-run] [--force]
 *	APP db downgrade [REV] [--dry-run] [--force]
 *	APP db current | history
 *	APP db stamp REV
 *	APP db make-migration -m MESSAGE
 *
 * With --key KEY (any of a database's keys) it acts on that database; without
 * it, on every database in the order the app declares them, as --migrate
 * does, each under a line naming it. The databases' settings (URL,
 * migrations folder) come from the one resolver every command uses
 * (sx_dbset_configure_settings, dbconfig.c): code, then the --config file,
 * then --database.
 *
 * Exit statuses: 0 success, 1 failure, 2 usage error.
 */
#include "cli.h"
#include "dbset.h"
#include "sx_migrate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	[DB_UPGRADE] = "upgrade",
	[DB_DOWNGRADE] = "downgrade",
	[DB_CURRENT] = "current",
	[DB_HISTORY] = "history",
	[DB_STAMP] = "stamp",
	[DB_MAKE_MIGRATION] = "make-migration",
};

static const char db_usage[] = "usage: %s db COMMAND [REV] [options]\n";
static const char db_about[] =
    "Manages the schema of the app's databases with numbered migrations\n"
    "(NNNN_description.sql files with '-- migrate:up' and '-- migrate:down').\n"
    "Without --key, a command acts on every database in turn.\n\n"
    "Commands:\n"
    "  upgrade [REV]          apply pending migrations up to REV (default: all)\n"
    "  downgrade [REV]        revert down to REV (default: one step; \"base\": all)\n"
    "  current                print the database's version\n"
    "  history                list every migration, applied or pending\n"
    "  stamp REV              record REV as applied without running SQL\n"
    "  make-migration -m MSG  write the next numbered file with empty sections\n\n"
    "REV is a version (0002), a number (2), a file name, \"head\" or \"base\".\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

/* Reads the subcommand and its revision from the operands. Returns -1 to go
 * on, else an exit status. */
static int
parse_args(const sx_app *app, const sx_config *cfg, db_sub *sub,
    const char **rev)
{
	const sx_cmd_args *a = &cfg->args;
	int s;

	if (a->n_operands == 0) {
		sx_cli_usage_error(app, SX_CMD_DB, db_usage,
		    "db: expected a command");
		return 2;
	}
	for (s = 0; s < DB_SUB__MAX; s++)
		if (strcmp(a->operands[0], db_subs[s]) == 0)
			break;
	if (s == DB_SUB__MAX) {
		sx_cli_usage_error(app, SX_CMD_DB, db_usage, "db: unknown command "
		    "\"%s\"", a->operands[0]);
		return 2;
	}
	*sub = (db_sub)s;
	*rev = a->n_operands > 1 ? a->operands[1] : NULL;
	if (a->n_operands > (s <= DB_DOWNGRADE || s == DB_STAMP ? 2u : 1u)) {
		fprintf(stderr, "db %s: unexpected argument \"%s\"\n",
		    db_subs[s], a->operands[a->n_operands - 1]);
		return 2;
	}
	if (s == DB_STAMP && *rev == NULL) {
		fprintf(stderr, "db stamp: expected a revision (e.g. %s db stamp "
		    "head)\n", app->name);
		return 2;
	}
	if (s == DB_MAKE_MIGRATION && a->message == NULL) {
		fprintf(stderr, "db make-migration: expected -m MESSAGE "
		    "(e.g. -m \"create users\")\n");
		return 2;
	}
	if ((a->dry_run || a->force) && s > DB_DOWNGRADE) {
		fprintf(stderr, "db %s: --dry-run and --force apply to upgrade "
		    "and downgrade only\n", db_subs[s]);
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

/* Runs the chosen command on an open connection. Returns an exit status. */
static int
run_on(sx_db_conn *c, db_sub sub, const char *rev, const sx_migrate_opts *o)
{
	char err[2048];
	sx_migrate_status st;
	sx_db_err rc;

	switch (sub) {
	case DB_UPGRADE:
		rc = sx_migrate_upgrade(c, o, rev, err, sizeof(err));
		break;
	case DB_DOWNGRADE:
		rc = sx_migrate_downgrade(c, o, rev, err, sizeof(err));
		break;
	case DB_STAMP:
		rc = sx_migrate_stamp(c, o, rev, err, sizeof(err));
		break;
	default:
		if ((rc = sx_migrate_status_get(c, o, &st, err, sizeof(err))) == SX_DB_OK) {
			if (sub == DB_CURRENT)
				print_current(&st);
			else
				print_history(&st);
		}
		sx_migrate_status_free(&st);
		break;
	}
	if (rc != SX_DB_OK) {
		fprintf(stderr, "db %s: %s\n", db_subs[sub],
		    err[0] ? err : sx_db_strerror(rc));
		return 1;
	}
	return 0;
}

/* The app's databases as the db command sees them. An app that declares
 * none can still be driven with --database KEY=URL: each names one
 * database, and make-migration works on a default one. */
typedef struct db_app {
	sx_app app;
	sx_database *made;	/* the databases made up, or NULL */
	sx_arena *arena;	/* their keys */
} db_app;

/* Fills d from app. Returns 0, or 1 after printing why not. */
static int
db_app_init(db_app *d, const sx_app *app, const sx_config *cfg, db_sub sub)
{
	size_t n = cfg->n_db_urls;

	memset(d, 0, sizeof(*d));
	d->app = *app;
	if (app->n_databases > 0)
		return 0;
	if (n == 0 && sub != DB_MAKE_MIGRATION) {
		fprintf(stderr, "db: this app declares no databases (add one to "
		    "sx_app.databases or pass --database KEY=URL)\n");
		return 1;
	}
	if ((d->arena = sx_arena_new(1024)) == NULL ||
	    (d->made = calloc(n ? n : 1, sizeof(sx_database))) == NULL) {
		fprintf(stderr, "db: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *k = cfg->db_urls[i].key;

		d->made[i].session_key = k;
		d->made[i].connection_key = sx_arena_printf(d->arena,
		    "%s_connection", k);
		d->made[i].pool_key = sx_arena_printf(d->arena, "%s_pool", k);
	}
	d->app.databases = d->made;
	d->app.n_databases = n ? n : 1;
	return 0;
}

static void
db_app_free(db_app *d)
{
	free(d->made);
	sx_arena_free(d->arena);
}

/* The database --key names: its index, or -1 after printing the keys
 * there are. */
static int
find_key(const struct sx_dbset *dbs, const char *key)
{
	int i = sx_dbset_find(dbs, key, NULL);

	if (i >= 0)
		return i;
	fprintf(stderr, "db: --key %s: the app has no such database (known:",
	    key);
	for (size_t j = 0; j < dbs->n; j++)
		fprintf(stderr, "%s %s", j ? "," : "",
		    dbs->conf[j].keys[SX_DBKEY_SESSION]);
	fprintf(stderr, ")\n");
	return -1;
}

/* make-migration: the next file in the folder of the database --key
 * names (or the only one, or --dir), saying when it makes the folder. */
static int
make_migration(const struct sx_dbset *dbs, const sx_cmd_args *a)
{
	int i = a->key != NULL ? find_key(dbs, a->key) : 0;
	char err[1024], abs[4096], *path;
	const char *dir;
	struct stat st;

	if (i < 0)
		return 1;
	if (a->key == NULL && a->dir == NULL && dbs->n > 1) {
		fprintf(stderr, "db make-migration: the app has %zu databases: "
		    "name one with --key (e.g. --key %s)\n", dbs->n,
		    dbs->conf[0].keys[SX_DBKEY_SESSION]);
		return 2;
	}
	dir = a->dir != NULL ? a->dir : dbs->conf[i].migrations_dir;
	sx_dbconf_migrations_dir(&dbs->conf[i], a->dir, abs, sizeof(abs));
	if (stat(dir, &st) < 0 && errno == ENOENT)
		printf("creating the migrations folder %s\n", abs);
	if (sx_migrate_new_file(dir, a->message, &path, err, sizeof(err))
	    != SX_DB_OK) {
		fprintf(stderr, "db make-migration: %s\n", err);
		return 1;
	}
	printf("%s\n", path);
	free(path);
	return 0;
}

/* Runs the command on database i of app, under a line naming it, with the
 * migrations of the extensions it holds. Returns an exit status. */
static int
run_one(const sx_app *app, struct sx_dbset *dbs, size_t i,
    const sx_cmd_args *a, db_sub sub, const char *rev)
{
	const sx_dbconf *db = &dbs->conf[i];
	sx_migrate_opts o = { 0 };
	sx_migrate_ext ext;
	sx_db_options co;
	char err[1024] = "";
	sx_db_conn *c;
	int rc;

	printf("database %s: %s\n", db->keys[SX_DBKEY_SESSION],
	    sx_dbset_redact_url(dbs->arena, db->url));
	/* The entry's options, but a migration is not cut short at the
	 * statement timeout meant for requests (an index on a big table). */
	co = sx_dbconf_conn_options(db);
	co.statement_timeout_ms = -1;
	if (sx_db_open(db->url, &co, &c, err, sizeof(err)) != SX_DB_OK) {
		fprintf(stderr, "db: cannot open database \"%s\": %s\n",
		    db->keys[SX_DBKEY_SESSION], sx_dbset_redact_url(dbs->arena,
		    err));
		return 1;
	}
	if (sx_dbconf_migrations_check(db, a->dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "db %s: %s\n", db_subs[sub], err);
		sx_db_close(c);
		return 1;
	}
	fflush(stdout);
	o.dir = a->dir != NULL ? a->dir : db->migrations_dir;
	o.dry_run = a->dry_run;
	o.force = a->force;
	o.out = stdout;
	if (sx_sessions_migrate_exts(app, i, db->keys, dbs->arena, &ext, &o, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "db %s: %s\n", db_subs[sub], err);
		rc = 1;
	} else
		rc = run_on(c, sub, rev, &o);
	sx_db_close(c);
	return rc;
}

int
sx_cmd_db(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	const sx_cmd_args *a = &cfg->args;
	struct sx_dbset *dbs;
	const char *rev;
	char err[1024];
	db_sub sub;
	db_app d;
	int rc;

	if ((rc = sx_cli_options(app, cfg, SX_CMD_DB, argc, argv, db_usage,
	    db_about)) >= 0 || (rc = parse_args(app, cfg, &sub, &rev)) >= 0)
		return rc;
	if (db_app_init(&d, app, cfg, sub) != 0) {
		db_app_free(&d);
		return 1;
	}
	dbs = sx_dbset_configure_settings(&d.app, cfg, sub == DB_MAKE_MIGRATION ?
	    SX_DBSET_CHECK_SETTINGS : SX_DBSET_CHECK_READY, err, sizeof(err));
	if (dbs == NULL) {
		fprintf(stderr, "%s: %s\n", app->name, err);
		rc = 1;
	} else if (sub == DB_MAKE_MIGRATION) {
		rc = make_migration(dbs, a);
	} else if (a->key != NULL) {
		int i = find_key(dbs, a->key);

		rc = i < 0 ? 1 : run_one(&d.app, dbs, (size_t)i, a, sub, rev);
	} else {
		/* every database in turn, stopping at the first failure */
		for (size_t i = 0; i < dbs->n && rc <= 0; i++)
			rc = run_one(&d.app, dbs, i, a, sub, rev);
	}
	sx_dbset_free(dbs);
	db_app_free(&d);
	return rc;
}
