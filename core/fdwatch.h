/*
 * fdwatch.h - the host side of cami_fd_watch_*: a plugin's descriptors
 * watched on the worker's loop (uv_poll).
 */
#ifndef CORE_FDWATCH_H
#define CORE_FDWATCH_H

#include <uv.h>

#include <cami/host.h>

struct cami_plugin;

/* Bind to the worker's loop (before any plugin's init). */
void fdwatch_init(uv_loop_t *loop);

cami_fd_watch *fdwatch_start(struct cami_plugin *p, int fd, int events, cami_fd_fn cb,
                             void *ud);
int fdwatch_set(cami_fd_watch *w, int events);
void fdwatch_stop(cami_fd_watch *w);
/* Stop every watch of plugin p (after its fini()). */
void fdwatch_stop_all(struct cami_plugin *p);

#endif
