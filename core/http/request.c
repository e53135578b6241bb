/* request.c - see request.h. */
#include "http/request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "http/conn.h"
#include "jsonreal.h"

/* Buffers above these sizes are released after a request instead of kept. */
#define KEEP_HEAD 16384
#define KEEP_BODY 65536

void request_init(cami_request *r, struct conn *c)
{
    memset(r, 0, sizeof(*r));
    r->conn = c;
    r->nquery = -1;
    r->status = 200;
}

static void free_allocs(cami_request *r)
{
    while (r->allocs) {
        req_alloc *n = r->allocs->next;
        free(r->allocs);
        r->allocs = n;
    }
}

static void *req_alloc_bytes(cami_request *r, size_t n)
{
    req_alloc *a = malloc(sizeof(*a) + n);
    if (!a)
        return NULL;
    a->next = r->allocs;
    r->allocs = a;
    return a->data;
}

void request_reset(cami_request *r)
{
    buf_reset(&r->head, KEEP_HEAD);
    buf_reset(&r->body, KEEP_BODY);
    buf_reset(&r->scratch, KEEP_HEAD);
    buf_reset(&r->resp_headers, KEEP_HEAD);
    buf_reset(&r->resp_body, KEEP_BODY);
    if (r->hdrs_cap > 64) {
        free(r->hdrs);
        r->hdrs = NULL;
        r->hdrs_cap = 0;
    }
    r->nhdrs = 0;
    r->target_len = 0;
    r->in_value = 0;
    r->method = NULL;
    r->keep_alive = 0;
    r->head_only = 0;
    r->expect_continue = 0;
    if (r->json)
        json_decref(r->json);
    r->json = NULL;
    r->json_parsed = 0;
    r->path = NULL;
    r->raw_path = r->raw_query = NULL;
    r->raw_path_len = r->raw_query_len = 0;
    r->query = NULL;
    r->nquery = -1;
    r->route = NULL;
    r->match.nparams = 0;
    free_allocs(r);
    r->id[0] = '\0';
    r->status = 200;
    r->content_type[0] = '\0';
    r->state = REQ_IDLE;
}

void request_free(cami_request *r)
{
    buf_free(&r->head);
    buf_free(&r->body);
    buf_free(&r->scratch);
    buf_free(&r->resp_headers);
    buf_free(&r->resp_body);
    free(r->hdrs);
    r->hdrs = NULL;
    if (r->json)
        json_decref(r->json);
    r->json = NULL;
    free_allocs(r);
}

static int id_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == ':';
}

/* Ids are unique per host run without a syscall per request: a random seed
 * per process plus a counter, mixed so consecutive ids do not look alike. */
static void make_request_id(char *out)
{
    static uint64_t seed, counter;
    if (!seed) {
        if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
            seed = (uint64_t)(uintptr_t)&seed ^ 0x9e3779b97f4a7c15ull;
        seed |= 1;
    }
    uint64_t x = seed + (++counter) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = hex[x & 15];
        x >>= 4;
    }
    out[16] = '\0';
}

int request_prepare(cami_request *r)
{
    const char *t = r->head.data;
    size_t tlen = r->target_len;
    /* absolute-form (RFC 9112 3.2.2): keep only the path and query. */
    if (tlen > 7 && (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0)) {
        const char *p = memchr(t + 8, '/', tlen - 8);
        const char *q = memchr(t + 8, '?', tlen - 8);
        if (!p || (q && q < p)) {
            /* "http://host" or "http://host?x": the path is "/". */
            static const char root[] = "/";
            r->raw_path = root;
            r->raw_path_len = 1;
            r->raw_query = q ? q + 1 : NULL;
            r->raw_query_len = q ? (uint32_t)(t + tlen - q - 1) : 0;
            goto decode;
        }
        tlen -= (size_t)(p - t);
        t = p;
    }
    {
        const char *q = memchr(t, '?', tlen);
        r->raw_path = t;
        r->raw_path_len = (uint32_t)(q ? (size_t)(q - t) : tlen);
        r->raw_query = q ? q + 1 : NULL;
        r->raw_query_len = q ? (uint32_t)(tlen - (size_t)(q - t) - 1) : 0;
    }
decode:
    /* Room for the decoded path and the router's parameter values, reserved
     * once so later pointers into scratch stay valid. */
    if (buf_reserve(&r->scratch, (size_t)r->raw_path_len * 2 + ROUTER_MAX_PARAMS + 8) < 0)
        return -1;
    r->path = r->scratch.data;
    size_t n = pct_decode(r->path, r->raw_path, r->raw_path_len, 0);
    if (n == (size_t)-1)
        return -1;
    r->scratch.len = n + 1;
    request_assign_id(r);
    return 0;
}

void request_assign_id(cami_request *r)
{
    const char *cid = http_req_header(r, "x-request-id");
    size_t cl = cid ? strlen(cid) : 0;
    int ok = cl > 0 && cl <= 64;
    for (size_t i = 0; ok && i < cl; i++)
        ok = id_char_ok(cid[i]);
    if (ok)
        memcpy(r->id, cid, cl + 1);
    else
        make_request_id(r->id);
}

const char *http_req_method(const cami_request *r)
{
    return r->method ? r->method : "";
}

const char *http_req_path(const cami_request *r)
{
    return r->path ? r->path : "";
}

const char *http_req_target(const cami_request *r)
{
    return r->head.data ? r->head.data : "";
}

const char *http_req_param(const cami_request *r, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < r->match.nparams; i++)
        if (strcmp(r->match.param_names[i], name) == 0)
            return r->match.param_values[i];
    return NULL;
}

#define MAX_QUERY_PAIRS 256

static int parse_query(cami_request *r)
{
    if (r->nquery >= 0)
        return r->nquery;
    r->nquery = 0;
    if (!r->raw_query || r->raw_query_len == 0)
        return 0;
    size_t arena_len = (size_t)r->raw_query_len + MAX_QUERY_PAIRS * 2 + 2;
    char *arena = req_alloc_bytes(r, arena_len);
    query_pair *pairs = req_alloc_bytes(r, sizeof(query_pair) * MAX_QUERY_PAIRS);
    if (!arena || !pairs)
        return 0;
    int n = query_parse(r->raw_query, r->raw_query_len, pairs, MAX_QUERY_PAIRS, arena, arena_len);
    if (n < 0)
        n = 0;
    r->query = pairs;
    r->nquery = n;
    return n;
}

const char *http_req_query(const cami_request *r, const char *name)
{
    if (!name)
        return NULL;
    int n = parse_query((cami_request *)r);
    for (int i = 0; i < n; i++)
        if (strcmp(r->query[i].name, name) == 0)
            return r->query[i].value;
    return NULL;
}

int http_req_query_at(const cami_request *r, size_t index, const char **name, const char **value)
{
    int n = parse_query((cami_request *)r);
    if (index >= (size_t)n)
        return CAMI_ENOENT;
    if (name)
        *name = r->query[index].name;
    if (value)
        *value = r->query[index].value;
    return CAMI_OK;
}

const char *http_req_header(const cami_request *r, const char *name)
{
    if (!name)
        return NULL;
    const char *first = NULL;
    size_t total = 0, count = 0;
    for (uint32_t i = 0; i < r->nhdrs; i++) {
        const hdr_span *h = &r->hdrs[i];
        if (strcasecmp(r->head.data + h->name_off, name) != 0)
            continue;
        if (!first)
            first = r->head.data + h->value_off;
        total += h->value_len + 2;
        count++;
    }
    if (count <= 1)
        return first;
    /* Repeated field: join with ", " (RFC 9110 5.3). */
    char *out = req_alloc_bytes((cami_request *)r, total + 1);
    if (!out)
        return first;
    size_t off = 0;
    for (uint32_t i = 0; i < r->nhdrs; i++) {
        const hdr_span *h = &r->hdrs[i];
        if (strcasecmp(r->head.data + h->name_off, name) != 0)
            continue;
        if (off) {
            memcpy(out + off, ", ", 2);
            off += 2;
        }
        memcpy(out + off, r->head.data + h->value_off, h->value_len);
        off += h->value_len;
    }
    out[off] = '\0';
    return out;
}

int http_req_header_at(const cami_request *r, size_t index, const char **name, const char **value)
{
    if (index >= r->nhdrs)
        return CAMI_ENOENT;
    if (name)
        *name = r->head.data + r->hdrs[index].name_off;
    if (value)
        *value = r->head.data + r->hdrs[index].value_off;
    return CAMI_OK;
}

const void *http_req_body(const cami_request *r, size_t *len)
{
    if (len)
        *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

json_t *http_req_json(cami_request *r, json_error_t *error)
{
    if (!r->json_parsed) {
        r->json_parsed = 1;
        if (r->body.len == 0) {
            memset(&r->json_error, 0, sizeof(r->json_error));
            snprintf(r->json_error.text, sizeof(r->json_error.text), "the request body is empty");
        } else {
            r->json = json_loadb(r->body.data, r->body.len, JSON_DECODE_ANY, &r->json_error);
        }
    }
    if (!r->json && error)
        *error = r->json_error;
    return r->json;
}

const char *http_req_id(const cami_request *r)
{
    return r->id;
}

const char *http_req_remote_addr(const cami_request *r)
{
    return r->conn ? conn_remote(r->conn) : "";
}

static int writable(const cami_request *r)
{
    return r->state == REQ_DISPATCHED || r->state == REQ_PENDING;
}

int http_resp_status(cami_request *r, int status)
{
    if (!writable(r))
        return CAMI_ESTATE;
    if (status < 200 || status > 599)
        return CAMI_EINVAL;
    r->status = status;
    return CAMI_OK;
}

int http_is_tchar(unsigned char ch)
{
    /* RFC 9110 5.6.2 token characters. */
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int set_content_type(cami_request *r, const char *ct)
{
    size_t n = strlen(ct);
    if (n >= sizeof(r->content_type) || strpbrk(ct, "\r\n"))
        return CAMI_EINVAL;
    memcpy(r->content_type, ct, n + 1);
    return CAMI_OK;
}

int http_resp_header(cami_request *r, const char *name, const char *value)
{
    if (!writable(r))
        return CAMI_ESTATE;
    if (!name || !value || !name[0])
        return CAMI_EINVAL;
    for (const char *p = name; *p; p++)
        if (!http_is_tchar((unsigned char)*p))
            return CAMI_EINVAL;
    if (strpbrk(value, "\r\n"))
        return CAMI_EINVAL;
    static const char *const owned[] = {"content-length", "transfer-encoding", "connection", "date",
                                        "x-request-id", "keep-alive", "upgrade"};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        if (strcasecmp(name, owned[i]) == 0)
            return CAMI_EINVAL;
    if (strcasecmp(name, "content-type") == 0)
        return set_content_type(r, value);
    if (buf_append_str(&r->resp_headers, name) < 0 || BUF_LIT(&r->resp_headers, ": ") < 0 ||
        buf_append_str(&r->resp_headers, value) < 0 || BUF_LIT(&r->resp_headers, "\r\n") < 0)
        return CAMI_ENOMEM;
    return CAMI_OK;
}

int http_resp_body(cami_request *r, const void *data, size_t len, const char *content_type)
{
    if (!writable(r))
        return CAMI_ESTATE;
    if (len && !data)
        return CAMI_EINVAL;
    if (set_content_type(r, content_type ? content_type : "application/octet-stream") < 0)
        return CAMI_EINVAL;
    r->resp_body.len = 0;
    if (buf_append(&r->resp_body, data, len) < 0)
        return CAMI_ENOMEM;
    return CAMI_OK;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return buf_append((buf *)data, buffer, size);
}

int http_resp_json(cami_request *r, int status, json_t *body)
{
    int rc = CAMI_OK;
    if (!body)
        return CAMI_ENOMEM;
    if (!writable(r)) {
        rc = CAMI_ESTATE;
    } else if (status < 200 || status > 599) {
        rc = CAMI_EINVAL;
    } else {
        r->resp_body.len = 0;
        if (json_dump_callback(body, dump_cb, &r->resp_body, json_compact_flags(body)) < 0) {
            r->resp_body.len = 0;
            rc = CAMI_ENOMEM;
        } else {
            r->status = status;
            memcpy(r->content_type, "application/json", sizeof("application/json"));
        }
    }
    json_decref(body);
    return rc;
}

int http_resp_error(cami_request *r, int status, const char *message)
{
    return http_resp_json(r, status, json_pack("{s:s}", "error", message ? message : http_reason(status)));
}

void http_resp_clear(cami_request *r)
{
    r->resp_headers.len = 0;
    r->resp_body.len = 0;
    r->content_type[0] = '\0';
    r->status = 200;
}

int http_req_finish(cami_request *r)
{
    if (!r || r->state != REQ_PENDING)
        return CAMI_ESTATE;
    conn_request_finished(r->conn);
    return CAMI_OK;
}

int http_req_aborted(const cami_request *r)
{
    return !r->conn || conn_is_closed(r->conn);
}

const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
    }
    if (status >= 200 && status < 300)
        return "Success";
    if (status >= 300 && status < 400)
        return "Redirection";
    if (status >= 400 && status < 500)
        return "Client Error";
    return "Server Error";
}
