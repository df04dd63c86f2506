/* fuzz_check.c: the invariant failure of fuzz.h, linked into every build. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

void
sx_fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}
