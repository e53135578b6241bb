/*
 * async.h - the host side of cami_work_submit, timers and cami_loop_post.
 */
#ifndef CORE_ASYNC_H
#define CORE_ASYNC_H

#include <uv.h>

#include <cami/host.h>

struct cami_plugin;

/* Bind to the worker's loop; creates the cross-thread post queue. 0 or a
 * libuv error code. */
int async_init(uv_loop_t *loop);
/* Refuse further posts, run the ones queued, close the async handle. */
void async_shutdown(void);

int async_work_submit(struct cami_plugin *p, cami_work_fn work, cami_work_done_fn done, void *ud);
cami_timer *async_timer_start(struct cami_plugin *p, uint64_t timeout_ms, uint64_t repeat_ms,
                              cami_timer_fn cb, void *ud);
void async_timer_stop(cami_timer *t);
/* Stop every timer of plugin p (after its fini()). */
void async_timers_stop_all(struct cami_plugin *p);
int async_loop_post(struct cami_plugin *p, cami_loop_fn cb, void *ud);
uint64_t async_now_ms(void);
/* Work items submitted and not yet completed. */
size_t async_work_outstanding(void);

#endif
