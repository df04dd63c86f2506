# Fuzz harnesses, one per parser. Each builds here as a plain program
# (fuzz_main.c, -DSX_FUZZ_MAIN) that run-corpus.sh replays over the seed
# corpus and then over a few thousand mutations of it; scripts/fuzz builds
# the same files with clang's libFuzzer (and AFL++) for real fuzzing.
SX_FUZZ_HARNESSES = tests/fuzz/fuzz_urlencoded tests/fuzz/fuzz_multipart \
	tests/fuzz/fuzz_router tests/fuzz/fuzz_body tests/fuzz/fuzz_template \
	tests/fuzz/fuzz_sqlsplit tests/fuzz/fuzz_request tests/fuzz/fuzz_migfiles \
	tests/fuzz/fuzz_session tests/fuzz/fuzz_redact
SX_FUZZ_COMMON = tests/fuzz/fuzz_main.c tests/fuzz/fuzz_check.c tests/fuzz/fuzz.h
SX_FUZZ_CFLAGS = $(AM_CFLAGS) -DSX_FUZZ_MAIN
SX_FUZZ_LIBS = libsxcore.la $(SX_DEP_LIBS)
check_PROGRAMS += $(SX_FUZZ_HARNESSES)
tests_fuzz_fuzz_urlencoded_SOURCES = tests/fuzz/fuzz_urlencoded.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_urlencoded_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_urlencoded_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_urlencoded_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_multipart_SOURCES = tests/fuzz/fuzz_multipart.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_multipart_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_multipart_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_multipart_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_router_SOURCES = tests/fuzz/fuzz_router.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_router_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_router_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_router_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_body_SOURCES = tests/fuzz/fuzz_body.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_body_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_body_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_body_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz_template.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_template_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_template_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_template_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_sqlsplit_SOURCES = tests/fuzz/fuzz_sqlsplit.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_sqlsplit_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_sqlsplit_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_sqlsplit_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_migfiles_SOURCES = tests/fuzz/fuzz_migfiles.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_migfiles_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_migfiles_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_migfiles_LDFLAGS = $(SX_TESTLINK)
tests_fuzz_fuzz_redact_SOURCES = tests/fuzz/fuzz_redact.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_redact_CFLAGS = $(SX_FUZZ_CFLAGS)
tests_fuzz_fuzz_redact_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_redact_LDFLAGS = $(SX_TESTLINK)
# fuzz_request compiles the hello example in (its routes plus static files).
tests_fuzz_fuzz_request_SOURCES = tests/fuzz/fuzz_request.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_request_CFLAGS = $(SX_FUZZ_CFLAGS) -I$(top_srcdir)
tests_fuzz_fuzz_request_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_request_LDFLAGS = $(SX_TESTLINK)
# fuzz_session compiles the auth example in (sessions on a SQLite file).
tests_fuzz_fuzz_session_SOURCES = tests/fuzz/fuzz_session.c $(SX_FUZZ_COMMON)
tests_fuzz_fuzz_session_CFLAGS = $(SX_FUZZ_CFLAGS) -I$(top_srcdir)
tests_fuzz_fuzz_session_LDADD = $(SX_FUZZ_LIBS)
tests_fuzz_fuzz_session_LDFLAGS = $(SX_TESTLINK)
dist_check_SCRIPTS += tests/fuzz/run-corpus.sh
TESTS += tests/fuzz/run-corpus.sh
EXTRA_DIST += tests/fuzz/corpus
