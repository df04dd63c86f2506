# Test programs. Each folder of tests adds its own fragment; tests/testutil.h
# is shared by all of them.
EXTRA_DIST += tests/testutil.h
include tests/unit/local.mk
include tests/framework/local.mk
include tests/handlers/local.mk
include tests/db/local.mk
include tests/templates/local.mk
include tests/migrate/local.mk
include tests/apps/local.mk
include tests/session/local.mk
include tests/server/local.mk
include tests/fuzz/local.mk
include tests/faults/local.mk
include tests/integration/local.mk
