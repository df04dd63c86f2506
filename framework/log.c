/*
 * log.c: timestamped log lines to a file or stderr (see log.h), as text
 * or, with --log-format json, as one JSON object a line; in a server
 * worker, buffered and written by a flusher thread (sx_logger_buffer).
 */
#include "log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* "2026-01-01T00:00:00.000Z ": a line's time and the blank after it. */
#define TIME_LEN 25

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

/*
 * Writes whole lines to the log's file in one write(2) (the file is opened
 * for appending, so lines from other processes land between, never
 * inside). Nothing goes through stdio's buffer, so nothing waits there.
 */
static void
write_out(const sx_logger *lg, const char *data, size_t len)
{
	FILE *out = lg != NULL && lg->out != NULL ? lg->out : stderr;
	int fd = fileno(out);

	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* a log that cannot be written has no one to tell */
		data += n;
		len -= (size_t)n;
	}
}

/* Writes out the buffer; the caller holds the lock. */
static void
flush_locked(sx_logger *lg)
{
	if (lg->len > 0)
		write_out(lg, lg->buf, lg->len);
	lg->len = 0;
}

void
sx_logger_flush(sx_logger *lg)
{
	if (lg == NULL || !lg->buffered)
		return;
	pthread_mutex_lock(&lg->lock);
	flush_locked(lg);
	pthread_mutex_unlock(&lg->lock);
}

int
sx_logger_reopen(sx_logger *lg)
{
	int rc = 0;

	if (lg->path == NULL || lg->out == stderr)
		return 0;
	pthread_mutex_lock(&lg->lock);
	if (lg->buffered)
		flush_locked(lg);	/* the old file's lines end there */
	if (freopen(lg->path, "a", lg->out) == NULL) {
		lg->out = stderr;
		rc = -1;
	}
	pthread_mutex_unlock(&lg->lock);
	return rc;
}

/*
 * The flusher: sleeps until a line comes into the empty buffer, lets more
 * gather for SX_LOG_LINGER_MS, and writes them all at once. Under load a
 * write then carries many lines, and the request threads never wait on the
 * file.
 */
static void *
flusher_main(void *arg)
{
	sx_logger *lg = arg;
	const struct timespec linger = { 0, SX_LOG_LINGER_MS * 1000000L };

	pthread_mutex_lock(&lg->lock);
	while (!lg->stopping) {
		if (lg->len == 0) {
			pthread_cond_wait(&lg->wake, &lg->lock);
			continue;
		}
		pthread_mutex_unlock(&lg->lock);
		nanosleep(&linger, NULL);
		pthread_mutex_lock(&lg->lock);
		flush_locked(lg);
	}
	pthread_mutex_unlock(&lg->lock);
	return NULL;
}

int
sx_logger_buffer(sx_logger *lg)
{
	if (lg->buffered)
		return 0;
	if ((lg->buf = malloc(SX_LOG_BUFFER)) == NULL)
		return -1;
	lg->cap = SX_LOG_BUFFER;
	lg->len = 0;
	lg->stopping = false;
	pthread_cond_init(&lg->wake, NULL);
	lg->buffered = true;
	if (pthread_create(&lg->flusher, NULL, flusher_main, lg) != 0) {
		lg->buffered = false;
		pthread_cond_destroy(&lg->wake);
		free(lg->buf);
		lg->buf = NULL;
		return -1;
	}
	return 0;
}

/* Stops the flusher and writes out what it had not. */
static void
unbuffer(sx_logger *lg)
{
	pthread_mutex_lock(&lg->lock);
	lg->stopping = true;
	pthread_cond_signal(&lg->wake);
	pthread_mutex_unlock(&lg->lock);
	pthread_join(lg->flusher, NULL);
	flush_locked(lg);
	lg->buffered = false;
	pthread_cond_destroy(&lg->wake);
	free(lg->buf);
	lg->buf = NULL;
	lg->len = lg->cap = 0;
}

void
sx_logger_close(sx_logger *lg)
{
	if (lg->buffered)
		unbuffer(lg);
	if (lg->out != NULL && lg->out != stderr)
		fclose(lg->out);
	lg->out = NULL;
	pthread_mutex_destroy(&lg->lock);
}

void
sx_log_write(sx_logger *lg, const char *data, size_t len)
{
	if (lg == NULL) {
		write_out(NULL, data, len);
		return;
	}
	pthread_mutex_lock(&lg->lock);
	if (!lg->buffered) {
		write_out(lg, data, len);
	} else {
		if (lg->len + len > lg->cap)
			flush_locked(lg);
		if (len > lg->cap) {
			write_out(lg, data, len);
		} else {
			memcpy(lg->buf + lg->len, data, len);
			/* the flusher sleeps while the buffer is empty */
			if ((lg->len += len) == len)
				pthread_cond_signal(&lg->wake);
		}
	}
	pthread_mutex_unlock(&lg->lock);
}

/* Writes the time "2026-01-01T00:00:00.000Z " (TIME_LEN bytes, no NUL)
 * into out; the date and seconds are formatted once a second per thread. */
static void
format_time(char *out)
{
	static _Thread_local time_t cached_sec = (time_t)-1;
	static _Thread_local char cached[20];
	struct timespec ts;
	struct tm tm;
	long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	memcpy(out, cached, 19);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = ' ';
}

/*
 * Appends s[0..len) to b with every control character (below 0x20, and
 * DEL) and the backslash escaped: \n, \r, \t, \\ and \xHH. Logged values
 * come from clients (a decoded path, a header), so a value holding a newline
 * must not start a line of its own; escaping the backslash too keeps the
 * escaped text unambiguous. Runs of plain bytes are copied at once.
 */
static void
put_escaped(sx_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 0x0f] };
		size_t n = 2;

		if (c >= 0x20 && c != 0x7f && c != '\\')
			continue;
		sx_buf_append(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: n = 4; break;
		}
		sx_buf_append(b, esc, n);
	}
	sx_buf_append(b, s + start, len - start);
}

/* One line of text: the time, then text escaped (see put_escaped); with
 * --log-format json, the escaped text is the msg of an "info" object. */
static void
log_text(sx_logger *lg, const char *text, size_t len)
{
	sx_buf b = SX_BUF_INIT;
	char when[TIME_LEN];

	if (sx_buf_reserve(&b, TIME_LEN + len + 16) < 0)
		return;
	format_time(when);
	sx_buf_append(&b, when, TIME_LEN);
	put_escaped(&b, text, len);
	if (lg != NULL && lg->json) {
		sx_log_json(lg, "info", NULL, b.data + TIME_LEN);
	} else if (sx_buf_putc(&b, '\n') == 0) {
		sx_log_write(lg, b.data, b.len);
	}
	sx_buf_free(&b);
}

/* Formats the line in a buffer on the stack when it fits, escapes it whole
 * (no caller can forget) and writes it. */
void
sx_logf(sx_logger *lg, const char *fmt, ...)
{
	char small[512];
	sx_buf big = SX_BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		log_text(lg, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	if (sx_buf_vprintf(&big, fmt, ap) == 0)
		log_text(lg, big.data, big.len);
	va_end(ap);
	sx_buf_free(&big);
}

/* ms with two decimals ("12.34"), as %.2f gives them. */
static void
put_ms(sx_buf *b, double ms)
{
	uint64_t hundredths;

	if (!(ms >= 0 && ms < 1e15)) {	/* not from a monotonic clock */
		sx_buf_printf(b, "%.2f", ms);
		return;
	}
	hundredths = (uint64_t)(ms * 100 + 0.5);
	sx_buf_put_u64(b, hundredths / 100);
	sx_buf_append(b, (const char[]){ '.', (char)('0' + hundredths / 10 % 10),
	    (char)('0' + hundredths % 10) }, 3);
}

/* A string field of the access line, escaped; "-" when there is none. */
static void
put_field(sx_buf *b, const char *s)
{
	if (s == NULL)
		s = "-";
	put_escaped(b, s, strlen(s));
}

/* Formatted by hand: this runs once per request, and printf of the two
 * durations alone cost more than the rest of the line. */
void
sx_log_access(sx_logger *lg, const sx_log_fields *f, const char *note)
{
	sx_buf b = SX_BUF_INIT;
	char when[TIME_LEN];

	if (lg != NULL && lg->json) {
		char msg[96];

		snprintf(msg, sizeof(msg), "access%s%s", note ? " " : "",
		    note ? note : "");
		sx_log_json(lg, "info", f, msg);
		return;
	}
	if (sx_buf_reserve(&b, 160) < 0)
		return;
	format_time(when);
	sx_buf_append(&b, when, TIME_LEN);
	sx_buf_append(&b, "id=", 3);
	put_field(&b, f->request_id);
	sx_buf_putc(&b, ' ');
	put_field(&b, f->method);
	sx_buf_putc(&b, ' ');
	put_field(&b, f->path);
	sx_buf_putc(&b, ' ');
	sx_buf_put_u64(&b, f->status > 0 ? (uint64_t)f->status : 0);
	sx_buf_putc(&b, ' ');
	put_ms(&b, f->ms);
	sx_buf_append(&b, "ms db=", 6);
	put_ms(&b, f->db_ms);
	sx_buf_append(&b, "ms", 2);
	if (note != NULL) {
		sx_buf_putc(&b, ' ');
		put_field(&b, note);
	}
	if (sx_buf_putc(&b, '\n') == 0)
		sx_log_write(lg, b.data, b.len);
	sx_buf_free(&b);
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
	char when[TIME_LEN];
	char *line;

	format_time(when);
	when[TIME_LEN - 1] = '\0';	/* over the blank */
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
