/*
 * router.c - method + path-template routing over a segment trie.
 *
 * A path "/a/b/" is the segments "a", "b", "" (after the leading '/', split
 * on every '/'), so "/" is one empty segment and a trailing slash is an
 * empty last segment: "/x" and "/x/" are different routes, and "path + /"
 * is simply one more empty segment, which is how the slash redirect is found.
 *
 * Every trie node is one segment deep. Its children are literal edges (kept
 * sorted for binary search) and at most one parameter edge; a node where
 * routes end keeps one slot per method. Templates and requests are compared
 * in decoded form: a template's literal segments are percent-decoded once at
 * router_add, a request's segments once per router_match, each on its own,
 * so "%2F" never splits a segment.
 *
 * "." and ".." segments are NOT normalised: they are matched literally like
 * any other text (the server in front decides whether such paths are
 * allowed; the router never guesses what a template author meant).
 *
 * Matching tries the literal edge before the parameter edge at each depth
 * and backtracks when the literal branch dead-ends. A trie node sits at one
 * fixed depth and is reached by one path only, so a match visits each node
 * at most once: O(depth) for ordinary route sets, never worse than the
 * trie's size, and with no allocation.
 */
#include "http/router.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

#define ROUTER_MAX_DEPTH 64    /* segments in a template */
#define ROUTER_MAX_METHODS 64  /* distinct methods in one router: a bit each */

typedef struct node node;
typedef struct route_entry route_entry;

typedef struct lit_edge {
    char *seg;      /* decoded literal, NUL-terminated, owned */
    size_t len;
    node *child;
} lit_edge;

typedef struct method_slot {
    unsigned id;
    route_entry *re;
} method_slot;

struct node {
    lit_edge *lits;         /* sorted by (len, bytes) */
    size_t nlits, caplits;
    node *param;
    method_slot *slots;     /* the routes that end here, one per method */
    size_t nslots;
    uint64_t allow;         /* bits of the methods served here; HEAD with GET */
};

/* `pub` comes first: the route * handed out is the entry itself. */
struct route_entry {
    route pub;
    size_t nparams;
    const char *names[ROUTER_MAX_PARAMS];   /* into namebuf */
    unsigned depth[ROUTER_MAX_PARAMS];      /* segment index of each parameter */
    char *namebuf;
};

struct router {
    node root;
    route_entry **routes;                   /* registration order */
    size_t nroutes, caproutes;
    char *methods[ROUTER_MAX_METHODS];      /* interned names; index = id */
    unsigned nmethods;
    unsigned order[ROUTER_MAX_METHODS];     /* ids sorted by name, for Allow */
    size_t max_depth;                       /* deepest template, in segments */
};

/* A template or request segment. */
typedef struct seg {
    const char *s;
    size_t len;
    int is_param;
} seg;

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

router *router_new(void)
{
    return calloc(1, sizeof(router));
}

static void node_clear(node *n)
{
    for (size_t i = 0; i < n->nlits; i++) {
        node_clear(n->lits[i].child);
        free(n->lits[i].child);
        free(n->lits[i].seg);
    }
    free(n->lits);
    if (n->param) {
        node_clear(n->param);
        free(n->param);
    }
    free(n->slots);
}

static void entry_free(route_entry *re)
{
    if (re == NULL)
        return;
    free(re->pub.method);
    free(re->pub.tmpl);
    free(re->namebuf);
    free(re);
}

void router_free(router *r)
{
    if (r == NULL)
        return;
    node_clear(&r->root);
    for (size_t i = 0; i < r->nroutes; i++)
        entry_free(r->routes[i]);
    free(r->routes);
    for (unsigned i = 0; i < r->nmethods; i++)
        free(r->methods[i]);
    free(r);
}

/* RFC 9110 token, restricted to upper case as the SDK documents. */
static int method_ok(const char *m)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    if (m == NULL || *m == '\0')
        return 0;
    for (const char *p = m; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            continue;
        if (strchr(extra, c) != NULL)
            continue;
        return 0;
    }
    return 1;
}

static int method_find(const router *r, const char *m)
{
    for (unsigned i = 0; i < r->nmethods; i++)
        if (strcmp(r->methods[i], m) == 0)
            return (int)i;
    return -1;
}

/* Returns the method's id, interning it first if new; -1 when out of room. */
static int method_intern(router *r, const char *m)
{
    int id = method_find(r, m);
    unsigned pos;

    if (id >= 0)
        return id;
    if (r->nmethods == ROUTER_MAX_METHODS)
        return -1;
    char *copy = strdup(m);
    if (copy == NULL)
        return -1;
    id = (int)r->nmethods++;
    r->methods[id] = copy;
    /* Insertion sort keeps `order` ready for writing Allow lists. */
    for (pos = (unsigned)id; pos > 0 && strcmp(r->methods[r->order[pos - 1]], copy) > 0; pos--)
        r->order[pos] = r->order[pos - 1];
    r->order[pos] = (unsigned)id;
    return id;
}

static int name_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Split and check a template held in work (a private copy, modified: names
 * and decoded literals are NUL-terminated in place). Fills segs and the
 * entry's parameter names and depths. Returns 0, or -1 with err set.
 */
static int parse_template(const char *tmpl, char *work, seg *segs, size_t *nsegs,
                          route_entry *re, char *err, size_t errlen)
{
    size_t total = strlen(work), n = 0;
    size_t start = 1;

    if (work[0] != '/') {
        set_err(err, errlen, "template \"%s\" must start with '/'", tmpl);
        return -1;
    }
    /* Find every segment's raw bounds first: decoding in place writes a NUL
     * at the end of a segment, over the '/' that separates it from the next. */
    for (;;) {
        char *slash = memchr(work + start, '/', total - start);
        size_t end = slash ? (size_t)(slash - work) : total;

        if (n == ROUTER_MAX_DEPTH) {
            set_err(err, errlen, "template \"%s\" has more than %d segments", tmpl,
                    ROUTER_MAX_DEPTH);
            return -1;
        }
        segs[n].s = work + start;
        segs[n].len = end - start;
        segs[n].is_param = 0;
        n++;
        if (slash == NULL)
            break;
        start = end + 1;
    }

    for (size_t i = 0; i < n; i++) {
        char *s = (char *)segs[i].s;
        size_t len = segs[i].len;

        if (len == 0) {
            if (i + 1 == n)
                continue;   /* the trailing slash, or "/" itself */
            set_err(err, errlen, "template \"%s\" has an empty segment (\"//\")", tmpl);
            return -1;
        }
        if (s[0] == '{') {
            if (len < 3 || s[len - 1] != '}') {
                set_err(err, errlen,
                        "template \"%s\": a parameter \"{name}\" must be a whole segment "
                        "with a non-empty name", tmpl);
                return -1;
            }
            for (size_t k = 1; k + 1 < len; k++) {
                if (!name_char((unsigned char)s[k])) {
                    set_err(err, errlen,
                            "template \"%s\": parameter names may use only A-Z a-z 0-9 _",
                            tmpl);
                    return -1;
                }
            }
            if (re->nparams == ROUTER_MAX_PARAMS) {
                set_err(err, errlen, "template \"%s\" has more than %d parameters", tmpl,
                        ROUTER_MAX_PARAMS);
                return -1;
            }
            s[len - 1] = '\0';
            for (size_t k = 0; k < re->nparams; k++) {
                if (strcmp(re->names[k], s + 1) == 0) {
                    set_err(err, errlen, "template \"%s\" names parameter \"%s\" twice", tmpl,
                            s + 1);
                    return -1;
                }
            }
            re->names[re->nparams] = s + 1;
            re->depth[re->nparams] = (unsigned)i;
            re->nparams++;
            segs[i].is_param = 1;
            continue;
        }
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c == '{' || c == '}') {
                set_err(err, errlen,
                        "template \"%s\": a parameter \"{name}\" must be a whole segment", tmpl);
                return -1;
            }
            if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
                set_err(err, errlen,
                        "template \"%s\": control characters, spaces, '?' and '#' must be "
                        "percent-encoded", tmpl);
                return -1;
            }
        }
        size_t d = pct_decode(s, s, len, 0);
        if (d == (size_t)-1) {
            set_err(err, errlen, "template \"%s\" decodes to a NUL byte", tmpl);
            return -1;
        }
        segs[i].len = d;
    }
    *nsegs = n;
    return 0;
}

static int lit_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}

/* Binary search; *at receives the insertion point when not found. */
static lit_edge *lit_find(const node *n, const char *s, size_t len, size_t *at)
{
    size_t lo = 0, hi = n->nlits;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = lit_cmp(n->lits[mid].seg, n->lits[mid].len, s, len);
        if (c == 0)
            return &n->lits[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (at)
        *at = lo;
    return NULL;
}

static node *child_get(const node *n, const seg *sg)
{
    if (sg->is_param)
        return n->param;
    lit_edge *e = lit_find(n, sg->s, sg->len, NULL);
    return e ? e->child : NULL;
}

/* The child for sg, created if missing; NULL when out of memory. */
static node *child_make(node *n, const seg *sg)
{
    size_t at = 0;

    if (sg->is_param) {
        if (n->param == NULL)
            n->param = calloc(1, sizeof(node));
        return n->param;
    }
    lit_edge *e = lit_find(n, sg->s, sg->len, &at);
    if (e)
        return e->child;
    if (n->nlits == n->caplits) {
        size_t cap = n->caplits ? n->caplits * 2 : 4;
        lit_edge *grown = realloc(n->lits, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        n->lits = grown;
        n->caplits = cap;
    }
    node *child = calloc(1, sizeof(node));
    char *copy = malloc(sg->len + 1);
    if (child == NULL || copy == NULL) {
        free(child);
        free(copy);
        return NULL;
    }
    memcpy(copy, sg->s, sg->len);
    copy[sg->len] = '\0';
    memmove(&n->lits[at + 1], &n->lits[at], (n->nlits - at) * sizeof(*n->lits));
    n->lits[at] = (lit_edge){ .seg = copy, .len = sg->len, .child = child };
    n->nlits++;
    return child;
}

static route_entry *slot_get(const node *n, int id)
{
    for (size_t i = 0; i < n->nslots; i++)
        if ((int)n->slots[i].id == id)
            return n->slots[i].re;
    return NULL;
}

int router_add(router *r, const char *method, const char *tmpl, const route_target *t,
               const route **conflict, char *err, size_t errlen)
{
    seg segs[ROUTER_MAX_DEPTH];
    size_t nsegs = 0;
    route_entry *re = NULL, *old = NULL;
    const node *at;
    node *n;
    method_slot *slots;
    int id, head = -1;

    if (conflict)
        *conflict = NULL;
    if (r == NULL || t == NULL) {
        set_err(err, errlen, "no router or no route target");
        return -1;
    }
    if (!method_ok(method)) {
        set_err(err, errlen, "method \"%s\" is not an upper-case HTTP token such as GET or POST",
                method ? method : "(null)");
        return -1;
    }
    if (tmpl == NULL) {
        set_err(err, errlen, "no path template");
        return -1;
    }
    re = calloc(1, sizeof(*re));
    if (re == NULL || (re->namebuf = strdup(tmpl)) == NULL)
        goto nomem;
    if (parse_template(tmpl, re->namebuf, segs, &nsegs, re, err, errlen) < 0)
        goto fail;

    /* Look for the same method and shape before changing anything. */
    id = method_find(r, method);
    at = &r->root;
    for (size_t i = 0; i < nsegs && at; i++)
        at = child_get(at, &segs[i]);
    if (at && id >= 0 && (old = slot_get(at, id)) != NULL) {
        if (conflict)
            *conflict = &old->pub;
        set_err(err, errlen, "%s %s has the same shape as %s %s", method, tmpl, old->pub.method,
                old->pub.tmpl);
        entry_free(re);
        return -2;
    }

    id = method_intern(r, method);
    if (id >= 0 && strcmp(method, "GET") == 0 && (head = method_intern(r, "HEAD")) < 0)
        id = -1;
    if (id < 0) {
        set_err(err, errlen, "more than %d distinct methods, or out of memory",
                ROUTER_MAX_METHODS);
        goto fail;
    }
    if ((re->pub.method = strdup(method)) == NULL || (re->pub.tmpl = strdup(tmpl)) == NULL)
        goto nomem;
    re->pub.target = *t;
    if (r->nroutes == r->caproutes) {
        size_t cap = r->caproutes ? r->caproutes * 2 : 16;
        route_entry **grown = realloc(r->routes, cap * sizeof(*grown));
        if (grown == NULL)
            goto nomem;
        r->routes = grown;
        r->caproutes = cap;
    }
    /* Nodes made before a failure stay: with no slots they match nothing. */
    n = &r->root;
    for (size_t i = 0; i < nsegs; i++)
        if ((n = child_make(n, &segs[i])) == NULL)
            goto nomem;
    slots = realloc(n->slots, (n->nslots + 1) * sizeof(*slots));
    if (slots == NULL)
        goto nomem;
    n->slots = slots;

    /* Nothing can fail from here on. */
    n->slots[n->nslots++] = (method_slot){ .id = (unsigned)id, .re = re };
    n->allow |= UINT64_C(1) << id;
    if (head >= 0)
        n->allow |= UINT64_C(1) << head;
    r->routes[r->nroutes++] = re;
    if (nsegs > r->max_depth)
        r->max_depth = nsegs;
    return 0;

nomem:
    set_err(err, errlen, "out of memory adding %s %s", method, tmpl);
fail:
    entry_free(re);
    return -1;
}

/* State of one trie walk in router_match. */
typedef struct walk {
    const seg *segs;
    size_t nsegs;
    int want;           /* the request method's id, or -1 if no route has it */
    int get;            /* GET's id when the request is HEAD, else -1 */
    const route_entry *found;
    uint64_t allow;     /* union over every node the path reaches */
} walk;

static int walk_node(walk *w, const node *n, size_t d)
{
    if (d == w->nsegs) {
        if (n->nslots == 0)
            return 0;
        w->allow |= n->allow;
        const route_entry *re = w->want >= 0 ? slot_get(n, w->want) : NULL;
        if (re == NULL && w->get >= 0)
            re = slot_get(n, w->get);
        w->found = re;
        return re != NULL;
    }
    const seg *sg = &w->segs[d];
    const lit_edge *e = lit_find(n, sg->s, sg->len, NULL);
    if (e && walk_node(w, e->child, d + 1))
        return 1;
    /* A parameter takes one non-empty segment. */
    if (n->param && sg->len > 0 && walk_node(w, n->param, d + 1))
        return 1;
    return 0;
}

/* "A, B, C" in name order; entries that do not fit whole are left out. */
static void allow_write(const router *r, uint64_t mask, char *out, size_t outlen)
{
    size_t used = 0;

    if (out == NULL || outlen == 0)
        return;
    out[0] = '\0';
    for (unsigned i = 0; i < r->nmethods; i++) {
        unsigned id = r->order[i];
        if (!(mask & (UINT64_C(1) << id)))
            continue;
        const char *name = r->methods[id];
        size_t len = strlen(name), sep = used ? 2 : 0;
        if (used + sep + len + 1 > outlen)
            break;
        memcpy(out + used, ", ", sep);
        memcpy(out + used + sep, name, len + 1);
        used += sep + len;
    }
}

route_result router_match(const router *r, const char *method, const char *path, size_t len,
                          route_match *m, char *scratch, size_t scratch_len,
                          char *allow, size_t allow_len)
{
    seg segs[ROUTER_MAX_DEPTH + 1];   /* + 1 for the redirect probe */
    size_t nsegs = 0, used = 0;

    m->route = NULL;
    m->nparams = 0;
    if (allow && allow_len)
        allow[0] = '\0';
    if (len == 0 || path[0] != '/')
        return ROUTE_NOT_FOUND;

    /* A path deeper than every template cannot match, nor can path + "/". */
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/' && ++nsegs > r->max_depth)
            return ROUTE_NOT_FOUND;

    /* Decode every segment into scratch. Each needs at most its raw length
     * plus a NUL, and its '/' pays for that NUL: len bytes in all. */
    size_t start = 1;
    for (size_t i = 0; i < nsegs; i++) {
        const char *slash = memchr(path + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - path) : len;
        size_t raw = end - start;

        if (scratch_len - used < raw + 1)
            return ROUTE_BAD_PATH;
        size_t d = pct_decode(scratch + used, path + start, raw, 0);
        if (d == (size_t)-1)
            return ROUTE_BAD_PATH;
        segs[i] = (seg){ .s = scratch + used, .len = d, .is_param = 0 };
        used += d + 1;
        start = end + 1;
    }

    int is_head = strcmp(method, "HEAD") == 0;
    walk w = {
        .segs = segs, .nsegs = nsegs,
        .want = method_find(r, method),
        .get = is_head ? method_find(r, "GET") : -1,
    };
    if (walk_node(&w, &r->root, 0)) {
        const route_entry *re = w.found;
        m->route = &re->pub;
        m->nparams = re->nparams;
        for (size_t i = 0; i < re->nparams; i++) {
            m->param_names[i] = re->names[i];
            m->param_values[i] = segs[re->depth[i]].s;
        }
        return ROUTE_FOUND;
    }
    uint64_t here = w.allow;

    /* Probe path + "/": a route there for this method beats a 405 here, as
     * the client's redirected request will then succeed. */
    uint64_t slashed = 0;
    if (path[len - 1] != '/' && nsegs < r->max_depth) {
        segs[nsegs] = (seg){ .s = "", .len = 0, .is_param = 0 };
        w.nsegs = nsegs + 1;
        w.allow = 0;
        w.found = NULL;
        if (walk_node(&w, &r->root, 0))
            return ROUTE_REDIRECT_SLASH;
        slashed = w.allow;
    }
    if (here) {
        allow_write(r, here, allow, allow_len);
        return ROUTE_METHOD_NOT_ALLOWED;
    }
    if (slashed)
        return ROUTE_REDIRECT_SLASH;
    return ROUTE_NOT_FOUND;
}

void router_each(const router *r, void (*fn)(const route *rt, void *ud), void *ud)
{
    for (size_t i = 0; i < r->nroutes; i++)
        fn(&r->routes[i]->pub, ud);
}
