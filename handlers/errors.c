/*
 * errors.c: the default error responses. A client that prefers HTML (a
 * browser: Accept names text/html before any JSON type) gets a small page;
 * every other client gets {"error": "...", "request_id": "..."}. The message
 * is escaped in both forms.
 */
#include "sextant.h"

#include <string.h>

/* True when the Accept header ranks text/html ahead of application/json. */
static bool
wants_html(const char *accept)
{
	const char *html, *json;

	if (accept == NULL || (html = strstr(accept, "text/html")) == NULL)
		return false;
	json = strstr(accept, "application/json");
	return json == NULL || html < json;
}

int
sx_error(sx_res *res, int status, const char *message)
{
	sx_req *req = sx_res_req(res);
	const char *id = req != NULL ? sx_req_id(req) : "";
	cJSON *o;

	if (message == NULL)
		message = sx_status_reason(status);
	if (req != NULL && wants_html(sx_req_header(req, "accept"))) {
		sx_buf *b = sx_res_body(res);

		if (sx_res_status(res, status) < 0 ||
		    sx_res_header(res, "Content-Type", "text/html; charset=utf-8") < 0)
			return -1;
		sx_buf_reset(b);
		sx_buf_printf(b, "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
		    "<title>%d %s</title></head>\n<body><h1>%d %s</h1>\n<p>",
		    status, sx_status_reason(status), status,
		    sx_status_reason(status));
		sx_buf_html_escape(b, message, strlen(message));
		sx_buf_puts(b, "</p>\n<p><small>request id: ");
		sx_buf_html_escape(b, id, strlen(id));
		return sx_buf_puts(b, "</small></p>\n</body></html>\n");
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", message);
	cJSON_AddStringToObject(o, "request_id", id);
	return sx_json(res, status, o);
}
