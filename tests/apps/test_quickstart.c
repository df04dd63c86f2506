/*
 * test_quickstart.c: examples/quickstart's contract routes on SQLite and
 * PostgreSQL: users and posts CRUD, a duplicate email as 409, and the
 * app's extra request id header.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/quickstart/"
#include "examples/quickstart/quickstart.c"

#include "apptest.h"

static sx_test_client *
client(apptest_driver d)
{
	char *url = apptest_url(d, "quickstart"), *db = NULL;
	sx_test_client *tc;

	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	tc = apptest_client(&quickstart_app, (const char *const[]){
	    "--database", db, "--migrate", NULL });
	free(db);
	free(url);
	return tc;
}

static const char *
str(const sx_test_response *r, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, field);

	cr_assert(cJSON_IsString(v), "no string \"%s\" in %s", field, r->body);
	return v->valuestring;
}

static void
users(apptest_driver d)
{
	sx_test_client *tc = client(d);
	sx_test_response *r;
	const cJSON *list;

	r = apptest_request(tc, "POST", "/users",
	    "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(r->json, "id")), "%s", r->body);
	cr_assert_str_eq(str(r, "email"), "ada@example.org");
	sx_test_response_free(r);
	r = apptest_request(tc, "POST", "/users",
	    "{\"name\":\"Other Ada\",\"email\":\"ada@example.org\"}");
	cr_assert_eq(r->status, 409, "%s", r->body);
	sx_test_response_free(r);
	cr_assert_eq(apptest_status(tc, "POST", "/users", "{\"name\":\"x\"}"), 400);
	for (int i = 0; i < 12; i++) {
		char body[96];

		snprintf(body, sizeof(body), "{\"name\":\"u%d\",\"email\":\"u%d@x\"}",
		    i, i);
		cr_assert_eq(apptest_status(tc, "POST", "/users", body), 201);
	}
	r = apptest_request(tc, "GET", "/users", NULL);
	cr_assert_eq(r->status, 200);
	list = cJSON_GetObjectItem(r->json, "users");
	cr_assert_eq(cJSON_GetArraySize(list), 10, "at most 10: %s", r->body);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0),
	    "name")->valuestring, "Ada", "the 409 saved nothing");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(quickstart, users_sqlite) { users(APPTEST_SQLITE); }
Test(quickstart, users_postgres) { users(APPTEST_PG); }

static void
posts(apptest_driver d)
{
	sx_test_client *tc = client(d);
	sx_test_response *r;
	char path[64];
	long id;

	r = apptest_request(tc, "POST", "/posts",
	    "{\"title\":\"Hello\",\"content\":\"First post\"}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	id = (long)cJSON_GetObjectItem(r->json, "id")->valuedouble;
	sx_test_response_free(r);
	snprintf(path, sizeof(path), "/posts/%ld", id);
	r = apptest_request(tc, "GET", path, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(str(r, "title"), "Hello");
	sx_test_response_free(r);
	r = apptest_request(tc, "PATCH", path, "{\"content\":\"Edited\"}");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(str(r, "title"), "Hello");
	cr_assert_str_eq(str(r, "content"), "Edited");
	sx_test_response_free(r);
	r = apptest_request(tc, "GET", path, NULL);
	cr_assert_str_eq(str(r, "content"), "Edited", "the PATCH was saved");
	sx_test_response_free(r);
	r = apptest_request(tc, "DELETE", path, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(str(r, "status"), "deleted");
	sx_test_response_free(r);
	cr_assert_eq(apptest_status(tc, "GET", path, NULL), 404);
	cr_assert_eq(apptest_status(tc, "DELETE", path, NULL), 404);
	cr_assert_eq(apptest_status(tc, "PATCH", "/posts/999", "{\"title\":\"t\"}"), 404);
	sx_test_client_free(tc);
}

Test(quickstart, posts_sqlite) { posts(APPTEST_SQLITE); }
Test(quickstart, posts_postgres) { posts(APPTEST_PG); }

Test(quickstart, correlation_header_is_the_request_id)
{
	sx_test_client *tc = client(APPTEST_SQLITE);
	sx_test_response *r;

	r = sx_test_request(tc, "GET", "/users", (const char *const[]){
	    "X-Request-ID: bad id", "X-Correlation-ID: corr-7", NULL }, NULL, 0);
	cr_assert_str_eq(sx_test_header(r, "X-Request-ID"), "corr-7",
	    "an unusable X-Request-ID does not hide the next header");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}
