/*
 * guards.c: a route's guards, run in order between routing and the
 * handler (see sx_guard in sextant.h). A route of a group carries the
 * group's guards before its own (routes.c), so a request walks one list,
 * and the first guard that does not let it through ends the walk.
 *
 * A guard's database work is the request's: the transaction wrapper settles
 * it by the final status, so a guard answering 4xx rolls back what it wrote
 * under autocommit, and a failed guard always rolls back.
 */
#include "core.h"

#include <stdio.h>

/* The guard's name for messages: its own, or "#n" by position. */
static const char *
guard_label(sx_req *req, const sx_guard *g, size_t pos)
{
	return g->name != NULL ? g->name : sx_req_printf(req, "#%zu", pos + 1);
}

sx_guard_result
sx_guards_run(sx_req *req)
{
	const sx_guard *const *list = req->route->guards;

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		const sx_guard *g = list[i];
		sx_guard_result r = g->check(req, req->res, g->arg);

		if (r == SX_GUARD_PASS)
			continue;
		if (r == SX_GUARD_ANSWERED) {
			/* answered without a status: refuse rather than send
			 * an empty 200 */
			if (req->res->status == 0)
				sx_error(req->res, 403, sx_req_printf(req,
				    "refused by guard %s", guard_label(req, g, i)));
			return SX_GUARD_ANSWERED;
		}
		sx_req_log(req, "guard %s of %s %s failed%s%s",
		    guard_label(req, g, i), sx_methods[req->route->method],
		    req->route->pattern, req->pending_error ? ": " : "",
		    req->pending_error ? req->pending_error : "");
		return SX_GUARD_FAILED;
	}
	return SX_GUARD_PASS;
}

/* Checks one route's guard list: every guard has a check function. */
static int
check_route(const sx_route *r, size_t index, char *err, size_t errlen)
{
	for (size_t k = 0; r->guards != NULL && r->guards[k] != NULL; k++)
		if (r->guards[k]->check == NULL) {
			snprintf(err, errlen, "route #%zu %s %s: guard %s has no "
			    "check function (set sx_guard.check)", index + 1,
			    (int)r->method >= 0 && r->method < SX_METHOD__MAX ?
			    sx_methods[r->method] : "?", r->pattern ? r->pattern :
			    "(null)", r->guards[k]->name ? r->guards[k]->name : "");
			return -1;
		}
	return 0;
}

int
sx_guards_check(const sx_route *routes, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (check_route(&routes[i], i, err, errlen) < 0)
			return -1;
	return 0;
}
