/*
 * fuzz.h: what every fuzz harness shares. Each harness defines
 * LLVMFuzzerTestOneInput, so it runs under libFuzzer (clang
 * -fsanitize=fuzzer) or AFL's libFuzzer driver; built with -DSX_FUZZ_MAIN
 * and fuzz_main.c it is a plain program that feeds each file named on its
 * command line once, which `make check` uses to replay the seed corpus.
 */
#ifndef SX_FUZZ_H
#define SX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message when an invariant of a parser does not hold, so
 * a wrong result is a finding just like a crash. */
#define SX_FUZZ_CHECK(cond) do { \
	if (!(cond)) \
		sx_fuzz_fail(__FILE__, __LINE__, #cond); \
} while (0)

void sx_fuzz_fail(const char *file, int line, const char *what);

/* Makes a fresh folder $TMPDIR/sx-fuzz-NAME.XXXXXX (TMPDIR defaults to
 * /tmp: scripts/fuzz points it at a folder of its own, which it removes,
 * since a fuzzer may kill a harness before its atexit handlers run).
 * Returns its malloc'd path; a failure is a fuzz failure. */
char *sx_fuzz_mkdtemp(const char *name);

#endif
