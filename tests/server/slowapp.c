/*
 * slowapp: the hello example's routes plus GET /sleep/{ms:int}, a request
 * that takes as long as asked. The server tests use it to have requests in
 * flight while they signal, kill or reload the server.
 */
#include <sextant.h>

#include <time.h>

static int
index_text(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_text(res, 200, "Hello, World!");
}

static int
hello_json(sx_req *req, sx_res *res)
{
	cJSON *o = cJSON_CreateObject();

	(void)req;
	cJSON_AddStringToObject(o, "message", "Hello, World!");
	return sx_json(res, 200, o);
}

static int
greet(sx_req *req, sx_res *res)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "hello", sx_req_param(req, "name"));
	return sx_json(res, 200, o);
}

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

static const sx_route routes[] = {
	{ SX_GET, "/", index_text, NULL, "index", NULL },
	{ SX_GET, "/json", hello_json, NULL, "json", NULL },
	{ SX_GET, "/greet/{name:str}", greet, NULL, "greet", NULL },
	{ SX_GET, "/sleep/{ms:int}", sleep_ms, NULL, "sleep", NULL },
};

static const sx_app app = {
	.name = "slowapp",
	.description = "The server tests' app: hello's routes and a slow one.",
	SX_ROUTE_TABLE(routes),
	.max_body = 64 * 1024,
};

int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &app);
}
