# tests/handlers: the stock handlers through the test client.
check_PROGRAMS += tests/handlers/test_static
TESTS += tests/handlers/test_static
tests_handlers_test_static_SOURCES = tests/handlers/test_static.c
tests_handlers_test_static_CFLAGS = $(SX_TESTCFLAGS)
tests_handlers_test_static_LDADD = $(SX_TESTLIBS)
tests_handlers_test_static_LDFLAGS = $(SX_TESTLINK)
