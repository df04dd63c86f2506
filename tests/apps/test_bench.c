/*
 * test_bench.c: examples/bench answers every TechEmpower test type to the
 * rules, on SQLite and PostgreSQL: bodies, Server and Date headers, the
 * clamping of the query count, the updates saved, the cache's values, and
 * the fortunes sorted and escaped.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/bench/"
#include "examples/bench/bench.c"

#include "apptest.h"

/* A test client on a fresh, migrated database; *url receives its URL. */
static sx_test_client *
client(apptest_driver d, char **url)
{
	char *db = NULL;
	sx_test_client *tc;

	*url = apptest_url(d, "bench");
	cr_assert(asprintf(&db, "db_session=%s", *url) > 0);
	tc = apptest_client(&bench_app, (const char *const[]){
	    "--database", db, "--migrate", NULL });
	free(db);
	return tc;
}

/* GET path: 200 with the content type, Server and an HTTP date. */
static sx_test_response *
get_ok(sx_test_client *tc, const char *path, const char *type)
{
	sx_test_response *r = apptest_request(tc, "GET", path, NULL);
	const char *date;

	cr_assert_eq(r->status, 200, "GET %s: %d %s", path, r->status, r->body);
	cr_assert_str_eq(sx_test_header(r, "Content-Type"), type, "GET %s", path);
	cr_assert_str_eq(sx_test_header(r, "Server"), "Sextant", "GET %s", path);
	cr_assert_not_null(date = sx_test_header(r, "Date"), "GET %s", path);
	cr_assert_eq(strlen(date), 29, "an IMF-fixdate: %s", date);
	cr_assert_str_eq(date + strlen(date) - 4, " GMT", "%s", date);
	return r;
}

/* The randomNumber of World row id, read straight from the database. */
static long
stored_number(sx_db_conn *c, long id)
{
	int64_t v = 0;

	cr_assert_eq(sx_db_scalar_int(c, "SELECT randomNumber FROM World WHERE id = $1",
	    SX_PARAMS(SX_PINT(id)), &v), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	return (long)v;
}

/* A World row of a response: id and randomNumber in 1..10000 (and, when c
 * is given, the number the table holds). */
static void
check_world(const cJSON *o, sx_db_conn *c)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "randomNumber");

	cr_assert(cJSON_IsNumber(id) && cJSON_IsNumber(n));
	cr_assert(id->valuedouble >= 1 && id->valuedouble <= 10000);
	cr_assert(n->valuedouble >= 1 && n->valuedouble <= 10000);
	cr_assert_eq(cJSON_GetArraySize(o), 2, "only id and randomNumber");
	if (c != NULL)
		cr_assert_eq(stored_number(c, (long)id->valuedouble),
		    (long)n->valuedouble, "row %ld", (long)id->valuedouble);
}

/* GET path answers an array of `expect` World rows. */
static void
check_rows(sx_test_client *tc, const char *path, int expect, sx_db_conn *c)
{
	sx_test_response *r = get_ok(tc, path, "application/json");
	const cJSON *row;

	cr_assert(cJSON_IsArray(r->json), "GET %s: %s", path, r->body);
	cr_assert_eq(cJSON_GetArraySize(r->json), expect, "GET %s", path);
	cJSON_ArrayForEach(row, r->json)
		check_world(row, c);
	sx_test_response_free(r);
}

Test(bench, json_and_plaintext)
{
	char *url;
	sx_test_client *tc = client(APPTEST_SQLITE, &url);
	sx_test_response *r;

	r = get_ok(tc, "/json", "application/json");
	cr_assert_str_eq(r->body, "{\"message\":\"Hello, World!\"}");
	sx_test_response_free(r);
	r = get_ok(tc, "/plaintext", "text/plain; charset=utf-8");
	cr_assert_str_eq(r->body, "Hello, World!");
	sx_test_response_free(r);
	sx_test_client_free(tc);
	free(url);
}

static void
queries_test(apptest_driver d)
{
	static const struct { const char *query; int rows; } cases[] = {
		{ "", 1 }, { "?queries=", 1 }, { "?queries=foo", 1 },
		{ "?queries=0", 1 }, { "?queries=-3", 1 }, { "?queries=7x", 1 },
		{ "?queries=1", 1 }, { "?queries=20", 20 }, { "?queries=500", 500 },
		{ "?queries=501", 500 }, { "?queries=99999999999999999999", 500 },
	};
	char *url, path[96], err[256];
	sx_test_client *tc = client(d, &url);
	sx_test_response *r;
	sx_db_conn *c;

	cr_assert_eq(sx_db_open(url, NULL, &c, err, sizeof(err)), SX_DB_OK, "%s", err);
	r = get_ok(tc, "/db", "application/json");
	cr_assert(cJSON_IsObject(r->json), "%s", r->body);
	check_world(r->json, c);
	sx_test_response_free(r);
	for (size_t i = 0; i < SX_NELEM(cases); i++) {
		snprintf(path, sizeof(path), "/queries%s", cases[i].query);
		check_rows(tc, path, cases[i].rows, i < 8 ? c : NULL);
	}
	sx_db_close(c);
	sx_test_client_free(tc);
	free(url);
}

Test(bench, db_and_queries_sqlite) { queries_test(APPTEST_SQLITE); }
Test(bench, db_and_queries_postgres) { queries_test(APPTEST_PG); }

static void
updates_test(apptest_driver d)
{
	char *url, err[256];
	sx_test_client *tc = client(d, &url);
	sx_db_conn *c;

	cr_assert_eq(sx_db_open(url, NULL, &c, err, sizeof(err)), SX_DB_OK, "%s", err);
	/* check_world compares every row answered with the table after the
	 * request: the new numbers were saved, rows drawn twice included. */
	for (int i = 0; i < 5; i++)
		check_rows(tc, "/updates?queries=20", 20, c);
	check_rows(tc, "/updates?queries=bad", 1, c);
	check_rows(tc, "/updates?queries=501", 500, c);
	sx_db_close(c);
	sx_test_client_free(tc);
	free(url);
}

Test(bench, updates_sqlite) { updates_test(APPTEST_SQLITE); }
Test(bench, updates_postgres) { updates_test(APPTEST_PG); }

static void
cached_test(apptest_driver d)
{
	char *url, err[256];
	sx_test_client *tc = client(d, &url);
	sx_db_conn *c;

	cr_assert_eq(sx_db_open(url, NULL, &c, err, sizeof(err)), SX_DB_OK, "%s", err);
	check_rows(tc, "/cached-queries?count=10", 10, c);
	check_rows(tc, "/cached-queries", 1, c);
	check_rows(tc, "/cached-queries?count=0", 1, c);
	check_rows(tc, "/cached-queries?count=501", 500, c);
	sx_db_close(c);
	sx_test_client_free(tc);
	free(url);
}

Test(bench, cached_queries_sqlite) { cached_test(APPTEST_SQLITE); }
Test(bench, cached_queries_postgres) { cached_test(APPTEST_PG); }

/* The page the rules expect: 13 fortunes sorted by message, escaped. */
static const char fortunes_page[] =
"<!DOCTYPE html>\n<html>\n<head><title>Fortunes</title></head>\n<body>\n"
"<table>\n<tr><th>id</th><th>message</th></tr>\n"
"<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed "
    "in a browser alert box.&quot;);&lt;/script&gt;</td></tr>\n"
"<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, "
    "1, 1, 1</td></tr>\n"
"<tr><td>5</td><td>A computer program does what you tell it to do, not what "
    "you want it to do.</td></tr>\n"
"<tr><td>2</td><td>A computer scientist is someone who fixes things that "
    "aren&#39;t broken.</td></tr>\n"
"<tr><td>8</td><td>A list is only as strong as its weakest link. — Donald "
    "Knuth</td></tr>\n"
"<tr><td>0</td><td>Additional fortune added at request time.</td></tr>\n"
"<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>\n"
"<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>\n"
"<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>\n"
"<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. — "
    "Tom Christaensen</td></tr>\n"
"<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>\n"
"<tr><td>1</td><td>fortune: No such file or directory</td></tr>\n"
"<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>\n"
"</table>\n</body>\n</html>\n";

static void
fortunes_page_test(apptest_driver d)
{
	char *url;
	sx_test_client *tc = client(d, &url);

	for (int i = 0; i < 2; i++) {	/* the added fortune is not kept */
		sx_test_response *r = get_ok(tc, "/fortunes", "text/html; charset=utf-8");

		cr_assert_str_eq(r->body, fortunes_page);
		sx_test_response_free(r);
	}
	sx_test_client_free(tc);
	free(url);
}

Test(bench, fortunes_sqlite) { fortunes_page_test(APPTEST_SQLITE); }
Test(bench, fortunes_postgres) { fortunes_page_test(APPTEST_PG); }

Test(bench, db_session_route)
{
	char *url;
	sx_test_client *tc = client(APPTEST_SQLITE, &url);
	sx_test_response *r = get_ok(tc, "/db-session", "application/json");

	check_world(r->json, NULL);
	sx_test_response_free(r);
	sx_test_client_free(tc);
	free(url);
}
