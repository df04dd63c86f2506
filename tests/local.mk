# Test programs. Each folder of tests adds its own fragment.
include tests/unit/local.mk
include tests/integration/local.mk
