/*
 * hello: the smallest complete Sextant app. Plain text, JSON, a typed path
 * parameter, a body echoed back, and a health check.
 *
 *	./hello request GET /greet/ada
 *	./hello serve --listen /run/hello.sock
 */
#include <sextant.h>

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

/* Echoes a JSON body as it came, or a form body as an object of fields. */
static int
echo(sx_req *req, sx_res *res)
{
	const cJSON *json = sx_req_json(req);
	const sx_kv *fields;
	const sx_upload *files;
	size_t n, i;
	cJSON *o;

	if (json != NULL)
		return sx_json(res, 200, cJSON_Duplicate(json, 1));
	o = cJSON_CreateObject();
	fields = sx_req_forms(req, &n);
	for (i = 0; i < n; i++)
		cJSON_AddStringToObject(o, fields[i].name, fields[i].value);
	files = sx_req_files(req, &n);
	for (i = 0; i < n; i++) {
		cJSON *f = cJSON_AddObjectToObject(o, files[i].field);

		cJSON_AddStringToObject(f, "filename", files[i].filename);
		cJSON_AddStringToObject(f, "content_type", files[i].content_type);
		cJSON_AddNumberToObject(f, "size", (double)files[i].len);
	}
	return sx_json(res, 200, o);
}

static const sx_route routes[] = {
	{ SX_GET, "/", index_text, NULL, "index", NULL },
	{ SX_GET, "/json", hello_json, NULL, "json", NULL },
	{ SX_GET, "/greet/{name:str}", greet, NULL, "greet", NULL },
	{ SX_POST, "/echo", echo, NULL, "echo", NULL },
	{ SX_GET, "/healthz", sx_handler_health, NULL, "health", NULL },
	{ SX_GET, "/metrics", sx_handler_metrics, NULL, "metrics", NULL },
};

static const sx_app app = {
	.name = "hello",
	.description = "Sextant's hello-world example.",
	SX_ROUTE_TABLE(routes),
	.max_body = 64 * 1024,
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &app);
}
#endif
