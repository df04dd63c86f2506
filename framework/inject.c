/*
 * inject.c: sx_inject and sx_db, the handler's way to its dependencies. A
 * key must be declared by the route; the sessions extension's key gives
 * the request's session (sessions.c), any other key a database's session,
 * connection or pool (resolver.c).
 */
#include "dbset.h"

#include <string.h>

/* The object behind key, checked against the route; want_conn refuses the
 * pool key (sx_db returns connections only). */
static void *
resolve(sx_req *req, const char *key, bool want_conn)
{
	sx_dbkey kind;
	int i;

	if (key == NULL)
		return sx_inject_failed(req, 500, "dependency key is NULL");
	if (!sx_route_declares(req->route, key))
		return sx_inject_failed(req, 500, sx_req_printf(req, "dependency "
		    "\"%s\" is not declared by route %s %s (add it to the "
		    "route's SX_DEPS)", key, req->route != NULL ?
		    sx_methods[req->route->method] : "-", req->route != NULL ?
		    req->route->pattern : "-"));
	if (req->rt->sessions != NULL && strcmp(key, sx_sessions_key(req->app)) == 0)
		return want_conn ? sx_inject_failed(req, 500, sx_req_printf(req, "\"%s\" "
		    "is the session key: use sx_session_of", key)) :
		    sx_sessions_inject(req);
	/* Start-up checked that every declared key has a database. */
	if ((i = sx_dbset_find(req->rt->dbs, key, &kind)) < 0)
		return sx_inject_failed(req, 500, sx_req_printf(req, "dependency "
		    "\"%s\" is not provided by any database", key));
	if (kind == SX_DBKEY_POOL) {
		if (want_conn)
			return sx_inject_failed(req, 500, sx_req_printf(req, "\"%s\" "
			    "is a pool key: use sx_inject for the pool, or the "
			    "session or connection key with sx_db", key));
		return req->rt->dbs->pools[i];
	}
	return sx_deps_conn(req, (size_t)i, kind);
}

void *
sx_inject(sx_req *req, const char *key)
{
	return resolve(req, key, false);
}

sx_db_conn *
sx_db(sx_req *req, const char *key)
{
	return resolve(req, key, true);
}

