#!/usr/bin/env bash
# A request killed or stopped half-way through its writes, on PostgreSQL:
# quickstart behind nginx (one worker), with a trigger that copies every
# new post into post_audit. The test locks post_audit from psql, so POST
# /posts inserts its post, then waits in the trigger: one write done, one
# to go.
#  - kill -9 of the worker there: the request fails (502 from nginx) and
#    neither row is stored (the post is not left half-written);
#  - SIGTERM with four requests there: once the lock goes each finishes
#    (201), both rows of each are stored, and the server exits 0.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/faults/lib-faults.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "PostgreSQL: worker killed and stopped mid-request"
fx_pg_schema
post() { sx_req POST /posts -H 'Content-Type: application/json' -d "{\"title\":\"$1\",\"content\":\"x\"}"; }
rows() { fx_sql "$FX_PG_URL" "SELECT (SELECT count(*) FROM posts WHERE title LIKE '$1') || ' ' || (SELECT count(*) FROM post_audit WHERE title LIKE '$1')"; }

fx_quickstart "$FX_PG_URL" --workers 1 --threads 4
sx_check "a write before the trigger" 201 "$(post before)"
fx_sql "$FX_PG_URL" "CREATE TABLE post_audit (title TEXT NOT NULL);
CREATE FUNCTION audit_post() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN INSERT INTO post_audit VALUES (NEW.title); RETURN NEW; END \$\$;
CREATE TRIGGER posts_audit AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION audit_post();" >/dev/null
sx_check "a write with the trigger stores both rows" "201 1 1" "$(post with-trigger) $(rows with-trigger)"

# lock: psql takes post_audit's lock and keeps it until unlock (LOCK_PID).
lock() {
	fx_sql "$FX_PG_URL" "BEGIN; LOCK TABLE post_audit IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60) /* fx-lock */; COMMIT;" >/dev/null 2>&1 &
	LOCK_PID=$!
	for _ in $(seq 1 100); do
		[ "$(fx_sql "$SX_TEST_PG_URL" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'post_audit' AND l.mode = 'AccessExclusiveLock' AND l.granted")" -gt 0 ] && return
		sleep 0.1
	done
	echo "FAIL: $SX_NAME: psql did not lock post_audit" >&2
	exit 1
}
unlock() {
	fx_sql "$SX_TEST_PG_URL" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%fx-lock%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$LOCK_PID"
}
# wait_waiting N: waits up to 10 s until N of the app's statements wait for
# the lock; prints how many do.
wait_waiting() {
	local n=0
	for _ in $(seq 1 100); do
		n=$(fx_sql "$SX_TEST_PG_URL" "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO posts%'")
		[ "$n" -ge "$1" ] && break
		sleep 0.1
	done
	echo "$n"
}

# kill -9 while the request is half-way.
lock
fx_post_bg killed
sx_check "the request waits in the trigger, its post inserted" 1 "$(wait_waiting 1)"
kill -KILL "$(sxs_workers | head -n 1)"
sleep 0.3
unlock
fx_post_wait
sx_check "the killed worker's request fails (nginx: 502)" 502 "$(cat "$SX_TMP/killed.status")"
sx_check "neither of its rows is stored" "0 0" "$(rows killed)"
sxs_wait_workers 1
sleep 0.5
sx_check "a new worker serves the next write" 201 "$(post after-kill)"

# SIGTERM with four requests half-way.
lock
for i in 1 2 3 4; do fx_post_bg "term-$i"; done
sx_check "four requests wait in the trigger" 4 "$(wait_waiting 4)"
kill -TERM "$SX_APP_PID"
sleep 0.5
unlock
wait "$SX_APP_PID"
status=$?
fx_post_wait
sx_check "the server exits 0 after SIGTERM" 0 "$status"
for i in 1 2 3 4; do
	sx_check "in-flight request $i finishes" 201 "$(cat "$SX_TMP/term-$i.status")"
done
sx_check "both rows of each are stored" "4 4" "$(rows 'term-%')"
echo "PostgreSQL worker faults: killed request $(cat "$SX_TMP/killed.status"), rows stored (post, audit) $(rows killed); 4 in flight at SIGTERM, rows $(rows 'term-%')"
sxs_end
