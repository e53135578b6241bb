/*
 * listener.h - the named listening addresses of [listener.NAME], each with
 * its own routing table (a plugin's routes are bound to the listeners its
 * `listeners` key names).
 *
 * The supervisor binds the sockets before it forks, one SO_REUSEPORT socket
 * per worker slot, so bind errors are reported once, at start-up, and a
 * replacement worker inherits its predecessor's socket and accept queue.
 */
#ifndef CORE_HTTP_LISTENER_H
#define CORE_HTTP_LISTENER_H

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "http/router.h"

typedef struct listener {
    char *name;
    char *address;                 /* as configured, "127.0.0.1:8080" */
    struct sockaddr_storage addr;
    router *router;
    uint32_t unmatched_metrics_id; /* metrics row for 404/400/... here */
    int *fds;                      /* one bound socket per worker slot */
    unsigned nfds;
    uv_tcp_t tcp;
    int listening;
} listener;

/* Parse "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces). 0, or -1 with a
 * reason in err. */
int listener_parse_address(const char *text, struct sockaddr_storage *out, char *err, size_t errlen);

listener *listener_new(const char *name, const char *address, char *err, size_t errlen);
/* Non-zero when a and b listen on the same address and port. */
int listener_same_address(const listener *a, const listener *b);
void listener_free(listener *l);

/* Bind n sockets (SO_REUSEPORT) and listen. 0, or -1 with a reason. */
int listener_bind(listener *l, unsigned n, int backlog, char *err, size_t errlen);
/* Close the sockets of every slot but `keep` (in a worker), or all with -1. */
void listener_close_fds(listener *l, int keep);
/* Close / re-create the socket of one slot (a worker died / is replaced). */
void listener_close_slot(listener *l, unsigned slot);
int listener_rebind_slot(listener *l, unsigned slot, int backlog, char *err, size_t errlen);

/* Start accepting on the fd of `slot` in this loop. 0 or a libuv error. */
int listener_start(listener *l, uv_loop_t *loop, unsigned slot);
/* Stop accepting (close the handle). */
void listener_stop(listener *l);

#endif
