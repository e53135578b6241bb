/* store_config.c - reading and checking [plugin.store]. */
#include <limits.h>

#include "store_config.h"

/* A day: a longer timeout is a typo, not a wish. */
#define MAX_TIMEOUT_MS 86400000

const cami_config_key store_config_schema[] = {
    { "socket", CAMI_CONFIG_STRING, NULL, 0,
      "unix socket of the MariaDB server; when set, host and port are not used" },
    { "host", CAMI_CONFIG_STRING, "127.0.0.1", 0, "MariaDB server host (TCP)" },
    { "port", CAMI_CONFIG_INT, "3306", 0, "MariaDB server port (TCP)" },
    { "user", CAMI_CONFIG_STRING, "cami", 0, "database user" },
    { "password", CAMI_CONFIG_STRING, "", 0, "database user's password (never logged)" },
    { "database", CAMI_CONFIG_STRING, "cami", 0, "database (schema) name" },
    { "pool_size", CAMI_CONFIG_INT, "4", 0,
      "connections per worker process; more requests wait in line for one" },
    { "connect_timeout", CAMI_CONFIG_INT, "5000", 0, "ms to wait for a connection" },
    { "query_timeout", CAMI_CONFIG_INT, "30000", 0,
      "ms a statement may run before it fails with a timeout (0: no limit)" },
    { "tx_timeout", CAMI_CONFIG_INT, "30000", 0,
      "ms a transaction may stay idle before it is rolled back (0: no limit)" },
    { "index_refresh", CAMI_CONFIG_INT, "60000", 0,
      "ms the store trusts what it learnt of a table's indexes before asking again; an "
      "unfiltered list page reads its ordering index (0: never, let the server plan)" },
    { "migrate_on_start", CAMI_CONFIG_BOOL, "true", 0,
      "apply pending schema migrations when camid starts (else: camid --migrate)" },
    { "resources", CAMI_CONFIG_BOOL, "true", 0,
      "serve the store's own REST resources (users, devices, measurements, ...)" },
    { NULL, 0, NULL, 0, NULL }
};

static int read_int(cami_plugin *self, const char *key, int64_t min, int64_t max,
                    unsigned *out)
{
    int64_t v;
    int rc = cami_config_int(self, key, &v);

    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "config key %s: cannot read it (%d)", key, rc);
        return CAMI_EINVAL;
    }
    if (v < min || v > max) {
        cami_log(self, CAMI_LOG_ERROR, "config key %s must be from %lld to %lld, not %lld", key,
                 (long long)min, (long long)max, (long long)v);
        return CAMI_EINVAL;
    }
    *out = (unsigned)v;
    return CAMI_OK;
}

int store_config_read(cami_plugin *self, struct store_config *cfg)
{
    int rc;

    cfg->socket = cami_config_string(self, "socket");
    if (cfg->socket != NULL && cfg->socket[0] == '\0')
        cfg->socket = NULL;
    cfg->host = cami_config_string(self, "host");
    cfg->user = cami_config_string(self, "user");
    cfg->password = cami_config_string(self, "password");
    cfg->database = cami_config_string(self, "database");
    if (cfg->host == NULL || cfg->user == NULL || cfg->password == NULL ||
        cfg->database == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "config schema and code disagree");
        return CAMI_EINVAL;
    }
    if ((rc = read_int(self, "port", 1, 65535, &cfg->port)) != CAMI_OK ||
        (rc = read_int(self, "pool_size", 1, 1000, &cfg->pool_size)) != CAMI_OK ||
        (rc = read_int(self, "connect_timeout", 1, MAX_TIMEOUT_MS,
                       &cfg->connect_timeout_ms)) != CAMI_OK ||
        (rc = read_int(self, "query_timeout", 0, MAX_TIMEOUT_MS, &cfg->query_timeout_ms)) !=
            CAMI_OK ||
        (rc = read_int(self, "tx_timeout", 0, MAX_TIMEOUT_MS, &cfg->tx_timeout_ms)) != CAMI_OK ||
        (rc = read_int(self, "index_refresh", 0, MAX_TIMEOUT_MS, &cfg->index_refresh_ms)) !=
            CAMI_OK)
        return rc;
    rc = cami_config_bool(self, "migrate_on_start", &cfg->migrate_on_start);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "config key migrate_on_start: cannot read it (%d)", rc);
        return CAMI_EINVAL;
    }
    rc = cami_config_bool(self, "resources", &cfg->resources);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "config key resources: cannot read it (%d)", rc);
        return CAMI_EINVAL;
    }
    return CAMI_OK;
}
