/*
 * sx_db.h: Sextant's database layer, one API over SQLite and PostgreSQL.
 *
 * db/ knows nothing of HTTP. SQL always uses $1..$n placeholders, on both
 * drivers; values are bound, never pasted into SQL text.
 *
 * Ownership: an sx_db_conn belongs to whoever opened or acquired it; an
 * sx_db_result belongs to the caller and is released with sx_db_result_free.
 * Strings read from a result live as long as the result.
 */
#ifndef SX_DB_H
#define SX_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sx_util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outcomes of every fallible db call. sx_db_strerror names each one. */
typedef enum sx_db_err {
	SX_DB_OK = 0,
	SX_DB_NO_ROW,		/* a one-row query found none (not a failure) */
	SX_DB_ERR_URL,		/* the database URL does not parse */
	SX_DB_ERR_CONNECT,	/* could not connect / open */
	SX_DB_ERR_LOST,		/* connection lost mid-use */
	SX_DB_ERR_SQL,		/* syntax or other statement error */
	SX_DB_ERR_UNIQUE,	/* unique / primary-key violation */
	SX_DB_ERR_FOREIGN_KEY,	/* foreign-key violation */
	SX_DB_ERR_CONSTRAINT,	/* other constraint (check, not null,
				   exclusion) */
	SX_DB_ERR_BUSY,		/* database busy or locked (SQLite), lock
				   timeout (PostgreSQL 55P03) */
	SX_DB_ERR_SERIALIZATION,/* serialization failure or deadlock: retry */
	SX_DB_ERR_POOL_EXHAUSTED,/* no connection became free in time */
	SX_DB_ERR_TYPE,		/* a value had another type than asked for */
	SX_DB_ERR_RANGE,	/* column index/name or parameter number out
				   of range */
	SX_DB_ERR_STATE,	/* call not valid now (commit with no
				   transaction...) */
	SX_DB_ERR_NOMEM,
	SX_DB_ERR_TOO_MANY,	/* sx_db_exactly_one: more than one row */
	SX_DB_ERR_TIMEOUT,	/* PostgreSQL statement timeout (57014) */
	SX_DB_ERR__MAX
} sx_db_err;

SX_API const char *sx_db_strerror(sx_db_err err);

typedef enum sx_db_dialect {
	SX_DB_SQLITE,
	SX_DB_POSTGRES,
	SX_DB_DIALECT__MAX
} sx_db_dialect;

/* "sqlite", "postgres" */
SX_API const char *sx_db_dialect_name(sx_db_dialect d);

/* Details of the last failure on a connection (valid until the next call). */
typedef struct sx_db_error_info {
	sx_db_err code;
	char sqlstate[6];	/* PostgreSQL SQLSTATE, "" on SQLite */
	int native;		/* SQLite extended result code, 0 on
				   PostgreSQL */
	const char *message;	/* driver's message, never NULL */
} sx_db_error_info;

typedef enum sx_db_type {
	SX_DB_NULL,
	SX_DB_INT,		/* int64_t */
	SX_DB_DOUBLE,
	SX_DB_TEXT,
	SX_DB_BLOB,
	SX_DB_BOOL,
	SX_DB_NUMERIC,		/* exact decimal carried as text (PostgreSQL
				   numeric) */
	SX_DB_TIMESTAMP,	/* ISO 8601 text */
	SX_DB_JSON,		/* JSON text: PostgreSQL json/jsonb, SQLite's
				   JSON functions and valid JSON in a column
				   declared JSON; embedded by sx_db_row_json.
				   As a parameter (SX_PJSON): a cJSON */
	SX_DB_INTS,		/* parameters only: arrays from C (SX_PINTS, */
	SX_DB_DOUBLES,		/* SX_PDOUBLES, SX_PTEXTS) */
	SX_DB_TEXTS,
	SX_DB_TYPE__MAX
} sx_db_type;

/* One bound parameter. Build with the SX_P* macros. */
typedef struct sx_db_value {
	sx_db_type type;
	union {
		int64_t i;
		double d;
		bool b;
		struct {
			const char *p;
			size_t len;
		} s;			/* text (len may be SIZE_MAX: use
					   strlen) and blob */
		struct {
			const void *p;
			size_t n;
		} a;			/* SX_DB_INTS, _DOUBLES, _TEXTS */
		const cJSON *json;	/* SX_DB_JSON */
	} v;
} sx_db_value;

#define SX_PINT(x)   ((sx_db_value){.type = SX_DB_INT, .v.i = (int64_t)(x)})
#define SX_PDOUBLE(x) ((sx_db_value){.type = SX_DB_DOUBLE, .v.d = (x)})
#define SX_PBOOL(x)  ((sx_db_value){.type = SX_DB_BOOL, .v.b = (x)})
#define SX_PTEXT(x)  ((sx_db_value){.type = SX_DB_TEXT, .v.s = {(x), SIZE_MAX}})
#define SX_PBLOB(p, n) ((sx_db_value){.type = SX_DB_BLOB, .v.s = {(p), (n)}})
#define SX_PNULL     ((sx_db_value){.type = SX_DB_NULL})
/*
 * Arrays, copied from C when the statement runs (the arrays must live
 * until then): on PostgreSQL an int8[], float8[] or text[] (a NULL string
 * is a NULL element); on SQLite JSON text for json_each. SX_PJSON binds a
 * cJSON: an array (nested arrays too) as int8[] (whole numbers), float8[],
 * text[] or bool[] on PostgreSQL, anything else, and everything on SQLite,
 * as JSON text. "id is one of these":
 *   PostgreSQL: WHERE id = ANY($1)
 *   SQLite:     WHERE id IN (SELECT value FROM json_each($1))
 */
#define SX_PINTS(p, n)    sx_db_p_ints((p), (n))
#define SX_PDOUBLES(p, n) sx_db_p_doubles((p), (n))
#define SX_PTEXTS(p, n)   sx_db_p_texts((p), (n))
#define SX_PJSON(j)       sx_db_p_json(j)

static inline sx_db_value
sx_db_p_ints(const int64_t *p, size_t n)
{
	return (sx_db_value){.type = SX_DB_INTS, .v.a = {p, n}};
}
static inline sx_db_value
sx_db_p_doubles(const double *p, size_t n)
{
	return (sx_db_value){.type = SX_DB_DOUBLES, .v.a = {p, n}};
}
static inline sx_db_value
sx_db_p_texts(const char *const *p, size_t n)
{
	return (sx_db_value){.type = SX_DB_TEXTS, .v.a = {p, n}};
}
static inline sx_db_value
sx_db_p_json(const cJSON *j)
{
	return j != NULL ? (sx_db_value){.type = SX_DB_JSON, .v.json = j} :
	    SX_PNULL;
}

/* What SX_PARAM turns each C type into; a NULL string binds SQL NULL. */
static inline sx_db_value sx_db_p_value(sx_db_value v) { return v; }
static inline sx_db_value sx_db_p_int(long long x) { return SX_PINT(x); }
static inline sx_db_value sx_db_p_double(double x) { return SX_PDOUBLE(x); }
static inline sx_db_value sx_db_p_bool(bool x) { return SX_PBOOL(x); }
static inline sx_db_value
sx_db_p_text(const char *x)
{
	return x != NULL ? SX_PTEXT(x) : SX_PNULL;
}

/*
 * One parameter from a C value, its type checked at compile time: int,
 * long, long long (int64_t), double, float, bool and char * / const char *
 * map to their sx_db_value, a cJSON * to SX_PJSON; an sx_db_value (an
 * SX_P* form) passes as is.
 * Any other type (a struct, a pointer to something else, unsigned or
 * narrow integers) is a compile error.
 */
#define SX_PARAM(x) _Generic((x), \
	sx_db_value: sx_db_p_value, \
	int: sx_db_p_int, \
	long: sx_db_p_int, \
	long long: sx_db_p_int, \
	double: sx_db_p_double, \
	float: sx_db_p_double, \
	bool: sx_db_p_bool, \
	char *: sx_db_p_text, \
	const char *: sx_db_p_text, \
	cJSON *: sx_db_p_json, \
	const cJSON *: sx_db_p_json)(x)

/* SX_PARAM over each argument, up to 24 (the preprocessor needs a bound). */
#define SX_DB_MAP_(m, ...) SX_DB_MAP_N_(__VA_ARGS__, SX_DB_M24_, SX_DB_M23_, \
	SX_DB_M22_, SX_DB_M21_, SX_DB_M20_, SX_DB_M19_, SX_DB_M18_, SX_DB_M17_, \
	SX_DB_M16_, SX_DB_M15_, SX_DB_M14_, SX_DB_M13_, SX_DB_M12_, SX_DB_M11_, \
	SX_DB_M10_, SX_DB_M9_, SX_DB_M8_, SX_DB_M7_, SX_DB_M6_, SX_DB_M5_, \
	SX_DB_M4_, SX_DB_M3_, SX_DB_M2_, SX_DB_M1_, _)(m, __VA_ARGS__)
#define SX_DB_MAP_N_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, \
	a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, f, ...) f
#define SX_DB_M1_(m, x) m(x)
#define SX_DB_M2_(m, x, ...) m(x), SX_DB_M1_(m, __VA_ARGS__)
#define SX_DB_M3_(m, x, ...) m(x), SX_DB_M2_(m, __VA_ARGS__)
#define SX_DB_M4_(m, x, ...) m(x), SX_DB_M3_(m, __VA_ARGS__)
#define SX_DB_M5_(m, x, ...) m(x), SX_DB_M4_(m, __VA_ARGS__)
#define SX_DB_M6_(m, x, ...) m(x), SX_DB_M5_(m, __VA_ARGS__)
#define SX_DB_M7_(m, x, ...) m(x), SX_DB_M6_(m, __VA_ARGS__)
#define SX_DB_M8_(m, x, ...) m(x), SX_DB_M7_(m, __VA_ARGS__)
#define SX_DB_M9_(m, x, ...) m(x), SX_DB_M8_(m, __VA_ARGS__)
#define SX_DB_M10_(m, x, ...) m(x), SX_DB_M9_(m, __VA_ARGS__)
#define SX_DB_M11_(m, x, ...) m(x), SX_DB_M10_(m, __VA_ARGS__)
#define SX_DB_M12_(m, x, ...) m(x), SX_DB_M11_(m, __VA_ARGS__)
#define SX_DB_M13_(m, x, ...) m(x), SX_DB_M12_(m, __VA_ARGS__)
#define SX_DB_M14_(m, x, ...) m(x), SX_DB_M13_(m, __VA_ARGS__)
#define SX_DB_M15_(m, x, ...) m(x), SX_DB_M14_(m, __VA_ARGS__)
#define SX_DB_M16_(m, x, ...) m(x), SX_DB_M15_(m, __VA_ARGS__)
#define SX_DB_M17_(m, x, ...) m(x), SX_DB_M16_(m, __VA_ARGS__)
#define SX_DB_M18_(m, x, ...) m(x), SX_DB_M17_(m, __VA_ARGS__)
#define SX_DB_M19_(m, x, ...) m(x), SX_DB_M18_(m, __VA_ARGS__)
#define SX_DB_M20_(m, x, ...) m(x), SX_DB_M19_(m, __VA_ARGS__)
#define SX_DB_M21_(m, x, ...) m(x), SX_DB_M20_(m, __VA_ARGS__)
#define SX_DB_M22_(m, x, ...) m(x), SX_DB_M21_(m, __VA_ARGS__)
#define SX_DB_M23_(m, x, ...) m(x), SX_DB_M22_(m, __VA_ARGS__)
#define SX_DB_M24_(m, x, ...) m(x), SX_DB_M23_(m, __VA_ARGS__)

/* Parameter array and count: SX_PARAMS(id, title) with C values of the
 * types SX_PARAM takes, or SX_P* forms (SX_PBLOB, SX_PNULL...), mixed. */
#define SX_PARAMS(...) \
	(const sx_db_value[]){SX_DB_MAP_(SX_PARAM, __VA_ARGS__)}, \
	(sizeof((const sx_db_value[]){SX_DB_MAP_(SX_PARAM, __VA_ARGS__)}) / \
	sizeof(sx_db_value))

typedef struct sx_db_conn sx_db_conn;
typedef struct sx_db_result sx_db_result;
typedef struct sx_db_pool sx_db_pool;

/* Per-connection options; zero fields take the defaults shown. */
typedef struct sx_db_options {
	int stmt_cache_size;	/* prepared statements kept per connection;
				   0 = 64, -1 = caching off (PgBouncer
				   transaction mode) */
	int busy_timeout_ms;	/* SQLite busy timeout; 0 = 5000 */
	int connect_timeout_s;	/* PostgreSQL connect timeout; 0 = 10 */
	int statement_timeout_ms; /* PostgreSQL statement_timeout; 0 = 30000,
				   -1 = the server's (also when the URL sets
				   statement_timeout) */
	int lock_timeout_ms;	/* PostgreSQL lock_timeout; 0 = 5000, -1 =
				   the server's (also when the URL sets
				   lock_timeout) */
} sx_db_options;

/*
 * Opens a connection by URL: "sqlite:PATH", "sqlite::memory:",
 * "postgresql://..." / "postgres://..." or libpq "key=value" conninfo.
 * SQLite opens in WAL mode with a busy timeout and foreign keys on.
 * Returns SX_DB_OK and *out, or an error with a message in errbuf (if given).
 */
SX_API sx_db_err sx_db_open(const char *url, const sx_db_options *opt,
    sx_db_conn **out, char *errbuf, size_t errlen);
SX_API void sx_db_close(sx_db_conn *c);
/* Checks a URL's form without connecting: scheme, libpq's syntax, and a
 * port that is a number. */
SX_API sx_db_err sx_db_url_check(const char *url, char *errbuf, size_t errlen);
/* Copies text (a URL, conninfo, or a message quoting them) to out with
 * every password masked, one '*' a character ("user:****@",
 * "password=****"). Every message of the db layer is already masked this
 * way. */
SX_API void sx_db_redact(const char *text, char *out, size_t outlen);

SX_API sx_db_dialect sx_db_conn_dialect(const sx_db_conn *c);
SX_API const sx_db_error_info *sx_db_last_error(const sx_db_conn *c);

/*
 * Runs one statement with n parameters. On success *out (if out is non-NULL)
 * receives a result the caller frees; rows affected are in the result.
 */
SX_API sx_db_err sx_db_exec(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, sx_db_result **out);
/* Runs SQL text with no parameters, possibly several statements
 * (migrations). */
SX_API sx_db_err sx_db_exec_script(sx_db_conn *c, const char *sql);

/* Shortcuts. sx_db_one returns a result holding the first row only (a query
 * is not stepped past it on SQLite), or SX_DB_NO_ROW (and *out = NULL) when
 * no row came back. */
SX_API sx_db_err sx_db_one(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, sx_db_result **out);
/* sx_db_one, and SX_DB_ERR_TOO_MANY (and *out = NULL) when the query
 * returns more than one row: for a lookup that must be unique. */
SX_API sx_db_err sx_db_exactly_one(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, sx_db_result **out);
/* Scalars: the first column of the first row. SX_DB_NO_ROW when no row
 * came back; SX_DB_ERR_TYPE when the value is NULL or is no whole number
 * (an integer, a whole double, or text/numeric holding one: PostgreSQL's
 * sum(bigint) is numeric; a bool counts as 0 or 1). */
SX_API sx_db_err sx_db_scalar_int(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, int64_t *out);
/* The same, but a NULL value is SX_DB_OK with *is_null true (*out 0). */
SX_API sx_db_err sx_db_scalar_int_or_null(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, int64_t *out, bool *is_null);
/* Text scalar (any column type, as sx_db_get_text gives it), copied into
 * *out: see "Ownership" at the top for who frees it. NULL is
 * SX_DB_ERR_TYPE. */
SX_API sx_db_err sx_db_scalar_text(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, char **out);
/* The same, but a NULL value is SX_DB_OK with *out NULL. */
SX_API sx_db_err sx_db_scalar_text_or_null(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, char **out);

/* Results: a cursor over materialised rows. */
SX_API size_t sx_db_rows(const sx_db_result *r);
SX_API size_t sx_db_cols(const sx_db_result *r);
SX_API int64_t sx_db_affected(const sx_db_result *r);
/* Moves to the next row; false after the last. Starts before the first row. */
SX_API bool sx_db_next(sx_db_result *r);
/* Selects row i directly (0-based); false when out of range. */
SX_API bool sx_db_seek(sx_db_result *r, size_t row);
SX_API const char *sx_db_col_name(const sx_db_result *r, size_t col);
/* Column index by name, or -1. */
SX_API int sx_db_col_index(const sx_db_result *r, const char *name);
SX_API sx_db_type sx_db_col_type(const sx_db_result *r, size_t col);
SX_API bool sx_db_is_null(const sx_db_result *r, size_t col);
SX_API int64_t sx_db_get_int(const sx_db_result *r, size_t col);
SX_API double sx_db_get_double(const sx_db_result *r, size_t col);
SX_API bool sx_db_get_bool(const sx_db_result *r, size_t col);
/* Text of any column (NULL for SQL NULL); valid while the result lives. */
SX_API const char *sx_db_get_text(const sx_db_result *r, size_t col);
SX_API const void *sx_db_get_blob(const sx_db_result *r, size_t col,
    size_t *len);
/* By-name getters: the same, looking the column up by name (a missing
 * column reads as NULL: 0 and NULL). */
SX_API int64_t sx_db_int(const sx_db_result *r, const char *name);
SX_API const char *sx_db_text(const sx_db_result *r, const char *name);
/*
 * Checked getters of the current row's column called name: true and *out
 * set, or false (and *out 0, false or NULL) when there is no such column,
 * no current row, the value is NULL, or it is not of the kind asked for.
 * A missing column name is also logged to stderr, once per name.
 *   sx_db_int_at: an integer, a whole double, text or numeric holding one
 *     whole number ("abc", "1.5", a bool fail);
 *   sx_db_double_at: any number, text or numeric holding one;
 *   sx_db_bool_at: a bool, the integers 0 and 1 (SQLite's BOOLEAN), text
 *     t/f/true/false/1/0;
 *   sx_db_text_at: any non-NULL value as text (valid while r lives).
 * Test the value itself for NULL with sx_db_is_null.
 */
SX_API bool sx_db_int_at(const sx_db_result *r, const char *name,
    int64_t *out);
SX_API bool sx_db_double_at(const sx_db_result *r, const char *name,
    double *out);
SX_API bool sx_db_bool_at(const sx_db_result *r, const char *name, bool *out);
SX_API bool sx_db_text_at(const sx_db_result *r, const char *name,
    const char **out);
SX_API void sx_db_result_free(sx_db_result *r);

/* JSON with honest types: ints as numbers, NULL as null, bools, ISO 8601
 * timestamps, numerics as exact numbers, blobs as base64 strings. Caller
 * frees with cJSON_Delete. */
SX_API cJSON *sx_db_row_json(const sx_db_result *r);	/* current row */
SX_API cJSON *sx_db_result_json(const sx_db_result *r);	/* array of all rows */

/* Transactions. Savepoints nest: begin inside a transaction makes one.
 * Commit and rollback end the innermost level. */
SX_API sx_db_err sx_db_begin(sx_db_conn *c);
SX_API sx_db_err sx_db_commit(sx_db_conn *c);
SX_API sx_db_err sx_db_rollback(sx_db_conn *c);
SX_API bool sx_db_in_transaction(const sx_db_conn *c);
/* End the whole transaction whatever nesting is open: commit every level,
 * or roll back every level. A commit that fails leaves no transaction open
 * and nothing saved. SX_DB_ERR_STATE when no transaction is open. */
SX_API sx_db_err sx_db_commit_all(sx_db_conn *c);
SX_API sx_db_err sx_db_rollback_all(sx_db_conn *c);
/* Session mode (on for a connection handed out through a session key):
 * while on, a statement run with no transaction open (after the outermost
 * commit or rollback) first begins a new one, so what is not committed
 * explicitly is still settled by whoever settles the session. Costs
 * nothing until a statement finds no transaction. A pool turns it off when
 * the connection comes back. */
SX_API void sx_db_set_autobegin(sx_db_conn *c, bool on);
/*
 * Read-first transactions (off by default; a pool turns it off when the
 * connection comes back). While on, the outermost sx_db_begin (and every
 * autobegin) starts a transaction that takes no lock until it needs one:
 * on SQLite BEGIN DEFERRED instead of BEGIN IMMEDIATE, so under WAL readers
 * never wait on a writer nor on each other. Should such a transaction write
 * after all, its first write waits for the write lock like any writer if it
 * is the transaction's first statement; after a read it cannot wait (the
 * snapshot it read may be stale), so when another connection holds the lock
 * or wrote meanwhile the write fails with SX_DB_ERR_BUSY, and the whole
 * transaction can then only roll back: its COMMIT rolls back and reports
 * SX_DB_ERR_BUSY too, so nothing half-written is ever kept. On PostgreSQL
 * it changes nothing.
 */
SX_API void sx_db_set_begin_read(sx_db_conn *c, bool on);
/* Request scope (on for a connection the framework hands a request):
 * while on, every result and sx_db_scalar_text string the connection
 * returns is also listed with it, and turning it off frees whatever is
 * still listed. sx_db_pool_release and sx_db_close turn it off, so what a
 * handler forgets to free is freed when the request ends; freeing a result
 * early with sx_db_result_free stays right. Scalar text in scope must not
 * be freed by the caller. */
SX_API void sx_db_set_request_scope(sx_db_conn *c, bool on);

/* Batches: n statements sent to PostgreSQL in one round trip (pipeline
 * mode); on SQLite run in sequence. results[i] gets each result (caller
 * frees). All or nothing on both drivers: when one fails, none takes
 * effect, every results[i] is NULL and its error is returned. Inside a
 * transaction the batch runs in a savepoint, so the work before it stays
 * and the transaction stays usable. */
typedef struct sx_db_stmt {
	const char *sql;
	const sx_db_value *params;
	size_t n;
} sx_db_stmt;
SX_API sx_db_err sx_db_batch(sx_db_conn *c, const sx_db_stmt *stmts, size_t n,
    sx_db_result **results);

/* Pools: one per configured database, bounded, thread-safe. */
typedef struct sx_db_pool_options {
	int max_size;		 /* 0 = 10 */
	int acquire_timeout_ms;	 /* 0 = 5000 */
	int idle_check_ms;	 /* ping a connection idle longer than this;
				    0 = 30000 */
	int max_lifetime_s;	 /* close connections older than this;
				    0 = 3600 */
	sx_db_options conn;
} sx_db_pool_options;

SX_API sx_db_err sx_db_pool_new(const char *url, const sx_db_pool_options *opt,
    sx_db_pool **out, char *errbuf, size_t errlen);
/* Waits up to acquire_timeout_ms; SX_DB_ERR_POOL_EXHAUSTED after that. */
SX_API sx_db_err sx_db_pool_acquire(sx_db_pool *p, sx_db_conn **out);
/* Hands a connection back; an open transaction is rolled back first, and a
 * broken connection is closed instead of kept. */
SX_API void sx_db_pool_release(sx_db_pool *p, sx_db_conn *c);
SX_API sx_db_dialect sx_db_pool_dialect(const sx_db_pool *p);
SX_API void sx_db_pool_free(sx_db_pool *p);

/*
 * An observer sees every statement run through sx_db_exec (and the shortcuts
 * built on it) and sx_db_begin_tagged: its SQL, how long it took, the rows it
 * returned or changed (-1 when unknown) and its outcome. NULL removes it.
 * The framework uses it to trace queries by request id.
 */
typedef void (*sx_db_observer)(void *ctx, const char *sql, double ms,
    int64_t rows, sx_db_err err);
SX_API void sx_db_set_observer(sx_db_conn *c, sx_db_observer fn, void *ctx);
/* sx_db_begin, and on PostgreSQL also SET LOCAL application_name = tag in
 * the same round trip, so the server's views (pg_stat_activity) and logs
 * show it for the transaction. tag is cut to 63 characters and keeps only
 * letters, digits, '-', '_', '.', ':' and ' '. */
SX_API sx_db_err sx_db_begin_tagged(sx_db_conn *c, const char *tag);

/* Statement cache statistics of one connection (for tests and metrics). */
typedef struct sx_db_cache_stats {
	uint64_t hits, misses, evictions;
	size_t size;
} sx_db_cache_stats;
SX_API void sx_db_cache_stats_get(const sx_db_conn *c, sx_db_cache_stats *st);

/* A pool's figures (for metrics): its bound, connections open and idle,
 * acquires that waited and that timed out, and the statement-cache hits
 * and misses of its connections up to their last release. */
typedef struct sx_db_pool_stats {
	int max_size, open, idle;
	uint64_t waits, timeouts, cache_hits, cache_misses;
} sx_db_pool_stats;
SX_API void sx_db_pool_stats_get(sx_db_pool *p, sx_db_pool_stats *st);

#ifdef __cplusplus
}
#endif
#endif
