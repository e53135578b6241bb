# sdk/testing/: the fake host for plugin unit tests. Installed as a plain
# static library (test programs link it; nothing dlopen()s it, so no libtool
# shared object) with <cami/testing.h> and cami-testing.pc.
lib_LIBRARIES = sdk/testing/libcami-testing.a
sdk_testing_libcami_testing_a_SOURCES = \
	sdk/testing/fake.h sdk/testing/fake_host.c sdk/testing/fake_pairs.c \
	sdk/testing/fake_config.c sdk/testing/fake_route.c sdk/testing/fake_request.c \
	sdk/testing/fake_response.c sdk/testing/fake_loop.c sdk/testing/fake_service.c \
	sdk/testing/fake_bus.c
# binutils warns about the "u" of automake's default "cru".
sdk_testing_libcami_testing_a_AR = $(AR) cr
sdk_testing_libcami_testing_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
camiinclude_HEADERS += sdk/include/cami/testing.h
pkgconfig_DATA += sdk/testing/cami-testing.pc
EXTRA_DIST += sdk/testing/cami-testing.pc.in

# The fake host's own tests: a small plugin defined in the test exercises
# every member of the table and every contract check.
check_PROGRAMS += tests/unit/test_fake_host
tests_unit_test_fake_host_SOURCES = sdk/testing/test_fake_host.c
tests_unit_test_fake_host_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_fake_host_LDADD = sdk/testing/libcami-testing.a $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_fake_host
