#!/bin/sh
# run-corpus.sh: replays each fuzz harness's seed corpus through its plain
# build (fuzz_main.c), as a regression test. Fails when a harness crashes or
# an invariant check aborts on any seed.
: "${top_srcdir:=.}" "${top_builddir:=.}"
status=0
for harness in urlencoded multipart router body template sqlsplit; do
	prog="$top_builddir/tests/fuzz/fuzz_$harness"
	seeds="$top_srcdir/tests/fuzz/corpus/$harness"
	if [ ! -x "$prog" ]; then
		echo "run-corpus: $prog is missing (run make check, which builds it)"
		status=1
		continue
	fi
	if "$prog" "$seeds"/*; then
		echo "ok: fuzz_$harness over $(ls "$seeds" | wc -l) seeds"
	else
		echo "FAIL: fuzz_$harness crashed or failed on a seed in $seeds"
		status=1
	fi
done
exit $status
