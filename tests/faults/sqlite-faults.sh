#!/usr/bin/env bash
# SQLite under faults, quickstart behind nginx (one worker, so the worker
# serving a request is known):
#  - the file locked by another process past the busy timeout (300 ms):
#    503 with Retry-After, in about that time, and nothing written;
#  - the worker killed (kill -9) while a request waits for the lock: that
#    request fails (502 from nginx), nothing of it is written, a new worker
#    serves the next one;
#  - SIGTERM while four requests wait for the lock: each finishes (201)
#    once the lock goes, each row is stored, and the server exits 0.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/faults/lib-faults.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "SQLite faults"
db=$SX_TMP/qs.db
post() { sx_req POST /posts -H 'Content-Type: application/json' -d "{\"title\":\"$1\",\"content\":\"x\"}"; }

FX_DB_EXTRA='"busy_timeout_ms": 300' fx_quickstart "sqlite:$db" --workers 1 --threads 4
sx_check "a write before the lock" 201 "$(post before)"

# Locked past the busy timeout.
fx_sqlite_lock "$db" 3
start=$(date +%s%N)
sx_check "a write on a locked file is 503" 503 "$(post locked)"
took=$(( ($(date +%s%N) - start) / 1000000 ))
sx_check "with Retry-After" 1 "$(sx_header Retry-After)"
sx_check "answered after the busy timeout, not later (${took} ms)" yes "$([ "$took" -ge 250 ] && [ "$took" -lt 2500 ] && echo yes || echo no)"
wait "$FX_LOCK_PID"
sx_check "nothing of it was written" 0 "$(fx_sqlite_count "$db" locked)"
sx_check "a write after the lock is gone" 201 "$(post after)"
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"

# kill -9 of the worker while its request waits for the lock (busy
# timeout 10 s, so the request is still waiting when the worker dies).
rm -f "$SX_TMP/app.log"
FX_DB_EXTRA='"busy_timeout_ms": 10000' fx_quickstart "sqlite:$db" --workers 1 --threads 4
fx_sqlite_lock "$db" 3
fx_post_bg killed
sleep 1
victim=$(sxs_workers | head -n 1)
kill -KILL "$victim"
fx_post_wait
wait "$FX_LOCK_PID"
sx_check "the killed worker's request fails (nginx: 502)" 502 "$(cat "$SX_TMP/killed.status")"
sx_check "nothing of it was written" 0 "$(fx_sqlite_count "$db" killed)"
sxs_wait_workers 1
sleep 0.5
sx_check "a new worker serves the next write" 201 "$(post after-kill)"

# SIGTERM with four requests waiting for the lock.
fx_sqlite_lock "$db" 2.5
for i in 1 2 3 4; do fx_post_bg "term-$i"; done
sleep 1
kill -TERM "$SX_APP_PID"
wait "$SX_APP_PID"
status=$?
fx_post_wait
wait "$FX_LOCK_PID"
sx_check "the server exits 0 after SIGTERM" 0 "$status"
for i in 1 2 3 4; do
	sx_check "in-flight request $i finishes" 201 "$(cat "$SX_TMP/term-$i.status")"
done
sx_check "each is stored" 4 "$(fx_sqlite_count "$db" 'term-%')"
echo "SQLite faults: locked write 503 in ${took} ms; killed request $(cat "$SX_TMP/killed.status"), rows $(fx_sqlite_count "$db" killed); 4 in-flight requests at SIGTERM, stored $(fx_sqlite_count "$db" 'term-%')"
sxs_end
