/*
 * notifications.c - the notifications plugin: the original CAMI's frontend
 * notifications service (port 8001) on camid.
 *
 *   /api/v1/notifications/             the Tastypie resource the app polls
 *                                      (the store's engine; notif_resources.c)
 *   notification.create (bus)          a rule's notification: stored once,
 *                                      with journal entries and deliveries
 *                                      (notif_intake.c, notif_fanout.c)
 *   /api/v1/mobile-notification-key/, /api/v1/push-notification-subscribe/,
 *   .../mobile-notification-key/resend/   devices (notif_devices.c)
 *   /api/v1/healthcheck/               the database and the bus, asked now
 *                                      (notif_health.c)
 *
 * and the delivery queue that sends each notification to its webhook and
 * devices through adapters (notif_queue.c, notif_adapter_*.c), with
 * libcurl's multi interface on the loop for outbound HTTP (notif_http.c).
 * plugins/notifications/README.md has the whole picture.
 */
#include "notif_state.h"

struct notif_state notif;

static void state_free(void)
{
    fanout_fini();
    json_decref(notif.spec);
    notif = (struct notif_state){ 0 };
}

static int notifications_init(cami_plugin *self)
{
    size_t size;
    int rc;

    notif.self = self;
    notif.db = cami_service_get(self, CAMI_STORE_SERVICE, CAMI_STORE_VERSION, &size);
    if (notif.db == NULL) /* camid has logged what it found */
        return CAMI_ENOENT;
    if (!CAMI_STORE_HAS(notif.db, size, resource_add) ||
        !CAMI_STORE_HAS(notif.db, size, migration_add)) {
        cami_log(self, CAMI_LOG_ERROR, "the store plugin is too old: its service lacks "
                 "resource_add or migration_add; install the store of this camid");
        return CAMI_ENOTSUP;
    }
    rc = notif_config_read(self, &notif.cfg); /* logs why it refuses */
    if (rc == CAMI_OK)
        rc = resources_add();
    if (rc == CAMI_OK)
        rc = fanout_prepare();
    if (rc == CAMI_OK)
        rc = intake_add();
    if (rc == CAMI_OK)
        rc = devices_add();
    if (rc == CAMI_OK)
        rc = health_add();
    if (rc != CAMI_OK) {
        state_free();
        return rc;
    }
    return CAMI_OK;
}

static int notifications_start(cami_plugin *self)
{
    int rc = queue_start();

    if (rc != CAMI_OK)
        cami_log(self, CAMI_LOG_ERROR, "the delivery queue cannot start (%d)", rc);
    else
        cami_log(self, CAMI_LOG_INFO, "delivering through %s%s; devices: apns %s, fcm %s, "
                 "wns %s", notif.cfg.webhook_url != NULL ? "the webhook and " : "",
                 "the log adapter", notif.cfg.apns_adapter ? notif.cfg.apns_adapter : "none",
                 notif.cfg.fcm_adapter ? notif.cfg.fcm_adapter : "none",
                 notif.cfg.wns_adapter ? notif.cfg.wns_adapter : "none");
    return rc;
}

static void notifications_stop(cami_plugin *self)
{
    (void)self;
    queue_stop(); /* no new claims; what is in flight finishes until fini */
}

static void notifications_fini(cami_plugin *self)
{
    (void)self;
    queue_fini();
    state_free();
}

static const cami_dependency notifications_deps[] = { { "store", 0 }, { NULL, 0 } };

CAMI_PLUGIN(notifications, "1.0.0",
            "Notifications for the app: the notifications resource, notification.create from "
            "the rules, device registration, the healthcheck, and delivery through a durable "
            "queue (webhook and log adapters)",
            .init = notifications_init, .start = notifications_start,
            .stop = notifications_stop, .fini = notifications_fini,
            .dependencies = notifications_deps, .config_schema = notif_config_schema);
