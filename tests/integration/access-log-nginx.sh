#!/usr/bin/env bash
# The access log of a server worker is buffered (framework/log.c): behind a
# real nginx, a line still reaches the file within a moment of its request;
# every line of a burst is there after SIGHUP's drain of the old workers
# and after a SIGTERM stop sent the moment the last answer came, whole and
# one per request.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "buffered access log behind nginx"
app=$top_builddir/examples/hello/hello
log=$SX_TMP/access.log
sx_start_app "$app" serve --workers 2 --threads 4 --log "$log"
sx_start_nginx

# burst TAG N: N requests, 8 at a time, each with its own request id.
burst() {
	local tag=$1 n=$2
	seq 1 "$n" | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
		-H "X-Request-ID: $tag-{}" "$SX_BASE/json" | grep -c '^200$'
}
# lines TAG: access lines of that burst in the log.
lines() {
	grep -c -E "id=$1-[0-9]+ GET /json 200 [0-9.]+ms db=[0-9.]+ms$" "$log"
}

sx_check "GET /json" 200 "$(sx_req GET /json -H 'X-Request-ID: single-1')"
sleep 0.5
sx_check "a line is in the file half a second after its request" 1 "$(lines single)"

sx_check "300 requests answered" 300 "$(burst hup 300)"
old=$(pgrep -P "$SX_APP_PID" | sort)
kill -HUP "$SX_APP_PID"
for i in $(seq 1 100); do
	gone=yes
	for w in $old; do
		kill -0 "$w" 2>/dev/null && gone=no
	done
	[ "$gone" = yes ] && break
	sleep 0.1
done
sx_check "the old workers exited after SIGHUP" yes "$gone"
sx_check "every line of the burst is there after SIGHUP's drain" 300 "$(lines hup)"

sx_check "300 more requests answered" 300 "$(burst term 300)"
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"
sx_check "the server exits 0" 0 "$?"
sx_check "every line of the burst is there after SIGTERM" 300 "$(lines term)"
sx_check "no line broken or merged" 0 \
	"$(grep -v -c -E '^[0-9T:.-]+Z ' "$log")"
sx_end
