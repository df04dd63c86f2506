/*
 * csrf.c: cross-site request forgery protection for form posts, on by
 * default and needing no session or token.
 *
 * A forged request comes from a browser on another site. Browsers say where
 * a request comes from: every current one sends Sec-Fetch-Site, and all send
 * Origin on a cross-origin POST. So an unsafe request (POST, PUT, PATCH,
 * DELETE) carrying a body a plain HTML form can produce (urlencoded,
 * multipart, text/plain) is refused with 403 when:
 *   - Sec-Fetch-Site is "cross-site" (or "same-site": a sibling subdomain is
 *     another site too), or
 *   - there is no Sec-Fetch-Site but an Origin whose host is not the Host
 *     the request was sent to.
 * Requests with neither header come from non-browser clients (curl, other
 * services), which cannot be forged by a web page, and pass. JSON bodies
 * pass: a cross-origin page cannot send application/json without a CORS
 * preflight, which this app does not grant.
 *
 * An app that must accept cross-origin form posts (a payment provider's
 * callback, say) sets sx_app.trusted_origins.
 */
#include "http.h"

#include <string.h>
#include <strings.h>

static bool
is_unsafe(sx_method m)
{
	return m == SX_POST || m == SX_PUT || m == SX_PATCH || m == SX_DELETE;
}

/* Form-producible content types (the "simple" ones of the Fetch standard). */
static bool
is_form_type(const char *ct)
{
	if (ct == NULL)
		return true;	/* a form with no body still counts */
	return strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 ||
	    strncasecmp(ct, "multipart/form-data", 19) == 0 ||
	    strncasecmp(ct, "text/plain", 10) == 0;
}

/*
 * Compares Origin's "host[:port]" with the Host header. Debian's nginx
 * fastcgi_params sends Host as $host, without the port, so a Host with no
 * port is compared with Origin's host name alone.
 */
static bool
origin_matches_host(const char *origin, const char *host)
{
	const char *p = strstr(origin, "://"), *port;
	size_t len;

	if (host == NULL || p == NULL)
		return false;
	p += 3;
	if (strchr(host, ':') != NULL || strchr(host, ']') != NULL)
		return strcasecmp(p, host) == 0;
	port = strrchr(p, ':');
	if (port != NULL && strchr(port, ']') != NULL)
		port = NULL;	/* the colon is inside an IPv6 literal */
	len = port != NULL ? (size_t)(port - p) : strlen(p);
	return strlen(host) == len && strncasecmp(p, host, len) == 0;
}

static bool
origin_trusted(const sx_app *app, const char *origin)
{
	for (const char *const *t = app->trusted_origins; t != NULL && *t != NULL; t++)
		if (strcasecmp(*t, origin) == 0)
			return true;
	return false;
}

const char *
sx_csrf_check(const sx_req *req)
{
	const char *site, *origin;

	if (!is_unsafe(req->method) || !is_form_type(req->content_type))
		return NULL;
	origin = sx_req_header(req, "origin");
	if (origin != NULL && origin_trusted(req->app, origin))
		return NULL;
	site = sx_req_header(req, "sec-fetch-site");
	if (site != NULL) {
		if (strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0)
			return NULL;
		return "cross-site form submission refused (Sec-Fetch-Site)";
	}
	if (origin != NULL && strcmp(origin, "null") != 0 &&
	    !origin_matches_host(origin, sx_req_header(req, "host")))
		return "cross-origin form submission refused (Origin does not match Host)";
	if (origin != NULL && strcmp(origin, "null") == 0)
		return "form submission from an opaque origin refused";
	return NULL;
}
