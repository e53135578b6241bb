/* zwatch.c - see zwatch.h. */
#include "bus/zwatch.h"

#include <zmq.h>

/* Messages handled per socket per loop iteration: fairness with HTTP. */
#define BATCH 512

static int readable(zwatch *z)
{
    int events = 0;
    size_t len = sizeof(events);
    if (zmq_getsockopt(z->sock, ZMQ_EVENTS, &events, &len) != 0)
        return 0;
    return (events & ZMQ_POLLIN) != 0;
}

static void on_idle(uv_idle_t *h);

static void drain(zwatch *z)
{
    for (int i = 0; i < BATCH; i++) {
        if (!z->started)
            return;
        if (z->on_message(z))
            continue;
        /* EAGAIN: asking ZMQ_EVENTS re-arms the fd, and catches a message
         * that arrived between the receive and now. */
        if (readable(z))
            continue;
        if (z->idle_on) {
            uv_idle_stop(&z->idle);
            z->idle_on = 0;
        }
        return;
    }
    /* More may wait: come back next iteration without sleeping. */
    if (z->started && !z->idle_on) {
        uv_idle_start(&z->idle, on_idle);
        z->idle_on = 1;
    }
}

static void on_idle(uv_idle_t *h)
{
    drain(h->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain(h->data);
}

int zwatch_start(zwatch *z, uv_loop_t *loop, void *sock, zwatch_fn fn, void *ud)
{
    int fd;
    size_t len = sizeof(fd);
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0)
        return -1;
    z->sock = sock;
    z->ud = ud;
    z->on_message = fn;
    z->idle_on = 0;
    int rc = uv_poll_init(loop, &z->poll, fd);
    if (rc < 0)
        return rc;
    uv_idle_init(loop, &z->idle);
    z->poll.data = z->idle.data = z;
    rc = uv_poll_start(&z->poll, UV_READABLE, on_poll);
    if (rc < 0) {
        uv_close((uv_handle_t *)&z->poll, NULL);
        uv_close((uv_handle_t *)&z->idle, NULL);
        return rc;
    }
    z->started = 1;
    /* Messages may already be queued: the edge may have passed. */
    drain(z);
    return 0;
}

void zwatch_kick(zwatch *z)
{
    /* Only schedule (no system call here): a kick comes from inside message
     * handling, and reading here would nest one socket's handling in
     * another's. The idle pass stops itself when nothing is pending. */
    if (z->started && !z->idle_on) {
        uv_idle_start(&z->idle, on_idle);
        z->idle_on = 1;
    }
}

void zwatch_stop(zwatch *z)
{
    if (!z->started)
        return;
    z->started = 0;
    uv_poll_stop(&z->poll);
    if (z->idle_on)
        uv_idle_stop(&z->idle);
    z->idle_on = 0;
    uv_close((uv_handle_t *)&z->poll, NULL);
    uv_close((uv_handle_t *)&z->idle, NULL);
}
