# bench/db: statement cache, pipelining and layer overhead (`make bench`).
SX_BENCHES += bench/db/bench_db
noinst_PROGRAMS += bench/db/bench_db
bench_db_bench_db_SOURCES = bench/db/bench_db.c
bench_db_bench_db_LDADD = libsxcore.la $(SX_DEP_LIBS)
