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

static const char sessions_usage[] = "usage: %s sessions COMMAND [options]\n";
static const char sessions_about[] =
    "Maintains the server-side sessions table of the app's sessions database\n"
    "(or the database --key names).\n\n"
    "Commands:\n"
    "  delete-expired [--verbose]  delete expired sessions\n"
    "  count                       sessions alive and expired\n\n"
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

/* Reads the subcommand from the operands. -1 to go on, else an exit
 * status. */
static int
parse_args(const sx_app *app, const sx_config *cfg, sessions_args *a)
{
	const sx_cmd_args *args = &cfg->args;
	int s;

	memset(a, 0, sizeof(*a));
	a->key = args->key;
	a->verbose = args->verbose;
	if (args->n_operands == 0) {
		sx_cli_usage_error(app, SX_CMD_SESSIONS, sessions_usage,
		    "sessions: expected a command (delete-expired or count)");
		return 2;
	}
	for (s = 0; s < SESSIONS_SUB__MAX; s++)
		if (strcmp(args->operands[0], sessions_subs[s]) == 0)
			break;
	if (s == SESSIONS_SUB__MAX) {
		sx_cli_usage_error(app, SX_CMD_SESSIONS, sessions_usage,
		    "sessions: unknown command \"%s\"", args->operands[0]);
		return 2;
	}
	a->sub = (sessions_sub)s;
	if (args->n_operands > 1) {
		fprintf(stderr, "sessions %s: unexpected argument \"%s\"\n",
		    sessions_subs[s], args->operands[1]);
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
	sx_db_options co;
	char err[1024] = "";
	sessions_args a;
	int rc, i;

	if ((rc = sx_cli_options(app, cfg, SX_CMD_SESSIONS, argc, argv,
	    sessions_usage, sessions_about)) >= 0 ||
	    (rc = parse_args(app, cfg, &a)) >= 0)
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
	co = sx_dbconf_conn_options(&dbs->conf[i]);
	if (sx_db_open(dbs->conf[i].url, &co, &c, err, sizeof(err)) != SX_DB_OK) {
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
