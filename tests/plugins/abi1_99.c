/* abi1_99.c - claims CAMI ABI 1.99, a minor newer than any host here: the
 * loader must refuse it (it may call host services the host lacks). */
#include <cami/cami.h>

static int abi1_99_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

static const cami_plugin_desc abi1_99_desc = {
    .magic = CAMI_PLUGIN_MAGIC,
    .struct_size = (uint32_t)sizeof(cami_plugin_desc),
    .abi_major = CAMI_ABI_MAJOR,
    .abi_minor = 99,
    .name = "abi1_99",
    .version = "1.0.0",
    .init = abi1_99_init,
};

CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host);
CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host)
{
    (void)host;
    return &abi1_99_desc;
}
