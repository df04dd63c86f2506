/*
 * cli.h: the commands of sx_main, the command line every app has. Each
 * command gets argv with argv[0] its own name and returns an exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef SX_CLI_H
#define SX_CLI_H

#include "core.h"
#include "options.h"

typedef int (*sx_command_fn)(const sx_app *app, sx_config *cfg, int argc,
    char **argv);

/* Reads a command's options (options.c) and answers --help and mistakes:
 * -1 to go on, else the exit status. usage holds one %s for the app's name;
 * about follows it in --help. */
int sx_cli_options(const sx_app *app, sx_config *cfg, sx_cmd cmd, int argc,
    char **argv, const char *usage, const char *about);
/* Prints one line (fmt), the usage and where the options are listed. */
void sx_cli_usage_error(const sx_app *app, sx_cmd cmd, const char *usage,
    const char *fmt, ...) SX_PRINTF(4, 5);

int sx_cmd_serve(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_request(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_routes(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_render(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_db(const sx_app *app, sx_config *cfg, int argc, char **argv);
int sx_cmd_sessions(const sx_app *app, sx_config *cfg, int argc, char **argv);

#endif
