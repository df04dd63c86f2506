#!/usr/bin/env bash
# examples/quickstart on PostgreSQL behind a real nginx with 2 workers:
# after a known mix of requests, a /metrics scrape (answered by one worker)
# holds the counts of both, summed, and the transaction outcomes; a worker
# killed and restarted keeps the counts; /readyz answers 503 naming the
# database while the PostgreSQL server is stopped and 200 once it is back.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "metrics and readiness behind nginx"
# A PostgreSQL server of its own: the test stops and starts it, which
# must not pull the shared test server from under tests running beside it.
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && { echo "FAIL: $SX_NAME: PostgreSQL server binaries not found" >&2; exit 99; }
	echo "SKIP: $SX_NAME: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
	exit 77
fi
pgdir=$SX_TMP/pg
trap '"$top_srcdir/scripts/pg-test-server" stop "$pgdir" >/dev/null 2>&1; sx_cleanup' EXIT
url=$("$top_srcdir/scripts/pg-test-server" start "$pgdir") || exit 1
printf '{"databases": {"db_session": {"migrations_dir": "%s"}}}\n' \
	"$top_srcdir/examples/quickstart/migrations" >"$SX_TMP/config.json"
sx_start_app "$top_builddir/examples/quickstart/quickstart" serve --workers 2 \
	--threads 2 --database "db_session=$url" --migrate --config "$SX_TMP/config.json"
sx_start_nginx

for i in 1 2 3; do
	sx_check "POST /users #$i" 201 "$(sx_req POST /users -H 'Content-Type: application/json' \
		--data "{\"name\":\"u$i\",\"email\":\"u$i@example.com\"}")"
done
for i in 1 2 3 4 5; do
	sx_check "GET /users #$i" 200 "$(sx_req GET /users)"
done
# 40 at once, 8 in parallel, so both workers take some
seq 1 40 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$SX_BASE/users" >"$SX_TMP/par"
sx_check "40 parallel GET /users" "40" "$(grep -c '^200$' "$SX_TMP/par")"
for i in 1 2; do
	sx_check "GET /posts/999 #$i" 404 "$(sx_req GET /posts/999)"
done
for i in 1 2 3 4; do
	sx_check "GET /nowhere #$i" 404 "$(sx_req GET /nowhere)"
done
sx_check "GET /healthz" 200 "$(sx_req GET /healthz)"

scrape() { sx_req GET /metrics >/dev/null; cp "$SX_TMP/body" "$SX_TMP/metrics"; }
metric() { awk -v k="$1" '$1 == k { print $2 }' "$SX_TMP/metrics"; }
scrape
sx_check "scrape content type" "text/plain; version=0.0.4; charset=utf-8" "$(sx_header Content-Type)"
sx_check "created users" 3 "$(metric 'sextant_requests_total{route="create_user",method="POST",status="201"}')"
sx_check "listed users" 45 "$(metric 'sextant_requests_total{route="list_users",method="GET",status="200"}')"
sx_check "posts not found" 2 "$(metric 'sextant_requests_total{route="get_post",method="GET",status="404"}')"
sx_check "no route" 4 "$(metric 'sextant_requests_total{route="(none)",method="",status="404"}')"
sx_check "health" 1 "$(metric 'sextant_requests_total{route="health",method="GET",status="200"}')"
sx_check "latency count of list_users" 45 "$(metric 'sextant_request_duration_seconds_count{route="list_users",method="GET"}')"
sx_check "latency +Inf bucket of list_users" 45 "$(metric 'sextant_request_duration_seconds_bucket{route="list_users",method="GET",le="+Inf"}')"
sx_check "both workers' requests summed" 55 "$(awk '/^sextant_worker_requests_total/ { n += $2 } END { print n }' "$SX_TMP/metrics")"
sx_check "only the scrape in flight" 1 "$(metric sextant_requests_in_flight)"
sx_check "commits (2xx, autocommit)" 48 "$(metric 'sextant_db_commits_total{database="db_session"}')"
sx_check "rollbacks (404)" 2 "$(metric 'sextant_db_rollbacks_total{database="db_session"}')"
sx_check "no commit failures" 0 "$(metric 'sextant_db_commit_failures_total{database="db_session"}')"
sx_check "pool size, 2 workers x 10" 20 "$(metric 'sextant_db_pool_size{database="db_session"}')"
sx_check "no connection in use between requests" 0 "$(metric 'sextant_db_pool_in_use{database="db_session"}')"
sx_check "statement cache used" 1 "$(awk '$1 ~ /^sextant_db_stmt_cache_(hits|misses)_total/ { n += $2 } END { print (n > 0) }' "$SX_TMP/metrics")"
sx_check "no restarts yet" 0 "$(metric sextant_worker_restarts_total)"
echo "--- worker slots: $(grep '^sextant_worker_requests_total' "$SX_TMP/metrics" | tr '\n' ' ')"

# a worker killed: the supervisor restarts it into the same slot

victim=$(pgrep -P "$SX_APP_PID" | head -n1)
kill -KILL "$victim"
for i in $(seq 1 50); do
	sleep 0.1
	sx_req GET /metrics >/dev/null
	cp "$SX_TMP/body" "$SX_TMP/metrics"
	[ "$(metric sextant_worker_restarts_total)" = 1 ] && break
done
sx_check "a killed worker is counted as restarted" 1 "$(metric sextant_worker_restarts_total)"
sx_check "its counts survive it" 45 "$(metric 'sextant_requests_total{route="list_users",method="GET",status="200"}')"

sx_check "/readyz with the database up" 200 "$(sx_req GET /readyz)"
sx_check "/readyz body" '{"status":"ready"}' "$(sx_body)"
"$top_srcdir/scripts/pg-test-server" stop "$pgdir" >/dev/null
sx_check "/readyz with PostgreSQL stopped" 503 "$(sx_req GET /readyz)"
sx_check_contains "503 names the database" '"database":"db_session"' "$(sx_body)"
"$top_srcdir/scripts/pg-test-server" start "$pgdir" >/dev/null
sx_check "/readyz with PostgreSQL back" 200 "$(sx_req GET /readyz)"
sx_end
