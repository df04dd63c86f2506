# templates/: the Mustache engine (parser -> compiled nodes -> renderer).
libsxcore_la_SOURCES += \
	templates/tpl_compile.c templates/tpl_render.c templates/tpl_set.c \
	templates/tpl_internal.h
sextantinc_HEADERS += templates/sx_tpl.h
