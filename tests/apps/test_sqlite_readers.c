/*
 * test_sqlite_readers.c: which requests take SQLite's write lock. A GET's
 * session transaction begins read-first, so it answers while another
 * connection holds the write lock; POST and GET routes flagged
 * SX_WRITE_ROUTE take the lock up front and, while it is held, still get
 * the 503 + Retry-After they always had. A GET that writes after reading
 * while another connection writes is a 503 too, and nothing of it is kept,
 * even when its handler ignores the error.
 */
#include "apptest.h"

/* GET /count: the rows of t. */
static int
count_rows(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	int64_t n;

	if (db == NULL || sx_db_scalar_int(db, "SELECT count(*) FROM t", NULL,
	    0, &n) != SX_DB_OK)
		return -1;
	return sx_json(res, 200, cJSON_CreateNumber((double)n));
}

/* GET/POST /bump: counts, then adds a row; answers 200 whatever the insert
 * gave, so the wrapper alone must keep a failed write from being saved. */
static int
bump(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	int64_t n;

	if (db == NULL || sx_db_scalar_int(db, "SELECT count(*) FROM t", NULL,
	    0, &n) != SX_DB_OK)
		return -1;
	(void)sx_db_exec(db, "INSERT INTO t (note) VALUES ('bump')", NULL, 0,
	    NULL);
	return sx_text(res, 200, "bumped");
}

static const sx_route routes[] = {
	{ SX_GET, "/count", count_rows, SX_DEPS("db_session"), NULL, NULL },
	{ SX_GET, "/bump", bump, SX_DEPS("db_session"), NULL, NULL },
	{ SX_GET, "/bump-flagged", bump, SX_DEPS("db_session",
	    SX_WRITE_ROUTE), NULL, NULL },
	{ SX_POST, "/bump", bump, SX_DEPS("db_session"), NULL, NULL },
};
static const sx_database databases[] = {
	{ .commit_mode = SX_COMMIT_AUTO,
	  .migrations_dir = SX_SRCDIR "/tests/apps/tx_migrations" },
};
static const sx_app app = { .name = "readers", SX_ROUTE_TABLE(routes),
    SX_DATABASE_TABLE(databases) };

static char *url;
static sx_db_conn *holder;
static sx_test_client *tc;

static void
setup(void)
{
	char *db = NULL, errbuf[256] = "";
	char *cfg = apptest_file("config.json", "{\"databases\": "
	    "{\"db_session\": {\"busy_timeout_ms\": 50}}}");

	url = apptest_sqlite_url("readers");
	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	tc = apptest_client(&app, (const char *const[]){ "--database", db,
	    "--config", cfg, "--migrate", NULL });
	free(db);
	free(cfg);
	cr_assert_eq(sx_db_open(url, &(sx_db_options){ .busy_timeout_ms = 50 },
	    &holder, errbuf, sizeof(errbuf)), SX_DB_OK, "%s", errbuf);
}

static void
teardown(void)
{
	sx_test_client_free(tc);
	sx_db_close(holder);
	free(url);
}

TestSuite(sqlite_readers, .init = setup, .fini = teardown);

static long
stored_rows(void)
{
	int64_t n = -1;

	cr_assert_eq(sx_db_scalar_int(holder, "SELECT count(*) FROM t", NULL, 0,
	    &n), SX_DB_OK);
	return (long)n;
}

/* Another connection holds the write lock with a row not yet committed. */
static void
hold_write_lock(void)
{
	cr_assert_eq(sx_db_begin(holder), SX_DB_OK);
	cr_assert_eq(sx_db_exec(holder, "INSERT INTO t (note) VALUES ('held')",
	    NULL, 0, NULL), SX_DB_OK);
}

static void
expect_retry(const char *method, const char *path)
{
	sx_test_response *r = apptest_request(tc, method, path, NULL);

	cr_expect_eq(r->status, 503, "%s %s: %d %s", method, path, r->status,
	    r->body);
	cr_expect_str_eq(sx_test_header(r, "Retry-After"), "1", "%s %s",
	    method, path);
	sx_test_response_free(r);
}

Test(sqlite_readers, a_get_answers_while_another_connection_writes)
{
	hold_write_lock();
	for (int i = 0; i < 8; i++) {
		sx_test_response *r = apptest_request(tc, "GET", "/count", NULL);

		cr_assert_eq(r->status, 200, "%d %s", r->status, r->body);
		cr_assert_str_eq(r->body, "0", "the committed state");
		sx_test_response_free(r);
	}
	cr_assert_eq(sx_db_commit(holder), SX_DB_OK);
	cr_expect_eq(apptest_status(tc, "GET", "/count", NULL), 200);
}

Test(sqlite_readers, writes_still_wait_for_the_lock_and_then_ask_for_a_retry)
{
	hold_write_lock();
	expect_retry("POST", "/bump");
	expect_retry("GET", "/bump-flagged");
	cr_assert_eq(sx_db_rollback(holder), SX_DB_OK);
	cr_expect_eq(apptest_status(tc, "POST", "/bump", NULL), 200);
	cr_expect_eq(apptest_status(tc, "GET", "/bump-flagged", NULL), 200);
	cr_expect_eq(stored_rows(), 2);
}

Test(sqlite_readers, a_get_that_writes_beside_a_writer_is_a_503_with_nothing_kept)
{
	hold_write_lock();
	expect_retry("GET", "/bump");
	cr_assert_eq(sx_db_commit(holder), SX_DB_OK);
	cr_expect_eq(stored_rows(), 1, "the holder's row only");
	/* alone, the same GET writes */
	cr_expect_eq(apptest_status(tc, "GET", "/bump", NULL), 200);
	cr_expect_eq(stored_rows(), 2);
}
