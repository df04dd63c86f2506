# Integration tests: built apps behind a real nginx, and as CGI programs.
EXTRA_DIST += tests/integration/lib.sh
dist_check_SCRIPTS += tests/integration/hello-nginx.sh tests/integration/hello-cgi.sh \
	tests/integration/static-nginx.sh tests/integration/observe-nginx.sh
TESTS += tests/integration/hello-nginx.sh tests/integration/hello-cgi.sh \
	tests/integration/static-nginx.sh tests/integration/observe-nginx.sh
# staticapp: serves static/ only, for static-nginx.sh.
check_PROGRAMS += tests/integration/staticapp
tests_integration_staticapp_SOURCES = tests/integration/staticapp.c
tests_integration_staticapp_LDADD = libsxcore.la $(SX_DEP_LIBS)
tests_integration_staticapp_LDFLAGS = $(SX_TESTLINK)
# SQLite readers beside a writer (read-first GET transactions)
dist_check_SCRIPTS += tests/integration/sqlite-readers-nginx.sh
TESTS += tests/integration/sqlite-readers-nginx.sh
# the buffered access log: nothing lost at SIGHUP or SIGTERM
dist_check_SCRIPTS += tests/integration/access-log-nginx.sh
TESTS += tests/integration/access-log-nginx.sh
