/*
 * result.c: materialised results. A result is one allocation holding its
 * header, column table, the cells of a first row and a first stretch of
 * bytes for column names, text and blobs; only bigger results move cells or
 * bytes to the heap. A one-row lookup thus costs a single malloc, which is
 * most of what keeps the layer close to raw SQLite speed. Text of non-text cells (an integer read
 * with sx_db_get_text) is formatted on first request and kept.
 */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sx_db_result *
sx_db_result_new(size_t ncols)
{
	size_t head = sizeof(sx_db_result) + ncols * sizeof(sx_db_colinfo);
	size_t cells = ncols * sizeof(sx_db_cell);
	size_t bytes = 64 + ncols * 32;	/* names plus a short row of text */
	sx_db_result *r;

	if (ncols > 65536)
		return NULL;
	head = (head + 15) & ~(size_t)15;
	if ((r = malloc(head + cells + bytes)) == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->own.is_result = true;
	r->ncols = ncols;
	r->cur = -1;
	r->cells = (sx_db_cell *)((char *)r + head);
	r->cap_rows = 1;
	r->data = (char *)r + head + cells;
	r->data_cap = bytes;
	return r;
}

/* Makes room for extra more bytes of data. Returns 0 or -1. */
static int
data_reserve(sx_db_result *r, size_t extra)
{
	size_t cap = r->data_cap;
	char *p;

	if (extra <= r->data_cap - r->data_len)
		return 0;
	if (extra > SIZE_MAX / 4 - r->data_len)
		return -1;
	while (cap - r->data_len < extra)
		cap *= 2;
	if (r->data_heap) {
		if ((p = realloc(r->data, cap)) == NULL)
			return -1;
	} else {
		if ((p = malloc(cap)) == NULL)
			return -1;
		memcpy(p, r->data, r->data_len);
		r->data_heap = true;
	}
	r->data = p;
	r->data_cap = cap;
	return 0;
}

int
sx_db_result_set_col(sx_db_result *r, size_t col, const char *name,
    sx_db_type decl)
{
	size_t len = strlen(name) + 1;

	r->cols[col].name_off = r->data_len;
	r->cols[col].decl = decl;
	/* Names are NUL-terminated inside the data bytes. */
	if (data_reserve(r, len) < 0)
		return -1;
	memcpy(r->data + r->data_len, name, len);
	r->data_len += len;
	return 0;
}

sx_db_cell *
sx_db_result_add_row(sx_db_result *r)
{
	sx_db_cell *row;
	size_t i;

	if (r->nrows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 4;
		sx_db_cell *cells;

		if (r->ncols > 0 && cap > SIZE_MAX / sizeof(*cells) / r->ncols)
			return NULL;
		if (r->cells_heap) {
			cells = realloc(r->cells, cap * r->ncols * sizeof(*cells) + 1);
		} else if ((cells = malloc(cap * r->ncols * sizeof(*cells) + 1)) != NULL) {
			memcpy(cells, r->cells, r->nrows * r->ncols * sizeof(*cells));
			r->cells_heap = true;
		}
		if (cells == NULL)
			return NULL;
		r->cells = cells;
		r->cap_rows = cap;
	}
	row = r->cells + r->nrows * r->ncols;
	for (i = 0; i < r->ncols; i++)
		row[i].type = SX_DB_NULL;
	r->nrows++;
	return row;
}

int
sx_db_result_put_bytes(sx_db_result *r, sx_db_cell *cell, sx_db_type type,
    const void *p, size_t len)
{
	if (len > UINT32_MAX)
		return -1;
	if (data_reserve(r, len + 1) < 0)
		return -1;
	cell->type = type;
	cell->len = (uint32_t)len;
	cell->v.off = r->data_len;
	if (len > 0)
		memcpy(r->data + r->data_len, p, len);
	r->data[r->data_len + len] = '\0';
	r->data_len += len + 1;
	return 0;
}

const char *
sx_db_cell_bytes(const sx_db_result *r, const sx_db_cell *cell)
{
	return r->data + cell->v.off;
}

/* The row the getters read: the current one, or row 0 before sx_db_next. */
static size_t
current_row(const sx_db_result *r)
{
	return r->cur < 0 ? 0 : (size_t)r->cur;
}

const sx_db_cell *
sx_db_result_cell(const sx_db_result *r, size_t col)
{
	size_t row;

	if (r == NULL || col >= r->ncols)
		return NULL;
	if ((row = current_row(r)) >= r->nrows)
		return NULL;
	return &r->cells[row * r->ncols + col];
}

size_t
sx_db_rows(const sx_db_result *r)
{
	return r != NULL ? r->nrows : 0;
}

size_t
sx_db_cols(const sx_db_result *r)
{
	return r != NULL ? r->ncols : 0;
}

int64_t
sx_db_affected(const sx_db_result *r)
{
	return r != NULL ? r->affected : 0;
}

bool
sx_db_next(sx_db_result *r)
{
	if (r == NULL)
		return false;
	if (r->cur + 1 >= (long)r->nrows) {
		r->cur = (long)r->nrows;	/* past the end: getters read nothing */
		return false;
	}
	r->cur++;
	return true;
}

bool
sx_db_seek(sx_db_result *r, size_t row)
{
	if (r == NULL || row >= r->nrows)
		return false;
	r->cur = (long)row;
	return true;
}

const char *
sx_db_col_name(const sx_db_result *r, size_t col)
{
	if (r == NULL || col >= r->ncols)
		return NULL;
	return r->data + r->cols[col].name_off;
}

int
sx_db_col_index(const sx_db_result *r, const char *name)
{
	size_t i;

	if (r == NULL || name == NULL)
		return -1;
	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->data + r->cols[i].name_off, name) == 0)
			return (int)i;
	return -1;
}

sx_db_type
sx_db_col_type(const sx_db_result *r, size_t col)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);

	return cell != NULL ? cell->type : SX_DB_NULL;
}

bool
sx_db_is_null(const sx_db_result *r, size_t col)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);

	return cell == NULL || cell->type == SX_DB_NULL;
}

/* Integer of any cell: text is parsed, doubles truncated, NULL is 0. */
int64_t
sx_db_get_int(const sx_db_result *r, size_t col)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);

	if (cell == NULL)
		return 0;
	switch (cell->type) {
	case SX_DB_INT:
		return cell->v.i;
	case SX_DB_DOUBLE:
		return (int64_t)cell->v.d;
	case SX_DB_BOOL:
		return cell->v.b;
	case SX_DB_TEXT:
	case SX_DB_NUMERIC:
		return strtoll(sx_db_cell_bytes(r, cell), NULL, 10);
	default:
		return 0;
	}
}

double
sx_db_get_double(const sx_db_result *r, size_t col)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);

	if (cell == NULL)
		return 0;
	switch (cell->type) {
	case SX_DB_INT:
		return (double)cell->v.i;
	case SX_DB_DOUBLE:
		return cell->v.d;
	case SX_DB_BOOL:
		return cell->v.b;
	case SX_DB_TEXT:
	case SX_DB_NUMERIC:
		return strtod(sx_db_cell_bytes(r, cell), NULL);
	default:
		return 0;
	}
}

/* Boolean of any cell: PostgreSQL bool, nonzero numbers, "t"/"true"/"1". */
bool
sx_db_get_bool(const sx_db_result *r, size_t col)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);
	const char *s;

	if (cell == NULL)
		return false;
	switch (cell->type) {
	case SX_DB_BOOL:
		return cell->v.b;
	case SX_DB_INT:
		return cell->v.i != 0;
	case SX_DB_DOUBLE:
		return cell->v.d != 0;
	case SX_DB_TEXT:
		s = sx_db_cell_bytes(r, cell);
		return strcmp(s, "t") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
	default:
		return false;
	}
}

/* Formats a number or bool cell once and keeps the text with the result. */
static const char *
formatted_text(const sx_db_result *r, const sx_db_cell *cell)
{
	sx_db_result *mr = (sx_db_result *)r;	/* a cache, not a visible change */
	size_t idx = (size_t)(cell - r->cells);
	char tmp[40];

	if (mr->text_cache == NULL &&
	    (mr->text_cache = calloc(r->nrows * r->ncols, sizeof(char *))) == NULL)
		return NULL;
	if (mr->text_cache[idx] != NULL)
		return mr->text_cache[idx];
	if (cell->type == SX_DB_INT)
		snprintf(tmp, sizeof(tmp), "%" PRId64, cell->v.i);
	else if (cell->type == SX_DB_DOUBLE)
		snprintf(tmp, sizeof(tmp), "%.17g", cell->v.d);
	else
		snprintf(tmp, sizeof(tmp), "%s", cell->v.b ? "true" : "false");
	mr->text_cache[idx] = strdup(tmp);
	return mr->text_cache[idx];
}

const char *
sx_db_get_text(const sx_db_result *r, size_t col)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);

	if (cell == NULL || cell->type == SX_DB_NULL)
		return NULL;
	switch (cell->type) {
	case SX_DB_INT:
	case SX_DB_DOUBLE:
	case SX_DB_BOOL:
		return formatted_text(r, cell);
	default:
		return sx_db_cell_bytes(r, cell);
	}
}

const void *
sx_db_get_blob(const sx_db_result *r, size_t col, size_t *len)
{
	const sx_db_cell *cell = sx_db_result_cell(r, col);

	if (cell == NULL || cell->type == SX_DB_NULL) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (cell->type == SX_DB_INT || cell->type == SX_DB_DOUBLE || cell->type == SX_DB_BOOL) {
		const char *s = formatted_text(r, cell);

		if (len != NULL)
			*len = s != NULL ? strlen(s) : 0;
		return s;
	}
	if (len != NULL)
		*len = cell->len;
	return sx_db_cell_bytes(r, cell);
}

/* ---- checked getters ---- */

/* Whole-string number parses: false unless all of s is the number. */
static bool
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = v;
	return true;
}

static bool
parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || end == s || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool
sx_db_cell_int(const sx_db_result *r, const sx_db_cell *cell, int64_t *out)
{
	double d;

	*out = 0;
	switch (cell->type) {
	case SX_DB_INT:
		*out = cell->v.i;
		return true;
	case SX_DB_DOUBLE:
		d = cell->v.d;
		break;
	case SX_DB_TEXT:
	case SX_DB_NUMERIC:
		if (parse_int(sx_db_cell_bytes(r, cell), out))
			return true;
		if (!parse_double(sx_db_cell_bytes(r, cell), &d))
			return false;
		break;
	default:
		return false;
	}
	/* A double counts when it is a whole number within int64_t. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
	    d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

/* Names looked up in vain, each logged once per process (up to 64). */
static struct {
	pthread_mutex_t mu;
	uint64_t seen[64];
	size_t n;
} missing = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Logs to stderr, once per name, that no column of r is called name. */
static void
log_missing(const sx_db_result *r, const char *name)
{
	uint64_t h = sx_db_sql_hash(name, strlen(name));
	bool first = true;
	size_t i;

	pthread_mutex_lock(&missing.mu);
	for (i = 0; i < missing.n && first; i++)
		first = missing.seen[i] != h;
	if (first && missing.n < sizeof(missing.seen) / sizeof(missing.seen[0]))
		missing.seen[missing.n++] = h;
	else
		first = false;
	pthread_mutex_unlock(&missing.mu);
	if (!first)
		return;
	fprintf(stderr, "sextant db: no column \"%s\" in a result with %zu "
	    "column(s)%s%s (check the name against the query's SELECT list)\n",
	    name, r->ncols, r->ncols > 0 ? ", the first " : "",
	    r->ncols > 0 ? sx_db_col_name(r, 0) : "");
}

/* The current row's cell called name for a checked getter; NULL when
 * there is no such column (logged once) or no current row. */
static const sx_db_cell *
named_cell(const sx_db_result *r, const char *name)
{
	int col = sx_db_col_index(r, name);

	if (col < 0) {
		if (r != NULL && name != NULL)
			log_missing(r, name);
		return NULL;
	}
	return sx_db_result_cell(r, (size_t)col);
}

bool
sx_db_int_at(const sx_db_result *r, const char *name, int64_t *out)
{
	const sx_db_cell *cell = named_cell(r, name);

	*out = 0;
	return cell != NULL && sx_db_cell_int(r, cell, out);
}

bool
sx_db_double_at(const sx_db_result *r, const char *name, double *out)
{
	const sx_db_cell *cell = named_cell(r, name);

	*out = 0;
	if (cell == NULL)
		return false;
	switch (cell->type) {
	case SX_DB_INT:
		*out = (double)cell->v.i;
		return true;
	case SX_DB_DOUBLE:
		*out = cell->v.d;
		return true;
	case SX_DB_TEXT:
	case SX_DB_NUMERIC:
		return parse_double(sx_db_cell_bytes(r, cell), out);
	default:
		return false;
	}
}

bool
sx_db_bool_at(const sx_db_result *r, const char *name, bool *out)
{
	const sx_db_cell *cell = named_cell(r, name);
	const char *s;

	*out = false;
	if (cell == NULL)
		return false;
	switch (cell->type) {
	case SX_DB_BOOL:
		*out = cell->v.b;
		return true;
	case SX_DB_INT:	/* SQLite's BOOLEAN */
		if (cell->v.i != 0 && cell->v.i != 1)
			return false;
		*out = cell->v.i == 1;
		return true;
	case SX_DB_TEXT:
		s = sx_db_cell_bytes(r, cell);
		if (strcmp(s, "t") == 0 || strcmp(s, "true") == 0 ||
		    strcmp(s, "1") == 0)
			return *out = true;
		return strcmp(s, "f") == 0 || strcmp(s, "false") == 0 ||
		    strcmp(s, "0") == 0;
	default:
		return false;
	}
}

bool
sx_db_text_at(const sx_db_result *r, const char *name, const char **out)
{
	const sx_db_cell *cell = named_cell(r, name);

	*out = NULL;
	if (cell == NULL || cell->type == SX_DB_NULL)
		return false;
	*out = sx_db_get_text(r, (size_t)sx_db_col_index(r, name));
	return *out != NULL;
}

int64_t
sx_db_int(const sx_db_result *r, const char *name)
{
	int col = sx_db_col_index(r, name);

	return col < 0 ? 0 : sx_db_get_int(r, (size_t)col);
}

const char *
sx_db_text(const sx_db_result *r, const char *name)
{
	int col = sx_db_col_index(r, name);

	return col < 0 ? NULL : sx_db_get_text(r, (size_t)col);
}

void
sx_db_result_free(sx_db_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	sx_db_disown(&r->own);
	if (r->text_cache != NULL) {
		for (i = 0; i < r->nrows * r->ncols; i++)
			free(r->text_cache[i]);
		free(r->text_cache);
	}
	if (r->cells_heap)
		free(r->cells);
	if (r->data_heap)
		free(r->data);
	free(r);
}
