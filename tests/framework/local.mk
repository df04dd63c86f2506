# tests/framework: filled in by its module
# Unit tests of the request pipeline: parsers, router, response, dispatch.
check_PROGRAMS += tests/framework/test_body
TESTS += tests/framework/test_body
tests_framework_test_body_SOURCES = tests/framework/test_body.c
tests_framework_test_body_CFLAGS = $(SX_TESTCFLAGS)
tests_framework_test_body_LDADD = $(SX_TESTLIBS)
tests_framework_test_body_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/framework/test_router
TESTS += tests/framework/test_router
tests_framework_test_router_SOURCES = tests/framework/test_router.c
tests_framework_test_router_CFLAGS = $(SX_TESTCFLAGS)
tests_framework_test_router_LDADD = $(SX_TESTLIBS)
tests_framework_test_router_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/framework/test_response
TESTS += tests/framework/test_response
tests_framework_test_response_SOURCES = tests/framework/test_response.c
tests_framework_test_response_CFLAGS = $(SX_TESTCFLAGS)
tests_framework_test_response_LDADD = $(SX_TESTLIBS)
tests_framework_test_response_LDFLAGS = $(SX_TESTLINK)
check_PROGRAMS += tests/framework/test_dispatch
TESTS += tests/framework/test_dispatch
tests_framework_test_dispatch_SOURCES = tests/framework/test_dispatch.c
tests_framework_test_dispatch_CFLAGS = $(SX_TESTCFLAGS)
tests_framework_test_dispatch_LDADD = $(SX_TESTLIBS)
tests_framework_test_dispatch_LDFLAGS = $(SX_TESTLINK)
