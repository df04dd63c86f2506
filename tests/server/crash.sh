#!/usr/bin/env bash
# kill -9 of one worker under load through nginx: the supervisor logs the
# death with its signal and starts a replacement; the other worker keeps
# serving. Only requests in flight on the killed worker may fail (at most
# one per load connection); the figure is printed.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "worker crash under load"
sx_start_app "$SXS_APP" serve --workers 2 --threads 4
sx_start_nginx
sxs_wait_workers 2
before=$(sxs_workers)
victim=$(echo "$before" | head -n 1)

sxs_load "$SX_BASE/json" 4 16
sleep 1.5
kill -KILL "$victim"
sxs_load_wait
echo "crash under load: $SXS_TOTAL requests, $SXS_BAD failed (killed worker's in-flight requests)"
sx_check "requests were served under load" yes "$([ "${SXS_TOTAL:-0}" -gt 100 ] && echo yes || echo no)"
sx_check "failures at most one per connection (got $SXS_BAD)" yes "$([ "$SXS_BAD" -le 16 ] && echo yes || echo no)"
sx_check_contains "the log names the death and its signal" "worker $victim died: killed by signal 9" "$(cat "$SX_TMP/app.log")"
sxs_wait_workers 2
after=$(sxs_workers)
sx_check "two workers again" 2 "$(echo "$after" | wc -l)"
sx_check_absent "the killed worker is gone" "$victim" "$after"
sx_check "GET / after the crash" 200 "$(sx_req GET /)"
sx_check "GET /json after the crash" 200 "$(sx_req GET /json)"

# A crash loop does not spin: kill the new worker right after it starts,
# several times; the supervisor backs off and says so.
for i in 1 2 3; do
	sleep 0.05
	for w in $(sxs_workers); do kill -KILL "$w" 2>/dev/null; done
done
sleep 0.3
sx_check_contains "restarts back off in a crash loop" "restarting it in" "$(cat "$SX_TMP/app.log")"
sxs_wait_workers 2
sleep 1
sx_check "serving again after the crash loop" 200 "$(sx_req GET /)"
sxs_end
