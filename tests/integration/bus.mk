# The bus's integration tests (tests/integration/test_bus.py): a real camid
# with its partner endpoints, real ZeroMQ peers (python3-zmq), camictl.
# busbed drives the bus paths; benchbus is what bench/bus.sh measures
# through. Check-only modules, like testbed (-rpath makes them shared).
check_LTLIBRARIES += tests/plugins/busbed.la tests/plugins/benchbus.la
tests_plugins_busbed_la_SOURCES = tests/plugins/busbed.c
tests_plugins_busbed_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_busbed_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_plugins_busbed_la_LIBADD = $(JANSSON_LIBS)
tests_plugins_benchbus_la_SOURCES = tests/plugins/benchbus.c
tests_plugins_benchbus_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_benchbus_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_plugins_benchbus_la_LIBADD = $(JANSSON_LIBS)

TESTS += tests/integration/test_bus.py
EXTRA_DIST += tests/integration/test_bus.py
