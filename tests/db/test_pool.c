/*
 * test_pool.c: connection pools: bounded size and acquire timeout, a waiter
 * woken by a release, connections handed back clean, and dead PostgreSQL
 * connections replaced (found at acquire, or marked by a failed statement).
 */
#include "dbtest.h"

#include <pthread.h>

static char *tmpdir;
static char sqlite_url[512];

static void
setup(void)
{
	tmpdir = sx_test_tmpdir();
	snprintf(sqlite_url, sizeof(sqlite_url), "sqlite:%s/pool.db", tmpdir);
}

static void
teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
	free(tmpdir);
	dbtest_pg_drop();
}

TestSuite(pool, .init = setup, .fini = teardown);

static sx_db_pool *
pool_new(const char *url, const sx_db_pool_options *opt)
{
	sx_db_pool *p = NULL;
	char err[256] = "";

	cr_assert_eq(sx_db_pool_new(url, opt, &p, err, sizeof(err)), SX_DB_OK, "%s", err);
	return p;
}

Test(pool, bad_url_refused_at_creation)
{
	sx_db_pool *p = (sx_db_pool *)1;
	char err[256] = "";

	cr_expect_eq(sx_db_pool_new("mysql://x", NULL, &p, err, sizeof(err)), SX_DB_ERR_URL);
	cr_expect_null(p);
	cr_expect(strstr(err, "unknown scheme") != NULL, "%s", err);
}

/* A refused URL is quoted in the message with its password masked, also
 * when the user name holds a quote (RFC 3986 allows o'neil). */
Test(pool, refused_url_message_masks_password)
{
	static const char *urls[] = {
		"mysql://o'neil:Pw9Kq7Zx@db.example/x",
		"mysql://u:Pw9Kq7Zx@db.example/x",
		"'mysql://o'neil:Pw9Kq7Zx@db.example/x' is bad",
		"mysql://o\"neil:Pw9Kq7Zx@db.example/x",
	};
	char out[256];

	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		sx_db_pool *p = NULL;
		char err[256] = "";

		cr_expect_eq(sx_db_pool_new(urls[i], NULL, &p, err, sizeof(err)),
		    SX_DB_ERR_URL, "%s", urls[i]);
		cr_expect(strstr(err, "Pw9Kq7Zx") == NULL, "leaked: %s", err);
		cr_expect(strstr(err, "********") != NULL, "not masked: %s", err);
		sx_db_redact(urls[i], out, sizeof(out));
		cr_expect(strstr(out, "Pw9Kq7Zx") == NULL, "leaked: %s", out);
	}
	sx_db_redact("postgresql://o'neil:Pw9Kq7Zx@h/db", out, sizeof(out));
	cr_expect_str_eq(out, "postgresql://o'neil:********@h/db");
}

Test(pool, exhausted_after_timeout)
{
	sx_db_pool_options o = {.max_size = 1, .acquire_timeout_ms = 100};
	sx_db_pool *p = pool_new(sqlite_url, &o);
	sx_db_conn *a = NULL, *b = (sx_db_conn *)1;

	cr_expect_eq(sx_db_pool_dialect(p), SX_DB_SQLITE);
	cr_assert_eq(sx_db_pool_acquire(p, &a), SX_DB_OK);
	cr_expect_eq(sx_db_pool_acquire(p, &b), SX_DB_ERR_POOL_EXHAUSTED);
	cr_expect_null(b);
	sx_db_pool_release(p, a);
	cr_assert_eq(sx_db_pool_acquire(p, &b), SX_DB_OK);
	cr_expect_eq(b, a, "the idle connection is reused");
	sx_db_pool_release(p, b);
	sx_db_pool_free(p);
}

struct waiter {
	sx_db_pool *pool;
	sx_db_err err;
};

static void *
acquire_in_thread(void *arg)
{
	struct waiter *w = arg;
	sx_db_conn *c = NULL;

	w->err = sx_db_pool_acquire(w->pool, &c);
	if (w->err == SX_DB_OK)
		sx_db_pool_release(w->pool, c);
	return NULL;
}

Test(pool, waiter_gets_released_connection)
{
	sx_db_pool_options o = {.max_size = 1, .acquire_timeout_ms = 20000};
	sx_db_pool *p = pool_new(sqlite_url, &o);
	struct waiter w = {.pool = p, .err = SX_DB_ERR__MAX};
	sx_db_conn *a = NULL;
	pthread_t t;

	cr_assert_eq(sx_db_pool_acquire(p, &a), SX_DB_OK);
	cr_assert_eq(pthread_create(&t, NULL, acquire_in_thread, &w), 0);
	usleep(50 * 1000);	/* let it wait (not needed for correctness) */
	sx_db_pool_release(p, a);
	pthread_join(t, NULL);
	cr_expect_eq(w.err, SX_DB_OK);
	sx_db_pool_free(p);
}

/* Leaves a transaction with a savepoint open, releases, and checks the next
 * holder finds a clean connection and none of the writes. */
static void
check_release_cleans(const char *url)
{
	sx_db_pool_options o = {.max_size = 1};
	sx_db_pool *p = pool_new(url, &o);
	sx_db_conn *c = NULL;
	int64_t n = -1;

	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	dbtest_run(c, "CREATE TABLE dirty (x int)");
	cr_assert_eq(sx_db_begin(c), SX_DB_OK);
	dbtest_run(c, "INSERT INTO dirty VALUES (1)");
	cr_assert_eq(sx_db_begin(c), SX_DB_OK);
	dbtest_run(c, "INSERT INTO dirty VALUES (2)");
	sx_db_pool_release(p, c);
	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(c));
	cr_assert_eq(sx_db_scalar_int(c, "SELECT count(*) FROM dirty", NULL, 0, &n), SX_DB_OK);
	cr_expect_eq(n, 0);
	/* A transaction begun on the clean connection starts at depth one. */
	cr_assert_eq(sx_db_begin(c), SX_DB_OK);
	cr_assert_eq(sx_db_commit(c), SX_DB_OK);
	cr_expect_not(sx_db_in_transaction(c));
	sx_db_pool_release(p, c);
	sx_db_pool_free(p);
}

Test(pool, release_rolls_back_sqlite)
{
	check_release_cleans(sqlite_url);
}

Test(pool, release_rolls_back_pg)
{
	check_release_cleans(dbtest_pg_url());
}

static int64_t
backend_pid(sx_db_conn *c)
{
	int64_t pid = 0;

	cr_assert_eq(sx_db_scalar_int(c, "SELECT pg_backend_pid()", NULL, 0, &pid), SX_DB_OK,
	    "%s", sx_db_last_error(c)->message);
	return pid;
}

static void
terminate(const char *url, int64_t pid)
{
	sx_db_conn *killer = dbtest_open(url, NULL);
	int64_t ok = 0;

	cr_assert_eq(sx_db_scalar_int(killer, "SELECT pg_terminate_backend($1::int)::int",
	    SX_PARAMS(SX_PINT(pid)), &ok), SX_DB_OK);
	cr_assert_eq(ok, 1);
	sx_db_close(killer);
	usleep(200 * 1000);	/* the server closes the socket asynchronously */
}

Test(pool, dead_idle_connection_replaced_at_acquire)
{
	const char *url = dbtest_pg_url();
	sx_db_pool_options o = {.max_size = 1};
	sx_db_pool *p = pool_new(url, &o);
	sx_db_conn *c = NULL;
	int64_t pid;

	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	pid = backend_pid(c);
	sx_db_pool_release(p, c);
	terminate(url, pid);
	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	cr_expect_neq(backend_pid(c), pid, "a new session replaced the dead one");
	sx_db_pool_release(p, c);
	sx_db_pool_free(p);
}

Test(pool, lost_statement_marks_connection_broken)
{
	const char *url = dbtest_pg_url();
	sx_db_pool_options o = {.max_size = 1};
	sx_db_pool *p = pool_new(url, &o);
	sx_db_conn *c = NULL;
	int64_t pid, v;

	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	pid = backend_pid(c);
	terminate(url, pid);
	cr_expect_eq(sx_db_scalar_int(c, "SELECT 1", NULL, 0, &v), SX_DB_ERR_LOST);
	sx_db_pool_release(p, c);
	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	cr_expect_neq(backend_pid(c), pid);
	sx_db_pool_release(p, c);
	sx_db_pool_free(p);
}

Test(pool, idle_connection_pinged)
{
	sx_db_pool_options o = {.max_size = 2, .idle_check_ms = 1};
	sx_db_pool *p = pool_new(sqlite_url, &o);
	sx_db_conn *c = NULL;
	sx_db_cache_stats st;

	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	sx_db_pool_release(p, c);
	usleep(5 * 1000);
	cr_assert_eq(sx_db_pool_acquire(p, &c), SX_DB_OK);
	sx_db_cache_stats_get(c, &st);
	cr_expect_eq(st.misses, 1, "the ping (SELECT 1) ran on the idle connection");
	sx_db_pool_release(p, c);
	sx_db_pool_free(p);
}
