# The compliance plugin's tests. Unit tests (cmocka) of its pure intake
# checks (plugins/compliance/test_compliance_measure.c, against the
# compiled-in resource specs). Integration test
# (tests/integration/test_compliance.py): a real camid with store and
# compliance against a private MariaDB (scripts/devdb in a temporary
# directory) and the real bus, with Python ZeroMQ peers on its endpoints.
check_PROGRAMS += plugins/compliance/test_compliance_measure
plugins_compliance_test_compliance_measure_SOURCES = \
	plugins/compliance/test_compliance_measure.c plugins/compliance/compliance_measure.c
nodist_plugins_compliance_test_compliance_measure_SOURCES = \
	plugins/compliance/compliance_builtin.c
plugins_compliance_test_compliance_measure_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CMOCKA_CFLAGS) -I$(srcdir)/plugins/compliance
plugins_compliance_test_compliance_measure_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += plugins/compliance/test_compliance_measure

TESTS += tests/integration/test_compliance.py
EXTRA_DIST += tests/integration/test_compliance.py
