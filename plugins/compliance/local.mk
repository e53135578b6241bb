# The compliance plugin (plugins/compliance/README.md): medication plans and
# readings as REST resources, their charts (last_values), the measurement
# intake (HTTP and bus), and the rules that raise notifications.
# rules.mk builds the rules' own unit test; tests/integration/compliance.mk
# has the plugin's tests.
pkglib_LTLIBRARIES += plugins/compliance.la
plugins_compliance_la_SOURCES = \
	plugins/compliance/compliance.c \
	plugins/compliance/compliance_builtin.h \
	plugins/compliance/compliance_intake.c \
	plugins/compliance/compliance_lastroutes.c \
	plugins/compliance/compliance_lastvalues.c plugins/compliance/compliance_lastvalues.h \
	plugins/compliance/compliance_measure.c plugins/compliance/compliance_measure.h \
	plugins/compliance/compliance_publish.c \
	plugins/compliance/compliance_resources.c \
	plugins/compliance/compliance_rules.c plugins/compliance/compliance_rules.h \
	plugins/compliance/compliance_scale.h \
	plugins/compliance/compliance_state.h \
	plugins/compliance/compliance_texts.c plugins/compliance/compliance_texts.h
nodist_plugins_compliance_la_SOURCES = plugins/compliance/compliance_builtin.c
plugins_compliance_la_CFLAGS = $(PLUGIN_CFLAGS) -I$(srcdir)/plugins/compliance
plugins_compliance_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_compliance_la_LIBADD = $(JANSSON_LIBS) -lm

# The plugin's schema, resource specs and built-in notification texts,
# compiled into the .so ("migrations/...", "resources/...",
# "compliance/texts.json"). Prerequisites are found through VPATH; the
# script runs in the source tree.
compliance_builtin_files = \
	plugins/compliance/migrations/0001_plans_and_measurements.sql \
	plugins/compliance/resources/bloodpressure-measurements.json \
	plugins/compliance/resources/heartrate-measurements.json \
	plugins/compliance/resources/medication-plans.json \
	plugins/compliance/resources/steps-measurements.json \
	plugins/compliance/resources/weight-measurements.json \
	plugins/compliance/texts.json
plugins/compliance/compliance_builtin.c: scripts/embed.sh $(compliance_builtin_files)
	$(AM_V_GEN)$(MKDIR_P) plugins/compliance && \
	(cd $(top_srcdir) && $(SHELL) scripts/embed.sh compliance_builtin compliance_builtin.h \
		$(compliance_builtin_files)) > $@.tmp && mv $@.tmp $@
CLEANFILES += plugins/compliance/compliance_builtin.c
EXTRA_DIST += plugins/compliance/README.md $(compliance_builtin_files)
