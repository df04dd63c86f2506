/* fuzz_check.c: what fuzz.h declares, linked into every build: the
 * invariant failure and the harnesses' temporary folders. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

void
sx_fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

char *
sx_fuzz_mkdtemp(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&path, "%s/sx-fuzz-%s.XXXXXX", tmp, name) < 0)
		sx_fuzz_fail(__FILE__, __LINE__, "out of memory");
	if (mkdtemp(path) == NULL) {
		perror(path);
		sx_fuzz_fail(__FILE__, __LINE__, "cannot make a temporary folder");
	}
	return path;
}
