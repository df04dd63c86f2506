# tests/db: the database layer over real SQLite files and, when
# SX_TEST_PG_URL is set, a real PostgreSQL server.
if HAVE_CRITERION
check_PROGRAMS += tests/db/test_sqlite
TESTS += tests/db/test_sqlite
tests_db_test_sqlite_SOURCES = tests/db/test_sqlite.c
tests_db_test_sqlite_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_sqlite_LDADD = $(SX_TESTLIBS)
tests_db_test_sqlite_LDFLAGS = $(SX_TESTLINK)
endif
