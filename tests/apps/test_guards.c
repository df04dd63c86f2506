/*
 * test_guards.c: route guards through the test client: they run in order
 * before the handler, the first that answers ends the request, a guard's
 * database work follows the transaction rules (answering 403 rolls back
 * under autocommit), a guard that fails is a failed request, and a guard
 * without a check function stops start-up.
 */
#include "apptest.h"

static char trace[256];

static void
note(const char *what)
{
	size_t len = strlen(trace);

	snprintf(trace + len, sizeof(trace) - len, "%s%s", len ? "," : "", what);
}

static sx_guard_result
require_login(sx_req *req, sx_res *res, const void *arg)
{
	(void)arg;
	note("login");
	if (sx_req_header(req, "X-User") == NULL) {
		sx_error(res, 401, "log in first");
		return SX_GUARD_ANSWERED;
	}
	return SX_GUARD_PASS;
}

static sx_guard_result
require_role(sx_req *req, sx_res *res, const void *arg)
{
	const char *role = sx_req_header(req, "X-Role");

	note(sx_req_printf(req, "role(%s)", (const char *)arg));
	if (role == NULL || strcmp(role, arg) != 0) {
		sx_error(res, 403, "not allowed");
		return SX_GUARD_ANSWERED;
	}
	return SX_GUARD_PASS;
}

/* Writes an audit row, then refuses when the request says X-Deny. */
static sx_guard_result
audit(sx_req *req, sx_res *res, const void *arg)
{
	sx_db_conn *db = sx_db(req, "db_session");

	(void)arg;
	note("audit");
	if (db == NULL || sx_db_exec(db, "INSERT INTO audit(what) VALUES ('guard')",
	    NULL, 0, NULL) != SX_DB_OK)
		return SX_GUARD_FAILED;
	if (sx_req_header(req, "X-Deny") != NULL) {
		sx_error(res, 403, "denied after auditing");
		return SX_GUARD_ANSWERED;
	}
	return SX_GUARD_PASS;
}

static sx_guard_result
answers_nothing(sx_req *req, sx_res *res, const void *arg)
{
	(void)req, (void)res, (void)arg;
	note("silent");
	return SX_GUARD_ANSWERED;
}

/* Fails: asks for a key its route does not declare. */
static sx_guard_result
broken(sx_req *req, sx_res *res, const void *arg)
{
	(void)res, (void)arg;
	note("broken");
	return sx_db(req, "undeclared_session") ? SX_GUARD_PASS : SX_GUARD_FAILED;
}

static const sx_guard login_guard = { "require_login", require_login, NULL };
static const sx_guard admin_guard = { "require_role(admin)", require_role, "admin" };
static const sx_guard audit_guard = { "audit", audit, NULL };
static const sx_guard silent_guard = { "silent", answers_nothing, NULL };
static const sx_guard broken_guard = { "broken", broken, NULL };

static int
ok(sx_req *req, sx_res *res)
{
	(void)req;
	note("handler");
	return sx_text(res, 200, "ok");
}

static int
insert(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");

	note("handler");
	if (db == NULL || sx_db_exec(db, "INSERT INTO audit(what) VALUES "
	    "('handler')", NULL, 0, NULL) != SX_DB_OK)
		return -1;
	return sx_text(res, 201, "inserted");
}

static int
count(sx_req *req, sx_res *res)
{
	int64_t n = -1;

	if (sx_db_scalar_int(sx_db(req, "db_session"), "SELECT count(*) FROM "
	    "audit", NULL, 0, &n) != SX_DB_OK)
		return -1;
	return sx_res_printf(res, "%lld", (long long)n);
}

static const sx_route routes[] = {
	{ SX_GET, "/open", ok, NULL, "open", NULL },
	{ SX_GET, "/admin", ok, NULL, "admin",
	    SX_GUARDS(&login_guard, &admin_guard) },
	{ SX_POST, "/audited", insert, SX_DEPS("db_session"), "audited",
	    SX_GUARDS(&login_guard, &audit_guard) },
	{ SX_GET, "/silent", ok, NULL, "silent", SX_GUARDS(&silent_guard) },
	{ SX_GET, "/broken", ok, SX_DEPS("db_session"), "broken",
	    SX_GUARDS(&broken_guard) },
	{ SX_GET, "/count", count, SX_DEPS("db_session"), "count", NULL },
};

static const sx_database dbs[] = {
	{ .url = "sqlite::memory:", .commit_mode = SX_COMMIT_AUTO },
};

static const sx_app app = {
	.name = "guards", SX_ROUTE_TABLE(routes), SX_DATABASE_TABLE(dbs),
};

static sx_test_client *
client(void)
{
	char *url = apptest_sqlite_url("guards"), *opt = NULL;
	sx_test_client *tc;
	sx_db_conn *c;

	cr_assert_eq(sx_db_open(url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_exec_script(c, "CREATE TABLE audit(what TEXT)"),
	    SX_DB_OK);
	sx_db_close(c);
	cr_assert(asprintf(&opt, "db_session=%s", url) > 0);
	tc = apptest_client(&app, (const char *const[]){ "--database", opt, NULL });
	free(url);
	free(opt);
	return tc;
}

/* The status of a request with headers; the trace is reset first. */
static int
status_of(sx_test_client *tc, const char *method, const char *path,
    const char *const *headers)
{
	sx_test_response *r;
	int status;

	trace[0] = '\0';
	r = sx_test_request(tc, method, path, headers, NULL, 0);
	cr_assert_not_null(r);
	status = r->status;
	sx_test_response_free(r);
	return status;
}

static long
rows(sx_test_client *tc)
{
	sx_test_response *r = apptest_request(tc, "GET", "/count", NULL);
	long n = strtol(r->body, NULL, 10);

	cr_assert_eq(r->status, 200, "%s", r->body);
	sx_test_response_free(r);
	return n;
}

Test(guards, run_in_order_before_the_handler)
{
	sx_test_client *tc = client();

	cr_assert_eq(status_of(tc, "GET", "/open", NULL), 200);
	cr_assert_str_eq(trace, "handler");
	cr_assert_eq(status_of(tc, "GET", "/admin", (const char *const[]){
	    "X-User: ada", "X-Role: admin", NULL }), 200);
	cr_assert_str_eq(trace, "login,role(admin),handler");
	sx_test_client_free(tc);
}

Test(guards, the_first_refusal_ends_the_request)
{
	sx_test_client *tc = client();

	cr_assert_eq(status_of(tc, "GET", "/admin", NULL), 401);
	cr_assert_str_eq(trace, "login");
	cr_assert_eq(status_of(tc, "GET", "/admin", (const char *const[]){
	    "X-User: ada", "X-Role: clerk", NULL }), 403);
	cr_assert_str_eq(trace, "login,role(admin)");
	sx_test_client_free(tc);
}

Test(guards, an_answer_without_status_is_a_403)
{
	sx_test_client *tc = client();

	cr_assert_eq(status_of(tc, "GET", "/silent", NULL), 403);
	cr_assert_str_eq(trace, "silent");
	sx_test_client_free(tc);
}

Test(guards, a_refusing_guard_rolls_back_its_writes)
{
	sx_test_client *tc = client();
	const char *const deny[] = { "X-User: ada", "X-Deny: 1", NULL };
	const char *const allow[] = { "X-User: ada", NULL };

	cr_assert_eq(status_of(tc, "POST", "/audited", deny), 403);
	cr_assert_str_eq(trace, "login,audit");
	cr_assert_eq(rows(tc), 0, "the guard's row was committed on a 403");
	cr_assert_eq(status_of(tc, "POST", "/audited", allow), 201);
	cr_assert_str_eq(trace, "login,audit,handler");
	cr_assert_eq(rows(tc), 2, "guard and handler rows share the commit");
	sx_test_client_free(tc);
}

Test(guards, a_failing_guard_is_a_failed_request)
{
	sx_test_client *tc = client();
	sx_test_response *r;

	trace[0] = '\0';
	r = apptest_request(tc, "GET", "/broken", NULL);
	cr_assert_eq(r->status, 500);
	cr_assert_not_null(strstr(r->body, "internal error"), "%s", r->body);
	cr_assert_null(strstr(r->body, "undeclared_session"), "hint in the log "
	    "only: %s", r->body);
	cr_assert_str_eq(trace, "broken", "the handler ran after a failed guard");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

static const sx_guard nothing = { "nothing", NULL, NULL };
static const sx_route bad[] = {
	{ SX_GET, "/x", ok, NULL, NULL, SX_GUARDS(&nothing) },
};
static const sx_app bad_app = { .name = "bad", SX_ROUTE_TABLE(bad) };

Test(guards, a_guard_without_check_stops_startup)
{
	char err[256];

	apptest_refused(&bad_app, NULL, err, sizeof(err));
	cr_assert_not_null(strstr(err, "guard nothing has no check function"),
	    "%s", err);
}
