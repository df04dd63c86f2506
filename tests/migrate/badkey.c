/*
 * badkey.c: an app whose route names a dependency key no database
 * provides ("db_sesion" for "db_session"), for startup.sh: every command
 * that reads the app's databases must refuse it.
 */
#include <sextant.h>

static int
hello(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_text(res, 200, "hello");
}

static const sx_route routes[] = {
	{ SX_GET, "/", hello, SX_DEPS("db_sesion"), "hello", NULL },
};

static const sx_database databases[] = {{ .url = "sqlite:badkey.db" }};

static const sx_app app = {
	.name = "badkey",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
};

int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &app);
}
