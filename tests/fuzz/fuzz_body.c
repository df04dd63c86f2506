/*
 * fuzz_body.c: request bodies through sx_req_parse_body, mostly JSON. The
 * first input byte picks the Content-Type, the rest is the body.
 */
#include "core.h"
#include "fuzz.h"

#include <string.h>

static const char *const types[] = {
	"application/json",
	"application/json; charset=utf-8",
	"application/vnd.api+json",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=b",
	"multipart/form-data; boundary=\"q b\"",
	"text/plain",
	"APPLICATION/JSON",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sx_arena *a;
	sx_req *req;
	const char *why = NULL;
	sx_req_err rc;

	if (size == 0 || (a = sx_arena_new(1024)) == NULL)
		return 0;
	if ((req = sx_arena_alloc(a, sizeof(*req))) == NULL) {
		sx_arena_free(a);
		return 0;
	}
	req->arena = a;
	req->content_type = types[data[0] % SX_NELEM(types)];
	/* As sx_req_read_body leaves it: NUL-terminated, in the arena. */
	req->body = sx_arena_strndup(a, (const char *)data + 1, size - 1);
	req->body_len = size - 1;
	if (req->body != NULL) {
		rc = sx_req_parse_body(req, &why);
		SX_FUZZ_CHECK(rc == SX_REQ_OK || rc == SX_REQ_BAD);
		SX_FUZZ_CHECK(rc == SX_REQ_OK || why != NULL);
		SX_FUZZ_CHECK(rc == SX_REQ_OK || req->json == NULL);
		cJSON_Delete(req->json);
	}
	sx_arena_free(a);
	return 0;
}
