#!/usr/bin/env bash
# bench/server.sh: FastCGI keep-alive through nginx, measured with wrk.
#
# The same app (the hello example, 2 workers x 4 threads) behind the same
# nginx, first with one FastCGI connection per request (the baseline),
# then with fastcgi_keep_conn on and an upstream keepalive pool of 32,
# both at 64 client connections. Prints requests/s and the worst latency
# of each run and the throughput ratio keepalive/baseline. The target:
# ratio >= 1 and a keep-alive maximum latency under 100 ms, i.e. kept
# connections never starve new ones.
#
# Usage: bench/server.sh [BUILDDIR] [SECONDS]   (from the source tree)
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir/_build}" && pwd)
seconds=${2:-5}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "bench/server"
sx_require wrk "apt-get install wrk"
sx_require nginx "apt-get install nginx-light"
sx_start_app "$SXS_HELLO" serve --workers 2 --threads 4

# run_case CONFIG: starts nginx with examples/deploy/nginx/CONFIG, loads
# it, prints "rps max_latency_ms", stops nginx.
run_case() {
	SX_PORT=
	sxs_site "nginx/$1" site.conf
	sxs_start_nginx "include $SX_TMP/site.conf;" >/dev/null
	wrk -t2 -c64 -d1s "$SX_BASE/json" >/dev/null 2>&1	# warm-up
	wrk -t2 -c64 -d"${seconds}s" --latency "$SX_BASE/json" >"$SX_TMP/wrk-$1.out" 2>&1
	kill -QUIT "$(cat "$SX_TMP/nginx.pid")"
	sleep 0.5
	awk '
		/Requests\/sec/ { rps = $2 }
		/Latency/ && !lat { v = $4; lat = 1
			if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 }
			else if (v ~ /ms$/) { sub(/ms/, "", v) }
			else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }
			max = v }
		/Non-2xx|Socket errors/ { bad = bad " " $0 }
		END { printf "%s %s%s\n", rps, max, bad ? " (" bad ")" : "" }
	' "$SX_TMP/wrk-$1.out"
}

base=$(run_case unix.conf)
keep=$(run_case keepalive.conf)
echo "64 connections, ${seconds}s each, hello /json, 2 workers x 4 threads"
echo "baseline (new FastCGI connection per request): $(echo "$base" | awk '{printf "%.0f req/s, max latency %.1f ms", $1, $2}')"
echo "keep-alive (fastcgi_keep_conn on, keepalive 32): $(echo "$keep" | awk '{printf "%.0f req/s, max latency %.1f ms", $1, $2}')"
echo "$base $keep" | awk '{printf "throughput ratio keep-alive/baseline: %.2f\n", $3 / $1}'
sx_check "keep-alive requests all succeeded" "" "$(echo "$keep" | awk '{ $1 = ""; $2 = ""; print }' | tr -d ' ')"
sx_end
