/*
 * hooks.c: the app's before- and after-hooks around every request (the
 * order is sx_hook's comment in sextant.h).
 *
 * After-hooks unwind like nested calls: the last hook entered is the first
 * to finish, and a hook whose before-hook never ran (an earlier one
 * answered) is not asked to finish. They run after the transaction wrapper,
 * so the status they see is the one the client gets; they may add headers
 * but cannot change the status, because the commit or rollback it decided
 * has already happened: a status an after-hook sets is put back and logged.
 */
#include "core.h"

#include <stdio.h>

bool
sx_hooks_before(sx_req *req)
{
	const sx_app *app = req->rt->app;

	for (size_t i = 0; i < app->n_hooks; i++) {
		const sx_hook *h = &app->hooks[i];

		req->hooks_entered = i + 1;
		if (h->before != NULL &&
		    h->before(req, req->res, h->arg) == SX_HOOK_ANSWERED) {
			if (req->res->status == 0)
				sx_error(req->res, 403, sx_req_printf(req,
				    "refused by hook %s", h->name ? h->name : "?"));
			return true;
		}
	}
	return false;
}

void
sx_hooks_after(sx_req *req)
{
	const sx_app *app = req->rt->app;
	int status = req->res->status;

	for (size_t i = req->hooks_entered; i-- > 0;) {
		const sx_hook *h = &app->hooks[i];

		if (h->after == NULL)
			continue;
		h->after(req, req->res, h->arg);
		if (req->res->status != status) {
			sx_req_log(req, "after-hook %s set status %d on a settled "
			    "%d response: ignored (change the status in the "
			    "handler or a guard)", h->name ? h->name : "?",
			    req->res->status, status);
			req->res->status = status;
		}
	}
}

int
sx_hooks_check(const sx_app *app, char *err, size_t errlen)
{
	for (size_t i = 0; i < app->n_hooks; i++) {
		const sx_hook *h = &app->hooks[i];
		const char *name = h->name ? h->name : "(unnamed)";

		if (h->before == NULL && h->after == NULL) {
			snprintf(err, errlen, "hook #%zu %s: neither before nor "
			    "after is set (set one, or remove the hook)", i + 1,
			    name);
			return -1;
		}
		if (h->check != NULL && h->check(h->arg, err, errlen) != 0)
			return -1;
	}
	return 0;
}
