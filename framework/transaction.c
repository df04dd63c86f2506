/*
 * transaction.c: the transaction wrapper. After the handler returns and
 * before a byte of the response is written, every database the request
 * used through its session key is committed or rolled back, in the order
 * the app declares its databases, by commit mode and final status. The
 * whole transaction is settled, whatever savepoints the handler left open;
 * and since a session connection begins a new transaction on the first
 * statement after the handler's own commit or rollback (autobegin), what
 * the handler did not commit itself always follows the mode and status.
 *
 * A commit that fails (a deferred constraint, a serialization failure, a
 * busy SQLite file) must not reach the client as a success: the buffered
 * response is thrown away and replaced by an error (503 with Retry-After
 * when retrying can help, else 500), and every later database rolls back.
 * Databases that committed before the failure cannot be undone; the log
 * says so, naming them and the one that failed.
 */
#include "dbset.h"
#include "metrics.h"

#include <string.h>

const char *const sx_tx_actions[SX_TX__MAX] = {
	[SX_TX_COMMIT] = "commit",
	[SX_TX_ROLLBACK] = "rollback",
};

static bool
status_in(const int *list, size_t n, int status)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == status)
			return true;
	return false;
}

sx_tx_action
sx_tx_decide(const sx_dbconf *db, int status, bool failed)
{
	int last_ok;

	if (failed)
		return SX_TX_ROLLBACK;
	switch (db->mode) {
	case SX_COMMIT_AUTO:
		last_ok = 299;
		break;
	case SX_COMMIT_AUTO_REDIRECT:
		last_ok = 399;
		break;
	default:
		/* manual: what the handler did not commit is not wanted */
		return SX_TX_ROLLBACK;
	}
	if (status_in(db->rollback_extra, db->n_rollback_extra, status))
		return SX_TX_ROLLBACK;
	if (status_in(db->commit_extra, db->n_commit_extra, status))
		return SX_TX_COMMIT;
	return status >= 200 && status <= last_ok ? SX_TX_COMMIT : SX_TX_ROLLBACK;
}

bool
sx_tx_reads_first(const sx_req *req)
{
	switch (req->method) {
	case SX_GET:
	case SX_HEAD:
	case SX_OPTIONS:
		return !sx_route_declares(req->route, SX_WRITE_ROUTE);
	default:
		return false;
	}
}

/*
 * Replaces the response after database i failed to commit with err, and
 * logs why. committed lists the databases that had already committed ("" if
 * none).
 */
static void
commit_failed(sx_req *req, const sx_dbconf *db, sx_db_conn *conn,
    sx_db_err err, const char *committed)
{
	const sx_db_error_info *e = sx_db_last_error(conn);
	bool retry = err == SX_DB_ERR_BUSY || err == SX_DB_ERR_SERIALIZATION ||
	    err == SX_DB_ERR_TIMEOUT;
	int was = sx_res_get_status(req->res), status = retry ? 503 : 500;
	const char *key = db->keys[SX_DBKEY_SESSION];

	sx_req_log(req, "database \"%s\": commit failed: %s (%s); response %d "
	    "replaced by %d, later databases rolled back", key,
	    sx_db_strerror(err), e != NULL && e->message != NULL ? e->message :
	    "no detail", was, status);
	if (*committed != '\0')
		sx_req_log(req, "database \"%s\" failed to commit after %s had "
		    "already committed: those changes stay saved while \"%s\"'s "
		    "were rolled back", key, committed, key);
	sx_res_clear(req->res);
	if (err == SX_DB_ERR_LOST) {
		/* The COMMIT may have reached the server before the link
		 * broke: whether it took is unknown, so say so, and do not
		 * invite a blind retry of a request that may have worked. */
		sx_req_log(req, "database \"%s\": the connection was lost "
		    "during COMMIT; whether the transaction committed is "
		    "unknown", key);
		sx_error(req->res, 500, sx_req_printf(req, "the outcome is "
		    "unknown: database \"%s\" lost its connection while "
		    "committing, so the changes may or may not be saved; check "
		    "before retrying", key));
		return;
	}
	sx_error(req->res, status, sx_req_printf(req, "the changes were not "
	    "saved: database \"%s\" could not commit (%s)%s", key,
	    sx_db_strerror(err), retry ? "; retry the request" : ""));
	if (retry)
		sx_res_header(req->res, "Retry-After", "1");
}

void
sx_tx_finalize(sx_req *req, bool handler_failed)
{
	const struct sx_dbset *dbs = req->rt->dbs;
	const char *committed = "";
	bool failed = handler_failed || req->aborted, broken = false;
	int status = sx_res_get_status(req->res);

	if (req->deps == NULL || dbs == NULL)
		return;
	for (size_t i = 0; i < dbs->n; i++) {
		const sx_dbconf *db = &dbs->conf[i];
		sx_db_conn *conn = req->deps->slots[i].conn;
		double t0 = sx_now_ms();
		sx_tx_action act;
		sx_db_err err;

		if (conn == NULL || !req->deps->slots[i].session ||
		    !sx_db_in_transaction(conn))
			continue;
		act = broken ? SX_TX_ROLLBACK : sx_tx_decide(db, status, failed);
		/* Every level at once: savepoints the handler left open are
		 * committed or rolled back with the transaction. */
		err = act == SX_TX_COMMIT ? sx_db_commit_all(conn) :
		    sx_db_rollback_all(conn);
		sx_metrics_tx(req, i, act == SX_TX_COMMIT, err == SX_DB_OK);
		if (err != SX_DB_OK && act == SX_TX_COMMIT) {
			commit_failed(req, db, conn, err, committed);
			broken = true;
			/* Nothing may stay open for the pool to find. */
			if (sx_db_in_transaction(conn))
				sx_db_rollback_all(conn);
		} else if (err != SX_DB_OK) {
			/* The pool closes a connection it cannot roll back. */
			sx_req_log(req, "database \"%s\": rollback failed: %s",
			    db->keys[SX_DBKEY_SESSION], sx_db_strerror(err));
		} else if (act == SX_TX_COMMIT) {
			const char *c = sx_req_printf(req, "%s%s\"%s\"",
			    committed, *committed ? ", " : "",
			    db->keys[SX_DBKEY_SESSION]);

			committed = c != NULL ? c : committed;
		}
		req->db_ms += sx_now_ms() - t0;
	}
}
