#!/usr/bin/env bash
# systemd socket activation with the shipped units
# (examples/deploy/systemd/): the units pass systemd-analyze verify, and
# the service's ExecStart, run under systemd-socket-activate on the
# socket's ListenStream, serves the hello example through nginx from the
# socket it inherited (LISTEN_FDS, fd 3).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "hello under systemd socket activation"
sx_require systemd-socket-activate "apt-get install systemd"
sxs_site systemd/hello.socket hello.socket
sxs_site systemd/hello.service hello.service
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(cd "$SX_TMP" && systemd-analyze verify "$SX_TMP/hello.socket" "$SX_TMP/hello.service" 2>&1)
	sx_check "systemd-analyze verify accepts the units ($out)" "" "$(echo "$out" | grep -v -i -e 'user' -e 'group' -e 'bus' -e 'rlimit')"
fi
listen=$(sed -n 's/^ListenStream=//p' "$SX_TMP/hello.socket")
exec_start=$(sed -n 's/^ExecStart=//p' "$SX_TMP/hello.service")
sx_check "the socket unit listens where the test expects" "$SX_TMP/app.sock" "$listen"
SX_SOCK=$listen
(cd "$SX_TMP" && exec systemd-socket-activate -l "$listen" $exec_start >>"$SX_TMP/app.log" 2>&1) &
SX_APP_PID=$!
SX_PIDS+=("$SX_APP_PID")
sx_wait_for "$SX_SOCK"
sx_start_nginx
sxs_check_hello_routes "" "socket activation:"
sx_check_contains "the app serves systemd's socket" "the socket from systemd (fd 3)" "$(cat "$SX_TMP/app.log")"
kill -HUP "$SX_APP_PID"
sleep 0.5
sx_check "GET / after a reload (ExecReload)" 200 "$(sx_req GET /)"
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"
sx_check "exits 0 on systemctl stop (SIGTERM)" 0 "$?"
sxs_end
