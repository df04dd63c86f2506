/*
 * sqlite.c: the SQLite driver.
 *
 * SQLite reads "$1" as a parameter *named* "$1", numbered by order of first
 * appearance, so "... $2 ... $1" would bind backwards if bound by position.
 * At prepare time each slot's name is therefore mapped to the caller's
 * parameter number, and the map is cached with the statement.
 *
 * Connections are opened for web serving: WAL journal (not for :memory:),
 * a busy timeout, foreign keys enforced, synchronous=NORMAL. The outermost
 * transaction uses BEGIN IMMEDIATE so two writers queue on the busy timeout
 * instead of deadlocking when a reader upgrades to a writer under WAL.
 *
 * A read-first transaction (sx_db_set_begin_read: a GET's session) uses
 * BEGIN DEFERRED instead, and takes no lock until it writes, so under WAL
 * readers go on while another connection writes. A reader that writes
 * after it has read cannot wait for the lock (SQLite returns busy at once,
 * or SQLITE_BUSY_SNAPSHOT when another connection wrote since the read):
 * any busy error inside a transaction therefore dooms it, and its COMMIT
 * rolls back and reports busy, so a write that failed is never kept without
 * the ones around it and the request becomes a 503 to retry.
 */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

/* A prepared statement and its slot → parameter map. */
typedef struct sq_stmt {
	sqlite3_stmt *st;
	sx_db_type *kinds;	/* each column's sq_decl_kind, found once */
	int nkinds;		/* columns kinds holds */
	int nslots;
	int maxparam;		/* highest $N used */
	int map[];		/* map[slot - 1] = N of "$N" */
} sq_stmt;

/* A connection: the handle, and whether its transaction is doomed. */
typedef struct sq_conn {
	sqlite3 *db;
	bool doomed;	/* a statement failed busy inside the transaction */
} sq_conn;

static sqlite3 *
sq_db(const sx_db_conn *c)
{
	return ((const sq_conn *)c->drvdata)->db;
}

static sq_conn *
sq_conn_of(const sx_db_conn *c)
{
	return c->drvdata;
}

/* Classifies an extended result code into the API's error classes. */
static sx_db_err
sq_classify(int ext)
{
	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return SX_DB_ERR_UNIQUE;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return SX_DB_ERR_FOREIGN_KEY;
	}
	switch (ext & 0xff) {
	case SQLITE_CONSTRAINT:
		return SX_DB_ERR_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SX_DB_ERR_BUSY;
	case SQLITE_NOMEM:
		return SX_DB_ERR_NOMEM;
	case SQLITE_RANGE:
		return SX_DB_ERR_RANGE;
	case SQLITE_MISMATCH:
		return SX_DB_ERR_TYPE;
	default:
		return SX_DB_ERR_SQL;
	}
}

/*
 * Records the connection's current SQLite error on c. Busy inside a
 * transaction dooms it (see the top of the file): the message says why and
 * what declares a route that writes.
 */
static sx_db_err
sq_fail(sx_db_conn *c)
{
	int ext = sqlite3_extended_errcode(sq_db(c));
	sx_db_err err = sq_classify(ext);

	if (err != SX_DB_ERR_BUSY || sqlite3_get_autocommit(sq_db(c)))
		return sx_db_fail(c, err, NULL, ext, "%s",
		    sqlite3_errmsg(sq_db(c)));
	sq_conn_of(c)->doomed = true;
	return sx_db_fail(c, err, NULL, ext, "%s inside a transaction, which "
	    "can now only roll back (%s; a read-first transaction that "
	    "writes after reading cannot wait for the write lock: flag a GET "
	    "route that writes SX_WRITE_ROUTE)", sqlite3_errmsg(sq_db(c)),
	    ext == SQLITE_BUSY_SNAPSHOT ? "another connection wrote since it "
	    "read" : "another connection holds the lock");
}

static sx_db_err
sq_open(sx_db_conn *c, const char *path, char *errbuf, size_t errlen)
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;
	bool memory = strcmp(path, ":memory:") == 0;
	sqlite3 *db = NULL;
	char *emsg = NULL;
	sq_conn *sc;
	int rc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		sx_db_errbuf(errbuf, errlen, "out of memory opening SQLite "
		    "database \"%s\"", path);
		return SX_DB_ERR_NOMEM;
	}
	if ((rc = sqlite3_open_v2(path, &db, flags, NULL)) != SQLITE_OK) {
		sx_db_errbuf(errbuf, errlen, "could not open SQLite database "
		    "\"%s\": %s (check that the directory exists and is "
		    "writable)", path, db != NULL ? sqlite3_errmsg(db) :
		    sqlite3_errstr(rc));
		sqlite3_close(db);
		free(sc);
		return rc == SQLITE_NOMEM ? SX_DB_ERR_NOMEM : SX_DB_ERR_CONNECT;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, c->opt.busy_timeout_ms);
	rc = sqlite3_exec(db, memory ?
	    "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL" :
	    "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
	    "PRAGMA synchronous=NORMAL",
	    NULL, NULL, &emsg);
	if (rc != SQLITE_OK) {
		sx_db_errbuf(errbuf, errlen,
		    "could not set up SQLite database \"%s\": %s", path,
		    emsg != NULL ? emsg : sqlite3_errstr(rc));
		sqlite3_free(emsg);
		sqlite3_close(db);
		free(sc);
		return SX_DB_ERR_CONNECT;
	}
	sc->db = db;
	c->drvdata = sc;
	return SX_DB_OK;
}

static void
sq_close(sx_db_conn *c)
{
	sqlite3_close_v2(sq_db(c));
	free(c->drvdata);
	c->drvdata = NULL;
}

static void
sq_stmt_free(sx_db_conn *c, void *p)
{
	sq_stmt *s = p;

	(void)c;
	sqlite3_finalize(s->st);
	free(s->kinds);
	free(s);
}

/*
 * Prepares sql and maps its slots to $N numbers. Fails with SX_DB_ERR_SQL
 * for a second statement in the text or a placeholder other than $N.
 */
static sx_db_err
sq_prepare(sx_db_conn *c, const char *sql, size_t len, bool persistent,
    sq_stmt **out)
{
	sqlite3_stmt *st;
	const char *tail, *name;
	sq_stmt *s;
	int rc, i, nslots;
	char *end;
	long num;

	rc = sqlite3_prepare_v3(sq_db(c), sql, (int)len,
	    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, &tail);
	if (rc != SQLITE_OK)
		return sq_fail(c);
	if (st == NULL)
		return sx_db_fail(c, SX_DB_ERR_SQL, NULL, 0,
		    "empty SQL statement");
	if (!sx_db_only_trailing_space(tail)) {
		sqlite3_finalize(st);
		return sx_db_fail(c, SX_DB_ERR_SQL, NULL, 0,
		    "more than one statement in \"%.60s\" (use "
		    "sx_db_exec_script for scripts)", sql);
	}
	nslots = sqlite3_bind_parameter_count(st);
	if ((s = malloc(sizeof(*s) + (size_t)nslots * sizeof(int))) == NULL) {
		sqlite3_finalize(st);
		return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0,
		    "out of memory preparing a statement");
	}
	s->st = st;
	s->kinds = NULL;
	s->nkinds = 0;
	s->nslots = nslots;
	s->maxparam = 0;
	for (i = 1; i <= nslots; i++) {
		name = sqlite3_bind_parameter_name(st, i);
		num = name != NULL && name[0] == '$' ?
		    strtol(name + 1, &end, 10) : 0;
		if (num <= 0 || num > 32766 || *end != '\0') {
			sq_stmt_free(c, s);
			return sx_db_fail(c, SX_DB_ERR_SQL, NULL, 0,
			    "placeholder %s in \"%.60s\": use $1..$n",
			    name != NULL ? name : "?", sql);
		}
		s->map[i - 1] = (int)num;
		if (num > s->maxparam)
			s->maxparam = (int)num;
	}
	*out = s;
	return SX_DB_OK;
}

/* Binds an array or JSON parameter as JSON text. */
static int
sq_bind_array(sqlite3_stmt *st, int slot, const sx_db_value *v)
{
	sx_buf b = SX_BUF_INIT;
	unsigned oid;
	int rc = sx_db_array_param(v, SX_DB_SQLITE, &b, &oid);

	if (rc == 0)
		rc = sqlite3_bind_text64(st, slot, b.data != NULL ? b.data : "",
		    b.len, SQLITE_TRANSIENT, SQLITE_UTF8);
	else
		rc = rc == -1 ? SQLITE_NOMEM : SQLITE_MISMATCH;
	sx_buf_free(&b);
	return rc;
}

static int
sq_bind_one(sqlite3_stmt *st, int slot, const sx_db_value *v)
{
	switch (v->type) {
	case SX_DB_INTS:
	case SX_DB_DOUBLES:
	case SX_DB_TEXTS:
	case SX_DB_JSON:
		return sq_bind_array(st, slot, v);
	case SX_DB_NULL:
		return sqlite3_bind_null(st, slot);
	case SX_DB_INT:
		return sqlite3_bind_int64(st, slot, v->v.i);
	case SX_DB_DOUBLE:
		return sqlite3_bind_double(st, slot, v->v.d);
	case SX_DB_BOOL:
		return sqlite3_bind_int(st, slot, v->v.b ? 1 : 0);
	case SX_DB_BLOB:
		return sqlite3_bind_blob64(st, slot,
		    v->v.s.p != NULL ? v->v.s.p : "", v->v.s.len,
		    SQLITE_STATIC);
	default:		/* text, numeric, timestamp: text */
		if (v->v.s.p == NULL)
			return sqlite3_bind_null(st, slot);
		return sqlite3_bind_text64(st, slot, v->v.s.p,
		    v->v.s.len == SIZE_MAX ? strlen(v->v.s.p) : v->v.s.len,
		    SQLITE_STATIC, SQLITE_UTF8);
	}
}

/* Binds params to s by $N number; the count must match the highest $N. */
static sx_db_err
sq_bind(sx_db_conn *c, sq_stmt *s, const sx_db_value *params, size_t n)
{
	int i;

	if (n != (size_t)s->maxparam)
		return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, SQLITE_RANGE,
		    "statement uses $1..$%d but %zu parameters were given",
		    s->maxparam, n);
	for (i = 0; i < s->nslots; i++) {
		const sx_db_value *v = &params[s->map[i] - 1];
		int rc = sq_bind_one(s->st, i + 1, v);

		if (rc == SQLITE_MISMATCH && sx_db_is_array_param(v))
			return sx_db_fail(c, SX_DB_ERR_TYPE, NULL, rc, "parameter "
			    "$%d: an array from a NULL pointer, or a JSON array "
			    "mixing numbers, text and booleans", s->map[i]);
		if (rc == SQLITE_NOMEM && sx_db_is_array_param(v))
			return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, rc,
			    "out of memory binding parameters");
		if (rc != SQLITE_OK)
			return sq_fail(c);
	}
	return SX_DB_OK;
}

/* The subtype SQLite's JSON functions give their results. */
#define SQ_JSON_SUBTYPE 'J'

/* The kind a column's declared type names, as PostgreSQL would type it:
 * one holding BOOL (BOOLEAN), JSON, TIME or DATE (TIMESTAMP, DATETIME);
 * else SX_DB_NULL. One pass, comparing only where a word may start: this
 * runs for every column of every result. */
static sx_db_type
sq_decl_kind(const char *decl)
{
	for (const char *d = decl; d != NULL && *d != '\0'; d++) {
		switch (*d | 0x20) {
		case 'b':
			if (strncasecmp(d, "BOOL", 4) == 0)
				return SX_DB_BOOL;
			break;
		case 'j':
			if (strncasecmp(d, "JSON", 4) == 0)
				return SX_DB_JSON;
			break;
		case 't':
		case 'd':
			if (strncasecmp(d, "TIME", 4) == 0 ||
			    strncasecmp(d, "DATE", 4) == 0)
				return SX_DB_TIMESTAMP;
			break;
		default:
			break;
		}
	}
	return SX_DB_NULL;
}

/*
 * Stores text t of column kind decl: JSON from SQLite's JSON functions,
 * or valid JSON in a column declared JSON, as SX_DB_JSON; a date and time
 * in a column declared TIMESTAMP/DATETIME as ISO 8601 the way PostgreSQL's
 * come out ('T' between date and time, no trailing zeros in the fraction:
 * "2024-01-02T03:04:05.12"); other text as text.
 */
static int
sq_put_text(sx_db_result *r, sx_db_cell *cell, sx_db_type decl,
    sqlite3_value *v)
{
	const char *t = (const char *)sqlite3_value_text(v);
	size_t len = (size_t)sqlite3_value_bytes(v);
	char iso[40];
	cJSON *j;

	if (sqlite3_value_subtype(v) == SQ_JSON_SUBTYPE)
		return sx_db_result_put_bytes(r, cell, SX_DB_JSON, t, len);
	if (decl == SX_DB_JSON && (j = cJSON_ParseWithLength(t, len)) != NULL) {
		cJSON_Delete(j);
		return sx_db_result_put_bytes(r, cell, SX_DB_JSON, t, len);
	}
	if (decl != SX_DB_TIMESTAMP || len < 10 || len >= sizeof(iso))
		return sx_db_result_put_bytes(r, cell, SX_DB_TEXT, t, len);
	memcpy(iso, t, len);
	if (len >= 19 && iso[10] == ' ')
		iso[10] = 'T';
	if (len > 20 && iso[19] == '.' && strspn(iso + 20, "0123456789") ==
	    len - 20) {
		while (len > 20 && iso[len - 1] == '0')
			len--;
		if (len == 20)
			len = 19;
	}
	return sx_db_result_put_bytes(r, cell, SX_DB_TIMESTAMP, iso, len);
}

/* Copies the current row of st into a new row of r. */
static int
sq_row(sx_db_result *r, sqlite3_stmt *st)
{
	sx_db_cell *row = sx_db_result_add_row(r);
	size_t i;

	if (row == NULL)
		return -1;
	for (i = 0; i < r->ncols; i++) {
		switch (sqlite3_column_type(st, (int)i)) {
		case SQLITE_INTEGER:
			row[i].type = SX_DB_INT;
			row[i].v.i = sqlite3_column_int64(st, (int)i);
			if (r->cols[i].decl == SX_DB_BOOL &&
			    (row[i].v.i == 0 || row[i].v.i == 1)) {
				row[i].type = SX_DB_BOOL;
				row[i].v.b = row[i].v.i == 1;
			}
			break;
		case SQLITE_FLOAT:
			row[i].type = SX_DB_DOUBLE;
			row[i].v.d = sqlite3_column_double(st, (int)i);
			break;
		case SQLITE_TEXT:
			if (sq_put_text(r, &row[i], r->cols[i].decl,
			    sqlite3_column_value(st, (int)i)) < 0)
				return -1;
			break;
		case SQLITE_BLOB: {
			const void *b = sqlite3_column_blob(st, (int)i);

			if (sx_db_result_put_bytes(r, &row[i], SX_DB_BLOB, b,
			    (size_t)sqlite3_column_bytes(st, (int)i)) < 0)
				return -1;
			break;
		}
		default:
			break;	/* NULL, already set */
		}
	}
	return 0;
}

/* The declared kinds of s's columns, looked up on the statement's first
 * result (and again when its column count changed with the schema);
 * NULL when memory ran out. */
static const sx_db_type *
sq_kinds(sq_stmt *s, int ncols)
{
	sx_db_type *k;

	if (s->kinds != NULL && s->nkinds == ncols)
		return s->kinds;
	if ((k = realloc(s->kinds, (size_t)(ncols > 0 ? ncols : 1) *
	    sizeof(*k))) == NULL)
		return NULL;
	for (int i = 0; i < ncols; i++)
		k[i] = sq_decl_kind(sqlite3_column_decltype(s->st, i));
	s->kinds = k;
	s->nkinds = ncols;
	return k;
}

/*
 * A new result shaped like s's columns. Called after the first step: a
 * schema change re-prepares the statement inside sqlite3_step, and the
 * column count read before it can be the old one.
 */
static sx_db_result *
sq_result_new(sq_stmt *s)
{
	size_t i, ncols = (size_t)sqlite3_column_count(s->st);
	const sx_db_type *kinds = sq_kinds(s, (int)ncols);
	sx_db_result *r = kinds != NULL ? sx_db_result_new(ncols) : NULL;

	for (i = 0; r != NULL && i < ncols; i++) {
		const char *name = sqlite3_column_name(s->st, (int)i);

		if (sx_db_result_set_col(r, i, name != NULL ? name : "",
		    kinds[i]) < 0) {
			sx_db_result_free(r);
			r = NULL;
		}
	}
	return r;
}

/* Steps a bound statement to the end, materialising rows when out is set. */
static sx_db_err
sq_run(sx_db_conn *c, sq_stmt *s, sx_db_result **out)
{
	sqlite3_stmt *st = s->st;
	sqlite3 *db = sq_db(c);
	sqlite3_int64 before = sqlite3_total_changes64(db);
	sx_db_result *r = NULL;
	size_t nrows = 0;
	/* sx_db_one (sx_db_exactly_one) of a query: the first row (two rows)
	 * is all it reads, and the caller resets the statement, so the step
	 * that would only report DONE is skipped. Statements that write keep
	 * stepping: their changes and counts settle only when they run to the
	 * end. */
	size_t limit = c->max_rows > 0 && out != NULL &&
	    sqlite3_stmt_readonly(st) ? c->max_rows : SIZE_MAX;
	int rc = sqlite3_step(st);

	if (out != NULL && (rc == SQLITE_ROW || rc == SQLITE_DONE) &&
	    (r = sq_result_new(s)) == NULL)
		goto nomem;
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		nrows++;
		if (r != NULL && sq_row(r, st) < 0)
			goto nomem;
		if (nrows >= limit) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		sx_db_result_free(r);
		return sq_fail(c);
	}
	if (r != NULL) {
		/* Rows changed by this statement (not its triggers); for a
		 * query, the rows returned, as PostgreSQL reports them. */
		if (sqlite3_total_changes64(db) != before)
			r->affected = sqlite3_changes64(db);
		else
			r->affected = sqlite3_stmt_readonly(st) ?
			    (int64_t)nrows : 0;
		*out = r;
	}
	return SX_DB_OK;
nomem:
	sx_db_result_free(r);
	return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, SQLITE_NOMEM,
	    "out of memory reading rows");
}

static sx_db_err
sq_exec(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **out)
{
	size_t len = strlen(sql);
	bool caching = c->cache.capacity > 0;
	uint64_t hash = caching ? sx_db_sql_hash(sql, len) : 0;
	sq_stmt *s = sx_db_stmtcache_get(&c->cache, sql, len, hash);
	sx_db_err err;

	if (s == NULL) {
		if ((err = sq_prepare(c, sql, len, caching, &s)) != SX_DB_OK)
			return err;
		if (caching &&
		    sx_db_stmtcache_put(&c->cache, sql, len, hash, s) < 0)
			caching = false;
	}
	if ((err = sq_bind(c, s, params, n)) == SX_DB_OK)
		err = sq_run(c, s, out);
	if (caching) {
		sqlite3_reset(s->st);
		/* drop pointers into the caller's memory */
		sqlite3_clear_bindings(s->st);
	} else {
		sq_stmt_free(c, s);
	}
	return err;
}

/*
 * Runs a script. The COMMIT of a doomed transaction rolls it back and
 * reports busy; a transaction's end, whichever way, lifts the doom.
 */
static sx_db_err
sq_exec_script(sx_db_conn *c, const char *sql)
{
	sq_conn *sc = sq_conn_of(c);
	int rc;

	if (sqlite3_get_autocommit(sc->db))
		sc->doomed = false;	/* a transaction ended some other way */
	if (sc->doomed && strcmp(sql, "COMMIT") == 0) {
		sqlite3_exec(sc->db, "ROLLBACK", NULL, NULL, NULL);
		sc->doomed = false;
		return sx_db_fail(c, SX_DB_ERR_BUSY, NULL, SQLITE_BUSY,
		    "transaction rolled back, not committed: one of its "
		    "statements found the database busy (retry the request)");
	}
	rc = sqlite3_exec(sc->db, sql, NULL, NULL, NULL);
	if (sqlite3_get_autocommit(sc->db))
		sc->doomed = false;
	return rc != SQLITE_OK ? sq_fail(c) : SX_DB_OK;
}

static bool
sq_native_in_tx(const sx_db_conn *c)
{
	return sqlite3_get_autocommit(sq_db(c)) == 0;
}

static bool
sq_tx_failed(const sx_db_conn *c)
{
	(void)c;
	return false;
}

static bool
sq_seems_alive(sx_db_conn *c)
{
	(void)c;
	return true;
}

/*
 * Runs the statements in order, all or nothing, as on PostgreSQL: outside
 * a transaction inside one of their own, inside one within a savepoint.
 * The first failure stops the batch and undoes its statements only: work
 * from before the batch stays, and the transaction stays usable.
 */
static sx_db_err
sq_batch(sx_db_conn *c, const sx_db_stmt *stmts, size_t n,
    sx_db_result **results)
{
	bool own_tx = !sq_native_in_tx(c);
	sx_db_err err;
	size_t i;

	if ((err = sq_exec_script(c, own_tx ? "BEGIN IMMEDIATE" :
	    "SAVEPOINT sx_batch")) != SX_DB_OK)
		return err;
	for (i = 0; i < n && err == SX_DB_OK; i++)
		err = sq_exec(c, stmts[i].sql, stmts[i].params, stmts[i].n,
		    &results[i]);
	if (err == SX_DB_OK)
		err = sq_exec_script(c, own_tx ? "COMMIT" : "RELEASE sx_batch");
	/* Undo with sqlite3_exec: the first error is the one reported. */
	if (err != SX_DB_OK && !own_tx)
		sqlite3_exec(sq_db(c), "ROLLBACK TO sx_batch; RELEASE sx_batch",
		    NULL, NULL, NULL);
	else if (err != SX_DB_OK && sq_native_in_tx(c))
		sqlite3_exec(sq_db(c), "ROLLBACK", NULL, NULL, NULL);
	return err;
}

const sx_db_driver sx_db_sqlite_driver = {
	.dialect = SX_DB_SQLITE,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.exec_script = sq_exec_script,
	.batch = sq_batch,
	.native_in_tx = sq_native_in_tx,
	.tx_failed = sq_tx_failed,
	.seems_alive = sq_seems_alive,
	.stmt_free = sq_stmt_free,
	.begin_sql = "BEGIN IMMEDIATE",
	.begin_read_sql = "BEGIN DEFERRED",
};
