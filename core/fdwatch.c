/*
 * fdwatch.c - descriptors that plugins' libraries own (libcurl's multi
 * interface, a database or message client) watched on the loop, so their
 * I/O never blocks it. Level-triggered, as uv_poll and those libraries'
 * socket callbacks expect.
 */
#include <stdlib.h>

#include "fdwatch.h"
#include "log.h"
#include "metrics.h"
#include "plugin.h"

struct cami_fd_watch {
    uv_poll_t handle;
    struct cami_plugin *plugin;
    int fd;
    cami_fd_fn cb;
    void *ud;
    struct cami_fd_watch *prev, *next;   /* the plugin's live watches */
};

static uv_loop_t *g_loop;

void fdwatch_init(uv_loop_t *loop)
{
    g_loop = loop;
}

static int uv_events(int events)
{
    return ((events & CAMI_FD_READ) ? UV_READABLE : 0) |
           ((events & CAMI_FD_WRITE) ? UV_WRITABLE : 0);
}

static void fired(uv_poll_t *h, int status, int uv_ready)
{
    cami_fd_watch *w = h->data;
    int ready = ((uv_ready & UV_READABLE) ? CAMI_FD_READ : 0) |
                ((uv_ready & UV_WRITABLE) ? CAMI_FD_WRITE : 0);

    /* The descriptor failed: let the owner find out by using it. libuv has
     * stopped the handle; it stays paused until cami_fd_watch_set (async.h). */
    if (status < 0)
        ready = CAMI_FD_ERROR | CAMI_FD_READ | CAMI_FD_WRITE;
    metrics_set_running_plugin(w->plugin ? (int)w->plugin->order : -1);
    w->cb(w, w->fd, ready, w->ud);
    metrics_set_running_plugin(-1);
}

cami_fd_watch *fdwatch_start(struct cami_plugin *p, int fd, int events, cami_fd_fn cb,
                             void *ud)
{
    const char *who = p ? p->name : NULL;
    cami_fd_watch *w;
    int rc;

    if (!g_loop || !cb || fd < 0 || (events & ~(CAMI_FD_READ | CAMI_FD_WRITE)) != 0) {
        log_msg(who, CAMI_LOG_ERROR, "cami_fd_watch_start(fd %d, events %d): bad arguments",
                fd, events);
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    rc = uv_poll_init(g_loop, &w->handle, fd);
    if (rc < 0) {
        /* e.g. a regular file (epoll refuses it), or a descriptor watched twice */
        log_msg(who, CAMI_LOG_ERROR, "cami_fd_watch_start: cannot watch fd %d: %s", fd,
                uv_strerror(rc));
        free(w);
        return NULL;
    }
    w->handle.data = w;
    w->plugin = p;
    w->fd = fd;
    w->cb = cb;
    w->ud = ud;
    if (events != 0 && (rc = uv_poll_start(&w->handle, uv_events(events), fired)) < 0) {
        log_msg(who, CAMI_LOG_ERROR, "cami_fd_watch_start: fd %d: %s", fd, uv_strerror(rc));
        uv_close((uv_handle_t *)&w->handle, (uv_close_cb)free);
        return NULL;
    }
    if (p) {
        w->next = p->fdwatches;
        if (p->fdwatches)
            p->fdwatches->prev = w;
        p->fdwatches = w;
    }
    return w;
}

int fdwatch_set(cami_fd_watch *w, int events)
{
    if (!w || !w->cb || (events & ~(CAMI_FD_READ | CAMI_FD_WRITE)) != 0)
        return CAMI_EINVAL;
    if (events == 0)
        return uv_poll_stop(&w->handle) < 0 ? CAMI_EFAIL : CAMI_OK;
    return uv_poll_start(&w->handle, uv_events(events), fired) < 0 ? CAMI_EFAIL : CAMI_OK;
}

static void closed(uv_handle_t *h)
{
    free(h->data);
}

void fdwatch_stop(cami_fd_watch *w)
{
    if (!w)
        return;
    if (w->plugin) {
        if (w->prev)
            w->prev->next = w->next;
        else if (w->plugin->fdwatches == w)
            w->plugin->fdwatches = w->next;
        if (w->next)
            w->next->prev = w->prev;
    }
    w->prev = w->next = NULL;
    w->plugin = NULL;
    w->cb = NULL;
    uv_poll_stop(&w->handle);
    uv_close((uv_handle_t *)&w->handle, closed);
}

void fdwatch_stop_all(struct cami_plugin *p)
{
    while (p->fdwatches) {
        log_msg(p->name, CAMI_LOG_DEBUG, "fd watch still running after stop(): stopped by the host");
        fdwatch_stop(p->fdwatches);
    }
}
