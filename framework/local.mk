# framework/: the core (dispatch, runtime, settings, resolver, transaction
# wrapper, templates, test client, log) and its three parts: http/ (request,
# body, response, router, cross-site check, request ids, error responses),
# server/ (supervisor, worker, FastCGI records, CGI) and cli/ (commands).
libsxcore_la_SOURCES += \
	framework/core.h framework/log.h framework/log.c \
	framework/defaults.h framework/options.h framework/options.c \
	framework/dispatch.c framework/runtime.c framework/config.c \
	framework/dbset.h framework/dbconfig.c framework/resolver.c \
	framework/transaction.c framework/render.c framework/testclient.c \
	framework/sessions.c framework/extensions.c framework/inject.c \
	framework/guards.c framework/hooks.c framework/routes.c \
	framework/metrics.h framework/metrics.c framework/ready.c \
	framework/trace.c framework/helpers.c
sextantinc_HEADERS += framework/sextant.h
libsxcore_la_SOURCES += framework/http/http.h \
	framework/http/request.c framework/http/body.c \
	framework/http/response.c framework/http/router.c \
	framework/http/csrf.c framework/http/request_id.c \
	framework/http/errors.c framework/http/query.c
libsxcore_la_SOURCES += framework/server/server.h framework/server/server.c \
	framework/server/worker.h framework/server/worker.c \
	framework/server/fcgi_proto.h framework/server/fcgi_proto.c \
	framework/server/cgi.c
libsxcore_la_SOURCES += framework/cli/cli.h framework/cli/cli.c \
	framework/cli/db.c framework/cli/render.c framework/cli/sessions.c
