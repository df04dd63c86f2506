#!/usr/bin/env bash
# lighttpd with the shipped mod_fastcgi configuration
# (examples/deploy/lighttpd/hello.conf) in front of the hello example, as a
# private instance on a free port.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "hello behind lighttpd"
sx_require lighttpd "apt-get install lighttpd"
sx_start_app "$SXS_HELLO" serve --workers 2 --threads 2
sxs_site lighttpd/hello.conf hello-lighttpd.conf
SX_BASE="http://127.0.0.1:$SX_PORT"
mkdir -p "$SX_TMP/www"
cat >"$SX_TMP/lighttpd.conf" <<CONF
server.document-root = "$SX_TMP/www"
server.bind = "127.0.0.1"
server.port = $SX_PORT
server.pid-file = "$SX_TMP/lighttpd.pid"
server.errorlog = "$SX_TMP/lighttpd-error.log"
include "$SX_TMP/hello-lighttpd.conf"
CONF
lighttpd -D -f "$SX_TMP/lighttpd.conf" >>"$SX_TMP/lighttpd.out" 2>&1 &
SX_PIDS+=("$!")
sx_wait_for "$SX_PORT"
sxs_check_hello_routes "" "lighttpd:"
sx_check "lighttpd: GET /greet/<encoded>" '{"hello":"Jürgen"}' "$(sx_req GET /greet/J%C3%BCrgen >/dev/null; sx_body)"
sxs_end
