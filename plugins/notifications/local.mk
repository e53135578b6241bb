# The notifications plugin (plugins/notifications/README.md): the
# notifications resource, notification.create from the bus, device
# registration, the healthcheck, and the delivery queue with its webhook
# and log adapters (outbound HTTP: libcurl's multi interface on the loop).
# tests/integration/notifications.mk has the plugin's tests.
pkglib_LTLIBRARIES += plugins/notifications.la
plugins_notifications_la_SOURCES = \
	plugins/notifications/notifications.c \
	plugins/notifications/notif_adapter.h \
	plugins/notifications/notif_adapter_log.c \
	plugins/notifications/notif_adapter_webhook.c \
	plugins/notifications/notif_backoff.c plugins/notifications/notif_backoff.h \
	plugins/notifications/notif_builtin.h \
	plugins/notifications/notif_config.c plugins/notifications/notif_config.h \
	plugins/notifications/notif_devices.c \
	plugins/notifications/notif_fanout.c \
	plugins/notifications/notif_health.c \
	plugins/notifications/notif_http.c plugins/notifications/notif_http.h \
	plugins/notifications/notif_intake.c \
	plugins/notifications/notif_payload.c plugins/notifications/notif_payload.h \
	plugins/notifications/notif_queue.c \
	plugins/notifications/notif_ratelog.c \
	plugins/notifications/notif_resources.c \
	plugins/notifications/notif_state.h
nodist_plugins_notifications_la_SOURCES = plugins/notifications/notif_builtin.c
plugins_notifications_la_CFLAGS = $(PLUGIN_CFLAGS) $(LIBCURL_CFLAGS) \
	-I$(srcdir)/plugins/notifications
plugins_notifications_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_notifications_la_LIBADD = $(LIBCURL_LIBS) $(JANSSON_LIBS)

# The plugin's schema and resource spec, compiled into the .so
# ("migrations/...", "resources/..."). Prerequisites are found through
# VPATH; the script runs in the source tree.
notifications_builtin_files = \
	plugins/notifications/migrations/0001_notifications.sql \
	plugins/notifications/resources/notifications.json
plugins/notifications/notif_builtin.c: scripts/embed.sh $(notifications_builtin_files)
	$(AM_V_GEN)$(MKDIR_P) plugins/notifications && \
	(cd $(top_srcdir) && $(SHELL) scripts/embed.sh notif_builtin notif_builtin.h \
		$(notifications_builtin_files)) > $@.tmp && mv $@.tmp $@
CLEANFILES += plugins/notifications/notif_builtin.c
EXTRA_DIST += plugins/notifications/README.md $(notifications_builtin_files)
