/*
 * store_config.h - the store's [plugin.store] section.
 */
#ifndef STORE_CONFIG_H
#define STORE_CONFIG_H

#include <cami/cami.h>

struct store_config {
    const char *socket;     /* NULL: TCP to host:port */
    const char *host;
    unsigned port;
    const char *user;
    const char *password;   /* never logged */
    const char *database;
    unsigned pool_size;
    unsigned connect_timeout_ms;
    unsigned query_timeout_ms;  /* 0: none */
    unsigned tx_timeout_ms;     /* 0: none */
    unsigned index_refresh_ms;  /* 0: no index hints (store_rlearn.c) */
    int migrate_on_start;
    int resources;           /* serve the store's own resources */
};

/* The schema the host checks the section against. */
extern const cami_config_key store_config_schema[];

/* Read and check the section; strings stay the host's until fini. Logs and
 * returns CAMI_EINVAL for a value that makes no sense, naming the key. */
int store_config_read(cami_plugin *self, struct store_config *cfg);

#endif
