# The store plugin (plugins/store/README.md): MariaDB for every plugin.
pkglib_LTLIBRARIES += plugins/store.la
plugins_store_la_SOURCES = \
	plugins/store/store.c \
	plugins/store/store_builtin.h \
	plugins/store/store_config.c plugins/store/store_config.h \
	plugins/store/store_conn.c plugins/store/store_conn.h \
	plugins/store/store_errmap.c plugins/store/store_errmap.h \
	plugins/store/store_fast.c plugins/store/store_fast.h \
	plugins/store/store_job.c plugins/store/store_job.h \
	plugins/store/store_migfile.c plugins/store/store_migfile.h \
	plugins/store/store_migrate.c plugins/store/store_migrate.h \
	plugins/store/store_param.c plugins/store/store_param.h \
	plugins/store/store_pool.c plugins/store/store_pool.h \
	plugins/store/store_resource.h \
	plugins/store/store_jtext.c plugins/store/store_jtext.h \
	plugins/store/store_rhttp.c plugins/store/store_rindex.c plugins/store/store_rlearn.c \
	plugins/store/store_rlist.c plugins/store/store_rquery.c plugins/store/store_rschema.c \
	plugins/store/store_rspec.c plugins/store/store_rvalue.c plugins/store/store_rwrite.c \
	plugins/store/store_sbuf.c plugins/store/store_sbuf.h \
	plugins/store/store_state.h \
	plugins/store/store_stmt.c plugins/store/store_stmt.h \
	plugins/store/store_stmtcache.c plugins/store/store_stmtcache.h \
	plugins/store/store_tx.c plugins/store/store_tx.h
nodist_plugins_store_la_SOURCES = plugins/store/store_builtin.c
plugins_store_la_CFLAGS = $(PLUGIN_CFLAGS) $(MARIADB_CFLAGS) -I$(srcdir)/plugins/store
plugins_store_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_store_la_LIBADD = $(MARIADB_LIBS) $(JANSSON_LIBS)

# The store's own schema and resources, compiled into the .so.
store_builtin_files = \
	plugins/store/migrations/0001_people_devices_measurements.sql \
	plugins/store/resources/caregiverprofile.json \
	plugins/store/resources/device.json \
	plugins/store/resources/deviceusage.json \
	plugins/store/resources/enduserprofile.json \
	plugins/store/resources/healthprofessionalpatient.json \
	plugins/store/resources/healthprofessionalprofile.json \
	plugins/store/resources/journal_entries.json \
	plugins/store/resources/measurement.json \
	plugins/store/resources/pushnotificationdevice.json \
	plugins/store/resources/user.json
# (Prerequisites are found through VPATH; the script runs in the source tree.)
plugins/store/store_builtin.c: scripts/embed.sh $(store_builtin_files)
	$(AM_V_GEN)$(MKDIR_P) plugins/store && \
	(cd $(top_srcdir) && $(SHELL) scripts/embed.sh store_builtin store_builtin.h \
		$(store_builtin_files)) > $@.tmp && mv $@.tmp $@
CLEANFILES += plugins/store/store_builtin.c
EXTRA_DIST += plugins/store/README.md scripts/embed.sh $(store_builtin_files)
