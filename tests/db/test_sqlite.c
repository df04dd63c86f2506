/*
 * test_sqlite.c: the database layer over real SQLite files: types, $N
 * placeholders, errors, transactions and savepoints, the statement cache,
 * JSON and batches.
 */
/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"

#include "sx_db.h"

#include <math.h>

static char *tmpdir;
static sx_db_conn *db;

/* Opens a fresh database file in a temporary directory. */
static sx_db_conn *
open_file(const char *name, const sx_db_options *opt)
{
	char url[512], err[256] = "";
	sx_db_conn *c = NULL;

	snprintf(url, sizeof(url), "sqlite:%s/%s", tmpdir, name);
	cr_assert_eq(sx_db_open(url, opt, &c, err, sizeof(err)), SX_DB_OK, "open: %s", err);
	return c;
}

static void
setup(void)
{
	tmpdir = sx_test_tmpdir();
	db = open_file("t.db", NULL);
}

static void
teardown(void)
{
	char cmd[600];

	sx_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
	free(tmpdir);
}

static void
run(sx_db_conn *c, const char *sql)
{
	cr_assert_eq(sx_db_exec_script(c, sql), SX_DB_OK, "%s: %s", sql,
	    sx_db_last_error(c)->message);
}

TestSuite(sqlite, .init = setup, .fini = teardown);

Test(sqlite, url_check)
{
	char err[256];

	cr_expect_eq(sx_db_url_check("sqlite:/tmp/x.db", err, sizeof(err)), SX_DB_OK);
	cr_expect_eq(sx_db_url_check("sqlite::memory:", err, sizeof(err)), SX_DB_OK);
	cr_expect_eq(sx_db_url_check("postgresql://u@h/db", err, sizeof(err)), SX_DB_OK);
	cr_expect_eq(sx_db_url_check("host=/tmp dbname=x", err, sizeof(err)), SX_DB_OK);
	cr_expect_eq(sx_db_url_check("sqlite:", err, sizeof(err)), SX_DB_ERR_URL);
	cr_expect_eq(sx_db_url_check("mysql://x", err, sizeof(err)), SX_DB_ERR_URL);
	cr_expect(strstr(err, "sqlite:PATH") != NULL, "message names the forms: %s", err);
	cr_expect_eq(sx_db_url_check("postgresql://h/db?bogus=1", err, sizeof(err)), SX_DB_ERR_URL);
	cr_expect_str_eq(sx_db_strerror(SX_DB_ERR_UNIQUE), "unique constraint violated");
	cr_expect_str_eq(sx_db_dialect_name(sx_db_conn_dialect(db)), "sqlite");
}

Test(sqlite, pragmas_set)
{
	char *mode = NULL;
	int64_t fk = 0, timeout = 0;

	cr_assert_eq(sx_db_scalar_text(db, "PRAGMA journal_mode", NULL, 0, &mode), SX_DB_OK);
	cr_expect_str_eq(mode, "wal");
	free(mode);
	cr_assert_eq(sx_db_scalar_int(db, "PRAGMA foreign_keys", NULL, 0, &fk), SX_DB_OK);
	cr_expect_eq(fk, 1);
	cr_assert_eq(sx_db_scalar_int(db, "PRAGMA busy_timeout", NULL, 0, &timeout), SX_DB_OK);
	cr_expect_eq(timeout, 5000);
}

Test(sqlite, types_round_trip)
{
	static const unsigned char blob[] = {0, 1, 2, 0xff, 0};
	sx_db_result *r = NULL;
	size_t len = 0;
	const void *b;

	run(db, "CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, f INTEGER, n TEXT)");
	cr_assert_eq(sx_db_exec(db, "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)",
	    SX_PARAMS(SX_PINT(INT64_MAX), SX_PDOUBLE(2.5), SX_PTEXT("héllo"),
	    SX_PBLOB((const char *)blob, sizeof(blob)), SX_PBOOL(true), SX_PNULL), &r), SX_DB_OK);
	cr_expect_eq(sx_db_affected(r), 1);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_one(db, "SELECT i, d, s, b, f, n FROM t", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_cols(r), 6);
	cr_expect_eq(sx_db_col_type(r, 0), SX_DB_INT);
	cr_expect_eq(sx_db_get_int(r, 0), INT64_MAX);
	cr_expect_eq(sx_db_col_type(r, 1), SX_DB_DOUBLE);
	cr_expect(sx_db_get_double(r, 1) == 2.5);
	cr_expect_str_eq(sx_db_get_text(r, 2), "héllo");
	cr_expect_eq(sx_db_col_type(r, 3), SX_DB_BLOB);
	b = sx_db_get_blob(r, 3, &len);
	cr_expect_eq(len, sizeof(blob));
	cr_expect_arr_eq(b, blob, sizeof(blob));
	cr_expect(sx_db_get_bool(r, 4));
	cr_expect_eq(sx_db_get_int(r, 4), 1);
	cr_expect(sx_db_is_null(r, 5));
	cr_expect_null(sx_db_get_text(r, 5));
	cr_expect_str_eq(sx_db_get_text(r, 0), "9223372036854775807");
	cr_expect_eq(sx_db_int(r, "i"), INT64_MAX);
	cr_expect_str_eq(sx_db_text(r, "s"), "héllo");
	cr_expect_eq(sx_db_col_index(r, "n"), 5);
	cr_expect_eq(sx_db_col_index(r, "nope"), -1);
	cr_expect_null(sx_db_col_name(r, 6));
	sx_db_result_free(r);
}

Test(sqlite, text_with_length_and_embedded_bytes)
{
	char *out = NULL;

	cr_assert_eq(sx_db_scalar_text(db, "SELECT $1",
	    (const sx_db_value[]){{.type = SX_DB_TEXT, .v.s = {"abcdef", 3}}}, 1, &out), SX_DB_OK);
	cr_expect_str_eq(out, "abc");
	free(out);
}

Test(sqlite, placeholders_bind_by_number)
{
	sx_db_result *r = NULL;
	int64_t v = 0;

	cr_assert_eq(sx_db_one(db, "SELECT $2 AS b, $1 AS a, $2 || $1 AS ba",
	    SX_PARAMS(SX_PTEXT("one"), SX_PTEXT("two")), &r), SX_DB_OK);
	cr_expect_str_eq(sx_db_text(r, "b"), "two");
	cr_expect_str_eq(sx_db_text(r, "a"), "one");
	cr_expect_str_eq(sx_db_text(r, "ba"), "twoone");
	sx_db_result_free(r);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT $1 + $1 * $2", SX_PARAMS(SX_PINT(3), SX_PINT(4)), &v),
	    SX_DB_OK);
	cr_expect_eq(v, 15);
	/* Too few or too many parameters, and foreign placeholder styles. */
	cr_expect_eq(sx_db_scalar_int(db, "SELECT $2", SX_PARAMS(SX_PINT(1)), &v), SX_DB_ERR_RANGE);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT $1", SX_PARAMS(SX_PINT(1), SX_PINT(2)), &v),
	    SX_DB_ERR_RANGE);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT ?", SX_PARAMS(SX_PINT(1)), &v), SX_DB_ERR_SQL);
	cr_expect(strstr(sx_db_last_error(db)->message, "$1..$n") != NULL);
}

Test(sqlite, one_row_and_no_row)
{
	sx_db_result *r = (sx_db_result *)1;
	int64_t v = 7;

	run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
	cr_expect_eq(sx_db_one(db, "SELECT * FROM t WHERE id = $1", SX_PARAMS(SX_PINT(1)), &r),
	    SX_DB_NO_ROW);
	cr_expect_null(r);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT id FROM t", NULL, 0, &v), SX_DB_NO_ROW);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT NULL", NULL, 0, &v), SX_DB_ERR_TYPE);
	cr_expect_eq(sx_db_exec(db, "SELECT * FROM missing", NULL, 0, NULL), SX_DB_ERR_SQL);
	cr_expect(strstr(sx_db_last_error(db)->message, "missing") != NULL);
	cr_expect_neq(sx_db_last_error(db)->native, 0);
	cr_expect_eq(sx_db_exec(db, "SELECT 1; SELECT 2", NULL, 0, NULL), SX_DB_ERR_SQL);
}

/* sx_db_one holds the first row only; a write through it still runs to the
 * end, so every row changes and the count is right. */
Test(sqlite, one_row_of_many_and_writes_run_whole)
{
	sx_db_result *r = NULL;
	int64_t total = 0;

	run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)");
	run(db, "INSERT INTO t (n) VALUES (1), (2), (3)");
	cr_assert_eq(sx_db_one(db, "SELECT id, n FROM t ORDER BY id", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_rows(r), 1);
	cr_expect_eq(sx_db_get_int(r, 1), 1);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_one(db, "UPDATE t SET n = n * 10 RETURNING n", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_rows(r), 1);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_scalar_int(db, "SELECT sum(n) FROM t", NULL, 0, &total), SX_DB_OK);
	cr_expect_eq(total, 60, "every row was updated (sum %lld)", (long long)total);
	/* The statement was reset: running it again starts from the first row. */
	cr_assert_eq(sx_db_one(db, "SELECT id, n FROM t ORDER BY id", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_get_int(r, 1), 10);
	sx_db_result_free(r);
}

Test(sqlite, iterate_seek_and_returning)
{
	sx_db_result *r = NULL;
	int64_t sum = 0;

	run(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
	cr_assert_eq(sx_db_exec(db, "INSERT INTO t (name) VALUES ($1), ($2), ($3) RETURNING id",
	    SX_PARAMS(SX_PTEXT("a"), SX_PTEXT("b"), SX_PTEXT("c")), &r), SX_DB_OK);
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
	cr_assert_eq(sx_db_exec(db, "UPDATE t SET name = 'x' WHERE id > $1", SX_PARAMS(SX_PINT(1)), &r),
	    SX_DB_OK);
	cr_expect_eq(sx_db_affected(r), 2);
	cr_expect_eq(sx_db_rows(r), 0);
	sx_db_result_free(r);
}

Test(sqlite, errors_classified)
{
	const sx_db_error_info *e;

	run(db, "CREATE TABLE p (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n INTEGER NOT NULL CHECK (n > 0));"
	    "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))");
	run(db, "INSERT INTO p VALUES (1, 'a', 1)");
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES ($1, 'b', 1)", SX_PARAMS(SX_PINT(1)), NULL),
	    SX_DB_ERR_UNIQUE);
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES (2, $1, 1)", SX_PARAMS(SX_PTEXT("a")), NULL),
	    SX_DB_ERR_UNIQUE);
	e = sx_db_last_error(db);
	cr_expect_eq(e->code, SX_DB_ERR_UNIQUE);
	cr_expect_str_eq(e->sqlstate, "");
	cr_expect_eq(e->native, 2067 /* SQLITE_CONSTRAINT_UNIQUE */);
	cr_expect(strstr(e->message, "UNIQUE") != NULL, "%s", e->message);
	cr_expect_eq(sx_db_exec(db, "INSERT INTO c VALUES (1, $1)", SX_PARAMS(SX_PINT(99)), NULL),
	    SX_DB_ERR_FOREIGN_KEY);
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES (3, 'c', $1)", SX_PARAMS(SX_PINT(0)), NULL),
	    SX_DB_ERR_CONSTRAINT);
	cr_expect_eq(sx_db_exec(db, "INSERT INTO p VALUES (4, 'd', $1)", SX_PARAMS(SX_PNULL), NULL),
	    SX_DB_ERR_CONSTRAINT);
	/* A success clears the last error. */
	cr_expect_eq(sx_db_exec(db, "SELECT 1", NULL, 0, NULL), SX_DB_OK);
	cr_expect_eq(sx_db_last_error(db)->code, SX_DB_OK);
	cr_expect_str_eq(sx_db_last_error(db)->message, "");
}

Test(sqlite, busy_with_two_connections)
{
	sx_db_options quick = {.busy_timeout_ms = 50};
	sx_db_conn *other = open_file("t.db", &quick);

	run(db, "CREATE TABLE t (x INTEGER)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_assert_eq(sx_db_exec(db, "INSERT INTO t VALUES (1)", NULL, 0, NULL), SX_DB_OK);
	cr_expect_eq(sx_db_begin(other), SX_DB_ERR_BUSY);
	cr_expect_eq(sx_db_last_error(other)->native & 0xff, 5 /* SQLITE_BUSY */);
	cr_expect_not(sx_db_in_transaction(other));
	cr_expect_eq(sx_db_exec(other, "INSERT INTO t VALUES (2)", NULL, 0, NULL), SX_DB_ERR_BUSY);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_eq(sx_db_begin(other), SX_DB_OK);
	cr_expect_eq(sx_db_commit(other), SX_DB_OK);
	sx_db_close(other);
}

Test(sqlite, transactions_and_savepoints)
{
	int64_t n = -1;

	run(db, "CREATE TABLE t (x INTEGER)");
	cr_expect_eq(sx_db_commit(db), SX_DB_ERR_STATE);
	cr_expect_eq(sx_db_rollback(db), SX_DB_ERR_STATE);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect(sx_db_in_transaction(db));
	run(db, "INSERT INTO t VALUES (1)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);		/* savepoint sx_1 */
	run(db, "INSERT INTO t VALUES (2)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);		/* savepoint sx_2 */
	run(db, "INSERT INTO t VALUES (3)");
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);	/* drops 3 */
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);		/* keeps 2 */
	cr_expect(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	run(db, "INSERT INTO t VALUES (4)");
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);	/* drops 4 */
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_scalar_int(db, "SELECT sum(x) FROM t", NULL, 0, &n), SX_DB_OK);
	cr_expect_eq(n, 3);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	run(db, "INSERT INTO t VALUES (100)");
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(db, "SELECT sum(x) FROM t", NULL, 0, &n), SX_DB_OK);
	cr_expect_eq(n, 3);
}

Test(sqlite, failed_commit_leaves_no_transaction)
{
	run(db, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	run(db, "INSERT INTO c VALUES (42)");
	cr_expect_eq(sx_db_commit(db), SX_DB_ERR_FOREIGN_KEY);
	cr_expect_neq(sx_db_last_error(db)->native, 0);
	cr_expect_not(sx_db_in_transaction(db));
	cr_expect_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect_eq(sx_db_rollback(db), SX_DB_OK);
}

Test(sqlite, statement_cache_evicts_lru)
{
	sx_db_options small = {.stmt_cache_size = 2};
	sx_db_conn *c = open_file("cache.db", &small);
	sx_db_cache_stats st;
	int64_t v;

	cr_assert_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 2", NULL, 0, &v), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_OK);	/* hit */
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 1);
	cr_expect_eq(st.misses, 2);
	cr_expect_eq(st.evictions, 0);
	cr_expect_eq(st.size, 2);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 3", NULL, 0, &v), SX_DB_OK);	/* evicts 2 */
	cr_expect_eq(v, 3);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_OK);	/* still cached */
	cr_assert_eq(sx_db_scalar_int(c, "SELECT 2", NULL, 0, &v), SX_DB_OK);	/* miss again */
	cr_expect_eq(v, 2);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 2);
	cr_expect_eq(st.misses, 4);
	cr_expect_eq(st.evictions, 2);
	cr_expect_eq(st.size, 2);
	sx_db_close(c);
}

Test(sqlite, statement_cache_off)
{
	sx_db_options off = {.stmt_cache_size = -1};
	sx_db_conn *c = open_file("off.db", &off);
	sx_db_cache_stats st;
	int64_t v;
	int i;

	for (i = 0; i < 3; i++)
		cr_assert_eq(sx_db_scalar_int(c, "SELECT $1", SX_PARAMS(SX_PINT(i)), &v), SX_DB_OK);
	cr_expect_eq(v, 2);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.hits, 0);
	cr_expect_eq(st.size, 0);
	sx_db_close(c);
}

Test(sqlite, json_honest_types)
{
	sx_db_result *r = NULL;
	cJSON *j, *arr;
	char *s;

	cr_assert_eq(sx_db_one(db, "SELECT 42 AS i, 9007199254740993 AS big, 1.5 AS d, 'x\"y' AS s, "
	    "NULL AS n, X'00FF10' AS b", NULL, 0, &r), SX_DB_OK);
	j = sx_db_row_json(r);
	cr_assert_not_null(j);
	s = cJSON_PrintUnformatted(j);
	cr_expect_str_eq(s, "{\"i\":42,\"big\":9007199254740993,\"d\":1.5,\"s\":\"x\\\"y\","
	    "\"n\":null,\"b\":\"AP8Q\"}");
	free(s);
	cJSON_Delete(j);
	arr = sx_db_result_json(r);
	cr_expect_eq(cJSON_GetArraySize(arr), 1);
	cJSON_Delete(arr);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_exec(db, "SELECT 1 WHERE 0", NULL, 0, &r), SX_DB_OK);
	cr_expect_null(sx_db_row_json(r));
	arr = sx_db_result_json(r);
	s = cJSON_PrintUnformatted(arr);
	cr_expect_str_eq(s, "[]");
	free(s);
	cJSON_Delete(arr);
	sx_db_result_free(r);
}

Test(sqlite, batch_in_sequence_all_or_nothing)
{
	sx_db_result *res[3];
	const sx_db_stmt ok[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(1))},
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(2))},
		{"SELECT sum(x) FROM t", NULL, 0},
	};
	const sx_db_stmt bad[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(10))},
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(1))},	/* duplicate */
		{"SELECT 1", NULL, 0},
	};
	int64_t n = 0;

	run(db, "CREATE TABLE t (x INTEGER PRIMARY KEY)");
	cr_assert_eq(sx_db_batch(db, ok, 3, res), SX_DB_OK);
	cr_expect_eq(sx_db_affected(res[0]), 1);
	cr_expect_eq(sx_db_get_int(res[2], 0), 3);
	for (int i = 0; i < 3; i++)
		sx_db_result_free(res[i]);
	cr_expect_eq(sx_db_batch(db, bad, 3, res), SX_DB_ERR_UNIQUE);
	cr_expect_null(res[0]);
	cr_expect_not(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_scalar_int(db, "SELECT count(*) FROM t", NULL, 0, &n), SX_DB_OK);
	cr_expect_eq(n, 2, "the failed batch left nothing behind");
	cr_expect_eq(sx_db_batch(db, ok + 2, 1, NULL), SX_DB_OK);
}

Test(sqlite, memory_database)
{
	sx_db_conn *c = NULL;
	int64_t v = 0;

	cr_assert_eq(sx_db_open("sqlite::memory:", NULL, &c, NULL, 0), SX_DB_OK);
	run(c, "CREATE TABLE t (x); INSERT INTO t VALUES (5)");
	cr_expect_eq(sx_db_scalar_int(c, "SELECT x FROM t", NULL, 0, &v), SX_DB_OK);
	cr_expect_eq(v, 5);
	sx_db_close(c);
}

Test(sqlite, open_failure_names_the_path)
{
	sx_db_conn *c = (sx_db_conn *)1;
	char err[256] = "";

	cr_expect_eq(sx_db_open("sqlite:/nonexistent-dir/x.db", NULL, &c, err, sizeof(err)),
	    SX_DB_ERR_CONNECT);
	cr_expect_null(c);
	cr_expect(strstr(err, "/nonexistent-dir/x.db") != NULL, "%s", err);
}
