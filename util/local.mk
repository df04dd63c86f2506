libsxcore_la_SOURCES += util/buf.c util/arena.c util/misc.c util/file.c
sextantinc_HEADERS += util/sx_util.h
