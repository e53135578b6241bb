/*
 * fake_route.c - route templates, matching and percent-decoding, following
 * the rules http.h gives plugins. A linear scan over the routes: a test
 * registers a handful, and being obviously right matters more than speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *fake_decode(const char *src, size_t len, int plus)
{
    char *dst = malloc(len + 1);
    size_t o = 0;

    if (dst == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;

        /* A '%' without two hex digits stays literal, as Django keeps it. */
        if (src[i] == '%' && i + 2 < len && (hi = hexval(src[i + 1])) >= 0 &&
            (lo = hexval(src[i + 2])) >= 0) {
            dst[o] = (char)(hi * 16 + lo);
            if (dst[o++] == '\0') {
                free(dst);
                return NULL;
            }
            i += 2;
        } else {
            dst[o++] = plus && src[i] == '+' ? ' ' : src[i];
        }
    }
    dst[o] = '\0';
    return dst;
}

static int is_param(const char *seg)
{
    return seg[0] == '{';
}

static void free_segs(char **segs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(segs[i]);
    free(segs);
}

/* Split "/a/b/" after its leading '/' into "a", "b", "" (decode: each piece
 * percent-decoded, so a decoded '/' never splits a segment). */
static int split(const char *path, size_t len, int decode, char ***out, size_t *nout)
{
    char **segs = NULL;
    size_t n = 0;
    const char *p = path + 1, *end = path + len;

    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *e = slash != NULL ? slash : end;
        char **grown = realloc(segs, (n + 1) * sizeof *segs);

        if (grown == NULL)
            goto fail;
        segs = grown;
        segs[n] = decode ? fake_decode(p, (size_t)(e - p), 0) : strndup(p, (size_t)(e - p));
        if (segs[n] == NULL)
            goto fail;
        n++;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    *out = segs;
    *nout = n;
    return 0;
fail:
    free_segs(segs, n);
    return -1;
}

static int valid_method(const char *m)
{
    if (m == NULL || *m == '\0')
        return 0;
    for (; *m != '\0'; m++)
        if (*m < 'A' || *m > 'Z')
            return 0;
    return 1;
}

/* A segment is a literal without braces or exactly "{name}", name unique. */
static int valid_segs(char **segs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(segs[i]);

        if (!is_param(segs[i])) {
            if (strpbrk(segs[i], "{}") != NULL)
                return 0;
            continue;
        }
        if (len < 3 || segs[i][len - 1] != '}')
            return 0;
        for (size_t k = 1; k < len - 1; k++) {
            char c = segs[i][k];

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_'))
                return 0;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(segs[i], segs[j]) == 0)
                return 0;
    }
    return 1;
}

/* Same method and shape: literals equal, parameters in the same places. */
static int same_shape(const fake_route *r, const char *method, char **segs, size_t n)
{
    if (strcmp(r->method, method) != 0 || r->nsegs != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (is_param(r->segs[i]) != is_param(segs[i]))
            return 0;
        if (!is_param(segs[i]) && strcmp(r->segs[i], segs[i]) != 0)
            return 0;
    }
    return 1;
}

int fake_route_add(cami_plugin *self, const char *method, const char *path,
                   cami_http_handler handler, void *ud)
{
    cami_test_host *h = self->host;
    fake_route *routes, *r;
    char **segs;
    size_t n;

    if (!fake_on_loop(h, "cami_route_add"))
        return CAMI_ESTATE;
    if (h->phase != PHASE_INIT) {
        fake_violation(h, "cami_route_add(%s %s) outside init", method ? method : "(null)",
                       path ? path : "(null)");
        return CAMI_ESTATE;
    }
    if (!valid_method(method) || path == NULL || path[0] != '/' || handler == NULL)
        return CAMI_EINVAL;
    if (split(path, strlen(path), 0, &segs, &n) != 0)
        return CAMI_ENOMEM;
    if (!valid_segs(segs, n)) {
        free_segs(segs, n);
        return CAMI_EINVAL;
    }
    for (size_t i = 0; i < h->nroutes; i++) {
        if (same_shape(&h->routes[i], method, segs, n)) {
            fake_log(h, "fake-host", CAMI_LOG_ERROR, "route %s %s of plugin '%s' clashes with "
                     "its route %s %s", method, path, self->desc.name, h->routes[i].method,
                     h->routes[i].tmpl);
            free_segs(segs, n);
            return CAMI_EEXIST;
        }
    }
    routes = realloc(h->routes, (h->nroutes + 1) * sizeof *routes);
    if (routes == NULL) {
        free_segs(segs, n);
        return CAMI_ENOMEM;
    }
    h->routes = routes;
    r = &routes[h->nroutes];
    r->method = strdup(method);
    r->tmpl = strdup(path);
    if (r->method == NULL || r->tmpl == NULL) {
        free(r->method);
        free(r->tmpl);
        free_segs(segs, n);
        return CAMI_ENOMEM;
    }
    r->segs = segs;
    r->nsegs = n;
    r->handler = handler;
    r->ud = ud;
    h->nroutes++;
    return CAMI_OK;
}

void fake_routes_free(cami_test_host *h)
{
    for (size_t i = 0; i < h->nroutes; i++) {
        free(h->routes[i].method);
        free(h->routes[i].tmpl);
        free_segs(h->routes[i].segs, h->routes[i].nsegs);
    }
    free(h->routes);
    h->routes = NULL;
    h->nroutes = 0;
}

/* ---- matching ------------------------------------------------------------ */

/* The first n segments of r accept segs (a parameter takes a non-empty one). */
static int fits_prefix(const fake_route *r, char **segs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (is_param(r->segs[i]) ? segs[i][0] == '\0' : strcmp(r->segs[i], segs[i]) != 0)
            return 0;
    }
    return 1;
}

static int path_fits(const fake_route *r, char **segs, size_t n)
{
    return r->nsegs == n && fits_prefix(r, segs, n);
}

/* r would take the path with a trailing slash added. */
static int fits_slashed(const fake_route *r, char **segs, size_t n)
{
    return r->nsegs == n + 1 && strcmp(r->segs[n], "") == 0 && fits_prefix(r, segs, n);
}

/* 1 when a beats b: the first segment where one is literal and the other a
 * parameter decides; then an exact method beats GET answering HEAD. */
static int better(const fake_route *a, const fake_route *b, const char *method)
{
    for (size_t i = 0; i < a->nsegs; i++)
        if (is_param(a->segs[i]) != is_param(b->segs[i]))
            return !is_param(a->segs[i]);
    return strcmp(a->method, method) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "GET, HEAD, POST": the methods of the routes fitting the path. */
static void allow_list(const cami_test_host *h, char **segs, size_t n, char *allow, size_t cap)
{
    const char **m = calloc(2 * h->nroutes + 1, sizeof *m);  /* GET brings HEAD */
    size_t k = 0, used = 0;

    allow[0] = '\0';
    if (m == NULL)
        return;
    for (size_t i = 0; i < h->nroutes; i++) {
        if (!path_fits(&h->routes[i], segs, n))
            continue;
        m[k++] = h->routes[i].method;
        if (strcmp(h->routes[i].method, "GET") == 0)
            m[k++] = "HEAD";
    }
    qsort(m, k, sizeof *m, cmp_str);
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && strcmp(m[i], m[i - 1]) == 0)
            continue;
        used += (size_t)snprintf(allow + used, used < cap ? cap - used : 0, "%s%s",
                                 used > 0 ? ", " : "", m[i]);
    }
    free(m);
}

static int method_ok(const fake_route *r, const char *method)
{
    return strcmp(r->method, method) == 0 ||
           (strcmp(r->method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

fake_match fake_route_match(cami_test_host *h, struct cami_request *req, const char *path,
                            size_t len, const fake_route **out, char *allow, size_t allow_len)
{
    const fake_route *best = NULL;
    int here = 0, slashed = 0, slashed_method = 0;
    char **segs;
    size_t n;
    fake_match res = MATCH_FOUND;

    if (split(path, len, 1, &segs, &n) != 0)
        return MATCH_BAD;
    for (size_t i = 0; i < h->nroutes; i++) {
        const fake_route *r = &h->routes[i];

        if (path_fits(r, segs, n)) {
            here = 1;
            if (method_ok(r, req->method) && (best == NULL || better(r, best, req->method)))
                best = r;
        } else if (segs[n - 1][0] != '\0' && fits_slashed(r, segs, n)) {
            slashed = 1;
            slashed_method |= method_ok(r, req->method);
        }
    }
    if (best != NULL) {
        for (size_t i = 0; i < n && res == MATCH_FOUND; i++) {
            const char *seg = best->segs[i];

            if (is_param(seg) &&
                fake_pairs_add(&req->params, seg + 1, strlen(seg) - 2, segs[i],
                               strlen(segs[i])) != CAMI_OK)
                res = MATCH_NOMEM;
        }
        *out = best;
    } else if (slashed_method) {
        /* camid's order: a route for this method at path + "/" beats a 405
         * here, since the redirected request will then succeed. */
        res = MATCH_SLASH;
    } else if (here) {
        allow_list(h, segs, n, allow, allow_len);
        res = MATCH_METHOD;
    } else {
        res = slashed ? MATCH_SLASH : MATCH_NONE;
    }
    free_segs(segs, n);
    return res;
}
