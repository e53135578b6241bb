/* abi2.c - claims CAMI ABI 2.0, a major this host does not provide: the
 * loader must refuse it and say so. */
#include <cami/cami.h>

static int abi2_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

static const cami_plugin_desc abi2_desc = {
    .magic = CAMI_PLUGIN_MAGIC,
    .struct_size = (uint32_t)sizeof(cami_plugin_desc),
    .abi_major = 2,
    .abi_minor = 0,
    .name = "abi2",
    .version = "2.0.0",
    .init = abi2_init,
};

CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host);
CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host)
{
    (void)host;
    return &abi2_desc;
}
