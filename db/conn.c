/*
 * conn.c: the driver-neutral layer. It picks a driver from the URL, keeps
 * the last error of each connection, turns begin/commit/rollback into
 * transactions and nested savepoints, and builds the shortcuts (one row,
 * scalars, batches) on top of the driver's single exec.
 */
#include "db_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

static const char *const sx_db_errs[SX_DB_ERR__MAX] = {
	[SX_DB_OK] = "success",
	[SX_DB_NO_ROW] = "no row found",
	[SX_DB_ERR_URL] = "invalid database URL",
	[SX_DB_ERR_CONNECT] = "could not connect to the database",
	[SX_DB_ERR_LOST] = "database connection lost",
	[SX_DB_ERR_SQL] = "SQL error",
	[SX_DB_ERR_UNIQUE] = "unique constraint violated",
	[SX_DB_ERR_FOREIGN_KEY] = "foreign key constraint violated",
	[SX_DB_ERR_CONSTRAINT] = "constraint violated",
	[SX_DB_ERR_BUSY] = "database busy or locked",
	[SX_DB_ERR_SERIALIZATION] = "serialization failure or deadlock (retry the transaction)",
	[SX_DB_ERR_POOL_EXHAUSTED] = "no database connection became free in time (raise the pool size or acquire timeout)",
	[SX_DB_ERR_TYPE] = "value has another type than asked for",
	[SX_DB_ERR_RANGE] = "column or parameter out of range",
	[SX_DB_ERR_STATE] = "call not valid in this state",
	[SX_DB_ERR_NOMEM] = "out of memory",
};

static const char *const sx_db_dialects[SX_DB_DIALECT__MAX] = {
	[SX_DB_SQLITE] = "sqlite",
	[SX_DB_POSTGRES] = "postgres",
};

const char *
sx_db_strerror(sx_db_err err)
{
	if ((unsigned)err >= SX_DB_ERR__MAX)
		return "unknown database error";
	return sx_db_errs[err];
}

const char *
sx_db_dialect_name(sx_db_dialect d)
{
	if ((unsigned)d >= SX_DB_DIALECT__MAX)
		return "unknown";
	return sx_db_dialects[d];
}

void
sx_db_errbuf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

void
sx_db_clear_error(sx_db_conn *c)
{
	if (c->err.code == SX_DB_OK)
		return;
	c->err.code = SX_DB_OK;
	c->err.sqlstate[0] = '\0';
	c->err.native = 0;
	sx_buf_reset(&c->errmsg);
	c->err.message = "";
}

sx_db_err
sx_db_fail(sx_db_conn *c, sx_db_err code, const char *sqlstate, int native,
    const char *fmt, ...)
{
	va_list ap;
	size_t len;

	c->err.code = code;
	snprintf(c->err.sqlstate, sizeof(c->err.sqlstate), "%s",
	    sqlstate != NULL ? sqlstate : "");
	c->err.native = native;
	sx_buf_reset(&c->errmsg);
	va_start(ap, fmt);
	if (sx_buf_vprintf(&c->errmsg, fmt, ap) < 0)
		sx_buf_reset(&c->errmsg);
	va_end(ap);
	/* Driver messages often end in a newline; a log line should not. */
	len = c->errmsg.len;
	while (len > 0 && (c->errmsg.data[len - 1] == '\n' || c->errmsg.data[len - 1] == ' '))
		c->errmsg.data[--len] = '\0';
	c->errmsg.len = len;
	c->err.message = c->errmsg.data != NULL ? c->errmsg.data : sx_db_strerror(code);
	if (code == SX_DB_ERR_LOST) {
		/* The server session is gone, and any transaction with it. */
		c->broken = true;
		c->tx_depth = 0;
	}
	return code;
}

bool
sx_db_only_trailing_space(const char *p)
{
	while (p != NULL && *p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			if (end == NULL)
				return false;
			p = end + 2;
		} else {
			return false;
		}
	}
	return true;
}

/*
 * Splits a URL into its driver and the target the driver opens: the path
 * for SQLite, the whole URL or conninfo for PostgreSQL. Returns SX_DB_OK or
 * SX_DB_ERR_URL with a message naming the accepted forms.
 */
static sx_db_err
url_parse(const char *url, const sx_db_driver **drv, const char **target,
    char *errbuf, size_t errlen)
{
	if (url == NULL || *url == '\0') {
		sx_db_errbuf(errbuf, errlen, "empty database URL (use sqlite:PATH or postgresql://...)");
		return SX_DB_ERR_URL;
	}
	if (strncmp(url, "sqlite:", 7) == 0) {
		const char *path = url + 7;

		/* sqlite:///abs/path and sqlite://rel/path read like URLs. */
		if (strncmp(path, "//", 2) == 0)
			path += 2;
		if (*path == '\0') {
			sx_db_errbuf(errbuf, errlen, "database URL \"%s\" has no file path "
			    "(use sqlite:PATH or sqlite::memory:)", url);
			return SX_DB_ERR_URL;
		}
		*drv = &sx_db_sqlite_driver;
		*target = path;
		return SX_DB_OK;
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0 ||
	    (strchr(url, '=') != NULL && strstr(url, "://") == NULL)) {
		char *perr = NULL;
		PQconninfoOption *opts = PQconninfoParse(url, &perr);

		if (opts == NULL) {
			sx_db_errbuf(errbuf, errlen, "database URL does not parse: %s",
			    perr != NULL ? perr : "out of memory");
			if (perr != NULL)
				PQfreemem(perr);
			return SX_DB_ERR_URL;
		}
		PQconninfoFree(opts);
		*drv = &sx_db_postgres_driver;
		*target = url;
		return SX_DB_OK;
	}
	sx_db_errbuf(errbuf, errlen, "database URL \"%.40s\" has an unknown scheme "
	    "(use sqlite:PATH, sqlite::memory:, postgresql://... or key=value conninfo)", url);
	return SX_DB_ERR_URL;
}

sx_db_err
sx_db_url_check(const char *url, char *errbuf, size_t errlen)
{
	const sx_db_driver *drv;
	const char *target;

	return url_parse(url, &drv, &target, errbuf, errlen);
}

static void
stmt_evict(void *ctx, void *stmt)
{
	sx_db_conn *c = ctx;

	c->drv->stmt_free(c, stmt);
}

/*
 * Opens a connection by URL. On success *out is the caller's (sx_db_close);
 * on failure errbuf names the problem and *out is NULL.
 */
sx_db_err
sx_db_open(const char *url, const sx_db_options *opt, sx_db_conn **out,
    char *errbuf, size_t errlen)
{
	const sx_db_driver *drv;
	const char *target;
	sx_db_conn *c;
	sx_db_err err;

	*out = NULL;
	if ((err = url_parse(url, &drv, &target, errbuf, errlen)) != SX_DB_OK)
		return err;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		sx_db_errbuf(errbuf, errlen, "out of memory opening the database");
		return SX_DB_ERR_NOMEM;
	}
	c->drv = drv;
	if (opt != NULL)
		c->opt = *opt;
	if (c->opt.stmt_cache_size == 0)
		c->opt.stmt_cache_size = 64;
	if (c->opt.busy_timeout_ms <= 0)
		c->opt.busy_timeout_ms = 5000;
	if (c->opt.connect_timeout_s <= 0)
		c->opt.connect_timeout_s = 10;
	c->err.message = "";
	c->opened_ms = c->released_ms = sx_now_ms();
	if (sx_db_stmtcache_init(&c->cache, c->opt.stmt_cache_size, stmt_evict, c) < 0) {
		free(c);
		sx_db_errbuf(errbuf, errlen, "out of memory opening the database");
		return SX_DB_ERR_NOMEM;
	}
	if ((err = drv->open(c, target, errbuf, errlen)) != SX_DB_OK) {
		sx_db_stmtcache_destroy(&c->cache);
		sx_buf_free(&c->errmsg);
		free(c);
		return err;
	}
	*out = c;
	return SX_DB_OK;
}

void
sx_db_close(sx_db_conn *c)
{
	if (c == NULL)
		return;
	c->closing = true;
	sx_db_stmtcache_destroy(&c->cache);
	c->drv->close(c);
	sx_buf_free(&c->errmsg);
	free(c);
}

sx_db_dialect
sx_db_conn_dialect(const sx_db_conn *c)
{
	return c->drv->dialect;
}

const sx_db_error_info *
sx_db_last_error(const sx_db_conn *c)
{
	return &c->err;
}

void
sx_db_set_observer(sx_db_conn *c, sx_db_observer fn, void *ctx)
{
	c->observer = fn;
	c->observer_ctx = ctx;
}

/* A statement timed for the observer: rows returned, else rows changed. */
static sx_db_err
observed_exec(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, sx_db_result **out)
{
	double t0 = sx_now_ms();
	sx_db_err err = c->drv->exec(c, sql, params, n, out);
	const sx_db_result *r = out != NULL ? *out : NULL;

	c->observer(c->observer_ctx, sql, sx_now_ms() - t0, r == NULL ? -1 :
	    r->ncols > 0 ? (int64_t)r->nrows : r->affected, err);
	return err;
}

sx_db_err
sx_db_exec(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **out)
{
	if (out != NULL)
		*out = NULL;
	sx_db_clear_error(c);
	if (n > 0 && params == NULL)
		return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0,
		    "%zu parameters announced but none given", n);
	if (c->observer == NULL)
		return c->drv->exec(c, sql, params, n, out);
	return observed_exec(c, sql, params, n, out);
}

sx_db_err
sx_db_exec_script(sx_db_conn *c, const char *sql)
{
	sx_db_clear_error(c);
	return c->drv->exec_script(c, sql);
}

/* One row: the result stays positioned before its first row, and the
 * getters read row 0 until sx_db_next moves. */
sx_db_err
sx_db_one(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **out)
{
	sx_db_result *r;
	sx_db_err err;

	*out = NULL;
	c->one_row = true;
	err = sx_db_exec(c, sql, params, n, &r);
	c->one_row = false;
	if (err != SX_DB_OK)
		return err;
	/* The same answer on every driver: the first row only. */
	if (r->nrows > 1)
		r->nrows = 1;
	if (sx_db_rows(r) == 0) {
		sx_db_result_free(r);
		return SX_DB_NO_ROW;
	}
	*out = r;
	return SX_DB_OK;
}

/* Runs a one-row query and hands back its first cell (or an error). */
static sx_db_err
scalar_cell(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **r, const sx_db_cell **cell)
{
	sx_db_err err;

	if ((err = sx_db_one(c, sql, params, n, r)) != SX_DB_OK)
		return err;
	if ((*cell = sx_db_result_cell(*r, 0)) == NULL) {
		sx_db_result_free(*r);
		*r = NULL;
		return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0, "scalar query returned no column");
	}
	return SX_DB_OK;
}

sx_db_err
sx_db_scalar_int(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, int64_t *out)
{
	sx_db_result *r;
	const sx_db_cell *cell;
	sx_db_err err;

	*out = 0;
	if ((err = scalar_cell(c, sql, params, n, &r, &cell)) != SX_DB_OK)
		return err;
	if (cell->type == SX_DB_INT || cell->type == SX_DB_BOOL) {
		*out = sx_db_get_int(r, 0);
	} else {
		err = sx_db_fail(c, SX_DB_ERR_TYPE, NULL, 0, "scalar is %s, not an integer",
		    cell->type == SX_DB_NULL ? "NULL" : "not an integer column");
	}
	sx_db_result_free(r);
	return err;
}

sx_db_err
sx_db_scalar_text(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, char **out)
{
	sx_db_result *r;
	const sx_db_cell *cell;
	const char *s;
	sx_db_err err;

	*out = NULL;
	if ((err = scalar_cell(c, sql, params, n, &r, &cell)) != SX_DB_OK)
		return err;
	if (cell->type == SX_DB_NULL) {
		err = sx_db_fail(c, SX_DB_ERR_TYPE, NULL, 0, "scalar is NULL, not text");
	} else if ((s = sx_db_get_text(r, 0)) == NULL || (*out = strdup(s)) == NULL) {
		err = sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory copying a scalar");
	}
	sx_db_result_free(r);
	return err;
}

/* ---- transactions ---- */

/* Runs one transaction-control statement through the script path (no
 * statement cache: they are few and PgBouncer-safe that way). */
static sx_db_err
tx_statement(sx_db_conn *c, const char *fmt, int depth)
{
	char sql[64];

	snprintf(sql, sizeof(sql), fmt, depth);
	return c->drv->exec_script(c, sql);
}

/* Ends a failed outermost COMMIT: the caller must find no open transaction,
 * but must see the COMMIT's error, not the clean-up's. */
static void
tx_abandon(sx_db_conn *c)
{
	sx_db_error_info saved = c->err;
	sx_buf msg = c->errmsg;

	c->tx_depth = 0;
	if (c->broken || !c->drv->native_in_tx(c))
		return;
	c->errmsg = (sx_buf)SX_BUF_INIT;
	c->drv->exec_script(c, "ROLLBACK");
	sx_buf_free(&c->errmsg);
	c->errmsg = msg;
	c->err = saved;
	c->err.message = c->errmsg.data != NULL ? c->errmsg.data : "";
	c->broken = c->broken || saved.code == SX_DB_ERR_LOST;
}

sx_db_err
sx_db_begin(sx_db_conn *c)
{
	sx_db_err err;

	sx_db_clear_error(c);
	if (c->tx_depth == 0)
		err = c->drv->exec_script(c, c->drv->begin_sql);
	else
		err = tx_statement(c, "SAVEPOINT sx_%d", c->tx_depth);
	if (err == SX_DB_OK)
		c->tx_depth++;
	return err;
}

sx_db_err
sx_db_begin_tagged(sx_db_conn *c, const char *tag)
{
	char sql[128], clean[64];
	size_t k = 0;
	double t0;
	sx_db_err err;

	if (tag == NULL || c->tx_depth != 0 || c->drv->dialect != SX_DB_POSTGRES)
		return sx_db_begin(c);
	for (; *tag != '\0' && k < sizeof(clean) - 1; tag++)
		if (strchr("-_.: ", *tag) != NULL || isalnum((unsigned char)*tag))
			clean[k++] = *tag;
	clean[k] = '\0';
	/* one round trip: the simple protocol takes both statements */
	snprintf(sql, sizeof(sql), "%s; SET LOCAL application_name = '%s'",
	    c->drv->begin_sql, clean);
	sx_db_clear_error(c);
	t0 = sx_now_ms();
	if ((err = c->drv->exec_script(c, sql)) == SX_DB_OK)
		c->tx_depth = 1;
	if (c->observer != NULL)
		c->observer(c->observer_ctx, sql, sx_now_ms() - t0, -1, err);
	return err;
}

/*
 * Commits the innermost level: releases a savepoint, or commits the
 * transaction. A failing outermost COMMIT reports its own class (unique,
 * foreign key, busy, serialization...) and leaves no transaction open.
 * A PostgreSQL transaction aborted by an earlier error cannot commit: it is
 * rolled back and SX_DB_ERR_STATE returned.
 */
sx_db_err
sx_db_commit(sx_db_conn *c)
{
	sx_db_err err;

	sx_db_clear_error(c);
	if (c->tx_depth == 0)
		return sx_db_fail(c, SX_DB_ERR_STATE, NULL, 0,
		    "commit without a transaction (call sx_db_begin first)");
	if (c->tx_depth > 1) {
		err = tx_statement(c, "RELEASE SAVEPOINT sx_%d", c->tx_depth - 1);
		if (err == SX_DB_OK || c->broken)
			c->tx_depth = c->broken ? 0 : c->tx_depth - 1;
		return err;
	}
	if (!c->broken && c->drv->tx_failed(c)) {
		c->drv->exec_script(c, "ROLLBACK");
		c->tx_depth = 0;
		return sx_db_fail(c, SX_DB_ERR_STATE, "25P02", 0,
		    "transaction was aborted by an earlier error and has been rolled back, "
		    "not committed");
	}
	err = c->drv->exec_script(c, "COMMIT");
	if (err != SX_DB_OK)
		tx_abandon(c);
	c->tx_depth = 0;
	return err;
}

/* Rolls back the innermost level: to the savepoint (which is then
 * released), or the whole transaction. */
sx_db_err
sx_db_rollback(sx_db_conn *c)
{
	sx_db_err err;

	sx_db_clear_error(c);
	if (c->tx_depth == 0)
		return sx_db_fail(c, SX_DB_ERR_STATE, NULL, 0,
		    "rollback without a transaction (call sx_db_begin first)");
	if (c->tx_depth > 1) {
		err = tx_statement(c, "ROLLBACK TO SAVEPOINT sx_%d", c->tx_depth - 1);
		if (err == SX_DB_OK)
			err = tx_statement(c, "RELEASE SAVEPOINT sx_%d", c->tx_depth - 1);
		if (err == SX_DB_OK)
			c->tx_depth--;
		else if (c->broken)
			c->tx_depth = 0;
		return err;
	}
	c->tx_depth = 0;
	if (c->broken)
		return SX_DB_OK;	/* the server already dropped it */
	return c->drv->exec_script(c, "ROLLBACK");
}

bool
sx_db_in_transaction(const sx_db_conn *c)
{
	return c->tx_depth > 0 || (!c->broken && c->drv->native_in_tx(c));
}

/* ---- batches ---- */

sx_db_err
sx_db_batch(sx_db_conn *c, const sx_db_stmt *stmts, size_t n, sx_db_result **results)
{
	sx_db_result **res = results;
	sx_db_err err;
	size_t i;

	sx_db_clear_error(c);
	if (res == NULL && (res = calloc(n > 0 ? n : 1, sizeof(*res))) == NULL)
		return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory for a batch");
	for (i = 0; i < n; i++)
		res[i] = NULL;
	err = c->drv->batch(c, stmts, n, res);
	if (err != SX_DB_OK || results == NULL) {
		for (i = 0; i < n; i++) {
			sx_db_result_free(res[i]);
			res[i] = NULL;
		}
	}
	if (results == NULL)
		free(res);
	return err;
}

/* Cheap liveness, then a round trip: SX_DB_OK when the connection works. */
sx_db_err
sx_db_ping(sx_db_conn *c)
{
	sx_db_clear_error(c);
	if (c->broken || !c->drv->seems_alive(c))
		return SX_DB_ERR_LOST;
	return sx_db_exec(c, "SELECT 1", NULL, 0, NULL);
}

void
sx_db_cache_stats_get(const sx_db_conn *c, sx_db_cache_stats *st)
{
	st->hits = c->cache.hits;
	st->misses = c->cache.misses;
	st->evictions = c->cache.evictions;
	st->size = c->cache.size;
}
