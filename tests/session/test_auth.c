/*
 * test_auth.c: examples/auth through the test client on SQLite and
 * PostgreSQL: register (201, 409, 422), login (200 with a new session id,
 * 401), profile (200 / 401), logout, a planted session id replaced at
 * login, and a tampered or random cookie treated as no session.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/auth/"
#include "examples/auth/auth.c"

#include "sesstest.h"

#include <time.h>

#define ADA "{\"username\":\"ada\",\"password\":\"lovelace\"}"

static char *db_url;

static sx_test_client *
client(apptest_driver d)
{
	char *db = NULL;
	sx_test_client *tc;

	db_url = apptest_url(d, "auth");
	cr_assert(asprintf(&db, "db_session=%s", db_url) > 0);
	tc = apptest_client(&auth_app, (const char *const[]){
	    "--database", db, "--migrate", NULL });
	free(db);
	return tc;
}

/* Rows of the sessions table whose id is id. */
static int64_t
session_rows(const char *id)
{
	sx_db_conn *c = NULL;
	int64_t n = -1;

	cr_assert_eq(sx_db_open(db_url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_scalar_int(c, "SELECT count(*) FROM sx_sessions WHERE "
	    "session_id = $1", SX_PARAMS(SX_PTEXT(id)), &n), SX_DB_OK);
	sx_db_close(c);
	return n;
}

static void
flow(apptest_driver d)
{
	sx_test_client *tc = client(d);
	jar j = { .set = false };
	sx_test_response *r;
	char first[256];

	cr_assert_eq(jar_status(tc, &j, "POST", "/register", ADA, NULL), 201);
	cr_assert_eq(jar_status(tc, &j, "POST", "/register", ADA, NULL), 409);
	cr_assert_eq(jar_status(tc, &j, "POST", "/register",
	    "{\"username\":\"\",\"password\":\"x\"}", NULL), 422);
	cr_assert_eq(jar_status(tc, &j, "POST", "/register",
	    "{\"username\":\"bob\"}", NULL), 422);
	{
		char big[200];

		snprintf(big, sizeof(big), "{\"username\":\"%0*d\",\"password\":\"x\"}",
		    USERNAME_MAX + 1, 0);
		cr_assert_eq(jar_status(tc, &j, "POST", "/register", big, NULL), 422);
	}
	cr_assert_str_empty(j.value, "register sets no cookie");
	cr_assert_eq(jar_status(tc, &j, "GET", "/profile", NULL, NULL), 401);
	cr_assert_eq(jar_status(tc, &j, "POST", "/login",
	    "{\"username\":\"ada\",\"password\":\"wrong\"}", NULL), 401);
	cr_assert_eq(jar_status(tc, &j, "POST", "/login",
	    "{\"username\":\"nobody\",\"password\":\"x\"}", NULL), 401);
	cr_assert_str_empty(j.value, "a failed login sets no cookie");

	r = jar_request(tc, &j, "POST", "/login", ADA, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(r->body, "{\"status\":\"logged in\"}");
	cr_assert_eq(strlen(j.value), 64, "cookie %s", j.value);
	cr_assert_not_null(strstr(sx_test_header(r, "Set-Cookie"), "HttpOnly"));
	cr_assert_not_null(strstr(sx_test_header(r, "Set-Cookie"), "SameSite=Lax"));
	cr_assert_not_null(strstr(sx_test_header(r, "Set-Cookie"), "Path=/"));
	sx_test_response_free(r);
	snprintf(first, sizeof(first), "%s", j.value);

	r = jar_request(tc, &j, "GET", "/profile", NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(r->body, "{\"user_id\":1,\"username\":\"ada\"}");
	cr_assert_eq(j.set, false, "reading the profile sets no cookie");
	sx_test_response_free(r);

	/* logging in again rotates the id: the old row is gone */
	cr_assert_eq(jar_status(tc, &j, "POST", "/login", ADA, NULL), 200);
	cr_assert_str_neq(j.value, first);
	cr_assert_eq(session_rows(first), 0);
	cr_assert_eq(session_rows(j.value), 1);

	snprintf(first, sizeof(first), "%s", j.value);
	r = jar_request(tc, &j, "POST", "/logout", NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert(j.set, "logout expires the cookie");
	cr_assert_str_empty(j.value);
	sx_test_response_free(r);
	cr_assert_eq(session_rows(first), 0);
	r = jar_request(tc, &j, "GET", "/profile", NULL, NULL);
	cr_assert_eq(r->status, 401);
	cr_assert_str_eq(r->body, "{\"error\":\"Not authenticated\"}");
	sx_test_response_free(r);
	/* the old cookie, replayed, is worth nothing */
	snprintf(j.value, sizeof(j.value), "%s", first);
	cr_assert_eq(jar_status(tc, &j, "GET", "/profile", NULL, NULL), 401);
	sx_test_client_free(tc);
	free(db_url);
}

/* An id planted before login (fixation) is replaced by a new one, and its
 * row is deleted. */
static void
fixation(apptest_driver d)
{
	sx_test_client *tc = client(d);
	const char *planted =
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	sx_session_store *st = NULL;
	sx_db_conn *c = NULL;
	jar j = { .set = false };
	char env[128];

	cr_assert_eq(jar_status(tc, &j, "POST", "/register", ADA, NULL), 201);
	cr_assert_eq(sx_db_open(db_url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_session_store_new(NULL, &st), SX_SESSION_OK);
	snprintf(env, sizeof(env), "{\"c\":%lld,\"t\":%lld,\"d\":{}}",
	    (long long)time(NULL), (long long)time(NULL));
	cr_assert_eq(sx_session_store_set(st, c, planted, env, strlen(env), 600),
	    SX_SESSION_OK);
	snprintf(j.value, sizeof(j.value), "%s", planted);
	cr_assert_eq(jar_status(tc, &j, "POST", "/login", ADA, NULL), 200);
	cr_assert_str_neq(j.value, planted);
	cr_assert_eq(session_rows(planted), 0);
	cr_assert_eq(jar_status(tc, &j, "GET", "/profile", NULL, NULL), 200);
	sx_session_store_free(st);
	sx_db_close(c);
	sx_test_client_free(tc);
	free(db_url);
}

/* Unknown, tampered, malformed cookies: a fresh session, never a 500. */
static void
bad_cookies(apptest_driver d)
{
	static const char *const cookies[] = {
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"not-an-id", "", "%00%0d%0a", "'; DROP TABLE sx_sessions; --",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	};
	sx_test_client *tc = client(d);
	jar j = { .set = false };
	char tampered[256];

	cr_assert_eq(jar_status(tc, &j, "POST", "/register", ADA, NULL), 201);
	cr_assert_eq(jar_status(tc, &j, "POST", "/login", ADA, NULL), 200);
	snprintf(tampered, sizeof(tampered), "%s", j.value);
	tampered[10] = tampered[10] == 'a' ? 'b' : 'a';
	for (size_t i = 0; i < sizeof(cookies) / sizeof(cookies[0]) + 1; i++) {
		jar bad = { .set = false };

		snprintf(bad.value, sizeof(bad.value), "%s", i < 6 ? cookies[i] :
		    tampered);
		cr_assert_eq(jar_status(tc, &bad, "GET", "/profile", NULL, NULL),
		    401, "cookie %s", bad.value);
		cr_assert_eq(jar_status(tc, &bad, "POST", "/logout", NULL, NULL),
		    200, "cookie %s", bad.value);
	}
	cr_assert_eq(jar_status(tc, &j, "GET", "/profile", NULL, NULL), 200);
	sx_test_client_free(tc);
	free(db_url);
}

Test(auth_sqlite, flow) { flow(APPTEST_SQLITE); }
Test(auth_pg, flow) { flow(APPTEST_PG); }
Test(auth_sqlite, fixation) { fixation(APPTEST_SQLITE); }
Test(auth_pg, fixation) { fixation(APPTEST_PG); }
Test(auth_sqlite, bad_cookies) { bad_cookies(APPTEST_SQLITE); }
Test(auth_pg, bad_cookies) { bad_cookies(APPTEST_PG); }
