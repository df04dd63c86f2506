/*
 * slowapp: the hello example (compiled in, without its main) plus
 * GET /sleep/{ms:int}, a request that takes as long as asked, and the files
 * of static/ (in the working directory) under /static/. The server tests
 * use it to have requests in flight while they signal, kill or reload the
 * server, and to fetch large responses.
 */
#include "examples/hello/hello.c"

#include <string.h>
#include <time.h>

/* Sleeps the asked milliseconds (at most a minute), then says so. */
static int
sleep_ms(sx_req *req, sx_res *res)
{
	int64_t ms = sx_req_param_int(req, "ms");
	struct timespec ts;

	if (ms < 0 || ms > 60000)
		return sx_error(res, 400, "sleep takes 0 to 60000 ms");
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
	return sx_text(res, 200, sx_req_printf(req, "slept %lld ms", (long long)ms));
}

/* Serves hello's routes and the slow one under the name slowapp. */
int
main(int argc, char **argv)
{
	sx_route all[SX_NELEM(routes) + 2];
	sx_app slow = app;

	memcpy(all, routes, sizeof(routes));
	all[SX_NELEM(routes)] = (sx_route){ .method = SX_GET,
	    .pattern = "/sleep/{ms:int}", .handler = sleep_ms, .name = "sleep" };
	all[SX_NELEM(routes) + 1] = (sx_route)SX_STATIC_ROUTE("/static");
	slow.name = "slowapp";
	slow.description = "The server tests' app: hello's routes and a slow one.";
	slow.routes = all;
	slow.n_routes = SX_NELEM(all);
	return sx_main(argc, argv, &slow);
}
