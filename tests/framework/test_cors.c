/*
 * test_cors.c: the stock CORS hook through the test client: preflights
 * answered without reaching a handler (allowed: 204 with the allowances;
 * refused origin, method or header: 403), actual requests marked only for
 * allowed origins, nothing allowed by default, and "*" with credentials
 * refused at start-up.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sextant.h"

static int handler_runs;

static int
items(sx_req *req, sx_res *res)
{
	(void)req;
	handler_runs++;
	return sx_text(res, 200, "items");
}

static const sx_route routes[] = {
	{ SX_GET, "/items", items, NULL, "items", NULL },
	{ SX_POST, "/items", items, NULL, "add_item", NULL },
	{ SX_OPTIONS, "/items", items, NULL, "options", NULL },
};

static const sx_cors cors = {
	.origins = (const char *const[]){ "https://app.example", NULL },
	.methods = (const char *const[]){ "GET", "POST", NULL },
	.headers = (const char *const[]){ "Content-Type", "X-Token", NULL },
	.expose = (const char *const[]){ "X-Request-ID", NULL },
	.credentials = true,
	.max_age = 600,
};
static const sx_hook hooks[] = { SX_CORS_HOOK(&cors) };
static const sx_app app = {
	.name = "cors", SX_ROUTE_TABLE(routes), SX_HOOK_TABLE(hooks),
};

static const sx_cors nothing = { 0 };
static const sx_hook default_hooks[] = { SX_CORS_HOOK(&nothing) };
static const sx_app default_app = {
	.name = "cors", SX_ROUTE_TABLE(routes), SX_HOOK_TABLE(default_hooks),
};

static sx_test_client *
client(const sx_app *a)
{
	char err[256] = "";
	sx_test_client *tc = sx_test_client_new(a, NULL, err, sizeof(err));

	cr_assert_not_null(tc, "%s", err);
	return tc;
}

static sx_test_response *
run(sx_test_client *tc, const char *method, const char *const *headers)
{
	sx_test_response *r;

	handler_runs = 0;
	r = sx_test_request(tc, method, "/items", headers, NULL, 0);
	cr_assert_not_null(r);
	return r;
}

Test(cors, an_allowed_preflight_gets_the_allowances)
{
	sx_test_client *tc = client(&app);
	sx_test_response *r = run(tc, "OPTIONS", (const char *const[]){
	    "Origin: https://app.example", "Access-Control-Request-Method: POST",
	    "Access-Control-Request-Headers: content-type, x-token", NULL });

	cr_assert_eq(r->status, 204, "%d %s", r->status, r->body);
	cr_assert_eq(handler_runs, 0, "a preflight reached the handler");
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Allow-Origin"),
	    "https://app.example");
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Allow-Methods"),
	    "GET, POST");
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Allow-Headers"),
	    "Content-Type, X-Token");
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Allow-Credentials"),
	    "true");
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Max-Age"), "600");
	cr_assert_str_eq(sx_test_header(r, "Vary"), "Origin");
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(cors, refused_preflights_name_what_is_not_allowed)
{
	static const struct { const char *origin, *method, *headers, *why; } c[] = {
		{ "https://evil.example", "GET", NULL, "origin https://evil.example" },
		{ "https://app.example", "DELETE", NULL, "method DELETE" },
		{ "https://app.example", "POST", "X-Token, X-Other", "header X-Other" },
	};
	sx_test_client *tc = client(&app);

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char o[128], m[128], h[128];
		sx_test_response *r;

		snprintf(o, sizeof(o), "Origin: %s", c[i].origin);
		snprintf(m, sizeof(m), "Access-Control-Request-Method: %s",
		    c[i].method);
		snprintf(h, sizeof(h), "Access-Control-Request-Headers: %s",
		    c[i].headers ? c[i].headers : "");
		r = run(tc, "OPTIONS", (const char *const[]){ o, m, h, NULL });
		cr_assert_eq(r->status, 403, "%zu: %d", i, r->status);
		cr_assert_eq(handler_runs, 0);
		cr_assert_not_null(strstr(r->body, c[i].why), "%s", r->body);
		cr_assert_null(sx_test_header(r, "Access-Control-Allow-Origin"));
		sx_test_response_free(r);
	}
	sx_test_client_free(tc);
}

Test(cors, actual_requests_are_marked_for_allowed_origins_only)
{
	sx_test_client *tc = client(&app);
	sx_test_response *r = run(tc, "GET", (const char *const[]){
	    "Origin: https://app.example", NULL });

	cr_assert_eq(r->status, 200);
	cr_assert_eq(handler_runs, 1);
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Allow-Origin"),
	    "https://app.example");
	cr_assert_str_eq(sx_test_header(r, "Access-Control-Expose-Headers"),
	    "X-Request-ID");
	sx_test_response_free(r);
	r = run(tc, "GET", (const char *const[]){ "Origin: https://evil.example",
	    NULL });
	cr_assert_eq(r->status, 200);
	cr_assert_null(sx_test_header(r, "Access-Control-Allow-Origin"));
	sx_test_response_free(r);
	/* an OPTIONS that is no preflight reaches its route */
	r = run(tc, "OPTIONS", NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(handler_runs, 1);
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

Test(cors, nothing_is_allowed_by_default)
{
	sx_test_client *tc = client(&default_app);
	sx_test_response *r = run(tc, "OPTIONS", (const char *const[]){
	    "Origin: https://app.example", "Access-Control-Request-Method: GET",
	    NULL });

	cr_assert_eq(r->status, 403);
	sx_test_response_free(r);
	r = run(tc, "GET", (const char *const[]){ "Origin: https://app.example",
	    NULL });
	cr_assert_eq(r->status, 200);
	cr_assert_null(sx_test_header(r, "Access-Control-Allow-Origin"));
	sx_test_response_free(r);
	sx_test_client_free(tc);
}

static const sx_cors star_credentials = {
	.origins = (const char *const[]){ "*", NULL }, .credentials = true,
};
static const sx_hook bad_hooks[] = { SX_CORS_HOOK(&star_credentials) };
static const sx_app bad_app = { .name = "bad", SX_HOOK_TABLE(bad_hooks) };

Test(cors, star_with_credentials_stops_startup)
{
	char err[256] = "";

	cr_assert_null(sx_test_client_new(&bad_app, NULL, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "cannot be combined with credentials"),
	    "%s", err);
}
