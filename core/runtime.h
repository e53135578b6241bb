/*
 * runtime.h - one host's state: its configuration, listeners and plugins,
 * and the plugin lifecycle (init -> start -> stop -> fini) with route
 * registration. The supervisor builds it; each worker process runs it.
 */
#ifndef CORE_RUNTIME_H
#define CORE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "http/conn.h"
#include "http/listener.h"
#include "loader.h"
#include "bus/bus.h"


typedef struct runtime {
    conf *conf;
    plugin_set plugins;
    listener **listeners;
    size_t nlisteners;
    http_limits limits;
    unsigned workers;
    uint64_t drain_timeout_ms;
    unsigned threads;              /* libuv pool size per worker */
    char *plugin_dir;
    char *access_log;              /* NULL: off */
    int log_level;
    bus_config bus;
    /* during init: the plugin whose init runs, and where problems go */
    struct cami_plugin *in_init;
    diag *init_diag;
    int registration_failed;
} runtime;

/* The runtime of this process (the host table's functions need it). */
extern runtime *g_runtime;

/* Check [camid], [http] and [listener.*] and refuse unknown sections; fill
 * rt (rt->conf = c, owned from now on). Problems go to d with file:line.
 * Returns the number of problems. */
int runtime_configure(runtime *rt, conf *c, diag *d);
/* Open and check every configured plugin. Returns the number of problems. */
int runtime_load_plugins(runtime *rt, diag *d);
/* Register the host's routes, then run each plugin's init in dependency
 * order; a failed init or a refused registration stops there, naming the
 * plugin. Returns the number of problems. */
int runtime_init_plugins(runtime *rt, diag *d);
int runtime_start_plugins(runtime *rt, diag *d);
/* stop() of each started plugin, in reverse order. */
void runtime_stop_plugins(runtime *rt);
/* fini() of each initialised plugin, in reverse order; then their timers and
 * services are dropped. */
void runtime_fini_plugins(runtime *rt);
/* Number of routes registered on all listeners. */
size_t runtime_route_count(const runtime *rt);
/* Unload plugins, free listeners and config. */
void runtime_free(runtime *rt);

/* The number of workers "auto" means here. */
unsigned runtime_auto_workers(void);

#endif
