/*
 * testbed.c - a plugin for the integration tests (tests/integration/). Its
 * routes drive the host paths that the hello plugin does not reach: a failing
 * handler, deferred answers from a timer, body lengths (chunked de-framing),
 * large responses (write backpressure), header echo, and a slashed path for
 * the 301 redirect. It is built only for `make check` and never installed.
 *
 *   GET  /tb/fail        handler fails after building a response (-> 500)
 *   GET  /tb/slow?ms=N   deferred; answered {"ms": N} from a timer after N ms
 *   POST /tb/len         {"length": <body bytes>}
 *   GET  /tb/big?n=N     N bytes of "abc...zabc..." (application/octet-stream)
 *   GET  /tb/hdr         {"method", "target", "headers": [[name, value], ...]}
 *   GET  /tb/items/      {"items": []} (only the slashed path exists)
 *   GET  /tb/fdwatch     a socketpair watched on the loop: writable first,
 *                        then (after cami_fd_watch_set) readable once a
 *                        timer wrote a byte -> {"steps": [...], "read": "x",
 *                        "regular_file_refused": bool}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cami/cami.h>

/* Cap for /tb/big so a typo in a test cannot make the plugin allocate wildly. */
#define TB_BIG_MAX (64u * 1024u * 1024u)

static int64_t slow_max_ms;

/* Parse a decimal query value in [0, max]. Returns 0, or -1 when it is
 * missing, not all digits, or too large. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* The host must discard what was built before a failure: the test checks
 * that "partial" never reaches the client. */
static int tb_fail(cami_request *req, void *ud)
{
    (void)ud;
    if (cami_resp_json(req, 200, json_pack("{s:s}", "partial", "yes")) != CAMI_OK)
        return CAMI_ENOMEM;
    return CAMI_EFAIL;
}

static void tb_slow_fire(cami_timer *timer, void *ud)
{
    cami_request *req = ud;
    uint64_t ms = 0;
    int rc;

    cami_timer_stop(timer);
    /* Validated by the handler; the request's strings live until finish. */
    if (parse_uint(cami_req_query(req, "ms"), (uint64_t)slow_max_ms, &ms) != 0)
        rc = cami_resp_error(req, 500, "ms changed under the request");
    else
        rc = cami_resp_json(req, 200, json_pack("{s:I}", "ms", (json_int_t)ms));
    if (rc != CAMI_OK && cami_resp_error(req, 500, "cannot build the response") != CAMI_OK)
        cami_resp_status(req, 500);
    /* A failed finish leaves nothing to undo here; the host has logged it. */
    (void)cami_req_finish(req);
}

static int tb_slow(cami_request *req, void *ud)
{
    cami_plugin *self = ud;
    uint64_t ms;

    if (parse_uint(cami_req_query(req, "ms"), (uint64_t)slow_max_ms, &ms) != 0)
        return cami_resp_error(req, 400, "ms must be an integer from 0 to slow_max_ms");
    if (cami_timer_start(self, ms, 0, tb_slow_fire, req) == NULL)
        return CAMI_ENOMEM;
    return CAMI_PENDING;
}

static int tb_len(cami_request *req, void *ud)
{
    size_t len = 0;

    (void)ud;
    (void)cami_req_body(req, &len);
    return cami_resp_json(req, 200, json_pack("{s:I}", "length", (json_int_t)len));
}

static int tb_big(cami_request *req, void *ud)
{
    uint64_t n;
    char *buf;
    int rc;

    (void)ud;
    if (parse_uint(cami_req_query(req, "n"), TB_BIG_MAX, &n) != 0)
        return cami_resp_error(req, 400, "n must be an integer from 0 to 67108864");
    if (n == 0)
        return cami_resp_body(req, "", 0, "application/octet-stream");
    buf = malloc((size_t)n);
    if (buf == NULL)
        return CAMI_ENOMEM;
    /* A pattern rather than one repeated byte, so a test can tell a shifted
     * or truncated body from the real one. */
    for (uint64_t i = 0; i < n; i++)
        buf[i] = (char)('a' + i % 26);
    rc = cami_resp_body(req, buf, (size_t)n, "application/octet-stream");
    free(buf);
    return rc;
}

static int tb_hdr(cami_request *req, void *ud)
{
    json_t *headers = json_array();
    const char *name;
    const char *value;

    (void)ud;
    if (headers == NULL)
        return CAMI_ENOMEM;
    for (size_t i = 0; cami_req_header_at(req, i, &name, &value) == CAMI_OK; i++) {
        if (json_array_append_new(headers, json_pack("[s,s]", name, value)) != 0) {
            json_decref(headers);
            return CAMI_ENOMEM;
        }
    }
    return cami_resp_json(req, 200,
                          json_pack("{s:s,s:s,s:o}", "method", cami_req_method(req),
                                    "target", cami_req_target(req), "headers", headers));
}

static int tb_items(cami_request *req, void *ud)
{
    (void)ud;
    return cami_resp_json(req, 200, json_pack("{s:[]}", "items"));
}

struct fdw {
    cami_plugin *self;
    cami_request *req;
    cami_fd_watch *watch;
    int fds[2];
    json_t *steps;
    int regular_refused;
};

static void fdw_finish(struct fdw *f, const char *read_text)
{
    cami_fd_watch_stop(f->watch);
    close(f->fds[0]);
    close(f->fds[1]);
    cami_resp_json(f->req, 200,
                   json_pack("{s:o,s:s,s:b}", "steps", f->steps, "read", read_text,
                             "regular_file_refused", f->regular_refused));
    cami_req_finish(f->req);
    free(f);
}

static void fdw_write_later(cami_timer *timer, void *ud)
{
    struct fdw *f = ud;
    cami_timer_stop(timer);
    if (write(f->fds[1], "x", 1) != 1)
        fdw_finish(f, "write failed");
}

static void fdw_ready(cami_fd_watch *watch, int fd, int events, void *ud)
{
    struct fdw *f = ud;
    char c;
    (void)watch;
    (void)fd;
    if (events & CAMI_FD_ERROR) {
        fdw_finish(f, "error");
    } else if (json_array_size(f->steps) == 0 && (events & CAMI_FD_WRITE)) {
        json_array_append_new(f->steps, json_string("writable"));
        /* now wait for a byte only: nothing is readable for 20 ms */
        if (cami_fd_watch_set(f->watch, CAMI_FD_READ) != CAMI_OK ||
            cami_timer_start(f->self, 20, 0, fdw_write_later, f) == NULL)
            fdw_finish(f, "set failed");
    } else if (events & CAMI_FD_READ) {
        json_array_append_new(f->steps, json_string("readable"));
        fdw_finish(f, read(f->fds[0], &c, 1) == 1 && c == 'x' ? "x" : "?");
    } else {
        json_array_append_new(f->steps, json_string("unexpected"));
    }
}

static int tb_fdwatch(cami_request *req, void *ud)
{
    cami_plugin *self = ud;
    struct fdw *f = calloc(1, sizeof *f);
    FILE *regular = tmpfile();
    cami_fd_watch *w;

    if (f == NULL || regular == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, f->fds) != 0) {
        free(f);
        if (regular != NULL)
            fclose(regular);
        return CAMI_EFAIL;
    }
    /* epoll cannot watch a regular file: refused, not a crash */
    w = cami_fd_watch_start(self, fileno(regular), CAMI_FD_READ, fdw_ready, f);
    f->regular_refused = w == NULL;
    cami_fd_watch_stop(w);
    fclose(regular);
    f->self = self;
    f->req = req;
    f->steps = json_array();
    f->watch = cami_fd_watch_start(self, f->fds[0], CAMI_FD_WRITE, fdw_ready, f);
    if (f->watch == NULL) {
        close(f->fds[0]);
        close(f->fds[1]);
        json_decref(f->steps);
        free(f);
        return CAMI_EFAIL;
    }
    return CAMI_PENDING;
}

static int tb_init(cami_plugin *self)
{
    static const struct {
        const char *method;
        const char *path;
        cami_http_handler handler;
    } routes[] = {
        {"GET", "/tb/fail", tb_fail},   {"GET", "/tb/slow", tb_slow},
        {"POST", "/tb/len", tb_len},    {"GET", "/tb/big", tb_big},
        {"GET", "/tb/hdr", tb_hdr},     {"GET", "/tb/items/", tb_items},
        {"GET", "/tb/fdwatch", tb_fdwatch},
    };
    int rc;

    rc = cami_config_int(self, "slow_max_ms", &slow_max_ms);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot read slow_max_ms (%d)", rc);
        return rc;
    }
    if (slow_max_ms < 0) {
        cami_log(self, CAMI_LOG_ERROR, "slow_max_ms must not be negative");
        return CAMI_EINVAL;
    }
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        rc = cami_route_add(self, routes[i].method, routes[i].path, routes[i].handler, self);
        if (rc != CAMI_OK) {
            cami_log(self, CAMI_LOG_ERROR, "cannot add %s %s (%d)", routes[i].method,
                     routes[i].path, rc);
            return rc;
        }
    }
    return CAMI_OK;
}

static const cami_config_key tb_schema[] = {
    {"slow_max_ms", CAMI_CONFIG_INT, "60000", 0, "Longest delay /tb/slow accepts, in milliseconds"},
    {NULL, 0, NULL, 0, NULL},
};

/* Optional, so testbed loads alone; declared so --plugin-info has a
 * dependency to print. */
static const cami_dependency tb_deps[] = {
    {"hello", 1},
    {NULL, 0},
};

CAMI_PLUGIN(testbed, "1.0.0", "Routes for camid's integration tests",
            .dependencies = tb_deps, .config_schema = tb_schema, .init = tb_init);
