# The store's resource engine (resource_add in sdk/include/cami/store.h):
# tests/integration/test_resources.py runs a real camid with store and
# resbed (tests/plugins/resbed.c: resources of every field type, with
# hooks, on tables from its own migrations) against a private MariaDB.

# resbed is check-only; -rpath makes it a shared object
# (tests/plugins/.libs/resbed.so).
check_LTLIBRARIES += tests/plugins/resbed.la
tests_plugins_resbed_la_SOURCES = tests/plugins/resbed.c
tests_plugins_resbed_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_resbed_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_plugins_resbed_la_LIBADD = $(JANSSON_LIBS)

TESTS += tests/integration/test_resources.py
EXTRA_DIST += tests/integration/test_resources.py \
	tests/plugins/resbed-migrations/0001_things.sql \
	tests/plugins/resbed-migrations/0002_things_count_index.sql
