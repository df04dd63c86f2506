/*
 * fuzz_main.c: the plain driver for fuzz harnesses when libFuzzer is not
 * used. Each file named on the command line is read whole into a buffer of
 * exactly its size (so an over-read trips AddressSanitizer) and passed to
 * LLVMFuzzerTestOneInput once. Then, with -runs=N, N more inputs made by
 * mutating those files (bit flips, random and special bytes, insertions,
 * deletions, duplicated ranges, splices of two files) run too: a smoke of
 * the harness that `make check` can afford, reproducible from -seed=S.
 * With -artifact=FILE each mutated input is written to FILE before it runs,
 * so after a crash FILE holds the input that caused it.
 *
 * Exits 0 when every input ran, 1 when a file could not be read or an
 * option is wrong; a crash in a parser ends the process with a signal.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SX_FUZZ_MAIN
/* Reads path into a malloc'd buffer of its exact size. */
static unsigned char *
read_input(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL, *bigger;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((bigger = realloc(data, cap)) == NULL)
				break;
			data = bigger;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || n == cap) {
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	/* Exactly n bytes, so reading one past the input is caught. */
	bigger = malloc(n ? n : 1);
	if (bigger != NULL)
		memcpy(bigger, data, n);
	free(data);
	*len = n;
	return bigger;
}

/* The seed files, read once. */
typedef struct seed {
	unsigned char *data;
	size_t len;
} seed;

/* Mutated inputs never grow past this (the harnesses' own limits are
 * smaller or equal). */
#define MAX_LEN 65536

/* xorshift64*: small, fast, and the same on every machine. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static size_t
below(uint64_t *state, size_t n)
{
	return n ? (size_t)(next_random(state) % n) : 0;
}

/* Bytes that parsers treat specially, tried more often than chance would. */
static const unsigned char special[] = {
	0, 0xff, 0x80, 0xc3, 0xed, '\r', '\n', '%', '&', '=', ';', '"', '\\',
	'{', '}', '[', ']', ':', '/', '?', '#', '-', '$', '\'', ' ', '0', '9',
};

/* Applies one random edit to buf (len bytes, room for MAX_LEN); other is
 * another seed for splicing. Returns the new length. */
static size_t
mutate_once(uint64_t *st, unsigned char *buf, size_t len, const seed *other)
{
	size_t at = below(st, len + 1), n;

	switch (below(st, 7)) {
	case 0:		/* flip a bit */
		if (len)
			buf[below(st, len)] ^= (unsigned char)(1u << below(st, 8));
		return len;
	case 1:		/* a random or special byte in place */
		if (len)
			buf[below(st, len)] = below(st, 2) ? (unsigned char)next_random(st) :
			    special[below(st, sizeof(special))];
		return len;
	case 2:		/* insert a few bytes */
		n = 1 + below(st, 4);
		if (len + n > MAX_LEN)
			return len;
		memmove(buf + at + n, buf + at, len - at);
		for (size_t i = 0; i < n; i++)
			buf[at + i] = special[below(st, sizeof(special))];
		return len + n;
	case 3:		/* delete a range */
		n = below(st, len - at + 1);
		memmove(buf + at, buf + at + n, len - at - n);
		return len - n;
	case 4:		/* duplicate a range where it is */
		n = below(st, len - at + 1);
		if (n > 256 || len + n > MAX_LEN)
			return len;
		memmove(buf + at + n, buf + at, len - at);
		return len + n;
	case 5:		/* splice: keep a prefix, take the rest from another seed */
		n = other->len - below(st, other->len + 1);
		if (at + n > MAX_LEN)
			n = MAX_LEN - at;
		memcpy(buf + at, other->data + other->len - n, n);
		return at + n;
	default:	/* truncate */
		return at;
	}
}

/* Writes the input about to run to fd (the artifact), from its start. */
static void
save_artifact(int fd, const unsigned char *data, size_t len)
{
	if (fd < 0)
		return;
	if (pwrite(fd, data, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0) {
		perror("fuzz: writing the artifact");
		exit(1);
	}
}

/* Runs `runs` mutations of the seeds (at least one seed). */
static void
mutate_runs(const seed *seeds, size_t n_seeds, long runs, uint64_t state, int fd)
{
	unsigned char *buf = malloc(MAX_LEN), *exact;

	if (buf == NULL) {
		perror("fuzz");
		exit(1);
	}
	for (long r = 0; r < runs; r++) {
		const seed *s = &seeds[below(&state, n_seeds)];
		size_t len = s->len < MAX_LEN ? s->len : MAX_LEN;
		size_t edits = 1 + below(&state, 4);

		memcpy(buf, s->data, len);
		while (edits-- > 0)
			len = mutate_once(&state, buf, len, &seeds[below(&state, n_seeds)]);
		/* Exactly len bytes again, so an over-read is caught. */
		if ((exact = malloc(len ? len : 1)) == NULL) {
			perror("fuzz");
			exit(1);
		}
		memcpy(exact, buf, len);
		save_artifact(fd, exact, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	free(buf);
}

/* Reads "-name=value" into *value when arg is that option. */
static int
option(const char *arg, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return 0;
	*value = arg + n + 1;
	return 1;
}

int
main(int argc, char **argv)
{
	seed *seeds = calloc((size_t)argc, sizeof(*seeds));
	size_t n_seeds = 0;
	long runs = 0;
	uint64_t state = 0x5e7a47;
	const char *v, *artifact = NULL;
	int failed = 0, fd = -1;

	if (seeds == NULL)
		return 1;
	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		unsigned char *data;

		if (option(argv[i], "-runs", &v)) {
			runs = strtol(v, NULL, 10);
			continue;
		}
		if (option(argv[i], "-seed", &v)) {
			state = strtoull(v, NULL, 10) | 1;
			continue;
		}
		if (option(argv[i], "-artifact", &v)) {
			artifact = v;
			continue;
		}
		if ((data = read_input(argv[i], &len)) == NULL) {
			fprintf(stderr, "%s: cannot read this input file\n", argv[i]);
			failed = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(data, len);
		seeds[n_seeds++] = (seed){ data, len };
	}
	if (runs > 0 && n_seeds == 0) {
		fprintf(stderr, "fuzz: -runs needs at least one seed file\n");
		failed = 1;
	} else if (runs > 0) {
		if (artifact != NULL &&
		    (fd = open(artifact, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
			perror(artifact);
			return 1;
		}
		mutate_runs(seeds, n_seeds, runs, state, fd);
		if (fd >= 0) {
			close(fd);
			unlink(artifact);	/* nothing crashed */
		}
	}
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i].data);
	free(seeds);
	return failed;
}
#endif
