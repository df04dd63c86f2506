/*
 * test_sqlite.c: what only the SQLite driver has, over real SQLite files:
 * its pragmas, types, $N placeholders mapped onto SQLite's named slots, a
 * busy file (two connections), JSON of its types, :memory:, an open that
 * fails. What both drivers must do alike is in test_contract.c.
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
	cr_expect_str_eq(sx_db_dialect_name(sx_db_conn_dialect(db)), "sqlite");
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
