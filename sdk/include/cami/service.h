/*
 * service.h - named, versioned services that plugins offer each other.
 *
 * Plugins never call each other's symbols. A provider publishes a table of
 * function pointers under a name and a version (e.g. the store offers "store"
 * version 1); a consumer lists the provider in its descriptor's dependencies
 * (so it is initialised first) and asks for the service in its own init.
 *
 * The same append-only rule as the host table applies to a service's table:
 * a provider may append members within a version and passes iface_size so a
 * consumer can check for them. Since ABI 1.0.
 */
#ifndef CAMI_SERVICE_H
#define CAMI_SERVICE_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * cami_service_provide - publish `iface` (a table the provider keeps alive
 * until its fini) as service `name` at `version` (>= 1).
 * Thread: loop, during init only.
 * Errors: CAMI_EEXIST when another plugin already provides `name` (the host
 * logs both plugins' names); CAMI_EINVAL for a NULL/empty name or version 0;
 * CAMI_ESTATE outside init.
 */
static inline int cami_service_provide(cami_plugin *self, const char *name, uint32_t version,
                                       const void *iface, size_t iface_size)
{
    return cami_host_->service_provide(self, name, version, iface, iface_size);
}

/*
 * cami_service_get - the table of service `name` if its version is at least
 * `min_version`; its size in *iface_size when that is not NULL.
 * Returns NULL (and logs, as `self`, what was found and what was needed) when
 * no plugin provides it or its version is older. Borrowed: valid until the
 * provider's fini, which the host runs after the consumer's.
 * Thread: loop, during init or later.
 */
static inline const void *cami_service_get(cami_plugin *self, const char *name,
                                           uint32_t min_version, size_t *iface_size)
{
    return cami_host_->service_get(self, name, min_version, iface_size);
}

#ifdef __cplusplus
}
#endif
#endif
