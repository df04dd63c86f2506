/*
 * log_json.c: --log-format json. Each line is one JSON object, so a log
 * shipper needs no pattern to parse it: the access line with its fields
 * (request id, method, route name, path, status, ms, db ms), and every
 * other line with what it knows, the message under "msg". cJSON escapes
 * the strings, control characters included, so a line never splits.
 */
#include "log.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
