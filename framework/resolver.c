/*
 * resolver.c: dependency keys -> database sessions, connections and pools.
 *
 * At start-up (sx_dbset_open) the app's databases are configured and
 * checked (dbconfig.c), their URLs checked, one pool opened each, and with
 * --migrate their migrations applied. A bad setting stops start-up with a
 * one-line message.
 *
 * In a request, a route may use only the keys it declares. A database's
 * connection is taken from its pool when the handler first asks for one of
 * its keys, and the same connection serves every later use of either key:
 *   - the session key hands it out inside a transaction, begun on first
 *     use: read-first for a GET, HEAD or OPTIONS (sx_tx_reads_first), so
 *     SQLite readers take no write lock, else with the write lock. After the handler ends it (sx_db_commit / sx_db_rollback), the
 *     next statement begins a new one (sx_db_set_autobegin). The
 *     transaction wrapper settles whatever is open when the handler
 *     returns. In manual mode that means rolling back: the handler commits
 *     what it wants kept.
 *   - the connection key hands it out as it is: no transaction is begun,
 *     and the wrapper leaves it alone (anything the handler left open is
 *     rolled back when the connection goes back to the pool).
 *   - the pool key hands out the sx_db_pool itself.
 * Every connection goes back to its pool when the request ends.
 */
#include "dbset.h"
#include "defaults.h"
#include "sx_migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Applies one database's migrations, with those of the extensions it
 * holds (--migrate). */
static int
migrate_one(const sx_app *app, struct sx_dbset *dbs, size_t i, char *err,
    size_t errlen)
{
	const sx_dbconf *db = &dbs->conf[i];
	sx_migrate_opts o = { .dir = db->migrations_dir };
	sx_migrate_ext ext;
	sx_db_conn *c = NULL;
	char why[512];
	sx_db_err rc;

	if (sx_sessions_migrate_exts(app, i, db->keys, dbs->arena, &ext, &o,
	    err, errlen) < 0)
		return -1;

	if ((rc = sx_db_pool_acquire(dbs->pools[i], &c)) != SX_DB_OK) {
		snprintf(err, errlen, "database \"%s\": cannot migrate, no "
		    "connection: %s", db->keys[SX_DBKEY_SESSION],
		    sx_db_strerror(rc));
		return -1;
	}
	why[0] = '\0';
	rc = sx_migrate_upgrade(c, &o, NULL, why, sizeof(why));
	sx_db_pool_release(dbs->pools[i], c);
	if (rc != SX_DB_OK) {
		snprintf(err, errlen, "database \"%s\": migrations in %s failed: "
		    "%s", db->keys[SX_DBKEY_SESSION], db->migrations_dir,
		    *why ? why : sx_db_strerror(rc));
		return -1;
	}
	return 0;
}

/* Checks the URL of database i: one line in err when it does not parse. */
static int
check_url(struct sx_dbset *dbs, size_t i, char *err, size_t errlen)
{
	const sx_dbconf *db = &dbs->conf[i];
	char why[512];

	why[0] = '\0';
	if (sx_db_url_check(db->url, why, sizeof(why)) != SX_DB_OK) {
		/* the driver's message quotes the URL: mask it there too */
		snprintf(err, errlen, "database \"%s\": URL does not parse: %s",
		    db->keys[SX_DBKEY_SESSION], *why ? sx_dbset_redact_url(dbs->arena,
		    why) : "malformed (use sqlite:PATH or postgresql://...)");
		return -1;
	}
	return 0;
}

/* Opens the pool of database i (its URL checked). */
static int
open_one(struct sx_dbset *dbs, size_t i, char *err, size_t errlen)
{
	const sx_dbconf *db = &dbs->conf[i];
	sx_db_pool_options po = {
		.max_size = db->pool_size,
		.acquire_timeout_ms = db->acquire_timeout_ms,
	};
	char why[512];

	po.conn = sx_dbconf_conn_options(db);
	if (sx_db_pool_new(db->url, &po, &dbs->pools[i], why, sizeof(why)) !=
	    SX_DB_OK) {
		snprintf(err, errlen, "database \"%s\": cannot open %s: %s",
		    db->keys[SX_DBKEY_SESSION], sx_dbset_redact_url(dbs->arena, db->url),
		    *why ? sx_dbset_redact_url(dbs->arena, why) : "no detail");
		dbs->pools[i] = NULL;
		return -1;
	}
	return 0;
}

/* True when a failed connection is worth retrying: the server is not up
 * yet (refused, timed out, starting up, its socket not there yet). A bad
 * URL, a missing folder, a wrong password or an unknown database is a
 * mistake no wait mends. */
static bool
not_up_yet(const char *url, const char *why)
{
	static const char *const signs[] = {
		"Connection refused", "timeout expired", "timed out",
		"the database system is starting up", "No such file or directory",
	};

	if (strncmp(url, "sqlite:", 7) == 0)
		return false;
	for (size_t i = 0; i < SX_NELEM(signs); i++)
		if (strstr(why, signs[i]) != NULL)
			return true;
	return false;
}

/* Makes a driver's message one line: each line break, and the tabs that
 * indent the next line, become one space. */
static void
one_line(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (*s != '\n') {
			*out++ = *s;
			continue;
		}
		*out++ = ' ';
		while (s[1] == '\t' || s[1] == ' ')
			s++;
	}
	*out = '\0';
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * Connects once to database i, so that a misconfiguration stops start-up
 * with the driver's message instead of failing every request. A server
 * that is not up yet is tried again every second for --db-wait seconds
 * (default SX_DEFAULT_DB_WAIT_S), each try logged.
 */
static int
probe_one(sx_runtime *rt, size_t i, char *err, size_t errlen)
{
	const sx_dbconf *db = &rt->dbs->conf[i];
	const sx_db_options o = { .stmt_cache_size = -1,
	    .busy_timeout_ms = db->busy_timeout_ms };
	int wait_s = rt->cfg.db_wait_s == 0 ? SX_DEFAULT_DB_WAIT_S :
	    rt->cfg.db_wait_s < 0 ? 0 : rt->cfg.db_wait_s;
	double deadline = sx_now_ms() + wait_s * 1000.0;
	char why[512];
	sx_db_conn *c;
	int tries = 0;

	for (;;) {
		why[0] = '\0';
		tries++;
		if (sx_db_open(db->url, &o, &c, why, sizeof(why)) == SX_DB_OK) {
			sx_db_close(c);
			return 0;
		}
		one_line(why);
		if (!not_up_yet(db->url, why) || sx_now_ms() >= deadline)
			break;
		sx_logf(&rt->log, "database \"%s\": not up yet (try %d: %s); "
		    "retrying for %.0f s more (--db-wait)", db->keys[SX_DBKEY_SESSION],
		    tries, sx_dbset_redact_url(rt->dbs->arena, why),
		    (deadline - sx_now_ms()) / 1000.0);
		sleep_ms(SX_DB_RETRY_MS);
	}
	snprintf(err, errlen, "database \"%s\": cannot connect to %s: %s%s",
	    db->keys[SX_DBKEY_SESSION], sx_dbset_redact_url(rt->dbs->arena,
	    db->url), *why ? sx_dbset_redact_url(rt->dbs->arena, why) :
	    "no detail", tries > 1 ? sx_arena_printf(rt->dbs->arena, " (gave up "
	    "after %d tries in %d s: start the server, or wait longer with "
	    "--db-wait)", tries, wait_s) : "");
	return -1;
}

int
sx_dbset_open(sx_runtime *rt, char *err, size_t errlen)
{
	struct sx_dbset *dbs = sx_dbset_configure(rt->app, &rt->cfg, err, errlen);

	if (dbs == NULL)
		return -1;
	rt->dbs = dbs;		/* freed with the runtime, even on failure */
	/* Every URL first: a typo in one creates no file for another. */
	for (size_t i = 0; i < dbs->n; i++)
		if (check_url(dbs, i, err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < dbs->n; i++)
		if (open_one(dbs, i, err, errlen) < 0 ||
		    probe_one(rt, i, err, errlen) < 0)
			return -1;
	for (size_t i = 0; rt->cfg.auto_migrate && i < dbs->n; i++)
		if (migrate_one(rt->app, dbs, i, err, errlen) < 0)
			return -1;
	return 0;
}

void
sx_dbset_free(struct sx_dbset *dbs)
{
	if (dbs == NULL)
		return;
	for (size_t i = 0; i < dbs->n; i++)
		if (dbs->pools[i] != NULL)
			sx_db_pool_free(dbs->pools[i]);
	sx_arena_free(dbs->arena);
	free(dbs);
}

void *
sx_inject_failed(sx_req *req, int status, const char *msg)
{
	req->pending_status = status;
	req->pending_error = msg != NULL ? msg : "dependency not available";
	return NULL;
}

/* 503 for what passes (busy, exhausted, down), 504 for a statement
 * timeout, 500 for the rest. */
static int
unavailable_status(sx_db_err err)
{
	switch (err) {
	case SX_DB_ERR_TIMEOUT:
		return 504;
	case SX_DB_ERR_POOL_EXHAUSTED:
	case SX_DB_ERR_CONNECT:
	case SX_DB_ERR_LOST:
	case SX_DB_ERR_BUSY:
	case SX_DB_ERR_SERIALIZATION:
		return 503;
	default:
		return 500;
	}
}

/* Takes database i's connection for this request, and with a session key
 * makes sure it is inside a transaction. */
sx_db_conn *
sx_deps_conn(sx_req *req, size_t i, sx_dbkey kind)
{
	struct sx_dbset *dbs = req->rt->dbs;
	const char *key = dbs->conf[i].keys[kind];
	double t0 = sx_now_ms();
	sx_dep_slot *slot;
	sx_db_err err;

	if (req->deps == NULL) {
		req->deps = sx_req_alloc(req, sizeof(*req->deps));
		if (req->deps == NULL || (req->deps->slots = sx_req_alloc(req,
		    dbs->n * sizeof(sx_dep_slot))) == NULL) {
			req->deps = NULL;
			return sx_inject_failed(req, 500, "out of memory");
		}
		memset(req->deps->slots, 0, dbs->n * sizeof(sx_dep_slot));
	}
	slot = &req->deps->slots[i];
	if (slot->conn == NULL &&
	    (err = sx_db_pool_acquire(dbs->pools[i], &slot->conn)) != SX_DB_OK) {
		slot->conn = NULL;
		req->db_ms += sx_now_ms() - t0;
		return sx_inject_failed(req, unavailable_status(err), sx_req_printf(req,
		    "database \"%s\" is not available: %s%s", key,
		    sx_db_strerror(err), err == SX_DB_ERR_POOL_EXHAUSTED ?
		    " (every pooled connection is in use; retry shortly)" : ""));
	}
	if (slot->conn != NULL && !slot->traced) {
		sx_trace_attach(req, slot->conn);	/* trace.c */
		/* What the handler does not free goes with the request. */
		sx_db_set_request_scope(slot->conn, true);
		slot->traced = true;
	}
	if (kind == SX_DBKEY_SESSION && !sx_db_in_transaction(slot->conn)) {
		sx_db_set_begin_read(slot->conn, sx_tx_reads_first(req));
		if ((err = sx_db_begin_tagged(slot->conn,
		    sx_trace_tag(req))) != SX_DB_OK) {
			req->db_ms += sx_now_ms() - t0;
			return sx_inject_failed(req, unavailable_status(err),
			    sx_req_printf(req, "database \"%s\": cannot begin a "
			    "transaction: %s", key, sx_db_strerror(err)));
		}
	}
	if (kind == SX_DBKEY_SESSION && !slot->session) {
		sx_db_set_autobegin(slot->conn, true);
		slot->session = true;
	}
	req->db_ms += sx_now_ms() - t0;
	return slot->conn;
}

int
sx_deps_failure_status(const sx_req *req, const char **why)
{
	const struct sx_dbset *dbs = req->rt->dbs;
	const sx_db_error_info *e;
	int status;

	for (size_t i = 0; req->deps != NULL && dbs != NULL && i < dbs->n; i++) {
		if (req->deps->slots[i].conn == NULL)
			continue;
		e = sx_db_last_error(req->deps->slots[i].conn);
		if ((status = unavailable_status(e->code)) != 500) {
			*why = sx_db_strerror(e->code);
			return status;
		}
	}
	return 0;
}

void
sx_deps_release(sx_req *req)
{
	const struct sx_dbset *dbs = req->rt->dbs;
	double t0 = sx_now_ms();

	if (req->deps == NULL || dbs == NULL)
		return;
	for (size_t i = 0; i < dbs->n; i++) {
		sx_dep_slot *slot = &req->deps->slots[i];

		if (slot->conn != NULL) {
			sx_trace_detach(slot->conn);	/* trace.c */
			sx_db_pool_release(dbs->pools[i], slot->conn);
		}
		slot->conn = NULL;
		slot->session = false;
		slot->traced = false;
	}
	req->db_ms += sx_now_ms() - t0;
}
