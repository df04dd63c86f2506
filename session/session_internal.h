/*
 * session_internal.h: the session of a request as the framework drives it
 * (framework/sessions.c). Nothing here knows about HTTP: the framework
 * hands in the cookie's value and the time, and reads back which cookie to
 * send. Not installed.
 */
#ifndef SX_SESSION_INTERNAL_H
#define SX_SESSION_INTERNAL_H

#include "sx_session.h"

/* 256 random bits as lower-case hex. */
#define SX_SESSION_ID_LEN 64

struct sx_session {
	sx_session_config cfg;		/* with every default filled in */
	char id[SX_SESSION_ID_LEN + 1];	/* "" until one is needed */
	char loaded_id[SX_SESSION_ID_LEN + 1]; /* the stored row's, "" if none */
	cJSON *data;			/* the values: a JSON object */
	char csrf[SX_SESSION_ID_LEN + 1];/* "" until asked for */
	int64_t created, touched;	/* Unix seconds */
	bool dirty;			/* must be written back */
	bool destroyed;			/* the cookie must be expired */
};

/* The settings with defaults filled in (cfg may be NULL). */
void sx_session_config_resolve(const sx_session_config *cfg,
    sx_session_config *out);

/* A fresh, empty session (NULL: no memory). Free with sx_session_free. */
sx_session *sx_session_new(const sx_session_config *cfg, int64_t now);
void sx_session_free(sx_session *s);

/* Loads the session named by a cookie value. A value that is not an id, an
 * unknown or expired id, or a row that does not parse leaves the session
 * fresh: SX_SESSION_OK all the same. SX_SESSION_ERR_DB only when the
 * database failed. A session last renewed SX_SESSION_RENEW_EVERY seconds
 * ago or more is marked to be written back (renewing its idle timeout). */
sx_session_err sx_session_load(sx_session *s, const sx_session_store *st,
    sx_db_conn *c, const char *cookie, int64_t now);

/* True when sx_session_save has something to do. */
bool sx_session_pending(const sx_session *s);

/* Writes the changes on c (deleting the old row after a rotation or a
 * destruction, then upserting the current one). Returns SX_SESSION_OK or
 * SX_SESSION_ERR_DB / _NOMEM. */
sx_session_err sx_session_save(sx_session *s, const sx_session_store *st,
    sx_db_conn *c, int64_t now);

/* What the response must say after a successful save: the id to send in
 * the cookie (a new or rotated session), or NULL; *expire is true when the
 * cookie must be expired instead. */
const char *sx_session_cookie_value(const sx_session *s, bool *expire);

/* Constant-time comparison of a presented CSRF token with the session's;
 * false when the session has none. */
bool sx_session_csrf_matches(const sx_session *s, const char *token);

#endif
