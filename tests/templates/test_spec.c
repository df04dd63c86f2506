/*
 * test_spec.c: the official Mustache specification, run as data.
 *
 * Every JSON file of the specification folder (SX_SRCDIR/../shared/
 * conformance/mustache, or $SX_MUSTACHE_SPEC_DIR) is read at run time and
 * each of its cases rendered: the template as "__spec__", its partials under
 * their own names. Every case must give exactly the expected text; none is
 * skipped. The files are required: a missing one fails the run.
 */
/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"
#include "sx_tpl.h"

#include <dirent.h>

static const char *const spec_files[] = {
	"comments.json", "delimiters.json", "interpolation.json", "inverted.json",
	"partials.json", "sections.json", "~inheritance.json",
};
#define N_SPEC_FILES (sizeof(spec_files) / sizeof(spec_files[0]))

static const char *
spec_dir(void)
{
	const char *env = getenv("SX_MUSTACHE_SPEC_DIR");

	return env != NULL && *env != '\0' ? env :
	    SX_SRCDIR "/../shared/conformance/mustache";
}

static cJSON *
load_json(const char *dir, const char *file)
{
	sx_buf path = SX_BUF_INIT, text = SX_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	cJSON *j;

	sx_buf_printf(&path, "%s/%s", dir, file);
	f = fopen(path.data, "rb");
	cr_assert_not_null(f, "specification file %s is missing (set "
	    "SX_MUSTACHE_SPEC_DIR to the folder holding the spec's JSON files)",
	    path.data);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sx_buf_append(&text, chunk, n);
	fclose(f);
	j = cJSON_Parse(text.data);
	cr_assert_not_null(j, "%s is not valid JSON", path.data);
	sx_buf_free(&path);
	sx_buf_free(&text);
	return j;
}

/* Renders one case; returns true when the output is exactly as expected. */
static bool
run_case(const char *file, const cJSON *tc)
{
	const cJSON *name = cJSON_GetObjectItem(tc, "name");
	const cJSON *tmpl = cJSON_GetObjectItem(tc, "template");
	const cJSON *expected = cJSON_GetObjectItem(tc, "expected");
	const cJSON *partials = cJSON_GetObjectItem(tc, "partials"), *p;
	sx_tpl_set *set = sx_tpl_set_new();
	sx_buf out = SX_BUF_INIT;
	char msg[512] = "";
	sx_tpl_err e;
	bool ok;

	cr_assert(cJSON_IsString(tmpl) && cJSON_IsString(expected),
	    "%s: a case lacks template or expected", file);
	e = sx_tpl_set_add(set, "__spec__", tmpl->valuestring,
	    strlen(tmpl->valuestring), NULL, msg, sizeof(msg));
	cJSON_ArrayForEach(p, partials)
		if (e == SX_TPL_OK)
			e = sx_tpl_set_add(set, p->string, p->valuestring,
			    strlen(p->valuestring), NULL, msg, sizeof(msg));
	if (e == SX_TPL_OK)
		e = sx_tpl_render(set, "__spec__", cJSON_GetObjectItem(tc, "data"),
		    &out, msg, sizeof(msg));
	ok = e == SX_TPL_OK && out.data != NULL ?
	    strcmp(out.data, expected->valuestring) == 0 :
	    e == SX_TPL_OK && expected->valuestring[0] == '\0';
	if (!ok)
		cr_log_error("%s: \"%s\" failed: %s%s\n  template: %s\n  expected: "
		    "[%s]\n  got:      [%s]", file, name ? name->valuestring : "?",
		    e == SX_TPL_OK ? "wrong output" : sx_tpl_strerror(e),
		    e == SX_TPL_OK ? "" : msg, tmpl->valuestring,
		    expected->valuestring, out.data ? out.data : "");
	sx_buf_free(&out);
	sx_tpl_set_free(set);
	return ok;
}

/* Runs every case of one file; *total receives how many it holds. */
static int
run_file(const char *file, int *total)
{
	cJSON *spec = load_json(spec_dir(), file), *tc;
	const cJSON *tests = cJSON_GetObjectItem(spec, "tests");
	int passed = 0;

	cr_assert(cJSON_IsArray(tests) && cJSON_GetArraySize(tests) > 0,
	    "%s holds no tests", file);
	*total = cJSON_GetArraySize(tests);
	cJSON_ArrayForEach(tc, tests)
		passed += run_case(file, tc);
	fprintf(stderr, "mustache spec %-20s %3d/%d cases passed\n", file,
	    passed, *total);
	cJSON_Delete(spec);
	return passed;
}

#define SPEC_TEST(id, file) \
	Test(spec, id) { \
		int total, passed = run_file(file, &total); \
		cr_expect_eq(passed, total, "%s: %d of %d cases passed", file, \
		    passed, total); \
	}

SPEC_TEST(comments, "comments.json")
SPEC_TEST(delimiters, "delimiters.json")
SPEC_TEST(interpolation, "interpolation.json")
SPEC_TEST(inverted, "inverted.json")
SPEC_TEST(partials, "partials.json")
SPEC_TEST(sections, "sections.json")
SPEC_TEST(inheritance, "~inheritance.json")

/* Every JSON file in the folder is one of the files above, so no part of
 * the specification goes unrun; the total counts every case of all of them. */
Test(spec, every_file_every_case)
{
	DIR *d = opendir(spec_dir());
	struct dirent *e;
	int total = 0, passed = 0, n, files = 0;

	cr_assert_not_null(d, "specification folder %s is missing", spec_dir());
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		bool known = false;

		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		for (size_t i = 0; i < N_SPEC_FILES; i++)
			known |= strcmp(e->d_name, spec_files[i]) == 0;
		cr_expect(known, "spec file %s is not run by this test: add it",
		    e->d_name);
		files++;
	}
	closedir(d);
	cr_assert_eq(files, (int)N_SPEC_FILES, "expected %zu spec files, found %d",
	    N_SPEC_FILES, files);
	for (size_t i = 0; i < N_SPEC_FILES; i++) {
		passed += run_file(spec_files[i], &n);
		total += n;
	}
	fprintf(stderr, "mustache spec: %d/%d cases passed, 0 skipped\n",
	    passed, total);
	cr_assert_eq(passed, total, "%d of %d specification cases passed",
	    passed, total);
}
