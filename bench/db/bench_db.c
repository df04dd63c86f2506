/*
 * bench_db.c: what the database layer's statement cache and pipelining buy,
 * and what the layer costs over raw SQLite, all measured in the same run.
 *
 *   (a) SQLite primary-key lookup, cached vs uncached statements (our API)
 *   (b) our cached SQLite lookup vs raw sqlite3 with one reused statement
 *   (c) the same as (a) on PostgreSQL (SX_TEST_PG_URL)
 *   (d) PostgreSQL: one 20-statement batch vs 20 sequential prepared queries
 *
 * `bench_db ops [N]` instead times N one-row lookups and N one-row updates,
 * each inside a transaction, on SQLite and (with SX_TEST_PG_URL) on
 * PostgreSQL, for before/after figures of the layer itself. Under
 * valgrind --tool=callgrind --toggle-collect=op_lookup (or op_write) it
 * counts the instructions one operation costs in the client, a figure a
 * loaded machine does not blur.
 *
 * The two sides of each comparison run in alternating rounds and each keeps
 * its best round, so a load spike on a shared machine hits both alike.
 */
#include "sx_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define ROWS 10000
#define BATCH 20
#define LOOKUP_SQL "SELECT id, name, n FROM bench WHERE id = $1"
#define RAW_SQL "SELECT id, name, n FROM bench WHERE id = ?1"

/* Keeps the compiler from dropping the reads we time. */
static volatile size_t sink;

static void
die(const char *what, sx_db_conn *c)
{
	fprintf(stderr, "bench_db: %s: %s\n", what, c != NULL ? sx_db_last_error(c)->message : "");
	exit(1);
}

static sx_db_conn *
open_or_die(const char *url, int cache)
{
	sx_db_options o = {.stmt_cache_size = cache};
	sx_db_conn *c = NULL;
	char err[512];

	if (sx_db_open(url, &o, &c, err, sizeof(err)) != SX_DB_OK) {
		fprintf(stderr, "bench_db: %s\n", err);
		exit(1);
	}
	return c;
}

typedef void (*bench_fn)(void *arg, int i);

/* Nanoseconds per call of fn(arg, i) over n calls. */
static double
round_ns(bench_fn fn, void *arg, int n)
{
	double t0 = sx_now_ms();
	int i;

	for (i = 0; i < n; i++)
		fn(arg, i);
	return (sx_now_ms() - t0) * 1e6 / n;
}

/* Runs a and b in five alternating rounds; *ta, *tb get each one's best
 * nanoseconds per call (na, nb calls a round). */
static void
duel(bench_fn a, void *arg_a, int na, bench_fn b, void *arg_b, int nb, double *ta, double *tb)
{
	double t;
	int round;

	*ta = *tb = 1e300;
	for (round = 0; round < 5; round++) {
		if ((t = round_ns(a, arg_a, na)) < *ta)
			*ta = t;
		if ((t = round_ns(b, arg_b, nb)) < *tb)
			*tb = t;
	}
}

/* One lookup through our API. */
static void
api_lookup(void *arg, int i)
{
	sx_db_conn *c = arg;
	sx_db_result *r;

	if (sx_db_one(c, LOOKUP_SQL, SX_PARAMS(SX_PINT(1 + i % ROWS)), &r) != SX_DB_OK)
		die("lookup", c);
	sink += strlen(sx_db_get_text(r, 1)) + (size_t)sx_db_get_int(r, 2);
	sx_db_result_free(r);
}

/* The same lookup on raw sqlite3, one statement reused. */
static void
raw_lookup(void *arg, int i)
{
	sqlite3_stmt *st = arg;

	sqlite3_bind_int64(st, 1, 1 + i % ROWS);
	if (sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "bench_db: raw lookup failed\n");
		exit(1);
	}
	sink += (size_t)sqlite3_column_int64(st, 0) + strlen((const char *)sqlite3_column_text(st, 1)) +
	    (size_t)sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
}

/* Fills the bench table (id, name, n) with ROWS rows in one transaction. */
static void
fill(sx_db_conn *c, const char *create)
{
	char name[32];
	int i;

	if (sx_db_exec_script(c, create) != SX_DB_OK || sx_db_begin(c) != SX_DB_OK)
		die("create table", c);
	for (i = 1; i <= ROWS; i++) {
		snprintf(name, sizeof(name), "user-%d", i);
		if (sx_db_exec(c, "INSERT INTO bench (id, name, n) VALUES ($1, $2, $3)",
		    SX_PARAMS(SX_PINT(i), SX_PTEXT(name), SX_PINT(i * 7)), NULL) != SX_DB_OK)
			die("insert", c);
	}
	if (sx_db_commit(c) != SX_DB_OK)
		die("commit", c);
}

static void
bench_sqlite(void)
{
	char dir[] = "/tmp/sx-bench-XXXXXX", url[160], path[128];
	sx_db_conn *cached, *uncached;
	sqlite3 *raw;
	sqlite3_stmt *st;
	double t_cached, t_uncached, t_raw, t_cached2;

	if (mkdtemp(dir) == NULL) {
		perror("bench_db: mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	cached = open_or_die(url, 0);
	uncached = open_or_die(url, -1);
	fill(cached, "CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)");
	if (sqlite3_open(path, &raw) != SQLITE_OK ||
	    sqlite3_prepare_v3(raw, RAW_SQL, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_db: raw sqlite3 open failed\n");
		exit(1);
	}
	duel(api_lookup, uncached, 10000, api_lookup, cached, 40000, &t_uncached, &t_cached);
	duel(raw_lookup, st, 100000, api_lookup, cached, 100000, &t_raw, &t_cached2);
	printf("(a) SQLite PK lookup, our API: uncached %.0f ns, cached %.0f ns: cached is %.2fx faster\n",
	    t_uncached, t_cached, t_uncached / t_cached);
	printf("(b) SQLite PK lookup: raw sqlite3 reused stmt %.0f ns, ours cached %.0f ns: "
	    "ours/raw = %.2fx (target <= 1.2x)\n", t_raw, t_cached2, t_cached2 / t_raw);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	sx_db_close(cached);
	sx_db_close(uncached);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bench.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bench.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* BATCH lookups in one pipelined batch. */
static void
pg_batch_lookups(void *arg, int i)
{
	sx_db_conn *c = arg;
	sx_db_value params[BATCH];
	sx_db_stmt stmts[BATCH];
	sx_db_result *res[BATCH];
	int k;

	for (k = 0; k < BATCH; k++) {
		params[k] = SX_PINT(1 + (i * BATCH + k) % ROWS);
		stmts[k] = (sx_db_stmt){LOOKUP_SQL, &params[k], 1};
	}
	if (sx_db_batch(c, stmts, BATCH, res) != SX_DB_OK)
		die("batch", c);
	for (k = 0; k < BATCH; k++) {
		sink += (size_t)sx_db_get_int(res[k], 2);
		sx_db_result_free(res[k]);
	}
}

/* The same BATCH lookups one after the other (prepared, cached). */
static void
pg_sequential_lookups(void *arg, int i)
{
	int k;

	for (k = 0; k < BATCH; k++)
		api_lookup(arg, i * BATCH + k);
}

static void
bench_postgres(const char *url)
{
	sx_db_conn *cached = open_or_die(url, 0), *uncached = open_or_die(url, -1);
	double t_cached, t_uncached, t_batch, t_seq;

	fill(cached, "DROP TABLE IF EXISTS bench; "
	    "CREATE TABLE bench (id int PRIMARY KEY, name text, n int8)");
	duel(api_lookup, uncached, 1000, api_lookup, cached, 1000, &t_uncached, &t_cached);
	printf("(c) PostgreSQL PK lookup, our API: uncached %.0f ns, cached %.0f ns: "
	    "cached is %.2fx faster\n", t_uncached, t_cached, t_uncached / t_cached);
	duel(pg_sequential_lookups, cached, 60, pg_batch_lookups, cached, 60, &t_seq, &t_batch);
	printf("(d) PostgreSQL %d lookups: sequential prepared %.0f us, one pipelined batch %.0f us: "
	    "batch is %.2fx faster\n", BATCH, t_seq / 1000, t_batch / 1000, t_seq / t_batch);
	sx_db_exec_script(cached, "DROP TABLE bench");
	sx_db_close(cached);
	sx_db_close(uncached);
}

/* One primary-key lookup inside the open transaction. */
__attribute__((noinline)) static void
op_lookup(sx_db_conn *c, int i)
{
	sx_db_result *r;

	if (sx_db_one(c, LOOKUP_SQL, SX_PARAMS(SX_PINT(1 + i % ROWS)), &r) != SX_DB_OK)
		die("lookup", c);
	sink += strlen(sx_db_get_text(r, 1)) + (size_t)sx_db_get_int(r, 2);
	sx_db_result_free(r);
}

/* One one-row UPDATE inside the open transaction. */
__attribute__((noinline)) static void
op_write(sx_db_conn *c, int i)
{
	if (sx_db_exec(c, "UPDATE bench SET n = n + 1 WHERE id = $1",
	    SX_PARAMS(SX_PINT(1 + i % ROWS)), NULL) != SX_DB_OK)
		die("update", c);
}

/* n lookups and n updates on url inside one transaction each batch of
 * 100, after a warm-up; prints microseconds per operation. */
static void
ops(const char *name, const char *url, const char *create, int n)
{
	sx_db_conn *c = open_or_die(url, 0);
	double t0, t_lookup = 0, t_write = 0;
	int i;

	fill(c, create);
	for (i = 0; i < 200; i++) {	/* warm: statements prepared */
		if (i % 100 == 0 && sx_db_begin(c) != SX_DB_OK)
			die("begin", c);
		op_lookup(c, i);
		op_write(c, i);
		if (i % 100 == 99 && sx_db_commit(c) != SX_DB_OK)
			die("commit", c);
	}
	for (i = 0; i < n; i++) {
		if (i % 100 == 0 && sx_db_begin(c) != SX_DB_OK)
			die("begin", c);
		t0 = sx_now_ms();
		op_lookup(c, i);
		t_lookup += sx_now_ms() - t0;
		t0 = sx_now_ms();
		op_write(c, i);
		t_write += sx_now_ms() - t0;
		if ((i % 100 == 99 || i == n - 1) && sx_db_commit(c) != SX_DB_OK)
			die("commit", c);
	}
	printf("%s: one-row lookup %.2f us, one-row update %.2f us (inside a "
	    "transaction, mean of %d)\n", name, t_lookup * 1000 / n,
	    t_write * 1000 / n, n);
	sx_db_exec_script(c, "DROP TABLE bench");
	sx_db_close(c);
}

int
main(int argc, char **argv)
{
	const char *pg = getenv("SX_TEST_PG_URL");

	if (argc > 1 && strcmp(argv[1], "ops") == 0) {
		int n = argc > 2 ? atoi(argv[2]) : 2000;
		char dir[] = "/tmp/sx-bench-XXXXXX", url[160];

		if (mkdtemp(dir) == NULL)
			return 1;
		snprintf(url, sizeof(url), "sqlite:%s/ops.db", dir);
		ops("sqlite", url, "CREATE TABLE bench (id INTEGER PRIMARY KEY, "
		    "name TEXT, n INTEGER)", n);
		if (pg != NULL && *pg != '\0')
			ops("postgres", pg, "DROP TABLE IF EXISTS bench; CREATE TABLE "
			    "bench (id int PRIMARY KEY, name text, n int8)", n);
		snprintf(url, sizeof(url), "rm -rf %s", dir);
		return system(url) == 0 ? 0 : 1;
	}
	bench_sqlite();
	if (pg != NULL && *pg != '\0')
		bench_postgres(pg);
	else
		puts("(c), (d) skipped: SX_TEST_PG_URL is not set "
		    "(scripts/pg-test-server start DIR prints one)");
	return 0;
}
