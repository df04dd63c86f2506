# session/: server-side sessions over db/: the store (one implementation,
# SQL per dialect in one table), the extension's migrations, and the
# session of a request with its CSRF token.
libsxcore_la_SOURCES += session/store.c session/migrations.c session/session.c \
	session/session_internal.h
sextantinc_HEADERS += session/sx_session.h
EXTRA_DIST += session/README.md
