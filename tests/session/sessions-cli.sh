#!/usr/bin/env bash
# `APP sessions delete-expired [--verbose]` and `APP sessions count` on
# SQLite and PostgreSQL: expired rows go, rows alive or without expiry stay,
# and the messages say how many.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "sessions command"
app=$top_builddir/examples/auth/auth
dir=$top_srcdir/examples/auth/migrations

# check DRIVER URL SQL_RUNNER SQL: SQL adds three expired rows, one alive
# and one without expiry.
check() {
	local d=$1 url=$2 run=$3
	"$app" db upgrade --database "db_session=$url" --dir "$dir" >/dev/null
	sx_check "$d nothing to delete" "No expired sessions found" \
		"$("$app" sessions delete-expired --database "db_session=$url")"
	$run "$4"
	sx_check "$d count" "2 active session(s), 3 expired not yet deleted" \
		"$("$app" sessions count --database "db_session=$url")"
	sx_check "$d verbose" "table sx_sessions on database \"db_session\": 2 active, 3 expired
Deleted 3 expired session(s)" \
		"$("$app" sessions delete-expired --verbose --key db_session --database "db_session=$url")"
	sx_check "$d count after" "2 active session(s), 0 expired not yet deleted" \
		"$("$app" sessions count --database "db_session=$url")"
	sx_check "$d usage error" 2 "$("$app" sessions frobnicate >/dev/null 2>&1; echo $?)"
}

sqlite_run() {
	python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' \
		"$SX_TMP/s.db" "$1"
}
check sqlite "sqlite:$SX_TMP/s.db" sqlite_run "
INSERT INTO sx_sessions VALUES ('e1', x'00', julianday('now') - 1);
INSERT INTO sx_sessions VALUES ('e2', x'00', julianday('now') - 0.5);
INSERT INTO sx_sessions VALUES ('e3', x'00', julianday('now') - 0.0001);
INSERT INTO sx_sessions VALUES ('alive', x'00', julianday('now') + 1);
INSERT INTO sx_sessions VALUES ('forever', x'00', NULL);"

if [ -n "${SX_TEST_PG_URL:-}" ] && command -v psql >/dev/null 2>&1; then
	schema=sessions_cli_$$_$RANDOM
	psql -q "$SX_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
	case $SX_TEST_PG_URL in *\?*) sep='&' ;; *) sep='?' ;; esac
	pg_run() { psql -q "$SX_TEST_PG_URL" -c "SET search_path TO $schema" -c "$1" >/dev/null; }
	check postgres "$SX_TEST_PG_URL${sep}options=-csearch_path%3D$schema" pg_run "
INSERT INTO sx_sessions (session_id, data, expires_at) VALUES
 ('e1', '\\x00', now() - interval '1 day'), ('e2', '\\x00', now() - interval '1 hour'),
 ('e3', '\\x00', now() - interval '1 second'), ('alive', '\\x00', now() + interval '1 day'),
 ('forever', '\\x00', NULL)"
	psql -q "$SX_TEST_PG_URL" -c "SET client_min_messages TO warning" -c "DROP SCHEMA $schema CASCADE" >/dev/null
elif [ "${CI:-}" = "true" ]; then
	echo "FAIL: $SX_NAME: SX_TEST_PG_URL and psql are needed in CI" >&2
	SX_FAILED=$((SX_FAILED + 1))
else
	echo "note: $SX_NAME: PostgreSQL part skipped (set SX_TEST_PG_URL)" >&2
fi
sx_end
