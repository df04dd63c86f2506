# examples/: complete apps, linked against the shared library like users' apps.
noinst_PROGRAMS += examples/hello/hello
examples_hello_hello_SOURCES = examples/hello/hello.c
examples_hello_hello_LDADD = $(SX_APPLIBS)
include examples/apps.mk
include examples/bench/local.mk
