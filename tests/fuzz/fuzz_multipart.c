/*
 * fuzz_multipart.c: multipart/form-data bodies (sx_parse_multipart). The
 * input's first line is the boundary, the rest the body, so the fuzzer
 * explores both.
 */
#include "core.h"
#include "fuzz.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	sx_arena *a;
	char *boundary;
	const char *body, *why = NULL;
	size_t blen, len, n_fields, n_files;
	sx_kv *fields;
	sx_upload *files;

	if (nl == NULL)
		return 0;
	blen = (size_t)(nl - s);
	body = nl + 1;
	len = size - blen - 1;
	if ((a = sx_arena_new(1024)) == NULL)
		return 0;
	if ((boundary = sx_arena_strndup(a, s, blen)) == NULL) {
		sx_arena_free(a);
		return 0;
	}
	if (sx_parse_multipart(a, boundary, body, len, &fields, &n_fields,
	    &files, &n_files, &why) == 0) {
		for (size_t i = 0; i < n_fields; i++) {
			SX_FUZZ_CHECK(fields[i].len <= len);
			SX_FUZZ_CHECK(fields[i].value[fields[i].len] == '\0');
		}
		for (size_t i = 0; i < n_files; i++) {
			SX_FUZZ_CHECK(files[i].len <= len);
			SX_FUZZ_CHECK(files[i].data[files[i].len] == '\0');
			SX_FUZZ_CHECK(files[i].field != NULL &&
			    files[i].filename != NULL &&
			    files[i].content_type != NULL);
		}
	} else
		SX_FUZZ_CHECK(why != NULL && *why != '\0');
	sx_arena_free(a);
	return 0;
}
