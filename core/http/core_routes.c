/* core_routes.c - see core_routes.h. */
#include "http/core_routes.h"

#include <stdio.h>

#include "http/request.h"
#include "metrics.h"

static int healthz(cami_request *req, void *ud)
{
    (void)ud;
    return http_resp_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static int metrics(cami_request *req, void *ud)
{
    (void)ud;
    buf out = BUF_INIT;
    int rc = metrics_render(&out);
    if (rc == 0)
        rc = http_resp_body(req, out.data ? out.data : "", out.len,
                            "text/plain; version=0.0.4; charset=utf-8");
    buf_free(&out);
    return rc;
}

int core_routes_register(listener *l, char *err, size_t errlen)
{
    static const struct {
        const char *path;
        cami_http_handler fn;
    } routes[] = {{"/healthz", healthz}, {"/metrics", metrics}};
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        route_target t = {routes[i].fn, NULL, NULL,
                          metrics_route_register(l->name, "GET", routes[i].path, NULL)};
        const route *conflict = NULL;
        if (router_add(l->router, "GET", routes[i].path, &t, &conflict, err, errlen) != 0) {
            if (conflict)
                snprintf(err, errlen, "route GET %s registered twice", routes[i].path);
            return -1;
        }
    }
    l->unmatched_metrics_id = metrics_route_register(l->name, NULL, NULL, NULL);
    return 0;
}
