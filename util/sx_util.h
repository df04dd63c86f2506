/*
 * sx_util.h: the two data structures every Sextant module shares.
 *
 * sx_buf is a byte buffer that knows its length and grows; it never truncates.
 * sx_arena is a bump allocator whose memory is released in one step; every
 * request owns one, so handlers never call free().
 *
 * This header knows nothing of HTTP or databases: db/ and templates/ use
 * it too.
 */
#ifndef SX_UTIL_H
#define SX_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SX_API __attribute__((visibility("default")))
#define SX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SX_API
#define SX_PRINTF(f, a)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A growable byte buffer. data is always NUL-terminated (len excludes it). */
typedef struct sx_buf {
	char *data;
	size_t len;
	size_t cap;
} sx_buf;

#define SX_BUF_INIT {NULL, 0, 0}

/* Each append returns 0, or -1 when memory ran out (the buffer is
 * unchanged). */
SX_API int sx_buf_reserve(sx_buf *b, size_t extra);
SX_API int sx_buf_append(sx_buf *b, const void *data, size_t len);
SX_API int sx_buf_puts(sx_buf *b, const char *s);
SX_API int sx_buf_putc(sx_buf *b, char c);
/* v in decimal, without printf. */
SX_API int sx_buf_put_u64(sx_buf *b, uint64_t v);
SX_API int sx_buf_printf(sx_buf *b, const char *fmt, ...) SX_PRINTF(2, 3);
SX_API int sx_buf_vprintf(sx_buf *b, const char *fmt, va_list ap);
/* Appends s with &, <, >, ", ' replaced by HTML entities. */
SX_API int sx_buf_html_escape(sx_buf *b, const char *s, size_t len);
SX_API void sx_buf_reset(sx_buf *b);
SX_API void sx_buf_free(sx_buf *b);
/* Hands over the data (NUL-terminated, caller frees) and empties the buffer. */
SX_API char *sx_buf_steal(sx_buf *b);

/* A region allocator: allocations live until sx_arena_free/reset. */
typedef struct sx_arena sx_arena;

SX_API sx_arena *sx_arena_new(size_t first_block);
/* Returns zeroed memory aligned for any type, or NULL when memory ran out. */
SX_API void *sx_arena_alloc(sx_arena *a, size_t size);
SX_API char *sx_arena_strdup(sx_arena *a, const char *s);
SX_API char *sx_arena_strndup(sx_arena *a, const char *s, size_t n);
SX_API char *sx_arena_printf(sx_arena *a, const char *fmt, ...) SX_PRINTF(2, 3);
/* Total bytes handed out since creation or the last reset. */
SX_API size_t sx_arena_used(const sx_arena *a);
/* Releases every allocation but keeps the first block for reuse. */
SX_API void sx_arena_reset(sx_arena *a);
SX_API void sx_arena_free(sx_arena *a);

/* Reads a whole file: malloc'd and NUL-terminated (caller frees), its
 * length in *len if len is not NULL; NULL with errno set on failure. */
SX_API char *sx_read_file(const char *path, size_t *len);

/* Base64 (RFC 4648, padded) of len bytes into b. */
SX_API int sx_base64_encode(sx_buf *b, const void *data, size_t len);
/* Writes a random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") into
 * out[37]: unique and unpredictable, for ids, not for secrets (its bytes
 * come from a per-thread pool filled by getrandom every 256 ids). */
SX_API void sx_uuid4(char out[37]);
/* Fills out with n cryptographically random bytes (getrandom). */
SX_API void sx_random_bytes(void *out, size_t n);
/* Milliseconds from a monotonic clock. */
SX_API double sx_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
