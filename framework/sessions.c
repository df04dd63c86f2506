/*
 * sessions.c: the sessions extension in the request pipeline. The session
 * itself (session/) knows nothing of HTTP; this file reads its cookie,
 * injects it under its key, checks form routes' CSRF tokens, and writes it
 * back between the handler and the transaction wrapper.
 *
 * Atomicity: a changed session is written on the store's database inside
 * the request's transaction, so the wrapper commits or rolls it back with
 * the handler's work. A request that will roll back (failed handler, a
 * status its commit mode does not commit) writes nothing and sends no
 * cookie, so the session stays as it was. The cookie is set before the
 * wrapper runs; if a commit then fails, the wrapper replaces the whole
 * response, cookie included. In manual mode the wrapper commits nothing,
 * so the session gets a short transaction of its own when the status is
 * below 400. Either way, a transaction the wrapper will not commit (one the
 * handler left open in manual mode or on the connection key) is rolled back
 * when the connection goes back to its pool, and the session with it.
 */
#include "dbset.h"
#include "session_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sx_sessions {
	sx_session_config cfg;		/* defaults filled in */
	sx_session_store *store;
	size_t db;			/* index in the runtime's dbset */
};

static const char *const known_extensions[] = { "sessions", NULL };

/* True when the route carries key among its dependencies. */
static bool
route_has(const sx_route *route, const char *key)
{
	for (const char *const *d = route != NULL ? route->deps : NULL;
	    key != NULL && d != NULL && *d != NULL; d++)
		if (strcmp(*d, key) == 0)
			return true;
	return false;
}

bool
sx_route_is_form(const sx_route *route)
{
	return route_has(route, SX_FORM_ROUTE);
}

/* Refuses extension names nobody provides. */
static int
check_extension_names(const sx_app *app, char *err, size_t errlen)
{
	for (const char *const *e = app->extensions; e != NULL && *e != NULL; e++) {
		bool known = false;

		for (const char *const *k = known_extensions; *k != NULL; k++)
			known = known || strcmp(*e, *k) == 0;
		if (!known) {
			snprintf(err, errlen, "extension \"%s\" is unknown (known: "
			    "sessions); fix sx_app.extensions", *e);
			return -1;
		}
	}
	return 0;
}

/* Form routes need the session that holds their token. */
static int
check_form_routes(const sx_app *app, char *err, size_t errlen)
{
	for (size_t i = 0; i < app->n_routes && !sx_app_uses_sessions(app); i++)
		if (sx_route_is_form(&app->routes[i])) {
			snprintf(err, errlen, "route %s %s is a form route "
			    "(SX_FORM_ROUTE) but the app does not use sessions, "
			    "which hold its CSRF token (add .extensions = "
			    "SX_EXTENSIONS(\"sessions\"))",
			    sx_methods[app->routes[i].method], app->routes[i].pattern);
			return -1;
		}
	return 0;
}

int
sx_sessions_store_db(const struct sx_dbset *dbs, const sx_session_config *cfg,
    char *err, size_t errlen)
{
	int i;

	if (dbs == NULL || dbs->n == 0) {
		snprintf(err, errlen, "sessions: the app has no database to keep "
		    "them in (add one to sx_app.databases)");
		return -1;
	}
	if (cfg->database == NULL)
		return 0;
	if ((i = sx_dbset_find(dbs, cfg->database, NULL)) < 0)
		snprintf(err, errlen, "sessions: database \"%s\" is not one of "
		    "the app's (set sx_session_config.database to one of its "
		    "keys, e.g. \"%s\")", cfg->database,
		    dbs->conf[0].keys[SX_DBKEY_SESSION]);
	return i;
}

int
sx_sessions_open(sx_runtime *rt, char *err, size_t errlen)
{
	struct sx_sessions *ss;
	int db;

	if (check_extension_names(rt->app, err, errlen) < 0 ||
	    check_form_routes(rt->app, err, errlen) < 0)
		return -1;
	if (!sx_app_uses_sessions(rt->app))
		return 0;
	if ((ss = calloc(1, sizeof(*ss))) == NULL) {
		snprintf(err, errlen, "sessions: out of memory");
		return -1;
	}
	rt->sessions = ss;	/* freed with the runtime, even on failure */
	sx_session_config_resolve(rt->app->sessions, &ss->cfg);
	if (sx_session_store_new(ss->cfg.table, &ss->store) != SX_SESSION_OK) {
		snprintf(err, errlen, "sessions: table name \"%.80s\" refused: use "
		    "an SQL identifier (letters, digits, '_', not starting with a "
		    "digit) of at most %d characters", ss->cfg.table,
		    SX_SESSION_TABLE_MAX);
		return -1;
	}
	if ((db = sx_sessions_store_db(rt->dbs, &ss->cfg, err, errlen)) < 0)
		return -1;
	ss->db = (size_t)db;
	if (sx_dbset_find(rt->dbs, ss->cfg.key, NULL) >= 0) {
		snprintf(err, errlen, "sessions: key \"%s\" is also a database's "
		    "key (give sx_session_config.key another name)", ss->cfg.key);
		return -1;
	}
	return 0;
}

void
sx_sessions_free(struct sx_sessions *ss)
{
	if (ss == NULL)
		return;
	sx_session_store_free(ss->store);
	free(ss);
}


/* ---- in a request ------------------------------------------------------------- */

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* Records a failure the handler passes on when it gives up. */
static void
store_failed(sx_req *req, sx_db_conn *c, const char *what)
{
	const char *detail = c != NULL ? sx_db_last_error(c)->message : "";

	sx_req_log(req, "sessions: cannot %s the session: %s", what, detail);
	req->pending_status = 503;
	req->pending_error = sx_req_printf(req, "the session store is not "
	    "available (cannot %s the session); retry shortly", what);
}

sx_session *
sx_sessions_inject(sx_req *req)
{
	const struct sx_sessions *ss = req->rt->sessions;
	sx_db_conn *c;
	sx_session *s;

	if (req->session != NULL || ss == NULL)
		return req->session;
	if ((c = sx_deps_conn(req, ss->db, SX_DBKEY_CONNECTION)) == NULL)
		return NULL;	/* the resolver set the pending error */
	if ((s = sx_session_new(&ss->cfg, now_s())) == NULL) {
		req->pending_status = 500;
		req->pending_error = "out of memory";
		return NULL;
	}
	if (sx_session_load(s, ss->store, c, sx_req_cookie(req,
	    ss->cfg.cookie_name), now_s()) != SX_SESSION_OK) {
		store_failed(req, c, "read");
		sx_session_free(s);
		return NULL;
	}
	req->session = s;
	return s;
}

sx_session *
sx_session_of(sx_req *req)
{
	const char *key = req->rt != NULL ? sx_sessions_key(req->app) : NULL;

	if (key == NULL) {
		req->pending_status = 500;
		req->pending_error = "the app does not use sessions (add .extensions "
		    "= SX_EXTENSIONS(\"sessions\") to its sx_app)";
		return NULL;
	}
	if (!route_has(req->route, key)) {
		req->pending_status = 500;
		req->pending_error = sx_req_printf(req, "dependency \"%s\" is not "
		    "declared by route %s %s (add it to the route's SX_DEPS)",
		    key, req->route != NULL ? sx_methods[req->route->method] : "-",
		    req->route != NULL ? req->route->pattern : "-");
		return NULL;
	}
	return sx_sessions_inject(req);
}

static bool
is_unsafe(sx_method m)
{
	return m == SX_POST || m == SX_PUT || m == SX_PATCH || m == SX_DELETE;
}

const char *
sx_sessions_csrf_check(sx_req *req, int *status)
{
	const char *token;
	sx_session *s;

	if (!sx_route_is_form(req->route) || !is_unsafe(req->method))
		return NULL;
	if ((s = sx_sessions_inject(req)) == NULL) {
		*status = req->pending_status ? req->pending_status : 503;
		return req->pending_error;
	}
	*status = 403;
	token = sx_req_form(req, SX_SESSION_CSRF_FIELD);
	if (token == NULL)
		token = sx_req_header(req, "x-csrf-token");
	if (token == NULL)
		return "CSRF token missing: send the session's token in the form "
		    "field csrf_token or the X-CSRF-Token header";
	if (!sx_session_csrf_matches(s, token))
		return "CSRF token does not match this session's (reload the form "
		    "and submit it again)";
	return NULL;
}

/* Sets or expires the cookie after a save. */
static void
send_cookie(sx_req *req, const sx_session *s)
{
	bool expire;
	const char *id = sx_session_cookie_value(s, &expire);
	sx_cookie_opts o = {
		.path = "/",
		.samesite = SX_SAMESITE_LAX,
		.secure = s->cfg.cookie_secure || req->https,
		.max_age = id != NULL ? s->cfg.lifetime_s : -1,
	};

	if (id != NULL || expire)
		sx_res_cookie(req->res, s->cfg.cookie_name, id != NULL ? id : "", &o);
}

/* Writes in a transaction of its own (manual mode). */
static sx_session_err
save_alone(sx_session *s, const sx_session_store *st, sx_db_conn *c)
{
	sx_session_err rc;

	if (sx_db_begin(c) != SX_DB_OK)
		return SX_SESSION_ERR_DB;
	rc = sx_session_save(s, st, c, now_s());
	if (rc == SX_SESSION_OK && sx_db_commit(c) != SX_DB_OK)
		rc = SX_SESSION_ERR_DB;
	if (rc != SX_SESSION_OK && sx_db_in_transaction(c))
		sx_db_rollback(c);
	return rc;
}

bool
sx_sessions_flush(sx_req *req, bool failed)
{
	const struct sx_sessions *ss = req->rt->sessions;
	sx_session *s = req->session;
	const sx_dbconf *db;
	int status = sx_res_get_status(req->res);
	bool manual;
	sx_db_conn *c;
	sx_session_err rc;

	if (s == NULL || failed || req->aborted || !sx_session_pending(s))
		return failed;
	db = &req->rt->dbs->conf[ss->db];
	manual = db->mode == SX_COMMIT_MANUAL;
	if (manual ? status >= 400 : sx_tx_decide(db, status, false) != SX_TX_COMMIT)
		return failed;	/* the request rolls back: so does the session */
	c = sx_deps_conn(req, ss->db, SX_DBKEY_CONNECTION);
	if (c != NULL && sx_db_in_transaction(c) &&
	    (manual || !req->deps->slots[ss->db].session))
		return failed;	/* a transaction the wrapper will not commit is
				   open: it is rolled back, the session with it */
	if (c != NULL && !manual)
		c = sx_deps_conn(req, ss->db, SX_DBKEY_SESSION);
	rc = c == NULL ? SX_SESSION_ERR_DB : manual ?
	    save_alone(s, ss->store, c) : sx_session_save(s, ss->store, c, now_s());
	if (rc != SX_SESSION_OK) {
		store_failed(req, c, "save");
		sx_res_clear(req->res);
		sx_error(req->res, 503, req->pending_error);
		sx_res_header(req->res, "Retry-After", "1");
		return true;
	}
	send_cookie(req, s);
	return failed;
}

void
sx_sessions_release(sx_req *req)
{
	sx_session_free(req->session);
	req->session = NULL;
}

cJSON *
sx_sessions_template_data(sx_req *req, const cJSON *data)
{
	const char *token;
	sx_session *s;
	cJSON *view;
	const cJSON *e;

	if (req->rt->sessions == NULL || !(sx_route_is_form(req->route) ||
	    route_has(req->route, sx_sessions_key(req->app))) || (data != NULL && !cJSON_IsObject(data)) ||
	    (s = sx_sessions_inject(req)) == NULL ||
	    (token = sx_session_csrf_token(s)) == NULL ||
	    (view = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_ArrayForEach(e, data)
		cJSON_AddItemReferenceToObject(view, e->string, (cJSON *)e);
	cJSON_AddStringToObject(view, SX_SESSION_CSRF_FIELD, token);
	return view;
}
