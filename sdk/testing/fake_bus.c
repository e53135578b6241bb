/*
 * fake_bus.c - the fake host's in-process bus: events delivered to the
 * plugin's subscriptions from the loop, tasks run by the plugin's (or the
 * test's) handlers, answers handed back to the submitter from the loop, and
 * reply timeouts on the virtual clock. It keeps camid's promises a plugin can
 * rely on: nothing is delivered from inside the publishing or submitting call,
 * a failing subscriber does not stop the others, every submitter with a
 * callback hears exactly once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define NAME_MAX_LEN 255

/* 1-255 bytes of [A-Za-z0-9._-] (0 bytes too when empty_ok: a prefix "" is
 * "every topic"). */
static int valid_name(const char *s, int empty_ok)
{
    size_t n;

    if (s == NULL)
        return 0;
    n = strlen(s);
    if (n > NAME_MAX_LEN || (n == 0 && !empty_ok))
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

void fake_bus_init(cami_test_host *h)
{
    h->events_tail = &h->events_head;
    h->tasks_tail = &h->tasks;
    h->run_tail = &h->run_head;
    h->done_tail = &h->done_head;
    h->task_timeout = 30000;   /* camid's defaults */
    h->max_pending = 10000;
}

int cami_test_host_bus_limits(cami_test_host *h, uint64_t task_timeout_ms,
                              unsigned max_pending_tasks)
{
    if (h == NULL || task_timeout_ms == 0 || max_pending_tasks == 0)
        return CAMI_EINVAL;
    h->task_timeout = task_timeout_ms;
    h->max_pending = max_pending_tasks;
    return CAMI_OK;
}

/* ---- events ------------------------------------------------------------------ */

/* Queue an event for delivery; payload is stolen. */
static int enqueue_event(cami_test_host *h, const char *topic, json_t *payload)
{
    fake_event *ev = calloc(1, sizeof *ev);

    if (ev == NULL || (ev->topic = strdup(topic)) == NULL) {
        free(ev);
        json_decref(payload);
        return CAMI_ENOMEM;
    }
    ev->payload = payload;
    *h->events_tail = ev;
    h->events_tail = &ev->next;
    return CAMI_OK;
}

static int record_published(cami_test_host *h, const char *topic, json_t *payload)
{
    cami_test_event *p = realloc(h->published, (h->npublished + 1) * sizeof *p);
    char *copy;

    if (p == NULL)
        return CAMI_ENOMEM;
    h->published = p;
    copy = strdup(topic);
    if (copy == NULL)
        return CAMI_ENOMEM;
    p[h->npublished].topic = copy;
    p[h->npublished].payload = json_incref(payload);
    h->npublished++;
    return CAMI_OK;
}

int fake_bus_publish(cami_plugin *self, const char *topic, json_t *payload)
{
    cami_test_host *h = self->host;
    int rc;

    if (!fake_on_loop(h, "cami_bus_publish")) {
        json_decref(payload);
        return CAMI_ESTATE;
    }
    if (!valid_name(topic, 0) || payload == NULL) {
        json_decref(payload);
        return CAMI_EINVAL;
    }
    if (h->phase == PHASE_DONE) {
        json_decref(payload);
        return CAMI_ESTATE;
    }
    rc = record_published(h, topic, payload);
    if (rc != CAMI_OK) {
        json_decref(payload);
        return rc;
    }
    return enqueue_event(h, topic, payload);
}

int cami_test_host_publish(cami_test_host *h, const char *topic, json_t *payload)
{
    if (h == NULL || !valid_name(topic, 0) || payload == NULL) {
        json_decref(payload);
        return CAMI_EINVAL;
    }
    if (h->phase != PHASE_RUNNING && h->phase != PHASE_STOPPING) {
        json_decref(payload);
        return CAMI_ESTATE;
    }
    return enqueue_event(h, topic, payload);
}

int fake_bus_subscribe(cami_plugin *self, const char *prefix, cami_event_fn fn, void *ud)
{
    cami_test_host *h = self->host;
    fake_sub *s;

    if (!fake_on_loop(h, "cami_bus_subscribe"))
        return CAMI_ESTATE;
    if (h->phase != PHASE_INIT) {
        fake_violation(h, "cami_bus_subscribe(%s) outside init", prefix ? prefix : "(null)");
        return CAMI_ESTATE;
    }
    if (!valid_name(prefix, 1) || fn == NULL)
        return CAMI_EINVAL;
    s = realloc(h->subs, (h->nsubs + 1) * sizeof *s);
    if (s == NULL)
        return CAMI_ENOMEM;
    h->subs = s;
    s = &h->subs[h->nsubs];
    s->prefix = strdup(prefix);
    if (s->prefix == NULL)
        return CAMI_ENOMEM;
    s->fn = fn;
    s->ud = ud;
    h->nsubs++;
    return CAMI_OK;
}

size_t cami_test_host_events(const cami_test_host *h, const cami_test_event **events)
{
    *events = h->npublished > 0 ? h->published : NULL;
    return h->npublished;
}

void cami_test_host_events_clear(cami_test_host *h)
{
    for (size_t i = 0; i < h->npublished; i++) {
        free((char *)h->published[i].topic);
        json_decref(h->published[i].payload);
    }
    free(h->published);
    h->published = NULL;
    h->npublished = 0;
}

/* The handle subscribers read an event through (as in camid: the JSON is
 * shared, the text made on demand). */
struct cami_event {
    const char *topic;
    json_t *json;
    char *text;
};

const char *fake_event_topic(const cami_event *event)
{
    return event ? event->topic : "";
}

json_t *fake_event_json(const cami_event *event, json_error_t *error)
{
    (void)error;
    return event ? event->json : NULL;
}

const char *fake_event_text(const cami_event *cev, size_t *len)
{
    cami_event *event = (cami_event *)cev;
    if (event && !event->text)
        event->text = json_dumps(event->json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (len)
        *len = event && event->text ? strlen(event->text) : 0;
    return event ? event->text : NULL;
}

/* Every matching subscription, in the order they were made; a failure is
 * logged and the next one still runs, as in camid. */
static void deliver(cami_test_host *h, const fake_event *ev)
{
    cami_event handle = {ev->topic, ev->payload, NULL};

    for (size_t i = 0; i < h->nsubs; i++) {
        const fake_sub *s = &h->subs[i];
        int rc;

        if (strncmp(ev->topic, s->prefix, strlen(s->prefix)) != 0)
            continue;
        rc = s->fn(&h->plugin, &handle, s->ud);
        if (rc > 0)
            fake_violation(h, "subscriber of '%s' returned %d on event '%s'; it must return "
                              "CAMI_OK or a negative code", s->prefix, rc, ev->topic);
        else if (rc < 0)
            fake_log(h, "fake-host", CAMI_LOG_WARN, "plugin '%s': event handler (subscribed "
                     "to '%s') failed on '%s' (%d)", h->plugin.desc.name, s->prefix, ev->topic,
                     rc);
    }
    free(handle.text);
}

/* ---- tasks: registering and submitting ------------------------------------------ */

static const fake_handler *find_handler(const cami_test_host *h, const char *name)
{
    for (size_t i = 0; i < h->nhandlers; i++)
        if (strcmp(h->handlers[i].name, name) == 0)
            return &h->handlers[i];
    return NULL;
}

static int add_handler(cami_test_host *h, const char *name, cami_task_fn fn, void *ud,
                       int from_test)
{
    const fake_handler *old;
    fake_handler *p;

    if (!valid_name(name, 0) || fn == NULL)
        return CAMI_EINVAL;
    old = find_handler(h, name);
    if (old != NULL) {
        if (!from_test)
            fake_log(h, "fake-host", CAMI_LOG_ERROR, "task '%s' of plugin '%s' is already "
                     "handled by %s", name, h->plugin.desc.name,
                     old->from_test ? "the test" : "the plugin itself");
        return CAMI_EEXIST;
    }
    p = realloc(h->handlers, (h->nhandlers + 1) * sizeof *p);
    if (p == NULL)
        return CAMI_ENOMEM;
    h->handlers = p;
    p = &h->handlers[h->nhandlers];
    p->name = strdup(name);
    if (p->name == NULL)
        return CAMI_ENOMEM;
    p->fn = fn;
    p->ud = ud;
    p->from_test = from_test;
    h->nhandlers++;
    return CAMI_OK;
}

int fake_task_register(cami_plugin *self, const char *name, cami_task_fn fn, void *ud)
{
    cami_test_host *h = self->host;

    if (!fake_on_loop(h, "cami_task_register"))
        return CAMI_ESTATE;
    if (h->phase != PHASE_INIT) {
        fake_violation(h, "cami_task_register(%s) outside init", name ? name : "(null)");
        return CAMI_ESTATE;
    }
    return add_handler(h, name, fn, ud, 0);
}

int cami_test_host_task_handler(cami_test_host *h, const char *name, cami_task_fn fn,
                                void *ud)
{
    if (h == NULL)
        return CAMI_EINVAL;
    if (h->phase != PHASE_NEW)
        return CAMI_ESTATE;
    return add_handler(h, name, fn, ud, 1);
}

/* A new task, kept on the host's list; args stolen (NULL means {}). */
static struct cami_task *new_task(cami_test_host *h, const char *name, json_t *args,
                                  uint64_t timeout_ms)
{
    struct cami_task *t = calloc(1, sizeof *t);

    if (args == NULL)
        args = json_object();
    if (t == NULL || args == NULL || (t->name = strdup(name)) == NULL) {
        free(t);
        json_decref(args);
        return NULL;
    }
    t->host = h;
    t->args = args;
    t->timeout = timeout_ms > 0 ? timeout_ms : h->task_timeout;
    *h->tasks_tail = t;
    h->tasks_tail = &t->next;
    return t;
}

/* The submitter hears `status` now: the test's reply is filled in, the
 * plugin's callback runs (from the loop: the caller is the loop). */
static void tell(cami_test_host *h, struct cami_task *t, int status, json_t *result,
                 const char *error)
{
    t->waiting = 0;
    if (t->from_test) {
        t->reply.finished = 1;
        t->reply.status = status;
        t->reply.result = status == CAMI_OK ? json_incref(result) : NULL;
        if (error != NULL && t->error == NULL)
            t->error = strdup(error);
        t->reply.error = status == CAMI_OK ? NULL : (t->error != NULL ? t->error : "");
        return;
    }
    t->cb(&h->plugin, status, status == CAMI_OK ? result : NULL,
          status == CAMI_OK ? NULL : error, t->ud);
}

/* The task's answer. The test hears it at once; the plugin's callback runs
 * from the loop later (never inside cami_task_reply); a submitter who no
 * longer waits (timed out, fire-and-forget) does not hear it. result stolen. */
static void answer(cami_test_host *h, struct cami_task *t, int status, json_t *result,
                   const char *error)
{
    t->state = TASK_DONE;
    h->tasks_open--;
    if (!t->waiting) {
        json_decref(result);
        return;
    }
    if (t->from_test) {
        tell(h, t, status, result, error);
        json_decref(result);
        return;
    }
    t->reply.status = status;
    t->reply.result = result;
    t->error = error != NULL ? strdup(error) : NULL;
    t->reply.error = t->error;
    t->qnext = NULL;
    *h->done_tail = t;
    h->done_tail = &t->qnext;
}

static CAMI_PRINTF(4, 5) void answer_error(cami_test_host *h, struct cami_task *t, int status,
                                           const char *fmt, ...)
{
    char text[400];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    answer(h, t, status, NULL, text);
}

/* Run one task in its handler, then hold the handler to the contract: an
 * answer before CAMI_OK, none before CAMI_PENDING. What the submitter hears
 * is what camid sends: a failure without an answer fails the task with a
 * generic text, CAMI_OK without an answer replies null. */
static void run_task(cami_test_host *h, struct cami_task *t)
{
    const fake_handler *hd = find_handler(h, t->name);
    int rc;

    if (hd == NULL) {
        answer_error(h, t, CAMI_ENOENT, "no plugin handles task '%s'", t->name);
        return;
    }
    t->plugin_handler = !hd->from_test;
    t->state = TASK_HANDLER;
    rc = hd->fn(t, t->args, hd->ud);
    t->reply.handler_result = rc;
    if (rc == CAMI_PENDING) {
        if (t->state == TASK_DONE)
            fake_violation(h, "handler of task '%s' answered, then returned CAMI_PENDING",
                           t->name);
        else
            t->state = TASK_PENDING;
        return;
    }
    if (t->state == TASK_DONE) {
        if (rc != CAMI_OK)
            fake_violation(h, "handler of task '%s' answered, then returned %d", t->name, rc);
        return;
    }
    if (rc == CAMI_OK) {
        fake_violation(h, "handler of task '%s' returned CAMI_OK without answering (call "
                          "cami_task_reply or cami_task_fail first, or return CAMI_PENDING); "
                          "the host replies null", t->name);
        answer(h, t, CAMI_OK, json_null(), NULL);
        return;
    }
    if (rc > 0)
        fake_violation(h, "handler of task '%s' returned %d; it must return CAMI_OK, "
                          "CAMI_PENDING or a negative code", t->name, rc);
    else
        fake_log(h, "fake-host", CAMI_LOG_ERROR, "plugin '%s': handler of task '%s' failed "
                 "(%d)", h->plugin.desc.name, t->name, rc);
    answer_error(h, t, CAMI_EFAIL, "the handler of task '%s' (%s%s%s) failed (%d)", t->name,
                 hd->from_test ? "the test" : "plugin '",
                 hd->from_test ? "" : h->plugin.desc.name, hd->from_test ? "" : "'", rc);
}

int fake_task_submit(cami_plugin *self, const char *name, json_t *args, uint64_t timeout_ms,
                     cami_reply_fn cb, void *ud)
{
    cami_test_host *h = self->host;
    struct cami_task *t;

    if (!fake_on_loop(h, "cami_task_submit")) {
        json_decref(args);
        return CAMI_ESTATE;
    }
    if (!valid_name(name, 0)) {
        json_decref(args);
        return CAMI_EINVAL;
    }
    if (h->phase == PHASE_DONE) {
        json_decref(args);
        return CAMI_ESTATE;
    }
    if (h->tasks_open >= h->max_pending) {
        json_decref(args);
        return CAMI_EBUSY;
    }
    t = new_task(h, name, args, timeout_ms);
    if (t == NULL)
        return CAMI_ENOMEM;
    t->cb = cb;
    t->ud = ud;
    t->waiting = cb != NULL;
    t->deadline = cb != NULL ? h->now + t->timeout : 0;
    h->tasks_open++;
    *h->run_tail = t;
    h->run_tail = &t->qnext;
    return CAMI_OK;
}

const cami_test_reply *cami_test_task(cami_test_host *h, const char *name, json_t *args,
                                      uint64_t timeout_ms)
{
    struct cami_task *t;

    if (h == NULL || h->phase != PHASE_RUNNING) {
        fprintf(stderr, "cami-testing: cami_test_task: the host is not running "
                        "(cami_test_host_start first)\n");
        json_decref(args);
        return NULL;
    }
    if (!valid_name(name, 0)) {
        fprintf(stderr, "cami-testing: cami_test_task: task name '%s' is not 1-255 bytes of "
                        "[A-Za-z0-9._-]\n", name != NULL ? name : "(null)");
        json_decref(args);
        return NULL;
    }
    t = new_task(h, name, args, timeout_ms);
    if (t == NULL) {
        fprintf(stderr, "cami-testing: cami_test_task: out of memory\n");
        return NULL;
    }
    t->from_test = 1;
    t->waiting = 1;
    t->deadline = h->now + t->timeout;
    if (h->tasks_open >= h->max_pending) {
        char text[128];

        t->state = TASK_DONE;
        (void)snprintf(text, sizeof text, "too many tasks in progress (%u): try again later",
                       h->tasks_open);
        tell(h, t, CAMI_EBUSY, NULL, text);
        return &t->reply;
    }
    h->tasks_open++;
    run_task(h, t);
    return &t->reply;
}

/* ---- tasks: answering --------------------------------------------------------------- */

/* 1 when `task` may still be answered; otherwise a violation. */
static int answerable(const struct cami_task *t, const char *fn)
{
    if (!fake_on_loop(t->host, fn))
        return 0;
    if (t->state == TASK_DONE) {
        fake_violation(t->host, "%s on task '%s' after it was answered", fn, t->name);
        return 0;
    }
    return 1;
}

int fake_task_reply(cami_task *task, json_t *result)
{
    if (task == NULL || !answerable(task, "cami_task_reply")) {
        json_decref(result);
        return task == NULL ? CAMI_EINVAL : CAMI_ESTATE;
    }
    answer(task->host, task, CAMI_OK, result != NULL ? result : json_null(), NULL);
    return CAMI_OK;
}

int fake_task_fail(cami_task *task, const char *error)
{
    if (task == NULL)
        return CAMI_EINVAL;
    if (!answerable(task, "cami_task_fail"))
        return CAMI_ESTATE;
    answer(task->host, task, CAMI_EFAIL, NULL, error != NULL ? error : "the task failed");
    return CAMI_OK;
}

const char *fake_task_name(const cami_task *task)
{
    if (task == NULL)
        return NULL;
    if (task->state == TASK_DONE) {
        fake_violation(task->host, "cami_task_name on task '%s' after it was answered",
                       task->name);
        return "";
    }
    return task->name;
}

/* ---- the loop's part ------------------------------------------------------------------ */

unsigned fake_bus_run(cami_test_host *h)
{
    fake_event *ev, *evn;
    struct cami_task *t, *tn;
    unsigned n = 0;

    if (h->phase != PHASE_RUNNING && h->phase != PHASE_STOPPING)
        return 0;
    /* What is queued now; what handlers queue waits for the next round, so
     * two plugins answering each other forever cannot starve the clock. */
    ev = h->events_head;
    h->events_head = NULL;
    h->events_tail = &h->events_head;
    for (; ev != NULL; ev = evn, n++) {
        evn = ev->next;
        deliver(h, ev);
        json_decref(ev->payload);
        free(ev->topic);
        free(ev);
    }
    t = h->run_head;
    h->run_head = NULL;
    h->run_tail = &h->run_head;
    for (; t != NULL; t = tn, n++) {
        tn = t->qnext;
        run_task(h, t);
    }
    t = h->done_head;
    h->done_head = NULL;
    h->done_tail = &h->done_head;
    for (; t != NULL; t = tn, n++) {
        tn = t->qnext;
        tell(h, t, t->reply.status, t->reply.result, t->reply.error);
        json_decref(t->reply.result);
        t->reply.result = NULL;
    }
    return n;
}

/* A submitter whose answer is queued for delivery is not waiting on a
 * deadline any more. */
static int on_deadline(const struct cami_task *t)
{
    return t->waiting && t->state != TASK_DONE;
}

int fake_bus_waiting(const cami_test_host *h)
{
    for (const struct cami_task *t = h->tasks; t != NULL; t = t->next)
        if (t->waiting)
            return 1;
    return 0;
}

uint64_t fake_bus_next_deadline(const cami_test_host *h)
{
    uint64_t best = UINT64_MAX;

    for (const struct cami_task *t = h->tasks; t != NULL; t = t->next)
        if (on_deadline(t) && t->deadline < best)
            best = t->deadline;
    return best;
}

void fake_bus_expire(cami_test_host *h)
{
    char text[400];

    /* Tasks a callback submits land at the tail with a later deadline. */
    for (struct cami_task *t = h->tasks; t != NULL; t = t->next) {
        if (!on_deadline(t) || t->deadline > h->now)
            continue;
        (void)snprintf(text, sizeof text, "task '%s' was not answered within %llu ms", t->name,
                       (unsigned long long)t->timeout);
        tell(h, t, CAMI_ETIMEDOUT, NULL, text);
    }
}

void fake_bus_stop(cami_test_host *h)
{
    for (struct cami_task *t = h->tasks; t != NULL; t = t->next)
        if (t->waiting) {
            if (t->state == TASK_DONE && !t->from_test) {
                /* answered, delivery still queued: drop the staged answer */
                json_decref(t->reply.result);
                t->reply.result = NULL;
            }
            tell(h, t, CAMI_ESTATE, NULL, "camid is stopping");
        }
    /* Delivered above or nobody waits: the queue holds nothing to tell. */
    h->done_head = NULL;
    h->done_tail = &h->done_head;
}

unsigned fake_bus_unanswered(const cami_test_host *h)
{
    unsigned n = 0;

    for (const struct cami_task *t = h->tasks; t != NULL; t = t->next)
        n += t->plugin_handler && t->state != TASK_DONE;
    return n;
}

void fake_bus_free(cami_test_host *h)
{
    fake_event *ev, *evn;
    struct cami_task *t, *tn;

    for (ev = h->events_head; ev != NULL; ev = evn) {
        evn = ev->next;
        json_decref(ev->payload);
        free(ev->topic);
        free(ev);
    }
    h->events_head = NULL;
    h->events_tail = &h->events_head;
    for (t = h->tasks; t != NULL; t = tn) {
        tn = t->next;
        free(t->name);
        free(t->error);
        json_decref(t->args);
        json_decref(t->reply.result);
        free(t);
    }
    h->tasks = NULL;
    h->tasks_tail = &h->tasks;
    h->run_head = h->done_head = NULL;
    h->run_tail = &h->run_head;
    h->done_tail = &h->done_head;
    cami_test_host_events_clear(h);
    for (size_t i = 0; i < h->nsubs; i++)
        free(h->subs[i].prefix);
    free(h->subs);
    h->subs = NULL;
    h->nsubs = 0;
    for (size_t i = 0; i < h->nhandlers; i++)
        free(h->handlers[i].name);
    free(h->handlers);
    h->handlers = NULL;
    h->nhandlers = 0;
}
