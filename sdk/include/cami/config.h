/*
 * config.h - reading the plugin's own config section.
 *
 * An admin configures a plugin in a section [plugin.NAME] (usually in
 * etc/camid.d/NAME.conf). Before init runs, the host has checked that section
 * against the plugin's config_schema: unknown keys, badly typed values and
 * missing required keys are refused with file:line, so these getters only
 * fail for keys the plugin did not declare.
 *
 * All getters: Thread: any, once init has been called. Values are owned by the
 * host and stay valid until fini. Since ABI 1.0.
 */
#ifndef CAMI_CONFIG_H
#define CAMI_CONFIG_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * cami_config_string - the value as written (or the schema default).
 * Returns NULL when the key is unset and has no default, or is not declared.
 */
static inline const char *cami_config_string(const cami_plugin *self, const char *key)
{
    return cami_host_->config_string(self, key);
}

/*
 * cami_config_int / _bool / _double - the typed value in *out.
 * Returns CAMI_OK; CAMI_ENOENT when unset without default (out untouched);
 * CAMI_EINVAL when the key is declared with another type or not declared.
 */
static inline int cami_config_int(const cami_plugin *self, const char *key, int64_t *out)
{
    return cami_host_->config_int(self, key, out);
}

static inline int cami_config_bool(const cami_plugin *self, const char *key, int *out)
{
    return cami_host_->config_bool(self, key, out);
}

static inline int cami_config_double(const cami_plugin *self, const char *key, double *out)
{
    return cami_host_->config_double(self, key, out);
}

/*
 * cami_config_list_item - item `index` (from 0) of a CAMI_CONFIG_LIST key,
 * trimmed of blanks. Returns NULL past the last item.
 */
static inline const char *cami_config_list_item(const cami_plugin *self, const char *key,
                                                size_t index)
{
    return cami_host_->config_list_item(self, key, index);
}

#ifdef __cplusplus
}
#endif
#endif
