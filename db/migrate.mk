# db/ migrations: owned by the migrations module
sextantinc_HEADERS += db/sx_migrate.h
libsxcore_la_SOURCES += db/migrate.c db/migrate_files.c db/migrate_split.c \
	db/migrate_internal.h
