#!/usr/bin/env bash
# The largest allowed --workers (256) and SIGHUPs that come faster than the
# new workers get ready: the supervisor's table of processes fills up. A
# worker it has no room for is refused, logged and started later, once the
# workers it replaces have left; the supervisor neither writes past its
# table nor crashes, and every slot ends with one new worker.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "server reload with the most workers"
workers=256
# Some 700 worker processes start and stop here. Under the sanitizers the
# leak scan at each exit is half this test's CPU time; leaks at a worker's
# exit are the business of every other server test, this one checks the
# supervisor's table.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# Waits up to 180 s (a few hundred processes start on two shared cores)
# until the supervisor has exactly N workers, none of them in $2.
wait_settled() {
	local n=$1 old=${2:-} i now
	for i in $(seq 1 1800); do
		now=$(sxs_workers)
		if [ "$(echo "$now" | grep -c .)" -eq "$n" ] &&
		    [ -z "$old" -o -z "$(comm -12 <(echo "$old") <(echo "$now"))" ]; then
			return 0
		fi
		kill -0 "$SX_APP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "FAIL: $SX_NAME: not $n new workers (have $(sxs_workers | wc -l))" >&2
	tail -n 20 "$SX_TMP/app.log" >&2
	exit 1
}

sx_start_app "$SXS_APP" serve --workers $workers --threads 1
sx_start_nginx
wait_settled $workers
before=$(sxs_workers)
sx_check "GET / before the reloads" 200 "$(sx_req GET /)"

for i in 1 2 3 4; do
	kill -HUP "$SX_APP_PID"
	sleep 0.05
done
sx_check "the supervisor survives four quick SIGHUPs" yes \
	"$(kill -0 "$SX_APP_PID" 2>/dev/null && echo yes || echo no)"
sx_check "GET / during the reloads" 200 "$(sx_req GET /)"
wait_settled $workers "$before"
after=$(sxs_workers)
replaced=0
for w in $before; do
	echo "$after" | grep -qx "$w" || replaced=$((replaced + 1))
done
sx_check "every old worker was replaced" $workers $replaced
sx_check "a worker with no room in the table was logged and waited" yes \
	"$(grep -q "no room for another worker" "$SX_TMP/app.log" && echo yes || echo no)"
sx_check "no worker died" "" "$(grep -m 3 "died" "$SX_TMP/app.log")"
sx_check "GET / after the reloads" 200 "$(sx_req GET /)"
sx_check "GET /sleep/1 after the reloads" 200 "$(sx_req GET /sleep/1)"

kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"
sx_check "the supervisor stops cleanly (exit status)" 0 "$?"
sxs_end
