/*
 * test_render.c: templates inside the framework. A small app renders pages
 * through the test client from a templates folder in a temporary directory;
 * start-up refuses a missing folder it was told to use and a template that
 * does not compile; error pages come from the built-in template; and the
 * `render` command prints a template from the command line.
 */
/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"
#include "cli/cli.h"

#include <fcntl.h>
#include <sys/stat.h>

static int
notes_page(sx_req *req, sx_res *res)
{
	cJSON *data = cJSON_Parse("{\"title\": \"Notes & more\", "
	    "\"notes\": [{\"id\": 1, \"text\": \"<b>hi</b>\"}, {\"id\": 2, \"text\": \"ok\"}]}");
	int rc;

	(void)req;
	rc = sx_render(res, 201, "notes", data);	/* frees data */
	return rc;
}

static int
missing_page(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_render(res, 200, "no-such-page", NULL);
}

static int
not_found(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_error(res, 404, "note <7> is gone");
}

static const sx_route routes[] = {
	{ SX_GET, "/notes", notes_page, NULL, NULL, NULL },
	{ SX_GET, "/missing", missing_page, NULL, NULL, NULL },
	{ SX_GET, "/gone", not_found, NULL, NULL, NULL },
};

static const sx_app app = { .name = "render-test", SX_ROUTE_TABLE(routes) };

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

static void
remove_tree(const char *dir)
{
	sx_buf cmd = SX_BUF_INIT;

	sx_buf_printf(&cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd.data), 0);
	sx_buf_free(&cmd);
}

/* A temporary folder holding templates/ with a layout and a page. */
static char *
make_app_dir(sx_buf *templates)
{
	char *dir = sx_test_tmpdir();

	sx_buf_printf(templates, "%s/templates", dir);
	cr_assert_eq(mkdir(templates->data, 0755), 0);
	write_file(templates->data, "layout.mustache",
	    "<title>{{$title}}{{/title}}</title>\n<main>\n  {{$main}}{{/main}}\n</main>\n");
	write_file(templates->data, "notes.mustache",
	    "{{<layout}}\n{{$title}}{{title}}{{/title}}\n{{$main}}\n"
	    "{{#notes}}\n<p id=\"n{{id}}\">{{text}}</p>\n{{/notes}}\n{{/main}}\n"
	    "{{/layout}}\n");
	return dir;
}

static const char notes_html[] =
    "<title>Notes &amp; more</title>\n<main>\n"
    "  <p id=\"n1\">&lt;b&gt;hi&lt;/b&gt;</p>\n  <p id=\"n2\">ok</p>\n</main>\n";

static sx_test_client *
client(const char *templates, char *err, size_t errlen)
{
	const char *opts[] = { "--log", "/dev/null", "--templates", templates, NULL };

	return sx_test_client_new(&app, opts, err, errlen);
}

Test(render, page_from_templates_folder)
{
	sx_buf templates = SX_BUF_INIT;
	char *dir = make_app_dir(&templates), err[512];
	sx_test_client *tc = client(templates.data, err, sizeof(err));
	sx_test_response *r;

	cr_assert_not_null(tc, "%s", err);
	r = sx_test_request(tc, "GET", "/notes", NULL, NULL, 0);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 201);
	cr_expect_str_eq(sx_test_header(r, "Content-Type"), "text/html; charset=utf-8");
	cr_expect_str_eq(r->body, notes_html);
	sx_test_response_free(r);
	sx_test_client_free(tc);
	remove_tree(dir);
	free(dir);
	sx_buf_free(&templates);
}

Test(render, unknown_template_is_a_500)
{
	sx_buf templates = SX_BUF_INIT;
	char *dir = make_app_dir(&templates), err[512];
	sx_test_client *tc = client(templates.data, err, sizeof(err));
	sx_test_response *r;

	cr_assert_not_null(tc, "%s", err);
	r = sx_test_request(tc, "GET", "/missing", NULL, NULL, 0);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 500);
	cr_assert_not_null(r->json, "body: %s", r->body);
	cr_expect_str_eq(cJSON_GetObjectItem(r->json, "error")->valuestring,
	    "Internal Server Error");
	sx_test_response_free(r);
	sx_test_client_free(tc);
	remove_tree(dir);
	free(dir);
	sx_buf_free(&templates);
}

Test(render, startup_refuses_missing_named_folder)
{
	char err[512] = "";
	sx_test_client *tc = client("/nonexistent/sx-templates", err, sizeof(err));

	cr_expect_null(tc);
	cr_expect(strstr(err, "templates folder \"/nonexistent/sx-templates\" does "
	    "not exist") != NULL, "%s", err);
	sx_test_client_free(tc);
}

Test(render, default_folder_may_be_missing)
{
	char *dir = sx_test_tmpdir(), err[512] = "";
	const char *opts[] = { "--log", "/dev/null", NULL };
	sx_test_client *tc;
	sx_test_response *r;

	cr_assert_eq(chdir(dir), 0);
	tc = sx_test_client_new(&app, opts, err, sizeof(err));
	cr_assert_not_null(tc, "%s", err);
	r = sx_test_request(tc, "GET", "/notes", NULL, NULL, 0);
	cr_expect_eq(r->status, 500);
	sx_test_response_free(r);
	sx_test_client_free(tc);
	remove_tree(dir);
	free(dir);
}

Test(render, startup_refuses_broken_template)
{
	sx_buf templates = SX_BUF_INIT;
	char *dir = make_app_dir(&templates), err[512] = "";
	sx_test_client *tc;

	write_file(templates.data, "edit.mustache", "<form>\n  {{#note}}\n</form>\n");
	tc = client(templates.data, err, sizeof(err));
	cr_expect_null(tc);
	cr_expect(strstr(err, "unclosed section 'note' opened at edit.mustache:2:3")
	    != NULL, "%s", err);
	sx_test_client_free(tc);
	remove_tree(dir);
	free(dir);
	sx_buf_free(&templates);
}

Test(errors, html_page_from_builtin_template)
{
	const char *opts[] = { "--log", "/dev/null", NULL };
	const char *html[] = { "Accept: text/html,application/json", "X-Request-ID: r<1>", NULL };
	const char *json[] = { "Accept: application/json", "X-Request-ID: r2", NULL };
	char err[512], *dir = sx_test_tmpdir();
	sx_test_client *tc;
	sx_test_response *r;

	cr_assert_eq(chdir(dir), 0);
	cr_assert_not_null(tc = sx_test_client_new(&app, opts, err, sizeof(err)),
	    "%s", err);
	r = sx_test_request(tc, "GET", "/gone", html, NULL, 0);
	cr_expect_eq(r->status, 404);
	cr_expect_str_eq(sx_test_header(r, "Content-Type"), "text/html; charset=utf-8");
	cr_expect_str_eq(r->body,
	    "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>404 Not Found</title></head>\n<body><h1>404 Not Found</h1>\n"
	    "<p>note &lt;7&gt; is gone</p>\n"
	    "<p><small>request id: r&lt;1&gt;</small></p>\n</body></html>\n");
	sx_test_response_free(r);
	r = sx_test_request(tc, "GET", "/gone", json, NULL, 0);
	cr_expect_eq(r->status, 404);
	cr_expect_str_eq(r->body, "{\"error\":\"note <7> is gone\",\"request_id\":\"r2\"}");
	sx_test_response_free(r);
	sx_test_client_free(tc);
	remove_tree(dir);
	free(dir);
}

/* Runs `render ARGS...` with stdout and stderr captured into files under
 * dir; returns the exit status and the captured text in out / errout. */
static int
run_render_cmd(const char *dir, char **argv, int argc, sx_buf *out, sx_buf *errout)
{
	sx_buf path = SX_BUF_INIT, epath = SX_BUF_INIT;
	sx_config cfg = { 0 };
	int saved = dup(1), saved_err = dup(2), fd, efd, rc;
	char *text;
	size_t len;

	sx_buf_printf(&path, "%s/stdout", dir);
	sx_buf_printf(&epath, "%s/stderr", dir);
	fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	efd = open(epath.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0 && efd >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(efd, 2);
	rc = sx_cmd_render(&app, &cfg, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved_err, 2);
	close(fd);
	close(efd);
	close(saved);
	close(saved_err);
	sx_config_free(&cfg);
	text = sx_read_file(path.data, &len);
	sx_buf_reset(out);
	sx_buf_append(out, text ? text : "", text ? len : 0);
	free(text);
	text = sx_read_file(epath.data, &len);
	sx_buf_reset(errout);
	sx_buf_append(errout, text ? text : "", text ? len : 0);
	free(text);
	sx_buf_free(&path);
	sx_buf_free(&epath);
	return rc;
}

Test(command, render_prints_template)
{
	sx_buf templates = SX_BUF_INIT, data = SX_BUF_INIT, out = SX_BUF_INIT,
	    errout = SX_BUF_INIT;
	char *dir = make_app_dir(&templates);

	sx_buf_printf(&data, "%s/data.json", dir);
	write_file(dir, "data.json", "{\"title\": \"Notes & more\", \"notes\": "
	    "[{\"id\": 1, \"text\": \"<b>hi</b>\"}, {\"id\": 2, \"text\": \"ok\"}]}");
	write_file(dir, "bad.json", "{\"title\": ");
	{
		char *argv[] = { "render", "notes", data.data, "--templates",
		    templates.data, NULL };

		cr_expect_eq(run_render_cmd(dir, argv, 5, &out, &errout), 0,
		    "%s", errout.data);
		cr_expect_str_eq(out.data, notes_html);
	}
	{
		char *argv[] = { "render", "--templates", templates.data,
		    "layout", NULL };

		cr_expect_eq(run_render_cmd(dir, argv, 4, &out, &errout), 0);
		cr_expect_str_eq(out.data, "<title></title>\n<main>\n</main>\n");
	}
	{
		char *argv[] = { "render", "nope", "--templates", templates.data, NULL };

		cr_expect_eq(run_render_cmd(dir, argv, 4, &out, &errout), 1);
		cr_expect(strstr(errout.data, "no template \"nope\"") != NULL,
		    "%s", errout.data);
	}
	{
		char *argv[] = { "render", "notes", "bad.json", "--templates",
		    templates.data, NULL };

		cr_assert_eq(chdir(dir), 0);
		cr_expect_eq(run_render_cmd(dir, argv, 5, &out, &errout), 1);
		cr_expect(strstr(errout.data, "bad.json: not valid JSON") != NULL,
		    "%s", errout.data);
	}
	remove_tree(dir);
	free(dir);
	sx_buf_free(&templates);
	sx_buf_free(&data);
	sx_buf_free(&out);
	sx_buf_free(&errout);
}

Test(command, render_usage_and_errors)
{
	sx_buf templates = SX_BUF_INIT, out = SX_BUF_INIT, errout = SX_BUF_INIT;
	char *dir = make_app_dir(&templates);
	char *help[] = { "render", "--help", NULL };
	char *none[] = { "render", NULL };
	char *bad_opt[] = { "render", "notes", "--frobnicate", NULL };
	char *extra[] = { "render", "a", "b", "c", NULL };
	char *missing_dir[] = { "render", "notes", "--templates", "/nonexistent/t", NULL };

	cr_expect_eq(run_render_cmd(dir, help, 2, &out, &errout), 0);
	cr_expect(strstr(out.data, "usage: render-test render TEMPLATE") != NULL,
	    "%s", out.data);
	cr_expect_eq(run_render_cmd(dir, none, 1, &out, &errout), 2);
	cr_expect(strstr(errout.data, "expected a TEMPLATE name") != NULL);
	cr_expect_eq(run_render_cmd(dir, bad_opt, 3, &out, &errout), 2);
	cr_expect(strstr(errout.data, "unknown option --frobnicate") != NULL);
	cr_expect_eq(run_render_cmd(dir, extra, 4, &out, &errout), 2);
	cr_expect_eq(run_render_cmd(dir, missing_dir, 4, &out, &errout), 1);
	cr_expect(strstr(errout.data, "does not exist") != NULL, "%s", errout.data);
	write_file(templates.data, "broken.mustache", "ok\n{{/x}}");
	{
		char *argv[] = { "render", "notes", "--templates", templates.data, NULL };

		cr_expect_eq(run_render_cmd(dir, argv, 4, &out, &errout), 1);
		cr_expect(strstr(errout.data, "broken.mustache:2:1: closing tag 'x' "
		    "has no open section") != NULL, "%s", errout.data);
	}
	remove_tree(dir);
	free(dir);
	sx_buf_free(&templates);
	sx_buf_free(&out);
	sx_buf_free(&errout);
}
