/*
 * core_routes.h - the host's own routes, on every listener: /healthz
 * (liveness) and /metrics (Prometheus text format).
 */
#ifndef CORE_HTTP_CORE_ROUTES_H
#define CORE_HTTP_CORE_ROUTES_H

#include "http/listener.h"

/* Register the core routes on l. 0, or -1 with a reason in err. */
int core_routes_register(listener *l, char *err, size_t errlen);

#endif
