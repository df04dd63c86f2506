# tests/db: the database layer over real SQLite files and, when
# SX_TEST_PG_URL is set, a real PostgreSQL server (each test in its own
# schema). test_contract runs the same cases on both drivers; test_sqlite
# and test_pg keep what only one driver has. test_pg_restart restarts the server (SX_TEST_PG_DIR): it is a
# program of its own so no other db test runs beside it.
EXTRA_DIST += tests/db/dbtest.h
if HAVE_CRITERION
SX_DB_TESTS = tests/db/test_contract tests/db/test_sqlite tests/db/test_pg tests/db/test_pool tests/db/test_pg_restart tests/db/test_handlers
check_PROGRAMS += $(SX_DB_TESTS)
TESTS += $(SX_DB_TESTS)
tests_db_test_contract_SOURCES = tests/db/test_contract.c tests/db/dbtest.h
tests_db_test_contract_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_contract_LDADD = $(SX_TESTLIBS)
tests_db_test_contract_LDFLAGS = $(SX_TESTLINK)
tests_db_test_sqlite_SOURCES = tests/db/test_sqlite.c
tests_db_test_sqlite_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_sqlite_LDADD = $(SX_TESTLIBS)
tests_db_test_sqlite_LDFLAGS = $(SX_TESTLINK)
tests_db_test_pg_SOURCES = tests/db/test_pg.c tests/db/dbtest.h
tests_db_test_pg_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_pg_LDADD = $(SX_TESTLIBS)
tests_db_test_pg_LDFLAGS = $(SX_TESTLINK)
tests_db_test_pool_SOURCES = tests/db/test_pool.c tests/db/dbtest.h
tests_db_test_pool_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_pool_LDADD = $(SX_TESTLIBS)
tests_db_test_pool_LDFLAGS = $(SX_TESTLINK)
tests_db_test_pg_restart_SOURCES = tests/db/test_pg_restart.c tests/db/dbtest.h
tests_db_test_pg_restart_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_pg_restart_LDADD = $(SX_TESTLIBS)
tests_db_test_pg_restart_LDFLAGS = $(SX_TESTLINK)
# read-first transactions on SQLite: readers beside a writer
check_PROGRAMS += tests/db/test_sqlite_readers
TESTS += tests/db/test_sqlite_readers
tests_db_test_sqlite_readers_SOURCES = tests/db/test_sqlite_readers.c
tests_db_test_sqlite_readers_CFLAGS = $(SX_TESTCFLAGS)
tests_db_test_sqlite_readers_LDADD = $(SX_TESTLIBS)
tests_db_test_sqlite_readers_LDFLAGS = $(SX_TESTLINK)
tests_db_test_handlers_SOURCES = tests/db/test_handlers.c
tests_db_test_handlers_CFLAGS = $(SX_TESTCFLAGS) -I$(top_srcdir)
tests_db_test_handlers_LDADD = $(SX_TESTLIBS)
tests_db_test_handlers_LDFLAGS = $(SX_TESTLINK)
endif
# SX_PARAMS's compile-time type check: a struct argument must not compile.
dist_check_SCRIPTS += tests/db/params-typecheck.sh
TESTS += tests/db/params-typecheck.sh
