#!/usr/bin/env bash
# A worker whose threads are all busy takes no new connections, and new
# connections spread over the workers: with every thread of one worker
# (or more) asleep, a quick request through nginx is answered at once by
# a worker with a free thread instead of queueing behind the sleepers.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "no head-of-line blocking across workers"
sx_start_app "$SXS_APP" serve --workers 2 --threads 2
sx_start_nginx
sxs_wait_workers 2
sx_check "GET /json" 200 "$(sx_req GET /json)"

# Three sleepers on four threads, one after the other (an idle worker
# waiting in epoll_wait takes each): at least one worker has no free
# thread.
sleepers=()
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code}\n' "$SX_BASE/sleep/4000" >>"$SX_TMP/sleepers" &
	sleepers+=("$!")
	sleep 0.2
done
sleep 0.3
for i in 1 2 3 4 5; do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$SX_BASE/json" >>"$SX_TMP/quick"
done
wait "${sleepers[@]}"
cat "$SX_TMP/quick"
sx_check "the quick requests answered 200" 5 "$(grep -c '^200 ' "$SX_TMP/quick")"
fastest=$(awk '{print $2}' "$SX_TMP/quick" | sort -n | head -n 1)
slowest=$(awk '{print $2}' "$SX_TMP/quick" | sort -n | tail -n 1)
sx_check "the fastest quick request took under 100 ms ($fastest s)" yes "$(awk -v t="$fastest" 'BEGIN { print (t < 0.1) ? "yes" : "no" }')"
sx_check "none waited for a sleeper (slowest $slowest s, a wait is about 3 s)" yes "$(awk -v t="$slowest" 'BEGIN { print (t < 2) ? "yes" : "no" }')"
sx_check "the sleepers answered 200" 3 "$(grep -c '^200$' "$SX_TMP/sleepers")"
sxs_end
