/*
 * sx_migrate.h: schema migrations over sx_db connections.
 *
 * Migration files live in a folder, one file a version:
 *
 *	0001_create_users.sql           both dialects
 *	0002_add_index.sqlite.sql       SQLite only
 *	0002_add_index.postgres.sql     PostgreSQL only
 *
 * Each file has an up and a down section, marked by lines of their own:
 *
 *	-- migrate:up
 *	CREATE TABLE users (...);
 *	-- migrate:down
 *	DROP TABLE users;
 *
 * Extensions (sessions, ...) ship their own folders; their versions are
 * named ext_<name>_NNNN and are applied with the app's when the app enables
 * them. Applied versions are recorded in the table sx_migrations (version,
 * description, applied_at, execution_ms, checksum) of each database.
 */
#ifndef SX_MIGRATE_H
#define SX_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "sx_db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A migration file carried in memory: name as on disk, whole text. */
typedef struct sx_migrate_file {
	const char *name;	/* "0001_create_sessions.sqlite.sql" */
	const char *text;	/* "-- migrate:up\n..." */
} sx_migrate_file;

/* An extension's migrations: a folder, or files carried in the program
 * (files non-NULL: dir then only names them in messages), so an installed
 * app needs nothing on disk. */
typedef struct sx_migrate_ext {
	const char *name;	/* "sessions" -> versions ext_sessions_NNNN */
	const char *dir;
	const sx_migrate_file *files;
	size_t n_files;
} sx_migrate_ext;

typedef struct sx_migrate_opts {
	const char *dir;		/* the app's migrations folder */
	const sx_migrate_ext *exts;	/* extension folders */
	size_t n_exts;
	bool dry_run;			/* print the SQL, change nothing */
	bool force;			/* apply even if an applied file changed */
	FILE *out;			/* one line a migration; NULL = quiet */
} sx_migrate_opts;

/*
 * Applies pending migrations up to target (NULL = all), each in its own
 * transaction together with its sx_migrations row. Concurrent upgrades of
 * one database apply each migration once. Returns SX_DB_OK, or an error with
 * a one-line message in err naming the file and the failing statement.
 */
SX_API sx_db_err sx_migrate_upgrade(sx_db_conn *c, const sx_migrate_opts *o,
    const char *target, char *err, size_t errlen);
/* Reverts applied migrations down to target (NULL = one step back;
 * "base" = all), each in its own transaction with its row's removal.
 *
 * Targets ("REV") name a version ("0002", "ext_sessions_0001"), a number
 * ("2"), a file name ("0002_add_posts.sql"), "head" (the last) or "base"
 * (before the first). */
SX_API sx_db_err sx_migrate_downgrade(sx_db_conn *c, const sx_migrate_opts *o,
    const char *target, char *err, size_t errlen);

/* Records target (a version, "head" or "base") as the current version
 * without running any SQL: rows after it are deleted, missing rows up to it
 * are added. For databases whose schema was made by other means. */
SX_API sx_db_err sx_migrate_stamp(sx_db_conn *c, const sx_migrate_opts *o,
    const char *target, char *err, size_t errlen);

/* One migration as the folder and the database see it. */
typedef struct sx_migration_info {
	const char *version;	/* "0001", "ext_sessions_0001" */
	const char *description;/* "create_users" */
	const char *file;	/* file name, NULL when the file is gone */
	bool applied;
	const char *applied_at;	/* when applied, else NULL */
	int64_t execution_ms;
	bool changed;		/* applied, and the file changed since */
} sx_migration_info;

/* Every known migration in order: the folder's, then applied versions whose
 * file is missing. Free with sx_migrate_status_free. */
typedef struct sx_migrate_status {
	sx_migration_info *items;
	size_t n;
	const char *current;	/* last applied version in order, NULL = base */
	size_t pending;		/* files not applied yet */
	sx_arena *arena;	/* owns the strings */
} sx_migrate_status;

/* Reads the folder and the sx_migrations table (changes nothing, not even
 * creating the table). Returns SX_DB_OK or an error with a message. */
SX_API sx_db_err sx_migrate_status_get(sx_db_conn *c, const sx_migrate_opts *o,
    sx_migrate_status *st, char *err, size_t errlen);
SX_API void sx_migrate_status_free(sx_migrate_status *st);

/* Writes DIR/NNNN_slug.sql (the next number, slug made from message) with
 * empty up and down sections. *path (caller frees) names the file. */
SX_API sx_db_err sx_migrate_new_file(const char *dir, const char *message,
    char **path, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
