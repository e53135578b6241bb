/*
 * async.h - work off the loop thread, timers, and posting back to the loop.
 *
 * The loop thread must never block: a handler that needs to wait (disk, a
 * slow library, a computation) submits work to the host's thread pool and
 * answers from the completion callback. Since ABI 1.0.
 */
#ifndef CAMI_ASYNC_H
#define CAMI_ASYNC_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * cami_work_submit - run work(ud) on a pool thread, then done(ud, status) on
 * the loop thread. status is CAMI_OK, or CAMI_ESTATE when the host is
 * shutting down and the work was cancelled before it ran.
 * work() must not call the host except cami_log and cami_loop_post.
 * Thread: loop. Errors: CAMI_EINVAL (NULL work or done), CAMI_ENOMEM.
 * Ownership: ud stays the plugin's; free it in done.
 */
static inline int cami_work_submit(cami_plugin *self, cami_work_fn work,
                                   cami_work_done_fn done, void *ud)
{
    return cami_host_->work_submit(self, work, done, ud);
}

/*
 * cami_timer_start - call cb(timer, ud) on the loop thread after timeout_ms,
 * then every repeat_ms (0: once). Returns the timer, or NULL on bad
 * arguments/out of memory. A one-shot timer stays allocated until
 * cami_timer_stop; stopping is always needed and frees it (also from its own
 * callback). The host stops a plugin's remaining timers after its fini().
 * Thread: loop.
 */
static inline cami_timer *cami_timer_start(cami_plugin *self, uint64_t timeout_ms,
                                           uint64_t repeat_ms, cami_timer_fn cb, void *ud)
{
    return cami_host_->timer_start(self, timeout_ms, repeat_ms, cb, ud);
}

static inline void cami_timer_stop(cami_timer *timer)
{
    cami_host_->timer_stop(timer);
}

/*
 * cami_loop_post - run cb(ud) soon on the loop thread of the worker that
 * loaded `self`. The one host call that any thread may make (besides logging),
 * e.g. from a library's own thread, to answer a deferred request.
 * Errors: CAMI_EINVAL (NULL cb), CAMI_ENOMEM, CAMI_ESTATE (host stopping: cb
 * will not run; the caller keeps ud).
 */
static inline int cami_loop_post(cami_plugin *self, cami_loop_fn cb, void *ud)
{
    return cami_host_->loop_post(self, cb, ud);
}

/*
 * cami_now_ms - the loop's cached monotonic time in milliseconds, cheap to
 * call. Thread: loop.
 */
static inline uint64_t cami_now_ms(const cami_plugin *self)
{
    return cami_host_->now_ms(self);
}

/*
 * cami_fd_watch_start - call cb(watch, fd, ready, ud) on the loop thread
 * whenever `fd` is ready for what `events` asks (CAMI_FD_READ and/or
 * CAMI_FD_WRITE); `ready` has those bits, plus CAMI_FD_ERROR when the
 * descriptor reported an error (then read or write it to learn which).
 * Level-triggered: cb runs again while the condition lasts. After an
 * error report the watch is paused (a broken descriptor would otherwise
 * wake the loop forever): close and stop it, or cami_fd_watch_set to wait
 * again. For
 * libraries that bring their own sockets (libcurl's multi interface,
 * database or message clients): never block on `fd` on the loop.
 * The descriptor stays the plugin's: stop the watch before closing it.
 * Thread: loop. Returns the watch, or NULL (bad arguments, a descriptor
 * that cannot be polled such as a regular file, out of memory; the log
 * says which). The host stops a plugin's remaining watches after its
 * fini(). Since ABI 1.2: check with CAMI_HAS(cami_host_, fd_watch_start),
 * as these return NULL / CAMI_ENOTSUP on an older host.
 */
static inline cami_fd_watch *cami_fd_watch_start(cami_plugin *self, int fd, int events,
                                                 cami_fd_fn cb, void *ud)
{
    if (!CAMI_HAS(cami_host_, fd_watch_start))
        return NULL;
    return cami_host_->fd_watch_start(self, fd, events, cb, ud);
}

/* cami_fd_watch_set - change what the watch waits for (events as above;
 * 0 pauses it). Returns CAMI_OK, CAMI_EINVAL, or CAMI_ENOTSUP. Thread: loop.
 * Since ABI 1.2. */
static inline int cami_fd_watch_set(cami_fd_watch *watch, int events)
{
    if (!CAMI_HAS(cami_host_, fd_watch_set))
        return CAMI_ENOTSUP;
    return cami_host_->fd_watch_set(watch, events);
}

/* cami_fd_watch_stop - stop and free the watch (also from its own
 * callback); the descriptor is not closed. NULL is ignored. Thread: loop.
 * Since ABI 1.2. */
static inline void cami_fd_watch_stop(cami_fd_watch *watch)
{
    if (watch != NULL && CAMI_HAS(cami_host_, fd_watch_stop))
        cami_host_->fd_watch_stop(watch);
}

#ifdef __cplusplus
}
#endif
#endif
