/*
 * test_contract.c: the driver contract. Every case here runs twice, on
 * SQLite (a fresh file) and on PostgreSQL (a schema of its own on the
 * server named by SX_TEST_PG_URL; skipped without it, a failure in CI), and
 * must give the same answer on both: transactions and savepoints, settling
 * every level at once, a session's lazily begun transaction, batches, the
 * statement cache (eviction, off, a schema change), one-row queries,
 * placeholders, error classes, a constraint failing at commit.
 * Cases only one driver has stay in test_sqlite.c and test_pg.c.
 *
 * The URL checks at the end need no database: they run once.
 */
#include "dbtest.h"

/* The database of the running case. */
static struct contract {
	char *tmpdir;		/* SQLite: the folder of its file */
	char url[1100];		/* a URL any number of connections can share */
	sx_db_conn *db;		/* the case's main connection */
} ct;

static void
sqlite_setup(void)
{
	ct.tmpdir = sx_test_tmpdir();
	snprintf(ct.url, sizeof(ct.url), "sqlite:%s/t.db", ct.tmpdir);
	ct.db = dbtest_open(ct.url, NULL);
}

static void
sqlite_teardown(void)
{
	char cmd[600];

	sx_db_close(ct.db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ct.tmpdir);
	cr_expect_eq(system(cmd), 0);
	free(ct.tmpdir);
}

static void
pg_setup(void)
{
	snprintf(ct.url, sizeof(ct.url), "%s", dbtest_pg_url());
	ct.db = dbtest_open(ct.url, NULL);
}

static void
pg_teardown(void)
{
	sx_db_close(ct.db);
	dbtest_pg_drop();
}

TestSuite(contract_sqlite, .init = sqlite_setup, .fini = sqlite_teardown);
TestSuite(contract_pg, .init = pg_setup, .fini = pg_teardown);

/* Defines one case and runs it in both suites. */
#define CONTRACT(name)							\
	static void name(void);						\
	Test(contract_sqlite, name) { name(); }				\
	Test(contract_pg, name) { name(); }				\
	static void name(void)

static bool
is_pg(void)
{
	return sx_db_conn_dialect(ct.db) == SX_DB_POSTGRES;
}

/* A second connection to the case's database. */
static sx_db_conn *
other_conn(const sx_db_options *opt)
{
	return dbtest_open(ct.url, opt);
}

/* Runs a one-integer query on c (must succeed). */
static int64_t
scalar(sx_db_conn *c, const char *sql)
{
	int64_t v = -1;

	cr_assert_eq(sx_db_scalar_int(c, sql, NULL, 0, &v), SX_DB_OK, "%s: %s",
	    sql, sx_db_last_error(c)->message);
	return v;
}

/* Rows of table as another connection sees them: what is committed. */
static int64_t
committed_rows_of(const char *table)
{
	sx_db_conn *c = other_conn(NULL);
	char sql[64];
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	n = scalar(c, sql);
	sx_db_close(c);
	return n;
}

static int64_t
committed_rows(void)
{
	return committed_rows_of("t");
}

static void
insert(sx_db_conn *c, int64_t x)
{
	cr_assert_eq(sx_db_exec(c, "INSERT INTO t VALUES ($1)",
	    SX_PARAMS(SX_PINT(x)), NULL), SX_DB_OK, "insert %lld: %s",
	    (long long)x, sx_db_last_error(c)->message);
}

/* ---- transactions ---- */

CONTRACT(transactions_and_savepoints)
{
	sx_db_conn *db = ct.db;

	dbtest_run(db, "CREATE TABLE t (x INTEGER)");
	cr_expect_eq(sx_db_commit(db), SX_DB_ERR_STATE);
	cr_expect_eq(sx_db_rollback(db), SX_DB_ERR_STATE);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect(sx_db_in_transaction(db));
	insert(db, 1);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);		/* savepoint sx_1 */
	insert(db, 2);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);		/* savepoint sx_2 */
	insert(db, 3);
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);		/* drops 3 */
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);		/* keeps 2 */
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 4);
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);		/* drops 4 */
	cr_expect_eq(committed_rows(), 0, "nothing committed yet");
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(scalar(db, "SELECT sum(x) FROM t"), 3);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 100);
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	cr_expect_eq(scalar(db, "SELECT sum(x) FROM t"), 3);
}

/* A failure inside a savepoint is undone by rolling back to it, and the
 * transaction goes on (PostgreSQL aborts the savepoint, SQLite only the
 * statement: both recover the same way). */
CONTRACT(failure_inside_a_savepoint_is_recoverable)
{
	sx_db_conn *db = ct.db;

	dbtest_run(db, "CREATE TABLE t (x INTEGER UNIQUE)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 1);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect_eq(sx_db_exec(db, "INSERT INTO t VALUES (1)", NULL, 0, NULL),
	    SX_DB_ERR_UNIQUE);
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 2);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(scalar(db, "SELECT sum(x) FROM t"), 3);
}

/* Settling a transaction whatever nesting was left open: commit_all keeps
 * every level, rollback_all drops every level. */
CONTRACT(settle_every_level)
{
	sx_db_conn *db = ct.db;

	dbtest_run(db, "CREATE TABLE t (x INTEGER)");
	cr_expect_eq(sx_db_commit_all(db), SX_DB_ERR_STATE);
	cr_expect_eq(sx_db_rollback_all(db), SX_DB_ERR_STATE);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 1);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 2);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 3);
	cr_assert_eq(sx_db_commit_all(db), SX_DB_OK, "%s",
	    sx_db_last_error(db)->message);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows(), 3);

	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 4);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 5);
	cr_assert_eq(sx_db_rollback_all(db), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows(), 3);
	/* The savepoint names start over: nesting works again. */
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 6);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_eq(committed_rows(), 4);
}

/* A failure left inside an open savepoint: committing everything must not
 * report success unless everything was saved. */
CONTRACT(settle_after_a_failure_in_a_savepoint)
{
	sx_db_conn *db = ct.db;
	sx_db_err err;

	dbtest_run(db, "CREATE TABLE t (x INTEGER UNIQUE)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 1);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 2);
	cr_expect_eq(sx_db_exec(db, "INSERT INTO t VALUES (1)", NULL, 0, NULL),
	    SX_DB_ERR_UNIQUE);
	err = sx_db_commit_all(db);
	cr_expect_not(sx_db_in_transaction(db));
	if (err == SX_DB_OK)
		cr_expect_eq(committed_rows(), 2, "success means all saved");
	else
		cr_expect_eq(committed_rows(), 0, "failure means none saved");
	/* The failed statement alone was undone, on both drivers. */
	cr_expect_eq(err, SX_DB_OK);
}

/* A session: after the outermost commit or rollback, the next statement
 * begins a new transaction, so it is settled like the rest. */
CONTRACT(session_begins_again_after_commit_and_rollback)
{
	sx_db_conn *db = ct.db;
	sx_db_result *res[1];
	const sx_db_stmt batch[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(9))},
	};

	dbtest_run(db, "CREATE TABLE t (x INTEGER)");
	sx_db_set_autobegin(db, true);
	cr_expect_not(sx_db_in_transaction(db), "nothing begun until used");
	insert(db, 1);
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows(), 1);
	insert(db, 2);
	cr_expect(sx_db_in_transaction(db), "the write began a transaction");
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	cr_expect_eq(committed_rows(), 1);
	/* every way in: exec, shortcuts, scripts, batches */
	cr_expect_eq(scalar(db, "SELECT count(*) FROM t"), 1);
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	dbtest_run(db, "INSERT INTO t VALUES (3)");
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	cr_assert_eq(sx_db_batch(db, batch, 1, res), SX_DB_OK);
	sx_db_result_free(res[0]);
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_rollback_all(db), SX_DB_OK);
	cr_expect_eq(committed_rows(), 1);
	/* begin opens the transaction itself, not a savepoint of a new one */
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 4);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows(), 2);
	/* off again: statements run on their own */
	sx_db_set_autobegin(db, false);
	insert(db, 5);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows(), 3);
}

/* ---- batches ---- */

/* A failing batch takes nothing effect, inside a transaction or not: every
 * result is NULL, the error is the failing statement's, and a transaction
 * it ran in keeps the work from before the batch and stays usable. */
CONTRACT(batch_is_all_or_nothing)
{
	sx_db_conn *db = ct.db;
	sx_db_result *res[3] = {NULL, NULL, NULL};
	const sx_db_stmt ok[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(1))},
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(2))},
		{"SELECT sum(x) AS s FROM t", NULL, 0},
	};
	const sx_db_stmt bad[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(10))},
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(1))},	/* dup */
		{"SELECT 1", NULL, 0},
	};

	dbtest_run(db, "CREATE TABLE t (x INTEGER PRIMARY KEY)");
	cr_assert_eq(sx_db_batch(db, ok, 3, res), SX_DB_OK, "%s",
	    sx_db_last_error(db)->message);
	cr_expect_eq(sx_db_affected(res[0]), 1);
	cr_expect_eq(sx_db_int(res[2], "s"), 3);
	for (int i = 0; i < 3; i++)
		sx_db_result_free(res[i]);

	/* outside a transaction */
	cr_expect_eq(sx_db_batch(db, bad, 3, res), SX_DB_ERR_UNIQUE);
	for (int i = 0; i < 3; i++)
		cr_expect_null(res[i]);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows(), 2, "the failed batch left nothing");
	cr_expect_eq(sx_db_batch(db, ok + 2, 1, NULL), SX_DB_OK);

	/* inside one: the work before the batch stays, the batch's goes */
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 20);
	cr_expect_eq(sx_db_batch(db, bad, 3, res), SX_DB_ERR_UNIQUE);
	for (int i = 0; i < 3; i++)
		cr_expect_null(res[i]);
	cr_expect(sx_db_in_transaction(db));
	insert(db, 30);
	cr_expect_eq(scalar(db, "SELECT count(*) FROM t"), 4);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK, "%s",
	    sx_db_last_error(db)->message);
	cr_expect_eq(committed_rows(), 4, "1, 2, 20 and 30; not 10");
	cr_expect_eq(scalar(db, "SELECT count(*) FROM t WHERE x = 10"), 0);

	/* inside a savepoint, the same */
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	insert(db, 40);
	cr_expect_eq(sx_db_batch(db, bad, 3, NULL), SX_DB_ERR_UNIQUE);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_eq(committed_rows(), 5);
}

/* ---- the statement cache ---- */

/* SELECT * cached, then a column added (by this connection or another):
 * the next run has the new shape at once. */
CONTRACT(cached_select_star_sees_a_new_column)
{
	sx_db_conn *db = ct.db, *other;
	sx_db_result *r = NULL;

	dbtest_run(db, "CREATE TABLE t (a INTEGER)");
	dbtest_run(db, "INSERT INTO t VALUES (1)");
	cr_assert_eq(sx_db_one(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_cols(r), 1);
	sx_db_result_free(r);

	dbtest_run(db, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7");
	cr_assert_eq(sx_db_one(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK,
	    "%s", sx_db_last_error(db)->message);
	cr_expect_eq(sx_db_cols(r), 2);
	cr_expect_eq(sx_db_int(r, "b"), 7);
	sx_db_result_free(r);

	other = other_conn(NULL);
	dbtest_run(other, "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 8");
	sx_db_close(other);
	cr_assert_eq(sx_db_exec(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK,
	    "%s", sx_db_last_error(db)->message);
	cr_expect_eq(sx_db_cols(r), 3);
	cr_expect_str_eq(sx_db_col_name(r, 2), "c");
	cr_expect_eq(sx_db_int(r, "c"), 8);
	sx_db_result_free(r);
	/* an empty result has the new shape too */
	other = other_conn(NULL);
	dbtest_run(other, "ALTER TABLE t ADD COLUMN d INTEGER");
	sx_db_close(other);
	cr_assert_eq(sx_db_exec(db, "SELECT * FROM t WHERE a < 0", NULL, 0, &r),
	    SX_DB_OK);
	cr_expect_eq(sx_db_cols(r), 4);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_exec(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_cols(r), 4);
	sx_db_result_free(r);
}

/* ---- one-row queries and placeholders ---- */

/* sx_db_one holds the first row only, on both drivers. */
CONTRACT(one_row_of_many)
{
	sx_db_result *r = NULL;

	dbtest_run(ct.db, "CREATE TABLE t (x INTEGER)");
	dbtest_run(ct.db, "INSERT INTO t VALUES (1), (2), (3), (4), (5)");
	cr_assert_eq(sx_db_one(ct.db, "SELECT x FROM t ORDER BY x", NULL, 0,
	    &r), SX_DB_OK, "%s", sx_db_last_error(ct.db)->message);
	cr_expect_eq(sx_db_rows(r), 1);
	cr_expect_eq(sx_db_get_int(r, 0), 1);
	sx_db_result_free(r);
}

CONTRACT(placeholders_bind_by_number)
{
	sx_db_result *r = NULL;
	int64_t v = 0;

	cr_assert_eq(sx_db_one(ct.db, "SELECT CAST($2 AS TEXT) AS b, "
	    "CAST($1 AS TEXT) AS a", SX_PARAMS(SX_PTEXT("one"),
	    SX_PTEXT("two")), &r), SX_DB_OK);
	cr_expect_str_eq(sx_db_text(r, "b"), "two");
	cr_expect_str_eq(sx_db_text(r, "a"), "one");
	sx_db_result_free(r);
	cr_assert_eq(sx_db_scalar_int(ct.db, "SELECT CAST($1 AS BIGINT) + "
	    "CAST($1 AS BIGINT) * CAST($2 AS BIGINT)",
	    SX_PARAMS(SX_PINT(3), SX_PINT(4)), &v), SX_DB_OK);
	cr_expect_eq(v, 15);
}

/* sx_db_one holds the first row only; a write through it still runs to the
 * end, so every row changes and the count is right. */
CONTRACT(one_row_of_many_and_writes_run_whole)
{
	sx_db_conn *db = ct.db;
	sx_db_result *r = NULL;

	dbtest_run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)");
	dbtest_run(db, "INSERT INTO t (id, n) VALUES (1, 1), (2, 2), (3, 3)");
	cr_assert_eq(sx_db_one(db, "SELECT id, n FROM t ORDER BY id", NULL, 0,
	    &r), SX_DB_OK);
	cr_expect_eq(sx_db_rows(r), 1);
	cr_expect_eq(sx_db_get_int(r, 1), 1);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_one(db, "UPDATE t SET n = n * 10 RETURNING n", NULL,
	    0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_rows(r), 1);
	sx_db_result_free(r);
	cr_expect_eq(scalar(db, "SELECT sum(n) FROM t"), 60,
	    "every row was updated");
	/* The statement was reset: running it again starts from the first
	 * row. */
	cr_assert_eq(sx_db_one(db, "SELECT id, n FROM t ORDER BY id", NULL, 0,
	    &r), SX_DB_OK);
	cr_expect_eq(sx_db_get_int(r, 1), 10);
	sx_db_result_free(r);
}

CONTRACT(one_row_and_no_row)
{
	sx_db_conn *db = ct.db;
	sx_db_result *r = (sx_db_result *)1;
	int64_t v = 7;

	dbtest_run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
	cr_expect_eq(sx_db_one(db, "SELECT * FROM t WHERE id = $1",
	    SX_PARAMS(SX_PINT(1)), &r), SX_DB_NO_ROW);
	cr_expect_null(r);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT id FROM t", NULL, 0, &v),
	    SX_DB_NO_ROW);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT NULL", NULL, 0, &v),
	    SX_DB_ERR_TYPE);
	cr_expect_eq(sx_db_exec(db, "SELECT * FROM missing", NULL, 0, NULL),
	    SX_DB_ERR_SQL);
	cr_expect(strstr(sx_db_last_error(db)->message, "missing") != NULL);
	if (is_pg())
		cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "42P01");
	else
		cr_expect_neq(sx_db_last_error(db)->native, 0);
	cr_expect_eq(sx_db_exec(db, "SELECT 1; SELECT 2", NULL, 0, NULL),
	    SX_DB_ERR_SQL);
}

CONTRACT(iterate_seek_and_returning)
{
	sx_db_conn *db = ct.db;
	sx_db_result *r = NULL;
	int64_t sum = 0;

	dbtest_run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
	cr_assert_eq(sx_db_exec(db, "INSERT INTO t (id, name) VALUES "
	    "(1, $1), (2, $2), (3, $3) RETURNING id", SX_PARAMS(SX_PTEXT("a"),
	    SX_PTEXT("b"), SX_PTEXT("c")), &r), SX_DB_OK);
	cr_expect_eq(sx_db_rows(r), 3);
	cr_expect_eq(sx_db_affected(r), 3);
	while (sx_db_next(r))
		sum += sx_db_get_int(r, 0);
	cr_expect_eq(sum, 6);
	cr_expect_not(sx_db_next(r));
	cr_expect(sx_db_seek(r, 1));
	cr_expect_eq(sx_db_get_int(r, 0), 2);
	cr_expect_not(sx_db_seek(r, 3));
	sx_db_result_free(r);
	cr_assert_eq(sx_db_exec(db, "UPDATE t SET name = 'x' WHERE id > $1",
	    SX_PARAMS(SX_PINT(1)), &r), SX_DB_OK);
	cr_expect_eq(sx_db_affected(r), 2);
	cr_expect_eq(sx_db_rows(r), 0);
	sx_db_result_free(r);
}

/* Error classes; the driver's own code is in sqlstate (PostgreSQL) or
 * native (SQLite). */
CONTRACT(errors_classified)
{
	sx_db_conn *db = ct.db;
	const sx_db_error_info *e;

	dbtest_run(db, "CREATE TABLE p (id INTEGER PRIMARY KEY, u TEXT UNIQUE, "
	    "n INTEGER NOT NULL CHECK (n > 0));"
	    "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))");
	dbtest_run(db, "INSERT INTO p VALUES (1, 'a', 1)");
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES ($1, 'b', 1)",
	    SX_PARAMS(SX_PINT(1)), NULL), SX_DB_ERR_UNIQUE);
	e = sx_db_last_error(db);
	if (is_pg()) {
		cr_expect_str_eq(e->sqlstate, "23505");
		cr_expect_eq(e->native, 0);
		cr_expect(strstr(e->message, "p_pkey") != NULL, "%s",
		    e->message);
	}
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES (2, $1, 1)",
	    SX_PARAMS(SX_PTEXT("a")), NULL), SX_DB_ERR_UNIQUE);
	e = sx_db_last_error(db);
	cr_expect_eq(e->code, SX_DB_ERR_UNIQUE);
	if (!is_pg()) {
		cr_expect_str_eq(e->sqlstate, "");
		cr_expect_eq(e->native, 2067 /* SQLITE_CONSTRAINT_UNIQUE */);
		cr_expect(strstr(e->message, "UNIQUE") != NULL, "%s",
		    e->message);
	}
	cr_expect_eq(sx_db_exec(db, "INSERT INTO c VALUES (1, $1)",
	    SX_PARAMS(SX_PINT(99)), NULL), SX_DB_ERR_FOREIGN_KEY);
	if (is_pg())
		cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "23503");
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES (3, 'c', $1)",
	    SX_PARAMS(SX_PINT(0)), NULL), SX_DB_ERR_CONSTRAINT);
	if (is_pg())
		cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "23514");
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES (4, 'd', $1)",
	    SX_PARAMS(SX_PNULL), NULL), SX_DB_ERR_CONSTRAINT);
	/* A success clears the last error. */
	cr_expect_eq(sx_db_exec(db, "SELECT 1", NULL, 0, NULL), SX_DB_OK);
	cr_expect_eq(sx_db_last_error(db)->code, SX_DB_OK);
	cr_expect_str_eq(sx_db_last_error(db)->message, "");
	cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "");
}

/* A deferred foreign key fails at COMMIT, with its own class, and leaves
 * no transaction open. */
CONTRACT(deferred_constraint_fails_at_commit)
{
	sx_db_conn *db = ct.db;

	dbtest_run(db, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE c (p INTEGER REFERENCES p(id) "
	    "DEFERRABLE INITIALLY DEFERRED)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_assert_eq(sx_db_exec(db, "INSERT INTO c VALUES ($1)",
	    SX_PARAMS(SX_PINT(42)), NULL), SX_DB_OK);
	cr_expect_eq(sx_db_commit(db), SX_DB_ERR_FOREIGN_KEY);
	if (is_pg())
		cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "23503");
	else
		cr_expect_neq(sx_db_last_error(db)->native, 0);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(committed_rows_of("c"), 0);
	cr_expect_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect_eq(sx_db_commit(db), SX_DB_OK);
}

/* Number of named prepared statements of c's PostgreSQL session. */
static int64_t
prepared_count(sx_db_conn *c)
{
	return scalar(c, "SELECT count(*) FROM pg_prepared_statements "
	    "WHERE name LIKE 'sx_s%'");
}

CONTRACT(statement_cache_evicts_lru)
{
	sx_db_options small = {.stmt_cache_size = 2};
	sx_db_conn *c = other_conn(&small);
	sx_db_cache_stats st;
	int64_t v;

	cr_assert_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 2", NULL, 0, &v), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_OK);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 1);
	cr_expect_eq(st.misses, 2);
	cr_expect_eq(st.evictions, 0);
	cr_expect_eq(st.size, 2);
	/* evicts "SELECT 2" */
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 3", NULL, 0, &v), SX_DB_OK);
	cr_expect_eq(v, 3);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 1);
	cr_expect_eq(st.misses, 3);
	cr_expect_eq(st.evictions, 1);
	cr_expect_eq(st.size, 2);
	/* still cached, then a miss again */
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 2", NULL, 0, &v), SX_DB_OK);
	cr_expect_eq(v, 2);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 2);
	cr_expect_eq(st.misses, 4);
	cr_expect_eq(st.evictions, 2);
	cr_expect_eq(st.size, 2);
	/* Evicted statements are gone from the server too (the count query
	 * itself is a third statement and evicts one more). */
	if (is_pg())
		cr_expect_eq(prepared_count(c), 2);
	sx_db_close(c);
}

CONTRACT(statement_cache_off)
{
	sx_db_options off = {.stmt_cache_size = -1};
	sx_db_conn *c = other_conn(&off);
	sx_db_cache_stats st;
	int64_t v;

	for (int i = 0; i < 3; i++)
		cr_assert_eq(sx_db_scalar_int(c, "SELECT CAST($1 AS INTEGER)",
		    SX_PARAMS(SX_PINT(i)), &v), SX_DB_OK);
	cr_expect_eq(v, 2);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 0);
	cr_expect_eq(st.size, 0);
	if (is_pg())
		cr_expect_eq(prepared_count(c), 0);
	sx_db_close(c);
}

/* A text parameter with an explicit length stops there. */
CONTRACT(text_with_length)
{
	char *out = NULL;
	int64_t v = 0;

	cr_assert_eq(sx_db_scalar_text(ct.db, "SELECT CAST($1 AS TEXT)",
	    (const sx_db_value[]){{.type = SX_DB_TEXT, .v.s = {"abcdef", 3}}},
	    1, &out), SX_DB_OK);
	cr_expect_str_eq(out, "abc");
	free(out);
	cr_assert_eq(sx_db_scalar_int(ct.db, "SELECT CAST($1 AS INTEGER) + 1",
	    (const sx_db_value[]){{.type = SX_DB_TEXT, .v.s = {"41xyz", 2}}},
	    1, &v), SX_DB_OK);
	cr_expect_eq(v, 42);
}

/* ---- URLs (no database needed) ---- */

Test(contract, url_check)
{
	char err[256];

	cr_expect_eq(sx_db_url_check("sqlite:/tmp/x.db", err, sizeof(err)),
	    SX_DB_OK);
	cr_expect_eq(sx_db_url_check("sqlite::memory:", err, sizeof(err)),
	    SX_DB_OK);
	cr_expect_eq(sx_db_url_check("postgresql://u@h/db", err, sizeof(err)),
	    SX_DB_OK);
	cr_expect_eq(sx_db_url_check("host=/tmp dbname=x", err, sizeof(err)),
	    SX_DB_OK);
	cr_expect_eq(sx_db_url_check("sqlite:", err, sizeof(err)),
	    SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("mysql://x", err, sizeof(err)),
	    SX_DB_ERR_URL);
	cr_expect(strstr(err, "sqlite:PATH") != NULL, "message names the "
	    "forms: %s", err);
	cr_expect_eq(sx_db_url_check("postgresql://h/db?bogus=1", err,
	    sizeof(err)), SX_DB_ERR_URL);
	cr_expect_str_eq(sx_db_strerror(SX_DB_ERR_UNIQUE),
	    "unique constraint violated");
	cr_expect_str_eq(sx_db_dialect_name(SX_DB_SQLITE), "sqlite");
	cr_expect_str_eq(sx_db_dialect_name(SX_DB_POSTGRES), "postgres");
}

/* Every message the db layer writes for these URLs leaves the password
 * out, libpq's own text included. */
Test(contract, no_password_in_url_messages)
{
	static const char *const urls[] = {
		"mysql://root:secretpw@localhost/db",
		"ftp://u:secretpw@host/x",
		"postgresql://u:secretpw@[::1/db",
		"postgresql://u:secretpw@127.0.0.1:notaport/db",
		"postgresql://u:secretpw@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u:secretpw@host/db?bogus=1",
		"host=127.0.0.1 port=1 password=secretpw connect_timeout=2",
		"host=127.0.0.1 port=notaport password = 'secretpw'",
		"host=127.0.0.1 password=secretpw bogus=1",
		/* longer than any cut a message makes of the URL */
		"mysql://someone:secretpwsecretpwsecretpwsecretpwsecretpw@h/db",
	};
	char err[1024];
	sx_db_conn *c;
	sx_db_pool *p;

	for (size_t i = 0; i < sizeof(urls) / sizeof(*urls); i++) {
		err[0] = '\0';
		sx_db_url_check(urls[i], err, sizeof(err));
		cr_expect_null(strstr(err, "secretpw"), "url_check %s: %s",
		    urls[i], err);
		err[0] = '\0';
		cr_expect_neq(sx_db_open(urls[i], NULL, &c, err, sizeof(err)),
		    SX_DB_OK, "%s", urls[i]);
		cr_expect_neq(err[0], '\0', "open %s says why", urls[i]);
		cr_expect_null(strstr(err, "secretpw"), "open %s: %s", urls[i],
		    err);
		err[0] = '\0';
		if (sx_db_pool_new(urls[i], NULL, &p, err, sizeof(err)) ==
		    SX_DB_OK)
			sx_db_pool_free(p);
		cr_expect_null(strstr(err, "secretpw"), "pool %s: %s", urls[i],
		    err);
	}
	/* masked, not dropped: the message still shows which URL it was */
	sx_db_url_check("mysql://root:secretpw@localhost/db", err, sizeof(err));
	cr_expect_not_null(strstr(err, "root:"), "%s", err);
}

/* A port must be a number (or a list of them, one per host). */
Test(contract, port_must_be_a_number)
{
	char err[512] = "";

	cr_expect_eq(sx_db_url_check("postgresql://u:pw@127.0.0.1:notaport/db",
	    err, sizeof(err)), SX_DB_ERR_URL);
	cr_expect_not_null(strstr(err, "notaport"), "%s", err);
	cr_expect_null(strstr(err, "pw@"), "%s", err);
	cr_expect_eq(sx_db_url_check("postgresql://h:5432x/db", err,
	    sizeof(err)), SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("postgresql://h:99999/db", err,
	    sizeof(err)), SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("host=h port=abc", err, sizeof(err)),
	    SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("postgresql:///db?port=-1", err,
	    sizeof(err)), SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("postgresql://h1:5432,h2:x/db", err,
	    sizeof(err)), SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("postgresql://u:pw@127.0.0.1:5432/db",
	    err, sizeof(err)), SX_DB_OK, "%s", err);
	cr_expect_eq(sx_db_url_check("postgresql://h1:5432,h2:5433/db", err,
	    sizeof(err)), SX_DB_OK, "%s", err);
	cr_expect_eq(sx_db_url_check("postgresql://h/db", err, sizeof(err)),
	    SX_DB_OK, "%s", err);
	cr_expect_eq(sx_db_url_check("host=/tmp port=5433 dbname=x", err,
	    sizeof(err)), SX_DB_OK, "%s", err);
	/* and sx_db_open reports the URL, not a failed connection */
	cr_expect_eq(sx_db_open("postgresql://u:pw@127.0.0.1:notaport/db",
	    NULL, &(sx_db_conn *){NULL}, err, sizeof(err)), SX_DB_ERR_URL);
}

/* ---- parameters ---- */

/* Plain C values bind by their type: an int64_t and a const char * find
 * their row (they used to land in the type tag and find nothing). */
CONTRACT(params_from_c_values)
{
	sx_db_result *r = NULL;
	int64_t some_int64 = 2;
	const char *some_string = "two";
	int small = 2;
	double d = 2.5;
	bool yes = true;

	dbtest_run(ct.db, "CREATE TABLE p (id BIGINT, name TEXT, x DOUBLE "
	    "PRECISION, ok BOOLEAN)");
	cr_assert_eq(sx_db_exec(ct.db, "INSERT INTO p VALUES ($1, $2, $3, $4)",
	    SX_PARAMS(some_int64, some_string, d, yes), NULL), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	cr_assert_eq(sx_db_one(ct.db, "SELECT name FROM p WHERE id = $1 AND "
	    "name = $2", SX_PARAMS(some_int64, some_string), &r), SX_DB_OK,
	    "%s", sx_db_last_error(ct.db)->message);
	cr_expect_str_eq(sx_db_text(r, "name"), "two");
	sx_db_result_free(r);
	cr_assert_eq(sx_db_one(ct.db, "SELECT id FROM p WHERE id = $1 AND "
	    "x = $2 AND ok = $3", SX_PARAMS(small, d, SX_PBOOL(true)), &r),
	    SX_DB_OK, "%s", sx_db_last_error(ct.db)->message);
	cr_expect_eq(sx_db_int(r, "id"), 2);
	sx_db_result_free(r);
}

/* A value whose type tag is none of sx_db_type is refused before it is
 * sent, with the same code on both drivers. */
CONTRACT(unknown_param_type_refused)
{
	sx_db_value bad = SX_PINT(1);
	sx_db_stmt st = {"SELECT $1", &bad, 1};

	bad.type = (sx_db_type)77;
	cr_expect_eq(sx_db_exec(ct.db, "SELECT $1", &bad, 1, NULL),
	    SX_DB_ERR_TYPE);
	cr_expect(strstr(sx_db_last_error(ct.db)->message, "$1") != NULL);
	cr_expect_eq(sx_db_batch(ct.db, &st, 1, NULL), SX_DB_ERR_TYPE);
}

/* A wrong parameter count is found before the statement is sent: one code
 * and one message on both drivers, and a PostgreSQL transaction stays
 * usable. Placeholders in strings, comments and quoted names do not count. */
CONTRACT(wrong_param_count_same_error)
{
	int64_t v = 0;

	cr_assert_eq(sx_db_begin(ct.db), SX_DB_OK);
	cr_expect_eq(sx_db_exec(ct.db, "SELECT CAST($1 AS BIGINT) + "
	    "CAST($2 AS BIGINT)", SX_PARAMS(1), NULL), SX_DB_ERR_RANGE);
	cr_expect_str_eq(sx_db_last_error(ct.db)->message,
	    "statement uses $1..$2 but 1 parameters were given");
	cr_expect_eq(sx_db_exec(ct.db, "SELECT 1", SX_PARAMS(1), NULL),
	    SX_DB_ERR_RANGE);
	cr_expect_str_eq(sx_db_last_error(ct.db)->message,
	    "statement uses $1..$0 but 1 parameters were given");
	cr_assert_eq(sx_db_scalar_int(ct.db, "SELECT CAST($1 AS BIGINT) "
	    "/* $7 */ + length('$3') -- $9\n", SX_PARAMS(4), &v), SX_DB_OK,
	    "%s", sx_db_last_error(ct.db)->message);
	cr_expect_eq(v, 6);
	cr_expect_eq(sx_db_commit(ct.db), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
}

/* The bookmarks sequence: inside a transaction, an insert that breaks a
 * unique key is caught and the transaction answers another query (to say
 * "already exists as id N"), then commits what came before: the same on
 * both drivers (statement-level rollback). */
CONTRACT(failed_write_leaves_transaction_usable)
{
	int64_t id = 0;

	dbtest_run(ct.db, "CREATE TABLE bm (id BIGINT PRIMARY KEY, url TEXT "
	    "UNIQUE)");
	cr_assert_eq(sx_db_begin(ct.db), SX_DB_OK);
	cr_assert_eq(sx_db_exec(ct.db, "INSERT INTO bm VALUES ($1, $2)",
	    SX_PARAMS(1, "https://a"), NULL), SX_DB_OK);
	cr_assert_eq(sx_db_exec(ct.db, "INSERT INTO bm VALUES ($1, $2)",
	    SX_PARAMS(2, "https://a"), NULL), SX_DB_ERR_UNIQUE);
	cr_assert_eq(sx_db_scalar_int(ct.db, "SELECT id FROM bm WHERE url = $1",
	    SX_PARAMS("https://a"), &id), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	cr_expect_eq(id, 1);
	cr_assert_eq(sx_db_exec(ct.db, "UPDATE bm SET id = $1 WHERE id = $2",
	    SX_PARAMS(1, 1), NULL), SX_DB_OK);
	cr_assert_eq(sx_db_commit(ct.db), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	cr_expect_eq(committed_rows_of("bm"), 1);
}

/* ---- parameter types ---- */

/* Counts the rows of pt that sql (with params) selects (must succeed). */
static int64_t
count_where(sx_db_conn *c, const char *sql, const sx_db_value *p, size_t n)
{
	int64_t v = -1;

	cr_assert_eq(sx_db_scalar_int(c, sql, p, n, &v), SX_DB_OK, "%s: %s", sql,
	    sx_db_last_error(c)->message);
	return v;
}

static void
param_table(void)
{
	dbtest_run(ct.db, "CREATE TABLE pt (id BIGINT, n INTEGER, name TEXT, "
	    "at TIMESTAMP)");
	dbtest_run(ct.db, "INSERT INTO pt VALUES (1, 10, 'ann', "
	    "'2024-01-02 03:04:05'), (2, 20, 'bob', '2024-02-03 04:05:06'), "
	    "(3, 30, 'cy', '2024-03-04 05:06:07')");
}

/*
 * The portable forms work on both drivers, with a value and with NULL: a
 * parameter used twice, "$1 IS NULL OR col = $1" on a text and an integer
 * column (its first use leaves the type open on PostgreSQL), LIMIT and
 * OFFSET, integer and text comparisons, a string bound to a timestamp.
 */
static void
portable_param_forms(sx_db_conn *c)
{
	const char *opt_name = "SELECT count(*) FROM pt WHERE $1 IS NULL OR "
	    "name = $1";
	const char *opt_id = "SELECT count(*) FROM pt WHERE $1 IS NULL OR id = $1";
	const char *none = NULL;

	cr_expect_eq(count_where(c, opt_name, SX_PARAMS("bob")), 1);
	cr_expect_eq(count_where(c, opt_name, SX_PARAMS(none)), 3);
	cr_expect_eq(count_where(c, opt_name, SX_PARAMS("zed")), 0);
	cr_expect_eq(count_where(c, opt_id, SX_PARAMS(SX_PNULL)), 3);
	cr_expect_eq(count_where(c, opt_id, SX_PARAMS(2)), 1);
	cr_expect_eq(count_where(c, opt_id, SX_PARAMS(SX_PNULL)), 3);
	cr_expect_eq(count_where(c, "SELECT count(*) FROM (SELECT id FROM pt "
	    "ORDER BY id LIMIT $1 OFFSET $2) s", SX_PARAMS(2, 2)), 1);
	cr_expect_eq(count_where(c, "SELECT count(*) FROM pt WHERE n > $1 AND "
	    "id < $2 AND name <> $3", SX_PARAMS(10, (int64_t)3, "zed")), 1);
	cr_expect_eq(count_where(c, "SELECT count(*) FROM pt WHERE id = $1 OR "
	    "n = $1 * 10", SX_PARAMS(1)), 1);
	cr_expect_eq(count_where(c, "SELECT count(*) FROM pt WHERE n > $1",
	    SX_PARAMS(15.5)), 2);
	cr_expect_eq(count_where(c, "SELECT count(*) FROM pt WHERE at > $1",
	    SX_PARAMS("2024-02-01 00:00:00")), 2);
	cr_expect_eq(count_where(c, "SELECT count(*) FROM pt WHERE ($1 IS NULL "
	    "OR name = $1) AND ($2 IS NULL OR n >= $2)", SX_PARAMS(none, 20)), 2);
}

CONTRACT(portable_parameter_forms)
{
	param_table();
	portable_param_forms(ct.db);
}

/* The same forms inside a transaction, which stays usable while the
 * parameters' types are worked out, and with the statement cache off. */
CONTRACT(portable_parameter_forms_in_transaction_and_uncached)
{
	sx_db_options off = {.stmt_cache_size = -1};
	sx_db_conn *c;

	param_table();
	cr_assert_eq(sx_db_begin(ct.db), SX_DB_OK);
	portable_param_forms(ct.db);
	cr_expect_eq(sx_db_commit(ct.db), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	c = other_conn(&off);
	portable_param_forms(c);
	cr_assert_eq(sx_db_begin(c), SX_DB_OK);
	portable_param_forms(c);
	cr_expect_eq(sx_db_commit(c), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	sx_db_close(c);
}

/* One cached statement run with one type and then another for the same
 * parameter (NULL, an integer, a double, text) answers each right. */
CONTRACT(cached_statement_reused_with_other_types)
{
	const char *sql = "SELECT count(*) FROM pt WHERE $1 IS NULL OR n < $1";

	param_table();
	cr_expect_eq(count_where(ct.db, sql, SX_PARAMS(SX_PNULL)), 3);
	cr_expect_eq(count_where(ct.db, sql, SX_PARAMS(20)), 1);
	cr_expect_eq(count_where(ct.db, sql, SX_PARAMS(20.5)), 2);
	cr_expect_eq(count_where(ct.db, sql, SX_PARAMS(SX_PNULL)), 3);
	cr_expect_eq(count_where(ct.db, sql, SX_PARAMS(11)), 1);
	cr_expect_eq(count_where(ct.db, "SELECT count(*) FROM pt WHERE "
	    "$1 IS NULL OR name = $1", SX_PARAMS(SX_PNULL)), 3);
	cr_expect_eq(count_where(ct.db, "SELECT count(*) FROM pt WHERE "
	    "$1 IS NULL OR name = $1", SX_PARAMS("cy")), 1);
}

/* Values keep their types: a bool is a boolean, a double a double, an
 * integer beyond 32 bits exact, a batch prepares each statement with its
 * own parameters' types. */
CONTRACT(parameter_values_keep_their_types)
{
	sx_db_result *r = NULL;
	sx_db_result *res[2] = {NULL, NULL};
	const char *none = NULL;
	bool yes = true;	/* a bare `true` is an int in C */
	sx_db_stmt st[2] = {
		{"INSERT INTO pt (id, name) VALUES ($1, $2)",
		    SX_PARAMS((int64_t)5000000000, "big")},
		{"SELECT count(*) AS c FROM pt WHERE $1 IS NULL OR name = $1",
		    SX_PARAMS(none)},
	};

	param_table();
	cr_assert_eq(sx_db_one(ct.db, "SELECT $1 + 1 AS i, $2 * 2 AS d, "
	    "CASE WHEN $3 THEN 'yes' ELSE 'no' END AS b",
	    SX_PARAMS((int64_t)5000000000, 1.25, yes), &r), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	cr_expect_eq(sx_db_get_int(r, 0), 5000000001);
	cr_expect(sx_db_get_double(r, 1) == 2.5);
	cr_expect_str_eq(sx_db_get_text(r, 2), "yes");
	sx_db_result_free(r);
	cr_assert_eq(sx_db_batch(ct.db, st, 2, res), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	cr_expect_eq(sx_db_get_int(res[1], 0), 4);
	sx_db_result_free(res[0]);
	sx_db_result_free(res[1]);
}

/* ---- checked getters, nullable scalars, exactly one ---- */

/* Checked getters tell a value from a missing column, a NULL and a value
 * of another kind, the same on both drivers. */
CONTRACT(checked_getters)
{
	sx_db_result *r = NULL;
	int64_t i = -1;
	double d = -1;
	bool b = true;
	const char *s = "x";

	cr_assert_eq(sx_db_one(ct.db, "SELECT CAST(7 AS BIGINT) AS id, "
	    "'abc' AS word, CAST(NULL AS BIGINT) AS none, 2.5 AS half, "
	    "CAST(4.0 AS DOUBLE PRECISION) AS whole, '42' AS digits, "
	    "1 = 1 AS yes, CAST(0 AS BIGINT) AS zero", NULL, 0, &r), SX_DB_OK,
	    "%s", sx_db_last_error(ct.db)->message);
	cr_expect(sx_db_int_at(r, "id", &i));
	cr_expect_eq(i, 7);
	cr_expect_not(sx_db_int_at(r, "ID_misspelt", &i));
	cr_expect_eq(i, 0);
	cr_expect_not(sx_db_int_at(r, "word", &i));
	cr_expect_not(sx_db_int_at(r, "none", &i));
	cr_expect_not(sx_db_int_at(r, "half", &i));
	cr_expect(sx_db_int_at(r, "whole", &i));
	cr_expect_eq(i, 4);
	cr_expect(sx_db_int_at(r, "digits", &i));
	cr_expect_eq(i, 42);
	cr_expect(sx_db_double_at(r, "half", &d));
	cr_expect(d == 2.5);
	cr_expect_not(sx_db_double_at(r, "word", &d));
	cr_expect_not(sx_db_double_at(r, "none", &d));
	cr_expect(sx_db_bool_at(r, "yes", &b));
	cr_expect(b);
	cr_expect(sx_db_bool_at(r, "zero", &b));
	cr_expect_not(b);
	cr_expect_not(sx_db_bool_at(r, "word", &b));
	cr_expect(sx_db_text_at(r, "word", &s));
	cr_expect_str_eq(s, "abc");
	cr_expect(sx_db_text_at(r, "id", &s));
	cr_expect_str_eq(s, "7");
	cr_expect_not(sx_db_text_at(r, "none", &s));
	cr_expect_null(s);
	cr_expect_not(sx_db_text_at(r, "nmae", &s));
	sx_db_result_free(r);
}

/* A NULL scalar is an answer of its own with the _or_null forms, an error
 * (naming the fix) with the others; sum() of integers is an integer on
 * both (numeric on PostgreSQL). */
CONTRACT(nullable_scalars)
{
	int64_t v = -1;
	bool is_null = false;
	char *s = NULL;

	dbtest_run(ct.db, "CREATE TABLE ns (x BIGINT)");
	cr_expect_eq(sx_db_scalar_int_or_null(ct.db, "SELECT max(x) FROM ns",
	    NULL, 0, &v, &is_null), SX_DB_OK);
	cr_expect(is_null);
	cr_expect_eq(sx_db_scalar_int(ct.db, "SELECT max(x) FROM ns", NULL, 0,
	    &v), SX_DB_ERR_TYPE);
	cr_expect(strstr(sx_db_last_error(ct.db)->message, "_or_null") != NULL);
	cr_expect_eq(sx_db_scalar_text_or_null(ct.db, "SELECT max(x) FROM ns",
	    NULL, 0, &s), SX_DB_OK);
	cr_expect_null(s);
	cr_expect_eq(sx_db_scalar_text(ct.db, "SELECT max(x) FROM ns", NULL, 0,
	    &s), SX_DB_ERR_TYPE);
	dbtest_run(ct.db, "INSERT INTO ns VALUES (2), (3)");
	cr_expect_eq(sx_db_scalar_int_or_null(ct.db, "SELECT sum(x) FROM ns",
	    NULL, 0, &v, &is_null), SX_DB_OK, "%s",
	    sx_db_last_error(ct.db)->message);
	cr_expect_not(is_null);
	cr_expect_eq(v, 5);
	cr_expect_eq(sx_db_scalar_int(ct.db, "SELECT 'abc'", NULL, 0, &v),
	    SX_DB_ERR_TYPE);
	cr_expect_eq(sx_db_scalar_text_or_null(ct.db, "SELECT max(x) FROM ns",
	    NULL, 0, &s), SX_DB_OK);
	cr_expect_str_eq(s, "3");
	free(s);
}

/* sx_db_exactly_one: one row is OK, none SX_DB_NO_ROW, more
 * SX_DB_ERR_TOO_MANY with no result; sx_db_one keeps taking the first. */
CONTRACT(exactly_one_row)
{
	sx_db_result *r = NULL;
	int64_t v = 0;

	dbtest_run(ct.db, "CREATE TABLE eo (x BIGINT); "
	    "INSERT INTO eo VALUES (1), (2), (2)");
	cr_expect_eq(sx_db_exactly_one(ct.db, "SELECT x FROM eo WHERE x = $1",
	    SX_PARAMS(1), &r), SX_DB_OK);
	cr_expect(sx_db_int_at(r, "x", &v));
	cr_expect_eq(v, 1);
	sx_db_result_free(r);
	cr_expect_eq(sx_db_exactly_one(ct.db, "SELECT x FROM eo WHERE x = $1",
	    SX_PARAMS(3), &r), SX_DB_NO_ROW);
	cr_expect_null(r);
	cr_expect_eq(sx_db_exactly_one(ct.db, "SELECT x FROM eo WHERE x = $1",
	    SX_PARAMS(2), &r), SX_DB_ERR_TOO_MANY);
	cr_expect_null(r);
	cr_expect_str_eq(sx_db_strerror(SX_DB_ERR_TOO_MANY),
	    "query returned more than the one row expected");
	cr_expect_eq(sx_db_one(ct.db, "SELECT x FROM eo ORDER BY x", NULL, 0,
	    &r), SX_DB_OK);
	cr_expect_eq(sx_db_rows(r), 1);
	sx_db_result_free(r);
}

/* ---- the same JSON for the same row ---- */

/* A row's JSON as text (must succeed), printed from the parsed text so
 * that embedded JSON's own spacing does not count. */
static char *
row_json_text(const char *sql)
{
	sx_db_result *r = NULL;
	cJSON *j;
	char *s;

	cr_assert_eq(sx_db_one(ct.db, sql, NULL, 0, &r), SX_DB_OK, "%s: %s", sql,
	    sx_db_last_error(ct.db)->message);
	cr_assert_not_null(j = sx_db_row_json(r));
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	cr_assert_not_null(j = cJSON_Parse(s), "%s", s);
	free(s);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	sx_db_result_free(r);
	return s;
}

/* Timestamps in one format, BOOLEAN columns as true/false, JSON columns
 * and the JSON aggregates of each dialect embedded as JSON: the same text
 * on both drivers. */
CONTRACT(same_json_for_same_row)
{
	const char *agg = is_pg() ?
	    "SELECT p.id, (SELECT json_agg(json_build_object('n', c.n) ORDER BY "
	    "c.n) FROM kid c WHERE c.pid = p.id) AS kids, json_build_object('a', "
	    "1) AS obj FROM par p" :
	    "SELECT p.id, (SELECT json_group_array(json_object('n', c.n)) FROM "
	    "(SELECT n FROM kid WHERE pid = p.id ORDER BY n) c) AS kids, "
	    "json_object('a', 1) AS obj FROM par p";
	char *s;

	dbtest_run(ct.db, "CREATE TABLE jr (id BIGINT, ok BOOLEAN, at TIMESTAMP, "
	    "at2 TIMESTAMP, doc JSON, bad TEXT); CREATE TABLE par (id BIGINT); "
	    "CREATE TABLE kid (pid BIGINT, n BIGINT)");
	dbtest_run(ct.db, "INSERT INTO jr VALUES (1, TRUE, '2024-01-02 03:04:05', "
	    "'2024-01-02 03:04:05.120', '{\"k\": [1, 2]}', '{not json'); "
	    "INSERT INTO par VALUES (7); INSERT INTO kid VALUES (7, 2), (7, 1)");
	s = row_json_text("SELECT id, ok, at, at2, doc, bad FROM jr");
	cr_expect_str_eq(s, "{\"id\":1,\"ok\":true,\"at\":\"2024-01-02T03:04:05\","
	    "\"at2\":\"2024-01-02T03:04:05.12\",\"doc\":{\"k\":[1,2]},"
	    "\"bad\":\"{not json\"}");
	free(s);
	s = row_json_text(agg);
	cr_expect_str_eq(s, "{\"id\":7,\"kids\":[{\"n\":1},{\"n\":2}],"
	    "\"obj\":{\"a\":1}}");
	free(s);
}

/* ---- arrays ---- */

/* "id is one of these" from a C array, a cJSON array and text, in each
 * dialect's documented spelling. */
CONTRACT(array_parameters)
{
	const char *any = is_pg() ?
	    "SELECT count(*) FROM pt WHERE id = ANY($1)" :
	    "SELECT count(*) FROM pt WHERE id IN (SELECT value FROM json_each($1))";
	const char *any_name = is_pg() ?
	    "SELECT count(*) FROM pt WHERE name = ANY($1)" :
	    "SELECT count(*) FROM pt WHERE name IN (SELECT value FROM "
	    "json_each($1))";
	const char *any_n = is_pg() ?
	    "SELECT count(*) FROM pt WHERE n = ANY($1)" :
	    "SELECT count(*) FROM pt WHERE n IN (SELECT value FROM json_each($1))";
	int64_t ids[] = {1, 3, 99};
	double ns[] = {10, 30.5};
	const char *names[] = {"bob", "cy", NULL, "q\"uote"};
	cJSON *j = cJSON_Parse("[2, 3]");
	cJSON *mixed = cJSON_Parse("[2, \"x\"]");

	param_table();
	cr_expect_eq(count_where(ct.db, any, SX_PARAMS(SX_PINTS(ids, 3))), 2);
	cr_expect_eq(count_where(ct.db, any, SX_PARAMS(SX_PINTS(ids, 0))), 0);
	cr_expect_eq(count_where(ct.db, any_n, SX_PARAMS(SX_PDOUBLES(ns, 2))), 1);
	cr_expect_eq(count_where(ct.db, any_name, SX_PARAMS(SX_PTEXTS(names, 4))),
	    2);
	cr_expect_eq(count_where(ct.db, any, SX_PARAMS(j)), 2);
	cr_expect_eq(sx_db_exec(ct.db, any, SX_PARAMS(SX_PINTS(NULL, 2)), NULL),
	    SX_DB_ERR_TYPE);
	if (is_pg())
		cr_expect_eq(sx_db_exec(ct.db, any, SX_PARAMS(mixed), NULL),
		    SX_DB_ERR_TYPE);
	cJSON_Delete(j);
	cJSON_Delete(mixed);
}

/* PostgreSQL arrays come out of sx_db_row_json as JSON arrays with their
 * elements' types; SQLite's JSON arrays the same. */
CONTRACT(arrays_to_json)
{
	char *s;

	if (is_pg()) {
		s = row_json_text("SELECT ARRAY[1, 2, NULL]::int8[] AS i, "
		    "ARRAY[1.5, -2]::float4[] AS f4, ARRAY[0.25, 'NaN']::float8[] "
		    "AS f8, ARRAY['a', 'b\"c', NULL, 'NULL', 'x,y']::text[] AS t, "
		    "ARRAY[true, false]::bool[] AS b, ARRAY[[1, 2], [3, 4]]::int4[] "
		    "AS m, '{}'::int8[] AS e");
	} else {
		s = row_json_text("SELECT json_array(1, 2, NULL) AS i, "
		    "json_array(1.5, -2.0) AS f4, json_array(0.25, NULL) AS f8, "
		    "json_array('a', 'b\"c', NULL, 'NULL', 'x,y') AS t, "
		    "json('[true, false]') AS b, json_array(json_array(1, 2), "
		    "json_array(3, 4)) AS m, json_array() AS e");
	}
	cr_expect_str_eq(s, "{\"i\":[1,2,null],\"f4\":[1.5,-2],\"f8\":[0.25,null],"
	    "\"t\":[\"a\",\"b\\\"c\",null,\"NULL\",\"x,y\"],\"b\":[true,false],"
	    "\"m\":[[1,2],[3,4]],\"e\":[]}");
	free(s);
}
