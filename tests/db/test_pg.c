/*
 * test_pg.c: what only the PostgreSQL driver has, over the real server
 * named by SX_TEST_PG_URL: its types, SQLSTATEs, lock timeouts and
 * serialization failures (two connections), a stale plan inside a
 * transaction, JSON of its types, pipelined batches, a terminated backend.
 * What both drivers must do alike is in test_contract.c.
 */
#include "dbtest.h"

static const char *url;
static sx_db_conn *db;

static void
setup(void)
{
	url = dbtest_pg_url();
	db = dbtest_open(url, NULL);
}

static void
teardown(void)
{
	sx_db_close(db);
	dbtest_pg_drop();
}

TestSuite(pg, .init = setup, .fini = teardown);

/* Number of named prepared statements of c's server session. */
static int64_t
prepared_count(sx_db_conn *c)
{
	int64_t n = -1;

	cr_assert_eq(sx_db_scalar_int(c, "SELECT count(*) FROM pg_prepared_statements "
	    "WHERE name LIKE 'sx_s%'", NULL, 0, &n), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	return n;
}

Test(pg, types_round_trip)
{
	static const char blob[] = {0, 1, '\\', (char)0xff, 0};
	sx_db_result *r = NULL;
	const void *b;
	size_t len = 0;

	cr_expect_str_eq(sx_db_dialect_name(sx_db_conn_dialect(db)), "postgres");
	dbtest_run(db, "CREATE TABLE t (i int8, s int2, d float8, txt text, b bytea, f bool, "
	    "n numeric(30,10), ts timestamptz, nul text)");
	cr_assert_eq(sx_db_exec(db, "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	    SX_PARAMS(SX_PINT(INT64_MIN), SX_PINT(-7), SX_PDOUBLE(0.1), SX_PTEXT("héllo 'q'"),
	    SX_PBLOB(blob, sizeof(blob)), SX_PBOOL(true), SX_PTEXT("12345678901234567890.0123456789"),
	    SX_PTEXT("2024-01-02 03:04:05+00"), SX_PNULL), &r), SX_DB_OK,
	    "%s", sx_db_last_error(db)->message);
	cr_expect_eq(sx_db_affected(r), 1);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_one(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_col_type(r, 0), SX_DB_INT);
	cr_expect_eq(sx_db_get_int(r, 0), INT64_MIN);
	cr_expect_eq(sx_db_get_int(r, 1), -7);
	cr_expect_eq(sx_db_col_type(r, 2), SX_DB_DOUBLE);
	cr_expect(sx_db_get_double(r, 2) == 0.1);
	cr_expect_str_eq(sx_db_get_text(r, 3), "héllo 'q'");
	cr_expect_eq(sx_db_col_type(r, 4), SX_DB_BLOB);
	b = sx_db_get_blob(r, 4, &len);
	cr_expect_eq(len, sizeof(blob));
	cr_expect_arr_eq(b, blob, sizeof(blob));
	cr_expect_eq(sx_db_col_type(r, 5), SX_DB_BOOL);
	cr_expect(sx_db_get_bool(r, 5));
	cr_expect_eq(sx_db_col_type(r, 6), SX_DB_NUMERIC);
	cr_expect_str_eq(sx_db_get_text(r, 6), "12345678901234567890.0123456789");
	cr_expect_eq(sx_db_col_type(r, 7), SX_DB_TIMESTAMP);
	cr_expect(sx_db_is_null(r, 8));
	sx_db_result_free(r);
}

/* A migration that changes a cached SELECT *'s row type inside a
 * transaction: the server refuses the stale plan, so the transaction fails
 * once and the next one works (outside a transaction the statement is
 * prepared anew at once: test_contract). */
Test(pg, cached_statement_survives_a_schema_change)
{
	sx_db_result *r = NULL;

	dbtest_run(db, "CREATE TABLE t (a int)");
	dbtest_run(db, "INSERT INTO t VALUES (1)");
	cr_assert_eq(sx_db_one(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK);
	cr_expect_eq(sx_db_cols(r), 1);
	sx_db_result_free(r);
	dbtest_run(db, "ALTER TABLE t ADD COLUMN c int DEFAULT 8");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect_neq(sx_db_one(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK);
	cr_assert_eq(sx_db_rollback(db), SX_DB_OK);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_assert_eq(sx_db_one(db, "SELECT * FROM t", NULL, 0, &r), SX_DB_OK,
	    "%s", sx_db_last_error(db)->message);
	cr_expect_eq(sx_db_cols(r), 2);
	sx_db_result_free(r);
	cr_assert_eq(sx_db_commit(db), SX_DB_OK);
}

/* SQL errors carry the server's SQLSTATE, scripts included (the error
 * classes of constraints: test_contract). */
Test(pg, sql_errors_carry_the_sqlstate)
{
	cr_expect_eq(sx_db_exec(db, "SELEC 1", NULL, 0, NULL), SX_DB_ERR_SQL);
	cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "42601");
	cr_expect_eq(sx_db_exec_script(db, "SELECT 1; SELECT * FROM missing"),
	    SX_DB_ERR_SQL);
	cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "42P01");
	cr_expect_eq(sx_db_exec(db, "SELECT 1", NULL, 0, NULL), SX_DB_OK);
	cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "");
}

Test(pg, lock_timeout_is_busy)
{
	sx_db_conn *other = dbtest_open(url, NULL);

	dbtest_run(db, "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	dbtest_run(db, "UPDATE t SET v = 1 WHERE id = 1");
	cr_assert_eq(sx_db_begin(other), SX_DB_OK);
	dbtest_run(other, "SET LOCAL lock_timeout = '50ms'");
	cr_expect_eq(sx_db_exec(other, "UPDATE t SET v = 2 WHERE id = 1", NULL, 0, NULL),
	    SX_DB_ERR_BUSY);
	cr_expect_str_eq(sx_db_last_error(other)->sqlstate, "55P03");
	cr_expect_eq(sx_db_rollback(other), SX_DB_OK);
	cr_expect_eq(sx_db_commit(db), SX_DB_OK);
	sx_db_close(other);
}

Test(pg, serialization_failure_with_two_connections)
{
	sx_db_conn *other = dbtest_open(url, NULL);
	int64_t v;
	sx_db_err err;

	dbtest_run(db, "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)");
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	dbtest_run(db, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
	cr_assert_eq(sx_db_scalar_int(db, "SELECT v FROM t WHERE id = 1", NULL, 0, &v), SX_DB_OK);
	cr_assert_eq(sx_db_begin(other), SX_DB_OK);
	dbtest_run(other, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
	dbtest_run(other, "UPDATE t SET v = v + 1 WHERE id = 1");
	cr_assert_eq(sx_db_commit(other), SX_DB_OK);
	err = sx_db_exec(db, "UPDATE t SET v = v + 1 WHERE id = 1", NULL, 0, NULL);
	cr_expect_eq(err, SX_DB_ERR_SERIALIZATION, "%s", sx_db_strerror(err));
	cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "40001");
	/* The aborted transaction cannot commit: rolled back, reported. */
	cr_expect_eq(sx_db_commit(db), SX_DB_ERR_STATE);
	cr_expect_not(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_scalar_int(db, "SELECT v FROM t", NULL, 0, &v), SX_DB_OK);
	cr_expect_eq(v, 1);
	sx_db_close(other);
}

Test(pg, json_honest_types)
{
	sx_db_result *r = NULL;
	cJSON *j;
	char *s;

	dbtest_run(db, "SET TIME ZONE 'UTC'");
	cr_assert_eq(sx_db_one(db, "SELECT 42 AS i, 9007199254740993::int8 AS big, "
	    "12345678901234567890.5::numeric AS n, true AS t, NULL::int AS z, "
	    "'\\x00ff10'::bytea AS b, '2024-01-02 03:04:05'::timestamptz AS tz, "
	    "'2024-01-02 03:04:05.5'::timestamp AS ts, '2024-01-02'::date AS d, "
	    "'2024-01-02 03:04:05+05:30'::timestamptz AT TIME ZONE 'UTC' AS utc, "
	    "'{\"a\": [1, 2]}'::jsonb AS j, 1.5::float8 AS f, 'x' AS s", NULL, 0, &r), SX_DB_OK,
	    "%s", sx_db_last_error(db)->message);
	j = sx_db_row_json(r);
	s = cJSON_PrintUnformatted(j);
	cr_expect_str_eq(s, "{\"i\":42,\"big\":9007199254740993,\"n\":12345678901234567890.5,"
	    "\"t\":true,\"z\":null,\"b\":\"AP8Q\",\"tz\":\"2024-01-02T03:04:05Z\","
	    "\"ts\":\"2024-01-02T03:04:05.5\",\"d\":\"2024-01-02\",\"utc\":\"2024-01-01T21:34:05\","
	    "\"j\":{\"a\": [1, 2]},\"f\":1.5,\"s\":\"x\"}");
	free(s);
	cJSON_Delete(j);
	sx_db_result_free(r);
	dbtest_run(db, "SET TIME ZONE 'Asia/Kolkata'");
	cr_assert_eq(sx_db_one(db, "SELECT '2024-01-02 03:04:05Z'::timestamptz AS a, "
	    "'2024-01-02 03:04:05Z'::timestamptz AT TIME ZONE 'UTC' AT TIME ZONE 'Etc/GMT+8' AS b",
	    NULL, 0, &r), SX_DB_OK);
	cr_expect_str_eq(sx_db_get_text(r, 0), "2024-01-02T08:34:05+05:30");
	sx_db_result_free(r);
	dbtest_run(db, "SET TIME ZONE 'Etc/GMT+8'");
	cr_assert_eq(sx_db_one(db, "SELECT '2024-01-02 03:04:05Z'::timestamptz", NULL, 0, &r), SX_DB_OK);
	cr_expect_str_eq(sx_db_get_text(r, 0), "2024-01-01T19:04:05-08:00");
	sx_db_result_free(r);
}

Test(pg, batch_in_one_round_trip)
{
	sx_db_result *res[4];
	const sx_db_stmt ok[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(1))},
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(2))},
		{"SELECT sum(x) AS s FROM t WHERE x > $1", SX_PARAMS(SX_PINT(0))},
		{"UPDATE t SET x = x + 10", NULL, 0},
	};
	const sx_db_stmt bad[] = {
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(100))},
		{"INSERT INTO t VALUES ($1)", SX_PARAMS(SX_PINT(11))},	/* duplicate */
		{"SELECT 1", NULL, 0},
	};
	sx_db_cache_stats st;
	int64_t n = 0;

	dbtest_run(db, "CREATE TABLE t (x int PRIMARY KEY)");
	cr_assert_eq(sx_db_batch(db, ok, 4, res), SX_DB_OK, "%s", sx_db_last_error(db)->message);
	cr_expect_eq(sx_db_affected(res[0]), 1);
	cr_expect_eq(sx_db_int(res[2], "s"), 3);
	cr_expect_eq(sx_db_affected(res[3]), 2);
	for (int i = 0; i < 4; i++)
		sx_db_result_free(res[i]);
	/* The INSERT was prepared once for both uses, and is now cached. */
	sx_db_cache_stats_get(db, &st);
	cr_expect_eq(st.size, 3);
	cr_expect_eq(prepared_count(db), 4);
	cr_expect_eq(sx_db_batch(db, bad, 3, res), SX_DB_ERR_UNIQUE);
	cr_expect_str_eq(sx_db_last_error(db)->sqlstate, "23505");
	cr_expect_null(res[0]);
	cr_expect_not(sx_db_in_transaction(db));
	cr_assert_eq(sx_db_scalar_int(db, "SELECT count(*) FROM t", NULL, 0, &n), SX_DB_OK);
	cr_expect_eq(n, 2, "the failed batch ran as one implicit transaction");
	/* The connection is usable again, and a batch inside a transaction works. */
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_expect_eq(sx_db_batch(db, ok + 2, 1, NULL), SX_DB_OK);
	cr_expect_eq(sx_db_rollback(db), SX_DB_OK);
}

Test(pg, batch_without_cache)
{
	sx_db_options off = {.stmt_cache_size = -1};
	sx_db_conn *c = dbtest_open(url, &off);
	sx_db_result *res[2];
	const sx_db_stmt q[] = {
		{"SELECT $1::int AS a", SX_PARAMS(SX_PINT(7))},
		{"SELECT $1::text AS b", SX_PARAMS(SX_PTEXT("x"))},
	};

	cr_assert_eq(sx_db_batch(c, q, 2, res), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	cr_expect_eq(sx_db_int(res[0], "a"), 7);
	cr_expect_str_eq(sx_db_text(res[1], "b"), "x");
	sx_db_result_free(res[0]);
	sx_db_result_free(res[1]);
	cr_expect_eq(prepared_count(c), 0);
	sx_db_close(c);
}

Test(pg, terminated_backend_is_lost)
{
	sx_db_conn *killer = dbtest_open(url, NULL);
	int64_t pid = 0, v;

	cr_assert_eq(sx_db_scalar_int(db, "SELECT pg_backend_pid()", NULL, 0, &pid), SX_DB_OK);
	cr_assert_eq(sx_db_begin(db), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(killer, "SELECT pg_terminate_backend($1::int)::int",
	    SX_PARAMS(SX_PINT(pid)), &v), SX_DB_OK);
	usleep(100 * 1000);
	cr_expect_eq(sx_db_scalar_int(db, "SELECT 1", NULL, 0, &v), SX_DB_ERR_LOST);
	cr_expect_not(sx_db_in_transaction(db));
	sx_db_close(killer);
}

/* statement_timeout_ms and lock_timeout_ms set the session's timeouts
 * (30 s and 5 s by default; -1 leaves the server's); a statement timeout
 * is SX_DB_ERR_TIMEOUT (57014). */
Test(pg, timeouts_from_options)
{
	sx_db_options quick = {.statement_timeout_ms = 100, .lock_timeout_ms = 60};
	sx_db_options server = {.statement_timeout_ms = -1, .lock_timeout_ms = -1};
	sx_db_conn *c = dbtest_open(url, &quick), *s = dbtest_open(url, &server);
	char *v = NULL;

	cr_assert_eq(sx_db_scalar_text(db, "SHOW statement_timeout", NULL, 0, &v),
	    SX_DB_OK);
	cr_expect_str_eq(v, "30s");
	free(v);
	cr_assert_eq(sx_db_scalar_text(db, "SHOW lock_timeout", NULL, 0, &v),
	    SX_DB_OK);
	cr_expect_str_eq(v, "5s");
	free(v);
	cr_assert_eq(sx_db_scalar_text(s, "SHOW lock_timeout", NULL, 0, &v),
	    SX_DB_OK);
	cr_expect_str_eq(v, "0");
	free(v);
	cr_expect_eq(sx_db_exec(c, "SELECT pg_sleep(1)", NULL, 0, NULL),
	    SX_DB_ERR_TIMEOUT);
	cr_expect_str_eq(sx_db_last_error(c)->sqlstate, "57014");
	cr_assert_eq(sx_db_scalar_text(c, "SHOW lock_timeout", NULL, 0, &v),
	    SX_DB_OK);
	cr_expect_str_eq(v, "60ms");
	free(v);
	sx_db_close(c);
	sx_db_close(s);
}
