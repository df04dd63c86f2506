# examples/bench: the TechEmpower Framework Benchmarks test types (bench/run
# measures it against raw libfcgi and PHP-FPM).
noinst_PROGRAMS += examples/bench/bench
examples_bench_bench_SOURCES = examples/bench/bench.c
examples_bench_bench_LDADD = $(SX_APPLIBS)
EXTRA_DIST += examples/bench/README.md examples/bench/migrations \
	examples/bench/templates
