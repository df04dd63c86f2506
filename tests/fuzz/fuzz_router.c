/*
 * fuzz_router.c: path matching (sx_router_match) against a fixed table
 * with every parameter type. The first input byte picks the method, the
 * rest is the path.
 */
#include "core.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
nop(sx_req *req, sx_res *res)
{
	(void)req;
	(void)res;
	return 0;
}

static const sx_route table[] = {
	{ SX_GET, "/", nop, NULL, NULL, NULL },
	{ SX_GET, "/posts", nop, NULL, NULL, NULL },
	{ SX_POST, "/posts", nop, NULL, NULL, NULL },
	{ SX_GET, "/posts/new", nop, NULL, NULL, NULL },
	{ SX_GET, "/posts/{id:int}", nop, NULL, NULL, NULL },
	{ SX_PUT, "/posts/{id:int}", nop, NULL, NULL, NULL },
	{ SX_GET, "/posts/{slug:str}", nop, NULL, NULL, NULL },
	{ SX_GET, "/users/{name}/posts/{n:int}/", nop, NULL, NULL, NULL },
	{ SX_GET, "/u/{id:uuid}", nop, NULL, NULL, NULL },
	{ SX_GET, "/static/{file:path}", nop, NULL, NULL, NULL },
	{ SX_HEAD, "/static/{file:path}", nop, NULL, NULL, NULL },
	{ SX_DELETE, "/a/{x}/b/{y:int}/c/{z:uuid}/{rest:path}", nop, NULL, NULL, NULL },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sx_router *router;
	sx_arena *a;
	sx_req *req;
	const char *allow = NULL;
	char err[256];

	if (router == NULL &&
	    (router = sx_router_new(table, SX_NELEM(table), err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_router: %s\n", err);
		abort();
	}
	if (size == 0 || (a = sx_arena_new(1024)) == NULL)
		return 0;
	req = sx_arena_alloc(a, sizeof(*req));
	if (req != NULL) {
		req->arena = a;
		req->method = (sx_method)(data[0] % SX_METHOD__MAX);
		req->path = sx_arena_strndup(a, (const char *)data + 1, size - 1);
		switch (sx_router_match(router, req, &allow)) {
		case SX_MATCH_OK:
			SX_FUZZ_CHECK(req->route != NULL);
			SX_FUZZ_CHECK(req->n_params <= SX_MAX_PARAMS);
			for (size_t i = 0; i < req->n_params; i++)
				SX_FUZZ_CHECK(req->params[i].value != NULL &&
				    strlen(req->params[i].value) ==
				    req->params[i].len);
			break;
		case SX_MATCH_METHOD:
			SX_FUZZ_CHECK(allow != NULL && *allow != '\0');
			break;
		default:
			break;
		}
	}
	sx_arena_free(a);
	return 0;
}
