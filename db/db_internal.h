/*
 * db_internal.h: what the files of db/ share and nothing outside db/ sees.
 *
 * conn.c holds the driver-neutral layer (open by URL, errors, transactions,
 * shortcuts); sqlite.c and postgres.c implement the driver vtable below;
 * result.c materialises rows; stmtcache.c is the per-connection LRU of
 * prepared statements; pool.c hands connections between threads.
 */
#ifndef SX_DB_INTERNAL_H
#define SX_DB_INTERNAL_H

#include "sx_db.h"

#include <stdarg.h>

/* ---- statement cache (stmtcache.c) ---- */

typedef struct sx_db_stmt_entry sx_db_stmt_entry;

/*
 * A bounded LRU of driver statements keyed by SQL text. The cache owns a
 * copy of each key; it hands evicted statements to the evict callback, which
 * finalizes (SQLite) or deallocates (PostgreSQL) them.
 */
typedef struct sx_db_stmtcache {
	size_t capacity;	/* 0: caching off */
	size_t size;
	size_t nbuckets;	/* power of two */
	sx_db_stmt_entry **buckets;
	sx_db_stmt_entry *mru, *lru;
	void (*evict)(void *ctx, void *stmt);
	void *ctx;
	uint64_t hits, misses, evictions;
} sx_db_stmtcache;

int sx_db_stmtcache_init(sx_db_stmtcache *sc, int capacity,
    void (*evict)(void *ctx, void *stmt), void *ctx);
/* A hash of the SQL text, computed once per call and passed to get/put. */
uint64_t sx_db_sql_hash(const char *sql, size_t len);
/* The cached statement for sql (now most recently used), or NULL (a miss). */
void *sx_db_stmtcache_get(sx_db_stmtcache *sc, const char *sql, size_t len,
    uint64_t hash);
/* Adds stmt under sql, evicting the least recently used entry when full.
 * Returns 0, or -1 when memory ran out (stmt is then not cached). */
int sx_db_stmtcache_put(sx_db_stmtcache *sc, const char *sql, size_t len,
    uint64_t hash, void *stmt);
/* Drops the entry for sql (through the eviction callback), if there is one. */
void sx_db_stmtcache_remove(sx_db_stmtcache *sc, const char *sql, size_t len,
    uint64_t hash);
/* Evicts every entry (through the callback) and frees the table. */
void sx_db_stmtcache_destroy(sx_db_stmtcache *sc);

/* ---- results (result.c) ---- */

/* A block listed with its connection while the connection is in request
 * scope (sx_db_set_request_scope): a result, or scalar text. */
typedef struct sx_db_owned {
	struct sx_db_owned *next, **prev;	/* prev NULL: not listed */
	bool is_result;
} sx_db_owned;

/* Lists o with c when c is in request scope. */
void sx_db_own(sx_db_conn *c, sx_db_owned *o);
/* Takes o off its connection's list, if it is on one. */
static inline void
sx_db_disown(sx_db_owned *o)
{
	if (o->prev == NULL)
		return;
	*o->prev = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
	o->next = NULL;
	o->prev = NULL;
}

typedef struct sx_db_cell {
	sx_db_type type;
	uint32_t len;		/* text/blob length */
	union {
		int64_t i;
		double d;
		bool b;
		size_t off;	/* text/blob: offset into the result's data */
	} v;
} sx_db_cell;

typedef struct sx_db_colinfo {
	size_t name_off;	/* offset of the NUL-terminated name in data */
	sx_db_type decl;	/* SQLite: the kind the column's declared type
				   names (SX_DB_BOOL, SX_DB_TIMESTAMP,
				   SX_DB_JSON), else SX_DB_NULL */
} sx_db_colinfo;

struct sx_db_result {
	sx_db_owned own;	/* first: see sx_db_set_request_scope */
	size_t nrows, ncols, cap_rows;
	long cur;		/* -1 before the first row */
	int64_t affected;
	sx_db_cell *cells;	/* nrows * ncols; first row inline */
	char *data;		/* column names, text and blob bytes; starts
				   inline */
	size_t data_len, data_cap;
	bool cells_heap, data_heap;
	char **text_cache;	/* lazily formatted text of non-text cells */
	sx_db_colinfo cols[];
};

sx_db_result *sx_db_result_new(size_t ncols);
/* Each returns 0, or -1 when memory ran out. */
int sx_db_result_set_col(sx_db_result *r, size_t col, const char *name,
    sx_db_type decl);
/* Appends a row and returns its cells (all SX_DB_NULL), or NULL. */
sx_db_cell *sx_db_result_add_row(sx_db_result *r);
/* Stores a text/blob/numeric/timestamp value (copied, NUL-terminated). */
int sx_db_result_put_bytes(sx_db_result *r, sx_db_cell *cell, sx_db_type type,
    const void *p, size_t len);
/* Pointer to the bytes of a text/blob cell. */
const char *sx_db_cell_bytes(const sx_db_result *r, const sx_db_cell *cell);
/* The current row's cell of col, or NULL when col or the row is out of
 * range. */
const sx_db_cell *sx_db_result_cell(const sx_db_result *r, size_t col);
/* The integer in cell (of r): an integer, a double with no fraction, or
 * text/numeric that is one whole number. False (and *out = 0) for NULL,
 * bool and anything else. */
bool sx_db_cell_int(const sx_db_result *r, const sx_db_cell *cell,
    int64_t *out);

/* ---- arrays (array.c) ---- */

/* True for an array or JSON parameter (SX_PINTS, ..., SX_PJSON). */
bool sx_db_is_array_param(const sx_db_value *v);
/* Writes array or JSON parameter v to b in dialect d's form: a PostgreSQL
 * array literal with its array type's OID in *oid (0: let the server
 * infer), or JSON text. Returns 0, -1 when memory ran out, -2 for a value
 * that cannot be bound (a NULL pointer, a cJSON array mixing kinds). */
int sx_db_array_param(const sx_db_value *v, sx_db_dialect d, sx_buf *b,
    unsigned *oid);
/* Appends PostgreSQL array text v[0..len) (text output) to out as a JSON
 * array; kind is 'n' for numbers, 'b' for booleans, 't' for text. Returns
 * 0 or -1. */
int sx_db_pg_array_json(const char *v, size_t len, char kind, sx_buf *out);

/* ---- drivers ---- */

typedef struct sx_db_driver {
	sx_db_dialect dialect;
	/* Opens target (URL without its scheme for SQLite, whole URL for
	 * PG). */
	sx_db_err (*open)(sx_db_conn *c, const char *url, char *errbuf,
	    size_t errlen);
	void (*close)(sx_db_conn *c);
	/* One statement; out may be NULL (rows are then discarded). */
	sx_db_err (*exec)(sx_db_conn *c, const char *sql,
	    const sx_db_value *params, size_t n, sx_db_result **out);
	/* Several statements, no parameters, no result. */
	sx_db_err (*exec_script)(sx_db_conn *c, const char *sql);
	/* Batch: results has n slots, already NULL. */
	sx_db_err (*batch)(sx_db_conn *c, const sx_db_stmt *stmts, size_t n,
	    sx_db_result **results);
	/* True when the server-side session is inside a transaction block. */
	bool (*native_in_tx)(const sx_db_conn *c);
	/* True when the open transaction was aborted by an error (PostgreSQL):
	 * COMMIT would silently roll it back. */
	bool (*tx_failed)(const sx_db_conn *c);
	/* Cheap check without a round trip: false when the connection is
	 * dead. */
	bool (*seems_alive)(sx_db_conn *c);
	/* Frees a statement the cache evicts (finalize / DEALLOCATE). */
	void (*stmt_free)(sx_db_conn *c, void *stmt);
	const char *begin_sql;	/* outermost BEGIN */
	/* outermost BEGIN of a read-first transaction (sx_db_set_begin_read),
	 * or NULL: begin_sql */
	const char *begin_read_sql;
} sx_db_driver;

extern const sx_db_driver sx_db_sqlite_driver;
extern const sx_db_driver sx_db_postgres_driver;

struct sx_db_conn {
	const sx_db_driver *drv;
	sx_db_options opt;
	sx_db_error_info err;
	sx_buf errmsg;
	int tx_depth;		/* 0: none, 1: transaction, >1: savepoints */
	bool broken;		/* lost: the pool closes it on release */
	bool closing;		/* in sx_db_close: evicted statements need no
				   DEALLOCATE */
	bool autobegin;		/* a session: a statement outside a transaction
				   begins one first (sx_db_set_autobegin) */
	bool begin_read;	/* sx_db_set_begin_read: begin_read_sql */
	unsigned max_rows;	/* sx_db_one (1), sx_db_exactly_one (2): a
				   read-only statement may stop after this
				   many rows (the driver may ignore it);
				   0: all */
	sx_db_stmtcache cache;
	double opened_ms;	/* sx_now_ms() at open, for max lifetime */
	double released_ms;	/* last hand-back to a pool, for idle checks */
	uint64_t hits_reported, misses_reported; /* cache counts the pool has */
	bool scoped;		/* sx_db_set_request_scope: results and
				   scalar text are listed in owned */
	sx_db_owned *owned;
	sx_db_observer observer;	/* sx_db_set_observer, or NULL */
	void *observer_ctx;
	void *drvdata;
};

/* Records a failure on c (code, SQLSTATE or native code, message) and
 * returns code, so drivers can write `return sx_db_fail(...)`. */
sx_db_err sx_db_fail(sx_db_conn *c, sx_db_err code, const char *sqlstate,
    int native, const char *fmt, ...) SX_PRINTF(5, 6);
/* Clears the last error (called at the start of every public call). */
void sx_db_clear_error(sx_db_conn *c);
/* Formats a message into a caller's errbuf (may be NULL or zero-sized),
 * every password in it masked. */
void sx_db_errbuf(char *errbuf, size_t errlen, const char *fmt, ...)
    SX_PRINTF(3, 4);
/* True when sql after the first statement holds only spaces, ';' and
 * comments. */
bool sx_db_only_trailing_space(const char *tail);

/*
 * Parameter counts, checked before a statement is sent so that a wrong
 * count is the same error with the same message on both drivers and never
 * a failure on the server (which would abort a PostgreSQL transaction).
 * SQLite reads the count from its prepared statement; PostgreSQL parses
 * the SQL (sx_db_check_count: the highest $N outside strings, quoted names
 * and comments) when it prepares a statement, and a cached statement
 * keeps the count it was prepared with.
 */
sx_db_err sx_db_check_count(sx_db_conn *c, const char *sql, size_t n);
/* Records the wrong-count error (want placeholders, n given). */
sx_db_err sx_db_count_mismatch(sx_db_conn *c, size_t want, size_t n);

/* Pool internals used by conn.c's ping. */
sx_db_err sx_db_ping(sx_db_conn *c);

#endif
