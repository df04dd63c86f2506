#!/bin/sh
# doc-snippets.sh: every C snippet people may copy compiles under -Wall
# -Wextra -Werror against the installed headers' sources: the ```c blocks
# of README.md, the docs, the examples' and the layers' READMEs, and the
# .Bd -literal blocks holding C (a line ending in ';', '{' or '}') of
# every section 3 page. A block that is not C (a template, an nginx
# snippet, SQL) or no whole statement list is marked and skipped:
# "<!-- fragment -->" on the line before its ``` in Markdown, '.\"
# fragment' on the line before its .Bd in a page. Each snippet becomes the
# body of a function, with a few names the snippets use declared around it
# (db, conn, url, sql, p, n, id, and app and err in the function, which
# the snippet's own may shadow); one
# holding its own function definitions, or only declarations starting
# with "static", stands at file scope.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Splits the snippets of file $1 (named $2) into $tmp/NAME-N.txt.
extract() {
	awk -v out="$tmp/$2" '
	function unroff(s) {
		gsub(/\\e/, "\\", s); gsub(/\\\(dq/, "\"", s); gsub(/\\-/, "-", s)
		gsub(/\\&/, "", s); return s
	}
	/^<!-- fragment -->/ || /^\.\\" fragment/ { frag = 1; next }
	!inblk && (/^```c[ \t]*$/ || /^\.Bd -literal/) {
		inblk = 1; md = /^```/; n++; skip = frag; frag = 0; body = ""; next
	}
	inblk && ((md && /^```/) || (!md && /^\.Ed/)) {
		inblk = 0
		if (!skip && (md || body ~ /[;{}][ \t]*\n/))
			printf "%s", body > (out "-" n ".txt")
		next
	}
	inblk { body = body (md ? $0 : unroff($0)) "\n"; next }
	{ frag = 0 }
	' "$1"
}

for f in README.md docs/*.md db/README.md session/README.md \
    examples/*/README.md man/*.3; do
	for g in "$srcdir"/$f; do
		[ -f "$g" ] && extract "$g" "$(echo "${g#"$srcdir"/}" | tr / :)"
	done
done

fails=0
count=0
for s in "$tmp"/*.txt; do
	[ -e "$s" ] || continue
	count=$((count + 1))
	{
		cat <<'EOT'
#include <err.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sextant.h"
#include "sx_db.h"
#include "sx_migrate.h"
#include "sx_tpl.h"
sx_db_conn *db, *conn;
const char *url, *sql;
const sx_db_value *p;
size_t n;
int64_t id;
EOT
		if { grep -q '^[a-z_].*(.*)[ \t]*$' "$s" && grep -q '^{' "$s"; } ||
		    head -n 1 "$s" | grep -q '^static '; then
			cat "$s"
		else
			echo "int snippet(void);"
			echo "int snippet(void) {"
			echo "static const sx_app app __attribute__((unused));"
			echo "char err[256] __attribute__((unused));"
			echo "{"
			cat "$s"
			echo "} return 0; }"
		fi
	} > "$tmp/t.c"
	if ! $cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    -Wno-unused-variable -Wno-unused-function -fsyntax-only \
	    -I"$srcdir/framework" -I"$srcdir/db" -I"$srcdir/util" \
	    -I"$srcdir/templates" -I"$srcdir/session" "$tmp/t.c" \
	    > "$tmp/err" 2>&1; then
		echo "FAIL: snippet $(basename "$s" .txt) (file:N, the Nth block) does not compile:"
		cat -n "$s"
		cat "$tmp/err"
		fails=$((fails + 1))
	fi
done
if [ "$count" -lt 15 ]; then
	echo "FAIL: only $count snippets found: the extraction broke"
	exit 1
fi
[ "$fails" -eq 0 ] || exit 1
echo "ok: $count C snippets compile"
