/*
 * fake_request.c - making a request (cami_test_request), dispatching it to
 * the plugin's handler, and the req_* accessors the handler uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake.h"

int fake_req_usable(const struct cami_request *req, const char *fn)
{
    if (!fake_on_loop(req->host, fn))
        return 0;
    if (req->state == REQ_DONE) {
        fake_violation(req->host, "%s on request %s after it was finished", fn, req->id);
        return 0;
    }
    return 1;
}

/* ---- building the request ------------------------------------------------ */

/* The client's X-Request-Id when it is sane, as camid keeps it. */
static void set_id(struct cami_request *req, unsigned long n)
{
    const char *id = NULL;
    size_t len;

    for (size_t i = 0; i < req->headers.count; i++)
        if (strcasecmp(req->headers.names[i], "X-Request-Id") == 0)
            id = req->headers.values[i];
    len = id != NULL ? strlen(id) : 0;
    if (len == 0 || len >= sizeof req->id ||
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != len)
        (void)snprintf(req->id, sizeof req->id, "test-%lu", n);
    else
        memcpy(req->id, id, len + 1);
}

static int add_headers(struct cami_request *req, const char *const *headers)
{
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        const char *h = headers[i], *colon = strchr(h, ':'), *v, *e;

        if (colon == NULL || colon == h) {
            fprintf(stderr, "cami-testing: header \"%s\" is not \"Name: value\"\n", h);
            return CAMI_EINVAL;
        }
        v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        e = v + strlen(v);
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (fake_pairs_add(&req->headers, h, (size_t)(colon - h), v, (size_t)(e - v)) != CAMI_OK)
            return CAMI_ENOMEM;
    }
    return CAMI_OK;
}

/* "a=1&b=x+y&c" -> (a,1) (b,"x y") (c,""); empty pieces are skipped. Returns
 * CAMI_EINVAL when a piece decodes to a NUL byte. */
static int parse_query(struct cami_request *req, const char *q)
{
    while (*q != '\0') {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t nlen = eq != NULL ? (size_t)(eq - q) : len;
        char *name, *value;
        int rc;

        if (len > 0) {
            name = fake_decode(q, nlen, 1);
            value = eq != NULL ? fake_decode(eq + 1, len - nlen - 1, 1) : strdup("");
            rc = name != NULL && value != NULL
                     ? fake_pairs_add(&req->query, name, strlen(name), value, strlen(value))
                     : CAMI_EINVAL;
            free(name);
            free(value);
            if (rc != CAMI_OK)
                return rc;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return CAMI_OK;
}

static struct cami_request *new_request(cami_test_host *h, const char *method, const char *target,
                                        const void *body, size_t len)
{
    struct cami_request *req = calloc(1, sizeof *req);

    if (req == NULL)
        return NULL;
    req->host = h;
    req->method = strdup(method);
    req->target = strdup(target);
    req->body = malloc(len + 1);
    if (req->method == NULL || req->target == NULL || req->body == NULL) {
        free(req->method);
        free(req->target);
        free(req->body);
        free(req);
        return NULL;
    }
    if (len > 0)
        memcpy(req->body, body, len);
    req->body[len] = '\0';
    req->body_len = len;
    req->resp.body = "";
    /* Kept in arrival order until the host is freed. */
    *h->reqs_tail = req;
    h->reqs_tail = &req->next;
    return req;
}

/* ---- dispatch -------------------------------------------------------------- */

static void call_handler(cami_test_host *h, struct cami_request *req, const fake_route *r)
{
    int rc;

    req->state = REQ_HANDLER;
    rc = r->handler(req, r->ud);
    req->resp.handler_result = rc;
    if (rc == CAMI_OK) {
        (void)fake_send(req);
        return;
    }
    if (rc == CAMI_PENDING) {
        req->state = REQ_PENDING;
        return;
    }
    if (rc > 0)
        fake_violation(h, "handler of %s %s returned %d; it must return CAMI_OK, CAMI_PENDING "
                          "or a negative code", r->method, r->tmpl, rc);
    else
        fake_log(h, "fake-host", CAMI_LOG_ERROR, "plugin '%s': handler of %s %s failed (%d)",
                 h->plugin.desc.name, r->method, r->tmpl, rc);
    (void)fake_reply_error(req, 500, "internal error");
    (void)fake_send(req);
}

/* The host's own answers, as camid gives them. */
static void route(cami_test_host *h, struct cami_request *req, const char *raw_path,
                  size_t path_len)
{
    const fake_route *r = NULL;
    char allow[256];
    char *location;

    switch (fake_route_match(h, req, raw_path, path_len, &r, allow, sizeof allow)) {
    case MATCH_FOUND:
        call_handler(h, req, r);
        return;
    case MATCH_METHOD:
        (void)fake_reply_error(req, 405, "method not allowed");
        (void)fake_pairs_add(&req->out_headers, "Allow", 5, allow, strlen(allow));
        break;
    case MATCH_SLASH:
        location = malloc(strlen(req->target) + 2);
        if (location == NULL) {
            (void)fake_reply_error(req, 500, "out of memory");
            break;
        }
        memcpy(location, raw_path, path_len);
        strcpy(location + path_len, "/");
        strcat(location, req->target + path_len);
        /* camid's answer: the new place in the header and in the body */
        (void)fake_reply_json(req, 301, json_pack("{s:s}", "location", location));
        (void)fake_pairs_add(&req->out_headers, "Location", 8, location, strlen(location));
        free(location);
        break;
    case MATCH_NONE:
        (void)fake_reply_error(req, 404, "not found");
        break;
    case MATCH_BAD:
        (void)fake_reply_error(req, 400, "bad request path");
        break;
    case MATCH_NOMEM:
        (void)fake_reply_error(req, 500, "out of memory");
        break;
    }
    (void)fake_send(req);
}

const cami_test_response *cami_test_request(cami_test_host *h, const char *method,
                                            const char *target, const char *const *headers,
                                            const void *body, size_t len)
{
    struct cami_request *req;
    size_t path_len;

    if (h == NULL || h->phase != PHASE_RUNNING) {
        fprintf(stderr, "cami-testing: cami_test_request: the host is not running "
                        "(cami_test_host_start first)\n");
        return NULL;
    }
    if (method == NULL || *method == '\0' || target == NULL || target[0] != '/' ||
        (body == NULL && len > 0)) {
        fprintf(stderr, "cami-testing: cami_test_request: need a method, a target starting "
                        "with '/' and a body when len > 0\n");
        return NULL;
    }
    req = new_request(h, method, target, body, len);
    if (req == NULL)
        return NULL;
    if (add_headers(req, headers) != CAMI_OK)
        return NULL;
    set_id(req, ++h->next_id);
    path_len = strcspn(target, "?");
    req->path = fake_decode(target, path_len, 0);
    if (req->path == NULL) {
        (void)fake_reply_error(req, 400, "the request path cannot be decoded");
        (void)fake_send(req);
        return &req->resp;
    }
    /* As camid does, a query string that cannot be decoded counts as none. */
    if (target[path_len] == '?' && parse_query(req, target + path_len + 1) != CAMI_OK)
        fake_pairs_free(&req->query);
    route(h, req, target, path_len);
    return &req->resp;
}

/* ---- the host's view of requests ------------------------------------------- */

unsigned fake_requests_pending(const cami_test_host *h)
{
    unsigned n = 0;

    for (const struct cami_request *r = h->reqs; r != NULL; r = r->next)
        n += r->state == REQ_PENDING;
    return n;
}

void fake_requests_abort_all(cami_test_host *h)
{
    for (struct cami_request *r = h->reqs; r != NULL; r = r->next)
        if (r->state == REQ_PENDING)
            r->aborted = r->resp.aborted = 1;
}

void cami_test_request_abort(const cami_test_response *resp)
{
    struct cami_request *req =
        (struct cami_request *)((const char *)resp - offsetof(struct cami_request, resp));

    if (req->state == REQ_PENDING)
        req->aborted = req->resp.aborted = 1;
}

void fake_requests_free(cami_test_host *h)
{
    struct cami_request *r = h->reqs, *next;

    for (; r != NULL; r = next) {
        next = r->next;
        free(r->method);
        free(r->target);
        free(r->path);
        free(r->body);
        free(r->out_body);
        fake_pairs_free(&r->params);
        fake_pairs_free(&r->query);
        fake_pairs_free(&r->headers);
        fake_pairs_free(&r->joined);
        fake_pairs_free(&r->out_headers);
        json_decref(r->json);
        json_decref(r->resp.json);
        free(r);
    }
    h->reqs = NULL;
    h->reqs_tail = &h->reqs;
}

int fake_req_finish(cami_request *req)
{
    if (!fake_on_loop(req->host, "cami_req_finish"))
        return CAMI_ESTATE;
    if (req->state != REQ_PENDING) {
        fake_violation(req->host, "cami_req_finish on request %s, %s", req->id,
                       req->state == REQ_DONE ? "already finished"
                                              : "whose handler has not returned CAMI_PENDING");
        return CAMI_ESTATE;
    }
    return fake_send(req);
}

int fake_req_aborted(const cami_request *req)
{
    if (!fake_req_usable(req, "cami_req_aborted"))
        return 1;
    return req->aborted;
}

/* ---- accessors -------------------------------------------------------------- */

const char *fake_req_method(const cami_request *req)
{
    return fake_req_usable(req, "cami_req_method") ? req->method : "";
}

const char *fake_req_path(const cami_request *req)
{
    return fake_req_usable(req, "cami_req_path") ? req->path : "";
}

const char *fake_req_target(const cami_request *req)
{
    return fake_req_usable(req, "cami_req_target") ? req->target : "";
}

static const char *lookup(const fake_pairs *p, const char *name, int nocase)
{
    for (size_t i = 0; name != NULL && i < p->count; i++)
        if ((nocase ? strcasecmp(p->names[i], name) : strcmp(p->names[i], name)) == 0)
            return p->values[i];
    return NULL;
}

const char *fake_req_param(const cami_request *req, const char *name)
{
    return fake_req_usable(req, "cami_req_param") ? lookup(&req->params, name, 0) : NULL;
}

const char *fake_req_query(const cami_request *req, const char *name)
{
    return fake_req_usable(req, "cami_req_query") ? lookup(&req->query, name, 0) : NULL;
}

static int pair_at(const fake_pairs *p, size_t index, const char **name, const char **value)
{
    if (name == NULL || value == NULL)
        return CAMI_EINVAL;
    if (index >= p->count)
        return CAMI_ENOENT;
    *name = p->names[index];
    *value = p->values[index];
    return CAMI_OK;
}

int fake_req_query_at(const cami_request *req, size_t index, const char **name,
                      const char **value)
{
    if (!fake_req_usable(req, "cami_req_query_at"))
        return CAMI_ESTATE;
    return pair_at(&req->query, index, name, value);
}

const char *fake_req_header(const cami_request *req, const char *name)
{
    struct cami_request *r = (struct cami_request *)req;   /* the join cache */
    const char *first = NULL;
    size_t n = 0, len = 0;
    char *joined;

    if (!fake_req_usable(req, "cami_req_header") || name == NULL)
        return NULL;
    for (size_t i = 0; i < req->headers.count; i++) {
        if (strcasecmp(req->headers.names[i], name) == 0) {
            first = first != NULL ? first : req->headers.values[i];
            len += strlen(req->headers.values[i]) + 2;
            n++;
        }
    }
    if (n < 2)
        return first;
    if (lookup(&req->joined, name, 1) != NULL)
        return lookup(&req->joined, name, 1);
    /* Repeated headers are joined with ", " (RFC 9110, 5.3). */
    joined = calloc(1, len);
    if (joined == NULL)
        return first;
    for (size_t i = 0; i < req->headers.count; i++) {
        if (strcasecmp(req->headers.names[i], name) == 0) {
            if (joined[0] != '\0')
                strcat(joined, ", ");
            strcat(joined, req->headers.values[i]);
        }
    }
    if (fake_pairs_add(&r->joined, name, strlen(name), joined, strlen(joined)) != CAMI_OK) {
        free(joined);
        return first;
    }
    free(joined);
    return r->joined.values[r->joined.count - 1];
}

int fake_req_header_at(const cami_request *req, size_t index, const char **name,
                       const char **value)
{
    if (!fake_req_usable(req, "cami_req_header_at"))
        return CAMI_ESTATE;
    return pair_at(&req->headers, index, name, value);
}

const void *fake_req_body(const cami_request *req, size_t *len)
{
    if (!fake_req_usable(req, "cami_req_body")) {
        if (len != NULL)
            *len = 0;
        return "";
    }
    if (len != NULL)
        *len = req->body_len;
    return req->body;
}

json_t *fake_req_json(cami_request *req, json_error_t *error)
{
    if (!fake_req_usable(req, "cami_req_json"))
        return NULL;
    if (!req->json_done) {
        req->json_done = 1;
        /* camid's wording for an empty body; jansson's for the rest. */
        if (req->body_len == 0)
            (void)snprintf(req->json_error.text, sizeof req->json_error.text,
                           "the request body is empty");
        else
            req->json = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, &req->json_error);
    }
    if (req->json == NULL && error != NULL)
        *error = req->json_error;
    return req->json;
}

const char *fake_req_id(const cami_request *req)
{
    return fake_req_usable(req, "cami_req_id") ? req->id : "";
}

const char *fake_req_remote_addr(const cami_request *req)
{
    return fake_req_usable(req, "cami_req_remote_addr") ? "127.0.0.1:54321" : "";
}
