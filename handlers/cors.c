/*
 * cors.c: Cross-Origin Resource Sharing as a stock hook (sx_cors in
 * sextant.h), built on the public API only.
 *
 * The before-hook answers preflights, so an app needs no OPTIONS routes and
 * no handler ever sees one; the after-hook marks actual responses to
 * allowed origins. Nothing is allowed unless listed: a browser on another
 * origin gets no header that would let a script read the response.
 */
#include "sextant.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* True when list holds s (case-insensitive when nocase), or "*" when star. */
static bool
listed(const char *const *list, const char *s, size_t len, bool nocase,
    bool star)
{
	for (; list != NULL && *list != NULL; list++) {
		if (star && strcmp(*list, "*") == 0)
			return true;
		if (strlen(*list) == len && (nocase ? strncasecmp(*list, s, len) :
		    strncmp(*list, s, len)) == 0)
			return true;
	}
	return false;
}

/* The first header of a comma-separated list not allowed, or NULL. */
static const char *
header_refused(sx_req *req, const sx_cors *c, const char *requested)
{
	const char *p = requested;

	while (p != NULL && *p != '\0') {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 && !listed(c->headers, p, len, true, false))
			return sx_req_printf(req, "%.*s", (int)len, p);
		p += strcspn(p, ",");
	}
	return NULL;
}

/* "a, b, c" of a list, in request memory ("" when empty). */
static const char *
joined(sx_req *req, const char *const *list)
{
	const char *out = "";

	for (; list != NULL && *list != NULL; list++)
		out = sx_req_printf(req, "%s%s%s", out, *out ? ", " : "", *list);
	return out != NULL ? out : "";
}

/* Allow-Origin (the origin itself unless "*" without credentials), Vary and
 * Allow-Credentials. */
static void
allow_origin(sx_res *res, const sx_cors *c, const char *origin)
{
	bool any = listed(c->origins, "*", 1, false, false);

	sx_res_header(res, "Access-Control-Allow-Origin", any ? "*" : origin);
	if (!any)
		sx_res_header(res, "Vary", "Origin");
	if (c->credentials)
		sx_res_header(res, "Access-Control-Allow-Credentials", "true");
}

/* Answers a preflight: 204 with the allowances, or 403 with the reason. */
static sx_hook_result
preflight(sx_req *req, sx_res *res, const sx_cors *c, const char *origin,
    const char *method)
{
	const char *requested = sx_req_header(req, "Access-Control-Request-Headers");
	const char *bad;

	if (!listed(c->origins, origin, strlen(origin), false, true))
		bad = sx_req_printf(req, "origin %s is not allowed", origin);
	else if (!listed(c->methods, method, strlen(method), false, false))
		bad = sx_req_printf(req, "method %s is not allowed", method);
	else if ((bad = header_refused(req, c, requested)) != NULL)
		bad = sx_req_printf(req, "header %s is not allowed", bad);
	if (bad != NULL) {
		sx_error(res, 403, sx_req_printf(req, "CORS preflight refused: %s",
		    bad));
		return SX_HOOK_ANSWERED;
	}
	sx_res_status(res, 204);
	allow_origin(res, c, origin);
	sx_res_header(res, "Access-Control-Allow-Methods", joined(req, c->methods));
	if (requested != NULL && *requested != '\0')
		sx_res_header(res, "Access-Control-Allow-Headers",
		    joined(req, c->headers));
	if (c->max_age > 0)
		sx_res_header(res, "Access-Control-Max-Age",
		    sx_req_printf(req, "%d", c->max_age));
	return SX_HOOK_ANSWERED;
}

/* The method a preflight asks about, or NULL when req is no preflight. */
static const char *
preflight_method(const sx_req *req)
{
	if (sx_req_method(req) != SX_OPTIONS || sx_req_header(req, "Origin") == NULL)
		return NULL;
	return sx_req_header(req, "Access-Control-Request-Method");
}

sx_hook_result
sx_cors_before(sx_req *req, sx_res *res, const void *arg)
{
	const char *method = preflight_method(req);

	if (method == NULL)
		return SX_HOOK_CONTINUE;
	return preflight(req, res, arg, sx_req_header(req, "Origin"), method);
}

void
sx_cors_after(sx_req *req, sx_res *res, const void *arg)
{
	const sx_cors *c = arg;
	const char *origin = sx_req_header(req, "Origin");
	const char *expose;

	/* a preflight was answered whole by the before-hook */
	if (origin == NULL || preflight_method(req) != NULL ||
	    !listed(c->origins, origin, strlen(origin), false, true))
		return;
	allow_origin(res, c, origin);
	if (*(expose = joined(req, c->expose)) != '\0')
		sx_res_header(res, "Access-Control-Expose-Headers", expose);
}

int
sx_cors_check(const void *arg, char *err, size_t errlen)
{
	const sx_cors *c = arg;

	if (c == NULL) {
		snprintf(err, errlen, "hook cors: no sx_cors settings (use "
		    "SX_CORS_HOOK(&settings))");
		return -1;
	}
	if (c->credentials && listed(c->origins, "*", 1, false, false)) {
		snprintf(err, errlen, "hook cors: origin \"*\" cannot be combined "
		    "with credentials (list the origins allowed credentials)");
		return -1;
	}
	return 0;
}
