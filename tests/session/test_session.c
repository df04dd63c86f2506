/*
 * test_session.c: the session dependency through the test client on
 * SQLite and PostgreSQL: values kept across requests, nothing stored for a
 * request that rolls back (a failed handler, a 4xx in autocommit: checked in
 * the table), the size bound as an error to the handler, CSRF tokens on
 * form routes, and start-up refusals (unknown extension, bad table name,
 * form route without sessions).
 */
#include "sesstest.h"

#include <time.h>

static int
put(sx_req *req, sx_res *res)
{
	sx_session *s = sx_session_of(req);

	if (s == NULL || sx_session_set(s, "v",
	    cJSON_CreateString(sx_req_param(req, "v"))) != SX_SESSION_OK)
		return -1;
	return sx_text(res, 200, "ok");
}

static int
put_then_fail(sx_req *req, sx_res *res)
{
	put(req, res);
	return -1;
}

static int
put_then_422(sx_req *req, sx_res *res)
{
	put(req, res);
	return sx_error(res, 422, "refused after setting");
}

static int
get(sx_req *req, sx_res *res)
{
	const cJSON *v = sx_session_get(sx_session_of(req), "v");

	return sx_text(res, 200, cJSON_IsString(v) ? v->valuestring : "(none)");
}

static int
big(sx_req *req, sx_res *res)
{
	sx_session *s = sx_session_of(req);
	int64_t n = sx_req_param_int(req, "n");
	char *text = sx_req_alloc(req, (size_t)n + 1);
	sx_session_err rc;

	memset(text, 'x', (size_t)n);
	text[n] = '\0';
	rc = sx_session_set(s, "big", cJSON_CreateString(text));
	if (rc == SX_SESSION_ERR_TOO_LARGE)
		return sx_error(res, 413, sx_session_strerror(rc));
	return rc == SX_SESSION_OK ? sx_text(res, 200, "stored") : -1;
}

static int
form_token(sx_req *req, sx_res *res)
{
	return sx_text(res, 200, sx_session_csrf_token(sx_session_of(req)));
}

static int
form_post(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_text(res, 200, "accepted");
}

static int
page(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_render(res, 200, "form", NULL);
}

static const sx_route routes[] = {
	{ SX_GET, "/page", page, SX_DEPS(SX_FORM_ROUTE), NULL, NULL },
	{ SX_POST, "/put/{v:str}", put, SX_DEPS("session"), NULL, NULL },
	{ SX_POST, "/fail/{v:str}", put_then_fail, SX_DEPS("session"), NULL, NULL },
	{ SX_POST, "/refuse/{v:str}", put_then_422, SX_DEPS("session"), NULL, NULL },
	{ SX_GET, "/get", get, SX_DEPS("session"), NULL, NULL },
	{ SX_POST, "/big/{n:int}", big, SX_DEPS("session"), NULL, NULL },
	{ SX_GET, "/form", form_token, SX_DEPS("session", SX_FORM_ROUTE), NULL, NULL },
	{ SX_POST, "/form", form_post, SX_DEPS(SX_FORM_ROUTE), NULL, NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite::memory:",
	.commit_mode = SX_COMMIT_AUTO,
	.migrations_dir = SX_SRCDIR "/tests/session",	/* no .sql files: no app migrations */
}};

static const sx_app app = {
	.name = "sessions_test",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
	.extensions = SX_EXTENSIONS("sessions"),
	.sessions = &(const sx_session_config){ .max_size = 1024 },
};

static char *db_url;

static sx_test_client *
client(apptest_driver d)
{
	char *db = NULL;
	sx_test_client *tc;

	/* a templates folder holding one form */
	char *tpl_dir = sx_test_tmpdir(), *tpl = NULL;
	FILE *f;

	cr_assert(asprintf(&tpl, "%s/form.mustache", tpl_dir) > 0);
	cr_assert_not_null(f = fopen(tpl, "w"));
	fputs("<input name=\"csrf_token\" value=\"{{csrf_token}}\">", f);
	fclose(f);
	db_url = apptest_url(d, "sessions");
	cr_assert(asprintf(&db, "db_session=%s", db_url) > 0);
	tc = apptest_client(&app, (const char *const[]){
	    "--database", db, "--migrate", "--templates", tpl_dir, NULL });
	free(db);
	free(tpl);
	free(tpl_dir);
	return tc;
}

/* The stored bytes of session id, as the table holds them (malloc'd). */
static char *
stored(const char *id)
{
	sx_session_store *st = NULL;
	sx_db_conn *c = NULL;
	char *data = NULL;
	size_t len;

	cr_assert_eq(sx_db_open(db_url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_session_store_new(NULL, &st), SX_SESSION_OK);
	cr_assert_eq(sx_session_store_get(st, c, id, 0, &data, &len),
	    SX_SESSION_OK);
	sx_session_store_free(st);
	sx_db_close(c);
	return data;
}

static const char *
body(sx_test_client *tc, jar *j, const char *method, const char *path)
{
	static char out[256];
	sx_test_response *r = jar_request(tc, j, method, path, NULL, NULL);

	snprintf(out, sizeof(out), "%d %s", r->status, r->body);
	sx_test_response_free(r);
	return out;
}

static void
rollback_leaves_session(apptest_driver d)
{
	sx_test_client *tc = client(d);
	jar j = { .set = false };
	char id[256], *before, *after;

	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 (none)");
	cr_assert_str_empty(j.value, "reading an empty session stores nothing");
	cr_assert_str_eq(body(tc, &j, "POST", "/put/one"), "200 ok");
	snprintf(id, sizeof(id), "%s", j.value);
	cr_assert_eq(strlen(id), 64);
	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 one");
	before = stored(id);
	cr_assert_not_null(strstr(before, "\"one\""), "%s", before);

	cr_assert_eq(jar_status(tc, &j, "POST", "/fail/two", NULL, NULL), 500);
	cr_assert_eq(j.set, false);
	after = stored(id);
	cr_assert_str_eq(after, before, "a failed handler changed the row");
	free(after);
	cr_assert_eq(jar_status(tc, &j, "POST", "/refuse/three", NULL, NULL), 422);
	after = stored(id);
	cr_assert_str_eq(after, before, "a 422 in autocommit changed the row");
	free(after);
	free(before);
	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 one");
	cr_assert_str_eq(body(tc, &j, "POST", "/put/four"), "200 ok");
	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 four");
	cr_assert_str_eq(j.value, id, "the id stays until rotated");
	sx_test_client_free(tc);
	free(db_url);
}

static void
size_bound(apptest_driver d)
{
	sx_test_client *tc = client(d);
	jar j = { .set = false };

	cr_assert_str_eq(body(tc, &j, "POST", "/put/kept"), "200 ok");
	cr_assert_str_eq(body(tc, &j, "POST", "/big/500"), "200 stored");
	cr_assert_eq(jar_status(tc, &j, "POST", "/big/2000", NULL, NULL), 413);
	cr_assert_eq(jar_status(tc, &j, "POST", "/big/1010", NULL, NULL), 413);
	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 kept");
	sx_test_client_free(tc);
	free(db_url);
}

static void
csrf(apptest_driver d)
{
	sx_test_client *tc = client(d);
	jar j = { .set = false };
	sx_test_response *r;
	char token[128], header[300], form[200];
	static const char *const form_ct[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL, NULL,
	};
	const char *headers[3];

	/* no session yet: refused with a reason */
	r = jar_request(tc, &j, "POST", "/form", NULL, NULL);
	cr_assert_eq(r->status, 403, "%s", r->body);
	cr_assert_not_null(strstr(r->body, "CSRF token missing"), "%s", r->body);
	sx_test_response_free(r);

	r = jar_request(tc, &j, "GET", "/form", NULL, NULL);
	cr_assert_eq(r->status, 200);
	snprintf(token, sizeof(token), "%s", r->body);
	sx_test_response_free(r);
	cr_assert_eq(strlen(token), 64);
	cr_assert_eq(strlen(j.value), 64, "asking for a token stores the session");

	snprintf(header, sizeof(header), "X-CSRF-Token: %s", token);
	cr_assert_eq(jar_status(tc, &j, "POST", "/form", NULL, header), 200);
	cr_assert_eq(jar_status(tc, &j, "POST", "/form", NULL,
	    "X-CSRF-Token: 0000000000000000000000000000000000000000000000000000000000000000"),
	    403);
	cr_assert_eq(jar_status(tc, &j, "POST", "/form", NULL,
	    "X-CSRF-Token: short"), 403);

	/* in a form field */
	snprintf(form, sizeof(form), "csrf_token=%s&x=1", token);
	snprintf(header, sizeof(header), "Cookie: sx_session=%s", j.value);
	headers[0] = form_ct[0];
	headers[1] = header;
	headers[2] = NULL;
	r = sx_test_request(tc, "POST", "/form", headers, form, strlen(form));
	cr_assert_eq(r->status, 200, "%s", r->body);
	sx_test_response_free(r);
	r = sx_test_request(tc, "POST", "/form", headers, "x=1", 3);
	cr_assert_eq(r->status, 403, "%s", r->body);
	sx_test_response_free(r);

	/* another session's token does not pass */
	{
		jar other = { .set = false };

		cr_assert_eq(jar_status(tc, &other, "GET", "/form", NULL, NULL), 200);
		snprintf(header, sizeof(header), "X-CSRF-Token: %s", token);
		cr_assert_eq(jar_status(tc, &other, "POST", "/form", NULL, header),
		    403);
	}
	sx_test_client_free(tc);
	free(db_url);
}

/* A form page's template gets the token, which a post then passes. */
static void
template_token(apptest_driver d)
{
	sx_test_client *tc = client(d);
	jar j = { .set = false };
	sx_test_response *r = jar_request(tc, &j, "GET", "/page", NULL, NULL);
	char header[300];
	const char *v;

	cr_assert_eq(r->status, 200, "%s", r->body);
	v = strstr(r->body, "value=\"");
	cr_assert_not_null(v, "%s", r->body);
	snprintf(header, sizeof(header), "X-CSRF-Token: %.64s", v + 7);
	sx_test_response_free(r);
	cr_assert_eq(strlen(j.value), 64);
	cr_assert_eq(jar_status(tc, &j, "POST", "/form", NULL, header), 200);
	sx_test_client_free(tc);
	free(db_url);
}

/* Plants a session whose last renewal was ago seconds back and which
 * expires in 100 s. */
static void
plant(const char *id, int ago)
{
	sx_session_store *st = NULL;
	sx_db_conn *c = NULL;
	char env[128];
	long long now = (long long)time(NULL);

	snprintf(env, sizeof(env), "{\"c\":%lld,\"t\":%lld,\"d\":{\"v\":\"p\"}}",
	    now - ago, now - ago);
	cr_assert_eq(sx_db_open(db_url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_session_store_new(NULL, &st), SX_SESSION_OK);
	cr_assert_eq(sx_session_store_set(st, c, id, env, strlen(env), 100),
	    SX_SESSION_OK);
	sx_session_store_free(st);
	sx_db_close(c);
}

static int64_t
seconds_left(const char *id)
{
	sx_session_store *st = NULL;
	sx_db_conn *c = NULL;
	int64_t left = -2;

	cr_assert_eq(sx_db_open(db_url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_session_store_new(NULL, &st), SX_SESSION_OK);
	cr_assert_eq(sx_session_store_expires_in(st, c, id, &left), SX_SESSION_OK);
	sx_session_store_free(st);
	sx_db_close(c);
	return left;
}

/* Reading renews the idle timeout only when the last renewal is a minute
 * old: a read 10 s after one writes nothing. */
static void
renewal(apptest_driver d)
{
	const char *stale =
	    "1111111111111111111111111111111111111111111111111111111111111111";
	const char *fresh =
	    "2222222222222222222222222222222222222222222222222222222222222222";
	sx_test_client *tc = client(d);
	jar j = { .set = false };

	plant(stale, 120);
	plant(fresh, 10);
	snprintf(j.value, sizeof(j.value), "%s", stale);
	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 p");
	cr_assert_eq(j.set, false, "a renewal sends no cookie");
	cr_assert(seconds_left(stale) > SX_SESSION_IDLE_DEFAULT - 60,
	    "left %lld", (long long)seconds_left(stale));
	snprintf(j.value, sizeof(j.value), "%s", fresh);
	cr_assert_str_eq(body(tc, &j, "GET", "/get"), "200 p");
	cr_assert(seconds_left(fresh) <= 100, "renewed too soon");
	sx_test_client_free(tc);
	free(db_url);
}

Test(session_sqlite, template_token) { template_token(APPTEST_SQLITE); }
Test(session_pg, template_token) { template_token(APPTEST_PG); }
Test(session_sqlite, renewal) { renewal(APPTEST_SQLITE); }
Test(session_pg, renewal) { renewal(APPTEST_PG); }
Test(session_sqlite, rollback_leaves_session) { rollback_leaves_session(APPTEST_SQLITE); }
Test(session_pg, rollback_leaves_session) { rollback_leaves_session(APPTEST_PG); }
Test(session_sqlite, size_bound) { size_bound(APPTEST_SQLITE); }
Test(session_pg, size_bound) { size_bound(APPTEST_PG); }
Test(session_sqlite, csrf) { csrf(APPTEST_SQLITE); }
Test(session_pg, csrf) { csrf(APPTEST_PG); }

/* ---- start-up refusals ----------------------------------------------------- */

static void
refused(const sx_app *a, const char *want)
{
	char err[1024];
	char *url = apptest_sqlite_url("refused"), *db = NULL;

	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	apptest_refused(a, (const char *const[]){ "--database", db, NULL }, err,
	    sizeof(err));
	cr_assert_not_null(strstr(err, want), "%s", err);
	free(db);
	free(url);
}

Test(session_startup, unknown_extension)
{
	sx_app a = app;

	a.extensions = SX_EXTENSIONS("sessions", "sesions");
	refused(&a, "extension \"sesions\" is unknown");
}

Test(session_startup, bad_table_name)
{
	sx_app a = app;

	a.sessions = &(const sx_session_config){ .table = "sessions; DROP" };
	refused(&a, "table name \"sessions; DROP\" refused");
}

Test(session_startup, form_route_without_sessions)
{
	const sx_route form_only[] = {
		{ SX_POST, "/form", form_post, SX_DEPS(SX_FORM_ROUTE), NULL, NULL },
	};
	sx_app a = app;

	a.routes = form_only;
	a.n_routes = 1;
	a.extensions = NULL;
	refused(&a, "is a form route");
}

Test(session_startup, unknown_store_database)
{
	sx_app a = app;

	a.sessions = &(const sx_session_config){ .database = "nowhere" };
	refused(&a, "database \"nowhere\" is not one of the app's");
}
