/*
 * fake_service.c - the registry of named, versioned services: those the
 * plugin provides (a test reads them with cami_test_host_service) and those
 * a test provides in place of another plugin.
 */
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static fake_service *find(const cami_test_host *h, const char *name)
{
    for (size_t i = 0; i < h->nservices; i++)
        if (strcmp(h->services[i].name, name) == 0)
            return &h->services[i];
    return NULL;
}

int fake_service_add(cami_test_host *h, const char *name, uint32_t version, const void *iface,
                     size_t size, int from_test)
{
    fake_service *s;

    if (name == NULL || *name == '\0' || version == 0 || iface == NULL)
        return CAMI_EINVAL;
    if (find(h, name) != NULL)
        return CAMI_EEXIST;
    s = realloc(h->services, (h->nservices + 1) * sizeof *s);
    if (s == NULL)
        return CAMI_ENOMEM;
    h->services = s;
    s = &h->services[h->nservices];
    s->name = strdup(name);
    if (s->name == NULL)
        return CAMI_ENOMEM;
    s->version = version;
    s->iface = iface;
    s->size = size;
    s->from_test = from_test;
    h->nservices++;
    return CAMI_OK;
}

int fake_service_provide(cami_plugin *self, const char *name, uint32_t version,
                         const void *iface, size_t iface_size)
{
    cami_test_host *h = self->host;
    int rc;

    if (!fake_on_loop(h, "cami_service_provide"))
        return CAMI_ESTATE;
    if (h->phase != PHASE_INIT) {
        fake_violation(h, "cami_service_provide(%s) outside init", name ? name : "(null)");
        return CAMI_ESTATE;
    }
    rc = fake_service_add(h, name, version, iface, iface_size, 0);
    if (rc == CAMI_EEXIST)
        fake_log(h, "fake-host", CAMI_LOG_ERROR, "service '%s' of plugin '%s' is already "
                 "provided by %s", name, self->desc.name,
                 find(h, name)->from_test ? "the test" : "the plugin itself");
    return rc;
}

const void *fake_service_get(cami_plugin *self, const char *name, uint32_t min_version,
                             size_t *iface_size)
{
    cami_test_host *h = self->host;
    const fake_service *s;

    if (!fake_on_loop(h, "cami_service_get") || name == NULL)
        return NULL;
    s = find(h, name);
    if (s == NULL || s->version < min_version) {
        if (s == NULL)
            fake_log(h, self->desc.name, CAMI_LOG_ERROR, "service '%s' (version >= %u) needed, "
                     "but no plugin provides it", name, (unsigned)min_version);
        else
            fake_log(h, self->desc.name, CAMI_LOG_ERROR, "service '%s' version %u found, "
                     "version >= %u needed", name, (unsigned)s->version, (unsigned)min_version);
        return NULL;
    }
    if (iface_size != NULL)
        *iface_size = s->size;
    return s->iface;
}

const void *cami_test_host_service(const cami_test_host *h, const char *name,
                                   uint32_t min_version, size_t *iface_size)
{
    const fake_service *s = name != NULL ? find(h, name) : NULL;

    if (s == NULL || s->from_test || s->version < min_version)
        return NULL;
    if (iface_size != NULL)
        *iface_size = s->size;
    return s->iface;
}

void fake_services_free(cami_test_host *h)
{
    for (size_t i = 0; i < h->nservices; i++)
        free(h->services[i].name);
    free(h->services);
    h->services = NULL;
    h->nservices = 0;
}
