/*
 * host_api.h - the service table handed to every plugin.
 */
#ifndef CORE_HOST_API_H
#define CORE_HOST_API_H

#include <cami/host.h>

extern const struct cami_host_api host_api_table;

/* Free the strings handed out by config_list_item for plugin p. */
void host_api_forget_plugin(struct cami_plugin *p);

#endif
