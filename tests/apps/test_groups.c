/*
 * test_groups.c: route groups through the test client: the prefix joins
 * each pattern, the group's dependency keys and guards serve every route
 * of the group (guards before the route's own), a route outside the group
 * is untouched, `APP routes` shows the joined table with its guards, and a
 * malformed group or a group route duplicating another stops start-up.
 */
#include "apptest.h"

#include <unistd.h>

static char trace[128];

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
audit(sx_req *req, sx_res *res, const void *arg)
{
	(void)req, (void)res, (void)arg;
	note("audit");
	return SX_GUARD_PASS;
}

static const sx_guard login_guard = { "require_login", require_login, NULL };
static const sx_guard audit_guard = { "audit", audit, NULL };

/* Counts rows through the group's key, which the route does not declare. */
static int
count(sx_req *req, sx_res *res)
{
	int64_t n = -1;

	note("handler");
	if (sx_db_scalar_int(sx_db(req, "db_session"), "SELECT 41 + 1", NULL, 0,
	    &n) != SX_DB_OK)
		return -1;
	return sx_res_printf(res, "%s %lld", sx_req_route(req)->name,
	    (long long)n);
}

static int
root(sx_req *req, sx_res *res)
{
	note("handler");
	return sx_text(res, 200, sx_req_route(req)->pattern);
}

static const sx_route api_routes[] = {
	{ SX_GET, "/", root, NULL, "root", NULL },
	{ SX_GET, "/count", count, NULL, "count", SX_GUARDS(&audit_guard) },
};

static const sx_route routes[] = {
	{ SX_GET, "/count", root, NULL, "public", NULL },
};

static const sx_route_group groups[] = {
	{ .prefix = "/api", .name = "api", .deps = SX_DEPS("db_session"),
	  .guards = SX_GUARDS(&login_guard), SX_GROUP_ROUTES(api_routes) },
};

static const sx_database dbs[] = { { .url = "sqlite::memory:" } };

static const sx_app app = {
	.name = "groups", SX_ROUTE_TABLE(routes), SX_DATABASE_TABLE(dbs),
	SX_GROUP_TABLE(groups),
};

static sx_test_response *
run(sx_test_client *tc, const char *path, const char *const *headers)
{
	sx_test_response *r;

	trace[0] = '\0';
	r = sx_test_request(tc, "GET", path, headers, NULL, 0);
	cr_assert_not_null(r);
	return r;
}

static const char *const user[] = { "X-User: ada", NULL };

Test(groups, prefix_keys_and_guards_reach_every_route)
{
	sx_test_client *tc = apptest_client(&app, NULL);
	sx_test_response *r = run(tc, "/api/count", user);

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(r->body, "api.count 42");
	cr_assert_str_eq(trace, "login,audit,handler");
	sx_test_response_free(r);
	r = run(tc, "/api/count", NULL);
	cr_assert_eq(r->status, 401);
	cr_assert_str_eq(trace, "login");
	sx_test_response_free(r);
	r = run(tc, "/api", user);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(r->body, "/api");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(groups, routes_outside_the_group_are_untouched)
{
	sx_test_client *tc = apptest_client(&app, NULL);
	sx_test_response *r = run(tc, "/count", NULL);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(trace, "handler");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(groups, the_routes_command_shows_guards_and_keys)
{
	char path[] = "/tmp/sx-routes-XXXXXX", *out;
	int fd = mkstemp(path), saved = dup(1);

	cr_assert(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	cr_assert_eq(sx_main(2, (char *[]){ "groups", "routes", NULL }, &app), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	out = apptest_slurp(path);
	unlink(path);
	cr_assert_not_null(strstr(out, "/api/count"), "%s", out);
	cr_assert_not_null(strstr(out, "name=api.count deps=db_session "
	    "guards=require_login,audit\n"), "%s", out);
	cr_assert_not_null(strstr(out, "name=api.root deps=db_session "
	    "guards=require_login\n"), "%s", out);
	cr_assert_not_null(strstr(out, "name=public\n"), "%s", out);
	free(out);
}

static const sx_route_group bad_prefix[] = {
	{ .prefix = "api/", .name = "api", SX_GROUP_ROUTES(api_routes) },
};
static const sx_app bad_prefix_app = {
	.name = "bad", SX_DATABASE_TABLE(dbs), SX_GROUP_TABLE(bad_prefix),
};
static const sx_route clash[] = {
	{ SX_GET, "/api/count", root, NULL, "clash", NULL },
};
static const sx_app clash_app = {
	.name = "clash", SX_ROUTE_TABLE(clash), SX_DATABASE_TABLE(dbs),
	SX_GROUP_TABLE(groups),
};
static const sx_route_group unknown_key[] = {
	{ .prefix = "/x", .deps = SX_DEPS("nowhere_session"),
	  SX_GROUP_ROUTES(api_routes) },
};
static const sx_app unknown_key_app = {
	.name = "unknown", SX_DATABASE_TABLE(dbs), SX_GROUP_TABLE(unknown_key),
};

Test(groups, bad_groups_stop_startup)
{
	char err[512];

	apptest_refused(&bad_prefix_app, NULL, err, sizeof(err));
	cr_assert_str_eq(err, "route group #1 api: prefix must start with '/'");
	apptest_refused(&clash_app, NULL, err, sizeof(err));
	cr_assert_not_null(strstr(err, "duplicates route #1 GET /api/count"),
	    "%s", err);
	apptest_refused(&unknown_key_app, NULL, err, sizeof(err));
	cr_assert_not_null(strstr(err, "nowhere_session"), "%s", err);
}
