/*
 * render.c: the app's templates. At start-up every NAME.mustache of the
 * templates folder is compiled once (a template that does not compile stops
 * start-up with its file, line and column); handlers then render by name
 * into the response body, and `APP render TEMPLATE [DATA.json]` renders from
 * the command line.
 *
 * The folder is --templates / the config file's "templates", else the app's
 * templates_dir, else SX_DEFAULT_TEMPLATES_DIR. Only the last, the default, may be
 * missing: an app without templates needs no folder.
 */
#include "core.h"
#include "sx_tpl.h"
#include "defaults.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The templates folder and whether someone named it explicitly. */
const char *
sx_templates_dir(const sx_runtime *rt, bool *named)
{
	*named = true;
	if (rt->cfg.templates_dir != NULL)
		return rt->cfg.templates_dir;
	if (rt->app->templates_dir != NULL)
		return rt->app->templates_dir;
	*named = false;
	return SX_DEFAULT_TEMPLATES_DIR;
}

/*
 * Loads the templates folder into rt->templates. Returns 0 (also when the
 * default folder does not exist: rt->templates stays NULL), or -1 with one
 * line in err when a named folder is missing or a template fails to load.
 */
int
sx_templates_open(sx_runtime *rt, char *err, size_t errlen)
{
	bool named;
	const char *dir = sx_templates_dir(rt, &named);
	struct stat st;
	char msg[512], abs[4096];
	bool missing = stat(dir, &st) < 0;

	if (missing || !S_ISDIR(st.st_mode)) {
		if (missing && !named && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "templates folder \"%s\" %s (set by %s): "
		    "create it or point --templates at the right folder",
		    sx_path_absolute(dir, abs, sizeof(abs)),
		    missing ? "does not exist" : "is not a folder",
		    rt->cfg.templates_dir != NULL ? "--templates or the config file" :
		    "the app's templates_dir");
		return -1;
	}
	if ((rt->templates = sx_tpl_set_new()) == NULL) {
		snprintf(err, errlen, "templates folder \"%s\": out of memory", dir);
		return -1;
	}
	if (sx_tpl_set_load_dir(rt->templates, dir, msg, sizeof(msg)) != SX_TPL_OK) {
		snprintf(err, errlen, "templates folder \"%s\": %s", dir, msg);
		sx_tpl_set_free(rt->templates);
		rt->templates = NULL;
		return -1;
	}
	return 0;
}

void
sx_templates_free(struct sx_tpl_set *t)
{
	sx_tpl_set_free(t);
}

/*
 * Renders template_name over data as the whole response body, text/html.
 * An unknown template or a failed render is a bug of the app: it is logged
 * and the client gets a 500; the call then returns -1.
 */
int
sx_render(sx_res *res, int status, const char *template_name, cJSON *data)
{
	sx_req *req = res->req;
	sx_runtime *rt = req != NULL ? req->rt : NULL;
	cJSON *view = req != NULL ? sx_sessions_template_data(req, data) : NULL;
	bool named;
	char msg[512];
	sx_tpl_err e;

	if (rt == NULL || rt->templates == NULL)
		e = SX_TPL_NOT_FOUND;
	else {
		sx_buf_reset(&res->body);
		e = sx_tpl_render(rt->templates, template_name, view != NULL ?
		    view : data, &res->body, msg, sizeof(msg));
	}
	cJSON_Delete(view);	/* references data */
	cJSON_Delete(data);	/* the call owns it, as sx_json does */
	if (e == SX_TPL_OK) {
		if (sx_res_status(res, status) < 0 ||
		    sx_res_header(res, "Content-Type", "text/html; charset=utf-8") < 0)
			return -1;
		return 0;
	}
	if (rt != NULL && e == SX_TPL_NOT_FOUND)
		sx_logf(&rt->log, "id=%s render: no template \"%s\" (expected %s/%s.mustache)",
		    req->id, template_name, sx_templates_dir(rt, &named), template_name);
	else if (rt != NULL)
		sx_logf(&rt->log, "id=%s render: %s", req->id, msg);
	sx_buf_reset(&res->body);
	sx_error(res, 500, NULL);
	return -1;
}
