# The notifications plugin's tests. Unit tests (cmocka) of its pure parts
# (plugins/notifications/test_notif_unit.c: payload and registration
# checks against the compiled-in resource spec, object shapes, backoff,
# webhook URLs). Integration test (tests/integration/test_notifications.py):
# a real camid with store, compliance and notifications against a private
# MariaDB (scripts/devdb in a temporary directory), the real bus with a
# Python ZeroMQ publisher, and a local HTTP server as the webhook receiver.
check_PROGRAMS += plugins/notifications/test_notif_unit
plugins_notifications_test_notif_unit_SOURCES = plugins/notifications/test_notif_unit.c \
	plugins/notifications/notif_backoff.c plugins/notifications/notif_config.c \
	plugins/notifications/notif_payload.c
nodist_plugins_notifications_test_notif_unit_SOURCES = \
	plugins/notifications/notif_builtin.c
plugins_notifications_test_notif_unit_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CMOCKA_CFLAGS) -I$(srcdir)/plugins/notifications
plugins_notifications_test_notif_unit_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += plugins/notifications/test_notif_unit

TESTS += tests/integration/test_notifications.py
EXTRA_DIST += tests/integration/test_notifications.py
