/*
 * conn.h - client connections: reading, parsing with llhttp, dispatching to
 * the router and the plugins, writing responses, limits and timeouts.
 *
 * One connection handles one request at a time: when a request is complete
 * the parser pauses, the request is dispatched, and parsing of the bytes that
 * followed (pipelined requests) resumes only once its response is queued. A
 * deferred (CAMI_PENDING) request also stops reading from the socket, so a
 * client cannot make the host buffer without bound. Responses produced while
 * handling one read are written together.
 *
 * Timeouts use one deadline per connection checked by a periodic sweep,
 * rather than a timer per connection re-armed per request.
 */
#ifndef CORE_HTTP_CONN_H
#define CORE_HTTP_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "http/request.h"

struct listener;

typedef struct http_limits {
    size_t max_header_size;       /* request line + headers, bytes -> 431 */
    size_t max_url_length;        /* request target, bytes -> 414 */
    size_t max_body_size;         /* bytes, after de-chunking -> 413 */
    uint64_t header_timeout_ms;   /* first byte to end of head -> 408 */
    uint64_t body_timeout_ms;     /* end of head to end of body -> 408 */
    uint64_t keepalive_timeout_ms;/* idle between requests -> close */
    uint64_t send_timeout_ms;     /* a response not taken by the client -> close */
    uint64_t handler_timeout_ms;  /* a deferred request not finished -> 504 */
    unsigned max_connections;     /* per worker -> 503 */
    int access_log;               /* write access-log lines */
} http_limits;

/* Defaults as documented in docs/ADMIN.md. */
void http_limits_default(http_limits *l);

/* Bind the HTTP machinery to the worker's loop. 0 or a libuv error. */
int http_init(uv_loop_t *loop, const http_limits *limits);
/* A listener accepted fd-level connection `server`: take it. */
void http_accept(struct listener *l, uv_stream_t *server);
/* Stop taking requests: idle connections close now, busy ones after their
 * current response; done() runs when none is left. After timeout_ms the
 * remaining ones are closed (pending requests then see cami_req_aborted). */
void http_drain(uint64_t timeout_ms, void (*done)(void *ud), void *ud);
/* Close everything at once and release the sweep timer. */
void http_shutdown(void);
size_t http_open_connections(void);

/* Called by request.c when a pending request is finished. */
void conn_request_finished(struct conn *c);
/* The peer address as text, e.g. "127.0.0.1:5555". */
const char *conn_remote(const struct conn *c);
int conn_is_closed(const struct conn *c);

#endif
