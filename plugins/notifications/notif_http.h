/*
 * notif_http.h - outbound HTTP for the delivery adapters: libcurl's multi
 * interface driven by camid's loop (cami_fd_watch_* for curl's sockets,
 * a cami timer for curl's timeouts), so a slow or dead receiver never
 * blocks the loop and many requests run at once on one thread.
 * Loop thread only.
 */
#ifndef NOTIF_HTTP_H
#define NOTIF_HTTP_H

#include <stddef.h>

#include <cami/cami.h>

struct http_client;

/* The outcome of one request. ok: a response arrived (any status); then
 * status is its HTTP status. Otherwise error says what went wrong
 * (connection refused, timeout, ...). body: the first bytes of the
 * response body (NUL-terminated, maybe cut), for error messages. */
struct http_result {
    int ok;
    long status;
    const char *error;
    const char *body;
};

typedef void (*http_done_fn)(const struct http_result *res, void *ud);

/* A client for `self`; NULL (logged) when libcurl cannot start or camid
 * cannot watch descriptors (an ABI older than 1.2). */
struct http_client *http_client_new(cami_plugin *self);

/* Abort what is in flight (each callback runs now, with error
 * "aborted: camid is stopping"; it may not start new requests) and free. */
void http_client_free(struct http_client *c);

/*
 * http_post - POST `body` (len bytes, copied) to `url` with `headers`
 * ("Name: value" strings, NULL-terminated; copied) within timeout_ms.
 * done runs exactly once on the loop thread, never inside this call.
 * Redirects are not followed; only http and https are used.
 * Returns CAMI_OK, or CAMI_ENOMEM / CAMI_EFAIL (done will not run).
 */
int http_post(struct http_client *c, const char *url, const char *const *headers,
              const char *body, size_t len, long timeout_ms, http_done_fn done, void *ud);

/* Requests in flight. */
size_t http_in_flight(const struct http_client *c);

#endif
