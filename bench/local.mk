SX_BENCHES =
# bench/: benchmarks that print figures and ratios against a baseline
# measured in the same run. Built by `make bench`, never run by `make check`.
include bench/db/local.mk
include bench/templates/local.mk
bench: $(SX_BENCHES)
	@for b in $(SX_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench
