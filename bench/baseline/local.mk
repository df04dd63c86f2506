# bench/baseline: a minimal raw libfcgi program, the yardstick of bench/run.
# Built, not installed.
noinst_PROGRAMS += bench/baseline/baseline
bench_baseline_baseline_SOURCES = bench/baseline/baseline.c
bench_baseline_baseline_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS) -pthread
bench_baseline_baseline_LDADD = $(FCGI_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) -lpthread
