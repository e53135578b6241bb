/*
 * loader.h - finding, opening and checking plugins, and ordering them by
 * their dependencies. Every refusal names the plugin, what was found, what
 * was needed and what to do, in the style of Apache's module errors.
 */
#ifndef CORE_LOADER_H
#define CORE_LOADER_H

#include <stddef.h>

#include <cami/host.h>
#include <cami/plugin.h>

#include "config.h"
#include "diag.h"
#include "plugin.h"

typedef struct plugin_set {
    struct cami_plugin **items;   /* in dependency order after loader_load */
    size_t count;
} plugin_set;

/*
 * Check a descriptor as returned by the entry point of the object at `path`
 * (NULL desc included). Checks: magic; struct_size at least the 1.0 size;
 * abi_major equal to the host's; abi_minor not newer than the host's; name
 * present and [a-z0-9_]+; version present; init present; config schema keys
 * valid (non-empty, known types, not a reserved key, defaults of the right
 * type). Returns the number of problems added to d.
 */
int loader_check_desc(const cami_plugin_desc *desc, const char *path, diag *d);

/*
 * Open the shared object at path with RTLD_NOW|RTLD_LOCAL, find
 * CAMI_PLUGIN_ENTRY_SYMBOL, call it with api, check the descriptor.
 * Returns a new plugin (state PLUGIN_LOADED, section NULL) or NULL with the
 * reasons in d (dlopen's error text included).
 */
struct cami_plugin *loader_open(const char *path, const struct cami_host_api *api, diag *d);

/* Close and free one plugin (dlclose unless dl is NULL). */
void loader_close(struct cami_plugin *p);

/*
 * Sort n plugins in place so that each comes after the plugins it depends
 * on (stable otherwise: configuration order). A dependency on a plugin not in
 * the set is refused unless optional; a cycle is refused, naming the plugins
 * on it ("a -> b -> a"). Sets each plugin's `order`. Returns the number of
 * problems added to d (0 = sorted).
 */
int loader_order(struct cami_plugin **items, size_t n, diag *d);

/*
 * For every [plugin.NAME] section of c: resolve `module` (default NAME) to a
 * path - a value with a '/' is a path relative to the config file's
 * directory, a bare name is NAME.so in plugin_dir - open and check it, check
 * that its descriptor name is NAME, check the section against its schema,
 * record `listeners`; then order the set. Sections that name a listener
 * that is not configured are refused. All problems go to d. Returns 0 and
 * fills out when there were none; otherwise frees what it opened.
 */
int loader_load(const conf *c, const char *plugin_dir, const struct cami_host_api *api,
                plugin_set *out, diag *d);

/* Close all plugins of the set, in reverse order, and free the set. */
void loader_unload(plugin_set *set);

#endif
