# tests/templates: the Mustache engine against the official specification,
# its own behaviour (errors, escaping, folders, threads), and render.c.
check_PROGRAMS += tests/templates/test_spec tests/templates/test_tpl \
	tests/templates/test_render
TESTS += tests/templates/test_spec tests/templates/test_tpl \
	tests/templates/test_render
tests_templates_test_spec_SOURCES = tests/templates/test_spec.c
tests_templates_test_spec_CFLAGS = $(SX_TESTCFLAGS)
tests_templates_test_spec_LDADD = $(SX_TESTLIBS)
tests_templates_test_spec_LDFLAGS = $(SX_TESTLINK)
tests_templates_test_tpl_SOURCES = tests/templates/test_tpl.c
tests_templates_test_tpl_CFLAGS = $(SX_TESTCFLAGS)
tests_templates_test_tpl_LDADD = $(SX_TESTLIBS)
tests_templates_test_tpl_LDFLAGS = $(SX_TESTLINK)
tests_templates_test_render_SOURCES = tests/templates/test_render.c
tests_templates_test_render_CFLAGS = $(SX_TESTCFLAGS)
tests_templates_test_render_LDADD = $(SX_TESTLIBS)
tests_templates_test_render_LDFLAGS = $(SX_TESTLINK)
