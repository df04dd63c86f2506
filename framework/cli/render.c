/*
 * render.c: `APP render TEMPLATE [DATA.json]`, which renders one of the
 * app's templates from the command line, as a handler's sx_render would.
 */
#include "cli.h"
#include "sx_tpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char render_usage[] =
    "usage: %s render TEMPLATE [DATA.json] [options]\n";
static const char render_about[] =
    "Renders TEMPLATE (templates/TEMPLATE.mustache) over the JSON in DATA.json\n"
    "('-' reads standard input; no file renders over {}) and prints the result.\n";

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
	const char *name, *data_path;
	sx_runtime rt = { .app = app, .cfg = *cfg };
	sx_buf out = SX_BUF_INIT;
	cJSON *data = NULL;
	char err[1024];
	int rc;
	bool named;

	if ((rc = sx_cli_options(app, cfg, SX_CMD_RENDER, argc, argv,
	    render_usage, render_about)) >= 0)
		return rc;
	rc = 1;
	name = cfg->args.n_operands > 0 ? cfg->args.operands[0] : NULL;
	data_path = cfg->args.n_operands > 1 ? cfg->args.operands[1] : NULL;
	if (cfg->args.n_operands > 2) {
		sx_cli_usage_error(app, SX_CMD_RENDER, render_usage,
		    "render: unexpected argument %s", cfg->args.operands[2]);
		return 2;
	}
	if (name == NULL) {
		sx_cli_usage_error(app, SX_CMD_RENDER, render_usage,
		    "render: expected a TEMPLATE name");
		return 2;
	}
	rt.cfg = *cfg;	/* with the options just read */
	if (data_path != NULL && (data = read_data(data_path)) == NULL)
		return 1;
	if (sx_templates_open(&rt, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", app->name, err);
	} else if (!sx_tpl_set_has(rt.templates, name)) {
		fprintf(stderr, "render: no template \"%s\" (expected %s/%s.mustache)\n",
		    name, sx_templates_dir(&rt, &named), name);
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
