#!/usr/bin/env bash
# The FastCGI record layer on its own: the fuzz seeds and 2000 mutations
# through the harness; then a live server: GET_VALUES, unknown record types,
# the shapes a request arrives in on a new connection,
# a flood of malformed connections followed by normal requests (all
# answered, no worker lost), the read timeout, and option errors.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "FastCGI protocol robustness"
sx_require python3 "apt-get install python3"

fuzz=$top_builddir/tests/server/fuzz_fcgi
"$fuzz" "$top_srcdir"/tests/server/corpus-fcgi/*
sx_check "fuzz harness over the seed corpus" 0 "$?"
python3 "$SXS_CLIENT" mutate "$top_srcdir/tests/server/corpus-fcgi" "$SX_TMP/mutations" 2000
"$fuzz" "$SX_TMP"/mutations/*
sx_check "fuzz harness over 2000 mutated inputs" 0 "$?"

sx_start_app "$SXS_APP" serve --workers 2 --threads 2 --read-timeout 1
sxs_wait_workers 2
before=$(sxs_workers)
values=$(python3 "$SXS_CLIENT" values "$SX_SOCK")
sx_check_contains "GET_VALUES: no multiplexing" "FCGI_MPXS_CONNS=0" "$values"
sx_check_contains "GET_VALUES: connection limit" "FCGI_MAX_CONNS=" "$values"
sx_check_contains "GET_VALUES: request limit" "FCGI_MAX_REQS=" "$values"
sx_check_contains "an unknown record type gets UNKNOWN_TYPE" "UNKNOWN_TYPE=99" "$values"
sx_check_contains "a direct FastCGI request" "Hello, World!" "$(python3 "$SXS_CLIENT" get "$SX_SOCK" /)"
# Every way a request can arrive on a new connection, each answered
# whether the thread that accepted it serves it alone or leaves the rest
# to the event loop (a request trickling in, a connection kept, input
# behind the request, a body, a body over the limit).
shapes=$(python3 "$SXS_CLIENT" shapes "$SX_SOCK" 2>&1)
echo "$shapes"
sx_check "a request sent whole is answered, then closed" "whole 200 closed" "$(grep '^whole' <<<"$shapes")"
sx_check "a request trickling in is answered, then closed" "trickled 200 closed" "$(grep '^trickled' <<<"$shapes")"
sx_check "a kept connection serves three requests and stays open" "kept 200 200 200 open" "$(grep '^kept' <<<"$shapes")"
sx_check "a request written behind an unanswered one is refused, the next served" "pipelined 200 refused ada" "$(grep '^pipelined' <<<"$shapes")"
sx_check "a 60 KB body arrives whole" "body 200 echoed" "$(grep '^body' <<<"$shapes")"
sx_check "a body over the limit gets 413 and a close, not a reset" "over 413 closed" "$(grep '^over' <<<"$shapes")"

python3 "$SXS_CLIENT" flood "$SX_SOCK" 400 >/dev/null
python3 "$SXS_CLIENT" get "$SX_SOCK" $(seq -f '/greet/n%g' 1 40) >"$SX_TMP/after-flood"
ok=0
for i in $(seq 1 40); do
	grep -qF "{\"hello\":\"n$i\"}" "$SX_TMP/after-flood" && ok=$((ok + 1))
done
sx_check "after the flood, normal requests are all answered" 40 "$ok"
sx_check "no worker was lost to the flood" "$before" "$(sxs_workers)"
sx_check_contains "malformed input is logged" "closing a FastCGI connection" "$(cat "$SX_TMP/app.log")"

# A request that stops half-way is dropped after --read-timeout (1 s).
python3 - "$SX_SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(bytes([1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]))  # BEGIN only
s.settimeout(5)
t = time.time()
try:
    data = s.recv(100)
except OSError:
    data = b""
print("closed after %.1f s" % (time.time() - t), flush=True)
PY
wait $!
sx_check_contains "a half-sent request is dropped" "within the read timeout" "$(cat "$SX_TMP/app.log")"

# Bad option values: one line naming the option, usage, exit 2.
out=$("$SXS_APP" serve --workers 0 2>&1); rc=$?
sx_check "--workers 0 exits 2" 2 "$rc"
sx_check_contains "--workers 0 names the option" '--workers takes 1 to 256, got "0"' "$out"
out=$("$SXS_APP" serve --read-timeout soon 2>&1); rc=$?
sx_check "--read-timeout soon exits 2" 2 "$rc"
sx_check_contains "usage follows" "usage:" "$out"
out=$("$SXS_APP" serve --socket-mode 999 2>&1); rc=$?
sx_check "--socket-mode 999 exits 2" 2 "$rc"
out=$("$SXS_APP" serve --listen "$SX_SOCK" 2>&1); rc=$?
sx_check "a socket another server uses is refused" 1 "$rc"
sx_check_contains "and says so" "another process is serving" "$out"
out=$("$SXS_APP" serve </dev/null 2>&1); rc=$?
sx_check "no --listen and no inherited socket exits 1" 1 "$rc"
sx_check_contains "and says how to fix it" "give --listen" "$out"

# A bad setting stops the server before any worker starts: exit 1 with
# one line naming it, said once (no worker restart loop).
out=$("$SXS_APP" serve --listen "$SX_TMP/bad.sock" --database nokey=sqlite:x.db 2>&1); rc=$?
sx_check "a bad setting stops the server" 1 "$rc"
sx_check_contains "with a one-line error" 'no database has the key "nokey"' "$out"
sx_check "said once, no restart loop" 1 "$(printf '%s\n' "$out" | grep -c 'no database has the key')"

# --socket-mode applies to the unix socket.
"$SXS_APP" serve --listen "$SX_TMP/mode.sock" --socket-mode 0600 >>"$SX_TMP/mode.log" 2>&1 &
mode_pid=$!
SX_PIDS+=("$mode_pid")
sx_wait_for "$SX_TMP/mode.sock"
sx_check "--socket-mode 0600" 600 "$(stat -c %a "$SX_TMP/mode.sock")"

# --socket-owner gives the socket to a user and group (root can; others get
# a one-line refusal), and an unknown user is refused at start-up.
out=$("$SXS_APP" serve --listen "$SX_TMP/nouser.sock" --socket-owner no_such_user_sx 2>&1); rc=$?
sx_check "an unknown --socket-owner is refused" 1 "$rc"
sx_check_contains "naming the user" "no_such_user_sx" "$out"
if [ "$(id -u)" = 0 ]; then
	"$SXS_APP" serve --listen "$SX_TMP/owner.sock" --socket-owner nobody:nogroup \
		>>"$SX_TMP/owner.log" 2>&1 &
	SX_PIDS+=("$!")
	sx_wait_for "$SX_TMP/owner.sock"
	sx_check "--socket-owner nobody:nogroup" "nobody:nogroup" "$(stat -c %U:%G "$SX_TMP/owner.sock")"
fi
sxs_end
