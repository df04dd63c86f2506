/*
 * bench: the test types of the TechEmpower Framework Benchmarks, to their
 * published rules, on one database (SQLite by default, PostgreSQL with
 * --database):
 *
 *	/json			{"message":"Hello, World!"}
 *	/plaintext		Hello, World!
 *	/db			one random World row
 *	/queries?queries=N	N random rows (N clamped to 1..500; bad → 1),
 *				read in one batch (one round trip on PostgreSQL)
 *	/fortunes		the Fortune table plus one fortune added at
 *				request time, sorted, through a Mustache template
 *	/updates?queries=N	N random rows read, given new random numbers and
 *				written back in one batch, in one transaction
 *	/cached-queries?count=N	N rows from an in-memory copy of World
 *	/db-session		/db through the transaction wrapper (db_session),
 *				not a test type: it measures the wrapper's cost
 *
 * Every response carries Server and Date. Reads use the raw connection
 * (db_connection): the rules ask for no transaction, and statements are
 * prepared once per connection by the statement cache.
 *
 *	./bench serve --migrate --workers 2 --threads 4
 *	./bench serve --migrate --database db_session=postgresql:///hello_world
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/ and templates/ relative to the cwd */
#endif

#define WORLD_ROWS 10000
#define QUERIES_MAX 500
#define WORLD_SELECT "SELECT id, randomNumber FROM World WHERE id = $1"
#define WORLD_UPDATE "UPDATE World SET randomNumber = $1 WHERE id = $2"
#define EXTRA_FORTUNE "Additional fortune added at request time."

typedef struct world {
	int64_t id;
	int64_t number;
} world;

/*
 * Adds the Server and Date headers every test type asks for. The date is
 * formatted at most once a second per thread.
 */
static int
stamp(sx_res *res)
{
	static _Thread_local time_t last;
	static _Thread_local char date[40];
	time_t now = time(NULL);
	struct tm tm;

	if (now != last) {
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	if (sx_res_header(res, "Server", "Sextant") < 0)
		return -1;
	return sx_res_header(res, "Date", date);
}

/* A World id, 1..10000, from a per-thread xorshift generator seeded once. */
static int64_t
random_id(void)
{
	static _Thread_local uint64_t s;

	if (s == 0) {
		sx_random_bytes(&s, sizeof(s));
		s |= 1;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (int64_t)(s % WORLD_ROWS) + 1;
}

/*
 * The count of ?name=N as the rules define it: missing, not an integer or
 * below 1 counts as 1, above 500 as 500.
 */
static int
query_count(const sx_req *req, const char *name)
{
	const char *v = sx_req_query(req, name);
	char *end;
	long n;

	if (v == NULL)
		return 1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || n < 1)
		return 1;
	return n > QUERIES_MAX ? QUERIES_MAX : (int)n;
}

/* A database failure as the client sees it: busy is worth a retry (503),
 * anything else is ours (500). The driver's message goes to the log. */
static int
db_failed(sx_req *req, sx_res *res, sx_db_conn *db, sx_db_err err)
{
	sx_req_log(req, "query failed: %s: %s", sx_db_strerror(err),
	    sx_db_last_error(db)->message);
	if (err == SX_DB_ERR_BUSY || err == SX_DB_ERR_SERIALIZATION) {
		sx_error(res, 503, "the database is busy, retry shortly");
		return sx_res_header(res, "Retry-After", "1");
	}
	return sx_error(res, 500, "database error");
}

/* {"id":..,"randomNumber":..} */
static cJSON *
world_json(const world *w)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)w->id);
	cJSON_AddNumberToObject(o, "randomNumber", (double)w->number);
	return o;
}

/* A JSON array of n rows. */
static cJSON *
worlds_json(const world *rows, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, world_json(&rows[i]));
	return a;
}

/* Answers 200 with json plus the Server and Date headers. */
static int
json_response(sx_res *res, cJSON *json)
{
	if (stamp(res) < 0) {
		cJSON_Delete(json);
		return -1;
	}
	return sx_json(res, 200, json);
}

static int
hello_json(sx_req *req, sx_res *res)
{
	cJSON *o = cJSON_CreateObject();

	(void)req;
	cJSON_AddStringToObject(o, "message", "Hello, World!");
	return json_response(res, o);
}

static int
plaintext(sx_req *req, sx_res *res)
{
	(void)req;
	if (stamp(res) < 0)
		return -1;
	return sx_text(res, 200, "Hello, World!");
}

/* Reads one random World row through the dependency key. */
static int
world_one(sx_req *req, sx_res *res, const char *key)
{
	sx_db_conn *db = sx_db(req, key);
	sx_db_result *r;
	sx_db_err err;
	world w;

	if (db == NULL)
		return -1;
	err = sx_db_one(db, WORLD_SELECT, SX_PARAMS(SX_PINT(random_id())), &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	w.id = sx_db_get_int(r, 0);
	w.number = sx_db_get_int(r, 1);
	sx_db_result_free(r);
	return json_response(res, world_json(&w));
}

static int
single_query(sx_req *req, sx_res *res)
{
	return world_one(req, res, "db_connection");
}

static int
single_query_session(sx_req *req, sx_res *res)
{
	return world_one(req, res, "db_session");
}

/*
 * Runs n statements of sql in one batch (one round trip on PostgreSQL),
 * statement i with the nparams values params[i * nparams ...]. results
 * (n slots) receive the results, or NULL when the caller wants none.
 */
static sx_db_err
run_batch(sx_req *req, sx_db_conn *db, const char *sql, const sx_db_value *params,
    size_t nparams, int n, sx_db_result **results)
{
	sx_db_stmt *st = sx_req_alloc(req, (size_t)n * sizeof(*st));

	if (st == NULL)
		return SX_DB_ERR_NOMEM;
	for (int i = 0; i < n; i++)
		st[i] = (sx_db_stmt){ sql, &params[(size_t)i * nparams], nparams };
	return sx_db_batch(db, st, (size_t)n, results);
}

/* Fills rows[0..n) with n random World rows read in one batch. */
static sx_db_err
read_worlds(sx_req *req, sx_db_conn *db, world *rows, int n)
{
	sx_db_value *ids = sx_req_alloc(req, (size_t)n * sizeof(*ids));
	sx_db_result **rs = sx_req_alloc(req, (size_t)n * sizeof(*rs));
	sx_db_err err;

	if (ids == NULL || rs == NULL)
		return SX_DB_ERR_NOMEM;
	for (int i = 0; i < n; i++)
		ids[i] = SX_PINT(random_id());
	if ((err = run_batch(req, db, WORLD_SELECT, ids, 1, n, rs)) != SX_DB_OK)
		return err;
	for (int i = 0; i < n; i++) {
		if (!sx_db_next(rs[i]))
			err = SX_DB_NO_ROW;
		else
			rows[i] = (world){ sx_db_get_int(rs[i], 0), sx_db_get_int(rs[i], 1) };
		sx_db_result_free(rs[i]);
	}
	return err;
}

static int
multiple_queries(sx_req *req, sx_res *res)
{
	int n = query_count(req, "queries");
	world *rows = sx_req_alloc(req, (size_t)n * sizeof(*rows));
	sx_db_conn *db;
	sx_db_err err;

	if (rows == NULL || (db = sx_db(req, "db_connection")) == NULL)
		return -1;
	if ((err = read_worlds(req, db, rows, n)) != SX_DB_OK)
		return db_failed(req, res, db, err);
	return json_response(res, worlds_json(rows, n));
}

static int
by_id(const void *a, const void *b)
{
	const world *x = *(const world *const *)a, *y = *(const world *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Gives rows[0..n) new random numbers and writes them in one batch, in
 * id order so that concurrent requests lock rows in the same order and
 * never deadlock. A row drawn twice gets one number, written once, so
 * the response says what the table holds.
 */
static sx_db_err
write_worlds(sx_req *req, sx_db_conn *db, world *rows, int n)
{
	world **order = sx_req_alloc(req, (size_t)n * sizeof(*order));
	sx_db_value *params = sx_req_alloc(req, (size_t)n * 2 * sizeof(*params));
	int m = 0;

	if (order == NULL || params == NULL)
		return SX_DB_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		rows[i].number = random_id();
		order[i] = &rows[i];
	}
	qsort(order, (size_t)n, sizeof(*order), by_id);
	for (int i = 0; i < n; i++) {
		if (i > 0 && order[i]->id == order[i - 1]->id) {
			order[i]->number = order[i - 1]->number;
			continue;
		}
		params[2 * m] = SX_PINT(order[i]->number);
		params[2 * m + 1] = SX_PINT(order[i]->id);
		m++;
	}
	return run_batch(req, db, WORLD_UPDATE, params, 2, m, NULL);
}

/* The session's transaction commits when the answer is 2xx. */
static int
updates(sx_req *req, sx_res *res)
{
	int n = query_count(req, "queries");
	world *rows = sx_req_alloc(req, (size_t)n * sizeof(*rows));
	sx_db_conn *db;
	sx_db_err err;

	if (rows == NULL || (db = sx_db(req, "db_session")) == NULL)
		return -1;
	if ((err = read_worlds(req, db, rows, n)) != SX_DB_OK ||
	    (err = write_worlds(req, db, rows, n)) != SX_DB_OK)
		return db_failed(req, res, db, err);
	return json_response(res, worlds_json(rows, n));
}

typedef struct fortune {
	int64_t id;
	const char *message;
} fortune;

static int
by_message(const void *a, const void *b)
{
	return strcmp(((const fortune *)a)->message, ((const fortune *)b)->message);
}

/*
 * {"fortunes":[{"id":..,"message":..}, ...]} over f[0..n). The strings are
 * referenced, not copied: they must outlive the JSON.
 */
static cJSON *
fortunes_json(const fortune *f, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "fortunes");

	for (size_t i = 0; i < n; i++) {
		cJSON *row = cJSON_CreateObject();

		cJSON_AddNumberToObject(row, "id", (double)f[i].id);
		cJSON_AddItemToObject(row, "message",
		    cJSON_CreateStringReference(f[i].message));
		cJSON_AddItemToArray(a, row);
	}
	return o;
}

static int
fortunes(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_connection");
	sx_db_result *r;
	sx_db_err err;
	fortune *f;
	size_t n = 0;
	cJSON *data;
	int rc;

	if (db == NULL)
		return -1;
	if ((err = sx_db_exec(db, "SELECT id, message FROM Fortune", NULL, 0,
	    &r)) != SX_DB_OK)
		return db_failed(req, res, db, err);
	if ((f = sx_req_alloc(req, (sx_db_rows(r) + 1) * sizeof(*f))) == NULL) {
		sx_db_result_free(r);
		return -1;
	}
	while (sx_db_next(r))
		f[n++] = (fortune){ sx_db_get_int(r, 0), sx_db_get_text(r, 1) };
	f[n++] = (fortune){ 0, EXTRA_FORTUNE };
	qsort(f, n, sizeof(*f), by_message);
	data = fortunes_json(f, n);
	if (stamp(res) < 0) {
		cJSON_Delete(data);
		rc = -1;
	} else {
		rc = sx_render(res, 200, "fortunes", data);	/* frees data */
	}
	sx_db_result_free(r);
	return rc;
}

/* An in-memory copy of World's randomNumber by id, read once per process. */
static struct {
	pthread_mutex_t lock;
	atomic_bool loaded;
	int64_t number[WORLD_ROWS + 1];
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Loads the cache on first use; SX_DB_OK once it is loaded. */
static sx_db_err
cache_load(sx_db_conn *db)
{
	sx_db_result *r;
	sx_db_err err = SX_DB_OK;

	pthread_mutex_lock(&cache.lock);
	if (!atomic_load(&cache.loaded) && (err = sx_db_exec(db,
	    "SELECT id, randomNumber FROM World", NULL, 0, &r)) == SX_DB_OK) {
		while (sx_db_next(r)) {
			int64_t id = sx_db_get_int(r, 0);

			if (id >= 1 && id <= WORLD_ROWS)
				cache.number[id] = sx_db_get_int(r, 1);
		}
		sx_db_result_free(r);
		atomic_store(&cache.loaded, true);
	}
	pthread_mutex_unlock(&cache.lock);
	return err;
}

static int
cached_queries(sx_req *req, sx_res *res)
{
	int n = query_count(req, "count");
	world *rows = sx_req_alloc(req, (size_t)n * sizeof(*rows));
	sx_db_conn *db;
	sx_db_err err;

	if (rows == NULL)
		return -1;
	if (!atomic_load(&cache.loaded)) {
		if ((db = sx_db(req, "db_connection")) == NULL)
			return -1;
		if ((err = cache_load(db)) != SX_DB_OK)
			return db_failed(req, res, db, err);
	}
	for (int i = 0; i < n; i++) {
		rows[i].id = random_id();
		rows[i].number = cache.number[rows[i].id];
	}
	return json_response(res, worlds_json(rows, n));
}

static const sx_route routes[] = {
	{ SX_GET, "/", sx_handler_index, NULL, "index", NULL },
	{ SX_GET, "/json", hello_json, NULL, "json", NULL },
	{ SX_GET, "/plaintext", plaintext, NULL, "plaintext", NULL },
	{ SX_GET, "/db", single_query, SX_DEPS("db_connection"), "db", NULL },
	{ SX_GET, "/queries", multiple_queries, SX_DEPS("db_connection"), "queries", NULL },
	{ SX_GET, "/fortunes", fortunes, SX_DEPS("db_connection"), "fortunes", NULL },
	{ SX_GET, "/updates", updates, SX_DEPS("db_session", SX_WRITE_ROUTE),
	    "updates", NULL },
	{ SX_GET, "/cached-queries", cached_queries, SX_DEPS("db_connection"),
	    "cached_queries", NULL },
	{ SX_GET, "/db-session", single_query_session, SX_DEPS("db_session"),
	    "db_session", NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite:bench.db",
	.commit_mode = SX_COMMIT_AUTO,
	.migrations_dir = SX_EXAMPLE_DIR "migrations",
}};

static const sx_app bench_app = {
	.name = "bench",
	.description = "The TechEmpower Framework Benchmarks test types.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
	.templates_dir = SX_EXAMPLE_DIR "templates",
	.max_body = 4096,
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &bench_app);
}
#endif
