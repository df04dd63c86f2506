#!/bin/sh
# The module rules, checked on the include graph of the sources (see
# layering.py for the rules). Fails naming each include that breaks one.
exec python3 "$top_srcdir/tests/unit/layering.py" "$top_srcdir"
