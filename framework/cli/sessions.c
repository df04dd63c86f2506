/*
 * sessions.c: `APP sessions delete-expired [--verbose]` and
 * `APP sessions count`, the maintenance of the sessions table (run
 * delete-expired from cron). The database is the store's, as the app
 * configures it (code, --config, --database), or the one --key names.
 */
#include "cli.h"
#include "dbset.h"
#include "session_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char sessions_usage[] =
    "usage: %s sessions COMMAND [options]\n\n"
    "Commands:\n"
    "  delete-expired [--verbose]  delete expired sessions\n"
    "  count                       sessions alive and expired\n\n"
    "Options:\n"
    "  --key KEY              the database holding the sessions (default: the\n"
    "                         app's sessions database)\n"
    "  --database KEY=URL     that database's URL\n"
    "  --config FILE          JSON settings\n\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

typedef enum sessions_sub {
	SESSIONS_DELETE_EXPIRED,
	SESSIONS_COUNT,
	SESSIONS_SUB__MAX
} sessions_sub;

static const char *const sessions_subs[SESSIONS_SUB__MAX] = {
	"delete-expired", "count"
};

typedef struct sessions_args {
	sessions_sub sub;
	const char *key;
	bool verbose;
} sessions_args;

/* Parses the arguments after "sessions". -1 to go on, else an exit status. */
static int
parse_args(const sx_app *app, sx_config *cfg, int argc, char **argv,
    sessions_args *a)
{
	int used;

	memset(a, 0, sizeof(*a));
	a->sub = SESSIONS_SUB__MAX;
	for (int i = 1; i < argc; i += used) {
		used = 1;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(sessions_usage, app->name);
			return 0;
		} else if (strcmp(argv[i], "--verbose") == 0 ||
		    strcmp(argv[i], "-v") == 0)
			a->verbose = true;
		else if (strcmp(argv[i], "--key") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sessions: --key expects a value\n");
				return 2;
			}
			a->key = argv[i + 1];
			used = 2;
		} else if ((used = sx_config_common_option(cfg, argc, argv, i)) < 0)
			return 2;
		else if (used > 0)
			continue;
		else if (argv[i][0] != '-' && a->sub == SESSIONS_SUB__MAX) {
			used = 1;
			for (int s = 0; s < SESSIONS_SUB__MAX; s++)
				if (strcmp(argv[i], sessions_subs[s]) == 0)
					a->sub = (sessions_sub)s;
			if (a->sub == SESSIONS_SUB__MAX) {
				fprintf(stderr, "sessions: unknown command \"%s\" (see "
				    "%s sessions --help)\n", argv[i], app->name);
				return 2;
			}
		} else {
			fprintf(stderr, "sessions: unexpected argument \"%s\" (see %s "
			    "sessions --help)\n", argv[i], app->name);
			return 2;
		}
	}
	if (a->sub == SESSIONS_SUB__MAX) {
		fprintf(stderr, "sessions: expected a command (delete-expired or "
		    "count)\n");
		return 2;
	}
	if (a->verbose && a->sub != SESSIONS_DELETE_EXPIRED) {
		fprintf(stderr, "sessions %s: --verbose applies to delete-expired "
		    "only\n", sessions_subs[a->sub]);
		return 2;
	}
	return -1;
}

/* Runs the command on the store's connection. Returns an exit status. */
static int
run_on(const sessions_args *a, const sx_session_store *st, sx_db_conn *c,
    const char *name)
{
	int64_t alive = 0, expired = 0, deleted = 0;
	sx_session_err rc;

	if (a->sub == SESSIONS_COUNT || a->verbose) {
		if ((rc = sx_session_store_count(st, c, &alive, &expired)) !=
		    SX_SESSION_OK)
			goto fail;
		if (a->sub == SESSIONS_COUNT) {
			printf("%" PRId64 " active session(s), %" PRId64 " expired "
			    "not yet deleted\n", alive, expired);
			return 0;
		}
		printf("table %s on database \"%s\": %" PRId64 " active, %" PRId64
		    " expired\n", sx_session_store_table(st), name, alive, expired);
	}
	if ((rc = sx_session_store_delete_expired(st, c, &deleted)) !=
	    SX_SESSION_OK)
		goto fail;
	if (deleted > 0)
		printf("Deleted %" PRId64 " expired session(s)\n", deleted);
	else
		printf("No expired sessions found\n");
	return 0;
fail:
	fprintf(stderr, "sessions %s: table %s on database \"%s\": %s (has `db "
	    "upgrade` made it?)\n", sessions_subs[a->sub],
	    sx_session_store_table(st), name, sx_db_last_error(c)->message);
	return 1;
}

/* The database to work on: --key's, else the store's. -1 after a message. */
static int
pick(const struct sx_dbset *dbs, const sx_session_config *sc,
    const sessions_args *a)
{
	char err[512];
	int i;

	if (a->key != NULL) {
		if ((i = sx_dbset_find(dbs, a->key, NULL)) < 0)
			fprintf(stderr, "sessions: --key %s: the app has no such "
			    "database\n", a->key);
		return i;
	}
	if ((i = sx_sessions_store_db(dbs, sc, err, sizeof(err))) < 0)
		fprintf(stderr, "%s\n", err);
	return i;
}

int
sx_cmd_sessions(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	sx_session_config sc;
	struct sx_dbset *dbs;
	sx_session_store *st = NULL;
	sx_db_conn *c = NULL;
	char err[1024] = "";
	sessions_args a;
	int rc, i;

	if ((rc = parse_args(app, cfg, argc, argv, &a)) >= 0)
		return rc;
	if (sx_sessions_key(app) == NULL) {
		fprintf(stderr, "sessions: this app does not use sessions (add "
		    ".extensions = SX_EXTENSIONS(\"sessions\") to its sx_app)\n");
		return 1;
	}
	sx_session_config_resolve(app->sessions, &sc);
	if ((dbs = sx_dbset_configure(app, cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sessions: %s\n", err);
		return 1;
	}
	rc = 1;
	if ((i = pick(dbs, &sc, &a)) < 0)
		goto done;
	if (sx_session_store_new(sc.table, &st) != SX_SESSION_OK) {
		fprintf(stderr, "sessions: table name \"%.80s\" refused: %s\n",
		    sc.table, sx_session_strerror(SX_SESSION_ERR_TABLE));
		goto done;
	}
	if (sx_db_open(dbs->conf[i].url, NULL, &c, err, sizeof(err)) != SX_DB_OK) {
		fprintf(stderr, "sessions: cannot open database \"%s\": %s\n",
		    dbs->conf[i].keys[SX_DBKEY_SESSION], err);
		goto done;
	}
	rc = run_on(&a, st, c, dbs->conf[i].keys[SX_DBKEY_SESSION]);
done:
	sx_db_close(c);
	sx_session_store_free(st);
	sx_dbset_free(dbs);
	return rc;
}
