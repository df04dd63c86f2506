# tests/unit: the util module, and the module rules on the include graph.
check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(SX_TESTCFLAGS)
tests_unit_test_util_LDADD = $(SX_TESTLIBS)
tests_unit_test_util_LDFLAGS = $(SX_TESTLINK)
# the module rules on the include graph (no handlers/ header in the core,
# http/, db/ or templates/; no include circle; ...)
dist_check_SCRIPTS += tests/unit/layering.sh
TESTS += tests/unit/layering.sh
EXTRA_DIST += tests/unit/layering.py
# README's, sextant.h's and sextant(3)'s example programs compile with -Wall -Wextra
dist_check_SCRIPTS += tests/unit/snippets.sh
TESTS += tests/unit/snippets.sh
# Every C snippet of the READMEs, docs/ and the section 3 pages compiles.
dist_check_SCRIPTS += tests/unit/doc-snippets.sh
TESTS += tests/unit/doc-snippets.sh
