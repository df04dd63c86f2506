/*
 * buf.c: the growable byte buffer. Capacity doubles so appends are amortised
 * O(1); data stays NUL-terminated so it can be handed to C string functions.
 */
#include "sx_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for extra more bytes plus the terminator. Returns 0 or -1. */
int
sx_buf_reserve(sx_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	p[b->len] = '\0';	/* a new buffer is a valid empty string */
	b->data = p;
	b->cap = cap;
	return 0;
}

int
sx_buf_append(sx_buf *b, const void *data, size_t len)
{
	if (sx_buf_reserve(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
sx_buf_puts(sx_buf *b, const char *s)
{
	return sx_buf_append(b, s, strlen(s));
}

int
sx_buf_putc(sx_buf *b, char c)
{
	return sx_buf_append(b, &c, 1);
}

int
sx_buf_put_u64(sx_buf *b, uint64_t v)
{
	char digits[20];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return sx_buf_append(b, digits + n, sizeof(digits) - n);
}

/* Formats into the room the buffer already has, and only when the text
 * does not fit there grows it and formats a second time. */
int
sx_buf_vprintf(sx_buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, copy);
	va_end(copy);
	if (n < 0)
		return -1;
	if ((size_t)n >= room) {
		if (sx_buf_reserve(b, (size_t)n) < 0) {
			if (b->data != NULL)
				b->data[b->len] = '\0';
			return -1;
		}
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

int
sx_buf_printf(sx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sx_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * Copies runs of safe bytes in one append and replaces the five characters
 * that matter in HTML text and attribute values.
 */
int
sx_buf_html_escape(sx_buf *b, const char *s, size_t len)
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (sx_buf_append(b, s + start, i - start) < 0 ||
		    sx_buf_puts(b, rep) < 0)
			return -1;
		start = i + 1;
	}
	return sx_buf_append(b, s + start, len - start);
}

void
sx_buf_reset(sx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
sx_buf_free(sx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
sx_buf_steal(sx_buf *b)
{
	char *p;

	if (b->data == NULL && sx_buf_reserve(b, 0) < 0)
		return NULL;
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int
sx_base64_encode(sx_buf *b, const void *data, size_t len)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i;
	char out[4];

	if (sx_buf_reserve(b, (len + 2) / 3 * 4) < 0)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		out[0] = tbl[p[i] >> 2];
		out[1] = tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[2] = tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		out[3] = tbl[p[i + 2] & 63];
		sx_buf_append(b, out, 4);
	}
	if (i < len) {
		out[0] = tbl[p[i] >> 2];
		if (i + 1 < len) {
			out[1] = tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			out[2] = tbl[(p[i + 1] & 15) << 2];
		} else {
			out[1] = tbl[(p[i] & 3) << 4];
			out[2] = '=';
		}
		out[3] = '=';
		sx_buf_append(b, out, 4);
	}
	return 0;
}
