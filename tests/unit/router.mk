# Unit tests of the router and query parsing (cmocka). They compile the two
# core sources they test directly, so they build while the rest of core/ is
# still in progress and need nothing but cmocka at link time.
check_PROGRAMS += tests/unit/test_router tests/unit/test_query
TESTS += tests/unit/test_router tests/unit/test_query

tests_unit_test_router_SOURCES = tests/unit/test_router.c core/http/router.c core/http/query.c
tests_unit_test_router_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBUV_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_router_LDADD = $(CMOCKA_LIBS)

tests_unit_test_query_SOURCES = tests/unit/test_query.c core/http/query.c
tests_unit_test_query_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBUV_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_query_LDADD = $(CMOCKA_LIBS)

# libFuzzer harnesses: built by hand with clang, never by make (see README).
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/fuzz_router.c tests/fuzz/fuzz_query.c
