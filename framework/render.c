/* render.c: templates for handlers and error pages (stub until templates/ lands). */
#include "internal.h"
#include <stdio.h>

int sx_templates_open(sx_runtime *rt, char *err, size_t errlen) { (void)rt; (void)err; (void)errlen; return 0; }
void sx_templates_free(struct sx_tpl_set *t) { (void)t; }
int
sx_render(sx_res *res, int status, const char *template_name, const cJSON *data)
{
	(void)data;
	sx_res_status(res, 500);
	return sx_res_printf(res, "template %s: rendering not available yet (%d)", template_name, status);
}
int
sx_cmd_render(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	(void)app; (void)cfg; (void)argc; (void)argv;
	fprintf(stderr, "render: not available in this build\n");
	return 1;
}
