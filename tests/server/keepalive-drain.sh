#!/usr/bin/env bash
# A worker that drains (SIGHUP replaces it, --max-requests recycles it)
# while nginx keeps FastCGI connections alive (fastcgi_keep_conn on,
# upstream keepalive) loses no request: nginx does not retry a POST it
# has written, so a kept connection closed under it would be a 502. Every
# POST of a keep-alive load gets its 201, and every 201 is a row.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "keep-alive drain on reload and recycling"
sx_require python3 "apt-get install python3"
app=$top_builddir/examples/quickstart/quickstart
printf '{"databases": {"db_session": {"migrations_dir": "%s"}}}\n' \
	"$top_srcdir/examples/quickstart/migrations" >"$SX_TMP/config.json"
db=$SX_TMP/app.db

rows() {
	python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM users").fetchone()[0])' "$db"
}

# load ARGS...: the POST load through nginx; prints "ok bad total".
load() {
	python3 "$top_srcdir/tests/server/post_load.py" 127.0.0.1 "$SX_PORT" "$@"
}

start() {
	sx_start_app "$app" serve --workers 2 --threads 4 \
		--database "db_session=sqlite:$db" --migrate \
		--config "$SX_TMP/config.json" "$@"
}

start
sxs_start_nginx "upstream app { server unix:$SX_SOCK; keepalive 16; }" \
	"location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass app; }"
sxs_wait_workers 2

# wait_rows N: waits up to 120 s (sanitizer builds start slowly on two
# shared cores) until the table has at least N rows.
wait_rows() {
	local i
	for i in $(seq 1 1200); do
		[ "$(rows)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "FAIL: $SX_NAME: the load did not reach $1 rows" >&2
	touch "$SX_TMP/stop"
	exit 1
}

# Four SIGHUPs under the load, once it flows, and the load goes on until
# the last replacement workers served some.
load --conns 12 --prefix hup --until "$SX_TMP/stop" >"$SX_TMP/load1" &
loader=$!
wait_rows 100
for i in 1 2 3 4; do
	kill -HUP "$SX_APP_PID"
	sleep 0.8
done
wait_rows $(( $(rows) + 200 ))
touch "$SX_TMP/stop"
wait "$loader"
read -r ok bad total <"$SX_TMP/load1"
echo "SIGHUP x4 under load: $total POSTs, $ok answered 201, $bad failed"
sx_check "POSTs were served across the reloads" yes "$([ "${total:-0}" -ge 200 ] && echo yes || echo no)"
sx_check "no failed POST across four SIGHUPs" 0 "$bad"
sx_check "every 201 is a row" "$ok" "$(rows)"
sx_check "no 502 in nginx's log" "" "$(grep -m 3 "\[error\]" "$SX_TMP/nginx-error.log")"
before=$(rows)
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"

# --max-requests 500: workers recycle several times during the load.
rm -f "$SX_TMP/app.sock"
start --max-requests 500
load --conns 12 --prefix recycle --requests 3000 >"$SX_TMP/load2"
read -r ok bad total <"$SX_TMP/load2"
echo "--max-requests 500 under load: $total POSTs, $ok answered 201, $bad failed"
sx_check "no failed POST while recycling" 0 "$bad"
sx_check "every 201 is a row" "$((before + ok))" "$(rows)"
sx_check "workers recycled" yes "$([ "$(grep -c 'recycling' "$SX_TMP/app.log")" -ge 4 ] && echo yes || echo no)"
sx_check "no 502 in nginx's log" "" "$(grep -m 3 "\[error\]" "$SX_TMP/nginx-error.log")"
sxs_end
