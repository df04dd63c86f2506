/*
 * extensions.c: what the app's description says about the extensions it
 * uses (sx_app.extensions), for the database settings, the resolver and the
 * commands: the key the sessions extension provides and the migrations it
 * brings. The sessions in a request are sessions.c's.
 */
#include "dbset.h"
#include "session_internal.h"

#include <stdio.h>
#include <string.h>

bool
sx_app_uses_sessions(const sx_app *app)
{
	for (const char *const *e = app->extensions; e != NULL && *e != NULL; e++)
		if (strcmp(*e, "sessions") == 0)
			return true;
	return false;
}

const char *
sx_sessions_key(const sx_app *app)
{
	if (!sx_app_uses_sessions(app))
		return NULL;
	return app->sessions != NULL && app->sessions->key != NULL ?
	    app->sessions->key : SX_SESSION_KEY_DEFAULT;
}

int
sx_sessions_migrate_exts(const sx_app *app, size_t db_index,
    const char *const *keys, sx_arena *a, sx_migrate_ext *ext,
    sx_migrate_opts *o, char *err, size_t errlen)
{
	const char *want = app->sessions != NULL ? app->sessions->database : NULL;
	bool mine = want == NULL ? db_index == 0 : false;

	for (int k = 0; want != NULL && k < SX_DBKEY__MAX; k++)
		mine = mine || (keys[k] != NULL && strcmp(keys[k], want) == 0);
	if (!sx_app_uses_sessions(app) || !mine)
		return 0;
	if (sx_session_migrations(app->sessions != NULL ? app->sessions->table :
	    NULL, a, ext) != SX_SESSION_OK) {
		snprintf(err, errlen, "sessions: cannot prepare the migrations (is "
		    "the table name an SQL identifier of at most %d characters?)",
		    SX_SESSION_TABLE_MAX);
		return -1;
	}
	o->exts = ext;
	o->n_exts = 1;
	return 0;
}
