/*
 * fuzz_router.c - libFuzzer harness for router_match over a fixed route set.
 * The first input byte picks the method, the rest is the raw path. Besides
 * not crashing, it checks what the router promises: scratch of
 * len + ROUTER_MAX_PARAMS is enough, and found parameters are non-empty
 * strings inside scratch. Build: see README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int handler(cami_request *req, void *ud)
{
    return 0;
}

static router *routes(void)
{
    static const char *const table[][2] = {
        { "GET", "/" },
        { "GET", "/healthz" },
        { "GET", "/metrics" },
        { "GET", "/hello" },
        { "GET", "/hello/{name}" },
        { "POST", "/hello/echo" },
        { "GET", "/api/v1/medication-plans/" },
        { "POST", "/api/v1/medication-plans/" },
        { "GET", "/api/v1/medication-plans/{id}/" },
        { "PUT", "/api/v1/medication-plans/{id}/" },
        { "DELETE", "/api/v1/medication-plans/{id}/" },
        { "GET", "/a/b/c" },
        { "GET", "/a/{x}/d" },
        { "PATCH", "/{a}/{b}/{c}/{d}" },
        { "HEAD", "/only-head" },
    };
    router *r = router_new();
    route_target t = { .handler = handler };
    char err[256];

    if (r == NULL)
        abort();
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (router_add(r, table[i][0], table[i][1], &t, NULL, err, sizeof(err)) != 0)
            abort();
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
                                           "OPTIONS", "BREW" };
    static router *r;
    route_match m;
    char allow[128];

    if (r == NULL)
        r = routes();
    if (size == 0)
        return 0;

    const char *method = methods[data[0] % 8];
    size_t len = size - 1;
    /* Exactly the documented bound, heap-allocated so ASan sees overruns. */
    char *path = malloc(len ? len : 1);
    char *scratch = malloc(len + ROUTER_MAX_PARAMS);
    if (path == NULL || scratch == NULL)
        abort();
    memcpy(path, data + 1, len);

    route_result rc = router_match(r, method, path, len, &m, scratch, len + ROUTER_MAX_PARAMS,
                                   allow, sizeof(allow));
    if (rc == ROUTE_FOUND) {
        if (m.route == NULL || m.nparams > ROUTER_MAX_PARAMS)
            abort();
        for (size_t i = 0; i < m.nparams; i++) {
            const char *v = m.param_values[i];
            if (v < scratch || v >= scratch + len + ROUTER_MAX_PARAMS || v[0] == '\0')
                abort();
        }
    } else if (m.route != NULL) {
        abort();
    }
    if (rc == ROUTE_METHOD_NOT_ALLOWED && allow[0] == '\0')
        abort();
    free(path);
    free(scratch);
    return 0;
}
