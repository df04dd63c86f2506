# tests/migrate: the migration engine (SQLite and PostgreSQL), the app's db
# command, the man pages and scaffolding.
if HAVE_CRITERION
check_PROGRAMS += tests/migrate/test_migrate
TESTS += tests/migrate/test_migrate
tests_migrate_test_migrate_SOURCES = tests/migrate/test_migrate.c
tests_migrate_test_migrate_CFLAGS = $(SX_TESTCFLAGS)
tests_migrate_test_migrate_LDADD = $(SX_TESTLIBS)
tests_migrate_test_migrate_LDFLAGS = $(SX_TESTLINK)
endif
# The app's db command through the example binaries (shell).
TESTS += tests/migrate/cli.sh
dist_check_SCRIPTS += tests/migrate/cli.sh
# Every command reads the same settings: options, config file, databases.
TESTS += tests/migrate/settings.sh
dist_check_SCRIPTS += tests/migrate/settings.sh
# The manual pages pass mandoc -T lint.
TESTS += tests/migrate/man-lint.sh
dist_check_SCRIPTS += tests/migrate/man-lint.sh
# make install, then `sextant new` from each example builds and answers.
TESTS += tests/migrate/scaffold.sh
dist_check_SCRIPTS += tests/migrate/scaffold.sh
# Every setup mistake stops start-up with one line naming it (shell).
check_PROGRAMS += tests/migrate/badkey
tests_migrate_badkey_SOURCES = tests/migrate/badkey.c
tests_migrate_badkey_LDADD = $(SX_APPLIBS)
TESTS += tests/migrate/startup.sh
dist_check_SCRIPTS += tests/migrate/startup.sh
