#!/usr/bin/env bash
# A 64 MB static file through nginx is streamed: the worker's memory
# high-water mark grows by far less than the file, and a slow reader
# (curl --limit-rate) does not make it grow either.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "large static file streamed with bounded memory"
mkdir -p "$SX_TMP/static"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$SX_TMP/static/big.bin"
sx_start_app "$SXS_APP" serve --workers 1 --threads 4
sx_start_nginx
sxs_wait_workers 1
worker=$(sxs_workers)
hwm() { awk '/VmHWM/ {print $2}' "/proc/$worker/status"; }
sx_check "GET /json" 200 "$(sx_req GET /json)"
idle=$(hwm)

sx_check "GET the 64 MB file" 200 "$(curl -s -o "$SX_TMP/got.bin" -w '%{http_code}' "$SX_BASE/static/big.bin")"
sx_check "the file arrived whole" "$(sha256sum <"$SX_TMP/static/big.bin")" "$(sha256sum <"$SX_TMP/got.bin")"
after=$(hwm)
echo "worker high-water mark: $idle kB idle, $after kB after 64 MB"
sx_check "the worker grew under 32 MB for a 64 MB file" yes "$([ $((after - idle)) -lt 32768 ] && echo yes || echo no)"

curl -s -o /dev/null --limit-rate 2M --max-time 3 "$SX_BASE/static/big.bin"
slow=$(hwm)
echo "after a slow reader: $slow kB"
sx_check "a slow reader does not grow it" yes "$([ $((slow - idle)) -lt 32768 ] && echo yes || echo no)"
sx_check "GET /json after" 200 "$(sx_req GET /json)"
sxs_end
