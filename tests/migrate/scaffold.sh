#!/bin/sh
# Installs Sextant (make install DESTDIR=...), then starts an app from each
# installed example with `sextant new`, builds it against the installed
# library through pkg-config with no edits, and answers GET /; a second
# source file joins the app through its header and Makefile.
set -eu
b=${top_builddir:?run through make check}
tmp=$(mktemp -d /tmp/sx-scaffold-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

make -s -C "$b" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "make install DESTDIR=$tmp/root"; }
prefix=$(sed -n 's/^prefix = //p' "$b/Makefile")
libdir=$(sed -n 's/^libdir = //p' "$b/Makefile" | sed "s|\${exec_prefix}|$prefix|; s|\$(exec_prefix)|$prefix|")
datadir=$tmp/root$prefix/share/sextant
sextant=$tmp/root$prefix/bin/sextant
[ -x "$sextant" ] || fail "sextant was not installed in $prefix/bin"
[ -f "$tmp/root$prefix/share/man/man1/sextant.1" ] || fail "sextant(1) was not installed"
[ -f "$datadir/examples/hello/hello.c" ] || fail "the examples were not installed"
[ -f "$tmp/root$libdir/pkgconfig/sextant.pc" ] || fail "sextant.pc not in $libdir/pkgconfig"

# The installed tree lives under DESTDIR: pkg-config guesses its prefix from
# where sextant.pc is, and sextant reads the examples from there.
PKG_CONFIG="pkg-config --define-prefix"
PKG_CONFIG_PATH=$tmp/root$libdir/pkgconfig
SEXTANT_EXAMPLES=$datadir/examples
export PKG_CONFIG PKG_CONFIG_PATH SEXTANT_EXAMPLES
# Build the apps with the flags Sextant was built with (sanitizers must match).
cflags=$(sed -n 's/^CFLAGS = //p' "$b/Makefile")
ldflags=$(sed -n 's/^LDFLAGS = //p' "$b/Makefile")

cd "$tmp"
"$sextant" new --list >list.txt || fail "sextant new --list"
grep -q "^  hello " list.txt || fail "--list lacks hello: $(cat list.txt)"
n=0
for ex in $(sed -n 's/^  \([a-z_0-9]*\) .*/\1/p' list.txt); do
	name=my_$ex
	"$sextant" new "$name" --from "$ex" >/dev/null || fail "sextant new $name --from $ex"
	( cd "$name" && make -s CFLAGS="$cflags" LDFLAGS="$ldflags" ) >"$name.log" 2>&1 ||
		{ cat "$name.log" >&2; fail "$ex: the scaffolded app does not build"; }
	cd "$name"
	# GET / answers 2xx with no edit; the examples whose page at / reads
	# the database get their migrations applied first.
	case $ex in notes|bookmarks) migrate=--migrate ;; *) migrate= ;; esac
	./"$name" request GET / $migrate >out.txt 2>err.txt ||
		{ cat err.txt >&2; fail "$ex: request GET /"; }
	head -n 1 out.txt | grep -q "^Status: [23]0[0-9]" ||
		{ cat out.txt err.txt >&2; fail "$ex: GET / did not answer 2xx/3xx"; }
	case $ex in notes) ;; *) head -n 1 out.txt | grep -q "^Status: 20[0-9]" ||
		{ cat out.txt >&2; fail "$ex: GET / did not answer 2xx"; } ;; esac
	# Its description is its own, not the example's.
	if grep -q "\.description" "$name.c"; then
		grep -q "\.description = \"$name, started from Sextant's $ex example.\"" "$name.c" ||
			fail "$ex: the description was not renamed"
	fi
	[ -f "$name.h" ] && grep -q "^extern const sx_app " "$name.h" ||
		fail "$ex: no $name.h declaring the app table"
	[ -f README.md ] && [ -f deploy/nginx.conf ] && [ -f deploy/apache.conf ] &&
		[ -f "tests/test_$name.c" ] || fail "$ex: missing generated files"
	# Its generated Criterion test builds and passes.
	if pkg-config --exists criterion; then
		make -s check CFLAGS="$cflags" LDFLAGS="$ldflags" >check.log 2>&1 ||
			{ cat check.log >&2; fail "$ex: make check of the scaffolded app"; }
	fi
	cd "$tmp"
	n=$((n + 1))
	echo "scaffold.sh: $ex -> $name builds and answers GET /"
done
[ "$n" -ge 1 ] || fail "no example scaffolded"

# The app grows past one source file: a second file reaches the app table
# through the header, the app and its test link both.
cd my_quickstart
cat >extra.c <<'EOF2'
#include "my_quickstart.h"

/* How many routes the app has (a second source file using the table). */
size_t my_quickstart_routes(void);

size_t
my_quickstart_routes(void)
{
	return my_quickstart_app.n_routes;
}
EOF2
sed -i 's/^SRCS = my_quickstart.c$/SRCS = my_quickstart.c extra.c/' Makefile
grep -q '^SRCS = my_quickstart.c extra.c$' Makefile || fail "no SRCS line in the Makefile"
rm -f my_quickstart tests/test_my_quickstart
make -s CFLAGS="$cflags -Wall -Wextra -Werror" LDFLAGS="$ldflags" >two.log 2>&1 ||
	{ cat two.log >&2; fail "quickstart with two source files does not build"; }
./my_quickstart request GET / >out.txt 2>err.txt && head -n 1 out.txt | grep -q "^Status: 200" ||
	{ cat out.txt err.txt >&2; fail "./my_quickstart request GET / is not 200"; }
if pkg-config --exists criterion; then
	make -s check CFLAGS="$cflags" LDFLAGS="$ldflags" >check.log 2>&1 ||
		{ cat check.log >&2; fail "make check with two source files"; }
fi
cd "$tmp"

# Refusals: an existing folder, a bad name.
if "$sextant" new my_hello >/dev/null 2>err.txt; then fail "overwrote my_hello"; fi
grep -q "already exists" err.txt || fail "no 'already exists' message"
set +e; "$sextant" new ../evil >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 2 ] || fail "a name with a path separator gave exit $rc, expected 2"
echo "scaffold.sh: ok ($n examples)"
