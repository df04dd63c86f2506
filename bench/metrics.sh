#!/usr/bin/env bash
# bench/metrics.sh: the cost of metrics on the hello /json route, through
# nginx (keep-alive FastCGI, as in production), 2 workers x 4 threads,
# 64 connections: the same app with the counters off ({"metrics": false}
# in --config) and on (the default once /metrics is mounted), alternated
# over ROUNDS rounds. Prints requests/s of each and the cost in percent;
# the target is under 5%.
#
# Usage: bench/metrics.sh [BUILDDIR] [SECONDS] [ROUNDS]   (from the source tree)
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir/_build}" && pwd)
seconds=${2:-5}
rounds=${3:-3}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "bench/metrics"
sx_require wrk "apt-get install wrk"
sx_require nginx "apt-get install nginx-light"
echo '{"metrics": false}' >"$SX_TMP/off.json"
echo '{}' >"$SX_TMP/on.json"

# run_case on|off: prints requests/s of one run.
run_case() {
	SX_PORT=
	sx_start_app "$SXS_HELLO" serve --workers 2 --threads 4 --config "$SX_TMP/$1.json"
	sxs_site nginx/keepalive.conf site.conf
	sxs_start_nginx "include $SX_TMP/site.conf;" >/dev/null
	wrk -t2 -c64 -d1s "$SX_BASE/json" >/dev/null 2>&1
	wrk -t2 -c64 -d"${seconds}s" "$SX_BASE/json" 2>&1 | awk '/Requests\/sec/ { print $2 }'
	curl -s "$SX_BASE/metrics" | grep -c '^sextant_requests_total' >"$SX_TMP/$1.families"
	kill -QUIT "$(cat "$SX_TMP/nginx.pid")"
	kill -TERM "$SX_APP_PID"
	wait "$SX_APP_PID" 2>/dev/null
	rm -f "$SX_SOCK"
	sleep 0.5
}

off_sum=0 on_sum=0
for r in $(seq 1 "$rounds"); do
	off=$(run_case off)
	on=$(run_case on)
	echo "round $r: metrics off $off req/s, on $on req/s"
	off_sum=$(echo "$off_sum $off" | awk '{ print $1 + $2 }')
	on_sum=$(echo "$on_sum $on" | awk '{ print $1 + $2 }')
done
echo "$off_sum $on_sum $rounds" | awk '{ printf "hello /json, 64 connections, %d rounds: off %.0f req/s, on %.0f req/s, cost %.1f%%\n", $3, $1 / $3, $2 / $3, 100 * (1 - $2 / $1) }'
sx_check "metrics were counting when on" 1 "$(cat "$SX_TMP/on.families" | awk '{ print ($1 > 0) }')"
sx_end
