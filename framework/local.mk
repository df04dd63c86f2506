# framework/: request, response, router, resolver, transaction, server, CLI.
libsxcore_la_SOURCES += \
	framework/request.c framework/body.c framework/router.c \
	framework/response.c framework/dispatch.c framework/runtime.c \
	framework/config.c framework/cli.c framework/cgi.c framework/server.c \
	framework/testclient.c framework/resolver.c framework/transaction.c \
	framework/render.c framework/cli_db.c framework/csrf.c framework/internal.h
sextantinc_HEADERS += framework/sextant.h
# databases and dependency injection: configuration, request ids (issue 4)
libsxcore_la_SOURCES += framework/dbconfig.c framework/request_id.c \
	framework/dbset.h
# The server: supervisor (server.c), worker event loop, FastCGI records.
libsxcore_la_SOURCES += framework/server_worker.c framework/server_worker.h \
	framework/fcgi_proto.c framework/fcgi_proto.h
