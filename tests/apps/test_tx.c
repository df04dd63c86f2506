/*
 * test_tx.c: the resolver and the transaction wrapper with two databases:
 * the order databases are settled in and the log line when an earlier one
 * committed before a later one failed, a serialization failure at COMMIT
 * on PostgreSQL (503 + Retry-After), undeclared keys, the pool key, one
 * connection per database per request, and an exhausted pool.
 */
#include "apptest.h"

/* PostgreSQL only: a rival serializable transaction the handler of
 * POST /serial commits between its own work and the wrapper's commit. */
static sx_db_conn *rival;

static int
insert(sx_req *req, const char *key, bool broken)
{
	sx_db_conn *db = sx_db(req, key);

	return db != NULL && sx_db_exec(db, "INSERT INTO t (note, parent_id) "
	    "VALUES ('x', $1)", SX_PARAMS(broken ? SX_PINT(-1) : SX_PNULL),
	    NULL) == SX_DB_OK ? 0 : -1;
}

/* POST /both?break=a|b: a row in each database, one of them broken. */
static int
both(sx_req *req, sx_res *res)
{
	const char *brk = sx_req_query(req, "break");

	if (insert(req, "a_session", brk && strcmp(brk, "a") == 0) < 0 ||
	    insert(req, "b_session", brk && strcmp(brk, "b") == 0) < 0)
		return -1;
	return sx_text(res, 200, "saved");
}

static int
undeclared(sx_req *req, sx_res *res)
{
	(void)res;
	return sx_db(req, "b_session") == NULL ? -1 : 0;
}

static int
pool_as_connection(sx_req *req, sx_res *res)
{
	(void)res;
	return sx_db(req, "a_pool") == NULL ? -1 : 0;
}

/* Every use of a database's keys in one request gives the same connection;
 * the pool key gives the pool. */
static int
same(sx_req *req, sx_res *res)
{
	sx_db_conn *s1 = sx_db(req, "a_session"), *s2 = sx_db(req, "a_session");
	sx_db_conn *c = sx_db(req, "a_connection");
	sx_db_pool *p = sx_inject(req, "a_pool");

	if (s1 == NULL || p == NULL)
		return -1;
	return sx_text(res, 200, s1 == s2 && s1 == c && sx_db_in_transaction(s1) ?
	    "same" : "different");
}

/* Takes the pool's only connection itself, so the session cannot have one. */
static int
exhaust(sx_req *req, sx_res *res)
{
	sx_db_pool *p = sx_inject(req, "a_pool");
	sx_db_conn *mine, *s;

	(void)res;
	if (p == NULL || sx_db_pool_acquire(p, &mine) != SX_DB_OK)
		return -1;
	s = sx_db(req, "a_session");
	sx_db_pool_release(p, mine);
	return s == NULL ? -1 : 0;
}

/* Manual commit, then a second transaction begun by the next use of the
 * session key; the wrapper rolls the second back. */
static int
manual_twice(sx_req *req, sx_res *res)
{
	if (insert(req, "b_session", false) < 0 ||
	    sx_db_commit(sx_db(req, "b_session")) != SX_DB_OK ||
	    insert(req, "b_session", false) < 0)
		return -1;
	return sx_text(res, 200, "one kept");
}

static int
serial(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "a_session");
	int64_t n;

	if (db == NULL)
		return -1;
	if (sx_db_exec_script(db, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE") != SX_DB_OK ||
	    sx_db_scalar_int(db, "SELECT count(*) FROM t", NULL, 0, &n) != SX_DB_OK ||
	    insert(req, "a_session", false) < 0) {
		sx_req_log(req, "serial: %s", sx_db_last_error(db)->message);
		return -1;
	}
	if (sx_db_commit(rival) != SX_DB_OK) {
		sx_req_log(req, "rival: %s", sx_db_last_error(rival)->message);
		return -1;
	}
	return sx_text(res, 200, "looks saved");
}

static const sx_route routes[] = {
	{ SX_POST, "/both", both, SX_DEPS("a_session", "b_session"), NULL, NULL },
	{ SX_GET, "/undeclared", undeclared, SX_DEPS("a_session"), NULL, NULL },
	{ SX_GET, "/pool-as-connection", pool_as_connection, SX_DEPS("a_pool"), NULL, NULL },
	{ SX_GET, "/same", same, SX_DEPS("a_session", "a_connection", "a_pool"), NULL, NULL },
	{ SX_GET, "/exhaust", exhaust, SX_DEPS("a_session", "a_pool"), NULL, NULL },
	{ SX_POST, "/manual", manual_twice, SX_DEPS("b_session"), NULL, NULL },
	{ SX_POST, "/serial", serial, SX_DEPS("a_session"), NULL, NULL },
};

#define TX_MIGRATIONS SX_SRCDIR "/tests/apps/tx_migrations"
static const sx_database databases[] = {
	{ .session_key = "a_session", .connection_key = "a_connection",
	  .pool_key = "a_pool", .commit_mode = SX_COMMIT_AUTO, .pool_size = 1,
	  .migrations_dir = TX_MIGRATIONS },
	{ .session_key = "b_session", .connection_key = "b_connection",
	  .pool_key = "b_pool", .commit_mode = SX_COMMIT_MANUAL,
	  .migrations_dir = TX_MIGRATIONS },
};
static const sx_app app = { .name = "tx", SX_ROUTE_TABLE(routes),
    SX_DATABASE_TABLE(databases) };

static char *url_a, *url_b, *log_path;

static sx_test_client *
client(apptest_driver d, const char *b_mode)
{
	char *a = NULL, *b = NULL, *bm = NULL, *cfg;
	sx_test_client *tc;

	url_a = apptest_url(d, "a");
	url_b = apptest_sqlite_url("b");
	log_path = apptest_file("tx.log", "");
	cfg = apptest_file("config.json", "{\"databases\": {\"a_session\": "
	    "{\"acquire_timeout_ms\": 50}}}");
	cr_assert(asprintf(&a, "a_session=%s", url_a) > 0);
	cr_assert(asprintf(&b, "b_session=%s", url_b) > 0);
	cr_assert(asprintf(&bm, "b_session=%s", b_mode) > 0);
	tc = apptest_client(&app, (const char *const[]){ "--database", a,
	    "--database", b, "--commit-mode", bm, "--config", cfg, "--migrate",
	    "--log", log_path, NULL });
	free(a);
	free(b);
	free(bm);
	free(cfg);
	return tc;
}

static void
done(sx_test_client *tc)
{
	sx_test_client_free(tc);
	free(url_a);
	free(url_b);
	free(log_path);
}

static int64_t
rows(const char *url)
{
	sx_db_conn *c;
	int64_t n = -1;

	cr_assert_eq(sx_db_open(url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT count(*) FROM t", NULL, 0, &n),
	    SX_DB_OK);
	sx_db_close(c);
	return n;
}

Test(tx, later_database_fails_after_earlier_committed)
{
	sx_test_client *tc = client(APPTEST_SQLITE, "autocommit");
	sx_test_response *r;
	char *log;

	cr_assert_eq(apptest_status(tc, "POST", "/both", NULL), 200);
	cr_assert_eq(rows(url_a), 1);
	cr_assert_eq(rows(url_b), 1);
	r = apptest_request(tc, "POST", "/both?break=b", NULL);
	cr_assert_eq(r->status, 500, "%d %s", r->status, r->body);
	sx_test_response_free(r);
	cr_assert_eq(rows(url_a), 2, "a commits first (declaration order)");
	cr_assert_eq(rows(url_b), 1, "b's broken row is rolled back");
	/* an earlier failure rolls back every later database */
	cr_assert_eq(apptest_status(tc, "POST", "/both?break=a", NULL), 500);
	cr_assert_eq(rows(url_a), 2);
	cr_assert_eq(rows(url_b), 1, "b rolled back after a failed");
	log = apptest_slurp(log_path);
	cr_assert_not_null(strstr(log, "database \"b_session\" failed to commit "
	    "after \"a_session\" had already committed"), "%s", log);
	cr_assert_not_null(strstr(log, "database \"a_session\": commit failed: "),
	    "%s", log);
	free(log);
	done(tc);
}

Test(tx, resolver_rules)
{
	sx_test_client *tc = client(APPTEST_SQLITE, "manual");
	sx_test_response *r;

	r = apptest_request(tc, "GET", "/undeclared", NULL);
	cr_assert_eq(r->status, 500);
	/* the developer's hint goes to the log, not to the client */
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "error")->valuestring,
	    "internal error");
	sx_test_response_free(r);
	r = apptest_request(tc, "GET", "/pool-as-connection", NULL);
	cr_assert_eq(r->status, 500);
	cr_assert_not_null(strstr(r->body, "internal error"), "%s", r->body);
	cr_assert_null(strstr(r->body, "is a pool key"), "%s", r->body);
	sx_test_response_free(r);
	r = apptest_request(tc, "GET", "/same", NULL);
	cr_assert_str_eq(r->body, "same");
	sx_test_response_free(r);
	r = apptest_request(tc, "GET", "/exhaust", NULL);
	cr_assert_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_assert_str_eq(sx_test_header(r, "Retry-After"), "1");
	sx_test_response_free(r);
	/* the connection went back: the pool of one serves the next request */
	r = apptest_request(tc, "GET", "/same", NULL);
	cr_assert_str_eq(r->body, "same");
	sx_test_response_free(r);
	cr_assert_eq(apptest_status(tc, "POST", "/manual", NULL), 200);
	cr_assert_eq(rows(url_b), 1, "manual: the committed row only");
	done(tc);
}

Test(tx, serialization_failure_at_commit_is_503_postgres)
{
	sx_test_client *tc = client(APPTEST_PG, "autocommit");
	sx_test_response *r;
	int64_t n;

	cr_assert_eq(sx_db_open(url_a, NULL, &rival, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_begin(rival), SX_DB_OK);
	cr_assert_eq(sx_db_exec_script(rival, "SET TRANSACTION ISOLATION LEVEL "
	    "SERIALIZABLE"), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(rival, "SELECT count(*) FROM t", NULL, 0, &n),
	    SX_DB_OK);
	cr_assert_eq(sx_db_exec(rival, "INSERT INTO t (note) VALUES ('rival')",
	    NULL, 0, NULL), SX_DB_OK);
	r = apptest_request(tc, "POST", "/serial", NULL);
	cr_assert_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_assert_str_eq(sx_test_header(r, "Retry-After"), "1");
	cr_assert_null(strstr(r->body, "looks saved"));
	sx_test_response_free(r);
	sx_db_close(rival);
	cr_assert_eq(rows(url_a), 1, "only the rival's row");
	done(tc);
}
