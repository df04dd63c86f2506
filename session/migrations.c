/*
 * migrations.c: the sessions extension's migrations, carried in the
 * program so an installed app needs no files beside it. Their versions are
 * ext_sessions_NNNN; sx_migrate applies them with the app's own.
 *
 * The table name is configurable, so the text is a template: every
 * "{table}" becomes the name (already checked to be an identifier). A
 * renamed table therefore reads as a changed migration to `db history`,
 * which is the truth: the applied SQL named another table.
 */
#include "sx_session.h"

#include <string.h>

static const sx_migrate_file session_files[] = {
	{ "0001_create_sessions.sqlite.sql",
	  "-- migrate:up\n"
	  "CREATE TABLE {table} (\n"
	  "    session_id TEXT PRIMARY KEY,\n"
	  "    data BLOB NOT NULL,\n"
	  "    expires_at REAL -- Julian day; NULL = never expires\n"
	  ");\n"
	  "CREATE INDEX {table}_expires_at_idx ON {table} (expires_at)\n"
	  "    WHERE expires_at IS NOT NULL;\n"
	  "-- migrate:down\n"
	  "DROP TABLE {table};\n" },
	{ "0001_create_sessions.postgres.sql",
	  "-- migrate:up\n"
	  "CREATE TABLE {table} (\n"
	  "    session_id TEXT PRIMARY KEY,\n"
	  "    data BYTEA NOT NULL,\n"
	  "    expires_at TIMESTAMPTZ,\n"
	  "    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
	  "    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()\n"
	  ") WITH (\n"
	  "    fillfactor = 80,\n"
	  "    autovacuum_vacuum_scale_factor = 0.05,\n"
	  "    autovacuum_analyze_scale_factor = 0.02\n"
	  ");\n"
	  "CREATE INDEX {table}_expires_at_idx ON {table} (expires_at)\n"
	  "    WHERE expires_at IS NOT NULL;\n"
	  "-- migrate:down\n"
	  "DROP TABLE {table};\n" },
};

/* text with every "{table}" replaced by table, in arena a (NULL: no memory). */
static char *
fill_table(sx_arena *a, const char *text, const char *table)
{
	sx_buf b = { 0 };
	const char *p;
	char *out;

	while ((p = strstr(text, "{table}")) != NULL) {
		if (sx_buf_append(&b, text, (size_t)(p - text)) < 0 ||
		    sx_buf_puts(&b, table) < 0)
			goto fail;
		text = p + 7;
	}
	if (sx_buf_puts(&b, text) < 0)
		goto fail;
	out = sx_arena_strdup(a, b.data);
	sx_buf_free(&b);
	return out;
fail:
	sx_buf_free(&b);
	return NULL;
}

sx_session_err
sx_session_migrations(const char *table, sx_arena *a, sx_migrate_ext *out)
{
	size_t n = sizeof(session_files) / sizeof(session_files[0]);
	sx_migrate_file *files;

	memset(out, 0, sizeof(*out));
	if (table == NULL)
		table = SX_SESSION_TABLE_DEFAULT;
	if (!sx_session_table_ok(table))
		return SX_SESSION_ERR_TABLE;
	if ((files = sx_arena_alloc(a, n * sizeof(*files))) == NULL)
		return SX_SESSION_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		files[i].name = session_files[i].name;
		if ((files[i].text = fill_table(a, session_files[i].text,
		    table)) == NULL)
			return SX_SESSION_ERR_NOMEM;
	}
	out->name = "sessions";
	out->dir = "(built-in sessions migrations)";
	out->files = files;
	out->n_files = n;
	return SX_SESSION_OK;
}
