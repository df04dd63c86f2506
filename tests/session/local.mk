# tests/session: the session store on SQLite and PostgreSQL, the session
# dependency and CSRF tokens through the test client, the auth example.
if HAVE_CRITERION
check_PROGRAMS += tests/session/test_store
TESTS += tests/session/test_store
tests_session_test_store_SOURCES = tests/session/test_store.c
tests_session_test_store_CFLAGS = $(SX_TESTCFLAGS)
tests_session_test_store_LDADD = $(SX_TESTLIBS)
tests_session_test_store_LDFLAGS = $(SX_TESTLINK)
endif
EXTRA_DIST += tests/session/sesstest.h
if HAVE_CRITERION
check_PROGRAMS += tests/session/test_auth
TESTS += tests/session/test_auth
tests_session_test_auth_SOURCES = tests/session/test_auth.c
tests_session_test_auth_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_session_test_auth_LDADD = $(SX_TESTLIBS)
tests_session_test_auth_LDFLAGS = $(SX_TESTLINK)
endif
if HAVE_CRITERION
check_PROGRAMS += tests/session/test_session
TESTS += tests/session/test_session
tests_session_test_session_SOURCES = tests/session/test_session.c
tests_session_test_session_CFLAGS = $(SX_APPTEST_CFLAGS)
tests_session_test_session_LDADD = $(SX_TESTLIBS)
tests_session_test_session_LDFLAGS = $(SX_TESTLINK)
endif
# the auth example behind a real nginx (tests/integration/lib.sh)
dist_check_SCRIPTS += tests/session/auth-nginx.sh
TESTS += tests/session/auth-nginx.sh
dist_check_SCRIPTS += tests/session/sessions-cli.sh
TESTS += tests/session/sessions-cli.sh
