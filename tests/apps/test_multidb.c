/*
 * test_multidb.c: examples/multidb, two databases under their own keys, on
 * SQLite and with the analytics database on PostgreSQL; and the start-up
 * refusals that need the real app and database layer.
 */
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/multidb/"
#include "examples/multidb/multidb.c"

#include "apptest.h"
#include <unistd.h>

static sx_test_client *
client(apptest_driver analytics)
{
	char *p = apptest_sqlite_url("primary"), *a = apptest_url(analytics,
	    "analytics"), *po = NULL, *ao = NULL;
	sx_test_client *tc;

	cr_assert(asprintf(&po, "primary_session=%s", p) > 0);
	cr_assert(asprintf(&ao, "analytics_pool=%s", a) > 0);
	tc = apptest_client(&multidb_app, (const char *const[]){
	    "--database", po, "--database", ao, "--migrate", NULL });
	free(po);
	free(ao);
	free(p);
	free(a);
	return tc;
}

static void
report_by_driver(apptest_driver d)
{
	sx_test_client *tc = client(d);

	cr_assert_eq(apptest_get_number(tc, "/combined-report", "users"), 0);
	cr_assert_eq(apptest_status(tc, "POST", "/users", "{\"name\":\"ada\"}"), 201);
	cr_assert_eq(apptest_status(tc, "POST", "/users", "{\"name\":\"bob\"}"), 201);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(apptest_status(tc, "POST", "/events",
		    "{\"name\":\"login\"}"), 201);
	cr_assert_eq(apptest_status(tc, "POST", "/events", "{}"), 400);
	cr_assert_eq(apptest_get_number(tc, "/combined-report", "users"), 2);
	cr_assert_eq(apptest_get_number(tc, "/combined-report", "events"), 3);
	sx_test_client_free(tc);
}

Test(multidb, combined_report_sqlite) { report_by_driver(APPTEST_SQLITE); }
Test(multidb, combined_report_analytics_on_postgres) { report_by_driver(APPTEST_PG); }

/* Every URL is checked before any database is opened: the primary's
 * default file (relative, in the current folder) is not created. */
Test(multidb, url_that_does_not_parse_is_refused)
{
	char err[1024];

	unlink("multidb_primary.db");
	apptest_refused(&multidb_app, (const char *const[]){ "--database",
	    "analytics_session=mysql://x", NULL }, err, sizeof(err));
	cr_assert_neq(access("multidb_primary.db", F_OK), 0,
	    "a refused start-up created the primary's database file");
	cr_assert(strncmp(err, "database \"analytics_session\": URL does not "
	    "parse: ", 46) == 0, "%s", err);
	cr_assert_not_null(strstr(err, "mysql://x"), "%s", err);
}

Test(multidb, password_is_not_printed)
{
	char err[1024];

	apptest_refused(&multidb_app, (const char *const[]){ "--database",
	    "analytics_session=mysql://u:s3cret@db.example/x", NULL }, err,
	    sizeof(err));
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	cr_assert_not_null(strstr(err, "mysql://u:******@db.example/x"), "%s",
	    err);
}

Test(multidb, unknown_commit_mode_and_unknown_key_are_refused)
{
	char err[1024];

	apptest_refused(&multidb_app, (const char *const[]){ "--commit-mode",
	    "primary_pool=sometimes", NULL }, err, sizeof(err));
	cr_assert_str_eq(err, "database \"primary_session\": unknown commit mode "
	    "\"sometimes\" in --commit-mode (valid: manual, autocommit, "
	    "autocommit_include_redirect)");
	apptest_refused(&multidb_app, (const char *const[]){ "--database",
	    "db_session=sqlite:x.db", NULL }, err, sizeof(err));
	cr_assert_str_eq(err, "--database db_session=sqlite:x.db: no database has "
	    "the key \"db_session\" (known: primary_session, primary_connection, "
	    "primary_pool, analytics_session, analytics_connection, analytics_pool)");
}
