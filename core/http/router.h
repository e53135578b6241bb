/*
 * router.h - method + path-template routing.
 *
 * Templates are literal paths in which a whole segment may be "{name}"
 * (see sdk/include/cami/http.h for the rules plugins see). Matching is by
 * segments on the raw request path: each segment is percent-decoded before it
 * is compared with a literal segment or captured as a parameter, and a
 * decoded '/' inside a segment never splits it. Literal segments take
 * precedence over parameters at the same depth (backtracking when a literal
 * branch fails deeper down). Lookup is O(depth) over a segment trie.
 */
#ifndef CORE_HTTP_ROUTER_H
#define CORE_HTTP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include <cami/host.h>

#define ROUTER_MAX_PARAMS 16

struct cami_plugin;

/* What a route leads to. Copied into the router by router_add. */
typedef struct route_target {
    cami_http_handler handler;
    void *ud;
    struct cami_plugin *owner;   /* NULL for the host's own routes */
    uint32_t metrics_id;         /* opaque to the router */
} route_target;

/* A registered route as the router keeps it. */
typedef struct route {
    char *method;
    char *tmpl;                  /* the template as registered */
    route_target target;
} route;

typedef struct router router;

router *router_new(void);
void router_free(router *r);

/*
 * Add a route. Returns 0; -1 with a reason in err for a bad method or
 * template; -2 when a route with the same method and the same shape (same
 * literals, parameters in the same places, whatever their names) exists, with
 * *conflict pointing at it.
 */
int router_add(router *r, const char *method, const char *tmpl, const route_target *t,
               const route **conflict, char *err, size_t errlen);

typedef enum route_result {
    ROUTE_FOUND = 0,
    ROUTE_NOT_FOUND,
    ROUTE_METHOD_NOT_ALLOWED,   /* path matches, method does not: see allow */
    ROUTE_REDIRECT_SLASH,       /* path + "/" would match: answer 301 */
    ROUTE_BAD_PATH              /* too many params, or a param too long */
} route_result;

typedef struct route_match {
    const route *route;
    size_t nparams;
    const char *param_names[ROUTER_MAX_PARAMS];  /* point into the route */
    const char *param_values[ROUTER_MAX_PARAMS]; /* point into scratch */
} route_match;

/*
 * Match `method` and the raw `path` (no query string; len bytes, not
 * necessarily NUL-terminated). Decoded parameter values are written, each
 * NUL-terminated, into scratch (scratch_len bytes; at least len+ROUTER_MAX_PARAMS
 * is always enough). A GET route also matches HEAD. For
 * ROUTE_METHOD_NOT_ALLOWED, `allow` receives the "GET, HEAD, POST" list
 * (sorted, unique) when allow is not NULL.
 */
route_result router_match(const router *r, const char *method, const char *path, size_t len,
                          route_match *m, char *scratch, size_t scratch_len,
                          char *allow, size_t allow_len);

/* Call fn for every route (for -t listings and metrics). */
void router_each(const router *r, void (*fn)(const route *rt, void *ud), void *ud);

#endif
