#!/usr/bin/env bash
# examples/notes in headless Chromium behind a real nginx (notes_browser.py
# says what it drives). Screenshots of the list and edit pages are left in
# $top_builddir/tests/browser/notes-browser.out/ (notes-list.png,
# notes-edit.png, notes-list-phone.png; run.log, app.log).
: "${top_srcdir:?run by make check}" "${top_builddir:?run by make check}"
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "notes in a browser"
sx_require nginx "apt-get install nginx-light"
sx_require /usr/bin/chromium "apt-get install chromium"
sx_require /usr/bin/chromedriver "apt-get install chromium-driver"
py=/usr/bin/python3	# Debian's, which has python3-selenium
if ! "$py" -c 'import selenium' 2>/dev/null; then
	[ "${CI:-}" = "true" ] && { echo "FAIL: $SX_NAME: python3-selenium is not installed" >&2; exit 99; }
	echo "SKIP: $SX_NAME: python3-selenium is not installed (apt-get install python3-selenium)" >&2
	exit 77
fi
out=$top_builddir/tests/browser/notes-browser.out
rm -rf "$out"
mkdir -p "$out"
SX_SOCK=$SX_TMP/app.sock
# run from the example's folder, where it finds templates/ and static/
(cd "$top_srcdir/examples/notes" && umask 000 && SX_PASSWORD_FAST=1 exec \
	"$top_builddir/examples/notes/notes" serve --threads 4 --listen "$SX_SOCK" \
	--database "db_session=sqlite:$SX_TMP/notes.db" --migrate \
	>>"$SX_TMP/app.log" 2>&1) &
SX_PIDS+=("$!")
sx_wait_for "$SX_SOCK"
sx_start_nginx
if "$py" "$top_srcdir/tests/browser/notes_browser.py" "$SX_BASE" "$out" >"$out/run.log" 2>&1; then
	result=ok
else
	result=failed
fi
cat "$out/run.log"
sx_check "the browser run" ok "$result"
sx_check "list screenshot saved" yes "$([ -s "$out/notes-list.png" ] && echo yes || echo no)"
sx_check "edit screenshot saved" yes "$([ -s "$out/notes-edit.png" ] && echo yes || echo no)"
sx_check "nginx error log empty" "" "$(cat "$SX_TMP/nginx-error.log" 2>/dev/null)"
cp "$SX_TMP/app.log" "$out/app.log"
sx_end
