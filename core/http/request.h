/*
 * request.h - struct cami_request: one HTTP exchange, the request as parsed
 * and the response being built. Each connection owns one and reuses it for
 * every request it carries (requests on a connection are handled one at a
 * time, which is what keeps pipelined responses in order), so a keep-alive
 * connection allocates nothing per request once warmed up.
 */
#ifndef CORE_HTTP_REQUEST_H
#define CORE_HTTP_REQUEST_H

#include <stdint.h>

#include <cami/host.h>

#include "buf.h"
#include "http/query.h"
#include "http/router.h"

struct conn;

typedef struct hdr_span {
    uint32_t name_off, name_len;
    uint32_t value_off, value_len;
} hdr_span;

typedef enum req_state {
    REQ_IDLE = 0,      /* no request, or still parsing */
    REQ_DISPATCHED,    /* handler running */
    REQ_PENDING,       /* handler returned CAMI_PENDING */
    REQ_DONE           /* response queued */
} req_state;

/* Extra allocations a request makes lazily (joined headers, query arena). */
typedef struct req_alloc {
    struct req_alloc *next;
    char data[];
} req_alloc;

struct cami_request {
    struct conn *conn;
    req_state state;

    /* request */
    buf head;                 /* target, then "name\0value\0" per header */
    uint32_t target_len;
    hdr_span *hdrs;
    uint32_t nhdrs, hdrs_cap;
    int in_value;             /* parser is inside a header value */
    buf body;
    const char *method;       /* static string from llhttp */
    uint8_t http_major, http_minor;
    unsigned keep_alive : 1;
    unsigned head_only : 1;   /* HEAD: send headers only */
    unsigned expect_continue : 1;
    unsigned json_parsed : 1;
    char *path;               /* decoded path, in `scratch` */
    const char *raw_path;     /* into head */
    uint32_t raw_path_len;
    const char *raw_query;    /* into head, NULL when no '?' */
    uint32_t raw_query_len;
    buf scratch;              /* decoded path + router params, sized once */
    query_pair *query;
    int nquery;               /* -1: not parsed yet */
    route_match match;
    const route *route;
    json_t *json;
    json_error_t json_error;
    req_alloc *allocs;
    char id[72];
    uint64_t t_start_ns;
    uint32_t metrics_id;

    /* response */
    int status;
    buf resp_headers;         /* "Name: value\r\n"... */
    buf resp_body;
    char content_type[128];
};

void request_init(cami_request *r, struct conn *c);
/* Forget the previous exchange, keep the buffers' capacity. */
void request_reset(cami_request *r);
void request_free(cami_request *r);

/* After the head is parsed: split path and query, decode the path, pick the
 * request id. Returns 0, or -1 for a path that cannot be decoded (400). */
int request_prepare(cami_request *r);
/* Use the client's X-Request-Id when it is sane (1-64 chars of
 * [A-Za-z0-9._:-]), else make one. */
void request_assign_id(cami_request *r);

/* Host-table implementations (see sdk/include/cami/http.h). */
const char *http_req_method(const cami_request *r);
const char *http_req_path(const cami_request *r);
const char *http_req_target(const cami_request *r);
const char *http_req_param(const cami_request *r, const char *name);
const char *http_req_query(const cami_request *r, const char *name);
int http_req_query_at(const cami_request *r, size_t index, const char **name, const char **value);
const char *http_req_header(const cami_request *r, const char *name);
int http_req_header_at(const cami_request *r, size_t index, const char **name, const char **value);
const void *http_req_body(const cami_request *r, size_t *len);
json_t *http_req_json(cami_request *r, json_error_t *error);
const char *http_req_id(const cami_request *r);
const char *http_req_remote_addr(const cami_request *r);
int http_resp_status(cami_request *r, int status);
int http_resp_header(cami_request *r, const char *name, const char *value);
int http_resp_body(cami_request *r, const void *data, size_t len, const char *content_type);
int http_resp_json(cami_request *r, int status, json_t *body);
int http_resp_error(cami_request *r, int status, const char *message);
int http_req_finish(cami_request *r);
int http_req_aborted(const cami_request *r);

/* Discard what a handler built (before a 500). */
void http_resp_clear(cami_request *r);
/* Non-zero for an RFC 9110 token character. */
int http_is_tchar(unsigned char ch);
/* The reason phrase of a status code ("Not Found"). */
const char *http_reason(int status);

#endif
