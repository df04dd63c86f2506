/*
 * misc.c: randomness, UUIDs and the monotonic clock, kept in one place so
 * every module measures and generates ids the same way.
 */
#include "sx_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void
sx_random_bytes(void *out, size_t n)
{
	unsigned char *p = out;
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			/* cannot fail on Linux >= 3.17 with flags 0 */
			abort();
		}
		p += got;
		n -= (size_t)got;
	}
}

/*
 * Ids draw on a per-thread pool of getrandom bytes, refilled every
 * ID_POOL bytes (256 UUIDs), so a request id costs no system call. Each id
 * is still 122 bits straight from the kernel's generator: unique and
 * unpredictable to another client, which is all a correlation id needs. It
 * is not a secret (it is echoed in headers and logs), so bytes that wait in
 * memory before use are no concern; secrets (tokens, keys) take
 * sx_random_bytes. A forked child empties the pool it inherited, or parent
 * and child would hand out the same ids.
 */
#define ID_POOL 4096

static _Thread_local struct {
	unsigned char bytes[ID_POOL];
	size_t left;		/* unused bytes at the end of bytes[] */
} id_pool;
static pthread_once_t id_pool_once = PTHREAD_ONCE_INIT;

/* In the child of fork: the only thread is the one that forked. */
static void
id_pool_forget(void)
{
	id_pool.left = 0;
}

static void
id_pool_register(void)
{
	pthread_atfork(NULL, NULL, id_pool_forget);
}

/* n (<= ID_POOL) random bytes for an id, from the pool. */
static const unsigned char *
id_bytes(size_t n)
{
	if (id_pool.left < n) {
		pthread_once(&id_pool_once, id_pool_register);
		sx_random_bytes(id_pool.bytes, sizeof(id_pool.bytes));
		id_pool.left = sizeof(id_pool.bytes);
	}
	id_pool.left -= n;
	return id_pool.bytes + id_pool.left;
}

void
sx_uuid4(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	char *o = out;

	memcpy(r, id_bytes(sizeof(r)), sizeof(r));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[r[i] >> 4];
		*o++ = hex[r[i] & 0x0f];
	}
	*o = '\0';
}

double
sx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
