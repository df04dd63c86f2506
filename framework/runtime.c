/*
 * runtime.c: builds what a running app shares between requests, checking
 * everything that can be checked before the first request: the route table,
 * the databases and their keys, the templates. A bad setting stops start-up
 * with one line that names it.
 */
#include "core.h"
#include "defaults.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sx_runtime *
sx_runtime_new(const sx_app *app, const sx_config *cfg, char *err, size_t errlen)
{
	sx_runtime *rt = calloc(1, sizeof(*rt));

	if (rt == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rt->app = app;
	rt->cfg = *cfg;
	rt->max_body = cfg->max_body ? cfg->max_body :
	    app->max_body ? app->max_body : SX_DEFAULT_MAX_BODY;
	if (sx_logger_open(&rt->log, cfg->log_file) < 0) {
		snprintf(err, errlen, "log file %s: cannot open for appending "
		    "(check the directory exists and is writable)", cfg->log_file);
		goto fail;
	}
	rt->log.json = cfg->log_json;
	/* from here on, rt->app is the app with its groups flattened */
	if ((rt->arena = sx_arena_new(4096)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((rt->app = sx_routes_flatten(app, rt->arena, err, errlen)) == NULL)
		goto fail;
	if ((rt->router = sx_router_new(rt->app->routes, rt->app->n_routes, err,
	    errlen)) == NULL)
		goto fail;
	if (sx_guards_check(rt->app->routes, rt->app->n_routes, err, errlen) < 0 ||
	    sx_hooks_check(app, err, errlen) < 0)
		goto fail;
	if (sx_dbset_open(rt, err, errlen) < 0)
		goto fail;
	if (sx_sessions_open(rt, err, errlen) < 0)
		goto fail;
	/* one process (test client, request, CGI) until a worker attaches
	 * the supervisor's shared region (metrics.c) */
	if (sx_metrics_wanted(rt->app, cfg)) {
		if ((rt->metrics = sx_metrics_new(rt->app, 1)) == NULL) {
			snprintf(err, errlen, "metrics: cannot map the counters");
			goto fail;
		}
		rt->metrics_owned = true;
	}
	if (sx_templates_open(rt, err, errlen) < 0)
		goto fail;
	if (app->on_startup != NULL && app->on_startup(app, err, errlen) != 0)
		goto fail;
	return rt;
fail:
	sx_runtime_free(rt);
	return NULL;
}

void
sx_runtime_free(sx_runtime *rt)
{
	if (rt == NULL)
		return;
	if (rt->metrics_owned)
		sx_metrics_free(rt->metrics);
	sx_templates_free(rt->templates);
	sx_sessions_free(rt->sessions);
	sx_dbset_free(rt->dbs);
	sx_router_free(rt->router);
	sx_logger_close(&rt->log);
	if (rt->arena != NULL)
		sx_arena_free(rt->arena);
	free(rt);
}
