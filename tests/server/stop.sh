#!/usr/bin/env bash
# SIGTERM while a 2-second request is in flight: the request completes with
# 200, then the server exits 0. --shutdown-timeout bounds the wait. SIGUSR1
# reopens the log file (logrotate moves it away first).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "server stop and log reopen"
sx_start_app "$SXS_APP" serve --workers 2 --threads 2 --log "$SX_TMP/server.log"
sx_start_nginx

sx_check "GET / before the stop" 200 "$(sx_req GET /)"
# Log reopen: the old file is moved away, the next lines go to a new one.
mv "$SX_TMP/server.log" "$SX_TMP/server.log.1"
kill -USR1 "$SX_APP_PID"
sleep 0.5
sx_check "GET /json after SIGUSR1" 200 "$(sx_req GET /json -H 'X-Request-ID: after-usr1')"
sleep 0.2
sx_check_contains "the new log file has the request" "id=after-usr1 GET /json 200" "$(cat "$SX_TMP/server.log" 2>/dev/null)"

curl -s -o "$SX_TMP/slow.body" -w '%{http_code}' "$SX_BASE/sleep/2000" >"$SX_TMP/slow.status" &
curl_pid=$!
sleep 0.5
start=$(date +%s%N)
kill -TERM "$SX_APP_PID"
wait "$curl_pid"
sx_check "the in-flight request completes" 200 "$(cat "$SX_TMP/slow.status")"
sx_check "its body" "slept 2000 ms" "$(cat "$SX_TMP/slow.body")"
wait "$SX_APP_PID"
sx_check "the server exits 0 after SIGTERM" 0 "$?"
sx_check_contains "the log says it stopped" "stopped" "$(cat "$SX_TMP/server.log")"
sx_check "the unix socket is removed" no "$([ -S "$SX_SOCK" ] && echo yes || echo no)"

# --shutdown-timeout 1: a 10-second request does not hold the stop longer.
rm -f "$SX_TMP/app.log"
sx_start_app "$SXS_APP" serve --threads 2 --shutdown-timeout 1
curl -s -o /dev/null -w '%{http_code}' "$SX_BASE/sleep/10000" >"$SX_TMP/slow2.status" &
curl_pid=$!
sleep 0.5
start=$(date +%s)
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"
took=$(( $(date +%s) - start ))
sx_check "stop bounded by --shutdown-timeout 1 (took ${took}s)" yes "$([ "$took" -le 5 ] && echo yes || echo no)"
sx_check_contains "the log names the timeout" "shutdown timeout" "$(cat "$SX_TMP/app.log")"
wait "$curl_pid"
sxs_end
