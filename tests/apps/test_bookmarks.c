/*
 * test_bookmarks.c: examples/bookmarks on SQLite and PostgreSQL: users
 * (201, 409, 422, 404), bookmarks with tags (201, 404 for no user, 409),
 * the filter by tag and its pages (400 on a bad limit), the HTML page, and
 * a bookmark whose tags fail rolling back all three tables as one.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/bookmarks/"
#include "examples/bookmarks/bookmarks.c"

#include "apptest.h"

/* A fresh, migrated database for each test (sx_test_client_fresh). */
static sx_test_client *
client(apptest_driver d)
{
	char err[1024] = "";
	sx_test_client *tc = sx_test_client_fresh(&bookmarks_app,
	    d == APPTEST_PG ? SX_TEST_PG_URL() : NULL, NULL, err, sizeof(err));

	cr_assert_not_null(tc, "start-up failed: %s", err);
	return tc;
}

/* POSTs json to path, asserts the status and returns the "id" it gave
 * (0 when none). */
static long
post(sx_test_client *tc, const char *path, const char *json, int status)
{
	sx_test_response *r = apptest_request(tc, "POST", path, json);
	const cJSON *id;
	long n = 0;

	cr_assert_eq(r->status, status, "POST %s %s: %d %s", path, json,
	    r->status, r->body);
	if ((id = cJSON_GetObjectItem(r->json, "id")) != NULL)
		n = (long)id->valuedouble;
	sx_test_response_free(r);
	return n;
}

static void
users(apptest_driver d)
{
	sx_test_client *tc = client(d);
	sx_test_response *r;
	const cJSON *fields;
	long id;

	id = post(tc, "/users", "{\"name\":\"Ada\",\"email\":\"ada@x.org\"}", 201);
	cr_assert_gt(id, 0);
	post(tc, "/users", "{\"name\":\"Ada 2\",\"email\":\"ada@x.org\"}", 409);
	r = apptest_request(tc, "POST", "/users", "{\"email\":7}");
	cr_assert_eq(r->status, 422, "%s", r->body);
	fields = cJSON_GetObjectItem(r->json, "fields");
	cr_assert_str_eq(cJSON_GetObjectItem(fields, "name")->valuestring,
	    "required");
	cr_assert_str_eq(cJSON_GetObjectItem(fields, "email")->valuestring,
	    "must be a string");
	sx_test_response_free(r);
	post(tc, "/users", "{\"name\":\"B\",\"email\":\"no-at-sign\"}", 422);
	cr_assert_eq(apptest_status(tc, "GET", "/users/1", NULL), 200);
	cr_assert_eq(apptest_status(tc, "GET", "/users/99", NULL), 404);
	sx_test_client_free(tc);
}

Test(bookmarks, users_sqlite) { users(APPTEST_SQLITE); }
Test(bookmarks, users_postgres) { users(APPTEST_PG); }

static void
bookmarks(apptest_driver d)
{
	sx_test_client *tc = client(d);
	sx_test_response *r;
	long id;

	post(tc, "/users", "{\"name\":\"Ada\",\"email\":\"ada@x.org\"}", 201);
	id = post(tc, "/users/1/bookmarks", "{\"url\":\"https://a.example\","
	    "\"title\":\"A\",\"tags\":[\"web\",\"c\"]}", 201);
	post(tc, "/users/1/bookmarks", "{\"url\":\"https://b.example\","
	    "\"title\":\"B <b>\",\"tags\":[\"web\"]}", 201);
	post(tc, "/users/1/bookmarks", "{\"url\":\"https://c.example\","
	    "\"title\":\"C\"}", 201);
	post(tc, "/users/1/bookmarks", "{\"url\":\"https://a.example\","
	    "\"title\":\"again\"}", 409);
	post(tc, "/users/42/bookmarks", "{\"url\":\"https://a.example\","
	    "\"title\":\"A\"}", 404);
	post(tc, "/users/1/bookmarks", "{\"url\":\"\",\"tags\":\"web\"}", 422);

	r = apptest_request(tc, "GET", "/bookmarks/1", NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(cJSON_GetObjectItem(r->json, "id")->valuedouble, id);
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "tags")->valuestring, "c,web");
	sx_test_response_free(r);

	r = apptest_request(tc, "GET", "/users/1/bookmarks?tag=web&limit=1", NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
	cr_assert_eq(cJSON_GetObjectItem(r->json, "total")->valuedouble, 2, "%s",
	    r->body);
	cr_assert_eq(cJSON_GetObjectItem(r->json, "limit")->valuedouble, 1);
	sx_test_response_free(r);
	cr_assert_eq(apptest_get_number(tc, "/users/1/bookmarks", "total"), 3);
	cr_assert_eq(apptest_get_number(tc, "/users/1/bookmarks?tag=none",
	    "total"), 0);
	cr_assert_eq(apptest_status(tc, "GET", "/users/1/bookmarks?limit=0",
	    NULL), 400);
	cr_assert_eq(apptest_status(tc, "GET", "/users/1/bookmarks?offset=x",
	    NULL), 400);

	r = apptest_request(tc, "GET", "/tags", NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(cJSON_GetArraySize(r->json), 2, "%s", r->body);
	sx_test_response_free(r);

	r = apptest_request(tc, "GET", "/", NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_not_null(strstr(r->body, "B &lt;b&gt;"), "escaped: %s", r->body);
	cr_assert_not_null(strstr(sx_test_header(r, "Content-Type"), "text/html"));
	sx_test_response_free(r);

	cr_assert_eq(apptest_status(tc, "DELETE", "/bookmarks/1", NULL), 200);
	cr_assert_eq(apptest_status(tc, "DELETE", "/bookmarks/1", NULL), 404);
	cr_assert_eq(apptest_status(tc, "GET", "/bookmarks/1", NULL), 404);
	sx_test_client_free(tc);
}

Test(bookmarks, bookmarks_sqlite) { bookmarks(APPTEST_SQLITE); }
Test(bookmarks, bookmarks_postgres) { bookmarks(APPTEST_PG); }

/* A tag given twice fails on bookmark_tags after the bookmark and a new
 * tag were written: the 409 rolls back all three tables. */
static void
rollback(apptest_driver d)
{
	sx_test_client *tc = client(d);

	post(tc, "/users", "{\"name\":\"Ada\",\"email\":\"ada@x.org\"}", 201);
	post(tc, "/users/1/bookmarks", "{\"url\":\"https://a.example\","
	    "\"title\":\"A\",\"tags\":[\"fresh\",\"fresh\"]}", 409);
	cr_assert_eq(apptest_get_number(tc, "/users/1/bookmarks", "total"), 0);
	cr_assert_eq(apptest_get_number(tc, "/users/1/bookmarks?tag=fresh",
	    "total"), 0);
	post(tc, "/users/1/bookmarks", "{\"url\":\"https://b.example\","
	    "\"title\":\"B\",\"tags\":[\"other\"]}", 201);
	{
		sx_test_response *r = apptest_request(tc, "GET", "/tags", NULL);

		cr_assert_eq(cJSON_GetArraySize(r->json), 1,
		    "tag \"fresh\" was rolled back: %s", r->body);
		sx_test_response_free(r);
	}
	/* The same bookmark saves once the tags are right. */
	post(tc, "/users/1/bookmarks", "{\"url\":\"https://a.example\","
	    "\"title\":\"A\",\"tags\":[\"fresh\"]}", 201);
	sx_test_client_free(tc);
}

Test(bookmarks, rollback_sqlite) { rollback(APPTEST_SQLITE); }
Test(bookmarks, rollback_postgres) { rollback(APPTEST_PG); }

/* The sx_test_ schemas on the server, one string "a,b,c," (malloc'd). */
static char *
schemas(sx_db_conn *c)
{
	char *list = NULL;

	cr_assert_eq(sx_db_scalar_text(c, "SELECT COALESCE(string_agg(schema_name "
	    "|| ',', ''), '') FROM information_schema.schemata WHERE "
	    "schema_name LIKE 'sx_test_%'", NULL, 0, &list), SX_DB_OK);
	return list;
}

/* The fresh client's throwaway schema is dropped when the client goes
 * (other tests make and drop theirs meanwhile: only the new names count). */
Test(bookmarks, fresh_schema_dropped_postgres)
{
	const char *url = SX_TEST_PG_URL();
	char *before, *during, *after, *name, *save = NULL;
	sx_test_client *tc;
	sx_db_conn *c;
	int mine = 0, gone = 0;

	cr_assert_eq(sx_db_open(url, NULL, &c, NULL, 0), SX_DB_OK);
	before = schemas(c);
	tc = client(APPTEST_PG);
	during = schemas(c);
	sx_test_client_free(tc);
	after = schemas(c);
	sx_db_close(c);
	for (name = strtok_r(during, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		if (strstr(before, name) != NULL)
			continue;
		mine++;
		gone += strstr(after, name) == NULL;
	}
	cr_assert_geq(mine, 1, "the fresh client made a schema");
	cr_assert_geq(gone, 1, "its schema was dropped: before %s after %s",
	    before, after);
	free(before);
	free(during);
	free(after);
}
