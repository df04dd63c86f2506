/*
 * test_trace.c: statements by request id: --trace-sql logs each statement
 * of a request with its id, duration, rows and first line; without it
 * only statements over --slow-query-ms are; on PostgreSQL the server sees
 * the request id as application_name for the transaction.
 */
#include "apptest.h"

#include <unistd.h>

static int
query(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	const char *sql = sx_req_query(req, "sql");
	char *text = NULL;
	int rc;

	if (db == NULL || sx_db_scalar_text(db, sql, NULL, 0, &text) != SX_DB_OK)
		return -1;
	rc = sx_text(res, 200, text);	/* text is request memory */
	return rc;
}

static const sx_route routes[] = {
	{ SX_GET, "/q", query, SX_DEPS("db_session"), "q", NULL },
};
static const sx_database dbs[] = { { .url = "sqlite::memory:" } };
static const sx_app app = {
	.name = "trace", SX_ROUTE_TABLE(routes), SX_DATABASE_TABLE(dbs),
};

/* Runs GET /q?sql=... with request id id; returns the body (malloc'd). */
static char *
ask(sx_test_client *tc, const char *id, const char *sql_escaped)
{
	char path[256], hdr[128];
	sx_test_response *r;
	char *body;

	snprintf(path, sizeof(path), "/q?sql=%s", sql_escaped);
	snprintf(hdr, sizeof(hdr), "X-Request-ID: %s", id);
	r = sx_test_request(tc, "GET", path, (const char *const[]){ hdr, NULL },
	    NULL, 0);
	cr_assert_not_null(r);
	cr_assert_eq(r->status, 200, "%s", r->body);
	body = strdup(r->body);
	sx_test_response_free(r);
	return body;
}

static sx_test_client *
client(const char *url, const char *log, const char *more, const char *arg)
{
	char *db = NULL;
	sx_test_client *tc;

	cr_assert(asprintf(&db, "db_session=%s", url) > 0);
	tc = apptest_client(&app, (const char *const[]){ "--database", db,
	    "--log", log, more, arg, NULL });
	free(db);
	return tc;
}

Test(trace, trace_sql_logs_each_statement_by_request_id)
{
	char *url = apptest_sqlite_url("trace"), *log = apptest_file("t.log", "");
	sx_test_client *tc = client(url, log, "--trace-sql", NULL);
	char *body = ask(tc, "req-7", "SELECT%20'a'%0AFROM%20(SELECT%201)"), *text;

	cr_assert_str_eq(body, "a");
	text = apptest_slurp(log);
	cr_assert_not_null(strstr(text, "[req-7] sql "), "%s", text);
	cr_assert_not_null(strstr(text, "rows=1 ok: SELECT 'a' ...\n"), "%s", text);
	free(body), free(text), free(url), free(log);
	sx_test_client_free(tc);
}

Test(trace, without_trace_only_slow_queries_are_logged)
{
	char *url = apptest_pg_url(), *log = apptest_file("s.log", "");
	sx_test_client *tc = client(url, log, "--slow-query-ms", "30");
	char *a = ask(tc, "fast-1", "SELECT%20'x'");
	char *b = ask(tc, "slow-1", "SELECT%20pg_sleep(0.06)::text");
	char *text = apptest_slurp(log);

	cr_assert_null(strstr(text, "[fast-1] sql"), "%s", text);
	cr_assert_not_null(strstr(text, "[slow-1] slow query "), "%s", text);
	cr_assert_not_null(strstr(text, "ok: SELECT pg_sleep(0.06)::text\n"), "%s",
	    text);
	free(a), free(b), free(text), free(url), free(log);
	sx_test_client_free(tc);
}

Test(trace, postgresql_sees_the_request_id_as_application_name)
{
	char *url = apptest_pg_url(), *log = apptest_file("p.log", "");
	sx_test_client *tc = client(url, log, "--trace-sql", NULL);
	char *name = ask(tc, "abc-123", "SELECT%20current_setting('application_name')");
	char *text = apptest_slurp(log);

	cr_assert_str_eq(name, "sx abc-123");
	cr_assert_not_null(strstr(text, "[abc-123] sql "), "%s", text);
	cr_assert_not_null(strstr(text, "BEGIN; SET LOCAL application_name = "
	    "'sx abc-123'"), "%s", text);
	free(name), free(text), free(url), free(log);
	sx_test_client_free(tc);
}

Test(trace, bad_options_are_refused)
{
	char err[256];

	apptest_refused(&app, (const char *const[]){ "--slow-query-ms", "x",
	    NULL }, err, sizeof(err));
	apptest_refused(&app, (const char *const[]){ "--log-format", "xml",
	    NULL }, err, sizeof(err));
}

/* The first line of text holding needle, parsed as JSON. */
static cJSON *
json_line(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *start, *end;
	char *line;
	cJSON *o;

	cr_assert_not_null(p, "no line with %s in %s", needle, text);
	for (start = p; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	line = strndup(start, (size_t)(end - start));
	o = cJSON_Parse(line);
	cr_assert_not_null(o, "not JSON: %s", line);
	free(line);
	return o;
}

Test(trace, json_logs_carry_the_request_fields)
{
	char *url = apptest_sqlite_url("json"), *log = apptest_file("j.log", "");
	sx_test_client *tc = client(url, log, "--log-format", "json");
	char *body = ask(tc, "j-1", "SELECT%20'a'"), *text;
	sx_test_response *r;
	cJSON *access, *warn;

	r = sx_test_request(tc, "GET", "/q?sql=nonsense", (const char *const[]){
	    "X-Request-ID: j-2", NULL }, NULL, 0);
	sx_test_response_free(r);
	text = apptest_slurp(log);
	access = json_line(text, "\"request_id\":\"j-1\"");
	cr_assert_str_eq(cJSON_GetObjectItem(access, "level")->valuestring, "info");
	cr_assert_str_eq(cJSON_GetObjectItem(access, "method")->valuestring, "GET");
	cr_assert_str_eq(cJSON_GetObjectItem(access, "route")->valuestring, "q");
	cr_assert_str_eq(cJSON_GetObjectItem(access, "path")->valuestring, "/q");
	cr_assert_eq(cJSON_GetObjectItem(access, "status")->valueint, 200);
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(access, "ms")));
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(access, "db_ms")));
	cr_assert_eq(cJSON_GetObjectItem(access, "pid")->valueint, getpid());
	cr_assert_str_eq(cJSON_GetObjectItem(access, "msg")->valuestring, "access");
	warn = json_line(text, "\"level\":\"warn\"");
	cr_assert_str_eq(cJSON_GetObjectItem(warn, "request_id")->valuestring, "j-2");
	cr_assert_not_null(strstr(cJSON_GetObjectItem(warn, "msg")->valuestring,
	    "failed"), "%s", text);
	for (const char *l = text; *l != '\0'; l = strchr(l, '\n') + 1)
		cr_assert_eq(*l, '{', "a line that is not JSON: %s", l);
	cJSON_Delete(access), cJSON_Delete(warn);
	free(body), free(text), free(url), free(log);
	sx_test_client_free(tc);
}
