/*
 * zwatch.h - a ZeroMQ socket driven by the libuv loop.
 *
 * ZMQ_FD is edge-triggered: it signals "something changed", not "there is
 * a message", and it may not signal again while messages wait. So the
 * watcher receives until ZeroMQ says EAGAIN and then reads ZMQ_EVENTS once
 * (which re-arms the edge; more may have arrived meanwhile), handles a
 * bounded batch per loop iteration (an idle handle keeps the loop from
 * sleeping while more wait), and is kicked after a send on its socket, since
 * a send can consume the edge that announced pending input. Each ZMQ_EVENTS
 * costs system calls, so it is asked once per batch, not once per message.
 */
#ifndef CORE_BUS_ZWATCH_H
#define CORE_BUS_ZWATCH_H

#include <uv.h>

typedef struct zwatch zwatch;
/* Receive and handle one (multipart) message from z->sock, without
 * waiting. Returns 1 when there was one, 0 when ZeroMQ said EAGAIN. */
typedef int (*zwatch_fn)(zwatch *z);

struct zwatch {
    void *sock;
    void *ud;
    zwatch_fn on_message;
    uv_poll_t poll;
    uv_idle_t idle;
    int started;
    int idle_on;
};

/* Watch sock for input. 0, or a libuv/zmq error (negative). */
int zwatch_start(zwatch *z, uv_loop_t *loop, void *sock, zwatch_fn fn, void *ud);
/* After a send on z's socket: look at it again in this loop iteration. */
void zwatch_kick(zwatch *z);
/* Stop watching (handles closed asynchronously; the socket is the caller's). */
void zwatch_stop(zwatch *z);

#endif
