# The store's tests. Unit tests (cmocka) of its pure parts: parameter
# mapping, error mapping, migration file names, order, checksums and
# statement splitting. Integration tests (tests/integration/test_store.py):
# a real camid with store and storebed against a private MariaDB that the
# test starts with scripts/devdb in a temporary directory.
check_PROGRAMS += plugins/store/test_store_unit
plugins_store_test_store_unit_SOURCES = plugins/store/test_store_unit.c \
	plugins/store/store_param.c plugins/store/store_errmap.c plugins/store/store_migfile.c
plugins_store_test_store_unit_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(MARIADB_CFLAGS) \
	$(CMOCKA_CFLAGS)
plugins_store_test_store_unit_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += plugins/store/test_store_unit

check_PROGRAMS += plugins/store/test_store_resource
plugins_store_test_store_resource_SOURCES = plugins/store/test_store_resource.c \
	plugins/store/store_rindex.c plugins/store/store_rspec.c plugins/store/store_rvalue.c \
	plugins/store/store_sbuf.c
plugins_store_test_store_resource_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(MARIADB_CFLAGS) \
	$(CMOCKA_CFLAGS)
plugins_store_test_store_resource_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm
TESTS += plugins/store/test_store_resource

# JSON text written straight into a buffer, against jansson.
check_PROGRAMS += plugins/store/test_store_jtext
plugins_store_test_store_jtext_SOURCES = plugins/store/test_store_jtext.c \
	plugins/store/store_jtext.c plugins/store/store_sbuf.c
plugins_store_test_store_jtext_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CMOCKA_CFLAGS)
plugins_store_test_store_jtext_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm
TESTS += plugins/store/test_store_jtext

# The list writer against the detail path, value by value.
check_PROGRAMS += plugins/store/test_store_rlist
plugins_store_test_store_rlist_SOURCES = plugins/store/test_store_rlist.c \
	plugins/store/store_jtext.c plugins/store/store_rindex.c plugins/store/store_rlist.c \
	plugins/store/store_rquery.c plugins/store/store_rspec.c plugins/store/store_rvalue.c \
	plugins/store/store_sbuf.c
plugins_store_test_store_rlist_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(MARIADB_CFLAGS) \
	$(CMOCKA_CFLAGS)
plugins_store_test_store_rlist_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm
TESTS += plugins/store/test_store_rlist

# storebed drives the store service from HTTP; check-only, -rpath makes it
# a shared object (tests/plugins/.libs/storebed.so).
check_LTLIBRARIES += tests/plugins/storebed.la
tests_plugins_storebed_la_SOURCES = tests/plugins/storebed.c
tests_plugins_storebed_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_storebed_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_plugins_storebed_la_LIBADD = $(JANSSON_LIBS)

TESTS += tests/integration/test_store.py
EXTRA_DIST += tests/integration/test_store.py

# The store's own resources (plugins/store/resources/*.json) over HTTP.
TESTS += tests/integration/test_store_resources.py
EXTRA_DIST += tests/integration/test_store_resources.py
