# bench/tcloop: GET PATH N times through the test client, for callgrind
# (bench/run's instructions per request). Not installed.
noinst_PROGRAMS += bench/tcloop/tcloop
bench_tcloop_tcloop_SOURCES = bench/tcloop/tcloop.c
bench_tcloop_tcloop_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)
bench_tcloop_tcloop_LDADD = $(SX_APPLIBS)
