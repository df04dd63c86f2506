/*
 * metrics.c: counters for the Prometheus text format (sx_handler_metrics).
 *
 * Where the counters live. A FastCGI app runs as a supervisor and N worker
 * processes, each with several handler threads, and a scrape reaches one
 * worker, which must report the sum over all of them. Before it forks the
 * first worker, the supervisor maps one anonymous shared region
 * (MAP_SHARED | MAP_ANONYMOUS): a header, then one slot per worker slot,
 * each slot holding that worker's counters: requests by route and status,
 * a latency histogram per route, in-flight requests, and per database the
 * transaction outcomes and the pool and statement-cache figures. Every
 * process forked afterwards sees the same pages. A worker writes only its
 * own slot, with relaxed atomic adds (no lock, no system call: threads of
 * one worker share a slot, and a worker replaced on reload overlaps briefly
 * with its successor in the same slot); the worker answering a scrape reads
 * every slot and adds them up. Counters never go back: a worker restarted
 * into a slot continues its predecessor's counts, as Prometheus counters
 * must. Relaxed reads may miss a request finishing during the scrape; the
 * next scrape has it.
 *
 * Pool figures (open, in use, waits, timeouts, cache hits and misses) are
 * the pool's own, copied into the slot after each request that used the
 * database (one uncontended pool lock, on database requests only) and
 * before a scrape. In the test client, the `request` command and CGI there
 * is one process, and the runtime maps a region with one slot.
 */
#include "metrics.h"
#include "dbset.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Upper bounds of the latency buckets, in milliseconds; then +Inf. */
static const double bucket_ms[] = {
	1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};
#define N_BUCKETS (sizeof(bucket_ms) / sizeof(bucket_ms[0]) + 1)
#define STATUS_MIN 100
#define N_STATUS 500		/* 100..599 */

typedef struct route_counters {
	uint64_t status[N_STATUS];
	uint64_t bucket[N_BUCKETS];	/* not cumulative; summed at scrape */
	uint64_t sum_us, count;
} route_counters;

typedef struct db_counters {
	uint64_t commits, rollbacks, commit_failures;
	/* copied from the pool (sx_db_pool_stats) */
	uint64_t size, open, in_use, waits, timeouts, cache_hits, cache_misses;
} db_counters;

typedef struct slot {
	int64_t in_flight;
	uint64_t requests;
	/* then route_counters[n_routes + 1] (the last: no route matched),
	 * then db_counters[n_dbs] */
} slot;

struct sx_metrics {
	size_t size, n_slots, n_routes, n_dbs, slot_size;
	uint64_t worker_restarts;
};

#define ADD(p, n) __atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define SUB(p, n) __atomic_fetch_sub((p), (n), __ATOMIC_RELAXED)
#define SET(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define GET(p) __atomic_load_n((p), __ATOMIC_RELAXED)

static slot *
slot_at(const sx_metrics *m, size_t i)
{
	return (slot *)((char *)m + sizeof(*m) + i * m->slot_size);
}

static route_counters *
route_at(const sx_metrics *m, slot *s, size_t r)
{
	(void)m;
	return (route_counters *)((char *)s + sizeof(*s)) + r;
}

static db_counters *
db_at(const sx_metrics *m, slot *s, size_t d)
{
	return (db_counters *)(route_at(m, s, m->n_routes + 1)) + d;
}

bool
sx_metrics_wanted(const sx_app *flat, const sx_config *cfg)
{
	if (cfg->metrics_off)
		return false;
	for (size_t i = 0; i < flat->n_routes; i++)
		if (flat->routes[i].handler == sx_handler_metrics)
			return true;
	return false;
}

sx_metrics *
sx_metrics_new(const sx_app *flat, int n_slots)
{
	size_t slot_size = sizeof(slot) + (flat->n_routes + 1) *
	    sizeof(route_counters) + flat->n_databases * sizeof(db_counters);
	size_t size = sizeof(sx_metrics) + (size_t)n_slots * slot_size;
	sx_metrics *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	m->size = size;
	m->n_slots = (size_t)n_slots;
	m->n_routes = flat->n_routes;
	m->n_dbs = flat->n_databases;
	m->slot_size = slot_size;
	return m;
}

void
sx_metrics_free(sx_metrics *m)
{
	if (m != NULL)
		munmap(m, m->size);
}

void
sx_metrics_worker_restarted(sx_metrics *m)
{
	if (m != NULL)
		ADD(&m->worker_restarts, 1);
}

static slot *
my_slot(const sx_req *req)
{
	const sx_runtime *rt = req->rt;

	return rt->metrics != NULL ? slot_at(rt->metrics, rt->metrics_slot) : NULL;
}

void
sx_metrics_request_start(sx_req *req)
{
	slot *s = my_slot(req);

	if (s != NULL)
		ADD(&s->in_flight, 1);
}

/* Copies database i's pool figures into the slot. */
static void
publish_pool(sx_metrics *m, slot *s, const struct sx_dbset *dbs, size_t i)
{
	db_counters *d = db_at(m, s, i);
	sx_db_pool_stats st;

	if (dbs->pools[i] == NULL)
		return;
	sx_db_pool_stats_get(dbs->pools[i], &st);
	SET(&d->size, (uint64_t)st.max_size);
	SET(&d->open, (uint64_t)st.open);
	SET(&d->in_use, (uint64_t)(st.open - st.idle));
	SET(&d->waits, st.waits);
	SET(&d->timeouts, st.timeouts);
	SET(&d->cache_hits, st.cache_hits);
	SET(&d->cache_misses, st.cache_misses);
}

void
sx_metrics_attach(sx_runtime *rt, sx_metrics *m, size_t slot)
{
	if (rt->metrics_owned)
		sx_metrics_free(rt->metrics);
	rt->metrics = m;
	rt->metrics_slot = slot;
	rt->metrics_owned = false;
	for (size_t i = 0; rt->dbs != NULL && i < m->n_dbs; i++)
		publish_pool(m, slot_at(m, slot), rt->dbs, i);
}

void
sx_metrics_request_end(sx_req *req)
{
	sx_metrics *m = req->rt->metrics;
	slot *s = my_slot(req);
	route_counters *rc;
	double ms = sx_now_ms() - req->started_ms;
	int status = sx_res_get_status(req->res);
	size_t b = 0;

	if (s == NULL)
		return;
	rc = route_at(m, s, req->route != NULL ?
	    (size_t)(req->route - req->rt->app->routes) : m->n_routes);
	if (status >= STATUS_MIN && status < STATUS_MIN + N_STATUS)
		ADD(&rc->status[status - STATUS_MIN], 1);
	while (b < N_BUCKETS - 1 && ms > bucket_ms[b])
		b++;
	ADD(&rc->bucket[b], 1);
	ADD(&rc->sum_us, (uint64_t)(ms * 1000));
	ADD(&rc->count, 1);
	ADD(&s->requests, 1);
	for (size_t i = 0; req->deps != NULL && i < m->n_dbs; i++)
		if (req->deps->slots[i].conn != NULL ||
		    req->deps->slots[i].session)
			publish_pool(m, s, req->rt->dbs, i);
	SUB(&s->in_flight, 1);
}

void
sx_metrics_tx(sx_req *req, size_t db, bool commit, bool ok)
{
	slot *s = my_slot(req);
	db_counters *d;

	if (s == NULL || db >= req->rt->metrics->n_dbs)
		return;
	d = db_at(req->rt->metrics, s, db);
	ADD(!ok && commit ? &d->commit_failures : commit ? &d->commits :
	    &d->rollbacks, 1);
}

/* ---- the scrape ----------------------------------------------------------- */

/* A label value with \, " and newline escaped. */
static void
put_label(sx_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			sx_buf_putc(b, '\\');
		if (*s == '\n')
			sx_buf_puts(b, "\\n");
		else
			sx_buf_putc(b, *s);
	}
}

static void
put_route_labels(sx_buf *b, const sx_route *r)
{
	sx_buf_puts(b, "route=\"");
	put_label(b, r == NULL ? "(none)" : r->name ? r->name : r->pattern);
	sx_buf_printf(b, "\",method=\"%s\"", r == NULL ? "" : sx_methods[r->method]);
}

static void
head(sx_buf *b, const char *name, const char *type, const char *help)
{
	sx_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Route r's counters summed over every slot into out. */
static void
sum_route(const sx_metrics *m, size_t r, route_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->n_slots; i++) {
		route_counters *rc = route_at(m, slot_at(m, i), r);

		for (size_t k = 0; k < N_STATUS; k++)
			out->status[k] += GET(&rc->status[k]);
		for (size_t k = 0; k < N_BUCKETS; k++)
			out->bucket[k] += GET(&rc->bucket[k]);
		out->sum_us += GET(&rc->sum_us);
		out->count += GET(&rc->count);
	}
}

static void
write_requests(const sx_runtime *rt, sx_buf *b, route_counters *sums)
{
	const sx_metrics *m = rt->metrics;

	head(b, "sextant_requests_total", "counter",
	    "Requests answered, by route and status.");
	for (size_t r = 0; r <= m->n_routes; r++)
		for (size_t k = 0; k < N_STATUS; k++) {
			if (sums[r].status[k] == 0)
				continue;
			sx_buf_puts(b, "sextant_requests_total{");
			put_route_labels(b, r < m->n_routes ? &rt->app->routes[r] : NULL);
			sx_buf_printf(b, ",status=\"%zu\"} %llu\n", k + STATUS_MIN,
			    (unsigned long long)sums[r].status[k]);
		}
}

static void
write_latency(const sx_runtime *rt, sx_buf *b, route_counters *sums)
{
	const sx_metrics *m = rt->metrics;

	head(b, "sextant_request_duration_seconds", "histogram",
	    "Time from the request's arrival to its response sent, by route.");
	for (size_t r = 0; r <= m->n_routes; r++) {
		const sx_route *route = r < m->n_routes ? &rt->app->routes[r] : NULL;
		uint64_t cum = 0;

		if (sums[r].count == 0)
			continue;
		for (size_t k = 0; k < N_BUCKETS; k++) {
			cum += sums[r].bucket[k];
			sx_buf_puts(b, "sextant_request_duration_seconds_bucket{");
			put_route_labels(b, route);
			if (k < N_BUCKETS - 1)
				sx_buf_printf(b, ",le=\"%g\"} %llu\n",
				    bucket_ms[k] / 1000, (unsigned long long)cum);
			else
				sx_buf_printf(b, ",le=\"+Inf\"} %llu\n",
				    (unsigned long long)cum);
		}
		sx_buf_puts(b, "sextant_request_duration_seconds_sum{");
		put_route_labels(b, route);
		sx_buf_printf(b, "} %.6f\n", (double)sums[r].sum_us / 1e6);
		sx_buf_puts(b, "sextant_request_duration_seconds_count{");
		put_route_labels(b, route);
		sx_buf_printf(b, "} %llu\n", (unsigned long long)sums[r].count);
	}
}

/* The per-database figures, one family each, summed over the slots. */
static void
write_databases(const sx_runtime *rt, sx_buf *b)
{
	static const struct { const char *name, *type, *help; size_t off; } f[] = {
#define F(n, t, h, field) { "sextant_db_" n, t, h, offsetof(db_counters, field) }
		F("pool_size", "gauge", "Connections a pool may open, summed over workers.", size),
		F("pool_open", "gauge", "Connections open.", open),
		F("pool_in_use", "gauge", "Connections handed out to requests.", in_use),
		F("pool_waits_total", "counter", "Acquires that had to wait for a free connection.", waits),
		F("pool_timeouts_total", "counter", "Acquires that gave up (pool exhausted).", timeouts),
		F("stmt_cache_hits_total", "counter", "Prepared statements found in the cache.", cache_hits),
		F("stmt_cache_misses_total", "counter", "Statements prepared anew.", cache_misses),
		F("commits_total", "counter", "Transactions the wrapper committed.", commits),
		F("rollbacks_total", "counter", "Transactions the wrapper rolled back.", rollbacks),
		F("commit_failures_total", "counter", "Commits that failed (response replaced).", commit_failures),
#undef F
	};
	const sx_metrics *m = rt->metrics;

	for (size_t k = 0; k < SX_NELEM(f) && m->n_dbs > 0; k++) {
		head(b, f[k].name, f[k].type, f[k].help);
		for (size_t d = 0; d < m->n_dbs; d++) {
			uint64_t sum = 0;

			for (size_t i = 0; i < m->n_slots; i++)
				sum += GET((uint64_t *)((char *)db_at(m,
				    slot_at(m, i), d) + f[k].off));
			sx_buf_printf(b, "%s{database=\"", f[k].name);
			put_label(b, rt->dbs->conf[d].keys[SX_DBKEY_SESSION]);
			sx_buf_printf(b, "\"} %llu\n", (unsigned long long)sum);
		}
	}
}

int
sx_metrics_write(sx_req *req, sx_buf *b)
{
	const sx_runtime *rt = req->rt;
	const sx_metrics *m = rt->metrics;
	route_counters *sums;
	int64_t in_flight = 0;

	if (m == NULL)
		return -1;
	for (size_t d = 0; rt->dbs != NULL && d < m->n_dbs; d++)
		publish_pool(rt->metrics, my_slot(req), rt->dbs, d);
	if ((sums = sx_req_alloc(req, (m->n_routes + 1) * sizeof(*sums))) == NULL)
		return -1;
	for (size_t r = 0; r <= m->n_routes; r++)
		sum_route(m, r, &sums[r]);
	write_requests(rt, b, sums);
	write_latency(rt, b, sums);
	head(b, "sextant_requests_in_flight", "gauge",
	    "Requests being handled now, this scrape included.");
	for (size_t i = 0; i < m->n_slots; i++)
		in_flight += GET(&slot_at(m, i)->in_flight);
	sx_buf_printf(b, "sextant_requests_in_flight %lld\n", (long long)in_flight);
	head(b, "sextant_worker_requests_total", "counter",
	    "Requests answered by each worker slot.");
	for (size_t i = 0; i < m->n_slots; i++)
		sx_buf_printf(b, "sextant_worker_requests_total{worker=\"%zu\"} "
		    "%llu\n", i, (unsigned long long)GET(&slot_at(m, i)->requests));
	head(b, "sextant_worker_restarts_total", "counter",
	    "Workers the supervisor restarted after they died.");
	sx_buf_printf(b, "sextant_worker_restarts_total %llu\n",
	    (unsigned long long)GET(&((sx_metrics *)m)->worker_restarts));
	write_databases(rt, b);
	return 0;
}
