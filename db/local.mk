# db/: the database layer (SQLite and PostgreSQL drivers, pools, statement
# cache, results and JSON). It knows nothing of HTTP.
libsxcore_la_SOURCES += \
	db/conn.c db/result.c db/json.c db/stmtcache.c db/sqlite.c \
	db/postgres.c db/pool.c db/array.c db/db_internal.h
sextantinc_HEADERS += db/sx_db.h
# The layer's guide is installed with the docs, as $(docdir)/db/README.md.
dbdocdir = $(docdir)/db
dist_dbdoc_DATA = db/README.md
