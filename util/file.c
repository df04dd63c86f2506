/*
 * file.c: reading a whole file, which configuration, migrations, templates
 * and the scaffolding tool all need. A read error is an error, not a short
 * file: ferror is checked, so a file is never half-read silently.
 */
#include "sx_util.h"

#include <errno.h>
#include <stdio.h>

char *
sx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	sx_buf b = SX_BUF_INIT;
	char chunk[8192];
	size_t n;
	int saved;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (sx_buf_append(&b, chunk, n) < 0) {
			fclose(f);
			sx_buf_free(&b);
			errno = ENOMEM;
			return NULL;
		}
	if (ferror(f)) {
		saved = errno ? errno : EIO;
		fclose(f);
		sx_buf_free(&b);
		errno = saved;
		return NULL;
	}
	fclose(f);
	if (len != NULL)
		*len = b.len;
	return sx_buf_steal(&b);
}
