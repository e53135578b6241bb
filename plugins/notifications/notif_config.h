/*
 * notif_config.h - [plugin.notifications]: the schema camid checks the
 * admin's file against, and the values as the plugin uses them, checked
 * for sense (ranges, a URL camid can post to, adapters that exist).
 */
#ifndef NOTIF_CONFIG_H
#define NOTIF_CONFIG_H

#include <stdint.h>

#include <cami/cami.h>

/* Where the pushes to a kind of device go: an adapter's name, or NULL
 * (the config said "none": such devices get no deliveries). */
struct notif_config {
    const char *webhook_url;           /* NULL: no webhook deliveries */
    int64_t webhook_timeout_ms;
    const char *apns_adapter;          /* APNS devices, ios mobile keys */
    const char *fcm_adapter;           /* FCM and GCM devices, android mobile keys */
    const char *wns_adapter;           /* WNS devices */
    int push_mobile_keys;              /* mobile keys get their recipient type's notifications */
    int journal;                       /* also write store_journalentry rows */
    int64_t poll_interval_ms;
    int64_t batch_size;
    int64_t max_in_flight;
    int64_t retry_base_ms, retry_max_ms, max_attempts;
    int64_t lease_ms;
    int64_t healthcheck_timeout_ms;
    int64_t retention_days;            /* 0: keep finished deliveries */
};

/* The schema (ended by a NULL key), for the descriptor. */
extern const cami_config_key notif_config_schema[];

/* Read and check the config into cfg (its strings stay valid until fini).
 * CAMI_OK, or CAMI_EINVAL after logging the key and why. */
int notif_config_read(cami_plugin *self, struct notif_config *cfg);

/* Pure: is `name` an adapter that can send to devices (or "none")? */
int notif_config_device_adapter_ok(const char *name);

/* Pure: is `url` one the webhook adapter can post to? 0, or -1 with the
 * reason in err. */
int notif_config_check_url(const char *url, char *err, size_t errlen);

/* A delivery's result is written ("marked") up to NOTIF_MARK_TRIES times,
 * NOTIF_MARK_RETRY_MS apart; the lease must outlast a send plus all of
 * that, or a slow success could be claimed and sent again. */
#define NOTIF_MARK_TRIES 5
#define NOTIF_MARK_RETRY_MS 1000
#define NOTIF_LEASE_MARGIN_MS (NOTIF_MARK_TRIES * NOTIF_MARK_RETRY_MS)

#endif
