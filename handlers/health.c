/*
 * health.c: a liveness handler apps mount where their load balancer or
 * orchestrator probes ({"status":"ok"}).
 */
#include "sextant.h"

int
sx_handler_health(sx_req *req, sx_res *res)
{
	cJSON *o = cJSON_CreateObject();

	(void)req;
	cJSON_AddStringToObject(o, "status", "ok");
	sx_res_header(res, "Cache-Control", "no-store");
	return sx_json(res, 200, o);
}
