#!/bin/sh
# run-corpus.sh: the fuzz smoke of `make check`. Replays each harness's seed
# corpus through its plain build (fuzz_main.c), then runs $SX_FUZZ_RUNS
# (default 3000) inputs mutated from those seeds, the same ones every run
# unless $SX_FUZZ_SEED (default 1) says otherwise. Fails when a harness crashes or an invariant check aborts;
# the input that did it is kept as tests/fuzz/crash-<harness>-<seed> in the
# build tree and its path printed (replay: tests/fuzz/fuzz_<harness> FILE).
# scripts/fuzz fuzzes for real (libFuzzer, AFL++).
: "${top_srcdir:=.}" "${top_builddir:=.}"
runs=${SX_FUZZ_RUNS:-3000}
seed=${SX_FUZZ_SEED:-1}
status=0 passed=0 failed=0
for harness in urlencoded multipart router body template sqlsplit migfiles redact request session fcgi; do
	if [ "$harness" = fcgi ]; then
		prog="$top_builddir/tests/server/fuzz_fcgi"
		seeds="$top_srcdir/tests/server/corpus-fcgi"
	else
		prog="$top_builddir/tests/fuzz/fuzz_$harness"
		seeds="$top_srcdir/tests/fuzz/corpus/$harness"
	fi
	if [ ! -x "$prog" ]; then
		echo "FAIL: $prog is missing (run make check, which builds it)"
		failed=$((failed + 1))
		continue
	fi
	if ! "$prog" "$seeds"/*; then
		echo "FAIL: fuzz_$harness crashed or failed on a seed in $seeds"
		failed=$((failed + 1))
		continue
	fi
	artifact="$top_builddir/tests/fuzz/crash-$harness-$seed"
	if "$prog" -runs="$runs" -seed="$seed" -artifact="$artifact" "$seeds"/* 2>"$artifact.log"; then
		echo "ok: fuzz_$harness over $(ls "$seeds" | wc -l) seeds and $runs mutations (seed $seed)"
		rm -f "$artifact.log"
		passed=$((passed + 1))
	else
		echo "FAIL: fuzz_$harness crashed on a mutated input, kept as $artifact"
		echo "      (replay: $prog $artifact; add it to $seeds once fixed)"
		tail -n 30 "$artifact.log"
		failed=$((failed + 1))
	fi
done
echo "fuzz smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
