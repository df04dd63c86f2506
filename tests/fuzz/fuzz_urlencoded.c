/*
 * fuzz_urlencoded.c: query strings and urlencoded forms
 * (sx_parse_urlencoded), Cookie headers (sx_parse_cookies) and
 * percent-decoding (sx_url_decode) over arbitrary bytes.
 */
#include "core.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

/* Every pair must be NUL-terminated at its length and come from input. */
static void
check_pairs(const sx_kv *kv, size_t n, size_t input_len)
{
	for (size_t i = 0; i < n; i++) {
		SX_FUZZ_CHECK(kv[i].name != NULL && kv[i].value != NULL);
		SX_FUZZ_CHECK(kv[i].value[kv[i].len] == '\0');
		SX_FUZZ_CHECK(kv[i].len <= input_len);
		SX_FUZZ_CHECK(strlen(kv[i].name) <= input_len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sx_arena *a = sx_arena_new(1024);
	const char *s = (const char *)data;
	sx_kv *kv;
	size_t n;
	char *copy, *cstr;
	long dec;

	if (a == NULL)
		return 0;
	if (sx_parse_urlencoded(a, s, size, &kv, &n) == 0) {
		check_pairs(kv, n, size);
		SX_FUZZ_CHECK(n <= size);
	}
	/* The Cookie header is a C string: parse up to the first NUL. */
	cstr = sx_arena_strndup(a, s, size);
	if (cstr != NULL && sx_parse_cookies(a, cstr, &kv, &n) == 0)
		check_pairs(kv, n, size);
	if ((copy = malloc(size ? size : 1)) != NULL) {
		memcpy(copy, data, size);
		dec = sx_url_decode(copy, size, size > 0 && data[0] & 1);
		SX_FUZZ_CHECK(dec <= (long)size);
		free(copy);
	}
	sx_arena_free(a);
	return 0;
}
