# Unit tests of the config parser and the plugin loader (cmocka).
# Both compile the core sources they test directly, so they run without the
# rest of the host.
check_PROGRAMS += tests/unit/test_config tests/unit/test_loader
TESTS += tests/unit/test_config tests/unit/test_loader

CONFIG_TEST_SOURCES = core/config.c core/config.h core/loader.c core/loader.h \
	core/plugin.h core/diag.c core/diag.h

tests_unit_test_config_SOURCES = tests/unit/test_config.c $(CONFIG_TEST_SOURCES)
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_config_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)

# The loader is built as a host of ABI 1.3 here, so the 1.0 test plugins
# prove that a plugin built for an older minor loads (the SDK is still 1.0).
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c $(CONFIG_TEST_SOURCES)
tests_unit_test_loader_CPPFLAGS = $(AM_CPPFLAGS) -DLOADER_HOST_ABI_MINOR=3
tests_unit_test_loader_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_loader_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)

# Plugins the loader tests open: one good, the rest refused for one reason
# each. check_ libraries are only built shared when given an -rpath.
check_LTLIBRARIES += tests/plugins/good.la tests/plugins/bad_magic.la \
	tests/plugins/abi2.la tests/plugins/abi1_99.la tests/plugins/noentry.la \
	tests/plugins/needs_missing.la tests/plugins/cycle_a.la tests/plugins/cycle_b.la
TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere

tests_plugins_good_la_SOURCES = tests/plugins/good.c
tests_plugins_good_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_good_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_magic_la_SOURCES = tests/plugins/bad_magic.c
tests_plugins_bad_magic_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_bad_magic_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abi2_la_SOURCES = tests/plugins/abi2.c
tests_plugins_abi2_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_abi2_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abi1_99_la_SOURCES = tests/plugins/abi1_99.c
tests_plugins_abi1_99_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_abi1_99_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
# No export filter: the misspelt entry symbol must stay visible.
tests_plugins_noentry_la_SOURCES = tests/plugins/noentry.c
tests_plugins_noentry_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_noentry_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_plugins_needs_missing_la_SOURCES = tests/plugins/needs_missing.c
tests_plugins_needs_missing_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_needs_missing_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_cycle_a_la_SOURCES = tests/plugins/cycle_a.c
tests_plugins_cycle_a_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_cycle_a_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_cycle_b_la_SOURCES = tests/plugins/cycle_b.c
tests_plugins_cycle_b_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_cycle_b_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
