/*
 * staticapp.c: an app that only serves static/ (from its working
 * directory) under /static, for the static files test behind nginx.
 */
#include "sextant.h"

static const sx_route routes[] = {
	SX_STATIC_ROUTE("/static"),
	{ SX_GET, "/healthz", sx_handler_health, NULL, "health", NULL },
};

static const sx_app app = { .name = "staticapp", SX_ROUTE_TABLE(routes) };

int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &app);
}
