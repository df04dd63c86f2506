/*
 * migrate_internal.h: what the migration files share (not installed).
 *
 * migrate_files.c reads a migrations folder into a plan (an ordered list of
 * sx_mig); migrate_split.c cuts a section of SQL into statements so that a
 * failure names the statement; migrate.c runs the plan against a database.
 * Everything a plan holds lives in its arena.
 */
#ifndef SX_MIGRATE_INTERNAL_H
#define SX_MIGRATE_INTERNAL_H

#include "sx_migrate.h"

/* One migration file chosen for the connection's dialect. */
typedef struct sx_mig {
	const char *version;	/* "0001", "ext_sessions_0001" */
	long number;		/* 1 */
	const char *description;/* "create_users" */
	const char *path;	/* "migrations/0001_create_users.sql" */
	const char *file;	/* "0001_create_users.sql", for messages */
	const char *up;		/* the up section's SQL */
	const char *down;	/* the down section's SQL ("" when absent) */
	unsigned up_line;	/* line of the file where each section starts */
	unsigned down_line;
	char checksum[65];	/* hex SHA-256 of the whole file */
} sx_mig;

/* The migrations to apply, in order: each extension's, then the app's. */
typedef struct sx_mig_plan {
	sx_mig *m;
	size_t n;
	sx_arena *arena;
} sx_mig_plan;

/*
 * Reads the app's folder and the extensions' folders for dialect d into
 * plan (which the caller frees with sx_mig_plan_free, also on failure).
 * A missing app folder is an empty plan. Returns SX_DB_OK, or SX_DB_ERR_SQL
 * with a one-line message naming the file (bad name, duplicate version,
 * no "-- migrate:up" line, unreadable), or SX_DB_ERR_NOMEM.
 */
sx_db_err sx_mig_plan_load(sx_mig_plan *plan,
    const sx_migrate_opts *o, sx_db_dialect d, char *err, size_t errlen);
void sx_mig_plan_free(sx_mig_plan *plan);
/* Index of the migration whose version is v, or -1. */
long sx_mig_plan_find(const sx_mig_plan *plan, const char *v);

/* Lower-case hex SHA-256 of len bytes into out[65]. */
void sx_mig_sha256_hex(const void *data, size_t len, char out[65]);

/* One statement of a section: NUL-terminated, without its ';'. */
typedef struct sx_sql_stmt {
	const char *sql;
	unsigned line;		/* line of its first character, from first_line */
} sx_sql_stmt;

/*
 * Splits SQL text into statements for dialect d. Semicolons inside quoted
 * strings and identifiers, comments, PostgreSQL dollar-quoted bodies and
 * BEGIN ATOMIC blocks, and SQLite trigger bodies do not split. Statements
 * that hold only comments are dropped. The array and the strings live in
 * arena a. Returns 0, or -1 when memory ran out.
 */
int sx_sql_split(sx_arena *a, const char *sql, sx_db_dialect d,
    unsigned first_line, sx_sql_stmt **out, size_t *n);

#endif
