#!/bin/sh
# params-typecheck.sh: SX_PARAMS checks its arguments' types at compile
# time. A file passing an int64_t and a const char * compiles; the same
# file passing a struct does not, and the compiler's error is about the
# parameter (the _Generic selection), not something else in the file.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# $1: the argument list given to SX_PARAMS.
write() {
	cat > "$tmp/t.c" <<EOT
#include "sx_db.h"
struct point { int x, y; };
sx_db_err find(sx_db_conn *db, sx_db_result **r);
sx_db_err
find(sx_db_conn *db, sx_db_result **r)
{
	int64_t some_int64 = 1;
	const char *some_string = "x";
	struct point some_struct = {1, 2};

	(void)some_int64; (void)some_string; (void)some_struct;
	return sx_db_one(db, "SELECT 1", SX_PARAMS($1), r);
}
EOT
}

compile() {
	$cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$srcdir/db" \
	    -I"$srcdir/util" "$tmp/t.c" > "$tmp/err" 2>&1
}

write 'some_int64, some_string, SX_PNULL, 2.5, true'
if ! compile; then
	echo "FAIL: SX_PARAMS(int64_t, const char *, ...) does not compile:"
	cat "$tmp/err"
	exit 1
fi
write 'some_struct'
if compile; then
	echo "FAIL: SX_PARAMS(some_struct) compiles; it must not"
	exit 1
fi
if ! grep -qi 'generic\|selector\|association' "$tmp/err"; then
	echo "FAIL: SX_PARAMS(some_struct) fails for another reason:"
	cat "$tmp/err"
	exit 1
fi
echo "ok: SX_PARAMS type-checks its arguments"
