# The store plugin (plugins/store/README.md): MariaDB for every plugin.
pkglib_LTLIBRARIES += plugins/store.la
plugins_store_la_SOURCES = \
	plugins/store/store.c \
	plugins/store/store_config.c plugins/store/store_config.h \
	plugins/store/store_conn.c plugins/store/store_conn.h \
	plugins/store/store_errmap.c plugins/store/store_errmap.h \
	plugins/store/store_job.c plugins/store/store_job.h \
	plugins/store/store_migfile.c plugins/store/store_migfile.h \
	plugins/store/store_migrate.c plugins/store/store_migrate.h \
	plugins/store/store_param.c plugins/store/store_param.h \
	plugins/store/store_pool.c plugins/store/store_pool.h \
	plugins/store/store_state.h \
	plugins/store/store_stmt.c plugins/store/store_stmt.h \
	plugins/store/store_stmtcache.c plugins/store/store_stmtcache.h \
	plugins/store/store_tx.c plugins/store/store_tx.h
plugins_store_la_CFLAGS = $(PLUGIN_CFLAGS) $(MARIADB_CFLAGS)
plugins_store_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_store_la_LIBADD = $(MARIADB_LIBS) $(JANSSON_LIBS)

EXTRA_DIST += plugins/store/README.md
