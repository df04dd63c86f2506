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

typedef struct sx_migrate_ext {
	const char *name;	/* "sessions" -> versions ext_sessions_NNNN */
	const char *dir;
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
 * "base" = all). */
SX_API sx_db_err sx_migrate_downgrade(sx_db_conn *c, const sx_migrate_opts *o,
    const char *target, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
