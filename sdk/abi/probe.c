/*
 * probe.c - carries every public SDK type into one exported function, so
 * that abidiff can compare the SDK's layout with the committed baseline
 * (sdk/abi/cami-sdk-1.abi). Built only for `make check`; never installed.
 */
#include <cami/cami.h>

CAMI_EXPORT void cami_abi_probe(struct cami_host_api *host, cami_plugin_desc *desc,
                                cami_dependency *dep, cami_config_key *key,
                                enum cami_status status, enum cami_log_level level,
                                cami_config_type type, cami_plugin_entry_fn entry);

void cami_abi_probe(struct cami_host_api *host, cami_plugin_desc *desc, cami_dependency *dep,
                    cami_config_key *key, enum cami_status status, enum cami_log_level level,
                    cami_config_type type, cami_plugin_entry_fn entry)
{
    (void)host;
    (void)desc;
    (void)dep;
    (void)key;
    (void)status;
    (void)level;
    (void)type;
    (void)entry;
}
