/*
 * dbtest.h: what the db tests share. Each PostgreSQL test works in a schema
 * of its own (Criterion runs tests in parallel processes), named after its
 * process id and put on the search_path through the URL, so every
 * connection of the test, pooled or reconnected, sees the same tables.
 */
#ifndef SX_DBTEST_H
#define SX_DBTEST_H

/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"

#include "sx_db.h"

static char dbtest_schema[64];
static char dbtest_url[1024];

/* Opens url (must succeed). */
static inline sx_db_conn *
dbtest_open(const char *url, const sx_db_options *opt)
{
	char err[512] = "";
	sx_db_conn *c = NULL;

	cr_assert_eq(sx_db_open(url, opt, &c, err, sizeof(err)), SX_DB_OK, "open %s: %s", url, err);
	return c;
}

static inline void
dbtest_run(sx_db_conn *c, const char *sql)
{
	cr_assert_eq(sx_db_exec_script(c, sql), SX_DB_OK, "%s: %s", sql,
	    sx_db_last_error(c)->message);
}

/* Creates this test's schema and returns a URL whose connections use it;
 * skips the test without SX_TEST_PG_URL. */
static inline const char *
dbtest_pg_url(void)
{
	const char *base = SX_TEST_PG_URL();
	sx_db_conn *c;
	char sql[256];

	snprintf(dbtest_schema, sizeof(dbtest_schema), "sx_dbtest_%ld", (long)getpid());
	c = dbtest_open(base, NULL);
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
	    dbtest_schema, dbtest_schema);
	dbtest_run(c, sql);
	sx_db_close(c);
	snprintf(dbtest_url, sizeof(dbtest_url), "%s%soptions=-csearch_path%%3D%s", base,
	    strchr(base, '?') != NULL ? "&" : "?", dbtest_schema);
	return dbtest_url;
}

/* Drops the schema made by dbtest_pg_url (if any). */
static inline void
dbtest_pg_drop(void)
{
	const char *base = getenv("SX_TEST_PG_URL");
	sx_db_conn *c = NULL;
	char sql[256];

	if (dbtest_schema[0] == '\0' || base == NULL ||
	    sx_db_open(base, NULL, &c, NULL, 0) != SX_DB_OK)
		return;
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", dbtest_schema);
	sx_db_exec_script(c, sql);
	sx_db_close(c);
}

#endif
