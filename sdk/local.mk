# sdk/: public headers, pkg-config file, the fake host for plugin unit tests,
# and the hello example (built here as a plugin and also out of tree).
camiincludedir = $(includedir)/cami
camiinclude_HEADERS = \
	sdk/include/cami/cami.h sdk/include/cami/abi.h sdk/include/cami/plugin.h \
	sdk/include/cami/host.h sdk/include/cami/log.h sdk/include/cami/config.h \
	sdk/include/cami/http.h sdk/include/cami/async.h sdk/include/cami/service.h \
	sdk/include/cami/bus.h sdk/include/cami/store.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = sdk/cami-sdk.pc

# In-tree plugins are all built into plugins/ so their .so files land in
# plugins/.libs/, which the build-tree configs in etc/ point at.
pkglib_LTLIBRARIES += plugins/hello.la
plugins_hello_la_SOURCES = sdk/examples/hello/hello.c
plugins_hello_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_hello_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_hello_la_LIBADD = $(JANSSON_LIBS)

# Files, not the folder: a folder in EXTRA_DIST is also copied from the build
# tree, objects and all. hello.c and test_hello.c are distributed as sources.
EXTRA_DIST += sdk/examples/hello/Makefile sdk/testing/README.md

# The hello example's unit tests: its handlers compiled into a test program
# with the fake host (sdk/testing/), no sockets.
check_PROGRAMS += tests/unit/test_hello
tests_unit_test_hello_SOURCES = sdk/examples/hello/test_hello.c sdk/examples/hello/hello.c
tests_unit_test_hello_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hello_LDADD = sdk/testing/libcami-testing.a $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_hello

# The SDK as a partner gets it: install into a DESTDIR, build a copy of
# sdk/examples/hello/ with pkg-config alone, run its tests there.
TESTS += tests/integration/sdk_out_of_tree.sh
dist_noinst_SCRIPTS += tests/integration/sdk_out_of_tree.sh

# libtool's .la files are of no use for dlopen()ed modules. Without them
# libtool's uninstall cannot find the .so files, so uninstall removes them.
install-exec-hook:
	rm -f $(DESTDIR)$(pkglibdir)/*.la
uninstall-hook:
	for la in $(pkglib_LTLIBRARIES); do \
	  rm -f "$(DESTDIR)$(pkglibdir)/`basename $$la .la`.so"; \
	done
