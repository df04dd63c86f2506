/*
 * commit_modes: what the transaction wrapper does with each commit mode and
 * response status. Every POST inserts one row and answers with the status
 * the client asks for; GET /items/count shows whether the row was kept.
 *
 *	./commit_modes request --migrate --commit-mode db_session=autocommit \
 *	    POST '/items?status=302'       (rolled back: 3xx)
 *	./commit_modes request --commit-mode db_session=autocommit_include_redirect \
 *	    POST '/items?status=302'       (kept)
 *	./commit_modes request GET /items/count
 *
 * 418 is an extra commit status: kept in both autocommit modes. In manual
 * mode nothing is kept unless the handler commits, which it does when the
 * query has commit=1.
 *
 * POST /items/deferred inserts a row whose parent does not exist; the
 * foreign key is DEFERRABLE INITIALLY DEFERRED, so the statement succeeds
 * and the failure comes at COMMIT. The handler answers 200, the wrapper's
 * commit fails, and the client gets a 500 with nothing saved.
 *
 * POST /items/steps?ops=OPS&status=NNN runs the handler's own transaction
 * calls, one letter each: i inserts a row, b begins (a savepoint inside the
 * wrapper's transaction), c commits and r rolls back the innermost level.
 * Then it answers NNN, or fails (returns -1) for status=fail. Whatever the
 * handler did not commit itself follows the commit mode and the status:
 *
 *	./commit_modes request POST '/items/steps?ops=ici&status=400'
 *	    (the first row is kept by the handler's commit, the second not)
 */
#include <stdlib.h>
#include <string.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/ relative to the working directory */
#endif

/* The status asked for in ?status=NNN (200-599), or -1. */
static int
wanted_status(const sx_req *req)
{
	const char *s = sx_req_query(req, "status");
	char *end;
	long v;

	if (s == NULL)
		return 200;
	v = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && v >= 200 && v <= 599 ? (int)v : -1;
}

/* Answers with status as asked: a redirect for 3xx, no body for 204. */
static int
answer(sx_res *res, int status)
{
	cJSON *o;

	if (status >= 300 && status <= 399)
		return sx_redirect(res, status, "/items/count");
	if (status == 204)
		return sx_res_status(res, 204);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "status", status);
	return sx_json(res, status, o);
}

/* Inserts one row (parent_id NULL, or a parent that does not exist), commits
 * when the query says commit=1, and answers with status. */
static int
insert_and_answer(sx_req *req, sx_res *res, bool broken_parent, int status)
{
	const char *commit = sx_req_query(req, "commit");
	sx_db_conn *db;
	sx_db_err err;

	if (status < 0)
		return sx_error(res, 400, "status must be a number from 200 to 599");
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	err = sx_db_exec(db, "INSERT INTO items (note, parent_id) VALUES ($1, $2)",
	    SX_PARAMS(SX_PTEXT(sx_req_printf(req, "status %d", status)),
	    broken_parent ? SX_PINT(-1) : SX_PNULL), NULL);
	if (err == SX_DB_OK && commit != NULL && strcmp(commit, "1") == 0)
		err = sx_db_commit(db);
	if (err != SX_DB_OK) {
		sx_req_log(req, "insert failed: %s: %s", sx_db_strerror(err),
		    sx_db_last_error(db)->message);
		return -1;
	}
	return answer(res, status);
}

static int
post_item(sx_req *req, sx_res *res)
{
	return insert_and_answer(req, res, false, wanted_status(req));
}

/* Runs one of the handler's own steps (see the top of the file). */
static sx_db_err
step(sx_db_conn *db, char op)
{
	switch (op) {
	case 'i':
		return sx_db_exec(db, "INSERT INTO items (note) VALUES ('step')",
		    NULL, 0, NULL);
	case 'b':
		return sx_db_begin(db);
	case 'c':
		return sx_db_commit(db);
	case 'r':
		return sx_db_rollback(db);
	default:
		return SX_DB_ERR_STATE;
	}
}

static int
post_steps(sx_req *req, sx_res *res)
{
	const char *ops = sx_req_query(req, "ops"), *st;
	bool fail = (st = sx_req_query(req, "status")) != NULL &&
	    strcmp(st, "fail") == 0;
	int status = fail ? 200 : wanted_status(req);
	sx_db_conn *db;
	sx_db_err err;

	if (ops == NULL || ops[strspn(ops, "ibcr")] != '\0' || status < 0)
		return sx_error(res, 400, "use ops=[ibcr]... and status=NNN "
		    "(200 to 599) or status=fail");
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	for (; *ops != '\0'; ops++) {
		if ((err = step(db, *ops)) != SX_DB_OK) {
			sx_req_log(req, "step %c failed: %s: %s", *ops,
			    sx_db_strerror(err), sx_db_last_error(db)->message);
			return -1;
		}
	}
	return fail ? -1 : answer(res, status);
}

static int
post_deferred(sx_req *req, sx_res *res)
{
	return insert_and_answer(req, res, true, 200);
}

/* Counts through the raw connection: a read needs no transaction. */
static int
count_items(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_connection");
	int64_t n;
	cJSON *o;

	if (db == NULL)
		return -1;
	if (sx_db_scalar_int(db, "SELECT count(*) FROM items", NULL, 0, &n) !=
	    SX_DB_OK)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "count", (double)n);
	return sx_json(res, 200, o);
}

static const sx_route routes[] = {
	{ SX_GET, "/", sx_handler_index, NULL, "index", NULL },
	{ SX_POST, "/items", post_item, SX_DEPS("db_session"), "post_item", NULL },
	{ SX_POST, "/items/deferred", post_deferred, SX_DEPS("db_session"), "post_deferred", NULL },
	{ SX_POST, "/items/steps", post_steps, SX_DEPS("db_session"), "post_steps", NULL },
	{ SX_GET, "/items/count", count_items, SX_DEPS("db_connection"), "count_items", NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite:commit_modes.db",
	.commit_mode = SX_COMMIT_AUTO,	/* change with --commit-mode db_session=MODE */
	.extra_commit_statuses = (const int[]){ 418, 0 },
	.migrations_dir = SX_EXAMPLE_DIR "migrations",
}};

static const sx_app commit_modes_app = {
	.name = "commit_modes",
	.description = "One row per request, kept or not by commit mode and status.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &commit_modes_app);
}
#endif
