/*
 * test_util.c: the buffer, the arena, base64 and UUIDs that every module
 * builds on.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sx_util.h"

Test(buf, appends_and_stays_terminated)
{
	sx_buf b = SX_BUF_INIT;

	cr_assert_eq(sx_buf_puts(&b, "abc"), 0);
	cr_assert_eq(sx_buf_append(&b, "\0de", 3), 0);
	cr_assert_eq(b.len, 6);
	cr_assert_eq(b.data[6], '\0');
	cr_assert_eq(memcmp(b.data, "abc\0de", 6), 0);
	sx_buf_free(&b);
	cr_assert_null(b.data);
}

Test(buf, grows_past_many_doublings)
{
	sx_buf b = SX_BUF_INIT;

	for (int i = 0; i < 100000; i++)
		cr_assert_eq(sx_buf_putc(&b, (char)('a' + i % 26)), 0);
	cr_assert_eq(b.len, 100000);
	cr_assert_eq(b.data[99999], (char)('a' + 99999 % 26));
	cr_assert_geq(b.cap, b.len + 1);
	sx_buf_free(&b);
}

Test(buf, printf_does_not_truncate)
{
	sx_buf b = SX_BUF_INIT;
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(sx_buf_printf(&b, "<%s|%d>", big, 42), 0);
	cr_assert_eq(b.len, strlen(big) + 5);
	cr_assert_str_eq(b.data + b.len - 4, "|42>");
	sx_buf_free(&b);
}

Test(buf, html_escape_replaces_the_five)
{
	sx_buf b = SX_BUF_INIT;
	const char *in = "<a href=\"x\">Tom & 'Jerry'</a>";

	cr_assert_eq(sx_buf_html_escape(&b, in, strlen(in)), 0);
	cr_assert_str_eq(b.data,
	    "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
	sx_buf_free(&b);
}

Test(buf, steal_hands_over_and_empties)
{
	sx_buf b = SX_BUF_INIT;
	char *s;

	sx_buf_puts(&b, "owned");
	s = sx_buf_steal(&b);
	cr_assert_str_eq(s, "owned");
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	free(s);
	s = sx_buf_steal(&b);	/* an empty buffer gives "" */
	cr_assert_str_eq(s, "");
	free(s);
}

Test(arena, allocations_are_aligned_zeroed_and_distinct)
{
	sx_arena *a = sx_arena_new(0);
	char *p[200];

	for (int i = 0; i < 200; i++) {
		p[i] = sx_arena_alloc(a, (size_t)(i * 13 + 1));
		cr_assert_not_null(p[i]);
		cr_assert_eq((uintptr_t)p[i] % _Alignof(max_align_t), 0);
		for (int k = 0; k < i * 13 + 1; k++)
			cr_assert_eq(p[i][k], 0);
		memset(p[i], i, (size_t)(i * 13 + 1));
	}
	for (int i = 0; i < 200; i++)
		cr_assert_eq((unsigned char)p[i][i * 13], (unsigned char)i);
	sx_arena_free(a);
}

Test(arena, large_allocation_and_reset)
{
	sx_arena *a = sx_arena_new(1024);
	char *big = sx_arena_alloc(a, 1 << 20);

	cr_assert_not_null(big);
	memset(big, 1, 1 << 20);
	cr_assert_geq(sx_arena_used(a), (size_t)1 << 20);
	sx_arena_reset(a);
	cr_assert_eq(sx_arena_used(a), 0);
	cr_assert_not_null(sx_arena_alloc(a, 10));
	sx_arena_free(a);
}

Test(arena, strings)
{
	sx_arena *a = sx_arena_new(0);

	cr_assert_str_eq(sx_arena_strdup(a, "hello"), "hello");
	cr_assert_str_eq(sx_arena_strndup(a, "hello", 3), "hel");
	cr_assert_str_eq(sx_arena_printf(a, "%s-%d", "id", 7), "id-7");
	sx_arena_free(a);
}

Test(base64, rfc4648_vectors)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
		"Zm9vYmE=", "Zm9vYmFy" };

	for (size_t i = 0; i < 7; i++) {
		sx_buf b = SX_BUF_INIT;

		cr_assert_eq(sx_base64_encode(&b, in[i], strlen(in[i])), 0);
		cr_assert_str_eq(b.data ? b.data : "", out[i], "base64(%s)", in[i]);
		sx_buf_free(&b);
	}
}

Test(uuid, version_4_form_and_unique)
{
	char a[37], b[37];

	sx_uuid4(a);
	sx_uuid4(b);
	cr_assert_eq(strlen(a), 36);
	cr_assert_eq(a[8], '-');
	cr_assert_eq(a[14], '4');
	cr_assert(strchr("89ab", a[19]) != NULL);
	cr_assert_str_neq(a, b);
}

static int
cmp_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Well-formed and distinct across several refills of the per-thread pool. */
Test(uuid, distinct_across_refills)
{
	enum { N = 2000 };
	static char ids[N][37];

	for (int i = 0; i < N; i++) {
		sx_uuid4(ids[i]);
		cr_assert_eq(strlen(ids[i]), 36);
		cr_assert_eq(strspn(ids[i], "0123456789abcdef-"), 36, "%s", ids[i]);
		cr_assert(ids[i][8] == '-' && ids[i][13] == '-' &&
		    ids[i][18] == '-' && ids[i][23] == '-', "%s", ids[i]);
		cr_assert_eq(ids[i][14], '4');
		cr_assert(strchr("89ab", ids[i][19]) != NULL);
	}
	qsort(ids, N, sizeof(ids[0]), cmp_ids);
	for (int i = 1; i < N; i++)
		cr_assert_str_neq(ids[i - 1], ids[i]);
}

/* A forked child does not hand out the ids its parent will. */
Test(uuid, a_forked_child_draws_fresh_bytes)
{
	char first[37], parent[37], child[37] = "";
	int fds[2], status;
	pid_t pid;

	sx_uuid4(first);	/* the pool is filled before the fork */
	cr_assert_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		sx_uuid4(child);
		_exit(write(fds[1], child, 37) == 37 ? 0 : 1);
	}
	cr_assert_gt(pid, 0);
	sx_uuid4(parent);
	cr_assert_eq(read(fds[0], child, 37), 37);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	close(fds[1]);
	cr_assert_str_neq(parent, child);
}
