/*
 * services.h - the registry of named, versioned services plugins offer each
 * other (cami_service_provide / cami_service_get). One per process.
 */
#ifndef CORE_SERVICES_H
#define CORE_SERVICES_H

#include <stddef.h>
#include <stdint.h>

struct cami_plugin;

/* 0; -1 bad arguments; -2 name taken (*owner set to the provider). */
int services_provide(struct cami_plugin *p, const char *name, uint32_t version, const void *iface,
                     size_t iface_size, struct cami_plugin **owner);
/* The service or NULL; *found_version is 0 when nobody provides it. */
const void *services_get(const char *name, uint32_t min_version, size_t *iface_size,
                         uint32_t *found_version, struct cami_plugin **owner);
/* Forget every service of plugin p (at its fini). */
void services_drop(struct cami_plugin *p);
void services_clear(void);

#endif
