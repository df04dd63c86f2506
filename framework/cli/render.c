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
