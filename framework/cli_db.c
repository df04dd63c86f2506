/* cli_db.c: the `db` commands (stub until migrations land). */
#include "internal.h"
#include <stdio.h>

int
sx_cmd_db(const sx_app *app, sx_config *cfg, int argc, char **argv)
{
	(void)app; (void)cfg; (void)argc; (void)argv;
	fprintf(stderr, "db: not available in this build\n");
	return 1;
}
