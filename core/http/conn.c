/* conn.c - see conn.h. */
#include "http/conn.h"

#include <llhttp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/date.h"
#include "http/listener.h"
#include "log.h"
#include "metrics.h"
#include "plugin.h"

enum deadline_kind { DL_NONE = 0, DL_IDLE, DL_HEADER, DL_BODY, DL_SEND, DL_LINGER, DL_HANDLER };

/* After the last response of a connection, unread input is drained for a
 * moment before closing, so the kernel does not answer it with a RST that
 * could destroy the response on its way (RFC 9112 9.6). */
#define LINGER_MS 2000
/* Stop reading while this much output waits for a slow client. */
#define OUT_HIGH_WATER (1u << 20)
/* Input pipelined behind a deferred request is kept up to this much, then
 * reading stops until the request is answered. Reading on meanwhile (rather
 * than stopping at once) spares two epoll_ctl calls per deferred request. */
#define PENDING_INPUT_MAX (1u << 16)
#define READ_BUF_SIZE 65536

struct conn {
    uv_tcp_t tcp;
    listener *lst;
    llhttp_t parser;
    cami_request req;
    buf in;                  /* unparsed input kept while a request is pending */
    buf out;                 /* queued responses */
    buf wbuf;                /* bytes of the write in flight */
    uv_write_t wreq;
    uv_shutdown_t sreq;
    struct conn *prev, *next;
    uint64_t deadline;
    uint8_t deadline_kind;
    unsigned writing : 1;
    unsigned reading : 1;
    unsigned closing : 1;        /* uv_close called */
    unsigned handle_closed : 1;  /* close callback ran */
    unsigned close_after_write : 1;
    unsigned lingering : 1;
    unsigned in_message : 1;     /* between message begin and complete */
    unsigned rejected : 1;       /* over max_connections: 503 then close */
    unsigned counted : 1;
    unsigned handler_timed_out : 1; /* 504 sent; the plugin still holds the request */
    unsigned eof_after_input : 1;   /* half-closed behind kept input: close once it is answered */
    int error_status;
    const char *error_msg;
    /* The buffer llhttp_execute is parsing, and where the last chunk's data
     * ended in it: used to insist on CRLF after chunk data, which Debian's
     * llhttp 8.1 does not check (a request-smuggling vector). */
    const char *feed_start, *feed_end;
    const char *chunk_data_end;
    unsigned crlf_at_feed_start : 1;
    uint8_t host_count;          /* Host fields in the current request */
    const char *msg_start;       /* start of the message in this buffer, or NULL */
    char remote[64];
};

static uv_loop_t *g_loop;
static http_limits g_limits;
static llhttp_settings_t g_settings;
static struct conn *g_conns;
static size_t g_nconns;          /* counted against max_connections */
static uv_timer_t g_sweep;
static int g_sweep_on;
static uv_timer_t g_drain_timer;
static int g_drain_timer_on;
static int g_draining;
static void (*g_drain_done)(void *);
static void *g_drain_ud;
static char g_readbuf[READ_BUF_SIZE];
static int g_readbuf_busy;

static void conn_close(struct conn *c);
static void conn_flush(struct conn *c);
static void conn_feed(struct conn *c, const char *data, size_t len);
static void drain_check_done(void);

void http_limits_default(http_limits *l)
{
    l->max_header_size = 8192;
    l->max_url_length = 4096;
    l->max_body_size = 1048576;
    l->header_timeout_ms = 10000;
    l->body_timeout_ms = 30000;
    l->keepalive_timeout_ms = 5000;
    l->send_timeout_ms = 30000;
    l->handler_timeout_ms = 60000;
    l->max_connections = 10000;
    l->access_log = 0;
}

size_t http_open_connections(void)
{
    size_t n = 0;
    for (struct conn *c = g_conns; c; c = c->next)
        n++;
    return n;
}

const char *conn_remote(const struct conn *cc)
{
    struct conn *c = (struct conn *)cc;
    if (c->remote[0])
        return c->remote;
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char host[48];
    if (c->closing || uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(c->remote, sizeof(c->remote), "-");
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, host, sizeof(host));
        snprintf(c->remote, sizeof(c->remote), "[%s]:%u", host, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        uv_ip4_name(a, host, sizeof(host));
        snprintf(c->remote, sizeof(c->remote), "%s:%u", host, ntohs(a->sin_port));
    }
    return c->remote;
}

int conn_is_closed(const struct conn *c)
{
    return c->closing || c->handler_timed_out || g_draining > 1;
}

static void set_deadline(struct conn *c, int kind, uint64_t ms)
{
    c->deadline_kind = (uint8_t)kind;
    c->deadline = kind == DL_NONE ? 0 : uv_now(g_loop) + ms;
}

/* ---- output ---- */

static void access_log_line(struct conn *c, size_t body_bytes, uint64_t dur_ns)
{
    cami_request *r = &c->req;
    char ts[32];
    log_timestamp(ts, sizeof(ts));
    /* The target is client text: escape what could forge or break a line. */
    char target[512];
    size_t o = 0;
    const char *t = r->head.data ? r->head.data : "";
    for (size_t i = 0; i < r->target_len && o + 5 < sizeof(target); i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch < 0x21 || ch >= 0x7f || ch == '"' || ch == '\\')
            o += (size_t)snprintf(target + o, sizeof(target) - o, "\\x%02x", ch);
        else
            target[o++] = (char)ch;
    }
    target[o] = '\0';
    const struct cami_plugin *p = r->route ? r->route->target.owner : NULL;
    char line[1024];
    int n;
    if (r->method)
        n = snprintf(line, sizeof(line), "%s %s %s \"%s %s HTTP/%u.%u\" %d %zu %lluus plugin=%s rid=%s\n",
                     ts, c->lst->name, conn_remote(c), r->method, target, r->http_major,
                     r->http_minor, r->status, body_bytes, (unsigned long long)(dur_ns / 1000),
                     p ? p->name : "-", r->id);
    else /* refused before a request line was read */
        n = snprintf(line, sizeof(line), "%s %s %s \"-\" %d %zu %lluus plugin=- rid=%s\n", ts,
                     c->lst->name, conn_remote(c), r->status, body_bytes,
                     (unsigned long long)(dur_ns / 1000), r->id);
    if (n > 0) {
        if ((size_t)n >= sizeof(line)) {
            n = (int)sizeof(line) - 1;
            line[n - 1] = '\n';
        }
        access_log_write(line, (size_t)n);
    }
}

/* Serialise the current request's response into c->out, account for it, and
 * decide whether the connection stays open. */
static void conn_complete(struct conn *c)
{
    cami_request *r = &c->req;
    buf *o = &c->out;
    int status = r->status;
    int no_body = status == 204 || status == 304 || status < 200;
    if (!r->keep_alive || g_draining)
        c->close_after_write = 1;
    size_t blen = no_body ? 0 : r->resp_body.len;
    int fail = buf_reserve(o, 256 + r->resp_headers.len + blen);
    fail |= BUF_LIT(o, "HTTP/1.1 ");
    fail |= buf_append_u64(o, (unsigned)status);
    fail |= BUF_LIT(o, " ");
    fail |= buf_append_str(o, http_reason(status));
    fail |= BUF_LIT(o, "\r\nDate: ");
    fail |= buf_append(o, http_date_now(), HTTP_DATE_LEN);
    if (r->content_type[0] && !no_body) {
        fail |= BUF_LIT(o, "\r\nContent-Type: ");
        fail |= buf_append_str(o, r->content_type);
    }
    if (!no_body) {
        fail |= BUF_LIT(o, "\r\nContent-Length: ");
        fail |= buf_append_u64(o, blen);
    }
    fail |= BUF_LIT(o, "\r\nX-Request-Id: ");
    fail |= buf_append_str(o, r->id);
    if (c->close_after_write)
        fail |= BUF_LIT(o, "\r\nConnection: close");
    else if (r->http_minor == 0)
        fail |= BUF_LIT(o, "\r\nConnection: keep-alive");
    fail |= BUF_LIT(o, "\r\n");
    fail |= buf_append(o, r->resp_headers.data, r->resp_headers.len);
    fail |= BUF_LIT(o, "\r\n");
    if (!no_body && !r->head_only)
        fail |= buf_append(o, r->resp_body.data, blen);
    if (fail) {
        log_error("out of memory writing a response to %s; closing the connection", conn_remote(c));
        o->len = 0;
        c->close_after_write = 1;
    }
    uint64_t dur = uv_hrtime() - r->t_start_ns;
    size_t sent = r->head_only ? 0 : blen;
    metrics_request_done(r->metrics_id, status, dur, sent);
    if (g_limits.access_log)
        access_log_line(c, sent, dur);
    r->state = REQ_DONE;
}

static void on_write(uv_write_t *req, int status);
static void start_reading(struct conn *c);

static void after_output_drained(struct conn *c)
{
    int holding = c->req.state == REQ_PENDING && !c->handler_timed_out;
    if (c->close_after_write && !c->lingering && !holding && !c->closing) {
        /* Half-close, then drain input briefly (see LINGER_MS). */
        c->lingering = 1;
        if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, NULL) != 0) {
            conn_close(c);
            return;
        }
        set_deadline(c, DL_LINGER, LINGER_MS);
        start_reading(c);
        return;
    }
    if (!c->close_after_write && c->req.state != REQ_PENDING && !c->in_message)
        set_deadline(c, DL_IDLE, g_limits.keepalive_timeout_ms);
}

static void conn_flush(struct conn *c)
{
    if (c->closing || c->writing)
        return;
    if (c->out.len == 0) {
        after_output_drained(c);
        return;
    }
    uv_buf_t b = uv_buf_init(c->out.data, (unsigned)c->out.len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)c->out.len) {
        c->out.len = 0;
        after_output_drained(c);
        return;
    }
    if (n < 0 && n != UV_EAGAIN) {
        conn_close(c);
        return;
    }
    if (n > 0)
        buf_consume(&c->out, (size_t)n);
    /* The rest goes out asynchronously from wbuf while out collects more. */
    buf t = c->wbuf;
    c->wbuf = c->out;
    c->out = t;
    c->out.len = 0;
    b = uv_buf_init(c->wbuf.data, (unsigned)c->wbuf.len);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
        conn_close(c);
        return;
    }
    c->writing = 1;
    set_deadline(c, DL_SEND, g_limits.send_timeout_ms);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

static void start_reading(struct conn *c)
{
    if (c->reading || c->closing)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = 1;
}

static void stop_reading(struct conn *c)
{
    if (!c->reading)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
}

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    c->writing = 0;
    buf_reset(&c->wbuf, 1u << 16);
    if (status < 0 || c->closing) {
        conn_close(c);
        return;
    }
    conn_flush(c);
    if (!c->writing && !c->closing && c->req.state != REQ_PENDING && !c->close_after_write)
        start_reading(c);
}

/* ---- errors found while parsing ---- */

static void conn_send_error(struct conn *c, int status, const char *msg)
{
    cami_request *r = &c->req;
    if (!r->id[0])
        request_assign_id(r);
    r->state = REQ_DISPATCHED;
    r->keep_alive = 0;
    r->head_only = 0;
    r->route = NULL;
    r->metrics_id = c->lst->unmatched_metrics_id;
    http_resp_clear(r);
    http_resp_error(r, status, msg);
    if (status == 503)
        http_resp_header(r, "Retry-After", "1");
    conn_complete(c);
    c->in_message = 0;
    stop_reading(c);
    conn_flush(c);
}

static int fail_with(struct conn *c, int status, const char *msg)
{
    c->error_status = status;
    c->error_msg = msg;
    return -1;
}

/* ---- llhttp callbacks ---- */

static int on_message_begin(llhttp_t *p)
{
    struct conn *c = p->data;
    request_reset(&c->req);
    c->host_count = 0;
    c->req.t_start_ns = uv_hrtime();
    c->in_message = 1;
    set_deadline(c, DL_HEADER, g_limits.header_timeout_ms);
    return 0;
}

static int head_append(struct conn *c, const char *at, size_t len)
{
    if (buf_append(&c->req.head, at, len) < 0)
        return fail_with(c, 503, "out of memory");
    if (c->req.head.len > g_limits.max_header_size)
        return fail_with(c, 431, "request header fields too large");
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    if (c->req.head.len + len > g_limits.max_url_length)
        return fail_with(c, 414, "request target too long");
    return head_append(c, at, len);
}

static int on_url_complete(llhttp_t *p)
{
    struct conn *c = p->data;
    c->req.target_len = (uint32_t)c->req.head.len;
    return head_append(c, "", 1);
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    cami_request *r = &c->req;
    if (!r->in_value) {
        if (r->nhdrs == r->hdrs_cap) {
            uint32_t ncap = r->hdrs_cap ? r->hdrs_cap * 2 : 16;
            hdr_span *n = realloc(r->hdrs, ncap * sizeof(*n));
            if (!n)
                return fail_with(c, 503, "out of memory");
            r->hdrs = n;
            r->hdrs_cap = ncap;
        }
        r->hdrs[r->nhdrs].name_off = (uint32_t)r->head.len;
        r->in_value = 1;
    }
    return head_append(c, at, len);
}

static int on_header_field_complete(llhttp_t *p)
{
    struct conn *c = p->data;
    cami_request *r = &c->req;
    hdr_span *h = &r->hdrs[r->nhdrs];
    h->name_len = (uint32_t)(r->head.len - h->name_off);
    /* A field name is a token (RFC 9110 5.1); llhttp 8.1 lets some
     * non-tokens through ("Bad Name", "Host "), which RFC 9112 5.1 says to
     * answer with 400. */
    if (h->name_len == 0)
        return fail_with(c, 400, "malformed request: empty header field name");
    for (uint32_t i = 0; i < h->name_len; i++)
        if (!http_is_tchar((unsigned char)r->head.data[h->name_off + i]))
            return fail_with(c, 400, "malformed request: invalid character in a header field name");
    if (h->name_len == 4 && strncasecmp(r->head.data + h->name_off, "host", 4) == 0)
        c->host_count++;
    if (head_append(c, "", 1) < 0)
        return -1;
    h->value_off = (uint32_t)r->head.len;
    h->value_len = 0;
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    return head_append(p->data, at, len);
}

static int on_header_value_complete(llhttp_t *p)
{
    struct conn *c = p->data;
    cami_request *r = &c->req;
    hdr_span *h = &r->hdrs[r->nhdrs];
    size_t vlen = r->head.len - h->value_off;
    /* Trailing whitespace is not part of a field value (RFC 9110 5.5). */
    while (vlen && (r->head.data[h->value_off + vlen - 1] == ' ' ||
                    r->head.data[h->value_off + vlen - 1] == '\t'))
        vlen--;
    r->head.len = h->value_off + vlen;
    h->value_len = (uint32_t)vlen;
    if (head_append(c, "", 1) < 0)
        return -1;
    r->nhdrs++;
    r->in_value = 0;
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    struct conn *c = p->data;
    cami_request *r = &c->req;
    r->method = llhttp_method_name((llhttp_method_t)llhttp_get_method(p));
    r->http_major = llhttp_get_http_major(p);
    r->http_minor = llhttp_get_http_minor(p);
    r->keep_alive = llhttp_should_keep_alive(p) ? 1 : 0;
    r->head_only = strcmp(r->method, "HEAD") == 0;
    if (r->http_major != 1)
        return fail_with(c, 505, "only HTTP/1.0 and HTTP/1.1 are served");
    /* RFC 9112 3.2: exactly one Host in HTTP/1.1, at most one in 1.0. */
    if (c->host_count > 1 || (c->host_count == 0 && r->http_minor >= 1))
        return fail_with(c, 400, c->host_count ? "more than one Host header field"
                                                : "an HTTP/1.1 request needs a Host header field");
    if (request_prepare(r) < 0)
        return fail_with(c, 400, "the request path cannot be decoded");
    int has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > g_limits.max_body_size)
        return fail_with(c, 413, "request body too large");
    const char *expect = http_req_header(r, "expect");
    if (expect) {
        if (strcasecmp(expect, "100-continue") != 0)
            return fail_with(c, 417, "only 'Expect: 100-continue' is supported");
        if (has_body && r->http_minor >= 1 &&
            BUF_LIT(&c->out, "HTTP/1.1 100 Continue\r\n\r\n") < 0)
            return fail_with(c, 503, "out of memory");
    }
    if (has_body)
        set_deadline(c, DL_BODY, g_limits.body_timeout_ms);
    else
        set_deadline(c, DL_NONE, 0);
    return 0;
}

static int on_chunk_header(llhttp_t *p)
{
    struct conn *c = p->data;
    c->chunk_data_end = NULL;
    c->crlf_at_feed_start = 0;
    return 0;
}

static int on_chunk_complete(llhttp_t *p)
{
    struct conn *c = p->data;
    const char *e = c->chunk_data_end;
    int ok = 1;
    if (c->crlf_at_feed_start)
        e = c->feed_start;
    if (e) {
        /* What llhttp consumed after the data must be CR LF. */
        if (e < c->feed_end && e[0] != '\r')
            ok = 0;
        if (e + 1 < c->feed_end && e[1] != '\n')
            ok = 0;
    }
    c->chunk_data_end = NULL;
    c->crlf_at_feed_start = 0;
    return ok ? 0 : fail_with(c, 400, "malformed request: chunk data not followed by CRLF");
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    if (p->flags & F_CHUNKED) {
        c->chunk_data_end = at + len;
        c->crlf_at_feed_start = 0;
    }
    if (c->req.body.len + len > g_limits.max_body_size)
        return fail_with(c, 413, "request body too large");
    if (buf_append(&c->req.body, at, len) < 0)
        return fail_with(c, 503, "out of memory");
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    struct conn *c = p->data;
    c->in_message = 0;
    set_deadline(c, DL_NONE, 0);
    /* Pause: the request is handled before the next pipelined one is parsed. */
    return HPE_PAUSED;
}

/* ---- dispatch ---- */

static void conn_dispatch(struct conn *c)
{
    cami_request *r = &c->req;
    listener *l = c->lst;
    r->state = REQ_DISPATCHED;
    r->metrics_id = l->unmatched_metrics_id;
    if (c->parser.upgrade)
        r->keep_alive = 0; /* we answer, but never switch protocols */
    char allow[128];
    char *scratch = r->scratch.data + r->scratch.len;
    size_t scratch_len = r->scratch.cap - r->scratch.len;
    route_result rr = router_match(l->router, r->method, r->raw_path, r->raw_path_len, &r->match,
                                   scratch, scratch_len, allow, sizeof(allow));
    switch (rr) {
    case ROUTE_FOUND: {
        const route *rt = r->match.route;
        struct cami_plugin *p = rt->target.owner;
        r->route = rt;
        r->metrics_id = rt->target.metrics_id;
        metrics_set_running_plugin(p ? (int)p->order : -1);
        uint64_t t0 = uv_hrtime();
        int rc = rt->target.handler(r, rt->target.ud);
        metrics_handler_time(r->metrics_id, uv_hrtime() - t0);
        metrics_set_running_plugin(-1);
        if (rc == CAMI_PENDING) {
            r->state = REQ_PENDING;
            set_deadline(c, DL_HANDLER, g_limits.handler_timeout_ms);
            return;
        }
        if (rc < 0) {
            metrics_handler_failed(r->metrics_id);
            log_msg(p ? p->name : NULL, CAMI_LOG_ERROR,
                    "handler of %s %s failed (%d) for %s %s; answered 500 (request %s)", rt->method,
                    rt->tmpl, rc, r->method, r->path, r->id);
            http_resp_clear(r);
            http_resp_error(r, 500, "internal error");
        }
        break;
    }
    case ROUTE_METHOD_NOT_ALLOWED:
        http_resp_error(r, 405, "method not allowed");
        http_resp_header(r, "Allow", allow);
        break;
    case ROUTE_REDIRECT_SLASH: {
        buf loc = BUF_INIT;
        int fail = buf_append(&loc, r->raw_path, r->raw_path_len) | BUF_LIT(&loc, "/");
        if (r->raw_query)
            fail |= BUF_LIT(&loc, "?") | buf_append(&loc, r->raw_query, r->raw_query_len);
        if (!fail && http_resp_header(r, "Location", loc.data) == CAMI_OK)
            http_resp_json(r, 301, json_pack("{s:s}", "location", loc.data));
        else
            http_resp_error(r, 400, "bad request target");
        buf_free(&loc);
        break;
    }
    case ROUTE_BAD_PATH:
        http_resp_error(r, 400, "bad request path");
        break;
    case ROUTE_NOT_FOUND:
    default:
        http_resp_error(r, 404, "not found");
        break;
    }
    conn_complete(c);
}

static void keep_input(struct conn *c, const char *data, size_t len)
{
    if (len && buf_append(&c->in, data, len) < 0) {
        log_error("out of memory keeping pipelined input of %s; closing", conn_remote(c));
        c->close_after_write = 1;
    }
}

/* RFC 9110 9.1: a well-formed request line with an unknown method is 501;
 * anything else llhttp refuses is malformed, 400. Well-formed here means
 * "token SP target SP HTTP/d.d CRLF" within the buffer being parsed. */
static int request_line_well_formed(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && http_is_tchar((unsigned char)*q))
        q++;
    if (q == p || q >= end || *q++ != ' ')
        return 0;
    const char *t = q;
    while (q < end && (unsigned char)*q > ' ' && *q != 0x7f)
        q++;
    if (q == t || end - q < 11 || *q++ != ' ')
        return 0;
    return memcmp(q, "HTTP/", 5) == 0 && q[5] >= '0' && q[5] <= '9' && q[6] == '.' &&
           q[7] >= '0' && q[7] <= '9' && q[8] == '\r' && q[9] == '\n';
}

static int status_for_parse_error(const struct conn *c, llhttp_errno_t e)
{
    if (e == HPE_INVALID_VERSION)
        return 505;
    if (e == HPE_INVALID_METHOD && c->msg_start &&
        request_line_well_formed(c->msg_start, c->feed_end))
        return 501;
    return 400;
}

static void conn_feed(struct conn *c, const char *data, size_t len)
{
    while (len > 0) {
        if (c->close_after_write || c->closing || c->lingering)
            return; /* nothing after a closing response is read */
        c->feed_start = data;
        c->feed_end = data + len;
        c->msg_start = c->in_message ? NULL : data;
        llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
        /* Chunk data that ended this buffer: its CRLF starts the next one.
         * (Pointers into this buffer are not kept past this call.) */
        c->crlf_at_feed_start = c->chunk_data_end && c->chunk_data_end == c->feed_end;
        c->chunk_data_end = NULL;
        if (e == HPE_OK)
            return;
        if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
            const char *pos = llhttp_get_error_pos(&c->parser);
            size_t used = pos ? (size_t)(pos - data) : len;
            data += used;
            len -= used;
            if (e == HPE_PAUSED)
                llhttp_resume(&c->parser);
            else
                c->req.keep_alive = 0;
            conn_dispatch(c);
            if (c->req.state == REQ_PENDING) {
                keep_input(c, data, len);
                if (c->in.len >= PENDING_INPUT_MAX)
                    stop_reading(c);
                return;
            }
            continue;
        }
        if (c->error_status) {
            conn_send_error(c, c->error_status, c->error_msg);
        } else {
            char msg[160];
            int status = status_for_parse_error(c, e);
            if (status == 501)
                snprintf(msg, sizeof(msg), "method not implemented");
            else
                snprintf(msg, sizeof(msg), "malformed request: %s",
                         llhttp_get_error_reason(&c->parser));
            conn_send_error(c, status, msg);
        }
        return;
    }
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)h;
    (void)suggested;
    /* One buffer per worker: input is parsed before the next read, and what
     * must wait (pipelined requests behind a pending one) is copied out. */
    if (g_readbuf_busy) {
        b->base = malloc(READ_BUF_SIZE);
        b->len = b->base ? READ_BUF_SIZE : 0;
        return;
    }
    g_readbuf_busy = 1;
    b->base = g_readbuf;
    b->len = sizeof(g_readbuf);
}

static void release_readbuf(const uv_buf_t *b)
{
    if (b->base == g_readbuf)
        g_readbuf_busy = 0;
    else
        free(b->base);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    struct conn *c = s->data;
    if (nread > 0 && c->lingering) {
        release_readbuf(b);
        return;
    }
    if (nread > 0 && c->req.state == REQ_PENDING) {
        /* Behind a deferred request: parsed once it is answered. */
        keep_input(c, b->base, (size_t)nread);
        release_readbuf(b);
        if (c->in.len >= PENDING_INPUT_MAX || c->close_after_write)
            stop_reading(c);
        return;
    }
    if (nread > 0) {
        conn_feed(c, b->base, (size_t)nread);
        release_readbuf(b);
        if (!c->closing) {
            conn_flush(c);
            if (c->writing && c->out.len > OUT_HIGH_WATER)
                stop_reading(c);
        }
        return;
    }
    if (b->base)
        release_readbuf(b);
    if (nread == 0)
        return;
    /* EOF or error. A client that half-closes after its request still gets
     * the answer; anything else ends the connection now. */
    stop_reading(c);
    if (nread == UV_EOF && !c->lingering && c->req.state == REQ_PENDING && c->in.len) {
        /* Requests pipelined before the half-close are answered first. */
        c->eof_after_input = 1;
        return;
    }
    if (nread == UV_EOF && !c->lingering && !c->in_message &&
        (c->req.state == REQ_PENDING || c->writing || c->out.len)) {
        c->close_after_write = 1;
        return;
    }
    conn_close(c);
}

/* ---- lifecycle ---- */

static void conn_free(struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (g_conns == c)
        g_conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    request_free(&c->req);
    buf_free(&c->in);
    buf_free(&c->out);
    buf_free(&c->wbuf);
    free(c);
    drain_check_done();
}

static void drain_timer_close(void)
{
    if (g_drain_timer_on) {
        uv_timer_stop(&g_drain_timer);
        uv_close((uv_handle_t *)&g_drain_timer, NULL);
        g_drain_timer_on = 0;
    }
}

/* Drained: no connection left, or (after the drain timeout) only closed
 * ones whose deferred request a plugin has not finished. */
static void drain_check_done(void)
{
    if (!g_draining || !g_drain_done)
        return;
    for (struct conn *c = g_conns; c; c = c->next)
        if (!(g_draining > 1 && c->closing && c->req.state == REQ_PENDING))
            return;
    drain_timer_close();
    void (*done)(void *) = g_drain_done;
    g_drain_done = NULL;
    done(g_drain_ud);
}

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    c->handle_closed = 1;
    /* A pending request keeps the connection's memory until it is finished. */
    if (c->req.state != REQ_PENDING)
        conn_free(c);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    c->reading = 0;
    if (c->counted) {
        g_nconns--;
        metrics_conn_closed();
        c->counted = 0;
    }
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

void conn_request_finished(struct conn *c)
{
    cami_request *r = &c->req;
    if (c->handler_timed_out || c->closing) {
        /* The client has its answer (504) or is gone: only let go. */
        r->state = REQ_DONE;
        if (c->handle_closed)
            conn_free(c);
        return;
    }
    conn_complete(c);
    if (!c->close_after_write && c->in.len) {
        buf pending = c->in;
        c->in = (buf)BUF_INIT;
        conn_feed(c, pending.data, pending.len);
        buf_free(&pending);
    }
    if (c->closing)
        return;
    if (c->eof_after_input && r->state != REQ_PENDING) {
        /* What came before the client's half-close is answered (a partial
         * request left in the parser never will be). */
        c->eof_after_input = 0;
        c->close_after_write = 1;
    }
    conn_flush(c);
    if (!c->closing && r->state != REQ_PENDING && !c->close_after_write && !c->writing)
        start_reading(c);
}

/* The drain timeout: close whatever is left. A deferred request whose
 * connection is gone no longer holds up the exit; its plugin sees
 * cami_req_aborted() and finishes it, or it is dropped at shutdown. */
static void drain_expired(uv_timer_t *t)
{
    (void)t;
    size_t busy = http_open_connections();
    if (busy)
        log_warn("drain timeout: closing %zu connection(s) still busy", busy);
    g_draining = 2;
    for (struct conn *c = g_conns; c; c = c->next)
        if (!c->closing)
            conn_close(c);
    drain_check_done();
}

/* A deferred request its plugin has not finished in time: the client gets
 * 504 and the connection closes. The request object stays valid (the plugin
 * may still write to it and must still finish it) until the plugin lets go;
 * the connection is never reused for another request meanwhile. */
static void handler_timed_out(struct conn *c)
{
    cami_request *r = &c->req;
    const struct cami_plugin *p = r->route ? r->route->target.owner : NULL;
    log_msg(p ? p->name : NULL, CAMI_LOG_WARN,
            "%s %s (request %s) was not finished within handler_timeout (%llu ms): answered 504",
            r->method ? r->method : "-", r->path ? r->path : "-", r->id,
            (unsigned long long)g_limits.handler_timeout_ms);
    http_resp_clear(r);
    http_resp_error(r, 504, "the handler did not answer in time");
    r->keep_alive = 0;
    stop_reading(c);
    conn_complete(c);
    r->state = REQ_PENDING;
    c->handler_timed_out = 1;
    conn_flush(c);
}

static void sweep(uv_timer_t *t)
{
    (void)t;
    uint64_t now = uv_now(g_loop);
    struct conn *next;
    for (struct conn *c = g_conns; c; c = next) {
        next = c->next;
        if (c->closing || !c->deadline || now < c->deadline)
            continue;
        int kind = c->deadline_kind;
        set_deadline(c, DL_NONE, 0);
        if (kind == DL_HANDLER) {
            if (c->req.state == REQ_PENDING && !c->handler_timed_out)
                handler_timed_out(c);
            continue;
        }
        if ((kind == DL_HEADER || kind == DL_BODY) && !c->writing && c->req.state != REQ_PENDING) {
            conn_send_error(c, 408, kind == DL_HEADER ? "timed out reading the request head"
                                                       : "timed out reading the request body");
            if (!c->closing && c->writing)
                set_deadline(c, DL_SEND, g_limits.send_timeout_ms);
            else if (!c->closing)
                set_deadline(c, DL_LINGER, LINGER_MS);
        } else {
            conn_close(c);
        }
    }
}

static uint64_t sweep_interval(void)
{
    uint64_t m = g_limits.keepalive_timeout_ms;
    if (g_limits.header_timeout_ms < m)
        m = g_limits.header_timeout_ms;
    if (g_limits.body_timeout_ms < m)
        m = g_limits.body_timeout_ms;
    m /= 4;
    if (m < 20)
        m = 20;
    if (m > 1000)
        m = 1000;
    return m;
}

int http_init(uv_loop_t *loop, const http_limits *limits)
{
    g_loop = loop;
    g_limits = *limits;
    g_draining = 0;
    llhttp_settings_init(&g_settings);
    g_settings.on_message_begin = on_message_begin;
    g_settings.on_url = on_url;
    g_settings.on_url_complete = on_url_complete;
    g_settings.on_header_field = on_header_field;
    g_settings.on_header_field_complete = on_header_field_complete;
    g_settings.on_header_value = on_header_value;
    g_settings.on_header_value_complete = on_header_value_complete;
    g_settings.on_headers_complete = on_headers_complete;
    g_settings.on_body = on_body;
    g_settings.on_chunk_header = on_chunk_header;
    g_settings.on_chunk_complete = on_chunk_complete;
    g_settings.on_message_complete = on_message_complete;
    int rc = uv_timer_init(loop, &g_sweep);
    if (rc < 0)
        return rc;
    g_sweep_on = 1;
    uint64_t iv = sweep_interval();
    uv_timer_start(&g_sweep, sweep, iv, iv);
    /* The sweep alone must not keep a draining loop alive. */
    uv_unref((uv_handle_t *)&g_sweep);
    return 0;
}

void http_accept(listener *l, uv_stream_t *server)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        log_error("out of memory accepting a connection on %s", l->name);
        return;
    }
    if (uv_tcp_init(g_loop, &c->tcp) != 0) {
        free(c);
        return;
    }
    c->tcp.data = c;
    c->lst = l;
    c->next = g_conns;
    if (g_conns)
        g_conns->prev = c;
    g_conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    llhttp_init(&c->parser, HTTP_REQUEST, &g_settings);
    c->parser.data = c;
    request_init(&c->req, c);
    if (g_nconns >= g_limits.max_connections || g_draining) {
        metrics_conn_rejected();
        c->rejected = 1;
        c->req.t_start_ns = uv_hrtime();
        start_reading(c);
        conn_send_error(c, 503, g_draining ? "server is shutting down"
                                           : "too many connections, try again shortly");
        return;
    }
    c->counted = 1;
    g_nconns++;
    metrics_conn_opened();
    set_deadline(c, DL_IDLE, g_limits.keepalive_timeout_ms);
    start_reading(c);
}

void http_drain(uint64_t timeout_ms, void (*done)(void *ud), void *ud)
{
    g_draining = 1;
    g_drain_done = done;
    g_drain_ud = ud;
    if (uv_timer_init(g_loop, &g_drain_timer) == 0) {
        g_drain_timer_on = 1;
        uv_timer_start(&g_drain_timer, drain_expired, timeout_ms, 0);
    }
    struct conn *next;
    for (struct conn *c = g_conns; c; c = next) {
        next = c->next;
        if (c->closing)
            continue;
        /* A request being received or handled is answered first (with
         * Connection: close, see conn_complete); output already queued is
         * sent; anything else is idle and closed now. */
        if (c->in_message || c->req.state == REQ_PENDING)
            continue;
        if (c->writing || c->out.len)
            c->close_after_write = 1;
        else
            conn_close(c);
    }
    drain_check_done();
}

void http_shutdown(void)
{
    struct conn *next;
    for (struct conn *c = g_conns; c; c = next) {
        next = c->next;
        if (!c->closing)
            conn_close(c);
        else if (c->handle_closed)
            conn_free(c); /* a deferred request its plugin never finished */
    }
    drain_timer_close();
    if (g_sweep_on) {
        uv_timer_stop(&g_sweep);
        uv_close((uv_handle_t *)&g_sweep, NULL);
        g_sweep_on = 0;
    }
}
