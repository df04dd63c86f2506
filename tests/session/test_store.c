/*
 * test_store.c: the session store's contract, one suite run against SQLite
 * and PostgreSQL: upsert, get with and without renewal, exists, expires_in
 * (none, seconds left, 0 once expired), delete, delete_all, delete_expired
 * beside rows that never expire, a 1 MiB value, eight threads on the same
 * keys, and the table name check. The table comes from the extension's own
 * migration, applied through sx_migrate as `db upgrade` would.
 */
#include "../db/dbtest.h"

#include "sx_session.h"

#include <pthread.h>
#include <unistd.h>

static char *tmpdir;
static char sqlite_url[600];

static void
setup(void)
{
	tmpdir = sx_test_tmpdir();
	snprintf(sqlite_url, sizeof(sqlite_url), "sqlite:%s/store.db", tmpdir);
}

static void
teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
	free(tmpdir);
	dbtest_pg_drop();
}

TestSuite(store_sqlite, .init = setup, .fini = teardown);
TestSuite(store_pg, .init = setup, .fini = teardown);

/* The URL of a driver's fresh database. */
static const char *
url_of(bool pg)
{
	return pg ? dbtest_pg_url() : sqlite_url;
}

/* Opens url and applies the sessions extension's migrations for table. */
static sx_db_conn *
open_store_db(const char *url, const char *table)
{
	sx_db_conn *c = dbtest_open(url, NULL);
	sx_arena *a = sx_arena_new(4096);
	sx_migrate_ext ext;
	sx_migrate_opts o = { .dir = "/nonexistent", .exts = &ext, .n_exts = 1 };
	char err[512] = "";

	cr_assert_eq(sx_session_migrations(table, a, &ext), SX_SESSION_OK);
	cr_assert_eq(sx_migrate_upgrade(c, &o, NULL, err, sizeof(err)), SX_DB_OK,
	    "%s", err);
	sx_arena_free(a);
	return c;
}

static sx_session_store *
store_new(void)
{
	sx_session_store *s = NULL;

	cr_assert_eq(sx_session_store_new(NULL, &s), SX_SESSION_OK);
	return s;
}

/* Each contract test runs once per driver. */
#define STORE_TEST(name) \
	static void name(bool pg); \
	Test(store_sqlite, name) { name(false); } \
	Test(store_pg, name) { name(true); } \
	static void name(bool pg)

#define OK(call) cr_assert_eq((call), SX_SESSION_OK, "%s: %s", #call, \
	sx_db_last_error(c)->message)

static void
expect_value(const sx_session_store *s, sx_db_conn *c, const char *key,
    const char *want)
{
	char *data = NULL;
	size_t len = 0;

	OK(sx_session_store_get(s, c, key, 0, &data, &len));
	cr_assert_eq(len, strlen(want));
	cr_assert_str_eq(data, want);
	free(data);
}

static void
expect_missing(const sx_session_store *s, sx_db_conn *c, const char *key)
{
	char *data = (char *)"x";
	size_t len = 1;
	bool found = true;
	int64_t left = 0;

	cr_assert_eq(sx_session_store_get(s, c, key, 0, &data, &len),
	    SX_SESSION_NOT_FOUND);
	cr_assert_null(data);
	OK(sx_session_store_exists(s, c, key, &found));
	cr_assert(found == false);
	(void)left;
}

static int64_t
expires_in(const sx_session_store *s, sx_db_conn *c, const char *key)
{
	int64_t left = -2;

	OK(sx_session_store_expires_in(s, c, key, &left));
	return left;
}

STORE_TEST(set_get_upsert)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	bool found = false;

	OK(sx_session_store_set(s, c, "k1", "first", 5, 60));
	expect_value(s, c, "k1", "first");
	OK(sx_session_store_set(s, c, "k1", "second", 6, 60));
	expect_value(s, c, "k1", "second");
	OK(sx_session_store_exists(s, c, "k1", &found));
	cr_assert(found);
	expect_missing(s, c, "nope");
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(no_expiry)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();

	OK(sx_session_store_set(s, c, "zero", "a", 1, 0));
	OK(sx_session_store_set(s, c, "negative", "b", 1, -10));
	cr_assert_eq(expires_in(s, c, "zero"), SX_SESSION_NO_EXPIRY);
	cr_assert_eq(expires_in(s, c, "negative"), SX_SESSION_NO_EXPIRY);
	cr_assert_eq(expires_in(s, c, "missing"), SX_SESSION_NO_EXPIRY);
	expect_value(s, c, "zero", "a");
	/* renewing a row without expiry leaves it without */
	{
		char *d;
		size_t n;

		OK(sx_session_store_get(s, c, "zero", 100, &d, &n));
		free(d);
	}
	cr_assert_eq(expires_in(s, c, "zero"), SX_SESSION_NO_EXPIRY);
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(one_second_expiry)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	int64_t left;

	OK(sx_session_store_set(s, c, "short", "v", 1, 1));
	expect_value(s, c, "short", "v");
	left = expires_in(s, c, "short");
	cr_assert(left == 0 || left == 1, "left %lld", (long long)left);
	usleep(1200 * 1000);
	expect_missing(s, c, "short");
	cr_assert_eq(expires_in(s, c, "short"), 0);
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(expires_in_counts_seconds)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	int64_t left;

	OK(sx_session_store_set(s, c, "k", "v", 1, 100));
	left = expires_in(s, c, "k");
	cr_assert(left == 99 || left == 100, "left %lld", (long long)left);
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(renew)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	char *data = NULL;
	size_t len;
	int64_t left;

	OK(sx_session_store_set(s, c, "k", "v", 1, 2));
	OK(sx_session_store_get(s, c, "k", 3600, &data, &len));
	cr_assert_str_eq(data, "v");
	free(data);
	left = expires_in(s, c, "k");
	cr_assert(left >= 3599 && left <= 3600, "left %lld", (long long)left);
	/* renewed past its old expiry: still there after it */
	usleep(2200 * 1000);
	expect_value(s, c, "k", "v");
	/* an expired row is not renewed back to life */
	OK(sx_session_store_set(s, c, "gone", "v", 1, 1));
	usleep(1200 * 1000);
	cr_assert_eq(sx_session_store_get(s, c, "gone", 3600, &data, &len),
	    SX_SESSION_NOT_FOUND);
	cr_assert_eq(expires_in(s, c, "gone"), 0);
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(delete_and_delete_all)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	int64_t alive, expired;

	OK(sx_session_store_delete(s, c, "never-there"));
	OK(sx_session_store_set(s, c, "a", "1", 1, 60));
	OK(sx_session_store_set(s, c, "b", "2", 1, 0));
	OK(sx_session_store_delete(s, c, "a"));
	expect_missing(s, c, "a");
	expect_value(s, c, "b", "2");
	OK(sx_session_store_set(s, c, "c", "3", 1, 60));
	OK(sx_session_store_delete_all(s, c));
	expect_missing(s, c, "b");
	expect_missing(s, c, "c");
	OK(sx_session_store_count(s, c, &alive, &expired));
	cr_assert_eq(alive + expired, 0);
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(delete_expired_keeps_permanent)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	int64_t deleted = -1, alive, expired;
	bool found;

	OK(sx_session_store_set(s, c, "e1", "x", 1, 1));
	OK(sx_session_store_set(s, c, "e2", "x", 1, 1));
	OK(sx_session_store_set(s, c, "e3", "x", 1, 1));
	OK(sx_session_store_set(s, c, "p1", "x", 1, 0));
	OK(sx_session_store_set(s, c, "p2", "x", 1, -1));
	OK(sx_session_store_set(s, c, "later", "x", 1, 3600));
	OK(sx_session_store_delete_expired(s, c, &deleted));
	cr_assert_eq(deleted, 0);
	usleep(1200 * 1000);
	OK(sx_session_store_count(s, c, &alive, &expired));
	cr_assert_eq(alive, 3);
	cr_assert_eq(expired, 3);
	OK(sx_session_store_delete_expired(s, c, &deleted));
	cr_assert_eq(deleted, 3);
	OK(sx_session_store_delete_expired(s, c, &deleted));
	cr_assert_eq(deleted, 0);
	OK(sx_session_store_exists(s, c, "p1", &found));
	cr_assert(found);
	OK(sx_session_store_exists(s, c, "p2", &found));
	cr_assert(found);
	OK(sx_session_store_exists(s, c, "later", &found));
	cr_assert(found);
	sx_session_store_free(s);
	sx_db_close(c);
}

STORE_TEST(one_mebibyte_value)
{
	sx_db_conn *c = open_store_db(url_of(pg), NULL);
	sx_session_store *s = store_new();
	size_t n = (size_t)1 << 20, len = 0;
	unsigned char *big = malloc(n);
	char *back = NULL;

	cr_assert_not_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 7 + i / 251);	/* NULs included */
	OK(sx_session_store_set(s, c, "big", big, n, 60));
	OK(sx_session_store_get(s, c, "big", 0, &back, &len));
	cr_assert_eq(len, n);
	cr_assert(memcmp(back, big, n) == 0);
	free(back);
	free(big);
	sx_session_store_free(s);
	sx_db_close(c);
}

/* ---- eight threads on the same keys ---------------------------------------- */

#define THREADS 8
#define ROUNDS 40
#define KEYS 3
#define VALUE_LEN 300

typedef struct worker {
	const char *url;
	const sx_session_store *s;
	int n;
	int failures;
	char why[256];
} worker;

/* Writes values made of one repeated letter, and checks that every read
 * is one whole value (never a mix of two writes). */
static void *
work(void *arg)
{
	worker *w = arg;
	sx_db_conn *c = NULL;
	char value[VALUE_LEN], key[8];

	if (sx_db_open(w->url, NULL, &c, w->why, sizeof(w->why)) != SX_DB_OK) {
		w->failures++;
		return NULL;
	}
	memset(value, 'a' + w->n, sizeof(value));
	for (int r = 0; r < ROUNDS; r++) {
		char *got = NULL;
		size_t len = 0;
		sx_session_err rc;

		snprintf(key, sizeof(key), "k%d", r % KEYS);
		if (sx_session_store_set(w->s, c, key, value, sizeof(value), 60) !=
		    SX_SESSION_OK) {
			snprintf(w->why, sizeof(w->why), "set: %s",
			    sx_db_last_error(c)->message);
			w->failures++;
			continue;
		}
		rc = sx_session_store_get(w->s, c, key, 60, &got, &len);
		if (rc != SX_SESSION_OK || len != VALUE_LEN ||
		    strspn(got, (char[]){got[0], 0}) != VALUE_LEN) {
			snprintf(w->why, sizeof(w->why), "get: %s (len %zu)",
			    sx_session_strerror(rc), len);
			w->failures++;
		}
		free(got);
	}
	sx_db_close(c);
	return NULL;
}

STORE_TEST(eight_threads)
{
	const char *url = url_of(pg);
	sx_db_conn *c = open_store_db(url, NULL);
	sx_session_store *s = store_new();
	pthread_t t[THREADS];
	worker w[THREADS];
	int64_t alive, expired;

	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){ .url = url, .s = s, .n = i };
		cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(w[i].failures, 0, "thread %d: %s", i, w[i].why);
	}
	OK(sx_session_store_count(s, c, &alive, &expired));
	cr_assert_eq(alive, KEYS);
	sx_session_store_free(s);
	sx_db_close(c);
}

/* ---- table names ------------------------------------------------------------ */

STORE_TEST(custom_table)
{
	sx_db_conn *c = open_store_db(url_of(pg), "app_sessions");
	sx_session_store *s = NULL;

	OK(sx_session_store_new("app_sessions", &s));
	cr_assert_str_eq(sx_session_store_table(s), "app_sessions");
	OK(sx_session_store_set(s, c, "k", "v", 1, 60));
	expect_value(s, c, "k", "v");
	sx_session_store_free(s);
	sx_db_close(c);
}

Test(store_sqlite, table_names_checked)
{
	static const char *const bad[] = {
		"", "1sessions", "sessions;drop table x", "a-b", "a b", "\"q\"",
		"s\xc3\xa9ssions",
		"a123456789012345678901234567890123456789012345678901234567890123",
	};
	sx_session_store *s = (sx_session_store *)1;
	sx_arena *a = sx_arena_new(1024);
	sx_migrate_ext ext;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect(sx_session_table_ok(bad[i]) == false, "%s accepted", bad[i]);
		cr_expect_eq(sx_session_store_new(bad[i], &s), SX_SESSION_ERR_TABLE);
		cr_expect_null(s);
		cr_expect_eq(sx_session_migrations(bad[i], a, &ext),
		    SX_SESSION_ERR_TABLE);
	}
	cr_expect(sx_session_table_ok("_s"));
	cr_expect(sx_session_table_ok("Sessions_2"));
	cr_expect(sx_session_table_ok(
	    "a12345678901234567890123456789012345678901234567890123456789012"));
	sx_arena_free(a);
}
