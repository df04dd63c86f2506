/*
 * test_commit_modes.c: the transaction wrapper through examples/commit_modes
 * on SQLite and PostgreSQL: the full mode x status matrix checked by row
 * count, the handler's own transaction calls (savepoints left open, writes
 * after its commit or rollback, nested savepoints) checked by counting rows
 * through a connection of the test's own, a deferred constraint failing at
 * commit, a busy SQLite file, and request ids.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/commit_modes/"
#include "examples/commit_modes/commit_modes.c"

#include "apptest.h"

static sx_test_client *
client(const char *url, const char *mode, const char *more)
{
	char *db = NULL, *cm = NULL;
	sx_test_client *tc;

	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	cr_assert(asprintf(&cm, "db_session=%s", mode) > 0);
	tc = apptest_client(&commit_modes_app, (const char *const[]){
	    "--database", db, "--commit-mode", cm, "--migrate",
	    more ? "--config" : NULL, more, NULL });
	free(db);
	free(cm);
	return tc;
}

static long
count(sx_test_client *tc)
{
	return apptest_get_number(tc, "/items/count", "count");
}

static const int statuses[] = { 200, 201, 204, 301, 302, 400, 404, 418, 500, 503 };
/* Rows kept per mode, in the order of statuses; 418 is the app's extra
 * commit status. */
static const bool kept[SX_COMMIT__MAX][SX_NELEM(statuses)] = {
	[SX_COMMIT_MANUAL] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	[SX_COMMIT_AUTO] = { 1, 1, 1, 0, 0, 0, 0, 1, 0, 0 },
	[SX_COMMIT_AUTO_REDIRECT] = { 1, 1, 1, 1, 1, 0, 0, 1, 0, 0 },
};

/* POSTs target, checks the status and by how many rows the table grew. */
static void
post_and_count(sx_test_client *tc, const char *mode, const char *target,
    int status, long grew)
{
	long before = count(tc);
	sx_test_response *r = apptest_request(tc, "POST", target, NULL);

	cr_assert_eq(r->status, status, "%s POST %s: %d %s", mode, target,
	    r->status, r->body);
	if (status >= 300 && status <= 399)
		cr_assert_str_eq(sx_test_header(r, "Location"), "/items/count");
	sx_test_response_free(r);
	cr_assert_eq(count(tc) - before, grew, "%s POST %s: rows grew by %ld, "
	    "expected %ld", mode, target, count(tc) - before, grew);
}

static void
matrix(apptest_driver d)
{
	char *url = apptest_url(d, "matrix"), target[64];

	for (int m = 0; m < SX_COMMIT__MAX; m++) {
		sx_test_client *tc = client(url, sx_commit_modes[m], NULL);

		for (size_t s = 0; s < SX_NELEM(statuses); s++) {
			snprintf(target, sizeof(target), "/items?status=%d",
			    statuses[s]);
			post_and_count(tc, sx_commit_modes[m], target,
			    statuses[s], kept[m][s]);
			/* manual: kept exactly when the handler commits */
			if (m == SX_COMMIT_MANUAL) {
				snprintf(target, sizeof(target),
				    "/items?status=%d&commit=1", statuses[s]);
				post_and_count(tc, sx_commit_modes[m], target,
				    statuses[s], 1);
			}
		}
		sx_test_client_free(tc);
	}
	free(url);
}

Test(commit_modes, matrix_sqlite) { matrix(APPTEST_SQLITE); }
Test(commit_modes, matrix_postgres) { matrix(APPTEST_PG); }

/* Rows in items, counted through a connection of the test's own: nothing
 * the app's pool holds (an open transaction, a cached row) can show. */
static long
count_direct(const char *url)
{
	char errbuf[256];
	sx_db_conn *c;
	int64_t n = -1;

	cr_assert_eq(sx_db_open(url, NULL, &c, errbuf, sizeof(errbuf)),
	    SX_DB_OK, "%s", errbuf);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT count(*) FROM items", NULL, 0,
	    &n), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	sx_db_close(c);
	return (long)n;
}

/* One run of the handler's own steps (POST /items/steps): ops, the status
 * it answers (-1: the handler fails, the client gets 500) and the rows kept
 * in each mode. */
static const struct steps_case {
	const char *ops;
	int status;
	int kept[SX_COMMIT__MAX];
} steps_cases[] = {
	/* a savepoint left open is settled with the rest */
	{ "bi", 200, { [SX_COMMIT_AUTO] = 1, [SX_COMMIT_AUTO_REDIRECT] = 1 } },
	{ "bi", 302, { [SX_COMMIT_AUTO_REDIRECT] = 1 } },
	{ "bi", 400, { 0 } },
	{ "bi", -1, { 0 } },
	{ "ibibi", 201, { [SX_COMMIT_AUTO] = 3, [SX_COMMIT_AUTO_REDIRECT] = 3 } },
	{ "ibibi", 500, { 0 } },
	/* the handler commits, then writes more */
	{ "ici", 200, { 1, 2, 2 } },
	{ "ici", 400, { 1, 1, 1 } },
	{ "ici", -1, { 1, 1, 1 } },
	{ "icici", 200, { 2, 3, 3 } },
	{ "icici", -1, { 2, 2, 2 } },
	{ "icbi", 200, { 1, 2, 2 } },
	{ "icbi", 400, { 1, 1, 1 } },
	/* the handler rolls back, then writes more */
	{ "iri", 200, { 0, 1, 1 } },
	{ "iri", 400, { 0, 0, 0 } },
	{ "iri", -1, { 0, 0, 0 } },
	{ "irici", 400, { 1, 1, 1 } },
	/* nested savepoints released and rolled back */
	{ "ibibirc", 200, { 0, 2, 2 } },
	{ "ibibicr", 200, { 0, 1, 1 } },
	{ "ibibircc", 200, { 2, 2, 2 } },
	{ "ibibircc", 400, { 2, 2, 2 } },
	{ "ibibicri", 200, { 0, 2, 2 } },
	{ "ibibicrci", 400, { 1, 1, 1 } },
};

static void
steps_matrix(apptest_driver d)
{
	char *url = apptest_url(d, "steps"), target[96];

	for (int m = 0; m < SX_COMMIT__MAX; m++) {
		sx_test_client *tc = client(url, sx_commit_modes[m], NULL);

		for (size_t i = 0; i < SX_NELEM(steps_cases); i++) {
			const struct steps_case *k = &steps_cases[i];
			long before = count_direct(url), grew;
			sx_test_response *r;

			if (k->status < 0)
				snprintf(target, sizeof(target),
				    "/items/steps?ops=%s&status=fail", k->ops);
			else
				snprintf(target, sizeof(target),
				    "/items/steps?ops=%s&status=%d", k->ops,
				    k->status);
			r = apptest_request(tc, "POST", target, NULL);
			cr_assert_eq(r->status, k->status < 0 ? 500 : k->status,
			    "%s POST %s: %d %s", sx_commit_modes[m], target,
			    r->status, r->body);
			sx_test_response_free(r);
			grew = count_direct(url) - before;
			cr_assert_eq(grew, k->kept[m], "%s POST %s: rows grew "
			    "by %ld, expected %d", sx_commit_modes[m], target,
			    grew, k->kept[m]);
		}
		sx_test_client_free(tc);
	}
	free(url);
}

Test(commit_modes, handler_steps_sqlite) { steps_matrix(APPTEST_SQLITE); }
Test(commit_modes, handler_steps_postgres) { steps_matrix(APPTEST_PG); }

/* The handler answers 200; the deferred foreign key fails at COMMIT; the
 * client must get a 500 and the table must be unchanged. */
static void
deferred(apptest_driver d)
{
	char *url = apptest_url(d, "deferred");
	sx_test_client *tc = client(url, "autocommit", NULL);
	sx_test_response *r;

	cr_assert_eq(apptest_status(tc, "POST", "/items?status=201", NULL), 201);
	cr_assert_eq(count(tc), 1);
	r = apptest_request(tc, "POST", "/items/deferred", NULL);
	cr_assert_eq(r->status, 500, "%d %s", r->status, r->body);
	cr_assert_not_null(strstr(r->body, "the changes were not saved: database "
	    "\\\"db_session\\\" could not commit"), "%s", r->body);
	cr_assert_null(sx_test_header(r, "Retry-After"));
	sx_test_response_free(r);
	cr_assert_eq(count(tc), 1, "the broken row must not be saved");
	/* the connection went back to the pool clean: the next request works */
	cr_assert_eq(apptest_status(tc, "POST", "/items?status=200", NULL), 200);
	cr_assert_eq(count(tc), 2);
	sx_test_client_free(tc);
	free(url);
}

Test(commit_modes, deferred_constraint_sqlite) { deferred(APPTEST_SQLITE); }
Test(commit_modes, deferred_constraint_postgres) { deferred(APPTEST_PG); }

/* Runs sql on url through a connection of the test's own. */
static void
exec_direct(const char *url, const char *sql)
{
	char errbuf[256];
	sx_db_conn *c;

	cr_assert_eq(sx_db_open(url, NULL, &c, errbuf, sizeof(errbuf)),
	    SX_DB_OK, "%s", errbuf);
	cr_assert_eq(sx_db_exec_script(c, sql), SX_DB_OK, "%s",
	    sx_db_last_error(c)->message);
	sx_db_close(c);
}

/* The server session dies while COMMIT runs (a deferred trigger ends its
 * own backend): the client cannot know whether the commit took, so the
 * answer must say the outcome is unknown, not that nothing was saved,
 * and must not invite a blind retry. The next request gets a fresh
 * connection. */
Test(commit_modes, connection_lost_during_commit_postgres)
{
	char *url = apptest_url(APPTEST_PG, "lost");
	sx_test_client *tc = client(url, "autocommit", NULL);
	sx_test_response *r;

	cr_assert_eq(apptest_status(tc, "POST", "/items?status=201", NULL), 201);
	exec_direct(url,
	    "CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql "
	    "AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); "
	    "PERFORM pg_sleep(5); RETURN NULL; END $$;"
	    "CREATE CONSTRAINT TRIGGER die AFTER INSERT ON items "
	    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
	    "EXECUTE FUNCTION die_at_commit();");
	r = apptest_request(tc, "POST", "/items?status=201", NULL);
	cr_assert_eq(r->status, 500, "%d %s", r->status, r->body);
	cr_assert_not_null(strstr(r->body, "the outcome is unknown: database "
	    "\\\"db_session\\\" lost its connection while committing"), "%s",
	    r->body);
	cr_assert_null(strstr(r->body, "not saved"), "%s", r->body);
	cr_assert_null(sx_test_header(r, "Retry-After"));
	sx_test_response_free(r);
	exec_direct(url, "DROP TRIGGER die ON items");
	/* the server rolled it back: one row, and the pool recovers */
	cr_assert_eq(count_direct(url), 1);
	cr_assert_eq(apptest_status(tc, "POST", "/items?status=201", NULL), 201);
	cr_assert_eq(count_direct(url), 2);
	sx_test_client_free(tc);
	free(url);
}

/* Another connection holds SQLite's write lock: the request cannot get its
 * transaction (the driver begins IMMEDIATE, so SQLite reports busy at the
 * start rather than at COMMIT), and the client is told to retry. */
Test(commit_modes, sqlite_busy_is_503_with_retry_after)
{
	char *url = apptest_sqlite_url("busy"), errbuf[256];
	char *cfg = apptest_file("config.json", "{\"databases\": {\"db_session\": "
	    "{\"busy_timeout_ms\": 50}}}");
	sx_test_client *tc = client(url, "autocommit", cfg);
	sx_test_response *r;
	sx_db_conn *holder;

	cr_assert_eq(sx_db_open(url, &(sx_db_options){ .busy_timeout_ms = 50 },
	    &holder, errbuf, sizeof(errbuf)), SX_DB_OK, "%s", errbuf);
	cr_assert_eq(sx_db_begin(holder), SX_DB_OK);
	cr_assert_eq(sx_db_exec(holder, "INSERT INTO items (note) VALUES ('held')",
	    NULL, 0, NULL), SX_DB_OK);
	r = apptest_request(tc, "POST", "/items?status=201", NULL);
	cr_assert_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_assert_str_eq(sx_test_header(r, "Retry-After"), "1");
	sx_test_response_free(r);
	cr_assert_eq(sx_db_rollback(holder), SX_DB_OK);
	sx_db_close(holder);
	cr_assert_eq(count(tc), 0);
	cr_assert_eq(apptest_status(tc, "POST", "/items?status=201", NULL), 201);
	cr_assert_eq(count(tc), 1);
	sx_test_client_free(tc);
	free(cfg);
	free(url);
}

/* extra_rollback_statuses from the config file turn a 201 into a rollback. */
Test(commit_modes, extra_rollback_status_from_config_file)
{
	char *url = apptest_sqlite_url("extra");
	char *cfg = apptest_file("config.json", "{\"databases\": {\"db_session\": "
	    "{\"extra_rollback_statuses\": [201]}}}");
	sx_test_client *tc = client(url, "autocommit", cfg);

	post_and_count(tc, "autocommit", "/items?status=201", 201, 0);
	post_and_count(tc, "autocommit", "/items?status=200", 200, 1);
	post_and_count(tc, "autocommit", "/items?status=418", 418, 1);
	sx_test_client_free(tc);
	free(cfg);
	free(url);
}

Test(request_id, echoed_generated_and_in_the_access_line)
{
	char *url = apptest_sqlite_url("ids");
	char *log = apptest_file("access.log", "");
	char *db = NULL, *text;
	sx_test_client *tc;
	sx_test_response *r;
	const char *id;

	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	tc = apptest_client(&commit_modes_app, (const char *const[]){
	    "--database", db, "--migrate", "--log", log, NULL });
	r = sx_test_request(tc, "GET", "/items/count",
	    (const char *const[]){ "X-Request-ID: abc", NULL }, NULL, 0);
	cr_assert_str_eq(sx_test_header(r, "X-Request-ID"), "abc");
	sx_test_response_free(r);
	/* an error body carries the id too */
	r = sx_test_request(tc, "POST", "/items?status=abc",
	    (const char *const[]){ "X-Request-ID:  req-42 ", NULL }, NULL, 0);
	cr_assert_eq(r->status, 400);
	cr_assert_str_eq(sx_test_header(r, "X-Request-ID"), "req-42");
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "request_id")->valuestring,
	    "req-42");
	sx_test_response_free(r);
	/* none, or one that is not printable ASCII: a UUID v4 */
	r = sx_test_request(tc, "GET", "/items/count",
	    (const char *const[]){ "X-Request-ID: caf\xc3\xa9", NULL }, NULL, 0);
	id = sx_test_header(r, "X-Request-ID");
	cr_assert_eq(strlen(id), 36, "%s", id);
	cr_assert(id[8] == '-' && id[13] == '-' && id[14] == '4' &&
	    id[18] == '-' && id[23] == '-', "%s", id);
	sx_test_response_free(r);
	r = sx_test_request(tc, "GET", "/items/count", NULL, NULL, 0);
	cr_assert_eq(strlen(sx_test_header(r, "X-Request-ID")), 36);
	sx_test_response_free(r);
	sx_test_client_free(tc);
	text = apptest_slurp(log);
	cr_assert_not_null(strstr(text, " id=abc GET /items/count 200 "), "%s", text);
	cr_assert_not_null(strstr(text, " id=req-42 POST /items 400 "), "%s", text);
	free(text);
	free(db);
	free(log);
	free(url);
}
