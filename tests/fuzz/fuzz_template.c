/*
 * fuzz_template.c: the Mustache compiler and renderer over arbitrary
 * bytes. The input is two templates separated by the first NUL byte:
 * "main" and "part", which main may use as a partial ({{>part}}) or a parent
 * ({{<part}}), and part may use main in turn (recursion must stop cleanly).
 * Both render over a fixed context holding every kind of JSON value.
 */
#include "sx_tpl.h"
#include "fuzz.h"

#include <string.h>

static const char context_json[] =
    "{\"s\":\"<b>&'\\\"\",\"n\":42,\"f\":1.5,\"t\":true,\"z\":false,\"nil\":null,"
    "\"list\":[1,\"two\",{\"s\":\"three\"},[4]],\"empty\":[],"
    "\"obj\":{\"s\":\"inner\",\"deep\":{\"x\":{\"y\":\"z\"}}}}";

static void
render_checked(const sx_tpl_set *set, const char *name, const cJSON *ctx)
{
	sx_buf out = SX_BUF_INIT;
	char msg[256] = "";
	sx_tpl_err rc = sx_tpl_render(set, name, ctx, &out, msg, sizeof(msg));

	SX_FUZZ_CHECK(rc == SX_TPL_OK || rc == SX_TPL_TOO_DEEP);
	SX_FUZZ_CHECK(rc == SX_TPL_OK || msg[0] != '\0');
	SX_FUZZ_CHECK(out.data == NULL || out.data[out.len] == '\0');
	sx_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	const char *nul = memchr(src, '\0', size);
	size_t main_len = nul != NULL ? (size_t)(nul - src) : size;
	sx_tpl_set *set = sx_tpl_set_new();
	cJSON *ctx = cJSON_Parse(context_json);
	char msg[256];
	bool has_main, has_part = false;
	sx_tpl_err rc;

	SX_FUZZ_CHECK(set != NULL && ctx != NULL);
	msg[0] = '\0';
	rc = sx_tpl_set_add(set, "main", src, main_len, "main.mustache", msg,
	    sizeof(msg));
	has_main = rc == SX_TPL_OK;
	/* A compile error always says where. */
	SX_FUZZ_CHECK(has_main || strstr(msg, "main.mustache") != NULL);
	if (nul != NULL) {
		msg[0] = '\0';
		rc = sx_tpl_set_add(set, "part", nul + 1, size - main_len - 1,
		    NULL, msg, sizeof(msg));
		has_part = rc == SX_TPL_OK;
		SX_FUZZ_CHECK(has_part || msg[0] != '\0');
	}
	SX_FUZZ_CHECK(sx_tpl_set_count(set) == (size_t)has_main + (size_t)has_part);
	if (has_main)
		render_checked(set, "main", ctx);
	if (has_part)
		render_checked(set, "part", ctx);
	cJSON_Delete(ctx);
	sx_tpl_set_free(set);
	return 0;
}
