# lib.sh: shared by the integration tests, which drive built apps through a
# real nginx over FastCGI. Source it from a test script run by `make check`
# (top_srcdir and top_builddir are exported by the test harness).
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   sx_begin "hello behind nginx"
#   sx_start_app "$top_builddir/examples/hello/hello" serve
#   sx_start_nginx
#   sx_check "GET /" 200 "$(sx_get /)"        ... see the helpers below
#   sx_end
#
# A test that needs a program that is missing is skipped (exit 77), except in
# CI (CI=true), where a skipped nginx or PostgreSQL test is a failure.

set -u
SX_PASSED=0
SX_FAILED=0
SX_PIDS=()

sx_begin() {
	SX_NAME=$1
	SX_TMP=$(mktemp -d "/tmp/sx-it.XXXXXX")
	chmod 755 "$SX_TMP"
	trap sx_cleanup EXIT
}

sx_cleanup() {
	local pid
	for pid in "${SX_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SX_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [ "${SX_KEEP_TMP:-}" = "" ]; then
		rm -rf "$SX_TMP"
	fi
}

# Skips the test (77) or, in CI, fails it (99) when a requirement is missing.
sx_require() {
	local prog=$1 why=$2
	if ! command -v "$prog" >/dev/null 2>&1 && [ ! -x "$prog" ]; then
		if [ "${CI:-}" = "true" ]; then
			echo "FAIL: $SX_NAME: $prog is not installed ($why); in CI this test may not be skipped" >&2
			exit 99
		fi
		echo "SKIP: $SX_NAME: $prog is not installed ($why)" >&2
		exit 77
	fi
}

# A free TCP port on 127.0.0.1.
sx_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits up to 30 s for a unix socket or a TCP port to accept connections
# (generous: make check runs load tests beside this one on two cores).
sx_wait_for() {
	local what=$1 i
	for i in $(seq 1 300); do
		case $what in
		/*) [ -S "$what" ] && return 0 ;;
		*) (exec 3<>"/dev/tcp/127.0.0.1/$what") 2>/dev/null && return 0 ;;
		esac
		sleep 0.1
	done
	echo "FAIL: $SX_NAME: $what did not come up in 30 s" >&2
	[ -f "$SX_TMP/app.log" ] && tail -n 20 "$SX_TMP/app.log" >&2
	[ -f "$SX_TMP/nginx-error.log" ] && tail -n 20 "$SX_TMP/nginx-error.log" >&2
	exit 1
}

# Starts an app: sx_start_app BINARY [ARGS...]. It listens on $SX_SOCK and
# logs to $SX_TMP/app.log. The binary runs under $SX_WRAP when set (valgrind).
sx_start_app() {
	local bin=$1
	shift
	SX_SOCK=$SX_TMP/app.sock
	(cd "$SX_TMP" && umask 000 && exec ${SX_WRAP:-} "$bin" "$@" --listen "$SX_SOCK" \
		>>"$SX_TMP/app.log" 2>&1) &
	SX_APP_PID=$!
	SX_PIDS+=("$SX_APP_PID")
	sx_wait_for "$SX_SOCK"
}

# Picks the port nginx will listen on (once per test): $SX_PORT, $SX_BASE.
sx_nginx_port() {
	SX_PORT=${SX_PORT:-$(sx_free_port)}
	SX_BASE="http://127.0.0.1:$SX_PORT"
}

# Writes $SX_TMP/nginx.conf with http-level directives $1 (upstreams, an
# included site) and a server block $2 (may be empty), starts nginx and
# waits for $SX_PORT. Every path nginx writes stays in $SX_TMP.
sx_run_nginx() {
	local http_extra=$1 server=$2 user=""
	sx_require nginx "apt-get install nginx-light"
	sx_nginx_port
	[ "$(id -u)" = 0 ] && user="user root;"
	cat >"$SX_TMP/nginx.conf" <<CONF
$user
worker_processes 1;
daemon off;
pid $SX_TMP/nginx.pid;
error_log $SX_TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
	access_log $SX_TMP/nginx-access.log combined buffer=64k;
	client_body_temp_path $SX_TMP/client_body;
	fastcgi_temp_path $SX_TMP/fastcgi;
	proxy_temp_path $SX_TMP/proxy;
	uwsgi_temp_path $SX_TMP/uwsgi;
	scgi_temp_path $SX_TMP/scgi;
	client_max_body_size 16m;
	$http_extra
	$server
}
CONF
	nginx -p "$SX_TMP" -e "$SX_TMP/nginx-error.log" -c "$SX_TMP/nginx.conf" &
	SX_PIDS+=("$!")
	sx_wait_for "$SX_PORT"
}

# Starts nginx in front of $SX_SOCK. Server-block directives may be given as
# $1 (default: everything to the app).
sx_start_nginx() {
	local locations=${1:-}
	sx_nginx_port
	if [ -z "$locations" ]; then
		locations="location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$SX_SOCK; }"
	fi
	sx_run_nginx "" "server { listen 127.0.0.1:$SX_PORT; $locations }"
}

# curl wrappers. sx_req METHOD PATH [curl args] prints "STATUS\nHEADERS\n\nBODY"
# into files under $SX_TMP and echoes the status.
sx_req() {
	local method=$1 path=$2
	shift 2
	curl -s -o "$SX_TMP/body" -D "$SX_TMP/headers" -w '%{http_code}' \
		-X "$method" "$@" "$SX_BASE$path"
}
sx_body() { cat "$SX_TMP/body"; }
sx_header() { grep -i "^$1:" "$SX_TMP/headers" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }

# sx_check DESCRIPTION EXPECTED ACTUAL
sx_check() {
	if [ "$2" = "$3" ]; then
		SX_PASSED=$((SX_PASSED + 1))
	else
		SX_FAILED=$((SX_FAILED + 1))
		echo "FAIL: $SX_NAME: $1: expected [$2], got [$3]" >&2
	fi
}

# sx_check_contains DESCRIPTION NEEDLE HAYSTACK
sx_check_contains() {
	case $3 in
	*"$2"*) SX_PASSED=$((SX_PASSED + 1)) ;;
	*) SX_FAILED=$((SX_FAILED + 1)); echo "FAIL: $SX_NAME: $1: [$2] not in [$3]" >&2 ;;
	esac
}

# sx_check_absent DESCRIPTION NEEDLE HAYSTACK
sx_check_absent() {
	case $3 in
	*"$2"*) SX_FAILED=$((SX_FAILED + 1)); echo "FAIL: $SX_NAME: $1: [$2] found in [$3]" >&2 ;;
	*) SX_PASSED=$((SX_PASSED + 1)) ;;
	esac
}

# Prints the closing line and exits non-zero on any failure or no checks.
sx_end() {
	echo "$SX_NAME: $SX_PASSED passed, $SX_FAILED failed"
	[ "$SX_FAILED" = 0 ] && [ "$SX_PASSED" -gt 0 ]
	exit $?
}
