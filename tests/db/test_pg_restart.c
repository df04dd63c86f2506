/*
 * test_pg_restart.c: a pool survives a PostgreSQL restart. The idle
 * connections die with the server; the next acquire must notice and hand
 * out a fresh connection, with no error reaching the caller.
 *
 * Restarting the shared test server would break every other PostgreSQL test
 * running at the same time (make check runs programs in parallel), so this
 * test starts a private server of its own with scripts/pg-test-server in a
 * temporary directory, restarts that one, and stops it at the end. It runs
 * where the shared server does: skipped unless SX_TEST_PG_DIR is set.
 */
#include "dbtest.h"

static char *server_dir;

/* Runs scripts/pg-test-server CMD on the private server; its stdout (the
 * URL, for start) goes into out when given. */
static void
pg_server(const char *cmd, char *out, size_t outlen)
{
	char line[1024];
	FILE *f;

	snprintf(line, sizeof(line), "'%s/scripts/pg-test-server' %s '%s'", SX_SRCDIR, cmd, server_dir);
	cr_assert_not_null(f = popen(line, "r"));
	if (out != NULL) {
		cr_assert_not_null(fgets(out, (int)outlen, f), "%s printed nothing", line);
		out[strcspn(out, "\n")] = '\0';
	}
	cr_assert_eq(pclose(f), 0, "%s failed", line);
}

static void
stop_server(void)
{
	char cmd[600];

	if (server_dir == NULL)
		return;
	pg_server("stop", NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", server_dir);
	cr_expect_eq(system(cmd), 0);
	free(server_dir);
}

Test(pg_restart, pool_reconnects_after_server_restart, .fini = stop_server, .timeout = 120)
{
	const char *dir = getenv("SX_TEST_PG_DIR");
	sx_db_pool_options o = {.max_size = 2};
	char url[1024];
	sx_db_pool *p = NULL;
	sx_db_conn *a = NULL, *b = NULL;
	int64_t v = 0;

	(void)SX_TEST_PG_URL();
	if (dir == NULL || *dir == '\0')
		cr_skip_test("SX_TEST_PG_DIR is not set: restart test skipped");
	server_dir = sx_test_tmpdir();
	pg_server("start", url, sizeof(url));
	cr_assert_eq(sx_db_pool_new(url, &o, &p, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_pool_acquire(p, &a), SX_DB_OK);
	cr_assert_eq(sx_db_pool_acquire(p, &b), SX_DB_OK);
	dbtest_run(a, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)");
	sx_db_pool_release(p, a);
	sx_db_pool_release(p, b);
	pg_server("restart", NULL, 0);
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
