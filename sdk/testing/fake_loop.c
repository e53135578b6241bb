/*
 * fake_loop.c - the fake host's event loop: timers on a virtual clock, work
 * run on the test's thread, callbacks posted from any thread, and the bus's
 * turn (fake_bus.c). Virtual
 * time makes a test of "answer after 250 ms" exact and instant.
 */
#include <stdlib.h>

#include "fake.h"

/* ---- timers -------------------------------------------------------------- */

cami_timer *fake_timer_start(cami_plugin *self, uint64_t timeout_ms, uint64_t repeat_ms,
                             cami_timer_fn cb, void *ud)
{
    cami_test_host *h = self->host;
    cami_timer *t;

    if (!fake_on_loop(h, "cami_timer_start") || cb == NULL || h->phase == PHASE_DONE)
        return NULL;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->host = h;
    t->due = h->now + timeout_ms;
    t->repeat = repeat_ms;
    t->seq = h->timer_seq++;
    t->cb = cb;
    t->ud = ud;
    t->state = TIMER_ARMED;
    t->next = h->timers;
    h->timers = t;
    return t;
}

void fake_timer_stop(cami_timer *t)
{
    if (t == NULL || !fake_on_loop(t->host, "cami_timer_stop"))
        return;
    if (t->state == TIMER_STOPPED)
        fake_violation(t->host, "cami_timer_stop on a timer already stopped (and freed)");
    else if (t->state == TIMER_HOST_STOPPED)
        fake_violation(t->host, "cami_timer_stop on a timer the host stopped after the "
                                "plugin's fini");
    t->state = TIMER_STOPPED;
}

static cami_timer *next_timer(const cami_test_host *h)
{
    cami_timer *best = NULL;

    for (cami_timer *t = h->timers; t != NULL; t = t->next)
        if (t->state == TIMER_ARMED &&
            (best == NULL || t->due < best->due || (t->due == best->due && t->seq < best->seq)))
            best = t;
    return best;
}

static int oneshot_armed(const cami_test_host *h)
{
    for (const cami_timer *t = h->timers; t != NULL; t = t->next)
        if (t->state == TIMER_ARMED && t->repeat == 0)
            return 1;
    return 0;
}

static void fire(cami_test_host *h, cami_timer *t)
{
    if (t->due > h->now)
        h->now = t->due;
    /* Reschedule first: the callback may stop the timer. */
    if (t->repeat > 0)
        t->due = h->now + t->repeat;
    else
        t->state = TIMER_IDLE;
    t->cb(t, t->ud);
}

unsigned fake_timers_stop_all(cami_test_host *h)
{
    unsigned leaked = 0;

    for (cami_timer *t = h->timers; t != NULL; t = t->next) {
        if (t->state == TIMER_IDLE)
            leaked++;
        if (t->state == TIMER_ARMED || t->state == TIMER_IDLE)
            t->state = TIMER_HOST_STOPPED;
    }
    return leaked;
}

uint64_t fake_now_ms(const cami_plugin *self)
{
    (void)fake_on_loop(self->host, "cami_now_ms");
    return self->host->now;
}

uint64_t cami_test_host_now(const cami_test_host *h)
{
    return h->now;
}

/* ---- work ---------------------------------------------------------------- */

int fake_work_submit(cami_plugin *self, cami_work_fn work, cami_work_done_fn done, void *ud)
{
    cami_test_host *h = self->host;
    fake_work *w;

    if (!fake_on_loop(h, "cami_work_submit"))
        return CAMI_ESTATE;
    if (work == NULL || done == NULL)
        return CAMI_EINVAL;
    if (h->phase == PHASE_DONE)
        return CAMI_ESTATE;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return CAMI_ENOMEM;
    w->work = work;
    w->done = done;
    w->ud = ud;
    *h->work_tail = w;
    h->work_tail = &w->next;
    return CAMI_OK;
}

static fake_work *pop_work(cami_test_host *h)
{
    fake_work *w = h->work_head;

    if (w != NULL) {
        h->work_head = w->next;
        if (h->work_head == NULL)
            h->work_tail = &h->work_head;
    }
    return w;
}

/* Run the queued work, each item's work then done, as the pool and the loop
 * would; the flag lets the host catch host calls from a work function. */
static unsigned run_work(cami_test_host *h)
{
    unsigned n = 0;
    fake_work *w;

    while ((w = pop_work(h)) != NULL) {
        h->in_work = 1;
        w->work(w->ud);
        h->in_work = 0;
        w->done(w->ud, CAMI_OK);
        free(w);
        n++;
    }
    return n;
}

unsigned cami_test_host_cancel_work(cami_test_host *h)
{
    fake_work *queued = h->work_head, *next;
    unsigned n = 0;

    /* Only what is queued now: work submitted by a done callback waits. */
    h->work_head = NULL;
    h->work_tail = &h->work_head;
    for (; queued != NULL; queued = next) {
        next = queued->next;
        queued->done(queued->ud, CAMI_ESTATE);
        free(queued);
        n++;
    }
    return n;
}

/* ---- posts ----------------------------------------------------------------- */

int fake_loop_post(cami_plugin *self, cami_loop_fn cb, void *ud)
{
    cami_test_host *h = self->host;
    fake_post *p;

    if (cb == NULL)
        return CAMI_EINVAL;
    if (h->phase == PHASE_DONE)
        return CAMI_ESTATE;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return CAMI_ENOMEM;
    p->cb = cb;
    p->ud = ud;
    pthread_mutex_lock(&h->post_lock);
    *h->post_tail = p;
    h->post_tail = &p->next;
    pthread_mutex_unlock(&h->post_lock);
    return CAMI_OK;
}

static unsigned run_posts(cami_test_host *h)
{
    fake_post *p, *next;
    unsigned n = 0;

    pthread_mutex_lock(&h->post_lock);
    p = h->post_head;
    h->post_head = NULL;
    h->post_tail = &h->post_head;
    pthread_mutex_unlock(&h->post_lock);
    for (; p != NULL; p = next) {
        next = p->next;
        p->cb(p->ud);
        free(p);
        n++;
    }
    return n;
}

/* ---- running ---------------------------------------------------------------- */

/* When a task's reply deadline comes before timer t (and not after limit),
 * move the clock there and time the submitters out. A timer due at the same
 * moment fires first: an answer that is exactly on time is on time. */
static int deadline_first(cami_test_host *h, const cami_timer *t, uint64_t limit)
{
    uint64_t d = fake_bus_next_deadline(h);

    if (d > limit || (t != NULL && t->due <= d))
        return 0;
    if (d > h->now)
        h->now = d;
    fake_bus_expire(h);
    return 1;
}

int cami_test_host_run(cami_test_host *h)
{
    uint64_t horizon = h->now + CAMI_TEST_RUN_HORIZON_MS;
    cami_timer *t;

    for (;;) {
        if (run_posts(h) + run_work(h) + fake_bus_run(h) > 0)
            continue;
        if (fake_requests_pending(h) == 0 && !oneshot_armed(h) && !fake_bus_waiting(h))
            break;
        t = next_timer(h);
        if (deadline_first(h, t, horizon))
            continue;
        if (t == NULL || t->due > horizon)
            break;
        fire(h, t);
    }
    return (int)fake_requests_pending(h);
}

unsigned cami_test_host_advance(cami_test_host *h, uint64_t ms)
{
    uint64_t target = h->now + ms;
    unsigned fired = 0;
    cami_timer *t;

    for (;;) {
        if (run_posts(h) + run_work(h) + fake_bus_run(h) > 0)
            continue;
        t = next_timer(h);
        if (deadline_first(h, t, target))
            continue;
        if (t == NULL || t->due > target)
            break;
        fire(h, t);
        fired++;
    }
    h->now = target;
    return fired;
}

void fake_loop_free(cami_test_host *h)
{
    cami_timer *t, *tn;
    fake_work *w;

    for (t = h->timers; t != NULL; t = tn) {
        tn = t->next;
        free(t);
    }
    h->timers = NULL;
    while ((w = pop_work(h)) != NULL)
        free(w);
    while (h->post_head != NULL) {
        fake_post *p = h->post_head;

        h->post_head = p->next;
        free(p);
    }
    h->post_tail = &h->post_head;
}
