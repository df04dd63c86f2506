# lib-faults.sh: helpers the fault and scale-out tests add to
# tests/integration/lib.sh (source that first).

FX_LOAD=$top_srcdir/tests/faults/load.py
FX_QUICKSTART=$top_builddir/examples/quickstart/quickstart
FX_AUTH=$top_builddir/examples/auth/auth

# Skips the test (77) or, in CI, fails it (99), saying why.
fx_skip() {
	if [ "${CI:-}" = "true" ]; then
		echo "FAIL: $SX_NAME: $1; in CI this test may not be skipped" >&2
		exit 99
	fi
	echo "SKIP: $SX_NAME: $1" >&2
	exit 77
}

# Starts a private PostgreSQL server in $SX_TMP/pg (this test restarts or
# shares it with PgBouncer, so not the suite's shared one), stopped when the
# test ends. Sets FX_PG_DIR and FX_PG_URL. Runs where the shared server
# does: SX_TEST_PG_DIR set (scripts/check, CI).
fx_private_pg() {
	[ -n "${SX_TEST_PG_DIR:-}" ] || fx_skip "SX_TEST_PG_DIR is not set (scripts/pg-test-server)"
	sx_require psql "apt-get install postgresql"
	FX_PG_DIR=$SX_TMP/pg
	FX_PG_URL=$("$top_srcdir/scripts/pg-test-server" start "$FX_PG_DIR") ||
		{ echo "FAIL: $SX_NAME: cannot start a private PostgreSQL server" >&2; exit 1; }
	trap 'fx_cleanup' EXIT
}

# Stops the server first: sx_cleanup removes its folder.
fx_cleanup() {
	[ -n "${FX_PG_DIR:-}" ] && "$top_srcdir/scripts/pg-test-server" stop "$FX_PG_DIR" >/dev/null 2>&1
	sx_cleanup
}

# A TCP port that nothing listens on, on any of 127.0.0.1-4, from the
# ephemeral range's lower neighbours (no python start-up: on a loaded
# machine that takes seconds).
fx_port() {
	local port h
	while :; do
		port=$((20000 + RANDOM % 12000))
		for h in 1 2 3 4; do
			(exec 3<>"/dev/tcp/127.0.0.$h/$port") 2>/dev/null && continue 2
		done
		echo "$port"
		return
	done
}

# fx_sql URL SQL: one value or rows, unaligned, no headers.
fx_sql() {
	psql -X -q -At "$1" -c "$2"
}

# Writes $SX_TMP/APP.json: the database key db_session with the app's
# migrations folder and the given extra JSON members ("" for none).
fx_config() {
	local app=$1 extra=${2:-}
	cat >"$SX_TMP/$app.json" <<JSON
{"databases": {"db_session": {"migrations_dir": "$top_srcdir/examples/$app/migrations"${extra:+, $extra}}}}
JSON
}

# Starts quickstart as a FastCGI server on $SX_SOCK with the database URL
# $1 and further serve options, migrated, behind nginx (started the first
# time only: a restarted app listens on the same socket). Database settings
# ($FX_DB_EXTRA, JSON members) go into its configuration file.
fx_quickstart() {
	local url=$1
	shift
	fx_config quickstart "${FX_DB_EXTRA:-}"
	sx_start_app "$FX_QUICKSTART" serve --config "$SX_TMP/quickstart.json" \
		--database "db_session=$url" --migrate "$@"
	[ -n "${FX_NGINX_UP:-}" ] || sx_start_nginx
	FX_NGINX_UP=1
}

# fx_load PATH SECONDS THREADS OUT TAG [COOKIE [METHOD]]: runs load.py
# against $SX_BASE$PATH in the background (FX_LOAD_PID); wait for it.
fx_load() {
	python3 "$FX_LOAD" "$SX_BASE$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-POST}" &
	FX_LOAD_PID=$!
}

# fx_count FILE STATUS-REGEX: lines of a load.py output whose status matches.
fx_count() {
	awk -v re="^($2)\$" '$1 ~ re {n++} END {print n + 0}' "$1"
}

# fx_statuses FILE: "201 x 950, 503 x 12" for the log.
fx_statuses() {
	awk '{n[$1]++} END {for (s in n) printf "%s x %d\n", s, n[s]}' "$1" | sort | paste -sd, - | sed 's/,/, /g'
}

# fx_missing ACKED-TITLES FOUND-TITLES: titles acknowledged but not found.
fx_missing() {
	sort -u "$1" >"$1.sorted"
	sort -u "$2" >"$2.sorted"
	comm -23 "$1.sorted" "$2.sorted" | wc -l
}

# fx_sqlite_lock FILE SECONDS: another process takes SQLite FILE's write
# lock (BEGIN IMMEDIATE) and holds it for SECONDS (FX_LOCK_PID); returns
# once the lock is held.
fx_sqlite_lock() {
	rm -f "$SX_TMP/locked"
	python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
' "$1" "$2" "$SX_TMP/locked" &
	FX_LOCK_PID=$!
	for _ in $(seq 1 100); do
		[ -f "$SX_TMP/locked" ] && return 0
		sleep 0.05
	done
	echo "FAIL: $SX_NAME: could not lock $1" >&2
	exit 1
}

# fx_post_bg TITLE: POST /posts {"title": TITLE} in the background; its
# status goes to $SX_TMP/TITLE.status. fx_post_wait waits for them all.
FX_POSTS=()
fx_post_bg() {
	curl -s -o /dev/null -w '%{http_code}' -m 30 -H 'Content-Type: application/json' \
		-d "{\"title\":\"$1\",\"content\":\"x\"}" "$SX_BASE/posts" >"$SX_TMP/$1.status" &
	FX_POSTS+=("$!")
}
fx_post_wait() {
	wait "${FX_POSTS[@]}"
	FX_POSTS=()
}

# fx_sqlite_count DB TITLE-PATTERN: rows of posts whose title is LIKE it.
fx_sqlite_count() {
	python3 -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM posts WHERE title LIKE ?", (sys.argv[2],)).fetchone()[0])
' "$1" "$2"
}

# Makes a schema of its own in the suite's PostgreSQL server
# ($SX_TEST_PG_URL), dropped when the test ends; sets FX_PG_URL to a URL
# whose search_path is that schema.
fx_pg_schema() {
	local sep
	[ -n "${SX_TEST_PG_URL:-}" ] || fx_skip "SX_TEST_PG_URL is not set (scripts/pg-test-server)"
	sx_require psql "apt-get install postgresql"
	FX_SCHEMA=fx_$$_$RANDOM
	fx_sql "$SX_TEST_PG_URL" "CREATE SCHEMA $FX_SCHEMA" >/dev/null
	case $SX_TEST_PG_URL in *\?*) sep='&' ;; *) sep='?' ;; esac
	FX_PG_URL="$SX_TEST_PG_URL${sep}options=-csearch_path%3D$FX_SCHEMA"
	trap 'fx_cleanup; fx_sql "$SX_TEST_PG_URL" "SET client_min_messages TO warning; DROP SCHEMA $FX_SCHEMA CASCADE" >/dev/null' EXIT
}
