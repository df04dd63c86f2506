/*
 * json.c: results as JSON with honest types. A number stays a number (and
 * keeps every digit: integers beyond 2^53 and PostgreSQL numerics are
 * emitted as raw digits, since a double would round them), NULL is null,
 * PostgreSQL booleans are booleans, timestamps are ISO 8601 strings, blobs
 * are base64 strings, and PostgreSQL json/jsonb columns are embedded as JSON.
 */
#include "db_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Largest integer a double (and so a JSON reader using doubles) holds exactly. */
#define JSON_SAFE_INT (INT64_C(1) << 53)

/* True when s is a plain JSON number (PostgreSQL numeric may be "NaN"). */
static bool
is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	return strspn(s, "0123456789.eE+-") == strlen(s);
}

static cJSON *
cell_json(const sx_db_result *r, const sx_db_cell *cell)
{
	const char *s;
	char digits[24];

	switch (cell->type) {
	case SX_DB_NULL:
		return cJSON_CreateNull();
	case SX_DB_INT:
		if (cell->v.i > -JSON_SAFE_INT && cell->v.i < JSON_SAFE_INT)
			return cJSON_CreateNumber((double)cell->v.i);
		snprintf(digits, sizeof(digits), "%" PRId64, cell->v.i);
		return cJSON_CreateRaw(digits);
	case SX_DB_DOUBLE:
		if (!isfinite(cell->v.d))
			return cJSON_CreateNull();	/* JSON has no NaN or infinity */
		return cJSON_CreateNumber(cell->v.d);
	case SX_DB_BOOL:
		return cJSON_CreateBool(cell->v.b);
	case SX_DB_NUMERIC:
		s = sx_db_cell_bytes(r, cell);
		return is_json_number(s) ? cJSON_CreateRaw(s) : cJSON_CreateString(s);
	case SX_DB_BLOB: {
		sx_buf b = SX_BUF_INIT;
		cJSON *item;

		if (sx_base64_encode(&b, sx_db_cell_bytes(r, cell), cell->len) < 0)
			return NULL;
		item = cJSON_CreateString(b.data != NULL ? b.data : "");
		sx_buf_free(&b);
		return item;
	}
	case SX_DB_JSON:	/* checked by the server or the driver */
		return cJSON_CreateRaw(sx_db_cell_bytes(r, cell));
	default:
		return cJSON_CreateString(sx_db_cell_bytes(r, cell));
	}
}

/* The object for row (column name → value), or NULL when memory ran out. */
static cJSON *
row_json(const sx_db_result *r, size_t row)
{
	cJSON *obj = cJSON_CreateObject(), *item;
	size_t col;

	if (obj == NULL)
		return NULL;
	for (col = 0; col < r->ncols; col++) {
		item = cell_json(r, &r->cells[row * r->ncols + col]);
		if (item == NULL) {
			cJSON_Delete(obj);
			return NULL;
		}
		cJSON_AddItemToObject(obj, sx_db_col_name(r, col), item);
	}
	return obj;
}

/* The current row (row 0 before sx_db_next) as an object, or NULL when
 * there is no such row. */
cJSON *
sx_db_row_json(const sx_db_result *r)
{
	size_t row;

	if (r == NULL)
		return NULL;
	row = r->cur < 0 ? 0 : (size_t)r->cur;
	if (row >= r->nrows)
		return NULL;
	return row_json(r, row);
}

/* Every row, as an array of objects ([] for no rows; NULL only on OOM). */
cJSON *
sx_db_result_json(const sx_db_result *r)
{
	cJSON *arr = cJSON_CreateArray(), *obj;
	size_t row;

	if (arr == NULL || r == NULL)
		return arr;
	for (row = 0; row < r->nrows; row++) {
		if ((obj = row_json(r, row)) == NULL) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, obj);
	}
	return arr;
}
