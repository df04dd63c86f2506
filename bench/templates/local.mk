# bench/templates: the fortunes page through the template engine against a
# hand-written sx_buf loop (`make bench`).
SX_BENCHES += bench/templates/bench_templates
noinst_PROGRAMS += bench/templates/bench_templates
bench_templates_bench_templates_SOURCES = bench/templates/bench_templates.c
bench_templates_bench_templates_LDADD = libsxcore.la $(SX_DEP_LIBS)
