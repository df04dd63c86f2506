#!/usr/bin/env bash
# SQLite readers beside a writer, behind a real nginx: examples/bench with 8
# threads on a WAL file while another process (the sqlite3 shell) holds a
# write transaction. 8 concurrent clients reading through their session
# (GET /db-session) must all be answered 200 while the lock is held; a GET
# flagged SX_WRITE_ROUTE (/updates) still waits for the lock and gets 503 +
# Retry-After; after the writer commits, it writes. With wrk installed, read
# throughput with 1 and with 8 connections is printed (a measure, not a
# check: the machine may be shared).
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "SQLite readers beside a writer behind nginx"
sx_require sqlite3 "apt-get install sqlite3"
app=$top_builddir/examples/bench/bench
db=$SX_TMP/bench.db
cat >"$SX_TMP/config.json" <<JSON
{"databases": {"db_session": {"migrations_dir": "$top_srcdir/examples/bench/migrations",
 "busy_timeout_ms": 200}}}
JSON
sx_start_app "$app" serve --database "db_session=sqlite:$db" --migrate \
	--config "$SX_TMP/config.json" --templates "$top_srcdir/examples/bench/templates" \
	--workers 1 --threads 8
sx_start_nginx
sx_check "GET /db-session before the writer" 200 "$(sx_req GET /db-session)"

# readers N PER: N clients at once, PER requests each; prints one status a line.
readers() {
	local n=$1 per=$2
	seq 1 "$n" | xargs -P "$n" -I{} sh -c 'for i in $(seq 1 '"$per"'); do
		curl -s -o /dev/null -w "%{http_code}\n" --max-time 10 "'"$SX_BASE"'/db-session"
	done'
}

# throughput LABEL: requests/s of wrk on /db-session with 1 and 8
# connections; any answer but 200 fails the test.
throughput() {
	local c out
	command -v wrk >/dev/null 2>&1 || return 0
	for c in 1 8; do
		out=$(wrk -t1 -c"$c" -d2s "$SX_BASE/db-session")
		sx_check_absent "$1, $c connection(s): only 200s" Non-2xx "$out"
		printf '%s, %d connection(s): %s requests/s\n' "$1" "$c" \
			"$(echo "$out" | sed -n 's/^Requests\/sec: *//p')"
	done
}
throughput "reads, no writer"

# The writer: a transaction with a row changed, held open until told.
mkfifo "$SX_TMP/writer.in"
sqlite3 "$db" <"$SX_TMP/writer.in" >"$SX_TMP/writer.out" 2>&1 &
writer=$!
SX_PIDS+=("$writer")
exec 3>"$SX_TMP/writer.in"
echo "BEGIN IMMEDIATE; UPDATE World SET randomNumber = randomNumber WHERE id = 1;" >&3
held=no
for i in $(seq 1 100); do
	if sqlite3 "$db" "BEGIN IMMEDIATE; ROLLBACK;" 2>&1 | grep -q locked; then
		held=yes
		break
	fi
	sleep 0.1
done
sx_check "another process holds the write lock" yes "$held"

start=$(date +%s%N)
codes=$(readers 8 25)
took=$((($(date +%s%N) - start) / 1000000))
sx_check "200 answers of 8 readers x 25 while the writer holds the lock" 200 \
	"$(echo "$codes" | grep -c '^200$')"
sx_check_absent "no error status among the readers" 503 "$codes"
echo "8 readers x 25 requests (curl) while the writer held the lock: ${took} ms"
throughput "reads, writer holding the lock"
sx_check "the writer still held the lock" locked \
	"$(sqlite3 "$db" "BEGIN IMMEDIATE; ROLLBACK;" 2>&1 | grep -o locked | head -n 1)"

sx_check "GET /updates (SX_WRITE_ROUTE) while the lock is held" 503 \
	"$(sx_req GET '/updates?queries=1')"
sx_check "Retry-After on the 503" 1 "$(sx_header Retry-After)"

echo "COMMIT;" >&3
exec 3>&-
wait "$writer"
sx_check "the writer committed" "" "$(cat "$SX_TMP/writer.out")"
sx_check "GET /updates once the writer is done" 200 "$(sx_req GET '/updates?queries=1')"
sx_end
