#!/usr/bin/env bash
# Growing past one machine: three instances each of examples/quickstart and
# examples/auth, on 127.0.0.2, .3 and .4 (TCP FastCGI, one address per
# "host"), behind one nginx with an upstream per app, sessions and data in
# one PostgreSQL server (this test's own). Run twice: straight to
# PostgreSQL, then through PgBouncer in transaction pooling with the
# statement cache off (stmt_cache_size -1, as docs/deploy.md says).
#
# Each run: log in through one instance and use the session through the
# other two; then a write load on quickstart and a session load on auth
# (GET /profile with the cookie) through nginx, and one instance of each
# app stopped (SIGTERM) under it: nginx fails over, no session is lost
# (every GET /profile is 200), and every write answered 201 is in the
# table. Prints requests served per instance and writes acknowledged vs
# found.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/faults/lib-faults.sh"
sx_begin "scale-out across three hosts"
sx_require nginx "apt-get install nginx-light"
fx_private_pg
echo "PostgreSQL up (at $SECONDS s)"
hosts="127.0.0.2 127.0.0.3 127.0.0.4"
qs_port=$(fx_port)
auth_port=$(fx_port)
fx_sql "$FX_PG_URL" "CREATE DATABASE qs" >/dev/null
fx_sql "$FX_PG_URL" "CREATE DATABASE auth" >/dev/null
direct_qs="postgresql:///qs?host=$FX_PG_DIR&user=sextant"
direct_auth="postgresql:///auth?host=$FX_PG_DIR&user=sextant"
fx_config quickstart
fx_config auth
# Migrations run once, straight to PostgreSQL, before the instances start
# (also what a deployment through PgBouncer must do: see docs/deploy.md).
"$FX_QUICKSTART" db upgrade --config "$SX_TMP/quickstart.json" --database "db_session=$direct_qs" >/dev/null
"$FX_AUTH" db upgrade --config "$SX_TMP/auth.json" --database "db_session=$direct_auth" >/dev/null

# nginx: one upstream per app, a front port for each, and a port straight
# to each auth instance (to pick which one a request goes to).
SX_PORT=$(fx_port)
sx_nginx_port
declare -A direct_port
servers=""
for h in $hosts; do
	direct_port[$h]=$(fx_port)
	servers="$servers server { listen 127.0.0.1:${direct_port[$h]}; access_log off;
		location / { include /etc/nginx/fastcgi_params; fastcgi_pass $h:$auth_port; } }"
done
auth_front=$(fx_port)
upstream() {
	local name=$1 port=$2 h
	echo "upstream $name {"
	for h in $hosts; do echo "server $h:$port max_fails=1 fail_timeout=2s;"; done
	echo "}"
}
front() {
	local port=$1 name=$2
	echo "server { listen 127.0.0.1:$port; access_log $SX_TMP/$name-access.log served;
		location / { include /etc/nginx/fastcgi_params; fastcgi_pass $name;
			fastcgi_next_upstream error timeout; } }"
}
sx_run_nginx "log_format served '\$msec \$status \$upstream_addr';
	$(upstream qs "$qs_port") $(upstream auth "$auth_port")" \
	"$(front "$SX_PORT" qs) $(front "$auth_front" auth) $servers"

# Starts app NAME (quickstart or auth) on HOST with database URL, FastCGI
# over TCP; its pid goes into pid[NAME@HOST].
declare -A pid
start_instance() {
	local name=$1 host=$2 url=$3 port bin
	if [ "$name" = qs ]; then port=$qs_port bin=$FX_QUICKSTART conf=quickstart
	else port=$auth_port bin=$FX_AUTH conf=auth; fi
	(cd "$SX_TMP" && exec ${SX_WRAP:-} "$bin" serve --config "$SX_TMP/$conf.json" \
		--database "db_session=$url" --listen "$host:$port" --workers 1 --threads 4 \
		>>"$SX_TMP/$name-$host.log" 2>&1) &
	pid[$name@$host]=$!
	SX_PIDS+=("$!")
}
wait_instance() {
	local host=$1 port=$2 i
	for i in $(seq 1 300); do
		(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: $SX_NAME: nothing listens on $host:$port after 30 s" >&2
	tail -n 20 "$SX_TMP"/*-"$host".log >&2
	exit 1
}
# Stops instance NAME@HOST; returns its exit status.
stop_instance() {
	kill -TERM "${pid[$1]}" 2>/dev/null
	wait "${pid[$1]}" 2>/dev/null
}

# served LOG [SINCE]: "host requests" per instance, from nginx's log lines
# "TIME STATUS UPSTREAMS" (every instance tried; the last one answered),
# those after SINCE (seconds since the epoch) only when given.
served() {
	awk -v since="${2:-0}" '$1 > since {split($NF, hp, ":"); n[hp[1]]++}
		END {for (h in n) printf "%s %d\n", h, n[h]}' "$1" | sort
}

# run LABEL QS-URL AUTH-URL: the scenario against one database set-up.
run() {
	local label=$1 qs_url=$2 auth_url=$3 h jar=$SX_TMP/$1.jar cookie stopped=127.0.0.3 stop_at stop_status after
	echo "== $label (at $SECONDS s)"
	for h in $hosts; do
		start_instance qs "$h" "$qs_url"
		start_instance auth "$h" "$auth_url"
	done
	for h in $hosts; do wait_instance "$h" "$qs_port"; wait_instance "$h" "$auth_port"; done
	: >"$SX_TMP/qs-access.log"
	: >"$SX_TMP/auth-access.log"

	# Log in through .2, use the session through .3 and .4.
	sx_check "$label: register through nginx" 201 "$(curl -s -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/json' -d "{\"username\":\"ada-$label\",\"password\":\"lovelace\"}" \
		"http://127.0.0.1:$auth_front/register")"
	sx_check "$label: log in through 127.0.0.2" 200 "$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" \
		-H 'Content-Type: application/json' -d "{\"username\":\"ada-$label\",\"password\":\"lovelace\"}" \
		"http://127.0.0.1:${direct_port[127.0.0.2]}/login")"
	for h in 127.0.0.3 127.0.0.4; do
		sx_check "$label: the session works through $h" "200 ada-$label" \
			"$(curl -s -b "$jar" -o "$SX_TMP/profile" -w '%{http_code}' "http://127.0.0.1:${direct_port[$h]}/profile") $(sed -n 's/.*"username":"\([^"]*\)".*/\1/p' "$SX_TMP/profile")"
	done
	cookie=$(awk '$6 == "sx_session" {print "sx_session=" $7}' "$jar")

	# Load through nginx until told to stop (at most 30 s); one instance of
	# each app stops once the load is well under way (on a busy machine it
	# starts late), and the load goes on for 2 s after that.
	export LOAD_STOP_FILE=$SX_TMP/$label.stop
	python3 "$FX_LOAD" "http://127.0.0.1:$SX_PORT/posts" 30 6 "$SX_TMP/$label-writes" "$label" &
	local writes_pid=$!
	python3 "$FX_LOAD" "http://127.0.0.1:$auth_front/profile" 30 3 "$SX_TMP/$label-reads" "$label" "$cookie" GET &
	local reads_pid=$!
	for _ in $(seq 1 100); do
		[ "$(wc -l <"$SX_TMP/qs-access.log")" -ge 300 ] && break
		sleep 0.1
	done
	stop_at=$(date +%s.%N)
	stop_instance "qs@$stopped"
	stop_status=$?
	stop_instance "auth@$stopped"
	stop_status="$stop_status $?"
	sleep 2
	touch "$LOAD_STOP_FILE"
	wait "$writes_pid" "$reads_pid"
	unset LOAD_STOP_FILE

	local w=$SX_TMP/$label-writes r=$SX_TMP/$label-reads acked found missing failed
	acked=$(fx_count "$w" '2[0-9][0-9]')
	awk '$1 ~ /^2/ {print $3}' "$w" >"$SX_TMP/$label-acked"
	fx_sql "$direct_qs" "SELECT title FROM posts WHERE title LIKE '$label-%'" >"$SX_TMP/$label-found"
	found=$(wc -l <"$SX_TMP/$label-found")
	missing=$(fx_missing "$SX_TMP/$label-acked" "$SX_TMP/$label-found")
	echo "$label: writes $(fx_statuses "$w"): acknowledged $acked, found $found, missing $missing"
	echo "$label: session reads $(fx_statuses "$r")"
	echo "$label: quickstart requests per instance: $(served "$SX_TMP/qs-access.log" | paste -sd, - | sed 's/,/, /g')"
	echo "$label: auth requests per instance: $(served "$SX_TMP/auth-access.log" | paste -sd, - | sed 's/,/, /g')"
	sx_check "$label: writes were served" yes "$([ "$acked" -gt 100 ] && echo yes || echo no)"
	sx_check "$label: every acknowledged write is in the table" 0 "$missing"
	after=$(awk -v t="$stop_at" '$1 > t + 0.5 && $2 == 201 {n++} END {print n + 0}' "$SX_TMP/qs-access.log")
	echo "$label: after the stop of $stopped: quickstart $(served "$SX_TMP/qs-access.log" "$stop_at" | paste -sd, - | sed 's/,/, /g')"
	sx_check "$label: writes kept succeeding after the stop (failover: $after)" yes "$([ "$after" -gt 20 ] && echo yes || echo no)"
	sx_check "$label: the stopped instances drained and exited 0" "0 0" "$stop_status"
	sx_check "$label: no session lost (no 401)" 0 "$(fx_count "$r" 401)"
	sx_check "$label: every session read answered 200" 0 "$(awk '$1 != 200' "$r" | wc -l)"
	# nginx does not resend a POST it has written (it does a GET), so a
	# connection reset by the stopping instance would be a 502. The stop
	# lets no new connection in (nginx fails over) and serves the ones
	# already queued: no write fails.
	failed=$(awk '$1 != 201' "$w" | wc -l)
	sx_check "$label: no write failed at the stop" 0 "$failed"
	for h in $hosts; do
		sx_check "$label: quickstart on $h served requests" yes \
			"$(served "$SX_TMP/qs-access.log" | awk -v h="$h" '$1 == h && $2 > 0 {print "yes"}')"
	done
	sx_check "$label: the session still works through 127.0.0.4 after the stop" 200 \
		"$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "http://127.0.0.1:${direct_port[127.0.0.4]}/profile")"
	for h in $hosts; do stop_instance "qs@$h"; stop_instance "auth@$h"; done
}

run direct "$direct_qs" "$direct_auth"

# PgBouncer in transaction pooling, on a unix socket of its own, between
# the instances and PostgreSQL; the statement cache off.
sx_require pgbouncer "apt-get install pgbouncer"
pgb=$SX_TMP/pgbouncer
mkdir -p "$pgb"
cat >"$pgb/pgbouncer.ini" <<INI
[databases]
qs = host=$FX_PG_DIR dbname=qs user=sextant
auth = host=$FX_PG_DIR dbname=auth user=sextant
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $pgb
auth_type = trust
auth_file = $pgb/users.txt
pool_mode = transaction
admin_users = sextant
default_pool_size = 8
max_client_conn = 200
logfile = $pgb/pgbouncer.log
pidfile = $pgb/pgbouncer.pid
INI
echo '"sextant" ""' >"$pgb/users.txt"
[ "$(id -u)" = 0 ] && chown -R postgres "$pgb"
if [ "$(id -u)" = 0 ]; then
	runuser -u postgres -- pgbouncer -q "$pgb/pgbouncer.ini" 2>>"$pgb/runuser.log" &
else
	pgbouncer -q "$pgb/pgbouncer.ini" &
fi
SX_PIDS+=("$!")
for _ in $(seq 1 100); do [ -S "$pgb/.s.PGSQL.6432" ] && break; sleep 0.1; done
sx_check "PgBouncer is up" yes "$([ -S "$pgb/.s.PGSQL.6432" ] && echo yes || echo no)"
fx_config quickstart '"stmt_cache_size": -1'
fx_config auth '"stmt_cache_size": -1'
run pgbouncer "postgresql:///qs?host=$pgb&port=6432&user=sextant" \
	"postgresql:///auth?host=$pgb&port=6432&user=sextant"
xacts=$(psql -X -At -F ' ' "postgresql:///pgbouncer?host=$pgb&port=6432&user=sextant" -c 'SHOW STATS' |
	awk '$1 == "qs" || $1 == "auth" {n += $2} END {print n + 0}')
echo "pgbouncer: $xacts transactions pooled"
sx_check "the load went through PgBouncer ($xacts transactions)" yes "$([ "$xacts" -gt 100 ] && echo yes || echo no)"
echo "scale-out: done in $SECONDS s"
sx_end
