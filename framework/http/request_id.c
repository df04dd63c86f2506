/*
 * request_id.c: the id that ties a request's log lines, its error body and
 * the upstream proxy's logs together. A client or proxy may send one
 * (X-Request-ID, or a header the app names, such as X-Correlation-ID or
 * traceparent); it is taken only when it is safe to echo in a header, a log
 * line and a JSON body. Otherwise the request gets a fresh UUID v4.
 */
#include "http.h"

#include <string.h>

bool
sx_request_id_clean(const char *in, char *out)
{
	const char *end;
	size_t len;

	if (in == NULL)
		return false;
	while (*in == ' ' || *in == '\t')
		in++;
	end = in + strlen(in);
	while (end > in && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - in);
	if (len == 0)
		return false;
	if (len > SX_REQUEST_ID_MAX)
		len = SX_REQUEST_ID_MAX;
	/* Blanks inside are refused too: the access line is "id=%s ...", and an
	 * id must stay one field of it. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x21 || (unsigned char)in[i] > 0x7e)
			return false;
	memcpy(out, in, len);
	out[len] = '\0';
	return true;
}

/* X-Request-ID first, then the app's headers in order; the first usable
 * one wins, and an unusable one does not hide the next. */
void
sx_req_assign_id(sx_req *req)
{
	const char *const *names = req->app != NULL ?
	    req->app->request_id_headers : NULL;

	if (sx_request_id_clean(sx_req_header(req, "x-request-id"), req->id))
		return;
	for (; names != NULL && *names != NULL; names++)
		if (sx_request_id_clean(sx_req_header(req, *names), req->id))
			return;
	sx_uuid4(req->id);
}
