#!/bin/sh
# Every setup mistake stops start-up with one line naming the cause and the
# fix, and a non-zero exit; nothing prints "serving" first. Through the
# example binaries: a database that cannot be opened (SQLite folder
# missing; PostgreSQL database or role unknown) stops at once with the
# driver's message; a server that refuses is retried for --db-wait seconds,
# each try logged; SX_DATABASE_URL and SX_DATABASE_<KEY> sit between the
# config file and the command line; a config file's relative folders are
# relative to the file; a missing templates folder is named by its absolute
# path; routes, db and serve refuse a route naming an undeclared key.
set -eu
b=${top_builddir:?run through make check}
s=${top_srcdir:?run through make check}
tmp=$(mktemp -d /tmp/sx-startup-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() { echo "FAIL: $*" >&2; exit 1; }
# run STATUS CMD...: runs CMD, output in out/err, and checks its exit status.
run() {
	want=$1; shift
	set +e; "$@" >out 2>err; rc=$?; set -e
	[ "$rc" = "$want" ] || { cat out err >&2; fail "exit $rc, expected $want: $*"; }
}
has() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks \"$2\""; }; }
hasnt() { ! grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1 has \"$2\""; }; }
one_line() { [ "$(wc -l <"$1")" -le 1 ] || { cat "$1" >&2; fail "$1: more than one line"; }; }

Q=$b/examples/quickstart/quickstart
B=$b/examples/bookmarks/bookmarks
K=$b/tests/migrate/badkey
QM="--database db_session=sqlite:$tmp/q.db --config $tmp/q.json"
printf '{"databases": {"db_session": {"migrations_dir": "%s"}}}\n' \
    "$s/examples/quickstart/migrations" >q.json

# ---- a database that cannot be opened stops start-up with the driver's words
run 1 $Q serve --listen "$tmp/s.sock" --database db_session=sqlite:/nonexistent/dir/x.db
has err 'database "db_session": cannot connect to sqlite:/nonexistent/dir/x.db'
has err 'unable to open database file'; one_line err; hasnt err serving
run 1 $Q request GET /users --database db_session=sqlite:/nonexistent/dir/x.db
has err 'unable to open database file'; one_line err

# ---- --db-wait: a value, and a server that refuses is retried, each try logged
run 2 $Q serve --db-wait soon
has err 'serve: --db-wait: expected seconds from 0 (try once) to 3600, got "soon"'
start=$(date +%s)
run 1 $Q request GET /users --db-wait 2 --database db_session=postgresql://127.0.0.1:1/x
has err 'not up yet (try 1: .*Connection refused'
has err 'not up yet (try 2: '
has err 'quickstart: database "db_session": cannot connect to postgresql://127.0.0.1:1/x: .*Connection refused.*(gave up after 3 tries in 2 s: start the server, or wait longer with --db-wait)$'
[ $(( $(date +%s) - start )) -le 6 ] || fail "--db-wait 2 waited longer than 6 s"
run 1 $Q request GET /users --db-wait 0 --database db_session=postgresql://127.0.0.1:1/x
hasnt err 'not up yet'; has err 'Connection refused'; one_line err

# ---- PostgreSQL: an unknown database or role is a mistake, not retried --------
if [ -n "${SX_TEST_PG_URL:-}" ]; then
	base=${SX_TEST_PG_URL%%\?*}; query=${SX_TEST_PG_URL#"$base"}
	run 1 $Q serve --listen "$tmp/s.sock" --database \
	    "db_session=${base%/*}/sx_no_such_db$query"
	has err 'database "sx_no_such_db" does not exist'; hasnt err 'not up yet'
	one_line err; hasnt err serving
	pgwrong=$(echo "$SX_TEST_PG_URL" | sed 's/user=[^&]*/user=sx_no_such_role/')
	case $pgwrong in
	*sx_no_such_role*) ;;
	*\?*) pgwrong="$SX_TEST_PG_URL&user=sx_no_such_role" ;;
	*) pgwrong="$SX_TEST_PG_URL?user=sx_no_such_role" ;;
	esac
	run 1 $Q request GET /users --database "db_session=$pgwrong"
	has err 'role "sx_no_such_role" does not exist'; hasnt err 'not up yet'
	one_line err
elif [ "${CI:-}" = true ]; then
	fail "SX_TEST_PG_URL is not set (scripts/pg-test-server start DIR)"
else
	echo "startup.sh: no PostgreSQL (SX_TEST_PG_URL): its cases not run" >&2
fi

# ---- the environment: below the command line, above the config file ---------
printf '{"databases": {"db_session": {"url": "sqlite:%s/file.db", "migrations_dir": "%s"}}}\n' \
    "$tmp" "$s/examples/quickstart/migrations" >env.json
run 0 env SX_DATABASE_URL=sqlite:$tmp/env.db $Q request GET /users --migrate --config env.json
[ -f env.db ] && [ ! -f file.db ] || fail "SX_DATABASE_URL did not win over the config file"
run 0 env SX_DATABASE_DB_SESSION=sqlite:$tmp/key.db \
    SX_DATABASE_URL=sqlite:$tmp/env.db $Q request GET /users --migrate --config env.json
[ -f key.db ] || fail "SX_DATABASE_DB_SESSION did not win over SX_DATABASE_URL"
run 0 env SX_DATABASE_URL=sqlite:$tmp/env2.db $Q request GET /users --migrate \
    --config env.json --database db_session=sqlite:$tmp/cli.db
[ -f cli.db ] && [ ! -f env2.db ] || fail "the command line did not win over SX_DATABASE_URL"
run 1 env SX_DATABASE_DB_SESION=sqlite:x.db $Q request GET /users $QM
has err 'environment: SX_DATABASE_DB_SESION names no database (use SX_DATABASE_URL, or SX_DATABASE_ and a key upper-cased; keys: db_session, db_connection, db_pool)'
run 1 env SX_DATABASE_URL= $Q request GET /users $QM
has err 'environment: SX_DATABASE_URL is empty (give it a database URL, or unset it)'

# ---- a config file's relative folders are relative to the file --------------
mkdir conf elsewhere
cp -r "$s/examples/bookmarks/migrations" conf/m
cp -r "$s/examples/bookmarks/templates" conf/t
printf '{"templates": "t", "databases": {"db_session": {"url": "sqlite:%s/b.db", "migrations_dir": "m"}}}\n' \
    "$tmp" >conf/b.json
(cd elsewhere && run 0 $B request GET / --migrate --config ../conf/b.json)
has elsewhere/out '^Status: 200'; has elsewhere/out '<h1>Bookmarks</h1>'
(cd elsewhere && run 0 $B db current --config "$tmp/conf/b.json")
has elsewhere/out '^0001 bookmarks (head)$'

# ---- a missing templates folder is found at start-up, by its absolute path ---
printf '{"templates": "gone", "databases": {"db_session": {"url": "sqlite:%s/b.db", "migrations_dir": "m"}}}\n' \
    "$tmp" >conf/gone.json
(cd elsewhere && run 1 $B serve --listen "$tmp/s.sock" --config ../conf/gone.json)
has elsewhere/err "templates folder \"$tmp/elsewhere/../conf/gone\" does not exist"
hasnt elsewhere/err serving
(cd elsewhere && run 1 $B request GET / --templates nope --database db_session=sqlite:$tmp/b.db)
has elsewhere/err "templates folder \"$tmp/elsewhere/nope\" does not exist"

# ---- a config file that is not there is named by its absolute path ---------
(cd elsewhere && run 2 $Q request GET / --config nothere.json)
has elsewhere/err "request: --config nothere.json: cannot read $tmp/elsewhere/nothere.json (No such file or directory)"

# ---- a route naming an undeclared key: routes, db and serve all refuse it ---
for cmd in routes "db upgrade" "db current" "serve --listen $tmp/s.sock"; do
	# shellcheck disable=SC2086
	run 1 $K $cmd
	has err 'badkey: route GET /: dependency "db_sesion" is not provided by any database (known: db_session, db_connection, db_pool)'
	one_line err; hasnt err serving
done

echo "startup.sh: ok"
