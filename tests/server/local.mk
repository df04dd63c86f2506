# tests/server: the production server. slowapp is the hello example
# compiled in (SX_EXAMPLE_NO_MAIN) plus GET /sleep/{ms}; fuzz_fcgi drives the FastCGI record layer; the
# shell tests start the server behind real nginx, Apache, lighttpd,
# spawn-fcgi and systemd-socket-activate.
check_PROGRAMS += tests/server/slowapp tests/server/fuzz_fcgi \
	tests/server/test_fcgi_proto
TESTS += tests/server/test_fcgi_proto
tests_server_test_fcgi_proto_SOURCES = tests/server/test_fcgi_proto.c
tests_server_test_fcgi_proto_CFLAGS = $(SX_TESTCFLAGS)
tests_server_test_fcgi_proto_LDADD = $(SX_TESTLIBS)
tests_server_test_fcgi_proto_LDFLAGS = $(SX_TESTLINK)
tests_server_slowapp_SOURCES = tests/server/slowapp.c
tests_server_slowapp_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir) -DSX_EXAMPLE_NO_MAIN
tests_server_slowapp_LDADD = libsxcore.la $(SX_DEP_LIBS)
tests_server_slowapp_LDFLAGS = $(SX_TESTLINK)
tests_server_fuzz_fcgi_SOURCES = tests/server/fuzz_fcgi.c \
	tests/fuzz/fuzz_main.c tests/fuzz/fuzz_check.c tests/fuzz/fuzz.h
tests_server_fuzz_fcgi_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests/fuzz -DSX_FUZZ_MAIN
tests_server_fuzz_fcgi_LDADD = libsxcore.la $(SX_DEP_LIBS)
tests_server_fuzz_fcgi_LDFLAGS = $(SX_TESTLINK)
SX_SERVER_TESTS = tests/server/fcgi-protocol.sh tests/server/stop.sh \
	tests/server/reload.sh tests/server/reload-many.sh tests/server/crash.sh \
	tests/server/keepalive-drain.sh tests/server/saturated.sh \
	tests/server/write-timeout.sh tests/server/static-stream.sh \
	tests/server/deploy-nginx.sh \
	tests/server/deploy-apache.sh tests/server/deploy-lighttpd.sh \
	tests/server/deploy-spawn-fcgi.sh tests/server/deploy-systemd.sh
dist_check_SCRIPTS += $(SX_SERVER_TESTS)
TESTS += $(SX_SERVER_TESTS)
EXTRA_DIST += tests/server/lib-server.sh tests/server/fcgi_client.py \
	tests/server/post_load.py \
	tests/server/corpus-fcgi bench/server.sh examples/deploy docs/deploy.md
