/*
 * test_pg_restart.c: a pool survives a PostgreSQL restart. The idle
 * connections die with the server; the next acquire must notice and hand
 * out a fresh connection, with no error reaching the caller.
 *
 * Needs SX_TEST_PG_DIR (the directory scripts/pg-test-server runs the server
 * in) besides SX_TEST_PG_URL; skipped without it.
 */
#include "dbtest.h"

Test(pg_restart, pool_reconnects_after_server_restart, .fini = dbtest_pg_drop)
{
	const char *dir = getenv("SX_TEST_PG_DIR");
	sx_db_pool_options o = {.max_size = 2};
	const char *url;
	sx_db_pool *p = NULL;
	sx_db_conn *a = NULL, *b = NULL;
	char cmd[1024];
	int64_t v = 0;

	url = dbtest_pg_url();
	if (dir == NULL || *dir == '\0')
		cr_skip_test("SX_TEST_PG_DIR is not set: restart test skipped");
	cr_assert_eq(sx_db_pool_new(url, &o, &p, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_pool_acquire(p, &a), SX_DB_OK);
	cr_assert_eq(sx_db_pool_acquire(p, &b), SX_DB_OK);
	dbtest_run(a, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)");
	sx_db_pool_release(p, a);
	sx_db_pool_release(p, b);
	snprintf(cmd, sizeof(cmd), "'%s/scripts/pg-test-server' restart '%s'", SX_SRCDIR, dir);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
	cr_assert_eq(sx_db_pool_acquire(p, &a), SX_DB_OK);
	cr_assert_eq(sx_db_pool_acquire(p, &b), SX_DB_OK);
	cr_expect_eq(sx_db_scalar_int(a, "SELECT x FROM kept", NULL, 0, &v), SX_DB_OK, "%s",
	    sx_db_last_error(a)->message);
	cr_expect_eq(v, 7);
	cr_expect_eq(sx_db_scalar_int(b, "SELECT 1", NULL, 0, &v), SX_DB_OK, "%s",
	    sx_db_last_error(b)->message);
	sx_db_pool_release(p, a);
	sx_db_pool_release(p, b);
	sx_db_pool_free(p);
}
