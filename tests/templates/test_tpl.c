/*
 * test_tpl.c: the template engine beyond the specification: compile errors
 * with their line and column, escaping, number printing, sets loaded from
 * folders (layouts, subfolders, compiled once), render errors, and many
 * threads rendering one set.
 */
/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"
#include "sx_tpl.h"

#include <pthread.h>
#include <sys/stat.h>

/* Compiles src as "t" into a fresh set and returns the error and message. */
static sx_tpl_err
compile(const char *src, char *msg, size_t msglen)
{
	sx_tpl_set *set = sx_tpl_set_new();
	sx_tpl_err e;

	msg[0] = '\0';
	e = sx_tpl_set_add(set, "t", src, strlen(src), "t.mustache", msg, msglen);
	if (e != SX_TPL_OK)
		cr_assert_eq(sx_tpl_set_count(set), 0, "a failed add left a template");
	sx_tpl_set_free(set);
	return e;
}

/* Renders src over the JSON text data; returns the output (caller frees). */
static char *
render(const char *src, const char *data)
{
	sx_tpl_set *set = sx_tpl_set_new();
	cJSON *j = data ? cJSON_Parse(data) : NULL;
	sx_buf out = SX_BUF_INIT;
	char msg[256];

	cr_assert(data == NULL || j != NULL, "bad test JSON %s", data);
	cr_assert_eq(sx_tpl_set_add(set, "t", src, strlen(src), NULL, msg,
	    sizeof(msg)), SX_TPL_OK, "%s", msg);
	cr_assert_eq(sx_tpl_render(set, "t", j, &out, msg, sizeof(msg)),
	    SX_TPL_OK, "%s", msg);
	cJSON_Delete(j);
	sx_tpl_set_free(set);
	return out.data ? sx_buf_steal(&out) : strdup("");
}

static void
expect_render(const char *src, const char *data, const char *want)
{
	char *got = render(src, data);

	cr_expect_str_eq(got, want, "template [%s] over %s", src, data);
	free(got);
}

static void
expect_error(const char *src, sx_tpl_err want, const char *want_msg)
{
	char msg[512];
	sx_tpl_err e = compile(src, msg, sizeof(msg));

	cr_expect_eq(e, want, "[%s]: got %s (%s), want %s", src,
	    sx_tpl_strerror(e), msg, sx_tpl_strerror(want));
	cr_expect(strstr(msg, want_msg) != NULL, "[%s]: message \"%s\" lacks \"%s\"",
	    src, msg, want_msg);
}

Test(errors, unclosed_section_names_where_it_opened)
{
	expect_error("<ul>\n  {{#items}}\n  <li>{{.}}</li>\n</ul>\n",
	    SX_TPL_UNCLOSED_SECTION,
	    "unclosed section 'items' opened at t.mustache:2:3");
	expect_error("{{<layout}}\n{{$body}}x\n{{/layout}}\n",
	    SX_TPL_MISMATCHED_CLOSE, "t.mustache:3:1: closing tag 'layout' "
	    "does not match the open block 'body' (opened at line 2, column 1)");
	expect_error("{{^empty}}", SX_TPL_UNCLOSED_SECTION,
	    "unclosed inverted section 'empty' opened at t.mustache:1:1");
}

Test(errors, closing_tags)
{
	expect_error("{{#a}}\n{{#b}}\n{{/a}}\n", SX_TPL_MISMATCHED_CLOSE,
	    "t.mustache:3:1: closing tag 'a' does not match the open section 'b' "
	    "(opened at line 2, column 1)");
	expect_error("text\nmore {{/a}}", SX_TPL_UNEXPECTED_CLOSE,
	    "t.mustache:2:6: closing tag 'a' has no open section");
}

Test(errors, unclosed_tags_and_bad_names)
{
	expect_error("ab\ncd {{name", SX_TPL_UNCLOSED_TAG,
	    "t.mustache:2:4: unclosed tag: '{{' has no closing '}}'");
	expect_error("{{{raw}}", SX_TPL_UNCLOSED_TAG,
	    "t.mustache:1:1: unclosed tag: '{{' has no closing '}}}'");
	expect_error("{{=<% %>=}}\n<%name", SX_TPL_UNCLOSED_TAG,
	    "t.mustache:2:1: unclosed tag: '<%' has no closing '%>'");
	expect_error("x {{ }}", SX_TPL_BAD_TAG, "t.mustache:1:3: tag '{{ }}' has no name");
	expect_error("{{#}}{{/}}", SX_TPL_BAD_TAG, "t.mustache:1:1:");
	expect_error("{{first last}}", SX_TPL_BAD_TAG,
	    "tag name 'first last' contains a space");
}

Test(errors, delimiters)
{
	expect_error("ok\n  {{=<% =}}", SX_TPL_BAD_DELIMITER,
	    "t.mustache:2:3: invalid set-delimiter tag");
	expect_error("{{=<% %> x=}}", SX_TPL_BAD_DELIMITER, "t.mustache:1:1:");
	expect_error("{{=a= b=}}", SX_TPL_BAD_DELIMITER, "t.mustache:1:1:");
	expect_error("{{=<% %>}}", SX_TPL_BAD_DELIMITER, "must end with '='");
}

Test(errors, strerror_and_names)
{
	sx_tpl_set *set = sx_tpl_set_new();
	char msg[128];

	for (int e = 0; e < SX_TPL__MAX; e++)
		for (int f = e + 1; f < SX_TPL__MAX; f++)
			cr_expect_str_neq(sx_tpl_strerror(e), sx_tpl_strerror(f));
	cr_expect_str_eq(sx_tpl_strerror(SX_TPL__MAX), "unknown template error");
	cr_assert_eq(sx_tpl_set_add(set, "a", "x", 1, NULL, msg, sizeof(msg)),
	    SX_TPL_OK);
	cr_expect_eq(sx_tpl_set_add(set, "a", "y", 1, NULL, msg, sizeof(msg)),
	    SX_TPL_BAD_NAME);
	cr_expect(strstr(msg, "\"a\" is already taken") != NULL, "%s", msg);
	cr_expect_eq(sx_tpl_set_add(set, "", "y", 1, NULL, msg, sizeof(msg)),
	    SX_TPL_BAD_NAME);
	cr_expect_eq(sx_tpl_set_count(set), 1);
	sx_tpl_set_free(set);
}

Test(render, escaping)
{
	sx_buf b = SX_BUF_INIT;

	expect_render("{{x}}|{{{x}}}|{{&x}}", "{\"x\": \"<a href='u'>&\\\"</a>\"}",
	    "&lt;a href=&#39;u&#39;&gt;&amp;&quot;&lt;/a&gt;|"
	    "<a href='u'>&\"</a>|<a href='u'>&\"</a>");
	expect_render("{{x}}", "{\"x\": \"plain text, no entities\"}",
	    "plain text, no entities");
	expect_render("{{x}}", "{\"x\": \"フレームワーク & ☃\"}",
	    "フレームワーク &amp; ☃");
	cr_assert_eq(sx_tpl_escape(&b, "", 0), 0);
	cr_assert_eq(sx_tpl_escape(&b, "a<b", 3), 0);
	cr_assert_eq(sx_tpl_escape(&b, "&&", 2), 0);
	cr_expect_str_eq(b.data, "a&lt;b&amp;&amp;");
	cr_expect_eq(b.len, strlen("a&lt;b&amp;&amp;"));
	sx_buf_free(&b);
}

Test(render, values)
{
	expect_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}",
	    "{\"a\": 85, \"b\": 1.5, \"c\": -3, \"d\": 0.1, \"e\": 1e20, "
	    "\"f\": true, \"g\": false, \"h\": null}",
	    "85 1.5 -3 0.1 1e+20 true false ");
	expect_render("{{n}}", "{\"n\": 123456789012}", "123456789012");
	expect_render("{{o}}[{{l}}]", "{\"o\": {\"k\": 1}, \"l\": [1]}", "[]");
	expect_render("{{.}}", NULL, "");
	/* 0 and "" are true, as in the reference implementation. */
	expect_render("{{#z}}zero{{/z}}{{#s}}empty{{/s}}{{^l}}none{{/l}}",
	    "{\"z\": 0, \"s\": \"\", \"l\": []}", "zeroemptynone");
}

Test(render, sections_and_dotted_names)
{
	expect_render("{{#notes}}<li>{{title}} by {{author.name}} ({{count}})</li>\n"
	    "{{/notes}}{{^notes}}no notes{{/notes}}",
	    "{\"count\": 2, \"notes\": [{\"title\": \"A\", \"author\": {\"name\": \"x\"}},"
	    " {\"title\": \"B<\", \"author\": {}}]}",
	    "<li>A by x (2)</li>\n<li>B&lt; by  (2)</li>\n");
	expect_render("{{#notes}}x{{/notes}}{{^notes}}no notes{{/notes}}",
	    "{\"notes\": []}", "no notes");
}

Test(render, layout_reindents_page_blocks)
{
	sx_tpl_set *set = sx_tpl_set_new();
	const char *layout =
	    "<html>\n"
	    "  <head><title>{{$title}}Sextant{{/title}}</title></head>\n"
	    "  <body>\n"
	    "    {{$content}}{{/content}}\n"
	    "  </body>\n"
	    "</html>\n";
	const char *page =
	    "{{<layout}}\n"
	    "{{$title}}Notes{{/title}}\n"
	    "{{$content}}\n"
	    "<ul>\n"
	    "{{#notes}}\n"
	    "  <li>{{.}}</li>\n"
	    "{{/notes}}\n"
	    "</ul>\n"
	    "{{/content}}\n"
	    "{{/layout}}\n";
	cJSON *data = cJSON_Parse("{\"notes\": [\"one\", \"<two>\"]}");
	sx_buf out = SX_BUF_INIT;
	char msg[256];

	cr_assert_eq(sx_tpl_set_add(set, "page", page, strlen(page), NULL, msg,
	    sizeof(msg)), SX_TPL_OK, "%s", msg);
	cr_assert_eq(sx_tpl_set_add(set, "layout", layout, strlen(layout), NULL,
	    msg, sizeof(msg)), SX_TPL_OK, "%s", msg);
	cr_assert_eq(sx_tpl_render(set, "page", data, &out, msg, sizeof(msg)),
	    SX_TPL_OK, "%s", msg);
	cr_expect_str_eq(out.data,
	    "<html>\n"
	    "  <head><title>Notes</title></head>\n"
	    "  <body>\n"
	    "    <ul>\n"
	    "      <li>one</li>\n"
	    "      <li>&lt;two&gt;</li>\n"
	    "    </ul>\n"
	    "  </body>\n"
	    "</html>\n");
	sx_buf_free(&out);
	cJSON_Delete(data);
	sx_tpl_set_free(set);
}

Test(render, errors)
{
	sx_tpl_set *set = sx_tpl_set_new();
	sx_buf out = SX_BUF_INIT;
	char msg[256];

	cr_assert_eq(sx_tpl_set_add(set, "loop", "x{{>loop}}", 10, NULL, msg,
	    sizeof(msg)), SX_TPL_OK);
	cr_expect_eq(sx_tpl_render(set, "nope", NULL, &out, msg, sizeof(msg)),
	    SX_TPL_NOT_FOUND);
	cr_expect_str_eq(msg, "no template called \"nope\"");
	cr_expect_eq(sx_tpl_render(set, "loop", NULL, &out, msg, sizeof(msg)),
	    SX_TPL_TOO_DEEP);
	cr_expect(strstr(msg, "more than 100 levels deep at \"loop\"") != NULL,
	    "%s", msg);
	cr_expect_eq(sx_tpl_set_has(set, "loop"), true);
	cr_expect_eq(sx_tpl_set_has(set, "nope"), false);
	sx_buf_free(&out);
	sx_tpl_set_free(set);
}

/* Writes text to dir/rel, creating the file. */
static void
write_file(const char *dir, const char *rel, const char *text)
{
	sx_buf path = SX_BUF_INIT;
	FILE *f;

	sx_buf_printf(&path, "%s/%s", dir, rel);
	cr_assert_not_null(f = fopen(path.data, "w"), "cannot write %s", path.data);
	fputs(text, f);
	fclose(f);
	sx_buf_free(&path);
}

static char *
make_template_dir(void)
{
	char *dir = sx_test_tmpdir();
	sx_buf sub = SX_BUF_INIT;

	sx_buf_printf(&sub, "%s/notes", dir);
	cr_assert_eq(mkdir(sub.data, 0755), 0);
	sx_buf_reset(&sub);
	sx_buf_printf(&sub, "%s/.hidden", dir);
	cr_assert_eq(mkdir(sub.data, 0755), 0);
	sx_buf_free(&sub);
	write_file(dir, "layout.mustache",
	    "<h1>{{$title}}{{/title}}</h1>\n{{$body}}{{/body}}\n{{>footer}}");
	write_file(dir, "footer.mustache", "<footer>{{site}}</footer>\n");
	write_file(dir, "notes/list.mustache",
	    "{{<layout}}{{$title}}Notes of {{site}}{{/title}}"
	    "{{$body}}{{#notes}}<p>{{.}}</p>{{/notes}}{{/body}}{{/layout}}");
	write_file(dir, "README.txt", "not a template {{");
	write_file(dir, ".hidden/broken.mustache", "{{#never closed");
	return dir;
}

static void
remove_tree(const char *dir)
{
	sx_buf cmd = SX_BUF_INIT;

	sx_buf_printf(&cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd.data), 0);
	sx_buf_free(&cmd);
}

static const char list_data[] = "{\"site\": \"S&T\", \"notes\": [\"a\", \"b\"]}";
static const char list_output[] =
    "<h1>Notes of S&amp;T</h1>\n<p>a</p><p>b</p>\n<footer>S&amp;T</footer>\n";

Test(folder, loads_subfolders_and_renders_layouts)
{
	char *dir = make_template_dir(), msg[512];
	sx_tpl_set *set = sx_tpl_set_new();
	cJSON *data = cJSON_Parse(list_data);
	sx_buf out = SX_BUF_INIT;

	cr_assert_eq(sx_tpl_set_load_dir(set, dir, msg, sizeof(msg)), SX_TPL_OK,
	    "%s", msg);
	cr_expect_eq(sx_tpl_set_count(set), 3);
	cr_expect_eq(sx_tpl_set_has(set, "notes/list"), true);
	cr_expect_eq(sx_tpl_set_has(set, "README"), false);
	cr_expect_eq(sx_tpl_set_has(set, ".hidden/broken"), false);
	cr_assert_eq(sx_tpl_render(set, "notes/list", data, &out, msg,
	    sizeof(msg)), SX_TPL_OK, "%s", msg);
	cr_expect_str_eq(out.data, list_output);
	sx_buf_free(&out);
	cJSON_Delete(data);
	sx_tpl_set_free(set);
	remove_tree(dir);
	free(dir);
}

/* Templates compile once, when loaded: changing a file afterwards changes
 * nothing, and every render of the cached form gives the same bytes. */
Test(folder, compiled_once_and_cached)
{
	char *dir = make_template_dir(), msg[512];
	sx_tpl_set *set = sx_tpl_set_new();
	cJSON *data = cJSON_Parse(list_data);
	sx_buf out = SX_BUF_INIT;

	cr_assert_eq(sx_tpl_set_load_dir(set, dir, msg, sizeof(msg)), SX_TPL_OK);
	write_file(dir, "footer.mustache", "{{#now broken");
	write_file(dir, "layout.mustache", "changed");
	for (int i = 0; i < 3; i++) {
		sx_buf_reset(&out);
		cr_assert_eq(sx_tpl_render(set, "notes/list", data, &out, msg,
		    sizeof(msg)), SX_TPL_OK, "%s", msg);
		cr_expect_str_eq(out.data, list_output);
	}
	sx_buf_free(&out);
	cJSON_Delete(data);
	sx_tpl_set_free(set);
	remove_tree(dir);
	free(dir);
}

Test(folder, compile_error_names_the_file)
{
	char *dir = make_template_dir(), msg[512];
	sx_tpl_set *set = sx_tpl_set_new();

	write_file(dir, "notes/edit.mustache", "<form>\n  {{#note}}\n  {{/notes}}\n");
	cr_expect_eq(sx_tpl_set_load_dir(set, dir, msg, sizeof(msg)),
	    SX_TPL_MISMATCHED_CLOSE);
	cr_expect(strstr(msg, "notes/edit.mustache:3:3: closing tag 'notes' does "
	    "not match the open section 'note'") != NULL, "%s", msg);
	sx_tpl_set_free(set);
	set = sx_tpl_set_new();
	cr_expect_eq(sx_tpl_set_load_dir(set, "/nonexistent/sx-templates", msg,
	    sizeof(msg)), SX_TPL_IO);
	cr_expect(strstr(msg, "cannot open folder") != NULL, "%s", msg);
	sx_tpl_set_free(set);
	remove_tree(dir);
	free(dir);
}

typedef struct job {
	const sx_tpl_set *set;
	const cJSON *data;
	const char *want;
	int mismatches;
} job;

static void *
render_many(void *arg)
{
	job *j = arg;
	sx_buf out = SX_BUF_INIT;

	for (int i = 0; i < 300; i++) {
		sx_buf_reset(&out);
		if (sx_tpl_render(j->set, "notes/list", j->data, &out, NULL, 0) !=
		    SX_TPL_OK || strcmp(out.data, j->want) != 0)
			j->mismatches++;
	}
	sx_buf_free(&out);
	return NULL;
}

Test(folder, threads_share_one_set)
{
	char *dir = make_template_dir(), msg[512];
	sx_tpl_set *set = sx_tpl_set_new();
	cJSON *data = cJSON_Parse(list_data);
	pthread_t th[4];
	job jobs[4];

	cr_assert_eq(sx_tpl_set_load_dir(set, dir, msg, sizeof(msg)), SX_TPL_OK);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (job){ set, data, list_output, 0 };
		cr_assert_eq(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(jobs[i].mismatches, 0, "thread %d: %d bad renders", i,
		    jobs[i].mismatches);
	}
	cJSON_Delete(data);
	sx_tpl_set_free(set);
	remove_tree(dir);
	free(dir);
}
