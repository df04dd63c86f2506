/*
 * test_hooks.c: app-wide hooks through the test client: before-hooks in
 * table order ahead of routing, guards and the handler, after-hooks in
 * reverse order once the transaction is settled (they see a failed
 * commit's 500, not the handler's 201), a before-hook that answers skips
 * the rest and unwinds only the hooks entered, after-hooks add headers but
 * cannot change the status, and a bad hook stops start-up.
 */
#include "apptest.h"

static char trace[256];

static void
note(const char *what)
{
	size_t len = strlen(trace);

	snprintf(trace + len, sizeof(trace) - len, "%s%s", len ? "," : "", what);
}

static sx_hook_result
before(sx_req *req, sx_res *res, const void *arg)
{
	note(sx_req_printf(req, "before:%s", (const char *)arg));
	if (sx_req_route(req) != NULL)
		note("route-already-matched");
	if (strcmp(arg, "b") == 0 && sx_req_header(req, "X-Stop") != NULL) {
		sx_error(res, 429, "stopped by hook b");
		return SX_HOOK_ANSWERED;
	}
	return SX_HOOK_CONTINUE;
}

static void
after(sx_req *req, sx_res *res, const void *arg)
{
	note(sx_req_printf(req, "after:%s=%d", (const char *)arg,
	    sx_res_get_status(res)));
	sx_res_header(res, sx_req_printf(req, "X-After-%s", (const char *)arg),
	    "1");
	if (sx_req_header(req, "X-Meddle") != NULL)
		sx_res_status(res, 299);
}

static sx_guard_result
guard(sx_req *req, sx_res *res, const void *arg)
{
	(void)req, (void)res, (void)arg;
	note("guard");
	return SX_GUARD_PASS;
}

static const sx_guard the_guard = { "guard", guard, NULL };

static int
ok(sx_req *req, sx_res *res)
{
	(void)req;
	note("handler");
	return sx_text(res, 200, "ok");
}

/* Inserts a child row whose deferred foreign key fails at COMMIT. */
static int
orphan(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");

	note("handler");
	if (db == NULL || sx_db_exec(db, "INSERT INTO child(parent) VALUES (99)",
	    NULL, 0, NULL) != SX_DB_OK)
		return -1;
	return sx_text(res, 201, "created");
}

static const sx_route routes[] = {
	{ SX_GET, "/ok", ok, NULL, "ok", SX_GUARDS(&the_guard) },
	{ SX_POST, "/orphan", orphan, SX_DEPS("db_session"), "orphan", NULL },
};

/* a has both halves, b a before-hook only, c an after-hook only */
static const sx_hook hooks[] = {
	{ "a", before, after, "a", NULL },
	{ "b", before, NULL, "b", NULL },
	{ "c", NULL, after, "c", NULL },
};

static const sx_database dbs[] = {
	{ .url = "sqlite::memory:", .commit_mode = SX_COMMIT_AUTO },
};

static const sx_app app = {
	.name = "hooks", SX_ROUTE_TABLE(routes), SX_DATABASE_TABLE(dbs),
	SX_HOOK_TABLE(hooks),
};

static sx_test_client *
client(void)
{
	char *url = apptest_sqlite_url("hooks"), *opt = NULL;
	sx_test_client *tc;
	sx_db_conn *c;

	cr_assert_eq(sx_db_open(url, NULL, &c, NULL, 0), SX_DB_OK);
	cr_assert_eq(sx_db_exec_script(c, "CREATE TABLE parent(id INTEGER "
	    "PRIMARY KEY); CREATE TABLE child(parent INTEGER REFERENCES "
	    "parent(id) DEFERRABLE INITIALLY DEFERRED)"), SX_DB_OK);
	sx_db_close(c);
	cr_assert(asprintf(&opt, "db_session=%s", url) > 0);
	tc = apptest_client(&app, (const char *const[]){ "--database", opt, NULL });
	free(url);
	free(opt);
	return tc;
}

static sx_test_response *
run(sx_test_client *tc, const char *method, const char *path,
    const char *const *headers)
{
	sx_test_response *r;

	trace[0] = '\0';
	r = sx_test_request(tc, method, path, headers, NULL, 0);
	cr_assert_not_null(r);
	return r;
}

Test(hooks, wrap_guards_and_handler_in_a_documented_order)
{
	sx_test_client *tc = client();
	sx_test_response *r = run(tc, "GET", "/ok", NULL);

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(trace, "before:a,before:b,guard,handler,after:c=200,"
	    "after:a=200");
	cr_assert_str_eq(sx_test_header(r, "X-After-a"), "1");
	cr_assert_str_eq(sx_test_header(r, "X-After-c"), "1");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(hooks, after_hooks_see_the_status_of_the_settled_transaction)
{
	sx_test_client *tc = client();
	sx_test_response *r = run(tc, "POST", "/orphan", NULL);

	cr_assert_eq(r->status, 500, "%d %s", r->status, r->body);
	cr_assert_str_eq(trace, "before:a,before:b,handler,after:c=500,"
	    "after:a=500");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(hooks, an_answering_before_hook_unwinds_only_the_hooks_entered)
{
	sx_test_client *tc = client();
	sx_test_response *r = run(tc, "GET", "/ok", (const char *const[]){
	    "X-Stop: 1", NULL });

	cr_assert_eq(r->status, 429);
	cr_assert_str_eq(trace, "before:a,before:b,after:a=429");
	cr_assert_null(sx_test_header(r, "X-After-c"));
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(hooks, run_around_framework_answers_too)
{
	sx_test_client *tc = client();
	sx_test_response *r = run(tc, "GET", "/nowhere", NULL);

	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(trace, "before:a,before:b,after:c=404,after:a=404");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(hooks, after_hooks_cannot_change_the_status)
{
	sx_test_client *tc = client();
	sx_test_response *r = run(tc, "GET", "/ok", (const char *const[]){
	    "X-Meddle: 1", NULL });

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(trace, "before:a,before:b,guard,handler,after:c=200,"
	    "after:a=200");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

static int
refuse(const void *arg, char *err, size_t errlen)
{
	snprintf(err, errlen, "hook %s: refused its setting", (const char *)arg);
	return -1;
}

static const sx_hook empty_hooks[] = { { "empty", NULL, NULL, NULL, NULL } };
static const sx_hook picky_hooks[] = { { "picky", NULL, after, "picky", refuse } };
static const sx_app empty_app = { .name = "e", SX_HOOK_TABLE(empty_hooks) };
static const sx_app picky_app = { .name = "p", SX_HOOK_TABLE(picky_hooks) };

Test(hooks, a_bad_hook_stops_startup)
{
	char err[256];

	apptest_refused(&empty_app, NULL, err, sizeof(err));
	cr_assert_not_null(strstr(err, "hook #1 empty: neither before nor after"),
	    "%s", err);
	apptest_refused(&picky_app, NULL, err, sizeof(err));
	cr_assert_str_eq(err, "hook picky: refused its setting");
}
