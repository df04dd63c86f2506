/*
 * fuzz_session.c: session cookies. The auth example (compiled in) runs on a
 * SQLite file in a fresh folder, with one user registered and logged in;
 * each input is the Cookie header of a GET /profile, with every "@ID@" in
 * it replaced by the logged-in session's id (so mutations start from a
 * valid cookie as well as from garbage). The header stops at the first
 * NUL, CR or LF, as no web server passes those.
 *
 * Invariants checked on every input: never a 500, and 200 (authenticated)
 * only when the header holds the logged-in session's id; otherwise 401.
 */
#define SX_EXAMPLE_NO_MAIN
#define SX_EXAMPLE_DIR SX_SRCDIR "/examples/auth/"
#include "examples/auth/auth.c"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sx_test_client *client;
static char session_id[128];	/* the logged-in session's cookie value */
static char *tmp_dir;

static void
remove_tmp_dir(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_session: could not remove %s\n", tmp_dir);
}

/* Runs one request with a JSON body for the set-up; returns its response. */
static sx_test_response *
setup_post(const char *path)
{
	static const char body[] = "{\"username\":\"ada\",\"password\":\"lovelace\"}";
	const char *headers[] = { "Content-Type: application/json", NULL };

	return sx_test_request(client, "POST", path, headers, body, sizeof(body) - 1);
}

/* Starts the app, registers and logs in ada, keeps the session id. */
static void
setup(void)
{
	char db[4200], err[256];
	const char *options[] = { "--database", db, "--migrate", "--log", "/dev/null", NULL };
	sx_test_response *r;
	const char *cookie;
	size_t n;

	tmp_dir = sx_fuzz_mkdtemp("session");
	atexit(remove_tmp_dir);
	snprintf(db, sizeof(db), "db_session=sqlite:%s/auth.db", tmp_dir);
	if ((client = sx_test_client_new(&auth_app, options, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_session: %s\n", err);
		sx_fuzz_fail(__FILE__, __LINE__, "the test client did not start");
	}
	r = setup_post("/register");
	SX_FUZZ_CHECK(r != NULL && r->status == 201);
	sx_test_response_free(r);
	r = setup_post("/login");
	SX_FUZZ_CHECK(r != NULL && r->status == 200);
	cookie = sx_test_header(r, "Set-Cookie");
	SX_FUZZ_CHECK(cookie != NULL && strncmp(cookie, "sx_session=", 11) == 0);
	n = strcspn(cookie + 11, ";");
	SX_FUZZ_CHECK(n > 0 && n < sizeof(session_id));
	memcpy(session_id, cookie + 11, n);
	session_id[n] = '\0';
	sx_test_response_free(r);
}

/* "Cookie: " and the input up to a NUL, CR or LF, with "@ID@" replaced. */
static char *
cookie_header(const uint8_t *data, size_t size)
{
	size_t cap = 8 + size * (strlen(session_id) + 1) + 1, o = 8;
	char *h = malloc(cap);

	if (h == NULL)
		return NULL;
	memcpy(h, "Cookie: ", 8);
	for (size_t i = 0; i < size && data[i] != '\0' && data[i] != '\r' &&
	    data[i] != '\n'; i++) {
		if (size - i >= 4 && memcmp(data + i, "@ID@", 4) == 0) {
			strcpy(h + o, session_id);
			o += strlen(session_id);
			i += 3;
		} else
			h[o++] = (char)data[i];
	}
	h[o] = '\0';
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *headers[2] = { NULL, NULL };
	sx_test_response *r;
	char *h;

	if (client == NULL)
		setup();
	if ((h = cookie_header(data, size)) == NULL)
		return 0;
	headers[0] = h;
	if ((r = sx_test_request(client, "GET", "/profile", headers, NULL, 0)) != NULL) {
		SX_FUZZ_CHECK(r->status == 200 || r->status == 401 || r->status == 400);
		if (r->status == 200)
			SX_FUZZ_CHECK(strstr(h, session_id) != NULL);
		sx_test_response_free(r);
	}
	free(h);
	return 0;
}
