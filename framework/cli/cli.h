/*
 * cli.h: the commands of sx_main, the command line every app has. Each
 * command gets argv with argv[0] its own name and returns an exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef SX_CLI_H
#define SX_CLI_H

#include "core.h"

typedef int (*sx_command_fn)(const sx_app *app, sx_config *cfg, int argc,
    char **argv);

int sx_cmd_request(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_routes(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_render(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_db(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_sessions(const sx_app *app, sx_config *cfg, int argc, char **argv);

#endif
