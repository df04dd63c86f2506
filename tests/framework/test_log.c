/*
 * test_log.c: the logger. The access line's text (formatted by hand, so
 * checked against the printf form it replaced); and the buffered logger of
 * a server worker: lines reach the file within the linger, at once when
 * the buffer fills, before a reopen, and at close; lines from many threads
 * stay whole and none is lost.
 */
#include <criterion/criterion.h>

#include "core.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[] = "/tmp/sx-log-XXXXXX";
static sx_logger lg;

static void
setup(void)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(sx_logger_open(&lg, path), 0);
}

static void
teardown(void)
{
	if (lg.out != NULL)
		sx_logger_close(&lg);
	unlink(path);
	strcpy(path, "/tmp/sx-log-XXXXXX");
}

TestSuite(log, .init = setup, .fini = teardown);

/* The file's whole text (malloc'd). */
static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *text = NULL;
	size_t cap = 0;

	cr_assert_not_null(f, "open %s", p);
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

static int
count_lines(const char *text)
{
	int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* The text after the time of the first line ("...Z "), without its \n. */
static char *
first_line_after_time(const char *text)
{
	const char *z = strstr(text, "Z ");
	char *line;

	cr_assert_not_null(z, "%s", text);
	line = strdup(z + 2);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

Test(log, access_line_as_printf_gave_it)
{
	const double ms[] = { 0, 0.004, 0.005, 0.1, 1.25, 12.345678, 999.999,
	    1234.5 };
	char want[256], *text, *got;

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		cr_assert_eq(ftruncate(fileno(lg.out), 0), 0);
		sx_log_access(&lg, &(sx_log_fields){ .request_id = "abc",
		    .method = "GET", .path = "/p", .status = 200, .ms = ms[i],
		    .db_ms = ms[i] / 3 }, NULL);
		snprintf(want, sizeof(want), "id=abc GET /p 200 %.2fms db=%.2fms",
		    ms[i], ms[i] / 3);
		text = slurp(path);
		got = first_line_after_time(text);
		cr_expect_str_eq(got, want);
		free(got);
		free(text);
	}
}

Test(log, access_line_escapes_its_fields_and_adds_the_note)
{
	char *text, *got;

	sx_log_access(&lg, &(sx_log_fields){ .request_id = "i", .method = "POST",
	    .path = "/a\nb\\c\x1b", .status = 503, .ms = 2, .db_ms = 1 },
	    "(client gone)");
	sx_log_access(&lg, &(sx_log_fields){ .request_id = "j" }, NULL);
	text = slurp(path);
	cr_expect_eq(count_lines(text), 2, "%s", text);
	got = first_line_after_time(text);
	cr_expect_str_eq(got, "id=i POST /a\\nb\\\\c\\x1b 503 2.00ms db=1.00ms "
	    "(client gone)");
	free(got);
	got = first_line_after_time(strchr(text, '\n') + 1);
	cr_expect_str_eq(got, "id=j - - 0 0.00ms db=0.00ms");
	free(got);
	free(text);
}

Test(log, buffered_lines_reach_the_file_within_the_linger)
{
	char *text;

	cr_assert_eq(sx_logger_buffer(&lg), 0);
	sx_logf(&lg, "one %d", 1);
	text = slurp(path);
	cr_expect_str_eq(text, "", "not yet written: %s", text);
	free(text);
	usleep(20 * SX_LOG_LINGER_MS * 1000);
	text = slurp(path);
	cr_expect(strstr(text, "one 1\n") != NULL, "%s", text);
	free(text);
}

Test(log, a_full_buffer_is_written_at_once)
{
	char line[1000];
	int n = 2 * SX_LOG_BUFFER / (int)sizeof(line);
	char *text;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	cr_assert_eq(sx_logger_buffer(&lg), 0);
	for (int i = 0; i < n; i++)
		sx_logf(&lg, "%s", line);
	text = slurp(path);	/* before any linger could pass */
	cr_expect_geq(count_lines(text), n / 2 - 2, "%d lines of %d",
	    count_lines(text), n);
	free(text);
}

Test(log, reopen_and_close_write_out_the_buffer)
{
	char moved[64], *text;

	snprintf(moved, sizeof(moved), "%s.1", path);
	cr_assert_eq(sx_logger_buffer(&lg), 0);
	sx_logf(&lg, "before the rotation");
	cr_assert_eq(rename(path, moved), 0);
	cr_assert_eq(sx_logger_reopen(&lg), 0);
	sx_logf(&lg, "after the rotation");
	text = slurp(moved);
	cr_expect(strstr(text, "before the rotation\n") != NULL, "%s", text);
	cr_expect(strstr(text, "after") == NULL, "%s", text);
	free(text);
	unlink(moved);
	sx_logger_close(&lg);
	lg.out = NULL;
	text = slurp(path);
	cr_expect(strstr(text, "after the rotation\n") != NULL, "%s", text);
	free(text);
}

enum { THREADS = 4, LINES = 5000 };

static void *
log_many(void *arg)
{
	for (int i = 0; i < LINES; i++)
		sx_logf(&lg, "thread %ld line %d end", (long)(intptr_t)arg, i);
	return NULL;
}

/* Every line of every thread, whole, when the logger closes. */
Test(log, lines_from_threads_stay_whole_and_none_is_lost)
{
	pthread_t t[THREADS];
	char *text, *line, *save = NULL;
	int n = 0;

	cr_assert_eq(sx_logger_buffer(&lg), 0);
	for (long i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, log_many,
		    (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	sx_logger_close(&lg);
	lg.out = NULL;
	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		long th;
		int no;
		char end[4] = "";

		cr_assert_eq(sscanf(strstr(line, "Z ") + 2, "thread %ld line %d %3s",
		    &th, &no, end), 3, "a broken line: %s", line);
		cr_assert_str_eq(end, "end", "%s", line);
	}
	cr_expect_eq(n, THREADS * LINES);
	free(text);
}
