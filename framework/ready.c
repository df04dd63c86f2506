/*
 * ready.c: the readiness check behind sx_handler_ready. Each database is
 * pinged on a connection of its own, opened for the check and closed after
 * it, not one from the pool: a probe must neither wait behind busy
 * requests for a pooled connection nor leave a broken one behind, and a
 * fresh connection proves the server accepts new ones. The connect is
 * bounded by the timeout (whole seconds, as libpq counts them); on
 * PostgreSQL the SELECT 1 is bounded by statement_timeout too.
 */
#include "dbset.h"

#include <stdio.h>

/* Opens database i afresh and runs SELECT 1. NULL when it answered, else
 * why not (request memory). */
static const char *
ping(sx_req *req, const sx_dbconf *db, int timeout_ms)
{
	sx_db_options o = {
		.stmt_cache_size = -1,
		.busy_timeout_ms = timeout_ms,
		.connect_timeout_s = (timeout_ms + 999) / 1000,
	};
	char errbuf[256] = "";
	const char *why = NULL;
	sx_db_conn *c;
	sx_db_err err;

	if ((err = sx_db_open(db->url, &o, &c, errbuf, sizeof(errbuf))) != SX_DB_OK)
		return sx_req_printf(req, "cannot connect: %s", *errbuf ? errbuf :
		    sx_db_strerror(err));
	if (sx_db_conn_dialect(c) == SX_DB_POSTGRES)
		err = sx_db_exec_script(c, sx_req_printf(req, "SET statement_timeout"
		    " = %d", timeout_ms));
	if (err == SX_DB_OK)
		err = sx_db_exec(c, "SELECT 1", NULL, 0, NULL);
	if (err != SX_DB_OK)
		why = sx_req_printf(req, "SELECT 1 failed: %s",
		    sx_db_last_error(c)->message);
	sx_db_close(c);
	return why;
}

const char *
sx_ready_check(sx_req *req, int timeout_ms, const char **why)
{
	const struct sx_dbset *dbs = req->rt->dbs;

	for (size_t i = 0; dbs != NULL && i < dbs->n; i++)
		if ((*why = ping(req, &dbs->conf[i], timeout_ms)) != NULL)
			return dbs->conf[i].keys[SX_DBKEY_SESSION];
	*why = NULL;
	return NULL;
}
