# Integration tests: a real camid over real sockets.
# The test plugins are check-only modules; -rpath makes libtool build a
# shared object (tests/plugins/.libs/NAME.so) that the tests' configs load.
check_LTLIBRARIES += tests/plugins/testbed.la tests/plugins/testbed_dup.la
tests_plugins_testbed_la_SOURCES = tests/plugins/testbed.c
tests_plugins_testbed_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_testbed_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_plugins_testbed_la_LIBADD = $(JANSSON_LIBS)
tests_plugins_testbed_dup_la_SOURCES = tests/plugins/testbed_dup.c
tests_plugins_testbed_dup_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_testbed_dup_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_plugins_testbed_dup_la_LIBADD = $(JANSSON_LIBS)

# Each script starts its own camid(s) on free ports, so they may run in
# parallel (make -j check). CAMID_WRAPPER="valgrind ..." runs camid under it.
TESTS += \
	tests/integration/test_http.py \
	tests/integration/test_cli.py \
	tests/integration/test_lifecycle.py
EXTRA_DIST += \
	tests/integration/harness.py \
	tests/integration/test_http.py \
	tests/integration/test_cli.py \
	tests/integration/test_lifecycle.py
