/*
 * fuzz_migfiles.c: migration file names and file texts (the plan loader,
 * sx_mig_plan_load: "0001_create_users.sqlite.sql", the "-- migrate:up" and
 * "-- migrate:down" sections) over arbitrary bytes, through an extension
 * that carries its files in memory, for both dialects.
 *
 * Input: files separated by NUL bytes; in each, the name up to the first
 * newline, then the text. At most 16 files.
 *
 * Invariants: on success the plan's versions are "ext_fuzz_NNNN" in strictly
 * increasing order, each from a file of the input, with an up section; on
 * failure the message is one non-empty line.
 */
#include "migrate_internal.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 16

/* Cuts data into files; returns how many. Names and texts are malloc'd. */
static size_t
split_files(const uint8_t *data, size_t size, sx_migrate_file *files)
{
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0;

	while (p < end && n < MAX_FILES) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *stop = nul ? nul : end;
		const char *nl = memchr(p, '\n', (size_t)(stop - p));
		const char *name_end = nl ? nl : stop;

		files[n].name = strndup(p, (size_t)(name_end - p));
		files[n].text = strndup(nl ? nl + 1 : stop, (size_t)(stop - (nl ? nl + 1 : stop)));
		n++;
		p = nul ? nul + 1 : end;
	}
	return n;
}

static bool
from_input(const char *file, const sx_migrate_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].name, file) == 0)
			return true;
	return false;
}

static void
check_plan(const sx_mig_plan *plan, const sx_migrate_file *files, size_t n)
{
	char want[64];

	for (size_t i = 0; i < plan->n; i++) {
		const sx_mig *m = &plan->m[i];

		SX_FUZZ_CHECK(m->up != NULL && m->down != NULL);
		SX_FUZZ_CHECK(from_input(m->file, files, n));
		snprintf(want, sizeof(want), "ext_fuzz_%04ld", m->number);
		SX_FUZZ_CHECK(strcmp(m->version, want) == 0);
		SX_FUZZ_CHECK(strlen(m->checksum) == 64);
		if (i > 0)
			SX_FUZZ_CHECK(plan->m[i - 1].number < m->number);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sx_migrate_file files[MAX_FILES];
	size_t n = split_files(data, size, files);
	sx_migrate_ext ext = { .name = "fuzz", .dir = "ext", .files = files, .n_files = n };
	/* A missing app folder is an empty plan: only the extension counts. */
	sx_migrate_opts o = { .dir = "/nonexistent/sx-fuzz-migrations", .exts = &ext, .n_exts = 1 };
	const sx_db_dialect dialects[] = { SX_DB_SQLITE, SX_DB_POSTGRES };

	if (n == 0)
		return 0;	/* no files: no extension (files NULL means a folder) */
	for (size_t d = 0; d < 2; d++) {
		sx_mig_plan plan;
		char err[512] = "";

		if (sx_mig_plan_load(&plan, &o, dialects[d], err, sizeof(err)) == SX_DB_OK)
			check_plan(&plan, files, n);
		else
			SX_FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
		sx_mig_plan_free(&plan);
	}
	for (size_t i = 0; i < n; i++) {
		free((char *)files[i].name);
		free((char *)files[i].text);
	}
	return 0;
}
