/*
 * testutil.h: what every Criterion test of Sextant shares.
 *
 * PostgreSQL tests get their server from SX_TEST_PG_URL, which scripts/check
 * sets after starting a private server (scripts/pg-test-server). Without it a
 * PostgreSQL test is skipped with a message, except in CI (CI=true), where a
 * skipped PostgreSQL test is a failure.
 */
#ifndef SX_TESTUTIL_H
#define SX_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The PostgreSQL URL, or skips (fails in CI) the calling test. */
#define SX_TEST_PG_URL() sx_test_pg_url_or_skip()

static inline const char *
sx_test_pg_url_or_skip(void)
{
	const char *url = getenv("SX_TEST_PG_URL");
	const char *ci = getenv("CI");

	if (url != NULL && *url != '\0')
		return url;
	if (ci != NULL && strcmp(ci, "true") == 0)
		cr_assert(0, "SX_TEST_PG_URL is not set: in CI a PostgreSQL test may not be skipped "
		    "(scripts/check starts the server)");
	else
		cr_skip_test("SX_TEST_PG_URL is not set: PostgreSQL test skipped "
		    "(run scripts/check, or scripts/pg-test-server start DIR)");
	return NULL;
}

/* A fresh temporary directory for SQLite files; caller frees the string. */
static inline char *
sx_test_tmpdir(void)
{
	char *tmpl = strdup("/tmp/sx-test-XXXXXX");

	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp failed");
	return tmpl;
}

#endif
