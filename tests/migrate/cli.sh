#!/bin/sh
# The `db` command every app has, through the example binaries: each
# subcommand, the database and folder choice, and the exit statuses
# (0 success, 1 failure, 2 usage).
set -eu
b=${top_builddir:?run through make check}
s=${top_srcdir:?run through make check}
tmp=$(mktemp -d /tmp/sx-cli-XXXXXX)
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

Q=$b/examples/quickstart/quickstart
H=$b/examples/hello/hello
M=$b/examples/multidb/multidb
QDB="--database db_session=sqlite:$tmp/q.db"
QDIR="--dir $s/examples/quickstart/migrations"

run 0 $Q db --help; has out "make-migration -m MSG"
run 0 $Q db current $QDB $QDIR; has out "^base (1 pending"
run 0 $Q db upgrade --dry-run $QDB $QDIR; has out "CREATE TABLE"; has out "dry run"
run 0 $Q db current $QDB $QDIR; has out "^base"
run 0 $Q db upgrade $QDB $QDIR; has out "^applied   0001_users_posts.sqlite.sql ([0-9]* ms)$"
run 0 $Q db current $QDB $QDIR; has out "^0001 users_posts (head)$"
run 0 $Q db history $QDB $QDIR; has out "^\* 0001 .* applied 20"
run 0 $Q db upgrade $QDB $QDIR; has out "nothing to apply"
run 0 $Q db downgrade $QDB $QDIR; has out "^reverted  0001_users_posts"
run 0 $Q db current $QDB $QDIR; has out "^base"
run 0 $Q db history $QDB $QDIR; has out "0001 .* pending"
run 0 $Q db upgrade 1 $QDB $QDIR; has out "applied"
run 0 $Q db stamp base $QDB $QDIR; run 0 $Q db current $QDB $QDIR; has out "^base"
run 0 $Q db stamp head $QDB $QDIR; run 0 $Q db current $QDB $QDIR; has out "(head)"

# The URL from the --config file's databases section.
printf '{"databases": {"db_session": {"url": "sqlite:%s/c.db"}}}\n' "$tmp" >config.json
run 0 $Q db upgrade --config config.json $QDIR
[ -f c.db ] || fail "--config's URL was not used"

# make-migration numbers files in the folder it writes to.
run 0 $Q db make-migration -m "Add tags" --dir "$tmp/m"; has out "^$tmp/m/0001_add_tags.sql$"
run 0 $Q db make-migration -m "drop tags" --dir "$tmp/m"; has out "/0002_drop_tags.sql$"
has "$tmp/m/0002_drop_tags.sql" "^-- migrate:down$"

# Several databases: --key picks one; its migrations_dir is its own.
cp -R "$s/examples/multidb/migrations" "$tmp/"
MDB="--database primary_session=sqlite:$tmp/p.db --database analytics_session=sqlite:$tmp/a.db"
run 0 $M db upgrade --key analytics_pool $MDB; has out "applied"
run 0 $M db current --key analytics_session $MDB; has out "(head)"
run 0 $M db current $MDB; has out "^base"
run 1 $M db current --key nope $MDB; has err "known: primary_session, analytics_session"

# Failures: exit 1 with a message naming the problem.
run 1 $Q db upgrade nosuch $QDB $QDIR; has err "unknown revision \"nosuch\""
run 1 $H db current; has err "declares no databases"
run 1 $Q db current --database "db_session=sqlite:$tmp/no/such/dir/x.db" $QDIR
has err "cannot open database \"db_session\""
run 0 $H db current --database "x=sqlite:$tmp/h.db" --dir "$tmp/m"; has out "^base (2 pending"

# Usage errors: exit 2.
run 2 $Q db
run 2 $Q db frobnicate; has err "unknown command \"frobnicate\""
run 2 $Q db upgrade --bogus; has err "unknown option --bogus"
run 2 $Q db stamp; has err "expected a revision"
run 2 $Q db make-migration; has err "expected -m MESSAGE"
run 2 $Q db current extra; has err "unexpected argument"
run 2 $Q db history --dry-run
echo "cli.sh: ok"
