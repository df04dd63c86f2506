/*
 * migrate_split.c: cuts a migration section into statements.
 *
 * Migrations run one statement at a time so that a failure can say which
 * statement failed. A ';' ends a statement only at the top level: not inside
 * '...' strings, "..." identifiers, comments, PostgreSQL $tag$ bodies or
 * BEGIN ATOMIC ... END blocks, nor SQLite CREATE TRIGGER ... BEGIN ... END
 * bodies (whose statements end in ';' too). CASE ... END is counted so that
 * its END does not close a block.
 */
#include "migrate_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* What the scanner knows about the statement being read. */
typedef struct split_state {
	const char *s;
	size_t i;
	unsigned line;
	sx_db_dialect d;
	/* Words seen at the top level of the current statement. */
	size_t n_words;
	bool create, trigger;	/* CREATE [TEMP] TRIGGER (SQLite) */
	bool prev_begin;	/* last word was BEGIN (for BEGIN ATOMIC) */
	int block;		/* open BEGIN ... END blocks */
	int cases;		/* open CASE ... END expressions */
} split_state;

static bool
is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Moves past s[i..end), counting newlines. */
static void
advance_to(split_state *st, size_t end)
{
	for (; st->i < end && st->s[st->i] != '\0'; st->i++)
		if (st->s[st->i] == '\n')
			st->line++;
}

/* Skips a quoted run that starts at st->i with quote q; a doubled quote is
 * an escaped one, and a backslash escapes the next character when bs. */
static void
skip_quoted(split_state *st, char q, char close, bool bs)
{
	const char *s = st->s;
	size_t j = st->i + 1;

	for (; s[j] != '\0'; j++) {
		if (bs && s[j] == '\\' && s[j + 1] != '\0') {
			j++;
			continue;
		}
		if (s[j] == close) {
			if (close == q && s[j + 1] == q) {
				j++;
				continue;
			}
			j++;
			break;
		}
	}
	advance_to(st, j);
}

/* Skips a block comment; PostgreSQL's nest. */
static void
skip_block_comment(split_state *st)
{
	const char *s = st->s;
	size_t j = st->i + 2;
	int depth = 1;

	while (s[j] != '\0' && depth > 0) {
		if (s[j] == '*' && s[j + 1] == '/') {
			depth--;
			j += 2;
		} else if (st->d == SX_DB_POSTGRES && s[j] == '/' && s[j + 1] == '*') {
			depth++;
			j += 2;
		} else
			j++;
	}
	advance_to(st, j);
}

/* At a '$': skips a PostgreSQL dollar-quoted body and returns true, or
 * returns false when this '$' opens none ($1 parameters, names with $). */
static bool
skip_dollar_quoted(split_state *st)
{
	const char *s = st->s, *open = s + st->i, *close;
	size_t taglen = 1;

	if (st->i > 0 && is_ident(s[st->i - 1]))
		return false;
	while (open[taglen] != '$') {
		char c = open[taglen];

		if (!(isalpha((unsigned char)c) || c == '_' ||
		    (taglen > 1 && isdigit((unsigned char)c))))
			return false;
		taglen++;
	}
	taglen++;			/* the closing '$' of the tag */
	close = s + st->i + taglen;
	for (;;) {
		close = strchr(close, '$');
		if (close == NULL) {
			advance_to(st, strlen(s));
			return true;
		}
		if (strncmp(close, open, taglen) == 0)
			break;
		close++;
	}
	advance_to(st, (size_t)(close - s) + taglen);
	return true;
}

static bool
word_is(const char *w, size_t len, const char *kw)
{
	return strlen(kw) == len && strncasecmp(w, kw, len) == 0;
}

/* Notes one top-level word: tracks CREATE TRIGGER, BEGIN [ATOMIC], CASE, END. */
static void
note_word(split_state *st, const char *w, size_t len)
{
	size_t k = st->n_words++;

	if (k == 0)
		st->create = word_is(w, len, "CREATE");
	else if (st->create && k <= 4 && word_is(w, len, "TRIGGER"))
		st->trigger = st->d == SX_DB_SQLITE;
	if (word_is(w, len, "CASE"))
		st->cases++;
	else if (word_is(w, len, "END")) {
		if (st->cases > 0)
			st->cases--;
		else if (st->block > 0)
			st->block--;
	} else if (word_is(w, len, "BEGIN") && st->trigger)
		st->block++;
	else if (word_is(w, len, "ATOMIC") && st->prev_begin &&
	    st->d == SX_DB_POSTGRES)
		st->block++;
	st->prev_begin = word_is(w, len, "BEGIN");
}

/* Appends s[start..end), right-trimmed, as a statement. */
static int
emit(sx_arena *a, const char *s, size_t start, size_t end, unsigned line,
    sx_sql_stmt **out, size_t *n, size_t *cap)
{
	while (end > start && isspace((unsigned char)s[end - 1]))
		end--;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		sx_sql_stmt *grown = sx_arena_alloc(a, ncap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		if (*n > 0)
			memcpy(grown, *out, *n * sizeof(*grown));
		*out = grown;
		*cap = ncap;
	}
	if (((*out)[*n].sql = sx_arena_strndup(a, s + start, end - start)) == NULL)
		return -1;
	(*out)[*n].line = line;
	(*n)++;
	return 0;
}

int
sx_sql_split(sx_arena *a, const char *sql, sx_db_dialect d, unsigned first_line,
    sx_sql_stmt **out, size_t *n)
{
	split_state st = { .s = sql, .line = first_line, .d = d };
	size_t cap = 0, start = 0;
	bool started = false;
	unsigned stmt_line = first_line;

	*out = NULL;
	*n = 0;
	while (sql[st.i] != '\0') {
		const char c = sql[st.i], next = sql[st.i + 1];

		if (c == '-' && next == '-') {
			const char *nl = strchr(sql + st.i, '\n');

			advance_to(&st, nl ? (size_t)(nl - sql) : strlen(sql));
			continue;
		}
		if (c == '/' && next == '*') {
			skip_block_comment(&st);
			continue;
		}
		if (isspace((unsigned char)c)) {
			advance_to(&st, st.i + 1);
			continue;
		}
		if (!started && c == ';') {
			advance_to(&st, st.i + 1);	/* an empty statement */
			continue;
		}
		if (!started) {
			started = true;
			start = st.i;
			stmt_line = st.line;
		}
		if (c == ';' && st.block == 0) {
			if (emit(a, sql, start, st.i, stmt_line, out, n, &cap) < 0)
				return -1;
			started = false;
			st.n_words = 0;
			st.create = st.trigger = st.prev_begin = false;
			st.cases = 0;
			advance_to(&st, st.i + 1);
		} else if (c == '\'') {
			/* E'...' strings take backslash escapes on PostgreSQL. */
			bool bs = d == SX_DB_POSTGRES && st.i > 0 &&
			    (sql[st.i - 1] == 'E' || sql[st.i - 1] == 'e') &&
			    (st.i < 2 || !is_ident(sql[st.i - 2]));
			skip_quoted(&st, '\'', '\'', bs);
		} else if (c == '"')
			skip_quoted(&st, '"', '"', false);
		else if (c == '`' && d == SX_DB_SQLITE)
			skip_quoted(&st, '`', '`', false);
		else if (c == '[' && d == SX_DB_SQLITE)
			skip_quoted(&st, '[', ']', false);
		else if (c == '$' && d == SX_DB_POSTGRES && skip_dollar_quoted(&st))
			continue;
		else if (isalpha((unsigned char)c) || c == '_') {
			size_t j = st.i;

			while (is_ident(sql[j]))
				j++;
			note_word(&st, sql + st.i, j - st.i);
			advance_to(&st, j);
		} else
			advance_to(&st, st.i + 1);
	}
	if (started && emit(a, sql, start, st.i, stmt_line, out, n, &cap) < 0)
		return -1;
	return 0;
}
