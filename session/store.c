/*
 * store.c: the session store, one implementation over sx_db for both
 * dialects. Everything that differs between SQLite and PostgreSQL is the
 * SQL text in store_sql below; the C around it is shared.
 *
 * SQLite keeps expires_at as a Julian day (REAL), PostgreSQL as a
 * TIMESTAMPTZ; NULL means the row never expires. Reads compare with the
 * current time, so an expired row is never returned even before
 * delete_expired sweeps it. PostgreSQL uses clock_timestamp() rather than
 * now(): inside a long request transaction now() stands still, and a row
 * could be read after it expired.
 */
#include "sx_session.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum store_op {
	OP_SET,
	OP_GET,
	OP_RENEW,
	OP_EXISTS,
	OP_EXPIRES_IN,
	OP_DELETE,
	OP_DELETE_ALL,
	OP_DELETE_EXPIRED,
	OP_COUNT,
	OP__MAX
} store_op;

/* Each statement names the table with "%1$s". Parameters: $1 the key,
 * $2 the data, $3 (set) or $2 (renew) seconds. */
static const char *const store_sql[SX_DB_DIALECT__MAX][OP__MAX] = {
	[SX_DB_SQLITE] = {
		[OP_SET] = "INSERT INTO %1$s (session_id, data, expires_at) "
		    "VALUES ($1, $2, CASE WHEN $3 > 0 THEN julianday('now') + "
		    "$3 / 86400.0 END) ON CONFLICT (session_id) DO UPDATE SET "
		    "data = excluded.data, expires_at = excluded.expires_at",
		[OP_GET] = "SELECT data FROM %1$s WHERE session_id = $1 AND "
		    "(expires_at IS NULL OR expires_at > julianday('now'))",
		[OP_RENEW] = "UPDATE %1$s SET expires_at = julianday('now') + "
		    "$2 / 86400.0 WHERE session_id = $1 AND expires_at IS NOT NULL",
		[OP_EXISTS] = "SELECT 1 FROM %1$s WHERE session_id = $1 AND "
		    "(expires_at IS NULL OR expires_at > julianday('now'))",
		[OP_EXPIRES_IN] = "SELECT CASE WHEN expires_at IS NULL THEN -1 "
		    "ELSE max(0, CAST((expires_at - julianday('now')) * 86400 "
		    "AS INTEGER)) END FROM %1$s WHERE session_id = $1",
		[OP_DELETE] = "DELETE FROM %1$s WHERE session_id = $1",
		[OP_DELETE_ALL] = "DELETE FROM %1$s",
		[OP_DELETE_EXPIRED] = "DELETE FROM %1$s WHERE expires_at IS NOT "
		    "NULL AND expires_at <= julianday('now')",
		[OP_COUNT] = "SELECT count(*) FILTER (WHERE expires_at IS NULL OR "
		    "expires_at > julianday('now')), count(*) FILTER (WHERE "
		    "expires_at <= julianday('now')) FROM %1$s",
	},
	[SX_DB_POSTGRES] = {
		[OP_SET] = "INSERT INTO %1$s (session_id, data, expires_at) "
		    "VALUES ($1, $2, CASE WHEN $3::bigint > 0 THEN "
		    "clock_timestamp() + make_interval(secs => $3::bigint) END) "
		    "ON CONFLICT (session_id) DO UPDATE SET data = EXCLUDED.data, "
		    "expires_at = EXCLUDED.expires_at, updated_at = clock_timestamp()",
		[OP_GET] = "SELECT data FROM %1$s WHERE session_id = $1 AND "
		    "(expires_at IS NULL OR expires_at > clock_timestamp())",
		[OP_RENEW] = "UPDATE %1$s SET expires_at = clock_timestamp() + "
		    "make_interval(secs => $2::bigint), updated_at = "
		    "clock_timestamp() WHERE session_id = $1 AND expires_at IS "
		    "NOT NULL",
		[OP_EXISTS] = "SELECT 1 FROM %1$s WHERE session_id = $1 AND "
		    "(expires_at IS NULL OR expires_at > clock_timestamp())",
		[OP_EXPIRES_IN] = "SELECT CASE WHEN expires_at IS NULL THEN -1 "
		    "ELSE greatest(0, floor(extract(epoch FROM expires_at - "
		    "clock_timestamp())))::bigint END FROM %1$s WHERE "
		    "session_id = $1",
		[OP_DELETE] = "DELETE FROM %1$s WHERE session_id = $1",
		[OP_DELETE_ALL] = "DELETE FROM %1$s",
		[OP_DELETE_EXPIRED] = "DELETE FROM %1$s WHERE expires_at IS NOT "
		    "NULL AND expires_at <= clock_timestamp()",
		[OP_COUNT] = "SELECT count(*) FILTER (WHERE expires_at IS NULL OR "
		    "expires_at > clock_timestamp()), count(*) FILTER (WHERE "
		    "expires_at <= clock_timestamp()) FROM %1$s",
	},
};

struct sx_session_store {
	char table[SX_SESSION_TABLE_MAX + 1];
	char *sql[SX_DB_DIALECT__MAX][OP__MAX];
};

static const char *const session_errs[SX_SESSION_ERR__MAX] = {
	[SX_SESSION_OK] = "ok",
	[SX_SESSION_NOT_FOUND] = "no such session (missing or expired)",
	[SX_SESSION_ERR_TABLE] = "the session table name is not an SQL "
	    "identifier of at most 63 characters (letters, digits, '_')",
	[SX_SESSION_ERR_DB] = "the session store's database failed",
	[SX_SESSION_ERR_TOO_LARGE] = "the session is larger than its size "
	    "bound (store less, or raise sx_session_config.max_size)",
	[SX_SESSION_ERR_STATE] = "no session here (declare the session key "
	    "in the route's SX_DEPS)",
	[SX_SESSION_ERR_NOMEM] = "out of memory",
};

const char *
sx_session_strerror(sx_session_err err)
{
	return err >= 0 && err < SX_SESSION_ERR__MAX ? session_errs[err] :
	    "unknown session error";
}

bool
sx_session_table_ok(const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len == 0 || len > SX_SESSION_TABLE_MAX ||
	    !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	return true;
}

sx_session_err
sx_session_store_new(const char *table, sx_session_store **out)
{
	sx_session_store *s;

	*out = NULL;
	if (table == NULL)
		table = SX_SESSION_TABLE_DEFAULT;
	if (!sx_session_table_ok(table))
		return SX_SESSION_ERR_TABLE;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SX_SESSION_ERR_NOMEM;
	snprintf(s->table, sizeof(s->table), "%s", table);
	for (int d = 0; d < SX_DB_DIALECT__MAX; d++)
		for (int op = 0; op < OP__MAX; op++)
			if (asprintf(&s->sql[d][op], store_sql[d][op], table) < 0) {
				s->sql[d][op] = NULL;
				sx_session_store_free(s);
				return SX_SESSION_ERR_NOMEM;
			}
	*out = s;
	return SX_SESSION_OK;
}

void
sx_session_store_free(sx_session_store *s)
{
	if (s == NULL)
		return;
	for (int d = 0; d < SX_DB_DIALECT__MAX; d++)
		for (int op = 0; op < OP__MAX; op++)
			free(s->sql[d][op]);
	free(s);
}

const char *
sx_session_store_table(const sx_session_store *s)
{
	return s->table;
}

/* Runs statement op of c's dialect; *out (when asked) gets the result. */
static sx_session_err
run(const sx_session_store *s, sx_db_conn *c, store_op op,
    const sx_db_value *params, size_t n, sx_db_result **out)
{
	const char *sql = s->sql[sx_db_conn_dialect(c)][op];

	return sx_db_exec(c, sql, params, n, out) == SX_DB_OK ? SX_SESSION_OK :
	    SX_SESSION_ERR_DB;
}

/* Runs a one-row query op; SX_SESSION_NOT_FOUND when no row came back. */
static sx_session_err
run_one(const sx_session_store *s, sx_db_conn *c, store_op op,
    const sx_db_value *params, size_t n, sx_db_result **out)
{
	sx_db_err rc = sx_db_one(c, s->sql[sx_db_conn_dialect(c)][op], params,
	    n, out);

	if (rc == SX_DB_NO_ROW)
		return SX_SESSION_NOT_FOUND;
	if (rc != SX_DB_OK)
		return SX_SESSION_ERR_DB;
	sx_db_next(*out);
	return SX_SESSION_OK;
}

sx_session_err
sx_session_store_set(const sx_session_store *s, sx_db_conn *c,
    const char *key, const void *data, size_t len, int64_t expires_in)
{
	return run(s, c, OP_SET, SX_PARAMS(SX_PTEXT(key), SX_PBLOB(data, len),
	    SX_PINT(expires_in > 0 ? expires_in : 0)), NULL);
}

sx_session_err
sx_session_store_get(const sx_session_store *s, sx_db_conn *c,
    const char *key, int64_t renew_for, char **data, size_t *len)
{
	sx_db_result *r = NULL;
	const void *bytes;
	sx_session_err rc;

	*data = NULL;
	*len = 0;
	if ((rc = run_one(s, c, OP_GET, SX_PARAMS(SX_PTEXT(key)), &r)) !=
	    SX_SESSION_OK)
		return rc;
	bytes = sx_db_get_blob(r, 0, len);
	if ((*data = malloc(*len + 1)) == NULL) {
		sx_db_result_free(r);
		return SX_SESSION_ERR_NOMEM;
	}
	if (*len > 0)
		memcpy(*data, bytes, *len);
	(*data)[*len] = '\0';
	sx_db_result_free(r);
	if (renew_for > 0 && (rc = run(s, c, OP_RENEW, SX_PARAMS(SX_PTEXT(key),
	    SX_PINT(renew_for)), NULL)) != SX_SESSION_OK) {
		free(*data);
		*data = NULL;
		*len = 0;
	}
	return rc;
}

sx_session_err
sx_session_store_exists(const sx_session_store *s, sx_db_conn *c,
    const char *key, bool *found)
{
	sx_db_result *r = NULL;
	sx_session_err rc = run_one(s, c, OP_EXISTS, SX_PARAMS(SX_PTEXT(key)), &r);

	*found = rc == SX_SESSION_OK;
	sx_db_result_free(r);
	return rc == SX_SESSION_NOT_FOUND ? SX_SESSION_OK : rc;
}

sx_session_err
sx_session_store_expires_in(const sx_session_store *s, sx_db_conn *c,
    const char *key, int64_t *seconds)
{
	sx_db_result *r = NULL;
	sx_session_err rc = run_one(s, c, OP_EXPIRES_IN,
	    SX_PARAMS(SX_PTEXT(key)), &r);

	*seconds = rc == SX_SESSION_OK ? sx_db_get_int(r, 0) : SX_SESSION_NO_EXPIRY;
	sx_db_result_free(r);
	return rc == SX_SESSION_NOT_FOUND ? SX_SESSION_OK : rc;
}

sx_session_err
sx_session_store_delete(const sx_session_store *s, sx_db_conn *c,
    const char *key)
{
	return run(s, c, OP_DELETE, SX_PARAMS(SX_PTEXT(key)), NULL);
}

sx_session_err
sx_session_store_delete_all(const sx_session_store *s, sx_db_conn *c)
{
	return run(s, c, OP_DELETE_ALL, NULL, 0, NULL);
}

sx_session_err
sx_session_store_delete_expired(const sx_session_store *s, sx_db_conn *c,
    int64_t *deleted)
{
	sx_db_result *r = NULL;
	sx_session_err rc = run(s, c, OP_DELETE_EXPIRED, NULL, 0, &r);

	*deleted = rc == SX_SESSION_OK && r != NULL ? sx_db_affected(r) : 0;
	sx_db_result_free(r);
	return rc;
}

sx_session_err
sx_session_store_count(const sx_session_store *s, sx_db_conn *c,
    int64_t *alive, int64_t *expired)
{
	sx_db_result *r = NULL;
	sx_session_err rc = run_one(s, c, OP_COUNT, NULL, 0, &r);

	*alive = rc == SX_SESSION_OK ? sx_db_get_int(r, 0) : 0;
	*expired = rc == SX_SESSION_OK ? sx_db_get_int(r, 1) : 0;
	sx_db_result_free(r);
	return rc;
}
