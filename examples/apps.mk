# examples of databases, commit modes and dependency keys
noinst_PROGRAMS += examples/quickstart/quickstart examples/commit_modes/commit_modes \
	examples/multidb/multidb
examples_quickstart_quickstart_SOURCES = examples/quickstart/quickstart.c
examples_quickstart_quickstart_LDADD = $(SX_APPLIBS)
examples_commit_modes_commit_modes_SOURCES = examples/commit_modes/commit_modes.c
examples_commit_modes_commit_modes_LDADD = $(SX_APPLIBS)
examples_multidb_multidb_SOURCES = examples/multidb/multidb.c
examples_multidb_multidb_LDADD = $(SX_APPLIBS)
EXTRA_DIST += examples/quickstart/README.md examples/quickstart/migrations \
	examples/commit_modes/README.md examples/commit_modes/migrations \
	examples/multidb/README.md examples/multidb/migrations
# server-side sessions: register, login, profile, logout
noinst_PROGRAMS += examples/auth/auth
examples_auth_auth_SOURCES = examples/auth/auth.c
examples_auth_auth_LDADD = $(SX_APPLIBS)
EXTRA_DIST += examples/auth/README.md examples/auth/migrations
# the flagship: a notes web app (pages, JSON API, sessions, templates)
noinst_PROGRAMS += examples/notes/notes
examples_notes_notes_SOURCES = examples/notes/notes.c
examples_notes_notes_LDADD = $(SX_APPLIBS)
EXTRA_DIST += examples/notes/README.md examples/notes/migrations \
	examples/notes/templates examples/notes/static
# users, bookmarks and tags written with the helpers of sextant(3)
noinst_PROGRAMS += examples/bookmarks/bookmarks
examples_bookmarks_bookmarks_SOURCES = examples/bookmarks/bookmarks.c
examples_bookmarks_bookmarks_LDADD = $(SX_APPLIBS)
EXTRA_DIST += examples/bookmarks/README.md examples/bookmarks/migrations \
	examples/bookmarks/templates
