/*
 * test_handlers.c: the database layer seen from handlers, through the test
 * client on SQLite and PostgreSQL: results a handler forgets to free and
 * scalar text are released with the request; an embedding workflow on
 * PostgreSQL (vectors posted as JSON arrays, stored as float8[], the
 * nearest found in SQL).
 */
#include "../apps/apptest.h"

#include <malloc.h>
#include <math.h>

/* GET /forget: three results and a scalar string, none freed but one;
 * the rows go out as JSON (sx_json takes the cJSON). */
static int
forget(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db");
	sx_db_result *a, *b, *c;
	char *name;

	if (db == NULL || sx_db_exec(db, "SELECT id, name FROM item ORDER BY id",
	    NULL, 0, &a) != SX_DB_OK ||
	    sx_db_one(db, "SELECT name FROM item WHERE id = $1", SX_PARAMS(1),
	    &b) != SX_DB_OK ||
	    sx_db_exec(db, "SELECT count(*) AS n FROM item", NULL, 0, &c) !=
	    SX_DB_OK ||
	    sx_db_scalar_text(db, "SELECT name FROM item WHERE id = $1",
	    SX_PARAMS(2), &name) != SX_DB_OK)
		return -1;
	sx_db_result_free(c);	/* early: allowed */
	(void)name;		/* request memory: not freed */
	return sx_json(res, 200, sx_db_result_json(a));
}

/* POST /vectors {"id": N, "v": [..384 numbers..]}: stores one vector. */
static int
put_vector(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db");
	const cJSON *body = sx_req_json(req);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "id");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "v");

	if (!cJSON_IsNumber(id) || !cJSON_IsArray(v) ||
	    cJSON_GetArraySize(v) != 384)
		return sx_error(res, 400, "want {\"id\": N, \"v\": [384 numbers]}");
	if (sx_db_exec(db, "INSERT INTO vec (id, v) VALUES ($1, $2)",
	    SX_PARAMS((int64_t)id->valuedouble, v), NULL) != SX_DB_OK)
		return sx_error(res, 400, sx_db_last_error(db)->message);
	return sx_text(res, 201, "stored");
}

/* POST /nearest {"v": [...]}: the 5 stored vectors nearest to v
 * (Euclidean), with their squared distances, computed in SQL. */
static int
nearest(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sx_req_json(req), "v");
	sx_db_result *r;

	if (!cJSON_IsArray(v))
		return sx_error(res, 400, "want {\"v\": [numbers]}");
	if (sx_db_exec(db, "SELECT id, (SELECT sum((a - b) * (a - b)) FROM "
	    "unnest(vec.v, $1) AS d(a, b)) AS dist FROM vec ORDER BY dist, id "
	    "LIMIT 5", SX_PARAMS(v), &r) != SX_DB_OK)
		return sx_error(res, 500, sx_db_last_error(db)->message);
	return sx_json(res, 200, sx_db_result_json(r));
}

/* GET /slow: a statement that runs for two seconds. */
static int
slow(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db");

	if (db == NULL || sx_db_exec(db, "SELECT pg_sleep(2)", NULL, 0, NULL) !=
	    SX_DB_OK)
		return -1;
	return sx_text(res, 200, "slept");
}

static const sx_route routes[] = {
	{ SX_GET, "/forget", forget, SX_DEPS("db"), NULL, NULL },
	{ SX_GET, "/slow", slow, SX_DEPS("db"), NULL, NULL },
	{ SX_POST, "/vectors", put_vector, SX_DEPS("db"), NULL, NULL },
	{ SX_POST, "/nearest", nearest, SX_DEPS("db"), NULL, NULL },
};
static const sx_database databases[] = {
	{ .session_key = "db", .commit_mode = SX_COMMIT_AUTO, .pool_size = 2 },
};
static const sx_app app = { .name = "dbhandlers", SX_ROUTE_TABLE(routes),
    SX_DATABASE_TABLE(databases) };

static char *url;

/* A client over a fresh database of driver d holding the item table,
 * with config (a config file's "databases" entry for "db") if not NULL. */
static sx_test_client *
client_with(apptest_driver d, const char *config)
{
	sx_db_conn *c;
	char *opt = NULL, *cfg = NULL, err[256];

	url = apptest_url(d, "h");
	cr_assert_eq(sx_db_open(url, NULL, &c, err, sizeof(err)), SX_DB_OK, "%s",
	    err);
	cr_assert_eq(sx_db_exec_script(c, "CREATE TABLE item (id BIGINT PRIMARY "
	    "KEY, name TEXT NOT NULL); INSERT INTO item VALUES (1, 'ann'), "
	    "(2, 'bob')"), SX_DB_OK, "%s", sx_db_last_error(c)->message);
	if (d == APPTEST_PG)
		cr_assert_eq(sx_db_exec_script(c, "CREATE TABLE vec (id BIGINT "
		    "PRIMARY KEY, v FLOAT8[] NOT NULL)"), SX_DB_OK, "%s",
		    sx_db_last_error(c)->message);
	sx_db_close(c);
	cr_assert(asprintf(&opt, "db=%s", url) > 0);
	if (config != NULL) {
		char *text = NULL;

		cr_assert(asprintf(&text, "{\"databases\": {\"db\": %s}}",
		    config) > 0);
		cfg = apptest_file("config.json", text);
		free(text);
	}
	sx_test_client *tc = apptest_client(&app, cfg != NULL ?
	    (const char *const[]){ "--database", opt, "--config", cfg, NULL } :
	    (const char *const[]){ "--database", opt, NULL });
	free(opt);
	free(cfg);
	return tc;
}

static sx_test_client *
client(apptest_driver d)
{
	return client_with(d, NULL);
}

static void
done(sx_test_client *tc)
{
	sx_test_client_free(tc);
	free(url);
}

/* Heap in use, or 0 where malloc does not say (under a sanitizer, whose
 * leak check at exit then does the counting). */
static size_t
heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* 300 requests that leave their results unfreed grow the heap by less
 * than they would have leaked (each leaves ~4 allocations behind). */
static void
forgotten_results_are_freed(apptest_driver d)
{
	sx_test_client *tc = client(d);
	size_t before, after;
	sx_test_response *r;
	int i;

	for (i = 0; i < 20; i++)	/* warm: caches, pools, buffers */
		sx_test_response_free(apptest_request(tc, "GET", "/forget", NULL));
	before = heap_in_use();
	for (i = 0; i < 300; i++) {
		r = apptest_request(tc, "GET", "/forget", NULL);
		cr_assert_eq(r->status, 200, "%s", r->body);
		sx_test_response_free(r);
	}
	after = heap_in_use();
	r = apptest_request(tc, "GET", "/forget", NULL);
	cr_expect_str_eq(r->body, "[{\"id\":1,\"name\":\"ann\"},"
	    "{\"id\":2,\"name\":\"bob\"}]");
	sx_test_response_free(r);
	cr_expect_lt(after, before + 300 * 256, "heap grew by %zu bytes over 300 "
	    "requests", after - before);
	done(tc);
}

Test(db_handlers, forgotten_results_are_freed_sqlite)
{
	forgotten_results_are_freed(APPTEST_SQLITE);
}

Test(db_handlers, forgotten_results_are_freed_pg)
{
	forgotten_results_are_freed(APPTEST_PG);
}

#define DIM 384
#define NVEC 1000

/* A reproducible pseudo-random number in [-1, 1). */
static double
rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*state >> 11) / (double)(1ULL << 52) - 1.0;
}

/* Appends a vector as a JSON array of DIM numbers to b. */
static void
vector_json(sx_buf *b, const double *v)
{
	sx_buf_putc(b, '[');
	for (int k = 0; k < DIM; k++)
		sx_buf_printf(b, "%s%.17g", k ? "," : "", v[k]);
	sx_buf_putc(b, ']');
}

/* 1,000 float8[384] vectors posted as JSON, then the 5 nearest to a posted
 * query vector: the same ids, in the same order, as a search in C. */
Test(db_handlers, nearest_vectors_pg)
{
	static double vecs[NVEC][DIM];
	double q[DIM], dist[NVEC];
	int order[5] = {-1, -1, -1, -1, -1};
	uint64_t state = 42;
	sx_test_client *tc = client(APPTEST_PG);
	sx_buf b = SX_BUF_INIT;
	sx_test_response *r;
	const cJSON *row;
	int i, k, n;

	for (i = 0; i < NVEC; i++) {
		for (k = 0; k < DIM; k++)
			vecs[i][k] = rnd(&state);
		sx_buf_reset(&b);
		sx_buf_printf(&b, "{\"id\": %d, \"v\": ", i);
		vector_json(&b, vecs[i]);
		sx_buf_putc(&b, '}');
		sx_buf_putc(&b, '\0');
		r = apptest_request(tc, "POST", "/vectors", b.data);
		cr_assert_eq(r->status, 201, "vector %d: %d %s", i, r->status, r->body);
		sx_test_response_free(r);
	}
	for (k = 0; k < DIM; k++)
		q[k] = rnd(&state);
	for (i = 0; i < NVEC; i++) {
		dist[i] = 0;
		for (k = 0; k < DIM; k++)
			dist[i] += (vecs[i][k] - q[k]) * (vecs[i][k] - q[k]);
	}
	for (n = 0; n < 5; n++)
		for (i = 0; i < NVEC; i++) {
			bool taken = false;

			for (k = 0; k < n; k++)
				taken = taken || order[k] == i;
			if (!taken && (order[n] < 0 || dist[i] < dist[order[n]]))
				order[n] = i;
		}
	sx_buf_reset(&b);
	sx_buf_puts(&b, "{\"v\": ");
	vector_json(&b, q);
	sx_buf_puts(&b, "}");
	sx_buf_putc(&b, '\0');
	r = apptest_request(tc, "POST", "/nearest", b.data);
	cr_assert_eq(r->status, 200, "%s", r->body);
	cr_assert_eq(cJSON_GetArraySize(r->json), 5, "%s", r->body);
	n = 0;
	cJSON_ArrayForEach(row, r->json) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(row, "dist");

		cr_expect_eq((int)id->valuedouble, order[n], "rank %d: %s", n, r->body);
		cr_expect(fabs(d->valuedouble - dist[order[n]]) < 1e-9, "rank %d", n);
		n++;
	}
	sx_test_response_free(r);
	sx_buf_free(&b);
	done(tc);
}

/* Milliseconds a request takes, and its response. */
static sx_test_response *
timed(sx_test_client *tc, const char *path, double *ms)
{
	double t0 = sx_now_ms();
	sx_test_response *r = apptest_request(tc, "GET", path, NULL);

	*ms = sx_now_ms() - t0;
	return r;
}

/* A request whose query waits on a table another session has locked
 * answers 503 with Retry-After after about lock_timeout_ms. */
Test(db_handlers, locked_table_answers_503_pg)
{
	sx_test_client *tc = client_with(APPTEST_PG, "{\"lock_timeout_ms\": 300}");
	sx_db_conn *rival;
	sx_test_response *r;
	char err[256];
	double ms;

	cr_assert_eq(sx_db_open(url, NULL, &rival, err, sizeof(err)), SX_DB_OK,
	    "%s", err);
	cr_assert_eq(sx_db_begin(rival), SX_DB_OK);
	cr_assert_eq(sx_db_exec(rival, "LOCK TABLE item IN ACCESS EXCLUSIVE MODE",
	    NULL, 0, NULL), SX_DB_OK, "%s", sx_db_last_error(rival)->message);
	r = timed(tc, "/forget", &ms);
	cr_expect_eq(r->status, 503, "%d %s", r->status, r->body);
	cr_expect_str_eq(sx_test_header(r, "Retry-After"), "1");
	cr_expect(ms >= 250 && ms < 3000, "answered after %.0f ms", ms);
	sx_test_response_free(r);
	sx_db_rollback(rival);
	sx_db_close(rival);
	r = timed(tc, "/forget", &ms);
	cr_expect_eq(r->status, 200, "%d %s", r->status, r->body);
	sx_test_response_free(r);
	done(tc);
}

/* A statement running past statement_timeout_ms answers 504. */
Test(db_handlers, statement_timeout_answers_504_pg)
{
	sx_test_client *tc = client_with(APPTEST_PG,
	    "{\"statement_timeout_ms\": 200}");
	sx_test_response *r;
	double ms;

	r = timed(tc, "/slow", &ms);
	cr_expect_eq(r->status, 504, "%d %s", r->status, r->body);
	cr_expect(ms < 1500, "answered after %.0f ms", ms);
	sx_test_response_free(r);
	done(tc);
}
