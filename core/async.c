/* async.c - see async.h. */
#include "async.h"

#include <pthread.h>
#include <stdlib.h>

#include "fdwatch.h"
#include "log.h"
#include "metrics.h"
#include "plugin.h"

struct cami_timer {
    uv_timer_t handle;
    struct cami_plugin *plugin;
    cami_timer_fn cb;
    void *ud;
    struct cami_timer *prev, *next;   /* the plugin's live timers */
};

typedef struct work_req {
    uv_work_t req;
    struct cami_plugin *plugin;
    cami_work_fn work;
    cami_work_done_fn done;
    void *ud;
} work_req;

typedef struct post_item {
    struct cami_plugin *plugin;
    cami_loop_fn cb;
    void *ud;
    struct post_item *next;
} post_item;

static uv_loop_t *g_loop;
static uv_async_t g_post_async;
static pthread_mutex_t g_post_lock = PTHREAD_MUTEX_INITIALIZER;
static post_item *g_post_head, *g_post_tail;
static int g_post_open;
static size_t g_work_outstanding;

size_t async_work_outstanding(void)
{
    return g_work_outstanding;
}

static void run_posts(uv_async_t *h)
{
    (void)h;
    pthread_mutex_lock(&g_post_lock);
    post_item *it = g_post_head;
    g_post_head = g_post_tail = NULL;
    pthread_mutex_unlock(&g_post_lock);
    while (it) {
        post_item *next = it->next;
        metrics_set_running_plugin(it->plugin ? (int)it->plugin->order : -1);
        it->cb(it->ud);
        metrics_set_running_plugin(-1);
        free(it);
        it = next;
    }
}

int async_init(uv_loop_t *loop)
{
    g_loop = loop;
    fdwatch_init(loop);
    int rc = uv_async_init(loop, &g_post_async, run_posts);
    if (rc == 0)
        g_post_open = 1;
    return rc;
}

void async_shutdown(void)
{
    pthread_mutex_lock(&g_post_lock);
    int was_open = g_post_open;
    g_post_open = 0;
    pthread_mutex_unlock(&g_post_lock);
    if (!was_open)
        return;
    run_posts(&g_post_async);
    uv_close((uv_handle_t *)&g_post_async, NULL);
}

int async_loop_post(struct cami_plugin *p, cami_loop_fn cb, void *ud)
{
    if (!cb)
        return CAMI_EINVAL;
    post_item *it = malloc(sizeof(*it));
    if (!it)
        return CAMI_ENOMEM;
    it->plugin = p;
    it->cb = cb;
    it->ud = ud;
    it->next = NULL;
    pthread_mutex_lock(&g_post_lock);
    if (!g_post_open) {
        pthread_mutex_unlock(&g_post_lock);
        free(it);
        return CAMI_ESTATE;
    }
    if (g_post_tail)
        g_post_tail->next = it;
    else
        g_post_head = it;
    g_post_tail = it;
    /* Sent under the lock so async_shutdown cannot close the handle between. */
    uv_async_send(&g_post_async);
    pthread_mutex_unlock(&g_post_lock);
    return CAMI_OK;
}

static void work_run(uv_work_t *req)
{
    work_req *w = req->data;
    w->work(w->ud);
}

static void work_after(uv_work_t *req, int status)
{
    work_req *w = req->data;
    metrics_set_running_plugin(w->plugin ? (int)w->plugin->order : -1);
    g_work_outstanding--;
    w->done(w->ud, status == UV_ECANCELED ? CAMI_ESTATE : CAMI_OK);
    metrics_set_running_plugin(-1);
    free(w);
}

int async_work_submit(struct cami_plugin *p, cami_work_fn work, cami_work_done_fn done, void *ud)
{
    if (!work || !done)
        return CAMI_EINVAL;
    if (!g_loop)
        return CAMI_ESTATE;
    work_req *w = malloc(sizeof(*w));
    if (!w)
        return CAMI_ENOMEM;
    w->req.data = w;
    w->plugin = p;
    w->work = work;
    w->done = done;
    w->ud = ud;
    int rc = uv_queue_work(g_loop, &w->req, work_run, work_after);
    if (rc < 0) {
        free(w);
        return CAMI_EFAIL;
    }
    g_work_outstanding++;
    return CAMI_OK;
}

static void timer_fire(uv_timer_t *h)
{
    cami_timer *t = h->data;
    metrics_set_running_plugin(t->plugin ? (int)t->plugin->order : -1);
    t->cb(t, t->ud);
    metrics_set_running_plugin(-1);
}

cami_timer *async_timer_start(struct cami_plugin *p, uint64_t timeout_ms, uint64_t repeat_ms,
                              cami_timer_fn cb, void *ud)
{
    if (!cb || !g_loop)
        return NULL;
    cami_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    uv_timer_init(g_loop, &t->handle);
    t->handle.data = t;
    t->plugin = p;
    t->cb = cb;
    t->ud = ud;
    if (uv_timer_start(&t->handle, timer_fire, timeout_ms, repeat_ms) < 0) {
        uv_close((uv_handle_t *)&t->handle, (uv_close_cb)free);
        return NULL;
    }
    if (p) {
        t->next = p->timers;
        if (p->timers)
            p->timers->prev = t;
        p->timers = t;
    }
    return t;
}

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void async_timer_stop(cami_timer *t)
{
    if (!t)
        return;
    if (t->plugin) {
        if (t->prev)
            t->prev->next = t->next;
        else if (t->plugin->timers == t)
            t->plugin->timers = t->next;
        if (t->next)
            t->next->prev = t->prev;
    }
    t->prev = t->next = NULL;
    t->plugin = NULL;
    uv_timer_stop(&t->handle);
    uv_close((uv_handle_t *)&t->handle, timer_closed);
}

void async_timers_stop_all(struct cami_plugin *p)
{
    while (p->timers) {
        log_msg(p->name, CAMI_LOG_DEBUG, "timer still running after stop(): stopped by the host");
        async_timer_stop(p->timers);
    }
}

uint64_t async_now_ms(void)
{
    return g_loop ? uv_now(g_loop) : 0;
}
