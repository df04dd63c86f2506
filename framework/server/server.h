/*
 * server.h: how the command line starts the server: `serve` (the FastCGI
 * supervisor and its workers) and plain CGI (one request from the
 * environment and stdin).
 */
#ifndef SX_SERVER_H
#define SX_SERVER_H

#include "core.h"

/* `APP serve` with its options read into cfg (cli.c): binds or takes the
 * socket, runs the workers until stopped. Returns an exit status. */
int sx_serve(const sx_app *app, sx_config *cfg);
/* Serves one request as a CGI program (environment + stdin + stdout). */
int sx_run_cgi(const sx_app *app, sx_config *cfg);

#endif
