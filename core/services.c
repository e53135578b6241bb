/* services.c - see services.h. A handful of services per host: a list will do. */
#include "services.h"

#include <stdlib.h>
#include <string.h>

typedef struct service {
    char *name;
    uint32_t version;
    const void *iface;
    size_t iface_size;
    struct cami_plugin *owner;
    struct service *next;
} service;

static service *g_services;

int services_provide(struct cami_plugin *p, const char *name, uint32_t version, const void *iface,
                     size_t iface_size, struct cami_plugin **owner)
{
    if (!name || !name[0] || version == 0 || !iface)
        return -1;
    for (service *s = g_services; s; s = s->next) {
        if (strcmp(s->name, name) == 0) {
            if (owner)
                *owner = s->owner;
            return -2;
        }
    }
    service *s = calloc(1, sizeof(*s));
    if (!s || !(s->name = strdup(name))) {
        free(s);
        return -1;
    }
    s->version = version;
    s->iface = iface;
    s->iface_size = iface_size;
    s->owner = p;
    s->next = g_services;
    g_services = s;
    return 0;
}

const void *services_get(const char *name, uint32_t min_version, size_t *iface_size,
                         uint32_t *found_version, struct cami_plugin **owner)
{
    *found_version = 0;
    if (!name)
        return NULL;
    for (service *s = g_services; s; s = s->next) {
        if (strcmp(s->name, name) != 0)
            continue;
        *found_version = s->version;
        if (owner)
            *owner = s->owner;
        if (s->version < min_version)
            return NULL;
        if (iface_size)
            *iface_size = s->iface_size;
        return s->iface;
    }
    return NULL;
}

void services_drop(struct cami_plugin *p)
{
    service **pp = &g_services;
    while (*pp) {
        service *s = *pp;
        if (s->owner == p) {
            *pp = s->next;
            free(s->name);
            free(s);
        } else {
            pp = &s->next;
        }
    }
}

void services_clear(void)
{
    while (g_services) {
        service *s = g_services;
        g_services = s->next;
        free(s->name);
        free(s);
    }
}
