#!/usr/bin/env bash
# examples/auth behind a real nginx with a cookie jar: register, login,
# profile, logout, profile again 401; the session survives an app restart;
# a tampered or random cookie gets 401 and leaves nothing in the logs; the
# id changes at login. db history lists ext_sessions_0001 beside the app's
# migrations and db downgrade base removes the table. With PostgreSQL, two
# app instances on two sockets behind one nginx upstream share sessions.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "auth sessions behind nginx"
sx_require nginx "apt-get install nginx-light"
sx_require curl "apt-get install curl"
app=$top_builddir/examples/auth/auth
jar=$SX_TMP/jar
cat >"$SX_TMP/config.json" <<JSON
{"databases": {"db_session": {"migrations_dir": "$top_srcdir/examples/auth/migrations"}}}
JSON
ADA='{"username":"ada","password":"lovelace"}'
JSON_CT='Content-Type: application/json'

# The session id curl's jar holds ("" when none).
jar_id() { awk '$6 == "sx_session" { print $7 }' "$jar" 2>/dev/null | tail -n 1; }

# start_one SOCKET URL: an app instance on SOCKET (logs to SOCKET.log).
start_one() {
	(cd "$SX_TMP" && umask 000 && exec "$app" serve --threads 2 --listen "$1" \
		--database "db_session=$2" --config "$SX_TMP/config.json" --migrate \
		>>"$1.log" 2>&1) &
	SX_PIDS+=("$!")
	eval "pid_$(basename "$1" .sock)=$!"
	sx_wait_for "$1"
}

stop_one() {
	local pid
	pid=$(eval echo "\$pid_$(basename "$1" .sock)")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$1"
}

# flow DRIVER URL: the whole story on one database, behind upstream "app"
# of sockets a.sock (and b.sock when $2 is given).
flow() {
	local d=$1 url=$2 id1 id2 tampered
	rm -f "$jar"
	sx_check "$d register" 201 "$(sx_req POST /register -H "$JSON_CT" -d "$ADA" -c "$jar" -b "$jar")"
	sx_check "$d register again" 409 "$(sx_req POST /register -H "$JSON_CT" -d "$ADA")"
	sx_check "$d bad password" 401 "$(sx_req POST /login -H "$JSON_CT" -d '{"username":"ada","password":"x"}' -c "$jar" -b "$jar")"
	sx_check "$d login" 200 "$(sx_req POST /login -H "$JSON_CT" -d "$ADA" -c "$jar" -b "$jar")"
	sx_check "$d login body" '{"status":"logged in"}' "$(sx_body)"
	sx_check_contains "$d cookie flags" "HttpOnly" "$(sx_header Set-Cookie)"
	sx_check_contains "$d cookie samesite" "SameSite=Lax" "$(sx_header Set-Cookie)"
	id1=$(jar_id)
	sx_check "$d id is 64 hex digits" 64 "${#id1}"
	for i in 1 2 3 4; do
		sx_check "$d profile $i" 200 "$(sx_req GET /profile -b "$jar" -c "$jar")"
	done
	sx_check "$d profile body" '{"user_id":1,"username":"ada"}' "$(sx_body)"
	# logging in again with a session: a new id, the old one is dead
	sx_check "$d login again" 200 "$(sx_req POST /login -H "$JSON_CT" -d "$ADA" -c "$jar" -b "$jar")"
	id2=$(jar_id)
	sx_check "$d id changed at login" yes "$([ -n "$id2" ] && [ "$id1" != "$id2" ] && echo yes || echo no)"
	sx_check "$d old id refused" 401 "$(sx_req GET /profile -H "Cookie: sx_session=$id1")"
	# restart: the session is in the database, not in the process
	for s in "${socks[@]}"; do stop_one "$s"; done
	for s in "${socks[@]}"; do start_one "$s" "$url"; done
	sx_check "$d profile after restart" 200 "$(sx_req GET /profile -b "$jar" -c "$jar")"
	# tampered and random cookies
	case $id2 in *0) tampered=${id2%?}1 ;; *) tampered=${id2%?}0 ;; esac
	sx_check "$d tampered cookie" 401 "$(sx_req GET /profile -H "Cookie: sx_session=$tampered")"
	sx_check "$d random cookie" 401 "$(sx_req GET /profile -H "Cookie: sx_session=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")"
	sx_check "$d garbage cookie" 401 "$(sx_req GET /profile -H "Cookie: sx_session=%%%';--")"
	sx_check "$d logout" 200 "$(sx_req POST /logout -b "$jar" -c "$jar")"
	sx_check "$d profile after logout" 401 "$(sx_req GET /profile -b "$jar" -c "$jar")"
	sx_check "$d 401 body" '{"error":"Not authenticated"}' "$(sx_body)"
	sx_check "$d jar emptied" "" "$(jar_id)"
	sx_check "$d nginx error log empty" "" "$(cat "$SX_TMP/nginx-error.log" 2>/dev/null)"
	sx_check "$d app logged no failure" "" "$(cat "$SX_TMP"/*.sock.log | grep -Ei 'fail|error|sessions:' || true)"
}

# migrations DRIVER URL TABLE_CHECK: history on a fresh database, then base.
migrations() {
	local d=$1 url=$2 check=$3 hist
	hist=$("$app" db history --database "db_session=$url" --dir "$top_srcdir/examples/auth/migrations")
	sx_check_contains "$d history lists the extension" "ext_sessions_0001 create_sessions" "$hist"
	sx_check_contains "$d history lists the app's" "0001   create_users" "$hist"
	"$app" db upgrade --database "db_session=$url" --dir "$top_srcdir/examples/auth/migrations" >/dev/null
	sx_check "$d table made" 1 "$($check)"
	sx_check_contains "$d current" "0001 create_users (head)" \
		"$("$app" db current --database "db_session=$url" --dir "$top_srcdir/examples/auth/migrations")"
	"$app" db downgrade base --database "db_session=$url" --dir "$top_srcdir/examples/auth/migrations" >/dev/null
	sx_check "$d downgrade base drops the table" 0 "$($check)"
}

sqlite_has_table() {
	python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("select count(*) from sqlite_master where name=\"sx_sessions\"").fetchone()[0])' "$SX_TMP/fresh.db"
}
migrations sqlite "sqlite:$SX_TMP/fresh.db" sqlite_has_table

socks=("$SX_TMP/a.sock")
start_one "$SX_TMP/a.sock" "sqlite:$SX_TMP/auth.db"
sx_nginx_port
sx_run_nginx "upstream app { server unix:$SX_TMP/a.sock; }" \
	"server { listen 127.0.0.1:$SX_PORT; location / { include /etc/nginx/fastcgi_params; fastcgi_pass app; } }"
flow sqlite "sqlite:$SX_TMP/auth.db"

if [ -n "${SX_TEST_PG_URL:-}" ] && command -v psql >/dev/null 2>&1; then
	schema=nginx_auth_$$_$RANDOM
	psql -q "$SX_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
	case $SX_TEST_PG_URL in *\?*) sep='&' ;; *) sep='?' ;; esac
	pg="$SX_TEST_PG_URL${sep}options=-csearch_path%3D$schema"
	pg_has_table() {
		psql -qtA "$SX_TEST_PG_URL" -c "SELECT count(*) FROM pg_tables WHERE schemaname = '$schema' AND tablename = 'sx_sessions'"
	}
	migrations postgres "$pg" pg_has_table
	stop_one "$SX_TMP/a.sock"
	: >"$SX_TMP/a.sock.log"
	# two instances behind one upstream, round robin
	socks=("$SX_TMP/a.sock" "$SX_TMP/b.sock")
	for s in "${socks[@]}"; do start_one "$s" "$pg"; done
	kill -HUP "$(cat "$SX_TMP/nginx.pid")"
	sed -i "s|upstream app { server unix:$SX_TMP/a.sock; }|upstream app { server unix:$SX_TMP/a.sock; server unix:$SX_TMP/b.sock; }|" "$SX_TMP/nginx.conf"
	kill -HUP "$(cat "$SX_TMP/nginx.pid")"
	sleep 1
	flow postgres "$pg"
	for s in a b; do
		sx_check_contains "postgres instance $s served an authenticated profile" \
			"GET /profile 200" "$(cat "$SX_TMP/$s.sock.log")"
	done
	psql -q "$SX_TEST_PG_URL" -c "SET client_min_messages TO warning" -c "DROP SCHEMA $schema CASCADE" >/dev/null
elif [ "${CI:-}" = "true" ]; then
	echo "FAIL: $SX_NAME: SX_TEST_PG_URL and psql are needed in CI" >&2
	SX_FAILED=$((SX_FAILED + 1))
else
	echo "note: $SX_NAME: PostgreSQL part skipped (set SX_TEST_PG_URL)" >&2
fi
sx_end
