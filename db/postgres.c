/*
 * postgres.c: the PostgreSQL driver over libpq.
 *
 * Parameters go in text format (blobs in binary) with the type their C
 * value has: int8, float8, bool, bytea. Text and NULL go untyped (OID 0), so
 * the server infers them from the statement as for a literal and a string
 * still binds to a timestamptz, jsonb, uuid or enum column. When the
 * statement leaves an untyped parameter's type open ("$1 IS NULL OR name =
 * $1" names $1 first where nothing types it), the statement is prepared
 * again with those parameters as text, and then with the NULL ones as int8
 * (pg_typed); inside a transaction each try runs under a savepoint, so a
 * failed try does not abort it.
 * Results come back in text format and are typed by column OID: integers,
 * floats and booleans are parsed, numerics kept as exact digits, timestamps
 * rewritten to ISO 8601, bytea unescaped, json/jsonb flagged for embedding.
 *
 * With the statement cache on, each new SQL text is prepared once under a
 * generated name (sx_s1, sx_s2, ...) and run with PQexecPrepared; evicted
 * names are DEALLOCATEd. With it off (PgBouncer in transaction mode, where
 * a named statement may land on another server session), every call uses
 * PQexecParams and the unnamed statement.
 *
 * Batches use pipeline mode: every statement (and the PREPARE of the ones
 * not cached yet) is sent, one Sync closes the pipeline, and the results
 * are read back in order, so N statements cost one round trip.
 */
#include "db_internal.h"

#include <ctype.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

/* Type OIDs (pg_type.oid); stable across server versions. */
enum {
	PG_BOOL = 16, PG_BYTEA = 17, PG_INT8 = 20, PG_INT2 = 21, PG_INT4 = 23,
	PG_TEXT = 25, PG_OID = 26, PG_JSON = 114, PG_FLOAT4 = 700, PG_FLOAT8 = 701,
	PG_DATE = 1082, PG_TIMESTAMP = 1114, PG_TIMESTAMPTZ = 1184,
	PG_NUMERIC = 1700, PG_JSONB = 3802, PG_INT8_ARRAY = 1016,
	PG_FLOAT8_ARRAY = 1022,
};

/* The driver's per-connection state: the libpq handle and scratch arrays
 * for parameters, reused so a call allocates nothing once warmed up. */
typedef struct pg_conn {
	PGconn *pg;
	unsigned next_name;
	size_t cap;		/* slots in the arrays below */
	const char **values;
	int *lengths, *formats;
	Oid *types;
	size_t *offs;		/* value offset in scratch, or SIZE_MAX */
	sx_buf scratch;		/* formatted numbers, NUL-terminated copies */
} pg_conn;

/* A cached prepared statement and the parameter types it was prepared
 * with (see pg_stmt_fits). */
typedef struct pg_stmt {
	char name[24];
	size_t n;
	Oid types[];
} pg_stmt;

static pg_conn *
pgc(const sx_db_conn *c)
{
	return c->drvdata;
}

/* Maps a SQLSTATE (or a dead connection) to the API's error classes. */
static sx_db_err
pg_classify(PGconn *pg, const char *state)
{
	if (PQstatus(pg) == CONNECTION_BAD)
		return SX_DB_ERR_LOST;
	if (state == NULL || strlen(state) != 5)
		return SX_DB_ERR_SQL;
	if (strcmp(state, "23505") == 0)
		return SX_DB_ERR_UNIQUE;
	if (strcmp(state, "23503") == 0)
		return SX_DB_ERR_FOREIGN_KEY;
	if (strncmp(state, "23", 2) == 0)
		return SX_DB_ERR_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return SX_DB_ERR_SERIALIZATION;
	if (strcmp(state, "55P03") == 0)
		return SX_DB_ERR_BUSY;	/* lock_not_available: lock timeout */
	if (strcmp(state, "57014") == 0)
		return SX_DB_ERR_TIMEOUT;	/* query_canceled: statement timeout */
	if (strncmp(state, "57P0", 4) == 0 && state[4] >= '1' && state[4] <= '3')
		return SX_DB_ERR_LOST;	/* admin/crash shutdown, cannot connect now */
	/* Connection exceptions, except a protocol violation on a live
	 * connection (e.g. a parameter count mismatch). */
	if (strncmp(state, "08", 2) == 0 && strcmp(state, "08P01") != 0)
		return SX_DB_ERR_LOST;
	if (strcmp(state, "53200") == 0)	/* out_of_memory */
		return SX_DB_ERR_NOMEM;
	return SX_DB_ERR_SQL;
}

/* Records the error of res (or of the connection when res is NULL). */
static sx_db_err
pg_fail(sx_db_conn *c, const PGresult *res)
{
	PGconn *pg = pgc(c)->pg;
	const char *state = NULL, *primary = NULL, *detail = NULL;

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	}
	if (primary == NULL)
		primary = PQerrorMessage(pg);
	if (*primary == '\0')
		primary = "PostgreSQL gave no result (out of memory?)";
	return sx_db_fail(c, pg_classify(pg, state), state, 0, "%s%s%s", primary,
	    detail != NULL ? " DETAIL: " : "", detail != NULL ? detail : "");
}

static void
pg_ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;	/* NOTICEs ("no transaction in progress"...) are not errors */
}

/*
 * Sets the session's statement_timeout and lock_timeout from the options,
 * in one round trip; one the URL sets itself (options=-c...), or set to
 * -1, is left alone. Returns 0, or -1 when the server refused.
 */
static int
pg_set_timeouts(const sx_db_conn *c, PGconn *pg, const char *url)
{
	char sql[96] = "";
	size_t n = 0;
	PGresult *res;
	bool ok;

	if (c->opt.statement_timeout_ms > 0 && strstr(url, "statement_timeout") == NULL)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		    "SET statement_timeout = %d;", c->opt.statement_timeout_ms);
	if (c->opt.lock_timeout_ms > 0 && strstr(url, "lock_timeout") == NULL)
		snprintf(sql + n, sizeof(sql) - n, "SET lock_timeout = %d;",
		    c->opt.lock_timeout_ms);
	if (sql[0] == '\0')
		return 0;
	res = PQexec(pg, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok ? 0 : -1;
}

static sx_db_err
pg_open(sx_db_conn *c, const char *url, char *errbuf, size_t errlen)
{
	/* connect_timeout comes first so a value in the URL overrides it. */
	const char *const keys[] = {"connect_timeout", "dbname", NULL};
	char timeout[16];
	const char *vals[] = {timeout, url, NULL};
	const char *style;
	pg_conn *p;
	PGresult *res;

	snprintf(timeout, sizeof(timeout), "%d", c->opt.connect_timeout_s);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		sx_db_errbuf(errbuf, errlen, "out of memory connecting to PostgreSQL");
		return SX_DB_ERR_NOMEM;
	}
	p->pg = PQconnectdbParams(keys, vals, 1);
	if (p->pg == NULL || PQstatus(p->pg) != CONNECTION_OK) {
		sx_db_errbuf(errbuf, errlen, "could not connect to PostgreSQL: %s(check that the "
		    "server runs and the URL's host, port, user and database)",
		    p->pg != NULL ? PQerrorMessage(p->pg) : "out of memory ");
		PQfinish(p->pg);
		free(p);
		return SX_DB_ERR_CONNECT;
	}
	PQsetNoticeProcessor(p->pg, pg_ignore_notice, NULL);
	if (pg_set_timeouts(c, p->pg, url) < 0) {
		sx_db_errbuf(errbuf, errlen, "could not set PostgreSQL's timeouts: "
		    "%s", PQerrorMessage(p->pg));
		PQfinish(p->pg);
		free(p);
		return SX_DB_ERR_CONNECT;
	}
	/* Timestamps are rewritten from ISO output; another DateStyle
	 * (set on the role or database) would not parse. */
	style = PQparameterStatus(p->pg, "DateStyle");
	if (style == NULL || strncmp(style, "ISO", 3) != 0) {
		res = PQexec(p->pg, "SET DateStyle TO ISO");
		PQclear(res);
	}
	c->drvdata = p;
	return SX_DB_OK;
}

static void
pg_close(sx_db_conn *c)
{
	pg_conn *p = pgc(c);

	PQfinish(p->pg);
	free(p->values);
	free(p->lengths);
	free(p->formats);
	free(p->types);
	free(p->offs);
	sx_buf_free(&p->scratch);
	free(p);
	c->drvdata = NULL;
}

static void
pg_stmt_free(sx_db_conn *c, void *stmt)
{
	pg_stmt *s = stmt;
	PGconn *pg = pgc(c)->pg;
	char sql[48];

	/* Closing or dead: the server forgets the name with the session. */
	if (!c->closing && !c->broken && PQstatus(pg) == CONNECTION_OK &&
	    PQpipelineStatus(pg) == PQ_PIPELINE_OFF) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(pg, sql));
	}
	free(s);
}

/* Grows the parameter arrays to n slots. Returns 0 or -1. */
static int
pg_reserve_params(pg_conn *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 8;
	void *a, *b, *d, *e, *f;

	if (n <= p->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	a = realloc(p->values, cap * sizeof(*p->values));
	if (a != NULL)
		p->values = a;
	b = realloc(p->lengths, cap * sizeof(*p->lengths));
	if (b != NULL)
		p->lengths = b;
	d = realloc(p->formats, cap * sizeof(*p->formats));
	if (d != NULL)
		p->formats = d;
	e = realloc(p->types, cap * sizeof(*p->types));
	if (e != NULL)
		p->types = e;
	f = realloc(p->offs, cap * sizeof(*p->offs));
	if (f != NULL)
		p->offs = f;
	if (a == NULL || b == NULL || d == NULL || e == NULL || f == NULL)
		return -1;
	p->cap = cap;
	return 0;
}

/* Formats a double the way PostgreSQL reads it back exactly. */
static int
pg_put_double(sx_buf *b, double d)
{
	if (isnan(d))
		return sx_buf_puts(b, "NaN");
	if (isinf(d))
		return sx_buf_puts(b, d > 0 ? "Infinity" : "-Infinity");
	return sx_buf_printf(b, "%.17g", d);
}

/* Converts params into libpq's arrays (text format; bytea in binary) and
 * their types (int8, float8, bool, bytea; 0 for text and NULL). */
static sx_db_err
pg_params(sx_db_conn *c, const sx_db_value *params, size_t n)
{
	pg_conn *p = pgc(c);
	size_t i;
	int rc = 0;

	if (n > 65535)
		return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0,
		    "%zu parameters: PostgreSQL takes at most 65535", n);
	if (pg_reserve_params(p, n) < 0)
		return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory binding parameters");
	sx_buf_reset(&p->scratch);
	for (i = 0; i < n && rc == 0; i++) {
		const sx_db_value *v = &params[i];

		p->values[i] = NULL;
		p->lengths[i] = 0;
		p->formats[i] = 0;
		p->types[i] = 0;
		p->offs[i] = SIZE_MAX;
		switch (v->type) {
		case SX_DB_NULL:
			break;
		case SX_DB_INT:
			p->types[i] = PG_INT8;
			p->offs[i] = p->scratch.len;
			rc = sx_buf_printf(&p->scratch, "%lld", (long long)v->v.i);
			rc = rc < 0 ? rc : sx_buf_putc(&p->scratch, '\0');
			break;
		case SX_DB_DOUBLE:
			p->types[i] = PG_FLOAT8;
			p->offs[i] = p->scratch.len;
			rc = pg_put_double(&p->scratch, v->v.d);
			rc = rc < 0 ? rc : sx_buf_putc(&p->scratch, '\0');
			break;
		case SX_DB_BOOL:
			p->values[i] = v->v.b ? "t" : "f";
			p->types[i] = PG_BOOL;
			break;
		case SX_DB_INTS:
		case SX_DB_DOUBLES:
		case SX_DB_TEXTS:
		case SX_DB_JSON: {
			unsigned oid;
			int arc;

			p->offs[i] = p->scratch.len;
			arc = sx_db_array_param(v, SX_DB_POSTGRES, &p->scratch, &oid);
			if (arc == -2)
				return sx_db_fail(c, SX_DB_ERR_TYPE, NULL, 0,
				    "parameter $%zu: an array from a NULL pointer, "
				    "or a JSON array mixing numbers, text and "
				    "booleans", i + 1);
			p->types[i] = (Oid)oid;
			rc = arc < 0 ? arc : sx_buf_putc(&p->scratch, '\0');
			break;
		}
		case SX_DB_BLOB:
			if (v->v.s.len > INT32_MAX)
				return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0,
				    "parameter $%zu: blob over 2 GiB", i + 1);
			p->values[i] = v->v.s.p != NULL ? v->v.s.p : "";
			p->lengths[i] = (int)v->v.s.len;
			p->formats[i] = 1;
			p->types[i] = PG_BYTEA;
			break;
		default:	/* text, numeric, timestamp */
			if (v->v.s.p == NULL)
				break;
			if (v->v.s.len == SIZE_MAX) {
				p->values[i] = v->v.s.p;
			} else {	/* text format wants a NUL-terminated copy */
				p->offs[i] = p->scratch.len;
				rc = sx_buf_append(&p->scratch, v->v.s.p, v->v.s.len);
				rc = rc < 0 ? rc : sx_buf_putc(&p->scratch, '\0');
			}
			break;
		}
	}
	if (rc < 0)
		return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory binding parameters");
	/* The scratch buffer may have moved while it grew: point in only now. */
	for (i = 0; i < n; i++)
		if (p->offs[i] != SIZE_MAX)
			p->values[i] = p->scratch.data + p->offs[i];
	return SX_DB_OK;
}

static sx_db_type
pg_type(Oid oid)
{
	switch (oid) {
	case PG_BOOL:
		return SX_DB_BOOL;
	case PG_INT2: case PG_INT4: case PG_INT8: case PG_OID:
		return SX_DB_INT;
	case PG_FLOAT4: case PG_FLOAT8:
		return SX_DB_DOUBLE;
	case PG_NUMERIC:
		return SX_DB_NUMERIC;
	case PG_DATE: case PG_TIMESTAMP: case PG_TIMESTAMPTZ:
		return SX_DB_TIMESTAMP;
	case PG_BYTEA:
		return SX_DB_BLOB;
	case PG_JSON: case PG_JSONB:
		return SX_DB_JSON;
	default:
		return SX_DB_TEXT;
	}
}

/*
 * Rewrites PostgreSQL's ISO output ("2024-01-02 03:04:05.5+05:30", "+00",
 * "2024-01-02") as ISO 8601 ("2024-01-02T03:04:05.5+05:30", "Z"). Values it
 * does not recognise (infinity, BC dates) are stored unchanged.
 */
static int
pg_put_timestamp(sx_db_result *r, sx_db_cell *cell, const char *v, size_t len)
{
	char iso[64];
	const char *sp = memchr(v, ' ', len);
	size_t n, tz;

	if (sp == NULL || len + 4 > sizeof(iso) || strchr(v, 'B') != NULL)
		return sx_db_result_put_bytes(r, cell, SX_DB_TIMESTAMP, v, len);
	memcpy(iso, v, len);
	iso[sp - v] = 'T';
	n = len;
	/* The zone, if any, starts at the last sign after the time. */
	for (tz = n; tz > (size_t)(sp - v) + 1; tz--)
		if (iso[tz - 1] == '+' || iso[tz - 1] == '-')
			break;
	if (tz > (size_t)(sp - v) + 1) {
		tz--;
		if (strncmp(iso + tz, "+00", n - tz) == 0 && n - tz == 3) {
			iso[tz] = 'Z';
			n = tz + 1;
		} else if (n - tz == 3) {
			memcpy(iso + n, ":00", 3);
			n += 3;
		}
	}
	return sx_db_result_put_bytes(r, cell, SX_DB_TIMESTAMP, iso, n);
}

/* Stores one non-NULL text-format value of type t in cell. */
static int
pg_put_value(sx_db_result *r, sx_db_cell *cell, sx_db_type t, const char *v, size_t len)
{
	unsigned char *bytes;
	size_t blen;
	int rc;

	switch (t) {
	case SX_DB_INT:
		cell->type = SX_DB_INT;
		cell->v.i = strtoll(v, NULL, 10);
		return 0;
	case SX_DB_DOUBLE:
		cell->type = SX_DB_DOUBLE;
		cell->v.d = strtod(v, NULL);
		return 0;
	case SX_DB_BOOL:
		cell->type = SX_DB_BOOL;
		cell->v.b = v[0] == 't';
		return 0;
	case SX_DB_TIMESTAMP:
		return pg_put_timestamp(r, cell, v, len);
	case SX_DB_BLOB:
		if ((bytes = PQunescapeBytea((const unsigned char *)v, &blen)) == NULL)
			return -1;
		rc = sx_db_result_put_bytes(r, cell, SX_DB_BLOB, bytes, blen);
		PQfreemem(bytes);
		return rc;
	default:
		return sx_db_result_put_bytes(r, cell, t, v, len);
	}
}

/* The element kind of an array type ('n' numbers, 'b' booleans, 't'
 * text), or 0 for a type that is no array Sextant rewrites as JSON. */
static char
pg_array_kind(Oid oid)
{
	switch (oid) {
	case 1005: case 1007: case 1016: case 1021: case 1022: case 1231:
	case 1028:	/* int2[], int4[], int8[], float4[], float8[], numeric[], oid[] */
		return 'n';
	case 1000:	/* bool[] */
		return 'b';
	case 1009: case 1014: case 1015: case 2951:
		return 't';	/* text[], char(n)[], varchar[], uuid[] */
	default:
		return 0;
	}
}

/* Stores array text v as a JSON cell (sx_db_pg_array_json), through
 * scratch. */
static int
pg_put_array(sx_db_result *r, sx_db_cell *cell, char kind, const char *v,
    size_t len, sx_buf *scratch)
{
	sx_buf_reset(scratch);
	if (sx_db_pg_array_json(v, len, kind, scratch) < 0)
		return -1;
	return sx_db_result_put_bytes(r, cell, SX_DB_JSON, scratch->data,
	    scratch->len);
}

/* Copies a PGresult's rows into a new sx_db_result. */
static sx_db_result *
pg_materialize(const PGresult *res)
{
	size_t ncols = (size_t)PQnfields(res), nrows = (size_t)PQntuples(res), i, j;
	sx_db_result *r = sx_db_result_new(ncols);
	sx_db_type *types;
	char *arrays = NULL;
	bool any_array = false;
	sx_buf scratch = SX_BUF_INIT;
	sx_db_cell *row;

	if (r == NULL)
		return NULL;
	if ((types = malloc((ncols ? ncols : 1) * (sizeof(*types) + 1))) == NULL)
		goto fail;
	arrays = (char *)(types + (ncols ? ncols : 1));
	for (j = 0; j < ncols; j++) {
		Oid oid = PQftype(res, (int)j);

		types[j] = pg_type(oid);
		arrays[j] = pg_array_kind(oid);
		any_array = any_array || arrays[j] != 0;
		if (sx_db_result_set_col(r, j, PQfname(res, (int)j),
		    SX_DB_NULL) < 0)
			goto fail;
	}
	for (i = 0; i < nrows; i++) {
		if ((row = sx_db_result_add_row(r)) == NULL)
			goto fail;
		for (j = 0; j < ncols; j++) {
			if (PQgetisnull(res, (int)i, (int)j))
				continue;
			if (any_array && arrays[j] != 0) {
				if (pg_put_array(r, &row[j], arrays[j],
				    PQgetvalue(res, (int)i, (int)j), (size_t)
				    PQgetlength(res, (int)i, (int)j), &scratch) < 0)
					goto fail;
				continue;
			}
			if (pg_put_value(r, &row[j], types[j], PQgetvalue(res, (int)i, (int)j),
			    (size_t)PQgetlength(res, (int)i, (int)j)) < 0)
				goto fail;
		}
	}
	r->affected = strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
	free(types);
	sx_buf_free(&scratch);
	return r;
fail:
	free(types);
	sx_buf_free(&scratch);
	sx_db_result_free(r);
	return NULL;
}

/* Turns a statement's PGresult into the API's outcome; clears res. */
static sx_db_err
pg_take_result(sx_db_conn *c, PGresult *res, sx_db_result **out)
{
	sx_db_err err = SX_DB_OK;

	switch (res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		if (out != NULL && (*out = pg_materialize(res)) == NULL)
			err = sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory reading rows");
		break;
	case PGRES_EMPTY_QUERY:
		err = sx_db_fail(c, SX_DB_ERR_SQL, NULL, 0, "empty SQL statement");
		break;
	default:
		err = pg_fail(c, res);
		break;
	}
	PQclear(res);
	return err;
}

static pg_stmt *
pg_stmt_new(pg_conn *p, size_t n)
{
	pg_stmt *s = malloc(sizeof(*s) + n * sizeof(Oid));

	if (s != NULL) {
		snprintf(s->name, sizeof(s->name), "sx_s%u", ++p->next_name);
		s->n = n;
	}
	return s;
}

/* Reads one command's result (up to its NULL terminator). Returns it, or
 * NULL when the connection gave nothing. */
static PGresult *
pg_batch_read(PGconn *pg)
{
	PGresult *res = PQgetResult(pg), *extra;

	if (res != NULL && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		while ((extra = PQgetResult(pg)) != NULL)
			PQclear(extra);
	return res;
}

/* Sends the statement with the parameters and types in p: prepared under
 * name, or run at once (unnamed) when name is NULL. */
static int
pg_send_try(pg_conn *p, const char *name, const char *sql, size_t n)
{
	if (name != NULL)
		return PQsendPrepare(p->pg, name, sql, (int)n, p->types);
	return PQsendQueryParams(p->pg, sql, (int)n, p->types, p->values,
	    p->lengths, p->formats, 0);
}

/*
 * One try at the statement (see pg_send_try); returns its result. Inside
 * a transaction it is sent between SAVEPOINT and RELEASE in the same round
 * trip, and a failure rolls back to the savepoint, so a try that fails
 * (a type left open, a syntax error) leaves the transaction usable.
 */
static PGresult *
pg_guarded(sx_db_conn *c, const char *name, const char *sql, size_t n)
{
	pg_conn *p = pgc(c);
	PGresult *res = NULL;

	if (PQtransactionStatus(p->pg) != PQTRANS_INTRANS)
		return name != NULL ? PQprepare(p->pg, name, sql, (int)n, p->types) :
		    PQexecParams(p->pg, sql, (int)n, p->types, p->values, p->lengths,
		    p->formats, 0);
	if (!PQenterPipelineMode(p->pg))
		return NULL;
	if (PQsendQueryParams(p->pg, "SAVEPOINT sx_try", 0, NULL, NULL, NULL, NULL, 0) &&
	    pg_send_try(p, name, sql, n) &&
	    PQsendQueryParams(p->pg, "RELEASE SAVEPOINT sx_try", 0, NULL, NULL, NULL,
	    NULL, 0) && PQpipelineSync(p->pg)) {
		PQclear(pg_batch_read(p->pg));
		res = pg_batch_read(p->pg);
		PQclear(pg_batch_read(p->pg));
		PQclear(PQgetResult(p->pg));	/* the Sync */
	}
	if (!PQexitPipelineMode(p->pg)) {
		sx_db_fail(c, SX_DB_ERR_LOST, NULL, 0, "could not leave pipeline "
		    "mode: %s", PQerrorMessage(p->pg));
		PQclear(res);
		return NULL;
	}
	if (PQtransactionStatus(p->pg) == PQTRANS_INERROR)
		PQclear(PQexec(p->pg, "ROLLBACK TO SAVEPOINT sx_try; "
		    "RELEASE SAVEPOINT sx_try"));
	return res;
}

/* True when res failed for a reason another choice of parameter types may
 * cure: a type left open (42P08, 42P18) or, once the open ones are text, no
 * operator or function for them (42883, 42725) or a column of another type
 * (42804). */
static bool
pg_type_retry(const PGresult *res, int step)
{
	const char *state = res != NULL ? PQresultErrorField(res,
	    PG_DIAG_SQLSTATE) : NULL;

	if (state == NULL)
		return false;
	if (strcmp(state, "42P08") == 0 || strcmp(state, "42P18") == 0)
		return true;
	return step > 0 && (strcmp(state, "42883") == 0 ||
	    strcmp(state, "42725") == 0 || strcmp(state, "42804") == 0);
}

/* The next choice of types for the untyped parameters: step 0 makes every
 * untyped one text, step 1 makes the NULL ones int8. False when nothing
 * changes (no further choice). */
static bool
pg_widen(pg_conn *p, size_t n, int step)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (step == 0 && p->types[i] == 0) {
			p->types[i] = PG_TEXT;
			changed = true;
		} else if (step == 1 && p->types[i] == PG_TEXT &&
		    p->values[i] == NULL) {
			p->types[i] = PG_INT8;
			changed = true;
		}
	}
	return changed;
}

/* Prepares (name) or runs (NULL name) the statement, choosing types again
 * while the server cannot type the untyped parameters (see the top of the
 * file). Returns the last try's result; p->types holds its types. */
static PGresult *
pg_typed(sx_db_conn *c, const char *name, const char *sql, size_t n)
{
	pg_conn *p = pgc(c);
	PGresult *res;
	int step;

	for (step = 0;; step++) {
		res = pg_guarded(c, name, sql, n);
		if (step > 1 || !pg_type_retry(res, step) || !pg_widen(p, n, step))
			return res;
		PQclear(res);
	}
}

/* True when a value sent as type have reads right as type want: the same
 * type, text where the server typed the parameter or made it text, an
 * integer (or integer array) where a double (array) was. */
static bool
pg_type_fits(Oid have, Oid want)
{
	return have == want || (have == 0 && want == PG_TEXT) ||
	    (have == PG_INT8 && want == PG_FLOAT8) ||
	    (have == PG_INT8_ARRAY && want == PG_FLOAT8_ARRAY);
}

/*
 * True when a statement prepared with s's types takes the parameters now in
 * p: a NULL fits any type; a value fits as pg_type_fits says.
 * Otherwise (an int where a double was, a value where a NULL was inferred)
 * the statement is prepared again.
 */
static bool
pg_stmt_fits(const pg_stmt *s, const pg_conn *p, size_t n)
{
	size_t i;

	if (s->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (p->values[i] != NULL && !pg_type_fits(p->types[i], s->types[i]))
			return false;
	return true;
}

/* The cached statement for sql fitting the parameters in p (pg_params),
 * prepared now if new or unfit; NULL on failure (error recorded). */
static pg_stmt *
pg_prepared(sx_db_conn *c, const char *sql, size_t n)
{
	pg_conn *p = pgc(c);
	size_t len = strlen(sql);
	uint64_t hash = sx_db_sql_hash(sql, len);
	pg_stmt *s = sx_db_stmtcache_get(&c->cache, sql, len, hash);
	PGresult *res;

	if (s != NULL && s->n != n) {
		sx_db_count_mismatch(c, s->n, n);
		return NULL;
	}
	if (s != NULL && pg_stmt_fits(s, p, n))
		return s;
	if (s != NULL)
		sx_db_stmtcache_remove(&c->cache, sql, len, hash);
	else if (sx_db_check_count(c, sql, n) != SX_DB_OK)
		return NULL;
	if ((s = pg_stmt_new(p, n)) == NULL) {
		sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory preparing a statement");
		return NULL;
	}
	res = pg_typed(c, s->name, sql, n);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (c->err.code == SX_DB_OK)
			pg_fail(c, res);
		PQclear(res);
		free(s);
		return NULL;
	}
	PQclear(res);
	if (n > 0)
		memcpy(s->types, p->types, n * sizeof(Oid));
	if (sx_db_stmtcache_put(&c->cache, sql, len, hash, s) < 0) {
		c->closing = true;	/* not cached: forget it without a round trip */
		pg_stmt_free(c, s);
		c->closing = false;
		sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory caching a statement");
		return NULL;
	}
	return s;
}

/*
 * True when a prepared statement failed because the schema under it changed
 * its result's row type ("cached plan must not change result type"), as a
 * migration that adds a column to a SELECT * table does. The server re-plans
 * other changes by itself; this one needs the statement prepared anew.
 */
static bool
pg_stale_plan(const PGresult *res)
{
	const char *state, *fn;

	if (res == NULL || PQresultStatus(res) != PGRES_FATAL_ERROR)
		return false;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	fn = PQresultErrorField(res, PG_DIAG_SOURCE_FUNCTION);
	return state != NULL && strcmp(state, "0A000") == 0 && fn != NULL &&
	    strcmp(fn, "RevalidateCachedQuery") == 0;
}

static sx_db_err pg_batch(sx_db_conn *c, const sx_db_stmt *stmts, size_t n,
    sx_db_result **results);

/* True when sql starts (after spaces and comments) with INSERT, UPDATE,
 * DELETE or MERGE: a write, the statements that fail on data. */
static bool
pg_is_write(const char *sql)
{
	static const char *const kw[] = {"INSERT", "UPDATE", "DELETE", "MERGE"};

	for (;;) {
		sql += strspn(sql, " \t\r\n(");
		if (sql[0] == '-' && sql[1] == '-')
			sql += strcspn(sql, "\n");
		else if (sql[0] == '/' && sql[1] == '*' && strstr(sql, "*/") != NULL)
			sql = strstr(sql, "*/") + 2;
		else
			break;
	}
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strncasecmp(sql, kw[i], strlen(kw[i])) == 0 &&
		    !isalnum((unsigned char)sql[strlen(kw[i])]))
			return true;
	return false;
}

/*
 * Runs one statement. A write inside a transaction runs as a batch of
 * one: SAVEPOINT, the statement and RELEASE in one round trip, rolled back
 * to the savepoint when it fails, so the transaction stays usable as it
 * does on SQLite (statement-level rollback). Reads pay nothing.
 */
static sx_db_err
pg_exec(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **out)
{
	pg_conn *p = pgc(c);
	PGresult *res;
	pg_stmt *s;
	sx_db_err err;

	if (c->tx_depth > 0 && pg_is_write(sql) &&
	    PQtransactionStatus(p->pg) == PQTRANS_INTRANS) {
		sx_db_stmt one = {sql, params, n};
		sx_db_result *r = NULL;

		err = pg_batch(c, &one, 1, &r);
		if (out != NULL)
			*out = r;
		else
			sx_db_result_free(r);
		return err;
	}
	if ((err = pg_params(c, params, n)) != SX_DB_OK)
		return err;
	if (c->cache.capacity > 0) {
		if ((s = pg_prepared(c, sql, n)) == NULL)
			return c->err.code;
		res = PQexecPrepared(p->pg, s->name, (int)n, p->values, p->lengths,
		    p->formats, 0);
		if (pg_stale_plan(res)) {
			/* Forget the stale statement. Outside a transaction run it
			 * again prepared anew; inside one the error has aborted the
			 * transaction, so it is reported and the next try works. */
			size_t len = strlen(sql);

			sx_db_stmtcache_remove(&c->cache, sql, len,
			    sx_db_sql_hash(sql, len));
			if (c->tx_depth == 0) {
				PQclear(res);
				if ((s = pg_prepared(c, sql, n)) == NULL)
					return c->err.code;
				res = PQexecPrepared(p->pg, s->name, (int)n, p->values,
				    p->lengths, p->formats, 0);
			}
		}
	} else {
		c->cache.misses++;
		if (sx_db_check_count(c, sql, n) != SX_DB_OK)
			return c->err.code;
		res = pg_typed(c, NULL, sql, n);
	}
	return pg_take_result(c, res, out);
}

static sx_db_err
pg_exec_script(sx_db_conn *c, const char *sql)
{
	return pg_take_result(c, PQexec(pgc(c)->pg, sql), NULL);
}

static bool
pg_native_in_tx(const sx_db_conn *c)
{
	PGTransactionStatusType st = PQtransactionStatus(pgc(c)->pg);

	return st == PQTRANS_INTRANS || st == PQTRANS_INERROR;
}

static bool
pg_tx_failed(const sx_db_conn *c)
{
	return PQtransactionStatus(pgc(c)->pg) == PQTRANS_INERROR;
}

/*
 * An idle connection receives nothing unless the server is ending the
 * session (shutdown, restart, terminated backend): a readable socket whose
 * input then ends the connection means it is dead. No round trip.
 */
static bool
pg_seems_alive(sx_db_conn *c)
{
	PGconn *pg = pgc(c)->pg;
	struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};

	if (PQstatus(pg) != CONNECTION_OK || pfd.fd < 0)
		return false;
	if (poll(&pfd, 1, 0) <= 0)
		return true;
	if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
		return false;
	/* Data but no EOF yet: a FATAL notice precedes the close. Look again. */
	if (poll(&pfd, 1, 0) > 0 && (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK))
		return false;
	return true;
}

/* Per-statement plan of a batch: the name of its prepared statement. */
typedef struct pg_batch_item {
	char name[24];
} pg_batch_item;

/*
 * Prepares (or finds) every statement of the batch before the pipeline
 * starts, each with its own parameters' types (pg_prepared), so the
 * pipeline only runs them. Sets *caching false when a statement prepared
 * for an earlier item is gone again (more new statements than the cache
 * holds, or one SQL text with two sets of types): the batch then runs them
 * unnamed. Returns SX_DB_OK or the error of a statement that would not
 * prepare.
 */
static sx_db_err
pg_batch_plan(sx_db_conn *c, const sx_db_stmt *stmts, size_t n,
    pg_batch_item *items, bool *caching)
{
	pg_stmt *s;
	size_t i, len;

	for (i = 0; i < n; i++) {
		if (pg_params(c, stmts[i].params, stmts[i].n) != SX_DB_OK ||
		    (s = pg_prepared(c, stmts[i].sql, stmts[i].n)) == NULL)
			return c->err.code;
		memcpy(items[i].name, s->name, sizeof(items[i].name));
	}
	for (i = 0; i < n && *caching; i++) {
		len = strlen(stmts[i].sql);
		s = sx_db_stmtcache_get(&c->cache, stmts[i].sql, len,
		    sx_db_sql_hash(stmts[i].sql, len));
		*caching = s != NULL && strcmp(s->name, items[i].name) == 0;
	}
	return SX_DB_OK;
}

/* Queues statement i of the batch on the pipeline. Returns SX_DB_OK or an error. */
static sx_db_err
pg_batch_send(sx_db_conn *c, const sx_db_stmt *st, const pg_batch_item *it,
    bool caching)
{
	pg_conn *p = pgc(c);
	sx_db_err err;
	int ok;

	if ((err = pg_params(c, st->params, st->n)) != SX_DB_OK)
		return err;
	if (!caching)	/* checked in pg_batch before anything was sent */
		ok = PQsendQueryParams(p->pg, st->sql, (int)st->n, p->types, p->values,
		    p->lengths, p->formats, 0);
	else
		ok = PQsendQueryPrepared(p->pg, it->name, (int)st->n, p->values,
		    p->lengths, p->formats, 0);
	return ok ? SX_DB_OK : pg_fail(c, NULL);
}

/*
 * Collects the statements' results in order, err being the outcome so far
 * (a failed SAVEPOINT). The first failure is recorded; later statements
 * come back PGRES_PIPELINE_ABORTED and are skipped. The Sync is read by
 * the caller.
 */
static sx_db_err
pg_batch_collect(sx_db_conn *c, size_t n, sx_db_result **results, sx_db_err err)
{
	PGconn *pg = pgc(c)->pg;
	sx_db_err e;
	PGresult *res;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((res = pg_batch_read(pg)) == NULL)
			return pg_fail(c, NULL);
		if (PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
			PQclear(res);
			continue;
		}
		e = pg_take_result(c, res, err == SX_DB_OK ? &results[i] : NULL);
		if (err == SX_DB_OK)
			err = e;
	}
	return err;
}

/* Reads the result of a control statement of the pipeline (SAVEPOINT,
 * RELEASE, or the Sync when sync is set); a failure is recorded unless an
 * earlier one was. Returns the outcome so far. */
static sx_db_err
pg_batch_control(sx_db_conn *c, sx_db_err err, bool sync)
{
	PGconn *pg = pgc(c)->pg;
	PGresult *res = sync ? PQgetResult(pg) : pg_batch_read(pg);
	ExecStatusType want = sync ? PGRES_PIPELINE_SYNC : PGRES_COMMAND_OK;

	if (res == NULL && !sync)
		return err != SX_DB_OK ? err : pg_fail(c, NULL);
	if (res == NULL || (PQresultStatus(res) != want &&
	    PQresultStatus(res) != PGRES_PIPELINE_ABORTED))
		err = err != SX_DB_OK ? err : pg_fail(c, res);
	PQclear(res);
	return err;
}

/* Queues a control statement (no parameters) on the pipeline. */
static sx_db_err
pg_batch_send_control(sx_db_conn *c, const char *sql)
{
	if (!PQsendQueryParams(pgc(c)->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
		return pg_fail(c, NULL);
	return SX_DB_OK;
}

/* After a failed batch inside a transaction: back to before the batch,
 * keeping the batch's error as the one reported. A transaction already
 * aborted before the batch (its SAVEPOINT failed) stays aborted. */
static void
pg_batch_undo(sx_db_conn *c)
{
	PGresult *res = PQexec(pgc(c)->pg, "ROLLBACK TO SAVEPOINT sx_batch; "
	    "RELEASE SAVEPOINT sx_batch");

	PQclear(res);
}

/*
 * Sends the batch as one pipeline: [SAVEPOINT,] the statements, [RELEASE,]
 * Sync; then reads every result back in order. One round trip when it
 * works, a second to roll back to the savepoint when it fails.
 */
static sx_db_err
pg_batch(sx_db_conn *c, const sx_db_stmt *stmts, size_t n, sx_db_result **results)
{
	PGconn *pg = pgc(c)->pg;
	bool caching = c->cache.capacity > 0;
	pg_batch_item *items;
	sx_db_err err = SX_DB_OK;
	size_t i;
	/* Inside a transaction the batch runs in a savepoint, so a failure
	 * undoes the batch only (outside one, the pipeline is an implicit
	 * transaction of its own). */
	bool in_tx = pg_native_in_tx(c);

	if (n == 0)
		return SX_DB_OK;
	if ((items = calloc(n, sizeof(*items))) == NULL)
		return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0, "out of memory for a batch");
	for (i = 0; i < n && !caching; i++)
		if ((err = sx_db_check_count(c, stmts[i].sql, stmts[i].n)) !=
		    SX_DB_OK)
			goto done;
	if (caching && (err = pg_batch_plan(c, stmts, n, items, &caching)) !=
	    SX_DB_OK)
		goto done;
	if (!PQenterPipelineMode(pg)) {
		err = pg_fail(c, NULL);
		goto done;
	}
	if (in_tx)
		err = pg_batch_send_control(c, "SAVEPOINT sx_batch");
	for (i = 0; i < n && err == SX_DB_OK; i++)
		err = pg_batch_send(c, &stmts[i], &items[i], caching);
	if (in_tx && err == SX_DB_OK)
		err = pg_batch_send_control(c, "RELEASE SAVEPOINT sx_batch");
	if (err == SX_DB_OK && !PQpipelineSync(pg))
		err = pg_fail(c, NULL);
	if (err == SX_DB_OK) {
		if (in_tx)
			err = pg_batch_control(c, err, false);
		if (!c->broken)
			err = pg_batch_collect(c, n, results, err);
		if (in_tx && !c->broken)
			err = pg_batch_control(c, err, false);
		if (!c->broken)
			err = pg_batch_control(c, err, true);
	} else if (!c->broken) {
		/* Nothing sent can be trusted half-way: drop the connection. */
		sx_db_fail(c, SX_DB_ERR_LOST, NULL, 0, "%s (batch aborted while sending)",
		    c->err.message);
	}
	if (!c->broken && !PQexitPipelineMode(pg))
		sx_db_fail(c, SX_DB_ERR_LOST, NULL, 0, "could not leave pipeline mode: %s",
		    PQerrorMessage(pg));
	/* A serialization failure or deadlock dooms the whole transaction
	 * (it must be retried from the start): it stays aborted. */
	if (in_tx && err != SX_DB_OK && err != SX_DB_ERR_SERIALIZATION &&
	    !c->broken)
		pg_batch_undo(c);
done:
	free(items);
	return err != SX_DB_OK ? err : c->err.code;
}

const sx_db_driver sx_db_postgres_driver = {
	.dialect = SX_DB_POSTGRES,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.exec_script = pg_exec_script,
	.batch = pg_batch,
	.native_in_tx = pg_native_in_tx,
	.tx_failed = pg_tx_failed,
	.seems_alive = pg_seems_alive,
	.stmt_free = pg_stmt_free,
	.begin_sql = "BEGIN",
};
