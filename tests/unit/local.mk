# tests/unit: the util module.
check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(SX_TESTCFLAGS)
tests_unit_test_util_LDADD = $(SX_TESTLIBS)
tests_unit_test_util_LDFLAGS = $(SX_TESTLINK)
