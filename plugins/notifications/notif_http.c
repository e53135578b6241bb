/*
 * notif_http.c - libcurl's multi interface on camid's loop (notif_http.h).
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * to call it back (CURLMOPT_TIMERFUNCTION); we map the first onto
 * cami_fd_watch_start/set/stop and the second onto one cami timer, and on
 * readiness or expiry hand control back with curl_multi_socket_action.
 * Finished transfers are collected after that call returns and their
 * callbacks run outside curl, so a callback may start the next request.
 * Nothing here blocks: no curl_easy_perform, no DNS on the loop (curl's
 * resolver runs in its own thread and reports through a socket).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "notif_http.h"

#define BODY_KEEP 256    /* bytes of a response body kept for error messages */

struct sock {
    struct http_client *c;
    cami_fd_watch *watch;
    curl_socket_t fd;
    struct sock *prev, *next;
};

struct call {
    struct http_client *c;
    CURL *easy;
    struct curl_slist *headers;
    char error[CURL_ERROR_SIZE];
    char body[BODY_KEEP + 1];
    size_t body_len;
    int failed;              /* no response: error says why */
    http_done_fn done;
    void *ud;
    struct call *prev, *next;
};

struct http_client {
    cami_plugin *self;
    CURLM *multi;
    cami_timer *timer;
    struct call *calls;
    struct sock *socks;
    size_t in_flight;
    int global;              /* curl_global_init succeeded */
    int closing;
};

/* ---- lists ------------------------------------------------------------------------ */

#define LINK(head, x)                                                                      \
    do {                                                                                   \
        (x)->prev = NULL;                                                                  \
        (x)->next = (head);                                                                \
        if ((head) != NULL)                                                                \
            (head)->prev = (x);                                                            \
        (head) = (x);                                                                      \
    } while (0)
#define UNLINK(head, x)                                                                    \
    do {                                                                                   \
        if ((x)->prev != NULL)                                                             \
            (x)->prev->next = (x)->next;                                                   \
        else                                                                               \
            (head) = (x)->next;                                                            \
        if ((x)->next != NULL)                                                             \
            (x)->next->prev = (x)->prev;                                                   \
    } while (0)

static void sock_free(struct sock *s)
{
    cami_fd_watch_stop(s->watch);
    UNLINK(s->c->socks, s);
    free(s);
}

static void call_free(struct call *k)
{
    curl_slist_free_all(k->headers);
    if (k->easy != NULL)
        curl_easy_cleanup(k->easy);
    free(k);
}

/* ---- curl -> loop --------------------------------------------------------------------- */

static void check_done(struct http_client *c);

static void on_ready(cami_fd_watch *watch, int fd, int events, void *ud)
{
    struct sock *s = ud;
    struct http_client *c = s->c; /* s may be freed inside socket_action */
    int flags = 0, running;

    (void)watch;
    if (events & CAMI_FD_READ)
        flags |= CURL_CSELECT_IN;
    if (events & CAMI_FD_WRITE)
        flags |= CURL_CSELECT_OUT;
    if (events & CAMI_FD_ERROR)
        flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    check_done(c);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct http_client *c = userp;
    struct sock *s = socketp;
    int events = 0;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL) {
            curl_multi_assign(c->multi, fd, NULL);
            sock_free(s);
        }
        return 0;
    }
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= CAMI_FD_READ;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= CAMI_FD_WRITE;
    if (s != NULL)
        return cami_fd_watch_set(s->watch, events) == CAMI_OK ? 0 : -1;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->c = c;
    s->fd = fd;
    s->watch = cami_fd_watch_start(c->self, fd, events, on_ready, s);
    if (s->watch == NULL) { /* the host logged why; curl fails the transfer */
        free(s);
        return -1;
    }
    LINK(c->socks, s);
    curl_multi_assign(c->multi, fd, s);
    return 0;
}

static void on_timer(cami_timer *timer, void *ud)
{
    struct http_client *c = ud;
    int running;

    if (c->timer == timer)
        c->timer = NULL;
    cami_timer_stop(timer);
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
}

static int on_timeout_change(CURLM *multi, long timeout_ms, void *userp)
{
    struct http_client *c = userp;

    (void)multi;
    if (c->timer != NULL) {
        cami_timer_stop(c->timer);
        c->timer = NULL;
    }
    if (timeout_ms < 0 || c->closing)
        return 0;
    c->timer = cami_timer_start(c->self, (uint64_t)timeout_ms, 0, on_timer, c);
    return c->timer != NULL ? 0 : -1;
}

/* Collect finished transfers first, then call back: a callback may start
 * new transfers, which must not happen while curl is reporting. */
static void check_done(struct http_client *c)
{
    struct call *done = NULL, *k;
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        k = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&k);
        if (k == NULL)
            continue;
        if (msg->data.result != CURLE_OK && k->error[0] == '\0')
            snprintf(k->error, sizeof k->error, "%s", curl_easy_strerror(msg->data.result));
        k->failed = msg->data.result != CURLE_OK;
        curl_multi_remove_handle(c->multi, k->easy);
        UNLINK(c->calls, k);
        c->in_flight--;
        k->next = done;
        done = k;
    }
    while ((k = done) != NULL) {
        struct http_result res = { 0 };
        done = k->next;
        if (k->failed) {
            res.error = k->error;
            res.body = "";
        } else {
            res.ok = 1;
            curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &res.status);
            res.body = k->body;
        }
        k->done(&res, k->ud);
        call_free(k);
    }
}

/* Keep the first bytes of the answer; take (and drop) the rest. */
static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct call *k = ud;
    size_t len = size * n, room = BODY_KEEP - k->body_len;

    if (room > 0) {
        size_t take = len < room ? len : room;
        memcpy(k->body + k->body_len, data, take);
        k->body_len += take;
        k->body[k->body_len] = '\0';
    }
    return len;
}

/* ---- the API ------------------------------------------------------------------------- */

struct http_client *http_client_new(cami_plugin *self)
{
    struct http_client *c;

    if (!CAMI_HAS(cami_host_, fd_watch_start)) {
        cami_log(self, CAMI_LOG_ERROR, "this camid cannot watch descriptors (it is older than "
                 "ABI 1.2): outbound HTTP (the webhook adapter) needs a newer camid");
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->self = self;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cami_log(self, CAMI_LOG_ERROR, "libcurl cannot start (curl_global_init failed)");
        free(c);
        return NULL;
    }
    c->global = 1;
    c->multi = curl_multi_init();
    if (c->multi == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "libcurl cannot start (curl_multi_init failed)");
        http_client_free(c);
        return NULL;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timeout_change);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;
}

void http_client_free(struct http_client *c)
{
    if (c == NULL)
        return;
    c->closing = 1;
    while (c->calls != NULL) {
        struct call *k = c->calls;
        struct http_result res = { 0, 0, "aborted: camid is stopping", "" };
        curl_multi_remove_handle(c->multi, k->easy);
        UNLINK(c->calls, k);
        c->in_flight--;
        k->done(&res, k->ud);
        call_free(k);
    }
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi);
    while (c->socks != NULL) /* what curl did not remove itself */
        sock_free(c->socks);
    if (c->timer != NULL)
        cami_timer_stop(c->timer);
    if (c->global)
        curl_global_cleanup();
    free(c);
}

size_t http_in_flight(const struct http_client *c)
{
    return c != NULL ? c->in_flight : 0;
}

static int set_protocols(CURL *easy)
{
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: the string form; the bitmask is deprecated */
    return curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK ? 0 : -1;
#else
    return curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) ==
                   CURLE_OK
               ? 0
               : -1;
#endif
}

int http_post(struct http_client *c, const char *url, const char *const *headers,
              const char *body, size_t len, long timeout_ms, http_done_fn done, void *ud)
{
    struct call *k;
    int bad = 0;

    if (c == NULL || c->closing || done == NULL)
        return CAMI_EFAIL;
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return CAMI_ENOMEM;
    k->c = c;
    k->done = done;
    k->ud = ud;
    k->easy = curl_easy_init();
    if (k->easy == NULL) {
        free(k);
        return CAMI_ENOMEM;
    }
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *l = curl_slist_append(k->headers, headers[i]);
        if (l == NULL) {
            call_free(k);
            return CAMI_ENOMEM;
        }
        k->headers = l;
    }
    bad |= curl_easy_setopt(k->easy, CURLOPT_URL, url) != CURLE_OK;
    bad |= set_protocols(k->easy) != 0;
    bad |= curl_easy_setopt(k->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_COPYPOSTFIELDS, body) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_HTTPHEADER, k->headers) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_WRITEDATA, k) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_ERRORBUFFER, k->error) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_PRIVATE, (char *)k) != CURLE_OK;
    bad |= curl_easy_setopt(k->easy, CURLOPT_USERAGENT, "camid-notifications/1.0") != CURLE_OK;
    if (bad) {
        cami_log(c->self, CAMI_LOG_ERROR, "libcurl refused the options of a POST");
        call_free(k);
        return CAMI_EFAIL;
    }
    if (curl_multi_add_handle(c->multi, k->easy) != CURLM_OK) {
        call_free(k);
        return CAMI_EFAIL;
    }
    LINK(c->calls, k);
    c->in_flight++;
    return CAMI_OK;
}
