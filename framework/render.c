/*
 * render.c: the app's templates. At start-up every NAME.mustache of the
 * templates folder is compiled once (a template that does not compile stops
 * start-up with its file, line and column); handlers then render by name
 * into the response body, and `APP render TEMPLATE [DATA.json]` renders from
 * the command line.
 *
 * The folder is --templates / the config file's "templates", else the app's
 * templates_dir, else "templates". Only the last, the default, may be
 * missing: an app without templates needs no folder.
 */
#include "internal.h"
#include "sx_tpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_TEMPLATES_DIR "templates"

/* The templates folder and whether someone named it explicitly. */
static const char *
templates_dir(const sx_runtime *rt, bool *named)
{
	*named = true;
	if (rt->cfg.templates_dir != NULL)
		return rt->cfg.templates_dir;
	if (rt->app->templates_dir != NULL)
		return rt->app->templates_dir;
	*named = false;
	return DEFAULT_TEMPLATES_DIR;
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
	const char *dir = templates_dir(rt, &named);
	struct stat st;
	char msg[512];
	bool missing = stat(dir, &st) < 0;

	if (missing || !S_ISDIR(st.st_mode)) {
		if (missing && !named && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "templates folder \"%s\" %s (set by %s): "
		    "create it or point --templates at the right folder", dir,
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
sx_render(sx_res *res, int status, const char *template_name, const cJSON *data)
{
	sx_req *req = res->req;
	sx_runtime *rt = req != NULL ? req->rt : NULL;
	bool named;
	char msg[512];
	sx_tpl_err e;

	if (rt == NULL || rt->templates == NULL)
		e = SX_TPL_NOT_FOUND;
	else {
		sx_buf_reset(&res->body);
		e = sx_tpl_render(rt->templates, template_name, data, &res->body,
		    msg, sizeof(msg));
	}
	if (e == SX_TPL_OK) {
		if (sx_res_status(res, status) < 0 ||
		    sx_res_header(res, "Content-Type", "text/html; charset=utf-8") < 0)
			return -1;
		return 0;
	}
	if (rt != NULL && e == SX_TPL_NOT_FOUND)
		sx_log(rt, "id=%s render: no template \"%s\" (expected %s/%s.mustache)",
		    req->id, template_name, templates_dir(rt, &named), template_name);
	else if (rt != NULL)
		sx_log(rt, "id=%s render: %s", req->id, msg);
	sx_buf_reset(&res->body);
	sx_error(res, 500, NULL);
	return -1;
}

static const char render_usage[] =
    "usage: %s render TEMPLATE [DATA.json] [options]\n"
    "Renders TEMPLATE (templates/TEMPLATE.mustache) over the JSON in DATA.json\n"
    "('-' reads standard input; no file renders over {}) and prints the result.\n"
    "Options: --templates DIR, and those every command takes (see --help).\n";

/* Reads the JSON data file ("-" = stdin); NULL after printing an error. */
static cJSON *
read_data(const char *path)
{
	sx_buf text = SX_BUF_INIT;
	char *file = NULL, chunk[8192];
	size_t n;
	cJSON *data;

	if (strcmp(path, "-") == 0) {
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			sx_buf_append(&text, chunk, n);
		file = sx_buf_steal(&text);
	} else if ((file = sx_read_file(path, &n)) == NULL) {
		fprintf(stderr, "render: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	data = cJSON_Parse(file != NULL ? file : "");
	if (data == NULL)
		fprintf(stderr, "render: %s: not valid JSON (check the syntax near: "
		    "%.20s)\n", path, cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
	free(file);
	return data;
}

int
sx_cmd_render(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	const char *name = NULL, *data_path = NULL;
	sx_runtime rt = { .app = app, .cfg = *cfg };
	sx_buf out = SX_BUF_INIT;
	cJSON *data = NULL;
	char err[1024];
	int i, used, rc = 1;
	bool named;

	for (i = 1; i < argc; i += used) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(render_usage, app->name);
			return 0;
		}
		if ((used = sx_config_common_option(cfg, argc, argv, i)) < 0)
			return 2;
		if (used > 0)
			continue;
		used = 1;
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "render: unknown option %s\n", argv[i]);
			fprintf(stderr, render_usage, app->name);
			return 2;
		}
		if (name == NULL)
			name = argv[i];
		else if (data_path == NULL)
			data_path = argv[i];
		else {
			fprintf(stderr, "render: unexpected argument %s\n", argv[i]);
			fprintf(stderr, render_usage, app->name);
			return 2;
		}
	}
	if (name == NULL) {
		fprintf(stderr, "render: expected a TEMPLATE name\n");
		fprintf(stderr, render_usage, app->name);
		return 2;
	}
	rt.cfg = *cfg;	/* with the options just read */
	if (data_path != NULL && (data = read_data(data_path)) == NULL)
		return 1;
	if (sx_templates_open(&rt, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", app->name, err);
	} else if (!sx_tpl_set_has(rt.templates, name)) {
		fprintf(stderr, "render: no template \"%s\" (expected %s/%s.mustache)\n",
		    name, templates_dir(&rt, &named), name);
	} else if (sx_tpl_render(rt.templates, name, data, &out, err,
	    sizeof(err)) != SX_TPL_OK) {
		fprintf(stderr, "render: %s\n", err);
	} else {
		fwrite(out.data, 1, out.len, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
	}
	sx_buf_free(&out);
	cJSON_Delete(data);
	sx_templates_free(rt.templates);
	return rc;
}
