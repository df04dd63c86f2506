/*
 * fuzz_redact.c: password masking (sx_db_redact), which every message that
 * quotes a database URL or libpq's text goes through before it is printed
 * or logged. The input is cut at its first two 0xff bytes into three
 * pieces A, B and C; the harness builds text in which a known password
 * stands where a URL or a conninfo string puts one, between and around the
 * fuzzed pieces (malformed URLs included), in one of these forms, picked
 * by the length of A:
 *
 *     A://B:PASSWORD@C          (a URL's user information)
 *     A password=PASSWORD B C   (a conninfo keyword)
 *     A?password=PASSWORD&B C   (a URL's query parameter)
 *
 * Invariants checked on every input: the output is a NUL-terminated string
 * that fits the buffer; and where the syntax makes PASSWORD a password, it
 * does not appear in the masked text. That is: A is text without quotes
 * ending in a scheme (a letter, then letters, digits, "+", "-" or ".",
 * after a space or nothing) and B a user name of RFC 3986's characters for
 * user information; or no quote in A or B that would put the keyword
 * inside a value; or A is a URL with no query yet.
 */
#include "sx_db.h"
#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD "Pw9Kq7Zx"

/* The piece of [*p, end) up to the next 0xff, as a new string. */
static char *
piece(const char **p, const char *end)
{
	const char *stop = memchr(*p, 0xff, (size_t)(end - *p));
	char *s;

	if (stop == NULL)
		stop = end;
	s = strndup(*p, (size_t)(stop - *p));
	*p = stop < end ? stop + 1 : end;
	return s;
}

/* Whether s is non-empty and holds none of the bytes in stop, nor a
 * control character or a space. */
static bool
plain(const char *s, const char *stop)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr(stop, *s) != NULL)
			return false;
	return true;
}

/* Whether a is quote-free text ending in a URL scheme. */
static bool
ends_in_scheme(const char *a)
{
	const char *end = a + strlen(a), *s = end;

	if (strpbrk(a, "'\"\\") != NULL)
		return false;
	while (s > a && (isalnum((unsigned char)s[-1]) || strchr("+-.", s[-1]) != NULL))
		s--;
	return s < end && isalpha((unsigned char)*s) && (s == a || s[-1] == ' ');
}

/* Whether b is made of RFC 3986's user information characters (the user
 * name: ":" would start the password), "'" included (o'neil). */
static bool
is_user(const char *b)
{
	for (; *b != '\0'; b++)
		if (!isalnum((unsigned char)*b) && strchr("-._~%!$&'()*+,;=", *b) == NULL)
			return false;
	return true;
}

/* Whether form f over pieces a and b puts PASSWORD where a password goes. */
static bool
is_password(size_t f, const char *a, const char *b)
{
	switch (f) {
	case 0:		/* scheme://user:PASSWORD@ */
		return ends_in_scheme(a) && is_user(b);
	case 1:		/* a conninfo keyword, not inside a quoted value */
		return strpbrk(a, "'\"\\") == NULL && strpbrk(b, "'\"\\") == NULL &&
		    (*a == '\0' || a[strlen(a) - 1] != '=');
	default:	/* the first query parameter of a URL */
		return strstr(a, "://") != NULL && plain(a, "?#&'\"\\");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const forms[] = {
		"%s://%s:" PASSWORD "@%s", "%s password=" PASSWORD " %s%s",
		"%s?password=" PASSWORD "&%s%s",
	};
	const char *p = (const char *)data, *end = p + size;
	char *a = piece(&p, end), *b = piece(&p, end), *c = piece(&p, end);
	char *text = NULL, out[1024];

	if (a == NULL || b == NULL || c == NULL ||
	    asprintf(&text, forms[strlen(a) % 3], a, b, c) < 0)
		goto done;
	memset(out, 'x', sizeof(out));
	sx_db_redact(text, out, sizeof(out));
	SX_FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL);
	/* Only the password put there: the pieces do not spell it again. */
	if (is_password(strlen(a) % 3, a, b) && strlen(text) < sizeof(out) &&
	    strstr(strstr(text, PASSWORD) + 1, PASSWORD) == NULL) {
		if (strstr(out, PASSWORD) != NULL)
			fprintf(stderr, "fuzz_redact: the password shows in [%s]\n", out);
		SX_FUZZ_CHECK(strstr(out, PASSWORD) == NULL);
	}
done:
	free(text);
	free(a);
	free(b);
	free(c);
	return 0;
}
