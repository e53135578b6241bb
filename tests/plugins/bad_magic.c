/* bad_magic.c - exports the entry symbol, but its descriptor does not start
 * with CAMI_PLUGIN_MAGIC: the loader must refuse it without reading further. */
#include <cami/cami.h>

static const cami_plugin_desc bad_magic_desc = {
    .magic = 0xDEADBEEFu,
    .struct_size = (uint32_t)sizeof(cami_plugin_desc),
    .abi_major = CAMI_ABI_MAJOR,
    .abi_minor = CAMI_ABI_MINOR,
    .name = "bad_magic",
    .version = "1.0.0",
};

CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host);
CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host)
{
    (void)host;
    return &bad_magic_desc;
}
