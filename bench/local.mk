SX_BENCHES =
# bench/: benchmarks that print figures and ratios against a baseline
# measured in the same run. `make bench` runs them all; `make check` never
# does (speed is not asserted by unit tests).
include bench/db/local.mk
include bench/templates/local.mk
include bench/baseline/local.mk
include bench/tcloop/local.mk

bench: $(SX_BENCHES) examples/hello/hello
	@for b in $(SX_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
	@echo "== bench/server.sh"; $(SHELL) $(srcdir)/bench/server.sh $(abs_top_builddir)
	@echo "== bench/metrics.sh"; $(SHELL) $(srcdir)/bench/metrics.sh $(abs_top_builddir)
.PHONY: bench
