/*
 * test_handlers.c: the database layer seen from handlers, through the test
 * client on SQLite and PostgreSQL: results a handler forgets to free and
 * scalar text are released with the request.
 */
#include "../apps/apptest.h"

#include <malloc.h>

/* GET /forget: three results and a scalar string, none freed but one;
 * the rows go out as JSON (sx_json takes the cJSON). */
static int
forget(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db");
	sx_db_result *a, *b, *c;
	char *name;

	if (db == NULL || sx_db_exec(db, "SELECT id, name FROM item ORDER BY id",
	    NULL, 0, &a) != SX_DB_OK ||
	    sx_db_one(db, "SELECT name FROM item WHERE id = $1", SX_PARAMS(1),
	    &b) != SX_DB_OK ||
	    sx_db_exec(db, "SELECT count(*) AS n FROM item", NULL, 0, &c) !=
	    SX_DB_OK ||
	    sx_db_scalar_text(db, "SELECT name FROM item WHERE id = $1",
	    SX_PARAMS(2), &name) != SX_DB_OK)
		return -1;
	sx_db_result_free(c);	/* early: allowed */
	(void)name;		/* request memory: not freed */
	return sx_json(res, 200, sx_db_result_json(a));
}

static const sx_route routes[] = {
	{ SX_GET, "/forget", forget, SX_DEPS("db"), NULL, NULL },
};
static const sx_database databases[] = {
	{ .session_key = "db", .commit_mode = SX_COMMIT_AUTO, .pool_size = 2 },
};
static const sx_app app = { .name = "dbhandlers", SX_ROUTE_TABLE(routes),
    SX_DATABASE_TABLE(databases) };

static char *url;

/* A client over a fresh database of driver d holding the item table. */
static sx_test_client *
client(apptest_driver d)
{
	sx_db_conn *c;
	char *opt = NULL, err[256];

	url = apptest_url(d, "h");
	cr_assert_eq(sx_db_open(url, NULL, &c, err, sizeof(err)), SX_DB_OK, "%s",
	    err);
	cr_assert_eq(sx_db_exec_script(c, "CREATE TABLE item (id BIGINT PRIMARY "
	    "KEY, name TEXT NOT NULL); INSERT INTO item VALUES (1, 'ann'), "
	    "(2, 'bob')"), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	sx_db_close(c);
	cr_assert(asprintf(&opt, "db=%s", url) > 0);
	sx_test_client *tc = apptest_client(&app, (const char *const[]){
	    "--database", opt, NULL });
	free(opt);
	return tc;
}

static void
done(sx_test_client *tc)
{
	sx_test_client_free(tc);
	free(url);
}

/* Heap in use, or 0 where malloc does not say (under a sanitizer, whose
 * leak check at exit then does the counting). */
static size_t
heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* 300 requests that leave their results unfreed grow the heap by less
 * than they would have leaked (each leaves ~4 allocations behind). */
static void
forgotten_results_are_freed(apptest_driver d)
{
	sx_test_client *tc = client(d);
	size_t before, after;
	sx_test_response *r;
	int i;

	for (i = 0; i < 20; i++)	/* warm: caches, pools, buffers */
		sx_test_response_free(apptest_request(tc, "GET", "/forget", NULL));
	before = heap_in_use();
	for (i = 0; i < 300; i++) {
		r = apptest_request(tc, "GET", "/forget", NULL);
		cr_assert_eq(r->status, 200, "%s", r->body);
		sx_test_response_free(r);
	}
	after = heap_in_use();
	r = apptest_request(tc, "GET", "/forget", NULL);
	cr_expect_str_eq(r->body, "[{\"id\":1,\"name\":\"ann\"},"
	    "{\"id\":2,\"name\":\"bob\"}]");
	sx_test_response_free(r);
	cr_expect_lt(after, before + 300 * 256, "heap grew by %zu bytes over 300 "
	    "requests", after - before);
	done(tc);
}

Test(db_handlers, forgotten_results_are_freed_sqlite)
{
	forgotten_results_are_freed(APPTEST_SQLITE);
}

Test(db_handlers, forgotten_results_are_freed_pg)
{
	forgotten_results_are_freed(APPTEST_PG);
}
