# Unit tests of the compliance plugin's pure parts (cmocka): the rules,
# their config and texts, the last_values views. The config is read through
# the SDK's fake host by a small plugin in the test. The plugin itself is
# built by plugins/compliance/local.mk.
check_PROGRAMS += plugins/compliance/test_compliance_rules
TESTS += plugins/compliance/test_compliance_rules
plugins_compliance_test_compliance_rules_SOURCES = \
	plugins/compliance/test_compliance_rules.c \
	plugins/compliance/compliance_builtin.h \
	plugins/compliance/compliance_lastvalues.c plugins/compliance/compliance_lastvalues.h \
	plugins/compliance/compliance_rules.c plugins/compliance/compliance_rules.h \
	plugins/compliance/compliance_scale.h \
	plugins/compliance/compliance_texts.c plugins/compliance/compliance_texts.h
nodist_plugins_compliance_test_compliance_rules_SOURCES = \
	plugins/compliance/test_compliance_builtin.c
plugins_compliance_test_compliance_rules_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CMOCKA_CFLAGS) -I$(srcdir)/plugins/compliance
plugins_compliance_test_compliance_rules_LDADD = sdk/testing/libcami-testing.a \
	$(JANSSON_LIBS) $(CMOCKA_LIBS) -lm

# The built-in texts for the test, under the plugin's symbol and entry name
# ("compliance/texts.json"), in a file of the test's own so this fragment
# and local.mk never make the same target. Prerequisites are found through
# VPATH; the script runs in the source tree.
plugins/compliance/test_compliance_builtin.c: scripts/embed.sh plugins/compliance/texts.json
	$(AM_V_GEN)$(MKDIR_P) plugins/compliance && \
	(cd $(top_srcdir) && $(SHELL) scripts/embed.sh compliance_builtin compliance_builtin.h \
		plugins/compliance/texts.json) > $@.tmp && mv $@.tmp $@
CLEANFILES += plugins/compliance/test_compliance_builtin.c
EXTRA_DIST += plugins/compliance/texts.json
