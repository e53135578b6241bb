# Unit tests of other core parts (cmocka), and the layering check.
TESTS += tests/layering.sh
dist_noinst_SCRIPTS += tests/layering.sh

# ABI check: the SDK's types, carried by sdk/abi/probe.c, compared by abidiff
# with the committed baseline. Any difference fails: an append must come with
# a CAMI_ABI_MINOR bump and a new baseline (make abi-baseline), anything else
# breaks ABI 1.
check_LTLIBRARIES += tests/abi/probe.la
tests_abi_probe_la_SOURCES = sdk/abi/probe.c
tests_abi_probe_la_CFLAGS = $(PLUGIN_CFLAGS) -g -O0
tests_abi_probe_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
TESTS += tests/abi-check.sh
dist_noinst_SCRIPTS += tests/abi-check.sh
EXTRA_DIST += sdk/abi/cami-sdk-1.abi

abi-baseline: tests/abi/probe.la
	abidw --no-corpus-path --no-comp-dir-path $(top_builddir)/tests/abi/.libs/probe.so > $(top_srcdir)/sdk/abi/cami-sdk-1.abi
	@echo "sdk/abi/cami-sdk-1.abi updated: commit it with the header change and the ABI minor bump"
.PHONY: abi-baseline

check_PROGRAMS += tests/unit/test_core
TESTS += tests/unit/test_core
tests_unit_test_core_SOURCES = tests/unit/test_core.c core/buf.c core/diag.c core/http/date.c \
	core/metrics.c core/services.c core/jsonreal.c
tests_unit_test_core_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_core_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_bus
TESTS += tests/unit/test_bus
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c core/bus/topic.c core/bus/frames.c \
	core/bus/jsoncheck.c
tests_unit_test_bus_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_bus_LDADD = $(CMOCKA_LIBS) $(JANSSON_LIBS)
