#!/usr/bin/env bash
# SIGTERM while a 2-second request is in flight: the request completes with
# 200, then the server exits 0. --shutdown-timeout bounds the wait. SIGUSR1
# reopens the log file (logrotate moves it away first). Connections queued
# on the socket at the stop are served, not reset.
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
# A stop with connections queued: the only thread is busy with a 3-second
# request while four more connections wait in the listening socket's queue,
# each with its request written. Closing the socket would reset them (and
# nginx does not resend a POST it wrote); the stop lets no new connection in
# (refused at once on a unix socket, unanswered on TCP until the socket is
# closed, which nginx then fails over) and serves the four.
for where in unix tcp; do
	rm -f "$SX_TMP/go" "$SX_TMP/app.log"
	if [ $where = unix ]; then
		sx_start_app "$SXS_APP" serve --threads 1
		addr=$SX_SOCK
	else
		port=$(sx_free_port)
		addr=127.0.0.1:$port
		(cd "$SX_TMP" && exec ${SX_WRAP:-} "$SXS_APP" serve --threads 1 --listen "$addr" \
			>>"$SX_TMP/app.log" 2>&1) &
		SX_APP_PID=$!
		SX_PIDS+=("$SX_APP_PID")
		sx_wait_for "$port"
	fi
	python3 "$SXS_CLIENT" queued "$addr" /sleep/3000 /sleep/10 4 "$SX_TMP/go" probe >"$SX_TMP/queued.out" &
	queued_pid=$!
	for _ in $(seq 1 200); do [ -e "$SX_TMP/go" ] && break; sleep 0.05; done
	kill -TERM "$SX_APP_PID"
	wait "$queued_pid"
	wait "$SX_APP_PID"
	rc=$?
	if [ $where = unix ]; then door="probe refused"; else door="probe not answered"; fi
	sx_check "$where: a connection tried during the stop is not let in" "$door" \
		"$(head -n 1 "$SX_TMP/queued.out")"
	sx_check "$where: the four queued requests are answered, none reset" "200 200 200 200" \
		"$(sed -n '2,5p' "$SX_TMP/queued.out" | paste -sd' ')"
	sx_check "$where: the request in flight completes" "first 200" "$(sed -n '6p' "$SX_TMP/queued.out")"
	sx_check "$where: the server exits 0" 0 "$rc"
	sx_check_contains "$where: the log counts the queued connections" "took 4 queued connection(s)" \
		"$(cat "$SX_TMP/app.log")"
done
sxs_end
