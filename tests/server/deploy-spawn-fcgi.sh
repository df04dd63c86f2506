#!/usr/bin/env bash
# spawn-fcgi binds the socket and starts the app with it on fd 0; the app,
# run with no arguments, serves it (examples/deploy/spawn-fcgi.sh).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "hello under spawn-fcgi"
sx_require spawn-fcgi "apt-get install spawn-fcgi"
sxs_site spawn-fcgi.sh spawn-fcgi.sh
SX_SOCK=$SX_TMP/app.sock
# -n: stay in the foreground, so the test owns the process.
HELLO_SPAWN_FOREGROUND=1 bash "$SX_TMP/spawn-fcgi.sh" >>"$SX_TMP/app.log" 2>&1 &
SX_APP_PID=$!
SX_PIDS+=("$SX_APP_PID")
sx_wait_for "$SX_SOCK"
sx_start_nginx
sxs_check_hello_routes "" "spawn-fcgi:"
sx_check_contains "the app serves the inherited fd 0" "serving FastCGI on fd 0" "$(cat "$SX_TMP/app.log")"
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"
sx_check "exits 0 on SIGTERM" 0 "$?"
sxs_end
