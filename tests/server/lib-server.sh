# lib-server.sh: helpers the server tests add to tests/integration/lib.sh.
# Source lib.sh first.

SXS_APP=$top_builddir/tests/server/slowapp
SXS_HELLO=$top_builddir/examples/hello/hello
SXS_CLIENT=$top_srcdir/tests/server/fcgi_client.py

# Starts nginx with extra http-level directives ($1, e.g. an upstream
# block) and server-level directives ($2, the locations). With no $2, no
# server block is written ($1 then includes a whole site).
sxs_start_nginx() {
	local server=""
	sx_nginx_port
	[ -n "${2:-}" ] && server="server { listen 127.0.0.1:$SX_PORT; $2 }"
	sx_run_nginx "$1" "$server"
}

# The worker processes of the supervisor $SX_APP_PID, one pid a line.
sxs_workers() {
	pgrep -P "$SX_APP_PID" | sort
}

# Waits up to 10 s until the supervisor has N workers that said ready
# (their "ready" is not visible from outside; a worker that answers a
# request through the socket is enough for the tests).
sxs_wait_workers() {
	local n=$1 i
	for i in $(seq 1 100); do
		[ "$(sxs_workers | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	echo "FAIL: $SX_NAME: $n workers did not come up" >&2
	exit 1
}

# Runs wrk against URL for SECONDS with CONNS connections in the
# background; its report goes to $SX_TMP/wrk.out. sxs_load_wait collects it.
sxs_load() {
	local url=$1 seconds=$2 conns=$3
	sx_require wrk "apt-get install wrk"
	wrk -t2 -c"$conns" -d"${seconds}s" --latency "$url" >"$SX_TMP/wrk.out" 2>&1 &
	SXS_WRK_PID=$!
}

# Waits for wrk and sets SXS_TOTAL (requests), SXS_BAD (non-2xx/3xx
# responses plus socket errors other than timeouts of open connections).
sxs_load_wait() {
	wait "$SXS_WRK_PID"
	SXS_TOTAL=$(awk '/requests in/ {print $1}' "$SX_TMP/wrk.out")
	local non2xx errors
	non2xx=$(awk -F: '/Non-2xx/ {gsub(/ /, "", $2); print $2}' "$SX_TMP/wrk.out")
	errors=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$SX_TMP/wrk.out" |
		awk '{print $1 + $2 + $3 + $4}')
	SXS_BAD=$(( ${non2xx:-0} + ${errors:-0} ))
}

# Checks that each hello route answers through $SX_BASE$prefix.
sxs_check_hello_routes() {
	local prefix=${1:-} what=${2:-}
	sx_check "$what GET /" 200 "$(sx_req GET "$prefix/")"
	sx_check "$what GET / body" "Hello, World!" "$(sx_body)"
	sx_check "$what GET /json" 200 "$(sx_req GET "$prefix/json")"
	sx_check "$what GET /json body" '{"message":"Hello, World!"}' "$(sx_body)"
	sx_check "$what GET /greet/x" 200 "$(sx_req GET "$prefix/greet/x")"
	sx_check "$what GET /greet/x body" '{"hello":"x"}' "$(sx_body)"
	sx_check "$what GET /greet/x/y is 404" 404 "$(sx_req GET "$prefix/greet/x/y")"
	sx_check "$what DELETE /json is 405" 405 "$(sx_req DELETE "$prefix/json")"
}

# Copies a shipped configuration from examples/deploy/ to $SX_TMP/$2 with
# its placeholders pointed at this test: the socket /run/hello/hello.sock,
# the TCP address 127.0.0.1:9000 ($SXS_TCP_PORT), the HTTP port 80
# ($SX_PORT, picked here), the binary /usr/local/bin/hello and the
# folder /var/www/hello ($SX_TMP); nginx's fastcgi_params by full path.
sxs_site() {
	local shipped=$top_srcdir/examples/deploy/$1 out=$SX_TMP/$2
	SX_PORT=${SX_PORT:-$(sx_free_port)}
	SXS_TCP_PORT=${SXS_TCP_PORT:-$(sx_free_port)}
	sed -e "s|/run/hello/hello.sock|$SX_TMP/app.sock|g" \
	    -e "s|127.0.0.1:9000|127.0.0.1:$SXS_TCP_PORT|g" \
	    -e "s|listen 80;|listen 127.0.0.1:$SX_PORT;|" \
	    -e "s|^Listen 80\$|Listen 127.0.0.1:$SX_PORT|" \
	    -e "s|server.port *= *80\$|server.port = $SX_PORT|" \
	    -e "s|/usr/local/bin/hello|$SXS_HELLO|g" \
	    -e "s|/var/www/hello|$SX_TMP|g" \
	    -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
	    "$shipped" >"$out"
}

# Ends the test like sx_end, first checking that no process of the app
# reported a sanitizer error or a valgrind error in the logs (a worker
# that dies while draining would otherwise go unnoticed).
sxs_end() {
	local reports
	reports=$(cat "$SX_TMP"/*.log 2>/dev/null | grep -E -e 'ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer' -e 'runtime error:' -e '== Invalid (read|write)' -e 'definitely lost: [1-9]' | head -n 3)
	sx_check "no sanitizer or valgrind report in the logs" "" "$reports"
	sx_end
}
