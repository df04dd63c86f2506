# tests/framework: filled in by its module
# Unit tests of the request pipeline: parsers, router, response, dispatch.
check_PROGRAMS += tests/framework/test_body
TESTS += tests/framework/test_body
tests_framework_test_body_SOURCES = tests/framework/test_body.c
tests_framework_test_body_CFLAGS = $(SX_TESTCFLAGS)
tests_framework_test_body_LDADD = $(SX_TESTLIBS)
tests_framework_test_body_LDFLAGS = $(SX_TESTLINK)
