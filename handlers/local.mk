# handlers/: stock handlers built on the public API only.
libsxcore_la_SOURCES += handlers/health.c handlers/static.c \
	handlers/cors.c handlers/ready.c handlers/metrics.c
