/*
 * stmtcache.c: each connection's bounded LRU of prepared statements, keyed
 * by SQL text. A chained hash table finds an entry in one hash of the SQL;
 * a doubly linked list orders entries by use, so the least recently used one
 * is evicted in O(1) when a new statement arrives and the cache is full.
 * The cache knows nothing of drivers: it stores opaque statement handles and
 * gives evicted ones to a callback.
 */
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>

struct sx_db_stmt_entry {
	uint64_t hash;
	size_t len;
	void *stmt;
	sx_db_stmt_entry *chain;	/* next in the bucket */
	sx_db_stmt_entry *newer, *older;
	char sql[];
};

int
sx_db_stmtcache_init(sx_db_stmtcache *sc, int capacity,
    void (*evict)(void *ctx, void *stmt), void *ctx)
{
	memset(sc, 0, sizeof(*sc));
	sc->evict = evict;
	sc->ctx = ctx;
	if (capacity <= 0)
		return 0;
	sc->capacity = (size_t)capacity;
	/* Load factor at most 1/2 keeps chains short. */
	sc->nbuckets = 8;
	while (sc->nbuckets < sc->capacity * 2)
		sc->nbuckets *= 2;
	sc->buckets = calloc(sc->nbuckets, sizeof(*sc->buckets));
	return sc->buckets == NULL ? -1 : 0;
}

/*
 * Every cached execution hashes its SQL text, so the hash takes eight bytes
 * a step (a multiply-xorshift mix per word) rather than one: a typical
 * query costs a few dozen instructions instead of several hundred. Keys are
 * compared in full on a hit, so the hash need only spread well.
 */
uint64_t
sx_db_sql_hash(const char *sql, size_t len)
{
	const uint64_t m = 0x9e3779b97f4a7c15ULL;
	uint64_t h = 0xcbf29ce484222325ULL ^ (len * m), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, sql + i, 8);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, sql + i, len - i);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	return h ^ (h >> 32);
}

static void
lru_unlink(sx_db_stmtcache *sc, sx_db_stmt_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		sc->mru = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		sc->lru = e->newer;
	e->newer = e->older = NULL;
}

static void
lru_push_front(sx_db_stmtcache *sc, sx_db_stmt_entry *e)
{
	e->older = sc->mru;
	e->newer = NULL;
	if (sc->mru != NULL)
		sc->mru->newer = e;
	sc->mru = e;
	if (sc->lru == NULL)
		sc->lru = e;
}

void *
sx_db_stmtcache_get(sx_db_stmtcache *sc, const char *sql, size_t len, uint64_t hash)
{
	sx_db_stmt_entry *e;

	if (sc->capacity == 0) {
		sc->misses++;
		return NULL;
	}
	for (e = sc->buckets[hash & (sc->nbuckets - 1)]; e != NULL; e = e->chain) {
		if (e->hash == hash && e->len == len && memcmp(e->sql, sql, len) == 0) {
			if (sc->mru != e) {
				lru_unlink(sc, e);
				lru_push_front(sc, e);
			}
			sc->hits++;
			return e->stmt;
		}
	}
	sc->misses++;
	return NULL;
}

/* Removes e from its bucket and the LRU list, hands its statement to the
 * eviction callback, and frees it. */
static void
entry_drop(sx_db_stmtcache *sc, sx_db_stmt_entry *e)
{
	sx_db_stmt_entry **pp = &sc->buckets[e->hash & (sc->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	lru_unlink(sc, e);
	sc->size--;
	sc->evict(sc->ctx, e->stmt);
	free(e);
}

void
sx_db_stmtcache_remove(sx_db_stmtcache *sc, const char *sql, size_t len,
    uint64_t hash)
{
	sx_db_stmt_entry *e;

	if (sc->capacity == 0)
		return;
	for (e = sc->buckets[hash & (sc->nbuckets - 1)]; e != NULL; e = e->chain)
		if (e->hash == hash && e->len == len && memcmp(e->sql, sql, len) == 0) {
			entry_drop(sc, e);
			return;
		}
}

int
sx_db_stmtcache_put(sx_db_stmtcache *sc, const char *sql, size_t len, uint64_t hash,
    void *stmt)
{
	sx_db_stmt_entry *e, **bucket;

	if (sc->capacity == 0)
		return -1;
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return -1;
	if (sc->size >= sc->capacity) {
		entry_drop(sc, sc->lru);
		sc->evictions++;
	}
	e->hash = hash;
	e->len = len;
	e->stmt = stmt;
	memcpy(e->sql, sql, len);
	e->sql[len] = '\0';
	bucket = &sc->buckets[hash & (sc->nbuckets - 1)];
	e->chain = *bucket;
	*bucket = e;
	lru_push_front(sc, e);
	sc->size++;
	return 0;
}

void
sx_db_stmtcache_destroy(sx_db_stmtcache *sc)
{
	while (sc->lru != NULL)
		entry_drop(sc, sc->lru);
	free(sc->buckets);
	sc->buckets = NULL;
}
