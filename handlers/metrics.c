/*
 * metrics.c: the Prometheus scrape handler. The counting itself is the
 * framework's (framework/metrics.c); mounting this handler turns it on.
 */
#include "sextant.h"

int
sx_handler_metrics(sx_req *req, sx_res *res)
{
	sx_res_header(res, "Cache-Control", "no-store");
	if (sx_metrics_write(req, sx_res_body(res)) < 0)
		return sx_error(res, 404, "metrics are off ({\"metrics\": false} "
		    "in the config file)");
	sx_res_status(res, 200);
	return sx_res_header(res, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
}
