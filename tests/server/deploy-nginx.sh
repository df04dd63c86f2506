#!/usr/bin/env bash
# The shipped nginx configurations (examples/deploy/nginx/) in front of the
# hello example: unix socket, kept-alive connections, TCP, a sub-path. With
# kept-alive connections and one thread, idle kept connections must not
# starve new requests.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "hello behind the shipped nginx configurations"
sx_require nginx "apt-get install nginx-light"

restart_nginx() {
	[ -f "$SX_TMP/nginx.pid" ] && kill -QUIT "$(cat "$SX_TMP/nginx.pid")" && sleep 0.3
	sxs_site "nginx/$1" site.conf
	sxs_start_nginx "include $SX_TMP/site.conf;"
}

sx_start_app "$SXS_HELLO" serve --workers 2 --threads 2
restart_nginx unix.conf
sxs_check_hello_routes "" "unix.conf:"

restart_nginx subpath.conf
sxs_check_hello_routes /hello "subpath.conf:"
sx_check "subpath.conf: the rest of the site is nginx's" "the rest of the site" "$(curl -s "$SX_BASE/other")"
sx_check "subpath.conf: /hello redirects to /hello/" 301 "$(sx_req GET /hello)"

# One worker with one thread: every idle kept connection would pin it if
# connections held threads.
kill -TERM "$SX_APP_PID"; wait "$SX_APP_PID"
sx_start_app "$top_builddir/tests/server/slowapp" serve --workers 1 --threads 1
restart_nginx keepalive.conf
sxs_check_hello_routes "" "keepalive.conf:"
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null "$SX_BASE/sleep/300" &
done
sleep 2.5
worker=$(sxs_workers | head -n 1)
kept=$(ls -l "/proc/$worker/fd" 2>/dev/null | grep -c 'socket:')
sx_check "keepalive.conf: nginx keeps several connections open (worker holds $kept sockets)" yes "$([ "$kept" -ge 5 ] && echo yes || echo no)"
sx_check "keepalive.conf: a new request is served past the kept connections" 200 "$(sx_req GET / --max-time 5)"
burst=()
for i in $(seq 1 20); do
	curl -s --max-time 5 -o /dev/null -w '%{http_code}\n' "$SX_BASE/json" >>"$SX_TMP/burst" &
	burst+=("$!")
done
wait "${burst[@]}"
sx_check "keepalive.conf: 20 parallel requests on one thread all succeed" 20 "$(grep -c '^200$' "$SX_TMP/burst")"

# TCP with kept-alive connections.
kill -TERM "$SX_APP_PID"; wait "$SX_APP_PID"
SXS_TCP_PORT=$(sx_free_port)
(cd "$SX_TMP" && exec "$SXS_HELLO" serve --listen "127.0.0.1:$SXS_TCP_PORT" --workers 2 --threads 2 >>"$SX_TMP/app.log" 2>&1) &
SX_APP_PID=$!
SX_PIDS+=("$SX_APP_PID")
sx_wait_for "$SXS_TCP_PORT"
restart_nginx tcp.conf
sxs_check_hello_routes "" "tcp.conf:"
sx_check_absent "nginx logged no upstream error" "upstream" "$(cat "$SX_TMP/nginx-error.log")"
sxs_end
