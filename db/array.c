/*
 * array.c: arrays in and out. A parameter built with SX_PINTS,
 * SX_PDOUBLES, SX_PTEXTS or SX_PJSON (a cJSON array, nested arrays
 * allowed) is written as PostgreSQL's array literal ("{1,2}", text
 * elements quoted) with the array type it has (int8[], float8[], text[],
 * bool[]), or as JSON text ("[1,2]") for SQLite's json_each. A PostgreSQL
 * array result is rewritten as JSON with its elements' types kept.
 */
#include "db_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Array type OIDs of PostgreSQL (pg_type.typarray of each element type). */
enum {
	ARR_BOOL = 1000, ARR_TEXT = 1009, ARR_INT8 = 1016, ARR_FLOAT8 = 1022,
};

/* Writes s as a quoted element: a JSON string, or a PostgreSQL array
 * element ("..." with '"' and '\' escaped by a backslash). */
static int
put_string(sx_buf *b, const char *s, size_t len, bool json)
{
	int rc = sx_buf_putc(b, '"');
	size_t i;

	for (i = 0; i < len && rc == 0; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			rc = sx_buf_putc(b, '\\') < 0 ? -1 : sx_buf_putc(b, (char)ch);
		else if (json && ch < 0x20)
			rc = sx_buf_printf(b, "\\u%04x", ch);
		else
			rc = sx_buf_putc(b, (char)ch);
	}
	return rc < 0 ? -1 : sx_buf_putc(b, '"');
}

/* A double as both dialects read it back exactly; not-a-number and the
 * infinities are NULL in JSON, their names in PostgreSQL. */
static int
put_double(sx_buf *b, double d, bool json)
{
	if (isfinite(d))
		return sx_buf_printf(b, "%.17g", d);
	if (json)
		return sx_buf_puts(b, "null");
	return sx_buf_puts(b, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
}

/* The element kind of a cJSON array's leaves, merged into *kind (0 at
 * first): ARR_INT8 while every number is whole, ARR_FLOAT8, ARR_TEXT or
 * ARR_BOOL. False for a mix, an object, or a leaf of another kind. */
static bool
json_kind(const cJSON *a, int *kind)
{
	const cJSON *e;
	int k;

	cJSON_ArrayForEach(e, a) {
		if (cJSON_IsArray(e)) {
			if (!json_kind(e, kind))
				return false;
			continue;
		}
		if (cJSON_IsNull(e))
			continue;
		if (cJSON_IsNumber(e))
			k = fabs(e->valuedouble) < 9e15 && e->valuedouble ==
			    (double)(int64_t)e->valuedouble ? ARR_INT8 : ARR_FLOAT8;
		else if (cJSON_IsString(e))
			k = ARR_TEXT;
		else if (cJSON_IsBool(e))
			k = ARR_BOOL;
		else
			return false;
		if (*kind == ARR_INT8 && k == ARR_FLOAT8)
			*kind = ARR_FLOAT8;
		else if (*kind == 0 || (*kind == ARR_FLOAT8 && k == ARR_INT8))
			*kind = *kind == 0 ? k : *kind;
		else if (*kind != k)
			return false;
	}
	return true;
}

/* Writes a cJSON array as a PostgreSQL array literal. */
static int
put_json_pg(sx_buf *b, const cJSON *a)
{
	const cJSON *e;
	int rc = sx_buf_putc(b, '{');

	cJSON_ArrayForEach(e, a) {
		if (rc == 0 && e != a->child)
			rc = sx_buf_putc(b, ',');
		if (rc < 0)
			break;
		if (cJSON_IsArray(e))
			rc = put_json_pg(b, e);
		else if (cJSON_IsNull(e))
			rc = sx_buf_puts(b, "NULL");
		else if (cJSON_IsNumber(e))
			rc = put_double(b, e->valuedouble, false);
		else if (cJSON_IsString(e))
			rc = put_string(b, e->valuestring, strlen(e->valuestring), false);
		else
			rc = sx_buf_putc(b, cJSON_IsTrue(e) ? 't' : 'f');
	}
	return rc < 0 ? -1 : sx_buf_putc(b, '}');
}

/* Writes a C array parameter (SX_DB_INTS, _DOUBLES, _TEXTS) in either
 * form; a NULL string element is NULL. */
static int
put_c_array(sx_buf *b, const sx_db_value *v, bool json)
{
	int rc = sx_buf_putc(b, json ? '[' : '{');
	size_t i;

	for (i = 0; i < v->v.a.n && rc == 0; i++) {
		if (i > 0 && sx_buf_putc(b, ',') < 0)
			return -1;
		if (v->type == SX_DB_INTS) {
			rc = sx_buf_printf(b, "%lld",
			    (long long)((const int64_t *)v->v.a.p)[i]);
		} else if (v->type == SX_DB_DOUBLES) {
			rc = put_double(b, ((const double *)v->v.a.p)[i], json);
		} else {
			const char *s = ((const char *const *)v->v.a.p)[i];

			rc = s != NULL ? put_string(b, s, strlen(s), json) :
			    sx_buf_puts(b, json ? "null" : "NULL");
		}
	}
	return rc < 0 ? -1 : sx_buf_putc(b, json ? ']' : '}');
}

bool
sx_db_is_array_param(const sx_db_value *v)
{
	return v->type == SX_DB_INTS || v->type == SX_DB_DOUBLES ||
	    v->type == SX_DB_TEXTS || v->type == SX_DB_JSON;
}

int
sx_db_array_param(const sx_db_value *v, sx_db_dialect d, sx_buf *b,
    unsigned *oid)
{
	static const unsigned c_oid[] = {
		[SX_DB_INTS] = ARR_INT8, [SX_DB_DOUBLES] = ARR_FLOAT8,
		[SX_DB_TEXTS] = ARR_TEXT,
	};
	int kind = 0;
	char *s;
	int rc;

	*oid = 0;
	if (v->type != SX_DB_JSON) {
		if (v->v.a.n > 0 && v->v.a.p == NULL)
			return -2;
		*oid = c_oid[v->type];
		return put_c_array(b, v, d == SX_DB_SQLITE) < 0 ? -1 : 0;
	}
	if (v->v.json == NULL)
		return -2;
	if (d == SX_DB_SQLITE || !cJSON_IsArray(v->v.json)) {
		/* JSON text: SQLite's json_each, a PostgreSQL json column */
		if ((s = cJSON_PrintUnformatted(v->v.json)) == NULL)
			return -1;
		rc = sx_buf_puts(b, s);
		cJSON_free(s);
		return rc < 0 ? -1 : 0;
	}
	if (!json_kind(v->v.json, &kind))
		return -2;
	*oid = (unsigned)kind;	/* 0 for [] and [null...]: the server infers */
	return put_json_pg(b, v->v.json);
}

/* ---- PostgreSQL array results as JSON ---- */

/* Writes element text s[0..len) of an array of kind k ('n' number, 'b'
 * bool, 't' text) as JSON; an unquoted NULL is null. */
static int
put_pg_element(sx_buf *b, const char *s, size_t len, char k, bool quoted)
{
	if (!quoted && len == 4 && strncmp(s, "NULL", 4) == 0)
		return sx_buf_puts(b, "null");
	if (k == 'b')
		return sx_buf_puts(b, len > 0 && *s == 't' ? "true" : "false");
	if (k != 'n')
		return put_string(b, s, len, true);
	/* NaN and the infinities: JSON has none */
	if (len == 0 || strspn(s, "0123456789.eE+-") < len ||
	    memchr(s, 'n', len) != NULL || strcspn(s, "0123456789") >= len)
		return sx_buf_puts(b, "null");
	return sx_buf_append(b, s, len);
}

int
sx_db_pg_array_json(const char *v, size_t len, char kind, sx_buf *out)
{
	const char *p = v, *end = v + len;
	sx_buf el = SX_BUF_INIT;
	int rc = 0;

	/* A non-default lower bound ("[0:1]={...}") is dropped. */
	if (p < end && *p == '[' && (p = memchr(v, '=', len)) != NULL)
		p++;
	else
		p = v;
	while (p < end && rc == 0) {
		if (*p == '{') {
			rc = sx_buf_putc(out, '[');
			p++;
		} else if (*p == '}') {
			rc = sx_buf_putc(out, ']');
			p++;
		} else if (*p == ',') {
			rc = sx_buf_putc(out, ',');
			p++;
		} else if (*p == '"') {
			sx_buf_reset(&el);
			for (p++; p < end && *p != '"' && rc == 0; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				rc = sx_buf_putc(&el, *p);
			}
			p++;
			if (rc == 0)
				rc = put_pg_element(out, el.data != NULL ? el.data : "",
				    el.len, kind, true);
		} else {
			size_t n = strcspn(p, ",}");

			if (p + n > end)
				n = (size_t)(end - p);
			rc = put_pg_element(out, p, n, kind, false);
			p += n;
		}
	}
	sx_buf_free(&el);
	return rc < 0 ? -1 : 0;
}
