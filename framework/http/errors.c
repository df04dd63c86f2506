/*
 * errors.c: the default error responses. A browser gets a small page
 * rendered from a built-in template: its Accept header names text/html, and
 * names it before application/json if it names that at all (q-values are
 * not weighed; browsers list HTML first); every other client gets
 * {"error": "...", "request_id": "..."}. The message is escaped in both forms.
 */
#include "sextant.h"
#include "sx_tpl.h"

#include <pthread.h>
#include <string.h>

/* The error page. Compiled once, on the first HTML error, and shared by
 * every thread afterwards (a compiled set is read-only). */
static const char error_page[] =
    "<!doctype html>\n"
    "<html><head><meta charset=\"utf-8\"><title>{{status}} {{reason}}</title></head>\n"
    "<body><h1>{{status}} {{reason}}</h1>\n"
    "<p>{{message}}</p>\n"
    "<p><small>request id: {{request_id}}</small></p>\n"
    "</body></html>\n";

static pthread_once_t error_page_once = PTHREAD_ONCE_INIT;
static sx_tpl_set *error_templates;

static void
compile_error_page(void)
{
	char msg[256];

	if ((error_templates = sx_tpl_set_new()) != NULL &&
	    sx_tpl_set_add(error_templates, "error", error_page,
	    sizeof(error_page) - 1, "built-in error page", msg, sizeof(msg)) !=
	    SX_TPL_OK) {
		sx_tpl_set_free(error_templates);
		error_templates = NULL;
	}
}

/* Frees the compiled page when the process exits, so leak checkers see
 * nothing left behind. */
__attribute__((destructor)) static void
free_error_page(void)
{
	sx_tpl_set_free(error_templates);
	error_templates = NULL;
}

/* Renders the HTML error page into the response. Returns 0 or -1. */
static int
error_html(sx_res *res, int status, const char *message, const char *id)
{
	sx_buf *b = sx_res_body(res);
	cJSON *data = cJSON_CreateObject();
	int rc = -1;

	pthread_once(&error_page_once, compile_error_page);
	if (sx_res_status(res, status) < 0 ||
	    sx_res_header(res, "Content-Type", "text/html; charset=utf-8") < 0)
		goto done;
	sx_buf_reset(b);
	if (data == NULL || error_templates == NULL ||
	    cJSON_AddNumberToObject(data, "status", status) == NULL ||
	    cJSON_AddStringToObject(data, "reason", sx_status_reason(status)) == NULL ||
	    cJSON_AddStringToObject(data, "message", message) == NULL ||
	    cJSON_AddStringToObject(data, "request_id", id) == NULL)
		goto done;
	rc = sx_tpl_render(error_templates, "error", data, b, NULL, 0) ==
	    SX_TPL_OK ? 0 : -1;
done:
	cJSON_Delete(data);
	return rc;
}

/* True when Accept names text/html, ahead of application/json if present. */
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
	if (req != NULL && wants_html(sx_req_header(req, "accept")))
		return error_html(res, status, message, id);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", message);
	cJSON_AddStringToObject(o, "request_id", id);
	return sx_json(res, status, o);
}
