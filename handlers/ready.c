/*
 * ready.c: a readiness handler. Where /healthz says the process runs,
 * /readyz says it can serve: every database answers. A load balancer takes
 * an instance out of rotation on 503 and back on 200.
 */
#include "sextant.h"

#define READY_TIMEOUT_MS 2000

int
sx_handler_ready(sx_req *req, sx_res *res)
{
	const char *why = NULL;
	const char *key = sx_ready_check(req, READY_TIMEOUT_MS, &why);
	cJSON *o = cJSON_CreateObject();

	sx_res_header(res, "Cache-Control", "no-store");
	if (key == NULL) {
		cJSON_AddStringToObject(o, "status", "ready");
		return sx_json(res, 200, o);
	}
	cJSON_AddStringToObject(o, "status", "unavailable");
	cJSON_AddStringToObject(o, "database", key);
	cJSON_AddStringToObject(o, "error", why ? why : "no detail");
	sx_res_header(res, "Retry-After", "1");
	return sx_json(res, 503, o);
}
