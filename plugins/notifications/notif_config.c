/*
 * notif_config.c - [plugin.notifications] (notif_config.h). The docs of
 * each key are what `camid --plugin-info` shows admins; etc/camid.d/
 * notifications.conf repeats them with the defaults.
 */
#include <stdio.h>
#include <string.h>

#include "notif_config.h"

const cami_config_key notif_config_schema[] = {
    { "webhook_url", CAMI_CONFIG_STRING, "", 0,
      "http(s) URL every notification is POSTed to as JSON (the webhook adapter); empty: none" },
    { "webhook_timeout", CAMI_CONFIG_INT, "10000", 0,
      "ms a webhook POST may take before it counts as failed and is retried" },
    { "apns_adapter", CAMI_CONFIG_STRING, "log", 0,
      "adapter for APNS devices and ios mobile keys: log, or none (no deliveries)" },
    { "fcm_adapter", CAMI_CONFIG_STRING, "log", 0,
      "adapter for FCM/GCM devices and android mobile keys: log, or none" },
    { "wns_adapter", CAMI_CONFIG_STRING, "log", 0, "adapter for WNS devices: log, or none" },
    { "push_mobile_keys", CAMI_CONFIG_BOOL, "true", 0,
      "keys from /mobile-notification-key/ (they name no person) get every notification of "
      "their recipient type, as in the original" },
    { "journal", CAMI_CONFIG_BOOL, "true", 0,
      "also write each notification as a journal entry (store_journalentry) for its recipients" },
    { "poll_interval", CAMI_CONFIG_INT, "1000", 0,
      "ms between looks for due deliveries (new ones start at once in the worker that queued "
      "them)" },
    { "batch_size", CAMI_CONFIG_INT, "20", 0, "deliveries one look claims at most" },
    { "max_in_flight", CAMI_CONFIG_INT, "50", 0, "deliveries one worker sends at the same time" },
    { "retry_base", CAMI_CONFIG_INT, "1000", 0,
      "ms before the first retry of a failed delivery; each further retry waits twice as long" },
    { "retry_max", CAMI_CONFIG_INT, "300000", 0, "ms at most between two attempts" },
    { "max_attempts", CAMI_CONFIG_INT, "10", 0,
      "attempts before a delivery is marked failed" },
    { "lease", CAMI_CONFIG_INT, "60000", 0,
      "ms a claimed delivery stays with its worker; after that (a crash) another worker sends "
      "it again; above webhook_timeout" },
    { "healthcheck_timeout", CAMI_CONFIG_INT, "2000", 0,
      "ms /api/v1/healthcheck/ waits for the database and the bus before reporting failed" },
    { "delivery_retention", CAMI_CONFIG_INT, "30", 0,
      "days sent and failed deliveries are kept; 0: kept for ever" },
    { NULL, 0, NULL, 0, NULL }
};

int notif_config_device_adapter_ok(const char *name)
{
    return strcmp(name, "log") == 0 || strcmp(name, "none") == 0;
}

int notif_config_check_url(const char *url, char *err, size_t errlen)
{
    const char *host;
    size_t n;

    if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else {
        snprintf(err, errlen, "must start with http:// or https://");
        return -1;
    }
    n = strcspn(host, "/?#");
    if (n == 0 || host[0] == ':' || host[0] == '@') {
        snprintf(err, errlen, "names no host");
        return -1;
    }
    for (const char *p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            snprintf(err, errlen, "may not contain spaces or control characters");
            return -1;
        }
    if (strlen(url) > 2000) {
        snprintf(err, errlen, "is longer than 2000 characters");
        return -1;
    }
    return 0;
}

struct range {
    const char *key;
    int64_t *out;
    int64_t min, max;
};

static int read_ints(cami_plugin *self, const struct range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cami_config_int(self, r[i].key, r[i].out) != CAMI_OK) {
            cami_log(self, CAMI_LOG_ERROR, "%s: cannot be read", r[i].key);
            return CAMI_EINVAL;
        }
        if (*r[i].out < r[i].min || *r[i].out > r[i].max) {
            cami_log(self, CAMI_LOG_ERROR, "%s must be from %lld to %lld (it is %lld)", r[i].key,
                     (long long)r[i].min, (long long)r[i].max, (long long)*r[i].out);
            return CAMI_EINVAL;
        }
    }
    return CAMI_OK;
}

static int read_adapter(cami_plugin *self, const char *key, const char **out)
{
    const char *v = cami_config_string(self, key);

    if (v == NULL || !notif_config_device_adapter_ok(v)) {
        cami_log(self, CAMI_LOG_ERROR, "%s must be 'log' or 'none' (it is '%s'); push-service "
                 "adapters such as APNs or FCM are not built into this version", key,
                 v != NULL ? v : "");
        return CAMI_EINVAL;
    }
    *out = strcmp(v, "none") == 0 ? NULL : v;
    return CAMI_OK;
}

int notif_config_read(cami_plugin *self, struct notif_config *cfg)
{
    const int64_t day = 86400000;
    const struct range ints[] = {
        { "webhook_timeout", &cfg->webhook_timeout_ms, 100, 300000 },
        { "poll_interval", &cfg->poll_interval_ms, 50, 3600000 },
        { "batch_size", &cfg->batch_size, 1, 500 },
        { "max_in_flight", &cfg->max_in_flight, 1, 10000 },
        { "retry_base", &cfg->retry_base_ms, 10, day },
        { "retry_max", &cfg->retry_max_ms, 10, 7 * day },
        { "max_attempts", &cfg->max_attempts, 1, 1000 },
        { "lease", &cfg->lease_ms, 1000, day },
        { "healthcheck_timeout", &cfg->healthcheck_timeout_ms, 100, 60000 },
        { "delivery_retention", &cfg->retention_days, 0, 36500 },
    };
    const char *url;
    char why[200];
    int rc;

    *cfg = (struct notif_config){ 0 };
    rc = read_ints(self, ints, sizeof ints / sizeof ints[0]);
    if (rc == CAMI_OK && cfg->retry_max_ms < cfg->retry_base_ms) {
        cami_log(self, CAMI_LOG_ERROR, "retry_max (%lld ms) may not be below retry_base "
                 "(%lld ms)", (long long)cfg->retry_max_ms, (long long)cfg->retry_base_ms);
        rc = CAMI_EINVAL;
    }
    if (rc == CAMI_OK && cfg->lease_ms <= cfg->webhook_timeout_ms + NOTIF_LEASE_MARGIN_MS) {
        cami_log(self, CAMI_LOG_ERROR, "lease (%lld ms) must be longer than webhook_timeout "
                 "(%lld ms) plus %d ms for writing the result, or a slow send could be claimed "
                 "and sent again", (long long)cfg->lease_ms, (long long)cfg->webhook_timeout_ms,
                 NOTIF_LEASE_MARGIN_MS);
        rc = CAMI_EINVAL;
    }
    if (rc == CAMI_OK)
        rc = read_adapter(self, "apns_adapter", &cfg->apns_adapter);
    if (rc == CAMI_OK)
        rc = read_adapter(self, "fcm_adapter", &cfg->fcm_adapter);
    if (rc == CAMI_OK)
        rc = read_adapter(self, "wns_adapter", &cfg->wns_adapter);
    if (rc == CAMI_OK && (cami_config_bool(self, "push_mobile_keys", &cfg->push_mobile_keys) !=
                              CAMI_OK ||
                          cami_config_bool(self, "journal", &cfg->journal) != CAMI_OK)) {
        cami_log(self, CAMI_LOG_ERROR, "push_mobile_keys and journal must be true or false");
        rc = CAMI_EINVAL;
    }
    if (rc != CAMI_OK)
        return rc;
    url = cami_config_string(self, "webhook_url");
    if (url != NULL && url[0] != '\0') {
        if (notif_config_check_url(url, why, sizeof why) != 0) {
            cami_log(self, CAMI_LOG_ERROR, "webhook_url '%s' %s", url, why);
            return CAMI_EINVAL;
        }
        cfg->webhook_url = url;
    }
    return CAMI_OK;
}
