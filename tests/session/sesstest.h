/*
 * sesstest.h: what the session tests share: a one-cookie jar over the test
 * client, as a browser keeps it (Set-Cookie stores the value, Max-Age=0
 * forgets it).
 */
#ifndef SX_SESSTEST_H
#define SX_SESSTEST_H

#include "../apps/apptest.h"

#define JAR_COOKIE "sx_session"

typedef struct jar {
	char value[256];	/* "" = no cookie */
	bool set;		/* the last response set or expired it */
} jar;

/* Takes a Set-Cookie for JAR_COOKIE from r into j. */
static inline void
jar_take(jar *j, const sx_test_response *r)
{
	const char *sc = sx_test_header(r, "Set-Cookie");
	size_t n = strlen(JAR_COOKIE "=");

	j->set = false;
	if (sc == NULL || strncmp(sc, JAR_COOKIE "=", n) != 0)
		return;
	j->set = true;
	if (strstr(sc, "Max-Age=0") != NULL) {
		j->value[0] = '\0';
		return;
	}
	snprintf(j->value, sizeof(j->value), "%.*s", (int)strcspn(sc + n, ";"),
	    sc + n);
}

/* A request with the jar's cookie and, optionally, a JSON body and one more
 * header; the jar takes the response's cookie. The caller frees. */
static inline sx_test_response *
jar_request(sx_test_client *tc, jar *j, const char *method, const char *path,
    const char *json, const char *header)
{
	char cookie[300];
	const char *headers[4];
	size_t n = 0;
	sx_test_response *r;

	if (j->value[0] != '\0') {
		snprintf(cookie, sizeof(cookie), "Cookie: " JAR_COOKIE "=%s", j->value);
		headers[n++] = cookie;
	}
	if (json != NULL)
		headers[n++] = "Content-Type: application/json";
	if (header != NULL)
		headers[n++] = header;
	headers[n] = NULL;
	r = sx_test_request(tc, method, path, headers, json, json ? strlen(json) : 0);
	cr_assert_not_null(r, "%s %s: no response", method, path);
	jar_take(j, r);
	return r;
}

static inline int
jar_status(sx_test_client *tc, jar *j, const char *method, const char *path,
    const char *json, const char *header)
{
	sx_test_response *r = jar_request(tc, j, method, path, json, header);
	int status = r->status;

	sx_test_response_free(r);
	return status;
}

#endif
