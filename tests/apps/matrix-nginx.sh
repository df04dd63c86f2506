#!/usr/bin/env bash
# examples/commit_modes behind a real nginx over FastCGI: the full commit
# mode x status matrix, checked by row count after each request, on SQLite
# and on PostgreSQL (skipped without SX_TEST_PG_URL, a failure in CI); the
# handler's own transaction calls (a savepoint left open, writes after its
# commit or rollback, nested savepoints), counted through a connection of a
# process of its own; and a deferred constraint failing at commit.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "commit_modes matrix behind nginx"
sx_require sqlite3 "apt-get install sqlite3"
app=$top_builddir/examples/commit_modes/commit_modes
cat >"$SX_TMP/config.json" <<JSON
{"databases": {"db_session": {"migrations_dir": "$top_srcdir/examples/commit_modes/migrations"}}}
JSON

statuses="200 201 204 301 302 400 404 418 500 503"
# kept rows per mode, in the order of $statuses (418 is an extra commit status)
kept_manual="0 0 0 0 0 0 0 0 0 0"
kept_autocommit="1 1 1 0 0 0 0 1 0 0"
kept_autocommit_include_redirect="1 1 1 1 1 0 0 1 0 0"

count() {
	sx_req GET /items/count >/dev/null
	sx_body | sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}

# direct_count URL: the rows as a separate process, on its own connection,
# sees them: only what was committed (the database's own shell, much
# lighter to start than the app under the sanitizers).
direct_count() {
	case $1 in
	sqlite:*) sqlite3 "${1#sqlite:}" "SELECT count(*) FROM items" ;;
	*) psql -qtAX "$1" -c "SELECT count(*) FROM items" ;;
	esac
}

# The handler's steps (POST /items/steps): ops, status (fail: the handler
# returns -1, the client gets 500), rows kept in manual, autocommit and
# autocommit_include_redirect.
steps_cases="
bi 200 0 1 1
bi 302 0 0 1
bi 400 0 0 0
bi fail 0 0 0
ibibi 201 0 3 3
ici 200 1 2 2
ici 400 1 1 1
ici fail 1 1 1
icbi 400 1 1 1
iri 200 0 1 1
iri 400 0 0 0
iri fail 0 0 0
ibibirc 200 0 2 2
ibibicr 200 0 1 1
ibibircc 400 2 2 2
ibibicrci 400 1 1 1
"

# steps DRIVER URL MODE: every steps case in one mode (app already running).
# Each case's count after is the next one's before (one process less).
steps() {
	local driver=$1 url=$2 mode=$3 ops st km ka kr k want before after
	before=$(direct_count "$url")
	while read -r ops st km ka kr; do
		[ -n "$ops" ] || continue
		case $mode in
		manual) k=$km ;;
		autocommit) k=$ka ;;
		*) k=$kr ;;
		esac
		want=$st
		[ "$st" = fail ] && want=500
		sx_check "$driver $mode steps $ops status=$st" "$want" \
			"$(sx_req POST "/items/steps?ops=$ops&status=$st")"
		after=$(direct_count "$url")
		sx_check "$driver $mode steps $ops status=$st rows kept" "$k" \
			"$((after - before))"
		before=$after
	done <<<"$steps_cases"
}

# restart_app URL MODE: the app on $SX_SOCK with that database and mode.
restart_app() {
	if [ -n "${SX_APP_PID:-}" ]; then
		kill -TERM "$SX_APP_PID" 2>/dev/null
		wait "$SX_APP_PID" 2>/dev/null
		rm -f "$SX_SOCK"
	fi
	sx_start_app "$app" serve --threads 2 --database "db_session=$1" \
		--commit-mode "db_session=$2" --config "$SX_TMP/config.json" --migrate
}

# matrix DRIVER URL
matrix() {
	local driver=$1 url=$2 mode kept s k before after
	for mode in manual autocommit autocommit_include_redirect; do
		restart_app "$url" "$mode"
		[ -n "${SX_BASE:-}" ] || sx_start_nginx
		kept=kept_$mode
		set -- ${!kept}
		before=$(count)
		for s in $statuses; do
			k=$1
			shift
			sx_check "$driver $mode POST status=$s" "$s" "$(sx_req POST "/items?status=$s")"
			after=$(count)
			sx_check "$driver $mode status=$s rows kept" "$k" "$((after - before))"
			before=$after
		done
		steps "$driver" "$url" "$mode"
	done
	restart_app "$url" autocommit
	before=$(count)
	sx_check "$driver deferred constraint at commit is 500" 500 "$(sx_req POST /items/deferred)"
	sx_check "$driver deferred constraint saved nothing" "$before" "$(count)"
}

matrix sqlite "sqlite:$SX_TMP/matrix.db"

if [ -n "${SX_TEST_PG_URL:-}" ] && command -v psql >/dev/null 2>&1; then
	schema=nginx_matrix_$$_$RANDOM
	psql -q "$SX_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
	case $SX_TEST_PG_URL in *\?*) sep='&' ;; *) sep='?' ;; esac
	matrix postgres "$SX_TEST_PG_URL${sep}options=-csearch_path%3D$schema"
	psql -q "$SX_TEST_PG_URL" -c "SET client_min_messages TO warning" -c "DROP SCHEMA $schema CASCADE" >/dev/null
elif [ "${CI:-}" = "true" ]; then
	echo "FAIL: $SX_NAME: SX_TEST_PG_URL and psql are needed in CI" >&2
	SX_FAILED=$((SX_FAILED + 1))
else
	echo "note: $SX_NAME: PostgreSQL part skipped (set SX_TEST_PG_URL)" >&2
fi
sx_end
