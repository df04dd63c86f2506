/*
 * test_notes.c: examples/notes through the test client, on SQLite and on
 * PostgreSQL: register, log in and out, create, list, search, paginate,
 * edit and delete notes from the HTML forms, form errors with the input
 * kept, the JSON API and its status codes, another user's note as 404 on
 * pages and API, and a form post without the CSRF token refused.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/notes/"
#include "examples/notes/notes.c"

#include "apptest.h"

/* A user agent: the test client and the session cookie it carries. */
typedef struct agent {
	sx_test_client *tc;
	char cookie[160];	/* "sx_session=..." or "" */
	char token[80];		/* the last CSRF token a page showed */
} agent;

/* Keeps the session cookie a response set. */
static void
keep_cookie(agent *a, const sx_test_response *r)
{
	const char *c = sx_test_header(r, "Set-Cookie");
	size_t n;

	if (c == NULL || strncmp(c, "sx_session=", 11) != 0)
		return;
	n = strcspn(c, ";");
	cr_assert_lt(n, sizeof(a->cookie));
	memcpy(a->cookie, c, n);
	a->cookie[n] = '\0';
}

/* Keeps the CSRF token a page's form carries. */
static void
keep_token(agent *a, const sx_test_response *r)
{
	const char *t = r->body ? strstr(r->body,
	    "name=\"csrf_token\" value=\"") : NULL;
	size_t n;

	if (t == NULL)
		return;
	t += strlen("name=\"csrf_token\" value=\"");
	n = strcspn(t, "\"");
	cr_assert_lt(n, sizeof(a->token));
	memcpy(a->token, t, n);
	a->token[n] = '\0';
}

/* One request with the agent's cookie: a form body (type form) or a JSON
 * body (type json) or none. The caller frees. */
static sx_test_response *
ua_send(agent *a, const char *method, const char *path, const char *type,
    const char *body)
{
	char cookie[200], ctype[64];
	const char *headers[3] = { NULL, NULL, NULL };
	size_t h = 0;
	sx_test_response *r;

	if (a->cookie[0] != '\0') {
		snprintf(cookie, sizeof(cookie), "Cookie: %s", a->cookie);
		headers[h++] = cookie;
	}
	if (type != NULL) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		    strcmp(type, "form") == 0 ?
		    "application/x-www-form-urlencoded" : "application/json");
		headers[h++] = ctype;
	}
	r = sx_test_request(a->tc, method, path, headers, body,
	    body ? strlen(body) : 0);
	cr_assert_not_null(r, "%s %s: no response", method, path);
	keep_cookie(a, r);
	keep_token(a, r);
	return r;
}

static int
status_of(sx_test_response *r)
{
	int s = r->status;

	sx_test_response_free(r);
	return s;
}

/* GET path, 200 expected; the caller frees. */
static sx_test_response *
get(agent *a, const char *path)
{
	sx_test_response *r = ua_send(a, "GET", path, NULL, NULL);

	cr_assert_eq(r->status, 200, "GET %s: %d %s", path, r->status, r->body);
	return r;
}

/* POST a form with the agent's CSRF token first. */
static sx_test_response *
post(agent *a, const char *path, const char *fields)
{
	char *body;
	sx_test_response *r;

	cr_assert(asprintf(&body, "csrf_token=%s%s%s", a->token,
	    *fields ? "&" : "", fields) > 0);
	r = ua_send(a, "POST", path, "form", body);
	free(body);
	return r;
}

/* POST a form that should redirect to location; returns the page there. */
static sx_test_response *
post_follow(agent *a, const char *path, const char *fields,
    const char *location)
{
	sx_test_response *r = post(a, path, fields);
	const char *loc = sx_test_header(r, "Location");

	cr_assert_eq(r->status, 303, "POST %s: %d %s", path, r->status, r->body);
	cr_assert_not_null(loc);
	cr_assert_str_eq(loc, location);
	sx_test_response_free(r);
	return get(a, location);
}

static void
contains(const sx_test_response *r, const char *text)
{
	cr_assert_not_null(strstr(r->body, text), "no \"%s\" in %s", text,
	    r->body);
}

static void
lacks(const sx_test_response *r, const char *text)
{
	cr_assert_null(strstr(r->body, text), "\"%s\" in %s", text, r->body);
}

static sx_test_client *
client(apptest_driver d)
{
	char *url = apptest_url(d, "notes"), *db = NULL;
	sx_test_client *tc;

	setenv("SX_PASSWORD_FAST", "1", 1);
	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	tc = apptest_client(&notes_app, (const char *const[]){
	    "--database", db, "--migrate", NULL });
	free(db);
	free(url);
	return tc;
}

/* A registered, logged-in agent named user, on its notes page. */
static agent
registered(sx_test_client *tc, const char *user)
{
	agent a = { .tc = tc };
	char fields[128];

	sx_test_response_free(get(&a, "/register"));
	snprintf(fields, sizeof(fields), "username=%s&password=secret-pw", user);
	sx_test_response *r = post_follow(&a, "/register", fields, "/notes");
	contains(r, "Welcome!");
	contains(r, user);
	sx_test_response_free(r);
	return a;
}

/* The id of the first note linked on a page. */
static long
first_note_id(const sx_test_response *r)
{
	const char *p = strstr(r->body, "<h2><a href=\"/notes/");

	cr_assert_not_null(p, "no note on %s", r->body);
	return strtol(p + strlen("<h2><a href=\"/notes/"), NULL, 10);
}

static void
pages(apptest_driver d)
{
	sx_test_client *tc = client(d);
	agent a = { .tc = tc };
	sx_test_response *r;
	char path[64];
	long id;

	/* a visitor sees the login form at / and is sent there from /notes */
	r = get(&a, "/");
	contains(r, "<form method=\"post\" action=\"/login\"");
	sx_test_response_free(r);
	r = ua_send(&a, "GET", "/notes", NULL, NULL);
	cr_assert_eq(r->status, 303);
	cr_assert_str_eq(sx_test_header(r, "Location"), "/login");
	sx_test_response_free(r);

	a = registered(tc, "ada");
	r = post_follow(&a, "/logout", "", "/login");
	contains(r, "You are logged out.");
	sx_test_response_free(r);
	cr_assert_eq(status_of(ua_send(&a, "GET", "/notes", NULL, NULL)), 303);

	/* wrong password, then the right one */
	r = post(&a, "/login", "username=ada&password=wrong-one");
	cr_assert_eq(r->status, 401);
	contains(r, "Wrong username or password.");
	contains(r, "value=\"ada\"");
	sx_test_response_free(r);
	r = post_follow(&a, "/login", "username=ada&password=secret-pw", "/notes");
	contains(r, "You are logged in.");
	contains(r, "No notes yet");
	sx_test_response_free(r);

	/* create, with the errors next to the fields and the input kept */
	sx_test_response_free(get(&a, "/notes/new"));
	{
		char fields[400] = "title=", *p = fields + strlen(fields);

		memset(p, 'x', 201);
		strcpy(p + 201, "&body=");
		r = post(&a, "/notes", fields);
	}
	cr_assert_eq(r->status, 422, "%s", r->body);
	contains(r, "The title is too long");
	contains(r, "The note is empty");
	contains(r, "xxxxxxxxxx");
	sx_test_response_free(r);
	r = post_follow(&a, "/notes", "title=Groceries&body=Milk+%3Cb%3Eeggs%3C%2Fb%3E",
	    "/notes");
	contains(r, "Note saved.");
	contains(r, "Groceries");
	contains(r, "Milk &lt;b&gt;eggs&lt;/b&gt;");
	id = first_note_id(r);
	sx_test_response_free(r);

	/* the flash shows once */
	r = get(&a, "/notes");
	lacks(r, "Note saved.");
	sx_test_response_free(r);

	/* edit */
	snprintf(path, sizeof(path), "/notes/%ld/edit", id);
	r = get(&a, path);
	contains(r, "value=\"Groceries\"");
	sx_test_response_free(r);
	snprintf(path, sizeof(path), "/notes/%ld", id);
	r = post(&a, path, "title=&body=x");
	cr_assert_eq(r->status, 422);
	contains(r, "Give the note a title.");
	sx_test_response_free(r);
	r = post_follow(&a, path, "title=Shopping&body=Bread+and+milk", "/notes");
	contains(r, "Shopping");
	lacks(r, "Groceries");
	sx_test_response_free(r);

	/* search over title and body, any case; % is a plain character */
	sx_test_response_free(post_follow(&a, "/notes",
	    "title=Books&body=Dune", "/notes"));
	r = get(&a, "/notes?q=BREAD");
	contains(r, "Shopping");
	lacks(r, "Books");
	sx_test_response_free(r);
	r = get(&a, "/notes?q=dune");
	contains(r, "Books");
	lacks(r, "Shopping");
	sx_test_response_free(r);
	r = get(&a, "/notes?q=%25");
	contains(r, "No note matches");
	sx_test_response_free(r);

	/* delete */
	snprintf(path, sizeof(path), "/notes/%ld/delete", id);
	r = post_follow(&a, path, "", "/notes");
	contains(r, "Note deleted.");
	lacks(r, "Shopping");
	sx_test_response_free(r);
	cr_assert_eq(status_of(post(&a, path, "")), 404);
	sx_test_client_free(tc);
}

static void
pagination(apptest_driver d)
{
	sx_test_client *tc = client(d);
	agent a = registered(tc, "bea");
	sx_test_response *r;
	char fields[64];

	for (int i = 1; i <= 45; i++) {
		snprintf(fields, sizeof(fields), "title=Note+%02d&body=b", i);
		r = post(&a, "/notes", fields);
		cr_assert_eq(r->status, 303, "%d %s", r->status, r->body);
		sx_test_response_free(r);
	}
	r = get(&a, "/notes");
	contains(r, "Note 45");
	contains(r, "Note 26");
	lacks(r, "Note 25");
	contains(r, "href=\"/notes?page=2\"");
	lacks(r, "rel=\"prev\"");
	sx_test_response_free(r);
	r = get(&a, "/notes?page=3");
	contains(r, "Note 05");
	contains(r, "Note 01");
	lacks(r, "Note 06");
	contains(r, "href=\"/notes?page=2\"");
	lacks(r, "rel=\"next\"");
	sx_test_response_free(r);
	r = get(&a, "/notes?q=note+0&page=1");
	contains(r, "Note 09");
	lacks(r, "rel=\"next\"");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

static long
json_id(const sx_test_response *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, "id");

	cr_assert(cJSON_IsNumber(v), "no id in %s", r->body);
	return (long)v->valuedouble;
}

static void
api(apptest_driver d)
{
	sx_test_client *tc = client(d);
	agent anon = { .tc = tc }, a = registered(tc, "cy");
	sx_test_response *r;
	char path[64];
	long id;

	cr_assert_eq(status_of(ua_send(&anon, "GET", "/api/notes", NULL, NULL)), 401);
	cr_assert_eq(status_of(ua_send(&anon, "POST", "/api/notes", "json",
	    "{\"title\":\"t\",\"body\":\"b\"}")), 401);

	r = ua_send(&a, "POST", "/api/notes", "json",
	    "{\"title\":\"API note\",\"body\":\"from JSON\"}");
	cr_assert_eq(r->status, 201, "%s", r->body);
	id = json_id(r);
	snprintf(path, sizeof(path), "/api/notes/%ld", id);
	cr_assert_str_eq(sx_test_header(r, "Location"), path);
	sx_test_response_free(r);
	cr_assert_eq(status_of(ua_send(&a, "POST", "/api/notes", "json",
	    "{\"title\":\"t\",\"body\":\"\"}")), 422);
	cr_assert_eq(status_of(ua_send(&a, "POST", "/api/notes", "json",
	    "{\"body\":\"b\"}")), 422);

	r = ua_send(&a, "GET", path, NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "title")->valuestring,
	    "API note");
	sx_test_response_free(r);
	r = ua_send(&a, "PUT", path, "json",
	    "{\"title\":\"Renamed\",\"body\":\"changed\"}");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "title")->valuestring,
	    "Renamed");
	sx_test_response_free(r);
	r = ua_send(&a, "GET", "/api/notes?q=renamed", NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "notes")), 1);
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "has_next")));
	sx_test_response_free(r);
	/* a note made through the API shows on the page */
	r = get(&a, "/notes");
	contains(r, "Renamed");
	sx_test_response_free(r);
	cr_assert_eq(status_of(ua_send(&a, "DELETE", path, NULL, NULL)), 204);
	cr_assert_eq(status_of(ua_send(&a, "GET", path, NULL, NULL)), 404);
	cr_assert_eq(status_of(ua_send(&a, "DELETE", path, NULL, NULL)), 404);
	sx_test_client_free(tc);
}

static void
others(apptest_driver d)
{
	sx_test_client *tc = client(d);
	agent a = registered(tc, "dan"), b = registered(tc, "eve");
	sx_test_response *r;
	char path[64];
	long id;

	r = ua_send(&a, "POST", "/api/notes", "json",
	    "{\"title\":\"Dan's secret\",\"body\":\"classified\"}");
	cr_assert_eq(r->status, 201);
	id = json_id(r);
	sx_test_response_free(r);

	r = get(&b, "/notes");
	lacks(r, "Dan&#39;s secret");
	lacks(r, "classified");
	sx_test_response_free(r);
	r = get(&b, "/notes?q=secret");
	contains(r, "No note matches");
	sx_test_response_free(r);
	snprintf(path, sizeof(path), "/notes/%ld/edit", id);
	cr_assert_eq(status_of(ua_send(&b, "GET", path, NULL, NULL)), 404);
	snprintf(path, sizeof(path), "/notes/%ld", id);
	cr_assert_eq(status_of(post(&b, path, "title=mine&body=now")), 404);
	snprintf(path, sizeof(path), "/notes/%ld/delete", id);
	cr_assert_eq(status_of(post(&b, path, "")), 404);
	snprintf(path, sizeof(path), "/api/notes/%ld", id);
	cr_assert_eq(status_of(ua_send(&b, "GET", path, NULL, NULL)), 404);
	cr_assert_eq(status_of(ua_send(&b, "PUT", path, "json",
	    "{\"title\":\"mine\",\"body\":\"now\"}")), 404);
	cr_assert_eq(status_of(ua_send(&b, "DELETE", path, NULL, NULL)), 404);
	r = ua_send(&b, "GET", "/api/notes", NULL, NULL);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "notes")), 0);
	sx_test_response_free(r);

	/* still there, unchanged, for its owner */
	r = ua_send(&a, "GET", path, NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "title")->valuestring,
	    "Dan's secret");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

static void
csrf(apptest_driver d)
{
	sx_test_client *tc = client(d);
	agent a = registered(tc, "fay");
	sx_test_response *r;

	r = ua_send(&a, "POST", "/notes", "form", "title=Forged&body=x");
	cr_assert_eq(r->status, 403, "%d %s", r->status, r->body);
	sx_test_response_free(r);
	r = ua_send(&a, "POST", "/notes", "form",
	    "csrf_token=0000000000000000&title=Forged&body=x");
	cr_assert_eq(r->status, 403);
	sx_test_response_free(r);
	r = ua_send(&a, "POST", "/logout", "form", "");
	cr_assert_eq(r->status, 403);
	sx_test_response_free(r);
	/* still logged in, and nothing was saved */
	r = get(&a, "/notes");
	lacks(r, "Forged");
	contains(r, "fay");
	sx_test_response_free(r);
	/* a login without the token is refused too */
	agent v = { .tc = tc };
	sx_test_response_free(get(&v, "/login"));
	cr_assert_eq(status_of(ua_send(&v, "POST", "/login", "form",
	    "username=fay&password=secret-pw")), 403);
	sx_test_client_free(tc);
}

static void
static_file(apptest_driver d)
{
	sx_test_client *tc = client(d);
	agent a = { .tc = tc };
	sx_test_response *r = get(&a, "/static/notes.css");

	cr_assert_not_null(strstr(sx_test_header(r, "Content-Type"), "text/css"));
	sx_test_response_free(r);
	cr_assert_eq(status_of(ua_send(&a, "GET", "/static/../notes.c", NULL,
	    NULL)), 404);
	sx_test_client_free(tc);
}

Test(notes_sqlite, pages, .timeout = 60) { pages(APPTEST_SQLITE); }
Test(notes_pg, pages, .timeout = 60) { pages(APPTEST_PG); }
Test(notes_sqlite, pagination, .timeout = 60) { pagination(APPTEST_SQLITE); }
Test(notes_pg, pagination, .timeout = 60) { pagination(APPTEST_PG); }
Test(notes_sqlite, api, .timeout = 60) { api(APPTEST_SQLITE); }
Test(notes_pg, api, .timeout = 60) { api(APPTEST_PG); }
Test(notes_sqlite, others_are_404, .timeout = 60) { others(APPTEST_SQLITE); }
Test(notes_pg, others_are_404, .timeout = 60) { others(APPTEST_PG); }
Test(notes_sqlite, csrf, .timeout = 60) { csrf(APPTEST_SQLITE); }
Test(notes_pg, csrf, .timeout = 60) { csrf(APPTEST_PG); }
Test(notes_sqlite, static_file) { static_file(APPTEST_SQLITE); }
