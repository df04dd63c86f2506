/*
 * trace.c: statements by request id. Every connection a request takes
 * reports its statements here (sx_db_set_observer): with --trace-sql each
 * is logged; without it, those that took --slow-query-ms or longer
 * (default 200, 0 turns it off) are. A line gives the request id, the
 * duration, the rows returned or changed, and the SQL's first line; never
 * the parameters, which may be personal data.
 *
 * On PostgreSQL the request id also reaches the server: the transaction
 * begins with "BEGIN; SET LOCAL application_name = 'sx <id>'", two
 * statements in one simple-protocol round trip (sx_db_begin_tagged), so
 * pg_stat_activity and log_line_prefix %a name the request for exactly
 * that transaction, and prepared statements stay untouched (a comment in
 * the SQL, SQLCommenter style, would make every statement text unique and
 * defeat the statement cache).
 */
#include "core.h"
#include "defaults.h"

#include <string.h>

#define SQL_SHOWN_MAX 160

/* What the observer of one connection knows. */
typedef struct trace_ctx {
	sx_req *req;
	sx_db_conn *c;
} trace_ctx;

/*
 * Keeps the failure of a statement on the request, for the log line of a
 * handler that then fails (dispatch.c): the driver's message, its
 * SQLSTATE or SQLite code and the SQL's first line. A row not found is no
 * failure.
 */
static void
remember_failure(trace_ctx *t, const char *sql, sx_db_err err)
{
	const sx_db_error_info *e = sx_db_last_error(t->c);
	size_t len = strcspn(sql, "\n");
	char code[32];

	if (e->sqlstate[0] != '\0')
		snprintf(code, sizeof(code), "SQLSTATE %s", e->sqlstate);
	else
		snprintf(code, sizeof(code), "SQLite code %d", e->native);
	t->req->db_failure = sx_req_printf(t->req, "%s: %s (%s) in: %.*s%s",
	    sx_db_strerror(err), e->message, code,
	    (int)(len < SQL_SHOWN_MAX ? len : SQL_SHOWN_MAX), sql,
	    sql[len] != '\0' || len > SQL_SHOWN_MAX ? " ..." : "");
}

static void
observe(void *ctx, const char *sql, double ms, int64_t rows, sx_db_err err)
{
	trace_ctx *t = ctx;
	sx_req *req = t->req;
	const sx_config *cfg = &req->rt->cfg;
	long slow = cfg->slow_query_ms == 0 ? SX_DEFAULT_SLOW_QUERY_MS :
	    cfg->slow_query_ms;
	bool is_slow = slow > 0 && ms >= (double)slow;
	size_t len = strcspn(sql, "\n");

	if (err != SX_DB_OK && err != SX_DB_NO_ROW)
		remember_failure(t, sql, err);
	if (!cfg->trace_sql && !is_slow)
		return;
	sx_req_log(req, "%s %.2fms rows=%lld %s: %.*s%s", is_slow ?
	    "slow query" : "sql", ms, (long long)rows, err == SX_DB_OK ? "ok" :
	    sx_db_strerror(err), (int)(len < SQL_SHOWN_MAX ? len : SQL_SHOWN_MAX),
	    sql, sql[len] != '\0' || len > SQL_SHOWN_MAX ? " ..." : "");
}

/* Always attached: besides the trace and the slow-query log, a failed
 * statement is kept for the log line of a failing handler. */
void
sx_trace_attach(sx_req *req, sx_db_conn *c)
{
	trace_ctx *t = sx_req_alloc(req, sizeof(*t));

	if (t == NULL)
		return;
	t->req = req;
	t->c = c;
	sx_db_set_observer(c, observe, t);
}

void
sx_trace_detach(sx_db_conn *c)
{
	sx_db_set_observer(c, NULL, NULL);
}

const char *
sx_trace_tag(sx_req *req)
{
	return sx_req_printf(req, "sx %s", req->id);
}
