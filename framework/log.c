/*
 * log.c: timestamped log lines to a file or stderr (see log.h), as text
 * or, with --log-format json, as one JSON object a line.
 */
#include "log.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
sx_logger_open(sx_logger *lg, const char *path)
{
	memset(lg, 0, sizeof(*lg));
	pthread_mutex_init(&lg->lock, NULL);
	lg->out = stderr;
	lg->path = path;
	if (path == NULL)
		return 0;
	if ((lg->out = fopen(path, "a")) == NULL) {
		lg->out = stderr;
		return -1;
	}
	return 0;
}

int
sx_logger_reopen(sx_logger *lg)
{
	int rc = 0;

	if (lg->path == NULL || lg->out == stderr)
		return 0;
	pthread_mutex_lock(&lg->lock);
	if (freopen(lg->path, "a", lg->out) == NULL) {
		lg->out = stderr;
		rc = -1;
	}
	pthread_mutex_unlock(&lg->lock);
	return rc;
}

void
sx_logger_close(sx_logger *lg)
{
	if (lg->out != NULL && lg->out != stderr)
		fclose(lg->out);
	lg->out = NULL;
	pthread_mutex_destroy(&lg->lock);
}

/*
 * Appends s[0..len) to b with every control character (below 0x20, and
 * DEL) and the backslash escaped: \n, \r, \t, \\ and \xHH. Logged values
 * come from clients (a decoded path, a header), so a value holding a newline
 * must not start a line of its own; escaping the backslash too keeps the
 * escaped text unambiguous.
 */
static void
put_escaped(sx_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			sx_buf_puts(b, "\\\\");
		else if (c == '\n')
			sx_buf_puts(b, "\\n");
		else if (c == '\r')
			sx_buf_puts(b, "\\r");
		else if (c == '\t')
			sx_buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sx_buf_printf(b, "\\x%02x", c);
		else
			sx_buf_putc(b, (char)c);
	}
}

/* Formats the line, escapes it whole (see put_escaped: no caller can
 * forget) and writes it under the lock. */
void
sx_logf(sx_logger *lg, const char *fmt, ...)
{
	sx_buf b = SX_BUF_INIT, text = SX_BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	sx_buf_printf(&b, "%s.%03ldZ ", when, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	sx_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	put_escaped(&b, text.data, text.len);
	sx_buf_free(&text);
	sx_buf_putc(&b, '\n');
	if (b.data == NULL)
		return;
	if (lg != NULL && lg->json) {	/* the text is the msg */
		b.data[b.len - 1] = '\0';
		sx_log_json(lg, "info", NULL, b.data + strlen(when) + 6);
	} else
		sx_log_write(lg, b.data, b.len);
	sx_buf_free(&b);
}

void
sx_log_write(sx_logger *lg, const char *data, size_t len)
{
	FILE *out = lg != NULL && lg->out != NULL ? lg->out : stderr;

	if (lg != NULL)
		pthread_mutex_lock(&lg->lock);
	fwrite(data, 1, len, out);
	fflush(out);
	if (lg != NULL)
		pthread_mutex_unlock(&lg->lock);
}

/* ---- --log-format json: one JSON object a line, so a log shipper needs no
 * pattern to parse it; cJSON escapes the strings, so a line never splits. */

static void
add_string(cJSON *o, const char *name, const char *value)
{
	if (value != NULL)
		cJSON_AddStringToObject(o, name, value);
}

/* ms rounded to the microsecond, as a number */
static void
add_ms(cJSON *o, const char *name, double ms)
{
	cJSON_AddNumberToObject(o, name, (double)(long long)(ms * 1000 + 0.5) /
	    1000);
}

void
sx_log_json(sx_logger *lg, const char *level, const sx_log_fields *f,
    const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	struct timespec ts;
	struct tm tm;
	char when[40];
	char *line;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
	    ts.tv_nsec / 1000000);
	add_string(o, "time", when);
	add_string(o, "level", level);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	if (f != NULL) {
		add_string(o, "request_id", f->request_id);
		add_string(o, "method", f->method);
		add_string(o, "route", f->route);
		add_string(o, "path", f->path);
		if (f->status != 0) {
			cJSON_AddNumberToObject(o, "status", f->status);
			add_ms(o, "ms", f->ms);
			add_ms(o, "db_ms", f->db_ms);
		}
	}
	add_string(o, "msg", msg);
	if ((line = cJSON_PrintUnformatted(o)) != NULL) {
		size_t len = strlen(line);

		line[len] = '\n';	/* over the NUL: written by length */
		sx_log_write(lg, line, len + 1);
		cJSON_free(line);
	}
	cJSON_Delete(o);
}
