/*
 * plugin.h - the host's view of a loaded plugin (struct cami_plugin, which
 * plugins only see as an opaque handle).
 */
#ifndef CORE_PLUGIN_H
#define CORE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <cami/plugin.h>

#include "config.h"

typedef enum plugin_state {
    PLUGIN_LOADED = 0,      /* dlopened, descriptor and config checked */
    PLUGIN_INITIALISED,     /* init returned CAMI_OK */
    PLUGIN_STARTED,
    PLUGIN_STOPPED
} plugin_state;

struct cami_plugin {
    cami_plugin_desc desc;         /* copy, zero-filled past the plugin's struct_size */
    void *dl;                      /* dlopen handle; NULL for in-process (tests) */
    char *path;                    /* the shared object's path */
    char *name;                    /* == desc.name, owned copy */
    const conf_section *section;   /* [plugin.NAME]; NULL when configured by default */
    char **listeners;              /* names from `listeners`; NULL = all listeners */
    size_t nlisteners;
    plugin_state state;
    size_t order;                  /* position in dependency order */
    /* per-plugin accounting, read by metrics */
    uint64_t handler_ns;           /* time spent in this plugin's handlers */
    uint64_t requests;
    uint64_t failures;             /* handler returned < 0 */
    struct cami_timer *timers;     /* live timers, stopped by the host after fini() */
    struct cami_fd_watch *fdwatches; /* live fd watches, likewise */
};

/* Keys of [plugin.NAME] the host handles itself, NULL-terminated. */
extern const char *const plugin_reserved_keys[];

#endif
