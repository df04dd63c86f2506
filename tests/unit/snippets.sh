#!/bin/sh
# The code people copy first compiles without a warning under the
# scaffold's own flags (-Wall -Wextra): README.md's first C program, the
# example at the top of sextant.h and the one in sextant(3).
set -eu
s=${top_srcdir:?run through make check}
tmp=$(mktemp -d /tmp/sx-snippets-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cc=${CC:-cc}
flags="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fsyntax-only"
incs="-I$s/framework -I$s/db -I$s/util -I$s/templates -I$s/session"

# README.md: the first ```c block that has a main()
awk '/^```c$/ { inb = 1; buf = ""; next }
     /^```$/ && inb { if (buf ~ /int main/) { printf "%s", buf; exit } inb = 0; next }
     inb { buf = buf $0 "\n" }' "$s/README.md" >"$tmp/readme.c"
grep -q "int main" "$tmp/readme.c" || fail "README.md: no C program with main()"
# sextant.h: the tab-indented lines of its opening comment, up to main's end
sed -n '2,/^ \*\/$/p' "$s/framework/sextant.h" | sed -n 's/^ \*\t//p' |
    awk '{ print } /^main\(/ { m = 1 } m && /^}$/ { exit }' >"$tmp/header.c"
grep -q "^main(int argc" "$tmp/header.c" || fail "sextant.h: no example with main()"
# sextant(3): the first literal display
sed -n '/^\.Bd -literal/,/^\.Ed/{p;/^\.Ed/q;}' "$s/man/sextant.3" |
    sed '1d;$d' >"$tmp/man3.c"
grep -q "^main(int argc" "$tmp/man3.c" || fail "sextant(3): no example with main()"

for f in readme header man3; do
	# shellcheck disable=SC2086
	$cc $flags $incs "$tmp/$f.c" 2>"$tmp/$f.err" ||
		{ cat "$tmp/$f.c" "$tmp/$f.err" >&2; fail "$f: the snippet does not compile cleanly"; }
done
echo "snippets.sh: README.md, sextant.h and sextant(3) compile with -Wall -Wextra"
