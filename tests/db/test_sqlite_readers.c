/*
 * test_sqlite_readers.c: read-first transactions on SQLite
 * (sx_db_set_begin_read) over a real WAL file and two connections: a reader
 * goes on while another connection holds the write lock; a write after a
 * read that cannot get the lock fails busy and dooms the transaction, whose
 * COMMIT then rolls back and reports busy (nothing half-written is kept,
 * even when a later write got through); a write as the first statement
 * waits for the lock as a writer does; a pool hands connections back with
 * the setting off.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"

#include "sx_db.h"

#include <pthread.h>
#include <unistd.h>

static char *tmpdir;
static char url[512];
static sx_db_conn *writer, *reader;

static sx_db_conn *
open_conn(int busy_ms)
{
	char err[256] = "";
	sx_db_conn *c = NULL;

	cr_assert_eq(sx_db_open(url, &(sx_db_options){ .busy_timeout_ms =
	    busy_ms }, &c, err, sizeof(err)), SX_DB_OK, "open: %s", err);
	return c;
}

static void
run(sx_db_conn *c, const char *sql)
{
	cr_assert_eq(sx_db_exec_script(c, sql), SX_DB_OK, "%s: %s", sql,
	    sx_db_last_error(c)->message);
}

static long
count(sx_db_conn *c)
{
	int64_t n = -1;

	cr_assert_eq(sx_db_scalar_int(c, "SELECT count(*) FROM t", NULL, 0,
	    &n), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	return (long)n;
}

static void
setup(void)
{
	tmpdir = sx_test_tmpdir();
	snprintf(url, sizeof(url), "sqlite:%s/r.db", tmpdir);
	writer = open_conn(50);
	reader = open_conn(50);
	run(writer, "CREATE TABLE t (x INTEGER)");
	run(writer, "INSERT INTO t VALUES (1)");
	sx_db_set_begin_read(reader, true);
}

static void
teardown(void)
{
	char cmd[600];

	sx_db_close(reader);
	sx_db_close(writer);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
	free(tmpdir);
}

TestSuite(sqlite_readers, .init = setup, .fini = teardown);

/* The writer holds the lock with a row not yet committed. */
static void
hold_write_lock(void)
{
	cr_assert_eq(sx_db_begin(writer), SX_DB_OK);
	run(writer, "INSERT INTO t VALUES (2)");
}

Test(sqlite_readers, a_reader_goes_on_while_another_connection_writes)
{
	hold_write_lock();
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(sx_db_begin(reader), SX_DB_OK, "%s",
		    sx_db_last_error(reader)->message);
		cr_expect_eq(count(reader), 1, "the committed state only");
		cr_assert_eq(sx_db_commit(reader), SX_DB_OK, "%s",
		    sx_db_last_error(reader)->message);
	}
	/* without the setting, the same begin wants the write lock */
	sx_db_set_begin_read(reader, false);
	cr_expect_eq(sx_db_begin(reader), SX_DB_ERR_BUSY);
	cr_assert_eq(sx_db_commit(writer), SX_DB_OK);
}

Test(sqlite_readers, a_write_after_a_read_under_a_held_lock_dooms_the_transaction)
{
	cr_assert_eq(sx_db_begin(reader), SX_DB_OK);
	cr_expect_eq(count(reader), 1);
	hold_write_lock();
	cr_expect_eq(sx_db_exec(reader, "INSERT INTO t VALUES (3)", NULL, 0,
	    NULL), SX_DB_ERR_BUSY);
	cr_expect(strstr(sx_db_last_error(reader)->message, "SX_WRITE_ROUTE") !=
	    NULL, "%s", sx_db_last_error(reader)->message);
	cr_expect_eq(sx_db_commit(reader), SX_DB_ERR_BUSY);
	cr_expect_not(sx_db_in_transaction(reader));
	cr_assert_eq(sx_db_commit(writer), SX_DB_OK);
	cr_expect_eq(count(writer), 2, "the writer's row, not the reader's");
	/* the doom ended with its transaction */
	cr_assert_eq(sx_db_begin(reader), SX_DB_OK);
	run(reader, "INSERT INTO t VALUES (4)");
	cr_assert_eq(sx_db_commit(reader), SX_DB_OK, "%s",
	    sx_db_last_error(reader)->message);
	cr_expect_eq(count(writer), 3);
}

Test(sqlite_readers, a_write_after_another_connection_wrote_is_busy_snapshot)
{
	cr_assert_eq(sx_db_begin(reader), SX_DB_OK);
	cr_expect_eq(count(reader), 1);
	run(writer, "INSERT INTO t VALUES (2)");	/* committed */
	cr_expect_eq(sx_db_exec(reader, "INSERT INTO t VALUES (3)", NULL, 0,
	    NULL), SX_DB_ERR_BUSY);
	cr_expect_eq(sx_db_last_error(reader)->native, 517 /* BUSY_SNAPSHOT */);
	cr_expect_eq(sx_db_commit(reader), SX_DB_ERR_BUSY);
	cr_expect_eq(count(writer), 2);
}

/* A write that failed busy in a savepoint, then one that got through once
 * the writer let go: the transaction still may not commit, or the second
 * would be kept without the first. */
Test(sqlite_readers, the_doom_outlives_a_savepoint_rollback)
{
	cr_assert_eq(sx_db_begin(reader), SX_DB_OK);
	cr_expect_eq(count(reader), 1);
	hold_write_lock();
	cr_assert_eq(sx_db_begin(reader), SX_DB_OK);	/* savepoint */
	cr_expect_eq(sx_db_exec(reader, "INSERT INTO t VALUES (3)", NULL, 0,
	    NULL), SX_DB_ERR_BUSY);
	cr_assert_eq(sx_db_rollback(reader), SX_DB_OK);
	cr_assert_eq(sx_db_rollback(writer), SX_DB_OK);	/* nothing written */
	run(reader, "INSERT INTO t VALUES (5)");
	cr_expect_eq(sx_db_commit(reader), SX_DB_ERR_BUSY);
	cr_expect_not(sx_db_in_transaction(reader));
	cr_expect_eq(count(writer), 1, "neither write kept");
}

static void *
release_later(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	cr_assert_eq(sx_db_commit(writer), SX_DB_OK);
	return NULL;
}

/* A first statement that writes waits on the busy timeout, as with
 * BEGIN IMMEDIATE. */
Test(sqlite_readers, a_write_first_waits_for_the_lock)
{
	sx_db_conn *patient = open_conn(10000);
	pthread_t t;

	sx_db_set_begin_read(patient, true);
	hold_write_lock();
	cr_assert_eq(pthread_create(&t, NULL, release_later, NULL), 0);
	cr_assert_eq(sx_db_begin(patient), SX_DB_OK);
	run(patient, "INSERT INTO t VALUES (6)");
	cr_assert_eq(sx_db_commit(patient), SX_DB_OK, "%s",
	    sx_db_last_error(patient)->message);
	pthread_join(t, NULL);
	cr_expect_eq(count(writer), 3);
	sx_db_close(patient);
}

Test(sqlite_readers, a_pool_hands_connections_back_with_it_off)
{
	sx_db_pool_options po = { .max_size = 1, .conn = { .busy_timeout_ms =
	    50 } };
	sx_db_pool *pool = NULL;
	sx_db_conn *c;
	char err[256] = "";

	cr_assert_eq(sx_db_pool_new(url, &po, &pool, err, sizeof(err)),
	    SX_DB_OK, "%s", err);
	cr_assert_eq(sx_db_pool_acquire(pool, &c), SX_DB_OK);
	sx_db_set_begin_read(c, true);
	sx_db_pool_release(pool, c);
	hold_write_lock();
	cr_assert_eq(sx_db_pool_acquire(pool, &c), SX_DB_OK);
	cr_expect_eq(sx_db_begin(c), SX_DB_ERR_BUSY, "BEGIN IMMEDIATE again");
	sx_db_pool_release(pool, c);
	cr_assert_eq(sx_db_rollback(writer), SX_DB_OK);
	sx_db_pool_free(pool);
}
