/*
 * dispatch.c: one request end to end, the same for FastCGI, CGI, the
 * `request` command and the test client. The order matters: the response
 * stays in memory until the transaction wrapper has settled every database
 * the handler touched, so a failed commit can still become an error.
 */
#include "core.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

/*
 * What the client of a failed request is told. A 503 or 504 (a dependency
 * that passes: pool exhausted, database down, a timeout) says so; a 500 says "internal
 * error" (sx_error adds the request id), the cause staying in the log,
 * unless --debug shows it.
 */
static const char *
failure_message(sx_req *req, int status, const char *why)
{
	if ((status == 503 || status == 504) && why != NULL)
		return why;
	if (!req->rt->cfg.debug)
		return "internal error";
	return sx_req_printf(req, "internal error: %s%s%s", why != NULL ?
	    why : "the handler returned an error",
	    req->db_failure ? "; database: " : "",
	    req->db_failure ? req->db_failure : "");
}

/* Runs the matched route's guards then its handler, and turns a failure
 * into an error response. An answering guard's response stands. */
static bool
run_handler(sx_req *req)
{
	sx_res *res = req->res;
	sx_guard_result guard = sx_guards_run(req);	/* guards.c */
	bool failed;

	if (guard == SX_GUARD_ANSWERED)
		return false;
	failed = guard == SX_GUARD_FAILED || req->route->handler(req, res) != 0;

	if (failed) {
		const char *why = req->pending_error;
		int status = req->pending_status ? req->pending_status :
		    sx_deps_failure_status(req, &why);

		status = status != 0 ? status : 500;

		/* An error status the handler set stands; otherwise the
		 * dependency's failure (503 pool exhausted) or a 500. */
		if (sx_res_get_status(res) < 400) {
			sx_res_clear(res);
			sx_error(res, status, failure_message(req, status, why));
			if (status == 503)
				sx_res_header(res, "Retry-After", "1");
		}
		if (guard != SX_GUARD_FAILED)	/* guards.c logged it */
			sx_req_log(req, "handler for %s %s failed: %s%s%s",
			    sx_methods[req->route->method], req->route->pattern,
			    why != NULL ? why : "returned an error",
			    req->db_failure ? "; last database error: " : "",
			    req->db_failure ? req->db_failure : "");
	}
	return failed;
}

/* What became of a request in process(). */
typedef enum process_outcome {
	OUTCOME_HANDLED,	/* the handler ran and succeeded */
	OUTCOME_FAILED,		/* the handler or a guard failed: roll back */
	OUTCOME_REFUSED,	/* no handler ran: the framework or a hook
				 * answered (a 4xx, or 500 when out of memory) */
	OUTCOME_ABORTED,	/* the client cut the body short: no answer */
} process_outcome;

/* Reads, parses, runs the before-hooks and routes; on success runs the
 * guards and the handler. Says which of the outcomes above happened; the
 * response holds the answer unless ABORTED. */
static process_outcome
process(sx_req *req, const sx_io *io)
{
	sx_runtime *rt = req->rt;
	const char *why = NULL, *allow = NULL;
	int status;
	sx_req_err rc;

	rc = sx_req_init(req, io->envp, io->cgi, &why);
	sx_req_assign_id(req);
	if (rc == SX_REQ_OK)
		rc = sx_req_read_body(req, io, rt->max_body, &why);
	if (rc == SX_REQ_ABORTED)
		return OUTCOME_ABORTED;
	if (rc == SX_REQ_OK)
		rc = sx_req_parse_body(req, &why);
	if (rc != SX_REQ_OK) {
		sx_error(req->res, sx_req_err_status(rc),
		    why ? why : "malformed request");
		return OUTCOME_REFUSED;
	}
	if (sx_hooks_before(req))	/* hooks.c */
		return OUTCOME_REFUSED;
	switch (sx_router_match(rt->router, req, &allow)) {
	case SX_MATCH_OK:
		if ((why = sx_csrf_check(req)) != NULL) {
			sx_error(req->res, 403, why);
			return OUTCOME_REFUSED;
		}
		if ((why = sx_sessions_csrf_check(req, &status)) != NULL) {
			sx_error(req->res, status, why);
			return OUTCOME_REFUSED;
		}
		return run_handler(req) ? OUTCOME_FAILED : OUTCOME_HANDLED;
	case SX_MATCH_METHOD:
		sx_error(req->res, 405, "method not allowed for this path");
		sx_res_header(req->res, "Allow", allow);
		return OUTCOME_REFUSED;
	default:
		sx_error(req->res, 404, "no route matches this path");
		return OUTCOME_REFUSED;
	}
}

int
sx_dispatch(sx_runtime *rt, const sx_io *io, sx_arena *arena)
{
	sx_req *req = sx_arena_alloc(arena, sizeof(*req));
	process_outcome outcome;
	int rc = 0;

	if (req == NULL)
		return -1;
	req->rt = rt;
	req->app = rt->app;
	req->log = &rt->log;
	req->arena = arena;
	req->started_ms = sx_now_ms();
	req->res = sx_res_new(arena, req);
	if (req->res == NULL)
		return -1;
	sx_metrics_request_start(req);	/* metrics.c */
	outcome = process(req, io);
	if (outcome == OUTCOME_ABORTED) {
		/* The client cut the body short: nothing ran, nothing is owed. */
		sx_tx_finalize(req, true);
		sx_deps_release(req);
		sx_logf(&rt->log, "id=%s %s %s aborted: request body cut short",
		    req->id, req->method_name, req->path ? req->path : "-");
		rc = -1;
		goto done;
	}
	sx_tx_finalize(req, sx_sessions_flush(req, outcome == OUTCOME_FAILED));
	sx_hooks_after(req);		/* hooks.c */
	sx_res_header(req->res, "X-Request-ID", req->id);
	if (sx_res_serialize(req->res, io, req->method != SX_HEAD) < 0) {
		req->aborted = true;
		rc = -1;
	}
	sx_deps_release(req);
	sx_log_access(&rt->log, &(sx_log_fields){ .request_id = req->id,
	    .method = req->method_name, .route = req->route ?
	    req->route->name : NULL, .path = req->path, .status =
	    sx_res_get_status(req->res), .ms = sx_now_ms() - req->started_ms,
	    .db_ms = req->db_ms }, req->aborted ? "(client gone)" : NULL);
done:
	sx_sessions_release(req);
	sx_metrics_request_end(req);	/* metrics.c */
	cJSON_Delete(req->json);
	req->json = NULL;
	sx_res_free(req->res);
	return rc;
}
