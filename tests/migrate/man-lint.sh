#!/bin/sh
# Every manual page is clean for mandoc -T lint at warning level (what
# `man -l` would complain about). Style notes such as references to pages
# not installed on this machine are below that level.
set -eu
s=${top_srcdir:?run through make check}
command -v mandoc >/dev/null 2>&1 || {
	echo "man-lint.sh: mandoc not found (apt-get install mandoc)" >&2
	[ "${CI:-}" = true ] && exit 1
	exit 77
}
status=0
n=0
for page in "$s"/man/*.[1-9]; do
	n=$((n + 1))
	if ! out=$(mandoc -T lint -W warning "$page" 2>&1) || [ -n "$out" ]; then
		echo "$out" >&2
		echo "FAIL: $page has mandoc warnings" >&2
		status=1
	fi
done
[ "$n" -ge 4 ] || { echo "FAIL: expected at least 4 pages, found $n" >&2; exit 1; }
[ $status = 0 ] && echo "man-lint.sh: $n pages clean"
exit $status
