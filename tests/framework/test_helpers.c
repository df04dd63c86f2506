/*
 * test_helpers.c: the helpers handlers reach for, through the test client:
 * typed query parameters (400 with a reason), pagination and its envelope,
 * the declarative validation of a JSON body (422 per field), a result's
 * rows or one row (or 404) as the response, a database failure answered
 * without the driver's message, and password hashing.
 */
#include "sextant.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
h_query(sx_req *req, sx_res *res)
{
	int64_t n;
	double d;
	bool b;
	cJSON *o;

	if (sx_req_query_int(req, "n", 7, -5, 50, &n) != 0 ||
	    sx_req_query_double(req, "d", 0.5, 0, 1, &d) != 0 ||
	    sx_req_query_bool(req, "b", true, &b) != 0)
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "n", (double)n);
	cJSON_AddNumberToObject(o, "d", d);
	cJSON_AddBoolToObject(o, "b", b);
	return sx_json(res, 200, o);
}

static int
h_page(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_result *r;
	sx_db_err err;
	sx_page p;

	if (sx_req_page(req, 2, 3, &p) != 0)
		return 0;
	if (db == NULL)
		return -1;
	if ((err = sx_db_exec(db, "SELECT id, name FROM t ORDER BY id LIMIT $1 "
	    "OFFSET $2", SX_PARAMS(p.limit, p.offset), &r)) != SX_DB_OK)
		return sx_res_db_error(res, db, err);
	return sx_json_page(res, r, &p, 5);
}

static const sx_field fields[] = {
	{ "title", SX_FIELD_STRING, .required = true, .min = 1, .max = 5 },
	{ "count", SX_FIELD_INT, .min = 1, .max = 10 },
	{ "ratio", SX_FIELD_NUMBER, .min = 0.5 },
	{ "done", SX_FIELD_BOOL, .required = false },
	{ "state", SX_FIELD_STRING, .allowed = SX_VALUES("draft", "live") },
	{ "tags", SX_FIELD_STRINGS, .max = 2 },
};

static int
h_validate(sx_req *req, sx_res *res)
{
	if (sx_validate(req, fields, SX_NELEM(fields)) != 0)
		return 0;
	return sx_text(res, 200, "valid");
}

static int
h_fields(sx_req *req, sx_res *res)
{
	cJSON *f = cJSON_CreateObject();

	(void)req;
	cJSON_AddStringToObject(f, "url", "must start with http");
	return sx_error_fields(res, f);
}

static int
h_rows(sx_req *req, sx_res *res)
{
	return sx_json_query(res, sx_db(req, "db_session"),
	    "SELECT id, name FROM t ORDER BY id", NULL, 0);
}

static int
h_one(sx_req *req, sx_res *res)
{
	return sx_json_query_one(res, sx_db(req, "db_session"),
	    "SELECT id, name FROM t WHERE id = $1",
	    SX_PARAMS(sx_req_param_int(req, "id")), "no such row");
}

static int
h_broken(sx_req *req, sx_res *res)
{
	return sx_json_query(res, sx_db(req, "db_session"),
	    "SELECT x FROM no_such_table", NULL, 0);
}

static int
h_nojson(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_json(res, 200, NULL);
}

static int
h_raw(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_res_write(res, "\x01\x02", 2);
}

/* Fails after a database error without answering it. */
static int
h_dbfail(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");

	(void)res;
	if (db == NULL)
		return -1;
	return sx_db_exec(db, "SELECT x FROM no_such_table\nWHERE 1", NULL, 0,
	    NULL) == SX_DB_OK ? 0 : -1;
}

static const sx_route routes[] = {
	{ SX_GET, "/nojson", h_nojson, NULL, "nojson", NULL },
	{ SX_GET, "/raw", h_raw, NULL, "raw", NULL },
	{ SX_GET, "/dbfail", h_dbfail, SX_DEPS("db_session"), "dbfail", NULL },
	{ SX_GET, "/q", h_query, NULL, "q", NULL },
	{ SX_GET, "/page", h_page, SX_DEPS("db_session"), "page", NULL },
	{ SX_POST, "/validate", h_validate, NULL, "validate", NULL },
	{ SX_POST, "/fields", h_fields, NULL, "fields", NULL },
	{ SX_GET, "/rows", h_rows, SX_DEPS("db_session"), "rows", NULL },
	{ SX_GET, "/one/{id:int}", h_one, SX_DEPS("db_session"), "one", NULL },
	{ SX_GET, "/broken", h_broken, SX_DEPS("db_session"), "broken", NULL },
};

static char dir[] = "/tmp/sx-helpers-XXXXXX";
static char url[128], log_path[128];

static const sx_database databases[] = {{ .url = "sqlite::memory:" }};

static const sx_app app = {
	.name = "helpers-test",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
};

static sx_test_client *tc;

static void
setup(void)
{
	char err[256], db[160];
	sx_db_conn *c;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/h.db", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	cr_assert_eq(sx_db_open(url, NULL, &c, err, sizeof(err)), SX_DB_OK, "%s", err);
	cr_assert_eq(sx_db_exec_script(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
	    "name TEXT); INSERT INTO t (name) VALUES ('a'), ('b'), ('c'), "
	    "('d'), ('e');"), SX_DB_OK);
	sx_db_close(c);
	snprintf(db, sizeof(db), "db_session=%s", url);
	tc = sx_test_client_new(&app, (const char *const[]){ "--database", db,
	    "--log", log_path, NULL }, err, sizeof(err));
	cr_assert_not_null(tc, "%s", err);
}

static void
teardown(void)
{
	char cmd[200];

	sx_test_client_free(tc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(helpers, .init = setup, .fini = teardown);

static sx_test_response *
get(const char *path)
{
	sx_test_response *r = sx_test_request(tc, "GET", path, NULL, NULL, 0);

	cr_assert_not_null(r);
	return r;
}

static sx_test_response *
post(const char *path, const char *json)
{
	static const char *const h[] = { "Content-Type: application/json", NULL };
	sx_test_response *r = sx_test_request(tc, "POST", path, h, json,
	    strlen(json));

	cr_assert_not_null(r);
	return r;
}

static double
num(const sx_test_response *r, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, name);

	cr_assert(cJSON_IsNumber(v), "no number %s in %s", name, r->body);
	return v->valuedouble;
}

/* The "error" of a JSON error body. */
static const char *
error_of(const sx_test_response *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, "error");

	cr_assert(cJSON_IsString(v), "no error in %s", r->body);
	return v->valuestring;
}

/* The reason given for field name in a 422 body. */
static const char *
reason(const sx_test_response *r, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(r->json, "fields");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

Test(helpers, query_defaults_and_values)
{
	sx_test_response *r = get("/q");

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(num(r, "n"), 7);
	cr_assert_eq(num(r, "d"), 0.5);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(r->json, "b")));
	sx_test_response_free(r);
	r = get("/q?n=-5&d=1&b=off");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(num(r, "n"), -5);
	cr_assert_eq(num(r, "d"), 1);
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "b")));
	sx_test_response_free(r);
}

Test(helpers, query_refusals_name_the_parameter)
{
	static const struct { const char *path, *why; } cases[] = {
		{ "/q?n=abc", "\"n\" must be an integer from -5 to 50" },
		{ "/q?n=51", "\"n\" must be an integer from -5 to 50" },
		{ "/q?n=3x", "\"n\" must be an integer from -5 to 50" },
		{ "/q?n=99999999999999999999", "\"n\" must be an integer" },
		{ "/q?d=nan", "\"d\" must be a number from 0 to 1" },
		{ "/q?d=1.5", "\"d\" must be a number from 0 to 1" },
		{ "/q?b=maybe", "\"b\" must be true or false" },
	};

	for (size_t i = 0; i < SX_NELEM(cases); i++) {
		sx_test_response *r = get(cases[i].path);

		cr_assert_eq(r->status, 400, "%s: %d %s", cases[i].path,
		    r->status, r->body);
		cr_assert_not_null(strstr(error_of(r), cases[i].why), "%s: %s",
		    cases[i].path, r->body);
		sx_test_response_free(r);
	}
}

Test(helpers, page_envelope_and_bounds)
{
	sx_test_response *r = get("/page?offset=1");
	const cJSON *items;

	cr_assert_eq(r->status, 200, "%s", r->body);
	items = cJSON_GetObjectItem(r->json, "items");
	cr_assert_eq(cJSON_GetArraySize(items), 2, "%s", r->body);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0),
	    "name")->valuestring, "b");
	cr_assert_eq(num(r, "limit"), 2);
	cr_assert_eq(num(r, "offset"), 1);
	cr_assert_eq(num(r, "total"), 5);
	sx_test_response_free(r);
	r = get("/page?limit=4");
	cr_assert_eq(r->status, 400, "%s", r->body);
	cr_assert_str_eq(error_of(r), "\"limit\" must be an integer from 1 to 3");
	sx_test_response_free(r);
	r = get("/page?offset=-1");
	cr_assert_eq(r->status, 400, "%s", r->body);
	sx_test_response_free(r);
}

Test(helpers, validation_passes_a_fitting_body)
{
	sx_test_response *r = post("/validate", "{\"title\":\"abc\",\"count\":3,"
	    "\"ratio\":2.5,\"done\":false,\"state\":\"live\",\"tags\":[\"x\"]}");

	cr_assert_eq(r->status, 200, "%s", r->body);
	sx_test_response_free(r);
	r = post("/validate", "{\"title\":\"a\",\"state\":null}");
	cr_assert_eq(r->status, 200, "null is absent for an optional field: %s",
	    r->body);
	sx_test_response_free(r);
}

Test(helpers, validation_names_every_failing_field)
{
	sx_test_response *r = post("/validate", "{\"count\":2.5,\"ratio\":0.1,"
	    "\"done\":1,\"state\":\"gone\",\"tags\":[\"a\",\"b\",\"c\"]}");

	cr_assert_eq(r->status, 422, "%s", r->body);
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "error")->valuestring,
	    "validation failed");
	cr_assert_str_eq(reason(r, "title"), "required");
	cr_assert_str_eq(reason(r, "count"), "must be an integer");
	cr_assert_str_eq(reason(r, "ratio"), "must be at least 0.5");
	cr_assert_str_eq(reason(r, "done"), "must be true or false");
	cr_assert_str_eq(reason(r, "state"), "must be one of: draft, live");
	cr_assert_str_eq(reason(r, "tags"), "must be from 0 to 2 items");
	sx_test_response_free(r);
	r = post("/validate", "{\"title\":\"toolong\",\"count\":11,\"tags\":[1]}");
	cr_assert_eq(r->status, 422, "%s", r->body);
	cr_assert_str_eq(reason(r, "title"), "must be from 1 to 5 characters");
	cr_assert_str_eq(reason(r, "count"), "must be from 1 to 10");
	cr_assert_str_eq(reason(r, "tags"), "must be an array of strings");
	cr_assert_null(reason(r, "state"));
	sx_test_response_free(r);
	r = post("/validate", "[1]");
	cr_assert_eq(r->status, 400, "not an object: %s", r->body);
	sx_test_response_free(r);
}

Test(helpers, error_fields)
{
	sx_test_response *r = post("/fields", "{}");

	cr_assert_eq(r->status, 422, "%s", r->body);
	cr_assert_str_eq(reason(r, "url"), "must start with http");
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(r->json, "request_id")));
	sx_test_response_free(r);
}

Test(helpers, rows_and_one_row)
{
	sx_test_response *r = get("/rows");

	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(cJSON_GetArraySize(r->json), 5, "%s", r->body);
	sx_test_response_free(r);
	r = get("/one/3");
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_str_eq(cJSON_GetObjectItem(r->json, "name")->valuestring, "c");
	sx_test_response_free(r);
	r = get("/one/9");
	cr_assert_eq(r->status, 404, "%s", r->body);
	cr_assert_not_null(strstr(r->body, "no such row"));
	sx_test_response_free(r);
}

/* The log's text (malloc'd). */
static char *
log_text(void)
{
	FILE *f = fopen(log_path, "r");
	char *text = NULL;
	size_t cap = 0;

	cr_assert_not_null(f);
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

/* A developer's mistake is "internal error" and the request id for the
 * client, the hint in the log. */
Test(helpers, hints_go_to_the_log)
{
	sx_test_response *r = get("/nojson");
	char *log;

	cr_assert_eq(r->status, 500, "%s", r->body);
	cr_assert_str_eq(error_of(r), "internal error");
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(r->json, "request_id")));
	sx_test_response_free(r);
	log = log_text();
	cr_assert_not_null(strstr(log, "handler for GET /nojson failed: sx_json() "
	    "was given NULL"), "%s", log);
	free(log);
}

/* A handler failing after a database error: the log names the driver's
 * message, the SQLite code and the SQL's first line. */
Test(helpers, failed_statement_in_the_log)
{
	sx_test_response *r = get("/dbfail");
	char *log;

	cr_assert_eq(r->status, 500, "%s", r->body);
	cr_assert_str_eq(error_of(r), "internal error");
	sx_test_response_free(r);
	log = log_text();
	cr_assert_not_null(strstr(log, "handler for GET /dbfail failed: returned "
	    "an error; last database error: SQL error: no such table: "
	    "no_such_table (SQLite code 1) in: SELECT x FROM no_such_table ..."),
	    "%s", log);
	free(log);
}

Test(helpers, debug_shows_the_cause)
{
	char err[256], db[160];
	sx_test_client *dbg;
	sx_test_response *r;

	snprintf(db, sizeof(db), "db_session=%s", url);
	dbg = sx_test_client_new(&app, (const char *const[]){ "--database", db,
	    "--log", log_path, "--debug", NULL }, err, sizeof(err));
	cr_assert_not_null(dbg, "%s", err);
	r = sx_test_request(dbg, "GET", "/dbfail", NULL, NULL, 0);
	cr_assert_eq(r->status, 500);
	cr_assert_not_null(strstr(error_of(r), "internal error: the handler "
	    "returned an error; database: SQL error: no such table"), "%s", r->body);
	sx_test_response_free(r);
	sx_test_client_free(dbg);
}

/* Every response says nosniff; a body without a type is plain bytes. */
Test(helpers, content_type_headers)
{
	sx_test_response *r = get("/raw");

	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(sx_test_header(r, "Content-Type"),
	    "application/octet-stream");
	cr_assert_str_eq(sx_test_header(r, "X-Content-Type-Options"), "nosniff");
	sx_test_response_free(r);
	r = get("/q");
	cr_assert_str_eq(sx_test_header(r, "Content-Type"), "application/json");
	cr_assert_str_eq(sx_test_header(r, "X-Content-Type-Options"), "nosniff");
	sx_test_response_free(r);
	r = get("/no-route");
	cr_assert_eq(r->status, 404);
	cr_assert_str_eq(sx_test_header(r, "X-Content-Type-Options"), "nosniff");
	sx_test_response_free(r);
}

/* The client sees "internal error"; the log has the driver's message and
 * the SQLite code. */
Test(helpers, db_failure_goes_to_the_log)
{
	sx_test_response *r = get("/broken");
	char line[1024], all[8192] = "";
	bool found = false;
	FILE *f;

	cr_assert_eq(r->status, 500, "%s", r->body);
	cr_assert_not_null(strstr(r->body, "internal error"), "%s", r->body);
	cr_assert_null(strstr(r->body, "no_such_table"), "%s", r->body);
	sx_test_response_free(r);
	cr_assert_not_null(f = fopen(log_path, "r"));
	while (fgets(line, sizeof(line), f) != NULL &&
	    strlen(all) + strlen(line) < sizeof(all) &&
	    strcat(all, line) != NULL)
		found |= strstr(line, "no such table: no_such_table") != NULL &&
		    strstr(line, "SQLite code 1") != NULL;
	fclose(f);
	cr_assert(found, "no log line names the driver's message and code:\n%s",
	    all);
}

Test(helpers, password_hash_and_verify)
{
	char hash[SX_PASSWORD_HASH_MAX];

	setenv("SX_PASSWORD_FAST", "1", 1);
	cr_assert_eq(sx_password_hash("correct horse", hash), 0);
	cr_assert_eq(strncmp(hash, "$argon2id$", 10), 0, "%s", hash);
	cr_assert(sx_password_verify(hash, "correct horse"));
	cr_assert_not(sx_password_verify(hash, "wrong horse"));
	cr_assert_not(sx_password_verify("garbage", "correct horse"));
	cr_assert_not(sx_password_verify(NULL, "x"));
}
