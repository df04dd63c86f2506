/*
 * arena.c: a region allocator. Memory comes from a chain of blocks; a request
 * allocates freely and the whole chain is released at once when it ends.
 * The first block is kept across resets, so a worker thread that serves many
 * requests allocates from the system only when a request outgrows it.
 */
#include "sx_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

struct sx_arena {
	struct block *head;	/* current block, newest first */
	struct block *first;	/* kept by sx_arena_reset */
	size_t used;
};

static struct block *
block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

sx_arena *
sx_arena_new(size_t first_block)
{
	sx_arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	if (first_block < 1024)
		first_block = 1024;
	if ((a->first = block_new(first_block)) == NULL) {
		free(a);
		return NULL;
	}
	a->head = a->first;
	return a;
}

void *
sx_arena_alloc(sx_arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	struct block *b = a->head;
	size_t off;
	void *p;

	if (size > SIZE_MAX - 2 * align)
		return NULL;
	off = (b->used + align - 1) / align * align;
	if (off + size > b->size) {
		size_t bsize = b->size * 2;

		if (bsize < size)
			bsize = size + align;
		if ((b = block_new(bsize)) == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	p = (char *)b->data + off;
	b->used = off + size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

char *
sx_arena_strndup(sx_arena *a, const char *s, size_t n)
{
	char *p = sx_arena_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
sx_arena_strdup(sx_arena *a, const char *s)
{
	return sx_arena_strndup(a, s, strlen(s));
}

char *
sx_arena_printf(sx_arena *a, const char *fmt, ...)
{
	const size_t align = _Alignof(max_align_t);
	struct block *b = a->head;
	size_t off = (b->used + align - 1) / align * align;
	size_t room = off < b->size ? b->size - off : 0;
	char *p = room > 0 ? (char *)b->data + off : NULL;
	va_list ap;
	int n;

	/* Formatted straight into the current block when it fits there (the
	 * usual case: one pass); else measured, allocated and formatted. */
	va_start(ap, fmt);
	n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((size_t)n < room) {
		b->used = off + (size_t)n + 1;
		a->used += (size_t)n + 1;
		return p;
	}
	if ((p = sx_arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
sx_arena_used(const sx_arena *a)
{
	return a->used;
}

void
sx_arena_reset(sx_arena *a)
{
	struct block *b = a->head, *next;

	while (b != a->first) {
		next = b->next;
		free(b);
		b = next;
	}
	a->first->used = 0;
	a->head = a->first;
	a->used = 0;
}

void
sx_arena_free(sx_arena *a)
{
	if (a == NULL)
		return;
	sx_arena_reset(a);
	free(a->first);
	free(a);
}
