/*
 * pool.c: bounded, thread-safe connection pools.
 *
 * Connections open lazily, up to max_size. Idle ones are kept on a stack so
 * the most recently used (warmest statement cache) goes out first. A thread
 * finding none free waits on a condition variable until one is released or
 * the acquire timeout passes (SX_DB_ERR_POOL_EXHAUSTED).
 *
 * Health: at acquire, a connection past its maximum lifetime is replaced;
 * one the driver sees as dead without a round trip (PostgreSQL: the server
 * closed the socket, as after a restart) is replaced; one idle longer than
 * idle_check_ms is pinged first. At release, an open transaction is rolled
 * back, and a broken connection (a statement saw SX_DB_ERR_LOST) is closed,
 * so every connection handed out is clean and, as far as we can know, alive.
 */
#include "db_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sx_db_pool {
	char *url;
	const sx_db_driver *drv;
	sx_db_pool_options opt;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	sx_db_conn **idle;	/* stack of max_size slots */
	int nidle;
	int nopen;		/* idle + handed out + being opened */
	uint64_t waits, timeouts;	/* under lock */
	uint64_t cache_hits, cache_misses; /* relaxed atomics, at release */
};

/*
 * Checks the URL (without connecting: the database may start after the app)
 * and creates an empty pool. The caller frees it with sx_db_pool_free.
 */
sx_db_err
sx_db_pool_new(const char *url, const sx_db_pool_options *opt, sx_db_pool **out,
    char *errbuf, size_t errlen)
{
	pthread_condattr_t ca;
	sx_db_pool *p;
	sx_db_err err;

	*out = NULL;
	if ((err = sx_db_url_check(url, errbuf, errlen)) != SX_DB_OK)
		return err;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->url = strdup(url)) == NULL)
		goto nomem;
	if (opt != NULL)
		p->opt = *opt;
	if (p->opt.max_size <= 0)
		p->opt.max_size = 10;
	if (p->opt.acquire_timeout_ms <= 0)
		p->opt.acquire_timeout_ms = 5000;
	if (p->opt.idle_check_ms <= 0)
		p->opt.idle_check_ms = 30000;
	if (p->opt.max_lifetime_s <= 0)
		p->opt.max_lifetime_s = 3600;
	p->idle = calloc((size_t)p->opt.max_size, sizeof(*p->idle));
	if (p->idle == NULL)
		goto nomem;
	pthread_mutex_init(&p->lock, NULL);
	/* Timed waits on the monotonic clock: a wall-clock jump must not
	 * shorten or stretch the acquire timeout. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->freed, &ca);
	pthread_condattr_destroy(&ca);
	p->drv = strncmp(url, "sqlite:", 7) == 0 ? &sx_db_sqlite_driver :
	    &sx_db_postgres_driver;
	*out = p;
	return SX_DB_OK;
nomem:
	if (p != NULL) {
		free(p->url);
		free(p);
	}
	sx_db_errbuf(errbuf, errlen, "out of memory creating a database pool");
	return SX_DB_ERR_NOMEM;
}

sx_db_dialect
sx_db_pool_dialect(const sx_db_pool *p)
{
	return p->drv->dialect;
}

/* Gives back a slot of the pool after its connection was closed or failed
 * to open, and wakes one waiter, who may now open a new one. */
static void
slot_free(sx_db_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->nopen--;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

static bool
too_old(const sx_db_pool *p, const sx_db_conn *c, double now)
{
	return now - c->opened_ms > p->opt.max_lifetime_s * 1000.0;
}

/* True when an idle connection taken from the stack is fit to hand out. */
static bool
idle_usable(const sx_db_pool *p, sx_db_conn *c)
{
	double now = sx_now_ms();

	if (c->broken || too_old(p, c, now) || !c->drv->seems_alive(c))
		return false;
	if (now - c->released_ms > p->opt.idle_check_ms)
		return sx_db_ping(c) == SX_DB_OK;
	return true;
}

static void
deadline_after_ms(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Hands out a connection: an idle one that passed its checks, or a new one
 * while fewer than max_size are open; otherwise waits for a release. Returns
 * SX_DB_OK and *out, SX_DB_ERR_POOL_EXHAUSTED after acquire_timeout_ms, or
 * the open error (SX_DB_ERR_CONNECT...) when a new connection fails.
 */
sx_db_err
sx_db_pool_acquire(sx_db_pool *p, sx_db_conn **out)
{
	struct timespec deadline;
	sx_db_conn *c;
	sx_db_err err;
	int rc = 0;

	*out = NULL;
	deadline_after_ms(&deadline, p->opt.acquire_timeout_ms);
	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (p->nidle == 0 && p->nopen >= p->opt.max_size && rc == 0)
			p->waits++;
		while (p->nidle == 0 && p->nopen >= p->opt.max_size &&
		    rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&p->freed, &p->lock,
			    &deadline);
		if (p->nidle > 0) {
			c = p->idle[--p->nidle];
			pthread_mutex_unlock(&p->lock);
			if (idle_usable(p, c)) {
				*out = c;
				return SX_DB_OK;
			}
			sx_db_close(c);		/* dead or old: replace it */
			slot_free(p);
			continue;
		}
		if (p->nopen < p->opt.max_size) {
			p->nopen++;
			pthread_mutex_unlock(&p->lock);
			err = sx_db_open(p->url, &p->opt.conn, &c, NULL, 0);
			if (err != SX_DB_OK) {
				slot_free(p);
				return err;
			}
			*out = c;
			return SX_DB_OK;
		}
		p->timeouts++;
		pthread_mutex_unlock(&p->lock);
		return SX_DB_ERR_POOL_EXHAUSTED;
	}
}

/*
 * Takes a connection back: rolls back what is left open, closes it if it is
 * broken or past its lifetime, else keeps it idle for the next acquire.
 */
void
sx_db_pool_release(sx_db_pool *p, sx_db_conn *c)
{
	if (c == NULL)
		return;
	/* the cache's counts since this connection's last release */
	__atomic_fetch_add(&p->cache_hits, c->cache.hits - c->hits_reported,
	    __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->cache_misses, c->cache.misses -
	    c->misses_reported, __ATOMIC_RELAXED);
	c->hits_reported = c->cache.hits;
	c->misses_reported = c->cache.misses;
	c->autobegin = false;
	c->begin_read = false;
	sx_db_set_request_scope(c, false);
	if (!c->broken && sx_db_in_transaction(c) &&
	    (sx_db_rollback_all(c) != SX_DB_OK || c->drv->native_in_tx(c)))
		c->broken = true;
	c->tx_depth = 0;
	sx_db_clear_error(c);
	if (c->broken || too_old(p, c, sx_now_ms())) {
		sx_db_close(c);
		slot_free(p);
		return;
	}
	c->released_ms = sx_now_ms();
	pthread_mutex_lock(&p->lock);
	p->idle[p->nidle++] = c;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

void
sx_db_pool_stats_get(sx_db_pool *p, sx_db_pool_stats *st)
{
	pthread_mutex_lock(&p->lock);
	st->max_size = p->opt.max_size;
	st->open = p->nopen;
	st->idle = p->nidle;
	st->waits = p->waits;
	st->timeouts = p->timeouts;
	pthread_mutex_unlock(&p->lock);
	st->cache_hits = __atomic_load_n(&p->cache_hits, __ATOMIC_RELAXED);
	st->cache_misses = __atomic_load_n(&p->cache_misses, __ATOMIC_RELAXED);
}

/* Closes the idle connections and frees the pool. Every acquired connection
 * must have been released first. */
void
sx_db_pool_free(sx_db_pool *p)
{
	if (p == NULL)
		return;
	while (p->nidle > 0)
		sx_db_close(p->idle[--p->nidle]);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
	free(p->idle);
	free(p->url);
	free(p);
}
