#!/bin/sh
# libfuzzer.sh: builds each fuzz harness with clang's libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer, and fuzzes it for a while,
# starting from the seed corpus. Not part of `make check`: run it by hand.
#
#   tests/fuzz/libfuzzer.sh [SECONDS] [HARNESS...]     (default 60, all four)
#
# Works from the source tree; needs clang and cJSON. Builds and findings go
# to $SX_FUZZ_OUT (default /tmp/sx-fuzz), outside the tree: crashing inputs
# as <harness>/crash-*, new interesting inputs in <harness>/corpus (copy the
# useful ones into tests/fuzz/corpus/<harness>/).
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-urlencoded multipart router body template fcgi sqlsplit}
command -v clang >/dev/null || { echo "libfuzzer.sh: clang is not installed (apt-get install clang)"; exit 1; }
# The parsers and what they need; nothing that talks to a web server.
srcs="$top/framework/http/body.c $top/framework/http/router.c $top/framework/http/response.c
	$top/util/arena.c $top/util/buf.c $top/templates/tpl_compile.c
	$top/templates/tpl_render.c $top/templates/tpl_set.c $top/framework/server/fcgi_proto.c
	$top/util/misc.c $top/db/migrate_split.c $here/fuzz_check.c"
status=0
for h in $harnesses; do
	out="${SX_FUZZ_OUT:-/tmp/sx-fuzz}/$h"
	mkdir -p "$out/corpus"
	# The server's FastCGI record layer keeps its harness beside its tests.
	if [ "$h" = fcgi ]; then
		src=$top/tests/server/fuzz_fcgi.c seeds=$top/tests/server/corpus-fcgi
	else
		src=$here/fuzz_$h.c seeds=$here/corpus/$h
	fi
	clang -g -O1 -std=c11 -D_GNU_SOURCE \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -I"$top/util" -I"$top/framework" -I"$top/db" -I"$top/templates" -I"$here" \
	    "$src" $srcs -lcjson -o "$out/fuzz_$h"
	echo "== fuzz_$h for ${seconds}s"
	if ! (cd "$out" && ./fuzz_$h -max_total_time="$seconds" -max_len=65536 \
	    -print_final_stats=1 corpus "$seeds" 2>"$out/log"); then
		echo "fuzz_$h: found a crash, see $out/log"
		status=1
	fi
	grep -E "stat::number_of_executed_units|stat::new_units_added" "$out/log" || true
done
exit $status
