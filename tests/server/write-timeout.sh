#!/usr/bin/env bash
# A FastCGI peer that never reads its responses: the worker holds a
# bounded part of each (the thread that produces it waits), drops the
# connection after --write-timeout and says so in the log; its memory does
# not grow by the size of the responses.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "write timeout and bounded output"
sx_require python3 "apt-get install python3"
mkdir -p "$SX_TMP/static"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$SX_TMP/static/big.bin"
sx_start_app "$SXS_APP" serve --workers 1 --threads 8 --write-timeout 2
sxs_wait_workers 1
worker=$(sxs_workers)
hwm() { awk '/VmHWM/ {print $2}' "/proc/$worker/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$worker/status"; }
sx_check "one request first" "Hello, World!" "$(python3 "$SXS_CLIENT" get "$SX_SOCK" / | sed -n '$p')"
idle=$(rss)

python3 "$SXS_CLIENT" stall "$SX_SOCK" /static/big.bin 8 1.5 >"$SX_TMP/stall1" &
stall=$!
held=$idle
for i in $(seq 1 14); do	# the most it holds while nobody reads
	sleep 0.1
	now=$(rss)
	[ "$now" -gt "$held" ] && held=$now
done
wait "$stall"
echo "worker memory: ${idle} kB idle, at most ${held} kB with 8 x 8 MB unread, high-water $(hwm) kB"
sx_check "8 unread 8 MB responses hold under 16 MB" yes "$([ $((held - idle)) -lt 16384 ] && echo yes || echo no)"

# Now past the timeout: every connection is dropped and logged.
python3 "$SXS_CLIENT" stall "$SX_SOCK" /static/big.bin 4 3.5 >"$SX_TMP/stall2"
sx_check "responses cut after --write-timeout" 4 "$(cat "$SX_TMP/stall2")"
sx_check "the log names --write-timeout" yes "$([ "$(grep -c -- '--write-timeout' "$SX_TMP/app.log")" -ge 4 ] && echo yes || echo no)"
sx_check "the worker serves on" "Hello, World!" "$(python3 "$SXS_CLIENT" get "$SX_SOCK" / | sed -n '$p')"
sx_check "--write-timeout 0 is refused" yes "$("$SXS_APP" serve --write-timeout 0 --listen "$SX_TMP/x.sock" >"$SX_TMP/refused" 2>&1 || echo yes)"
sx_check_contains "the refusal names the option" "--write-timeout" "$(cat "$SX_TMP/refused")"
sxs_end
