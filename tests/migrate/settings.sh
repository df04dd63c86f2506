#!/bin/sh
# Every command reads its settings the same way: one option table, one
# config file reader, one database resolver. Through the example binaries:
# the migrations folder a config file names is the one `request --migrate`,
# `serve --migrate` and `db ...` all use; config file typos are refused;
# `db` without --key acts on every database; a missing migrations folder is
# an error naming its absolute path; no command prints a password.
set -eu
b=${top_builddir:?run through make check}
s=${top_srcdir:?run through make check}
tmp=$(mktemp -d /tmp/sx-settings-XXXXXX)
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

Q=$b/examples/quickstart/quickstart
M=$b/examples/multidb/multidb

# ---- one resolver: the config file's migrations_dir, for every command ----
mkdir other_migrations
cp "$s"/examples/quickstart/migrations/* other_migrations/
cat >cfg.json <<EOF
{"databases": {"db_session": {"url": "sqlite:$tmp/r.db",
                              "migrations_dir": "other_migrations"}}}
EOF
# request --migrate applies other_migrations/ ...
run 0 $Q request GET /users --config cfg.json --migrate; has out "^Status: 200"
# ... and db sees what it applied, from the same folder
run 0 $Q db history --config cfg.json
has out "^\* 0001 .* applied 20"; hasnt out "no migrations"
run 0 $Q db current --config cfg.json; has out "^0001 users_posts (head)$"
run 0 $Q db upgrade --config cfg.json; has out "nothing to apply"
# db upgrade on a fresh database applies other_migrations/ too
sed "s|r.db|u.db|" cfg.json >cfg-u.json
run 0 $Q db upgrade --config cfg-u.json
has out "^applied   0001_users_posts.sqlite.sql"
# and so does serve --migrate (its workers build the same runtime)
sed "s|r.db|s.db|" cfg.json >cfg-s.json
$Q serve --listen "$tmp/s.sock" --config cfg-s.json --migrate >out 2>err &
pid=$!
for _ in $(seq 1 100); do
	$Q db current --config cfg-s.json >out 2>&1 || true
	grep -q "(head)" out && break
	sleep 0.1
done
kill -TERM $pid; wait $pid || true
has out "^0001 users_posts (head)$"

# ---- the config file's top level is checked like the command line ----------
printf '{"databses": {"db_session": {"url": "sqlite:x.db"}}}\n' >typo.json
run 2 $Q request GET /users --config typo.json
has err "^request: --config typo.json: unknown setting \"databses\" (known: databases, "
printf '{"workers": "4"}\n' >type.json
run 2 $Q serve --config type.json
has err "^serve: --config type.json: \"workers\" must be a number (1 to 256), not a string: write it as a plain number, without quotes$"
run 2 $Q db current --config type.json; has err "\"workers\" must be a number"
printf '{"workers": 0}\n' >range.json
run 2 $Q serve --config range.json
has err "^serve: --config range.json: \"workers\" takes 1 to 256, got 0$"
printf '{"databases": {"db_session": {"migrations_dri": "m"}}}\n' >nested.json
run 1 $Q db current --config nested.json
has err "databases.db_session has no setting \"migrations_dri\""
# an option of another command is named as such
run 2 $Q render page --workers 2
has err "^render: --workers is not an option of render (it is one of: serve)$"

# ---- db without --key: every database, in declaration order ----------------
mkdir mdb && cp -R "$s/examples/multidb/migrations" mdb/
MDB="--database primary_session=sqlite:$tmp/p.db --database analytics_session=sqlite:$tmp/a.db"
(cd mdb && run 0 $M db upgrade $MDB && cp out ../out)
has out "^database primary_session: sqlite:$tmp/p.db$"
has out "^database analytics_session: sqlite:$tmp/a.db$"
[ "$(grep -c '^applied ' out)" = 2 ] || { cat out >&2; fail "both databases upgraded"; }
[ "$(sed -n 1p out)" = "database primary_session: sqlite:$tmp/p.db" ] ||
	fail "primary first, as declared"
(cd mdb && run 0 $M db current $MDB && cp out ../out)
[ "$(grep -c '(head)$' out)" = 2 ] || { cat out >&2; fail "both at head"; }
(cd mdb && run 0 $M db current --key analytics_pool $MDB && cp out ../out)
[ "$(grep -c '^database ' out)" = 1 ] || fail "--key picks one database"
has out "^database analytics_session:"

# ---- a missing migrations folder is an error naming its absolute path -------
QDB="--database db_session=sqlite:$tmp/q.db"
mkdir elsewhere && cd elsewhere
run 1 $Q db upgrade $QDB
has err "^db upgrade: database \"db_session\": migrations folder $tmp/elsewhere/migrations does not exist"
hasnt out "nothing to apply"
run 1 $Q db current $QDB --dir nowhere
has err "migrations folder $tmp/elsewhere/nowhere does not exist (create it with db make-migration, or point --dir at the right folder)"
run 1 $Q request GET /users $QDB --migrate
has err "^quickstart: database \"db_session\": migrations folder $tmp/elsewhere/migrations does not exist"
run 1 $Q serve --listen "$tmp/m.sock" $QDB --migrate
has err "migrations folder $tmp/elsewhere/migrations does not exist"
# without --migrate nothing is looked for
run 0 $Q request GET /healthz $QDB
# make-migration says where it creates the folder, once
run 0 $Q db make-migration -m "create users" $QDB
has out "^creating the migrations folder $tmp/elsewhere/migrations$"
has out "^migrations/0001_create_users.sql$"
run 0 $Q db make-migration -m "more" $QDB; hasnt out "creating"
cd ..
# several databases: make-migration wants --key
run 2 $M db make-migration -m x $MDB; has err "name one with --key"

# ---- no command prints a password -----------------------------------------
run 1 $Q db current --database 'db_session=mysql://app:S3cretPW@localhost/qs'
has out "^database db_session: mysql://app:\*\*\*\*\*\*\*\*@localhost/qs$"
has err "mysql://app:\*\*\*\*\*\*\*\*@localhost/qs"
hasnt out S3cretPW; hasnt err S3cretPW
run 1 $Q request GET /users --database 'db_session=mysql://app:S3cretPW@localhost/qs'
hasnt out S3cretPW; hasnt err S3cretPW
echo "settings.sh: ok"
