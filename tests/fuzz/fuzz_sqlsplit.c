/*
 * fuzz_sqlsplit.c: the migration statement splitter (sx_sql_split) over
 * arbitrary text, for both dialects. The first byte picks the dialect.
 *
 * Invariants: every statement is a NUL-terminated string no longer than the
 * input, statements come in input order by line, and together they hold no
 * more non-blank bytes than the input (the splitter only cuts and drops).
 */
#include "migrate_internal.h"
#include "fuzz.h"

#include <ctype.h>
#include <string.h>

static size_t
non_blank(const char *s, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]) && s[i] != ';')
			k++;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sx_arena *a;
	sx_sql_stmt *st;
	sx_db_dialect d;
	size_t n, total = 0;
	unsigned last_line = 0;
	char *sql;

	if (size == 0)
		return 0;
	d = data[0] & 1 ? SX_DB_POSTGRES : SX_DB_SQLITE;
	if ((a = sx_arena_new(4096)) == NULL)
		return 0;
	/* The splitter reads a C string: stop at the first NUL. */
	sql = sx_arena_strndup(a, (const char *)data + 1, size - 1);
	SX_FUZZ_CHECK(sql != NULL);
	if (sx_sql_split(a, sql, d, 1, &st, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(st[i].sql);

			SX_FUZZ_CHECK(len <= size);
			SX_FUZZ_CHECK(st[i].line >= last_line);
			last_line = st[i].line;
			total += non_blank(st[i].sql, len);
		}
		SX_FUZZ_CHECK(total <= non_blank(sql, strlen(sql)));
	}
	sx_arena_free(a);
	return 0;
}
