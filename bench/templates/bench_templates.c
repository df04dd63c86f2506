/*
 * bench_templates.c: the Mustache engine against a hand-written loop.
 *
 * Renders the TechEmpower "fortunes" page: the 12 fortunes of
 * shared/bench/fortunes.sql plus the one added at request time, sorted by
 * message, each row's message HTML-escaped, in a table placed by a page
 * template inside a layout (a parent template with blocks). The baseline is
 * the loop a programmer would write by hand with sx_buf_printf and
 * sx_buf_html_escape. Both must produce the same bytes (checked before
 * timing); the figure that matters is the ratio, measured in the same run.
 *
 * The engine renders from cJSON data built once, as a handler would have it
 * after its query; building that data is timed separately for reference.
 */
#include "sx_tpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fortune {
	int id;
	const char *message;
} fortune;

/* shared/bench/fortunes.sql, plus the row added at request time. */
static fortune fortunes[] = {
	{ 1, "fortune: No such file or directory" },
	{ 2, "A computer scientist is someone who fixes things that aren't broken." },
	{ 3, "After enough decimal places, nobody gives a damn." },
	{ 4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1" },
	{ 5, "A computer program does what you tell it to do, not what you want it to do." },
	{ 6, "Emacs is a nice operating system, but I prefer UNIX. \xe2\x80\x94 Tom Christaensen" },
	{ 7, "Any program that runs right is obsolete." },
	{ 8, "A list is only as strong as its weakest link. \xe2\x80\x94 Donald Knuth" },
	{ 9, "Feature: A bug with seniority." },
	{ 10, "Computers make very fast, very accurate mistakes." },
	{ 11, "<script>alert(\"This should not be displayed in a browser alert box.\");</script>" },
	{ 12, "\xe3\x83\x95\xe3\x83\xac\xe3\x83\xbc\xe3\x83\xa0\xe3\x83\xaf\xe3\x83\xbc"
	      "\xe3\x82\xaf\xe3\x81\xae\xe3\x83\x99\xe3\x83\xb3\xe3\x83\x81\xe3\x83\x9e"
	      "\xe3\x83\xbc\xe3\x82\xaf" },
	{ 0, "Additional fortune added at request time." },
};
#define N_FORTUNES (sizeof(fortunes) / sizeof(fortunes[0]))

static const char layout[] =
    "<!DOCTYPE html><html><head><title>{{$title}}{{/title}}</title></head>"
    "<body>{{$body}}{{/body}}</body></html>";

static const char page[] =
    "{{<layout}}{{$title}}Fortunes{{/title}}{{$body}}"
    "<table><tr><th>id</th><th>message</th></tr>"
    "{{#fortunes}}<tr><td>{{id}}</td><td>{{message}}</td></tr>{{/fortunes}}"
    "</table>{{/body}}{{/layout}}";

static int
by_message(const void *a, const void *b)
{
	return strcmp(((const fortune *)a)->message, ((const fortune *)b)->message);
}

static void
hand_written(sx_buf *b)
{
	sx_buf_puts(b, "<!DOCTYPE html><html><head><title>Fortunes</title></head>"
	    "<body><table><tr><th>id</th><th>message</th></tr>");
	for (size_t i = 0; i < N_FORTUNES; i++) {
		sx_buf_printf(b, "<tr><td>%d</td><td>", fortunes[i].id);
		sx_buf_html_escape(b, fortunes[i].message, strlen(fortunes[i].message));
		sx_buf_puts(b, "</td></tr>");
	}
	sx_buf_puts(b, "</table></body></html>");
}

static cJSON *
build_data(void)
{
	cJSON *data = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(data, "fortunes");

	for (size_t i = 0; i < N_FORTUNES; i++) {
		cJSON *row = cJSON_CreateObject();

		cJSON_AddNumberToObject(row, "id", fortunes[i].id);
		cJSON_AddStringToObject(row, "message", fortunes[i].message);
		cJSON_AddItemToArray(list, row);
	}
	return data;
}

static void
engine(const sx_tpl_set *set, const cJSON *data, sx_buf *b)
{
	if (sx_tpl_render(set, "fortunes", data, b, NULL, 0) != SX_TPL_OK) {
		fprintf(stderr, "bench_templates: render failed\n");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 200000;
	sx_tpl_set *set = sx_tpl_set_new();
	sx_buf a = SX_BUF_INIT, b = SX_BUF_INIT;
	double best_tpl = 1e30, best_hand = 1e30, best_build = 1e30, t0, ns;
	char msg[256];
	cJSON *data;

	qsort(fortunes, N_FORTUNES, sizeof(fortunes[0]), by_message);
	if (sx_tpl_set_add(set, "layout", layout, sizeof(layout) - 1, NULL, msg,
	    sizeof(msg)) != SX_TPL_OK || sx_tpl_set_add(set, "fortunes", page,
	    sizeof(page) - 1, NULL, msg, sizeof(msg)) != SX_TPL_OK) {
		fprintf(stderr, "bench_templates: %s\n", msg);
		return 1;
	}
	data = build_data();
	engine(set, data, &a);
	hand_written(&b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		fprintf(stderr, "bench_templates: outputs differ\nengine: %s\nhand:   %s\n",
		    a.data, b.data);
		return 1;
	}
	printf("fortunes page: %zu bytes, %zu rows, identical output\n", a.len,
	    N_FORTUNES);
	/* Alternate the two in rounds and keep each one's best round, so a
	 * busy moment on the machine does not favour either. */
	for (int round = 0; round < 5; round++) {
		t0 = sx_now_ms();
		for (long i = 0; i < iterations; i++) {
			sx_buf_reset(&a);
			engine(set, data, &a);
		}
		ns = (sx_now_ms() - t0) * 1e6 / (double)iterations;
		best_tpl = ns < best_tpl ? ns : best_tpl;
		t0 = sx_now_ms();
		for (long i = 0; i < iterations; i++) {
			sx_buf_reset(&b);
			hand_written(&b);
		}
		ns = (sx_now_ms() - t0) * 1e6 / (double)iterations;
		best_hand = ns < best_hand ? ns : best_hand;
		t0 = sx_now_ms();
		for (long i = 0; i < iterations / 10; i++)
			cJSON_Delete(build_data());
		ns = (sx_now_ms() - t0) * 1e6 / (double)(iterations / 10);
		best_build = ns < best_build ? ns : best_build;
	}
	printf("hand-written loop (sx_buf_printf + sx_buf_html_escape): %8.0f ns/render\n",
	    best_hand);
	printf("template engine (layout + blocks + section):            %8.0f ns/render\n",
	    best_tpl);
	printf("ratio engine / hand-written: %.2fx (target: within 2x)\n",
	    best_tpl / best_hand);
	printf("for reference, building the cJSON rows: %.0f ns\n", best_build);
	cJSON_Delete(data);
	sx_buf_free(&a);
	sx_buf_free(&b);
	sx_tpl_set_free(set);
	return 0;
}
