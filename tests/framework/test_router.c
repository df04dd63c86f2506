/*
 * test_router.c: route matching (typed parameters, specificity, 404, 405
 * with Allow, HEAD served by GET) and the start-up validation of the table.
 */
#include "core.h"

#include <criterion/criterion.h>
#include <string.h>

static int h_a(sx_req *req, sx_res *res) { (void)req; (void)res; return 0; }
static int h_b(sx_req *req, sx_res *res) { (void)req; (void)res; return 1; }

static const sx_route table[] = {
	{ SX_GET, "/", h_a, NULL, "root", NULL },
	{ SX_GET, "/posts/{post_id:int}", h_a, NULL, "post", NULL },
	{ SX_GET, "/posts/{slug:str}", h_a, NULL, "post_by_slug", NULL },
	{ SX_GET, "/posts/new", h_a, NULL, "new_post", NULL },
	{ SX_POST, "/posts", h_a, NULL, "create_post", NULL },
	{ SX_GET, "/posts", h_a, NULL, "list_posts", NULL },
	{ SX_GET, "/users/{name}/posts/{n:int}", h_a, NULL, "user_post", NULL },
	{ SX_GET, "/files/{rest:path}", h_a, NULL, "files", NULL },
	{ SX_GET, "/u/{id:uuid}", h_a, NULL, "by_uuid", NULL },
	{ SX_GET, "/only-get", h_a, NULL, "only_get", NULL },
	{ SX_HEAD, "/head", h_b, NULL, "head_own", NULL },
	{ SX_GET, "/head", h_a, NULL, "head_get", NULL },
	{ SX_DELETE, "/things/{id:int}", h_a, NULL, "delete_thing", NULL },
	{ SX_PUT, "/things/{id:int}", h_a, NULL, "put_thing", NULL },
};

static struct sx_router *router;
static sx_arena *arena;

static void
setup(void)
{
	char err[256];

	arena = sx_arena_new(4096);
	router = sx_router_new(table, SX_NELEM(table), err, sizeof(err));
	cr_assert_not_null(router, "router: %s", err);
}

static void
teardown(void)
{
	sx_router_free(router);
	sx_arena_free(arena);
}

TestSuite(match, .init = setup, .fini = teardown);

typedef struct outcome {
	sx_match m;
	sx_req *req;
	const char *allow;
} outcome;

static outcome
route(sx_method method, const char *path)
{
	outcome o = { 0 };

	o.req = sx_arena_alloc(arena, sizeof(*o.req));
	cr_assert_not_null(o.req);
	o.req->arena = arena;
	o.req->method = method;
	o.req->method_name = sx_methods[method];
	o.req->path = path;
	o.m = sx_router_match(router, o.req, &o.allow);
	return o;
}

/* Asserts that method + path picks the route named name. */
static sx_req *
expect_route(sx_method method, const char *path, const char *name)
{
	outcome o = route(method, path);

	cr_assert_eq(o.m, SX_MATCH_OK, "%s %s did not match", sx_methods[method],
	    path);
	cr_assert_str_eq(o.req->route->name, name, "%s %s", sx_methods[method],
	    path);
	return o.req;
}

static void
expect_not_found(sx_method method, const char *path)
{
	cr_assert_eq(route(method, path).m, SX_MATCH_NOT_FOUND, "%s %s matched",
	    sx_methods[method], path);
}

Test(match, typed_int_parameter)
{
	sx_req *req = expect_route(SX_GET, "/posts/42", "post");

	cr_assert_eq(req->n_params, 1);
	cr_assert_str_eq(sx_req_param(req, "post_id"), "42");
	cr_assert_eq(sx_req_param_int(req, "post_id"), 42);
	req = expect_route(SX_GET, "/posts/-7", "post");
	cr_assert_eq(sx_req_param_int(req, "post_id"), -7);
}

Test(match, int_that_does_not_parse_falls_to_str_or_404)
{
	expect_route(SX_GET, "/posts/abc", "post_by_slug");
	expect_route(SX_GET, "/posts/99999999999999999999999", "post_by_slug");
	expect_route(SX_GET, "/posts/4x", "post_by_slug");
	expect_not_found(SX_GET, "/users/ada/posts/abc");
	expect_not_found(SX_GET, "/users/ada/posts/1.5");
	expect_not_found(SX_DELETE, "/things/one");
}

Test(match, several_parameters)
{
	sx_req *req = expect_route(SX_GET, "/users/ada/posts/3", "user_post");

	cr_assert_eq(req->n_params, 2);
	cr_assert_str_eq(sx_req_param(req, "name"), "ada");
	cr_assert_eq(sx_req_param_int(req, "n"), 3);
	cr_assert_null(sx_req_param(req, "missing"));
}

Test(match, str_stops_at_slash_and_path_takes_the_rest)
{
	sx_req *req;

	expect_not_found(SX_GET, "/users/a/b/posts/3");
	req = expect_route(SX_GET, "/files/a/b/c.txt", "files");
	cr_assert_str_eq(sx_req_param(req, "rest"), "a/b/c.txt");
	expect_not_found(SX_GET, "/files/");
	expect_not_found(SX_GET, "/files");
}

Test(match, uuid_parameter)
{
	sx_req *req = expect_route(SX_GET,
	    "/u/123e4567-e89b-12d3-a456-426614174000", "by_uuid");

	cr_assert_str_eq(sx_req_param(req, "id"),
	    "123e4567-e89b-12d3-a456-426614174000");
	expect_not_found(SX_GET, "/u/123e4567-e89b-12d3-a456-42661417400");
	expect_not_found(SX_GET, "/u/123e4567e89b-12d3-a456-4266141740000");
	expect_not_found(SX_GET, "/u/g23e4567-e89b-12d3-a456-426614174000");
}

Test(match, literal_beats_parameter_regardless_of_order)
{
	/* "/posts/new" comes after both parameter routes in the table. */
	cr_assert_eq(expect_route(SX_GET, "/posts/new", "new_post")->n_params, 0);
	/* int is more specific than str. */
	expect_route(SX_GET, "/posts/5", "post");
}

Test(match, root_and_unknown_paths)
{
	expect_route(SX_GET, "/", "root");
	expect_not_found(SX_GET, "/nope");
	expect_not_found(SX_GET, "/posts/1/extra");
	expect_not_found(SX_GET, "");
	expect_not_found(SX_GET, "posts");
}

Test(match, method_not_allowed_lists_get_and_head)
{
	outcome o = route(SX_POST, "/only-get");

	cr_assert_eq(o.m, SX_MATCH_METHOD);
	cr_assert_str_eq(o.allow, "GET, HEAD");
	o = route(SX_DELETE, "/posts");
	cr_assert_eq(o.m, SX_MATCH_METHOD);
	cr_assert_str_eq(o.allow, "GET, HEAD, POST");
	o = route(SX_GET, "/things/3");
	cr_assert_eq(o.m, SX_MATCH_METHOD);
	cr_assert_str_eq(o.allow, "PUT, DELETE");
}

Test(match, head_served_by_get_unless_declared)
{
	expect_route(SX_HEAD, "/only-get", "only_get");
	expect_route(SX_HEAD, "/posts/9", "post");
	expect_route(SX_HEAD, "/head", "head_own");
	expect_route(SX_GET, "/head", "head_get");
}

/* ---- start-up validation ------------------------------------------------- */

/* Builds a router over one bad route after a good one; returns the error. */
static void
expect_refused(const sx_route *routes, size_t n, const char *needle1,
    const char *needle2)
{
	char err[512] = "";
	struct sx_router *r = sx_router_new(routes, n, err, sizeof(err));

	cr_assert_null(r, "table accepted (expected: %s)", needle1);
	cr_assert_not_null(strstr(err, needle1), "error \"%s\" lacks \"%s\"", err,
	    needle1);
	if (needle2 != NULL)
		cr_assert_not_null(strstr(err, needle2), "error \"%s\" lacks \"%s\"",
		    err, needle2);
}

Test(validate, malformed_patterns_name_the_route)
{
	static const struct {
		const char *pattern, *reason;
	} bad[] = {
		{ "posts", "must start with '/'" },
		{ "/posts/{id", "unclosed" },
		{ "/posts/{id:float}", "unknown parameter type" },
		{ "/posts//x", "empty segment" },
		{ "/posts/x{id}", "whole segment" },
		{ "/files/{p:path}/x", "last segment" },
		{ "/a/{:int}", "without a name" },
		{ "/a/{x-y}", "letters, digits" },
		{ "/a/{x}/{x:int}", "used twice" },
	};

	for (size_t i = 0; i < SX_NELEM(bad); i++) {
		sx_route routes[] = {
			{ SX_GET, "/ok", h_a, NULL, NULL, NULL },
			{ SX_POST, bad[i].pattern, h_a, NULL, NULL, NULL },
		};

		expect_refused(routes, 2, bad[i].pattern, bad[i].reason);
		expect_refused(routes, 2, "route #2 POST", NULL);
	}
}

Test(validate, missing_handler_refused)
{
	static const sx_route routes[] = { { SX_GET, "/x", NULL, NULL, NULL, NULL } };

	expect_refused(routes, 1, "/x", "no handler");
}

Test(validate, duplicate_method_and_pattern_names_both_routes)
{
	static const sx_route routes[] = {
		{ SX_GET, "/a/{x:int}", h_a, NULL, NULL, NULL },
		{ SX_POST, "/a/{x:int}", h_a, NULL, NULL, NULL },
		{ SX_GET, "/b", h_a, NULL, NULL, NULL },
		{ SX_GET, "/a/{y:int}", h_b, NULL, NULL, NULL },
	};

	expect_refused(routes, SX_NELEM(routes), "route #4 GET /a/{y:int}",
	    "route #1 GET /a/{x:int}");
	expect_refused(routes, SX_NELEM(routes), "duplicates", NULL);
}

Test(validate, same_pattern_other_method_or_type_accepted)
{
	static const sx_route routes[] = {
		{ SX_GET, "/a/{x:int}", h_a, NULL, NULL, NULL },
		{ SX_POST, "/a/{x:int}", h_a, NULL, NULL, NULL },
		{ SX_GET, "/a/{x:str}", h_a, NULL, NULL, NULL },
		{ SX_GET, "/a/literal", h_a, NULL, NULL, NULL },
	};
	char err[256];
	struct sx_router *r = sx_router_new(routes, SX_NELEM(routes), err,
	    sizeof(err));

	cr_assert_not_null(r, "%s", err);
	sx_router_free(r);
}
