/*
 * sx_session.h: server-side sessions kept in a database table.
 *
 * Two layers:
 *   - the store (sx_session_store_*): bytes under a key with an optional
 *     expiry, over any sx_db connection, SQLite or PostgreSQL. Usable on
 *     its own from C; every call runs on the connection it is given, so it
 *     joins whatever transaction that connection has open.
 *   - the session of a request (sx_session_*): a JSON object behind a
 *     cookie, injected into routes that declare SX_DEPS("session"), written
 *     back inside the request's transaction only when it changed.
 *
 * The table is made by the sessions extension's migrations
 * (ext_sessions_0001, ...), applied with the app's own by `db upgrade` or
 * --migrate when the app lists "sessions" in sx_app.extensions.
 */
#ifndef SX_SESSION_H
#define SX_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sx_util.h"
#include "sx_db.h"
#include "sx_migrate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outcomes of the session calls; sx_session_strerror names each. */
typedef enum sx_session_err {
	SX_SESSION_OK = 0,
	SX_SESSION_NOT_FOUND,	/* no such key, or it expired (not a failure) */
	SX_SESSION_ERR_TABLE,	/* the table name is not an SQL identifier */
	SX_SESSION_ERR_DB,	/* the database refused: see sx_db_last_error */
	SX_SESSION_ERR_TOO_LARGE,/* the session's JSON is over its size bound */
	SX_SESSION_ERR_STATE,	/* no session here (not declared, destroyed) */
	SX_SESSION_ERR_NOMEM,
	SX_SESSION_ERR__MAX
} sx_session_err;

SX_API const char *sx_session_strerror(sx_session_err err);

/* ---- The store ------------------------------------------------------------ */

#define SX_SESSION_TABLE_DEFAULT "sx_sessions"
#define SX_SESSION_TABLE_MAX 63
/* What sx_session_store_expires_in reports for a key without expiry. */
#define SX_SESSION_NO_EXPIRY (-1)

typedef struct sx_session_store sx_session_store;

/* True when name can be the store's table: an unquoted SQL identifier
 * (a letter or '_', then letters, digits, '_'), at most 63 characters. */
SX_API bool sx_session_table_ok(const char *name);

/* A store over table (NULL = "sx_sessions"). SX_SESSION_ERR_TABLE when the
 * name is refused. Free with sx_session_store_free. */
SX_API sx_session_err sx_session_store_new(const char *table,
    sx_session_store **out);
SX_API void sx_session_store_free(sx_session_store *s);
SX_API const char *sx_session_store_table(const sx_session_store *s);

/* Upserts key; expires_in in seconds, <= 0 = never expires. */
SX_API sx_session_err sx_session_store_set(const sx_session_store *s,
    sx_db_conn *c, const char *key, const void *data, size_t len,
    int64_t expires_in);
/* The bytes under key (*data malloc'd, caller frees; NUL-terminated for
 * convenience), or SX_SESSION_NOT_FOUND when missing or expired. With
 * renew_for > 0 and an expiry set, the expiry becomes now + renew_for. */
SX_API sx_session_err sx_session_store_get(const sx_session_store *s,
    sx_db_conn *c, const char *key, int64_t renew_for, char **data,
    size_t *len);
/* *found is false when key is missing or expired. */
SX_API sx_session_err sx_session_store_exists(const sx_session_store *s,
    sx_db_conn *c, const char *key, bool *found);
/* Whole seconds left: SX_SESSION_NO_EXPIRY when missing or without expiry,
 * 0 when present but expired. */
SX_API sx_session_err sx_session_store_expires_in(const sx_session_store *s,
    sx_db_conn *c, const char *key, int64_t *seconds);
/* A missing key is not an error. */
SX_API sx_session_err sx_session_store_delete(const sx_session_store *s,
    sx_db_conn *c, const char *key);
SX_API sx_session_err sx_session_store_delete_all(const sx_session_store *s,
    sx_db_conn *c);
/* Deletes expired rows (rows without expiry stay); *deleted gets the count. */
SX_API sx_session_err sx_session_store_delete_expired(
    const sx_session_store *s, sx_db_conn *c, int64_t *deleted);
/* Rows alive and rows expired but not yet deleted. */
SX_API sx_session_err sx_session_store_count(const sx_session_store *s,
    sx_db_conn *c, int64_t *alive, int64_t *expired);

/* The extension's migrations (versions ext_sessions_NNNN) for table (NULL =
 * the default), as files carried in memory, allocated in a. */
SX_API sx_session_err sx_session_migrations(const char *table, sx_arena *a,
    sx_migrate_ext *out);

/* ---- Settings of the sessions extension ------------------------------------ */

#define SX_SESSION_KEY_DEFAULT "session"
#define SX_SESSION_COOKIE_DEFAULT "sx_session"
#define SX_SESSION_IDLE_DEFAULT (14L * 24 * 3600)	/* seconds */
#define SX_SESSION_LIFETIME_DEFAULT (30L * 24 * 3600)	/* seconds */
#define SX_SESSION_MAX_SIZE_DEFAULT ((size_t)64 << 10)	/* bytes of JSON */
/* An idle timeout is renewed at most this often, so reads do not write. */
#define SX_SESSION_RENEW_EVERY 60
/* The form field that carries the CSRF token. */
#define SX_SESSION_CSRF_FIELD "csrf_token"

/* Zero fields take the defaults above. */
typedef struct sx_session_config {
	const char *key;		/* dependency key: "session" */
	const char *database;		/* any key of the store's database;
					   NULL = the app's first database */
	const char *table;		/* "sx_sessions" */
	const char *cookie_name;	/* "sx_session" */
	bool cookie_secure;		/* always Secure (else only over HTTPS) */
	long idle_timeout_s;		/* expires after this long unused */
	long lifetime_s;		/* and this long after it began, whatever */
	size_t max_size;		/* bytes of the JSON value */
} sx_session_config;

/* ---- The session of a request ---------------------------------------------- */

typedef struct sx_session sx_session;

/* The value stored under name, or NULL. Valid until the session changes. */
SX_API const cJSON *sx_session_get(const sx_session *s, const char *name);
/* Stores value under name; ownership of value passes to the call (freed
 * on failure too). SX_SESSION_ERR_TOO_LARGE when the session would exceed
 * its size bound (it is left as it was). */
SX_API sx_session_err sx_session_set(sx_session *s, const char *name,
    cJSON *value);
SX_API void sx_session_remove(sx_session *s, const char *name);
/* Drops every value (the session and its id remain). */
SX_API void sx_session_clear(sx_session *s);
/* A new id for the same data: call it at login and at every change of
 * privilege, so an id planted before cannot ride along (fixation). */
SX_API sx_session_err sx_session_rotate(sx_session *s);
/* Deletes the stored session and expires the cookie. */
SX_API void sx_session_destroy(sx_session *s);
/* The session's CSRF token (made on first use): embed it in forms as the
 * field "csrf_token" or send it as the X-CSRF-Token header. */
SX_API const char *sx_session_csrf_token(sx_session *s);

#ifdef __cplusplus
}
#endif
#endif
