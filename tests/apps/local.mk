# tests/apps: the resolver, the transaction wrapper and the database
# examples, through the test client on SQLite and PostgreSQL. The example
# tests compile the example's source in (SX_EXAMPLE_NO_MAIN) to share its app.
SX_APPTEST_CFLAGS = $(SX_TESTCFLAGS) -I$(top_srcdir) -DSX_EXAMPLE_NO_MAIN
check_PROGRAMS += tests/apps/test_dbconfig
TESTS += tests/apps/test_dbconfig
tests_apps_test_dbconfig_SOURCES = tests/apps/test_dbconfig.c
tests_apps_test_dbconfig_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_dbconfig_LDADD = $(SX_TESTLIBS)
tests_apps_test_dbconfig_LDFLAGS = $(SX_TESTLINK)
EXTRA_DIST += tests/apps/apptest.h
check_PROGRAMS += tests/apps/test_commit_modes
TESTS += tests/apps/test_commit_modes
tests_apps_test_commit_modes_SOURCES = tests/apps/test_commit_modes.c
tests_apps_test_commit_modes_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_commit_modes_LDADD = $(SX_TESTLIBS)
tests_apps_test_commit_modes_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/apps/test_quickstart tests/apps/test_multidb
TESTS += tests/apps/test_quickstart tests/apps/test_multidb
tests_apps_test_quickstart_SOURCES = tests/apps/test_quickstart.c
tests_apps_test_quickstart_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_quickstart_LDADD = $(SX_TESTLIBS)
tests_apps_test_quickstart_LDFLAGS = $(SX_TESTLINK)
tests_apps_test_multidb_SOURCES = tests/apps/test_multidb.c
tests_apps_test_multidb_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_multidb_LDADD = $(SX_TESTLIBS)
tests_apps_test_multidb_LDFLAGS = $(SX_TESTLINK)
EXTRA_DIST += tests/apps/tx_migrations
check_PROGRAMS += tests/apps/test_tx
TESTS += tests/apps/test_tx
tests_apps_test_tx_SOURCES = tests/apps/test_tx.c
tests_apps_test_tx_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_tx_LDADD = $(SX_TESTLIBS)
tests_apps_test_tx_LDFLAGS = $(SX_TESTLINK)
# the same matrix through a real nginx (tests/integration/lib.sh)
dist_check_SCRIPTS += tests/apps/matrix-nginx.sh
TESTS += tests/apps/matrix-nginx.sh
check_PROGRAMS += tests/apps/test_bench
TESTS += tests/apps/test_bench
tests_apps_test_bench_SOURCES = tests/apps/test_bench.c
tests_apps_test_bench_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_bench_LDADD = $(SX_TESTLIBS)
tests_apps_test_bench_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/apps/test_guards
TESTS += tests/apps/test_guards
tests_apps_test_guards_SOURCES = tests/apps/test_guards.c
tests_apps_test_guards_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_guards_LDADD = $(SX_TESTLIBS)
tests_apps_test_guards_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/apps/test_hooks
TESTS += tests/apps/test_hooks
tests_apps_test_hooks_SOURCES = tests/apps/test_hooks.c
tests_apps_test_hooks_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_hooks_LDADD = $(SX_TESTLIBS)
tests_apps_test_hooks_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/apps/test_groups
TESTS += tests/apps/test_groups
tests_apps_test_groups_SOURCES = tests/apps/test_groups.c
tests_apps_test_groups_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_groups_LDADD = $(SX_TESTLIBS)
tests_apps_test_groups_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/apps/test_trace
TESTS += tests/apps/test_trace
tests_apps_test_trace_SOURCES = tests/apps/test_trace.c
tests_apps_test_trace_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_trace_LDADD = $(SX_TESTLIBS)
tests_apps_test_trace_LDFLAGS = $(SX_TESTLINK)
# the notes example: pages, forms, API, ownership and CSRF
check_PROGRAMS += tests/apps/test_notes
TESTS += tests/apps/test_notes
tests_apps_test_notes_SOURCES = tests/apps/test_notes.c
tests_apps_test_notes_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_notes_LDADD = $(SX_TESTLIBS)
tests_apps_test_notes_LDFLAGS = $(SX_TESTLINK)
# the notes example in headless Chromium behind nginx (tests/browser/)
dist_check_SCRIPTS += tests/browser/notes-browser.sh
TESTS += tests/browser/notes-browser.sh
EXTRA_DIST += tests/browser/notes_browser.py
# The browser test leaves its screenshots and logs beside its log file.
clean-local: clean-notes-browser
clean-notes-browser:
	rm -rf tests/browser/notes-browser.out
.PHONY: clean-notes-browser
# which requests take SQLite's write lock (read-first GETs)
check_PROGRAMS += tests/apps/test_sqlite_readers
TESTS += tests/apps/test_sqlite_readers
tests_apps_test_sqlite_readers_SOURCES = tests/apps/test_sqlite_readers.c
tests_apps_test_sqlite_readers_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_sqlite_readers_LDADD = $(SX_TESTLIBS)
tests_apps_test_sqlite_readers_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/apps/test_bookmarks
TESTS += tests/apps/test_bookmarks
tests_apps_test_bookmarks_SOURCES = tests/apps/test_bookmarks.c
tests_apps_test_bookmarks_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_apps_test_bookmarks_LDADD = $(SX_TESTLIBS)
tests_apps_test_bookmarks_LDFLAGS = $(SX_TESTLINK)
