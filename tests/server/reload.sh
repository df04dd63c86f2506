#!/usr/bin/env bash
# SIGHUP under load replaces every worker with no failed request; a worker
# recycled by --max-requests is replaced the same way.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "server reload and recycling"
sx_start_app "$SXS_APP" serve --workers 2 --threads 4
sx_start_nginx
sxs_wait_workers 2
before=$(sxs_workers)

sxs_load "$SX_BASE/json" 4 16
sleep 1
kill -HUP "$SX_APP_PID"
sleep 1.5
kill -HUP "$SX_APP_PID"
sxs_load_wait
echo "reload under load: $SXS_TOTAL requests, $SXS_BAD failed"
sx_check "requests were served during the reloads" yes "$([ "${SXS_TOTAL:-0}" -gt 100 ] && echo yes || echo no)"
sx_check "no failed request across two SIGHUPs" 0 "$SXS_BAD"
sleep 0.5
after=$(sxs_workers)
sx_check "two workers after the reloads" 2 "$(echo "$after" | wc -l)"
for w in $before; do
	sx_check_absent "old worker $w replaced" "$w" "$after"
done
sx_check_contains "the log records the reload" "SIGHUP: replacing the workers" "$(cat "$SX_TMP/app.log")"
sx_check_absent "no worker died" "died" "$(cat "$SX_TMP/app.log")"
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"

# --max-requests 100: workers recycle many times during the load.
sx_start_app "$SXS_APP" serve --workers 2 --threads 4 --max-requests 100
sxs_load "$SX_BASE/json" 3 8
sxs_load_wait
echo "recycling under load: $SXS_TOTAL requests, $SXS_BAD failed"
sx_check "no failed request while recycling" 0 "$SXS_BAD"
sx_check_contains "workers recycle" "recycling" "$(cat "$SX_TMP/app.log")"
sx_check "GET / after recycling" 200 "$(sx_req GET /)"
sxs_end
