#!/usr/bin/env bash
# PostgreSQL restarted under a write load: quickstart (2 workers x 4
# threads) behind nginx takes POST /posts from 8 writers while its private
# server is stopped for 2 s and started again. While it is down, requests
# fail fast with 503 and Retry-After (no 500, no 502, no hang); service
# resumes by itself; every write answered 201 is in the table.
#
# One 500 is allowed, and counted: a COMMIT whose connection died under it
# (the server may or may not have committed, so retrying is not safe and
# the transaction wrapper answers 500); the app's log must name each one.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/faults/lib-faults.sh"
sx_begin "PostgreSQL restart under load"
fx_private_pg
fx_quickstart "$FX_PG_URL" --workers 2 --threads 4

fx_load /posts 7 8 "$SX_TMP/load.out" pgr
sleep 2
"$top_srcdir/scripts/pg-test-server" stop "$FX_PG_DIR"
# A request while the server is down, for its headers.
sleep 0.5
down=$(sx_req POST /posts -H 'Content-Type: application/json' -d '{"title":"down","content":"x"}')
down_retry=$(sx_header Retry-After)
sleep 1.5
"$top_srcdir/scripts/pg-test-server" start "$FX_PG_DIR" >/dev/null
wait "$FX_LOAD_PID"

out=$SX_TMP/load.out
acked=$(fx_count "$out" '2[0-9][0-9]')
failed=$(fx_count "$out" '503')
unknown=$(fx_count "$out" '500')
unknown_logged=$(grep -c 'commit failed: database connection lost.*replaced by 500' "$SX_TMP/app.log")
other=$(fx_count "$out" '0|1[0-9][0-9]|3[0-9][0-9]|4[0-9][0-9]|50[1-2]|50[4-9]|5[1-9][0-9]')
slowest=$(awk '$1 == 503 && $2 > m {m = $2} END {printf "%d", m}' "$out")
awk '$1 ~ /^2/ {print $3}' "$out" >"$SX_TMP/acked"
fx_sql "$FX_PG_URL" "SELECT title FROM posts WHERE title LIKE 'pgr-%'" >"$SX_TMP/found"
found=$(wc -l <"$SX_TMP/found")
missing=$(fx_missing "$SX_TMP/acked" "$SX_TMP/found")
echo "PostgreSQL restart: $(fx_statuses "$out"); writes acknowledged $acked, found $found, missing $missing; $unknown commits lost with their connection; slowest 503 ${slowest} ms"

sx_check "writes went through before and after the restart" yes "$([ "$acked" -gt 50 ] && echo yes || echo no)"
sx_check "the outage showed as 503s" yes "$([ "$failed" -gt 0 ] && echo yes || echo no)"
sx_check "no answer other than 2xx, 503 or 500 (no 502, no lost connection)" 0 "$other"
sx_check "each 500 is a commit whose connection was lost, logged" "$unknown" "$unknown_logged"
sx_check "503s are fast (slowest ${slowest} ms, under 3 s)" yes "$([ "$slowest" -lt 3000 ] && echo yes || echo no)"
sx_check "a write while the server is down is 503" 503 "$down"
sx_check "with Retry-After" yes "$([ -n "$down_retry" ] && echo yes || echo no)"
sx_check "every acknowledged write is in the table" 0 "$missing"
# Service resumed by itself: the last second of the load and a new request.
sx_check "the load's last writes succeeded" 201 "$(tail -n 1 "$out" | cut -d' ' -f1)"
sx_check "a write after the restart is 201" 201 "$(sx_req POST /posts -H 'Content-Type: application/json' -d '{"title":"after","content":"x"}')"
sx_end
