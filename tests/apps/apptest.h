/*
 * apptest.h: what the tests of apps share: a fresh database per test
 * (an SQLite file in a new folder, or a new schema on the test PostgreSQL
 * server), a test client over it, and short request helpers.
 */
#ifndef SX_APPTEST_H
#define SX_APPTEST_H

/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"

#include "sextant.h"

#include <stdarg.h>

typedef enum apptest_driver { APPTEST_SQLITE, APPTEST_PG } apptest_driver;

/* A fresh, empty SQLite database URL (malloc'd) named name. */
static inline char *
apptest_sqlite_url(const char *name)
{
	char *dir = sx_test_tmpdir(), *url;

	cr_assert(asprintf(&url, "sqlite:%s/%s.db", dir, name) > 0);
	free(dir);
	return url;
}

/* A URL on the test PostgreSQL server whose search_path is a new, empty
 * schema, so tests running side by side never see each other's tables.
 * Skips the test when there is no server (fails in CI). */
static inline char *
apptest_pg_url(void)
{
	const char *base = SX_TEST_PG_URL();
	char schema[40], *sql, *url, errbuf[256];
	unsigned char rnd[8];
	sx_db_conn *c;

	sx_random_bytes(rnd, sizeof(rnd));
	snprintf(schema, sizeof(schema), "t_%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	cr_assert_eq(sx_db_open(base, NULL, &c, errbuf, sizeof(errbuf)), SX_DB_OK,
	    "%s", errbuf);
	cr_assert(asprintf(&sql, "CREATE SCHEMA %s", schema) > 0);
	cr_assert_eq(sx_db_exec_script(c, sql), SX_DB_OK, "%s",
	    sx_db_last_error(c)->message);
	free(sql);
	sx_db_close(c);
	cr_assert(asprintf(&url, "%s%soptions=-csearch_path%%3D%s", base,
	    strchr(base, '?') ? "&" : "?", schema) > 0);
	return url;
}

static inline char *
apptest_url(apptest_driver d, const char *name)
{
	return d == APPTEST_PG ? apptest_pg_url() : apptest_sqlite_url(name);
}

/* A test client for app with the given options (NULL-terminated list). */
static inline sx_test_client *
apptest_client(const sx_app *app, const char *const *options)
{
	char err[1024] = "";
	sx_test_client *tc = sx_test_client_new(app, options, err, sizeof(err));

	cr_assert_not_null(tc, "start-up failed: %s", err);
	return tc;
}

/* The one-line start-up refusal for options; the test fails if the app
 * starts. The message is copied into err. */
static inline void
apptest_refused(const sx_app *app, const char *const *options, char *err,
    size_t errlen)
{
	sx_test_client *tc;

	err[0] = '\0';
	tc = sx_test_client_new(app, options, err, errlen);
	if (tc != NULL)
		sx_test_client_free(tc);
	cr_assert_null(tc, "the app started, expected a refusal");
	cr_assert_neq(err[0], '\0');
	cr_assert_null(strchr(err, '\n'), "one line: %s", err);
}

/* Runs a request with an optional JSON body; the caller frees. */
static inline sx_test_response *
apptest_request(sx_test_client *tc, const char *method, const char *path,
    const char *json)
{
	static const char *const json_headers[] = {
		"Content-Type: application/json", NULL,
	};
	sx_test_response *r = sx_test_request(tc, method, path,
	    json ? json_headers : NULL, json, json ? strlen(json) : 0);

	cr_assert_not_null(r, "%s %s: no response", method, path);
	return r;
}

/* The status of a request, freeing the response. */
static inline int
apptest_status(sx_test_client *tc, const char *method, const char *path,
    const char *json)
{
	sx_test_response *r = apptest_request(tc, method, path, json);
	int status = r->status;

	sx_test_response_free(r);
	return status;
}

/* A number field of a JSON response to GET path. */
static inline long
apptest_get_number(sx_test_client *tc, const char *path, const char *field)
{
	sx_test_response *r = apptest_request(tc, "GET", path, NULL);
	const cJSON *v;
	long n;

	cr_assert_eq(r->status, 200, "GET %s: %d %s", path, r->status, r->body);
	v = cJSON_GetObjectItemCaseSensitive(r->json, field);
	cr_assert(cJSON_IsNumber(v), "GET %s: no number \"%s\" in %s", path,
	    field, r->body);
	n = (long)v->valuedouble;
	sx_test_response_free(r);
	return n;
}

/* Writes text to a new file and returns its path (malloc'd). */
static inline char *
apptest_file(const char *name, const char *text)
{
	char *dir = sx_test_tmpdir(), *path;
	FILE *f;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	free(dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

/* The whole of a file (malloc'd), "" when it cannot be read. */
static inline char *
apptest_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;

	if (f == NULL || getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	if (f != NULL)
		fclose(f);
	return text;
}

#endif
