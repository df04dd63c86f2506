/*
 * fuzz_main.c: the plain driver for fuzz harnesses when libFuzzer is not
 * used: each file named on the command line is read whole into a buffer of
 * exactly its size (so an over-read trips AddressSanitizer) and passed to
 * LLVMFuzzerTestOneInput once. Exits 0 when every input ran, 1 when a file
 * could not be read; a crash in a parser ends the process with a signal.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SX_FUZZ_MAIN
/* Reads path into a malloc'd buffer of its exact size. */
static unsigned char *
read_input(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL, *bigger;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((bigger = realloc(data, cap)) == NULL)
				break;
			data = bigger;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || n == cap) {
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	/* Exactly n bytes, so reading one past the input is caught. */
	bigger = malloc(n ? n : 1);
	if (bigger != NULL)
		memcpy(bigger, data, n);
	free(data);
	*len = n;
	return bigger;
}

int
main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		unsigned char *data = read_input(argv[i], &len);

		if (data == NULL) {
			fprintf(stderr, "%s: cannot read this input file\n", argv[i]);
			failed = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
	}
	return failed;
}
#endif
