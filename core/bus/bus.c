/* bus.c - see bus.h. */
#include "bus/bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bus/frames.h"
#include "bus/topic.h"
#include "bus/zwatch.h"
#include "jsonreal.h"
#include "log.h"
#include "metrics.h"
#include "plugin.h"
#include "runtime.h"

#define MAX_FRAMES 8
/* Work done per loop iteration by the in-process pump (fairness). */
#define PUMP_BATCH 1024

typedef struct subscription {
    struct cami_plugin *plugin;
    char *prefix;
    size_t plen;
    cami_event_fn fn;
    void *ud;
    struct subscription *next;
} subscription;

typedef struct handler {
    struct cami_plugin *plugin;
    char *name;
    cami_task_fn fn;
    void *ud;
    struct handler *next;
} handler;

typedef struct event_item {
    char *topic;
    json_t *payload;
    struct event_item *next;
} event_item;

enum task_state { T_QUEUED = 0, T_RUNNING, T_ANSWERED };

struct cami_task {
    char *name;
    json_t *args;
    enum task_state state;
    int remote;                  /* from the tasks_in endpoint */
    struct cami_plugin *submitter;
    cami_reply_fn cb;
    void *ud;
    void *identity;              /* remote: ROUTER identity */
    size_t identity_len;
    int has_delim;
    int status;                  /* the answer */
    json_t *result;
    char *error;
    int requester_done;          /* reply sent, callback run, or timed out */
    uv_timer_t timer;
    int timer_on;                /* initialised and not yet closed */
    int timer_closing;           /* uv_close called, its callback not yet run */
    int free_on_close;           /* released while the timer was closing */
    uint64_t timeout_ms;
    struct cami_task *qnext;     /* dispatch or completion queue */
    struct cami_task *prev, *next;
};

static struct {
    uv_loop_t *loop;
    const bus_config *cfg;
    prefix_list out_topics, in_topics, task_names;
    subscription *subs, *subs_tail;
    handler *handlers;
    event_item *ev_head, *ev_tail;
    cami_task *dq_head, *dq_tail;
    cami_task *cq_head, *cq_tail;
    cami_task *all;
    size_t pending;
    uv_idle_t pump;
    int pump_init, pump_on;
    void *ctx;
    void *pub, *sub, *router, *fwd_pull, *fwd_push;
    zwatch zpub, zsub, zrouter, zfwd;
    int stopping;
    uint64_t last_warn_ms;
    uint64_t warn_suppressed;
} B;

/* ---- configuration ---- */

static const cami_config_key bus_schema[] = {
    {"events_out", CAMI_CONFIG_STRING, NULL, 0, "PUB endpoint partners subscribe to"},
    {"events_in", CAMI_CONFIG_STRING, NULL, 0, "SUB endpoint partners publish to"},
    {"tasks_in", CAMI_CONFIG_STRING, NULL, 0, "ROUTER endpoint for partners' tasks"},
    {"events_out_topics", CAMI_CONFIG_LIST, NULL, 0, "topic prefixes sent out (default all)"},
    {"events_in_topics", CAMI_CONFIG_LIST, NULL, 0, "topic prefixes accepted in (default all)"},
    {"tasks_in_names", CAMI_CONFIG_LIST, NULL, 0, "task-name prefixes partners may call"},
    {"send_hwm", CAMI_CONFIG_INT, "10000", 0, "ZeroMQ send high-water mark"},
    {"recv_hwm", CAMI_CONFIG_INT, "10000", 0, "ZeroMQ receive high-water mark"},
    {"task_timeout", CAMI_CONFIG_INT, "30000", 0, "ms before an unanswered task times out"},
    {"max_pending_tasks", CAMI_CONFIG_INT, "10000", 0, "tasks queued or running per worker"},
    {NULL, 0, NULL, 0, NULL}};

static char *endpoint(const conf_section *s, const char *key, diag *d, int *problems)
{
    const char *v = conf_value(s, bus_schema, key);
    if (!v || !*v)
        return NULL;
    if (strncmp(v, "tcp://", 6) != 0 && strncmp(v, "ipc://", 6) != 0) {
        const conf_entry *e = conf_entry_get(s, key);
        diag_at(d, e ? e->file : NULL, e ? e->line : 0,
                "%s = %s: expected a ZeroMQ endpoint such as tcp://127.0.0.1:5560 or "
                "ipc:///run/camid/bus",
                key, v);
        (*problems)++;
        return NULL;
    }
    return strdup(v);
}

static int64_t bus_int(const conf_section *s, const char *key, int64_t min, diag *d,
                       int *problems)
{
    int64_t n = 0;
    const char *v = conf_value(s, bus_schema, key);
    if (!v || conf_parse_int(v, &n) < 0)
        return min; /* conf_check_section reported it */
    if (n < min) {
        const conf_entry *e = conf_entry_get(s, key);
        diag_at(d, e ? e->file : NULL, e ? e->line : 0, "%s = %s: expected at least %lld", key, v,
                (long long)min);
        (*problems)++;
        return min;
    }
    return n;
}

static char *list_value(const conf_section *s, const char *key, diag *d, int *problems)
{
    const char *v = conf_value(s, bus_schema, key);
    if (!v)
        return NULL;
    prefix_list l;
    char err[160];
    if (prefix_list_parse(&l, v, err, sizeof(err)) < 0) {
        const conf_entry *e = conf_entry_get(s, key);
        diag_at(d, e ? e->file : NULL, e ? e->line : 0, "%s: %s", key, err);
        (*problems)++;
        return NULL;
    }
    prefix_list_free(&l);
    return strdup(v);
}

int bus_config_read(bus_config *cfg, const conf *c, diag *d)
{
    memset(cfg, 0, sizeof(*cfg));
    const conf_section *s = conf_section_get(c, "bus");
    int problems = s ? conf_check_section(s, bus_schema, NULL, "[bus]", d) : 0;
    cfg->events_out = endpoint(s, "events_out", d, &problems);
    cfg->events_in = endpoint(s, "events_in", d, &problems);
    cfg->tasks_in = endpoint(s, "tasks_in", d, &problems);
    cfg->events_out_topics = list_value(s, "events_out_topics", d, &problems);
    cfg->events_in_topics = list_value(s, "events_in_topics", d, &problems);
    cfg->tasks_in_names = list_value(s, "tasks_in_names", d, &problems);
    cfg->send_hwm = (int)bus_int(s, "send_hwm", 1, d, &problems);
    cfg->recv_hwm = (int)bus_int(s, "recv_hwm", 1, d, &problems);
    cfg->task_timeout_ms = (uint64_t)bus_int(s, "task_timeout", 1, d, &problems);
    cfg->max_pending_tasks = (size_t)bus_int(s, "max_pending_tasks", 1, d, &problems);
    return problems;
}

void bus_config_free(bus_config *cfg)
{
    free(cfg->events_out);
    free(cfg->events_in);
    free(cfg->tasks_in);
    free(cfg->events_out_topics);
    free(cfg->events_in_topics);
    free(cfg->tasks_in_names);
    memset(cfg, 0, sizeof(*cfg));
}

/* ---- small helpers ---- */

/* A flood of bad input must not become a flood of log lines. */
static void warn_limited(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_limited(const char *who, const char *fmt, ...)
{
    uint64_t now = B.loop ? uv_now(B.loop) : 0;
    if (B.last_warn_ms && now - B.last_warn_ms < 1000) {
        B.warn_suppressed++;
        return;
    }
    B.last_warn_ms = now ? now : 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (B.warn_suppressed)
        log_msg(who, CAMI_LOG_WARN, "%s (and %llu similar in the last second)", msg,
                (unsigned long long)B.warn_suppressed);
    else
        log_msg(who, CAMI_LOG_WARN, "%s", msg);
    B.warn_suppressed = 0;
}

/* A send can consume the edge of its own socket's fd: look again. */
static void kick(void *sock)
{
    if (sock == B.pub)
        zwatch_kick(&B.zpub);
    else if (sock == B.router)
        zwatch_kick(&B.zrouter);
}

static void pump_run(uv_idle_t *h);

static void pump_wake(void)
{
    if (B.pump_init && !B.pump_on && !B.stopping) {
        uv_idle_start(&B.pump, pump_run);
        B.pump_on = 1;
    }
}

static int in_init(const struct cami_plugin *self)
{
    return g_runtime && self && g_runtime->in_init == self;
}

static void registration_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void registration_problem(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g_runtime && g_runtime->init_diag) {
        diag_add(g_runtime->init_diag, "%s", msg);
        g_runtime->registration_failed = 1;
    } else {
        log_error("%s", msg);
    }
}

/* ---- registration ---- */

int bus_subscribe(cami_plugin *self, const char *prefix, cami_event_fn fn, void *ud)
{
    if (!in_init(self)) {
        log_msg(self ? self->name : NULL, CAMI_LOG_ERROR,
                "cami_bus_subscribe(%s) outside init: subscribe in init only", prefix ? prefix : "?");
        return CAMI_ESTATE;
    }
    if (!fn || !bus_prefix_valid(prefix)) {
        registration_problem("plugin '%s': cannot subscribe to '%s': a prefix is \"\" or 1-255 "
                             "of A-Z a-z 0-9 . _ -",
                             self->name, prefix ? prefix : "(null)");
        return CAMI_EINVAL;
    }
    subscription *s = calloc(1, sizeof(*s));
    if (!s || !(s->prefix = strdup(prefix))) {
        free(s);
        return CAMI_ENOMEM;
    }
    s->plugin = self;
    s->plen = strlen(prefix);
    s->fn = fn;
    s->ud = ud;
    /* Delivery follows subscription order: plugins in dependency order. */
    if (B.subs_tail)
        B.subs_tail->next = s;
    else
        B.subs = s;
    B.subs_tail = s;
    return CAMI_OK;
}

static handler *find_handler(const char *name, size_t len)
{
    for (handler *h = B.handlers; h; h = h->next)
        if (strlen(h->name) == len && memcmp(h->name, name, len) == 0)
            return h;
    return NULL;
}

int bus_task_register(cami_plugin *self, const char *name, cami_task_fn fn, void *ud)
{
    if (!in_init(self)) {
        log_msg(self ? self->name : NULL, CAMI_LOG_ERROR,
                "cami_task_register(%s) outside init: register in init only", name ? name : "?");
        return CAMI_ESTATE;
    }
    if (!fn || !name || !bus_name_valid(name, strlen(name))) {
        registration_problem("plugin '%s': cannot register task '%s': a name is 1-255 of A-Z a-z "
                             "0-9 . _ -",
                             self->name, name ? name : "(null)");
        return CAMI_EINVAL;
    }
    handler *old = find_handler(name, strlen(name));
    if (old) {
        registration_problem("plugin '%s' and plugin '%s' both handle task '%s': a task has one "
                             "handler in a host; remove one of them from the config",
                             self->name, old->plugin->name, name);
        return CAMI_EEXIST;
    }
    handler *h = calloc(1, sizeof(*h));
    if (!h || !(h->name = strdup(name))) {
        free(h);
        return CAMI_ENOMEM;
    }
    h->plugin = self;
    h->fn = fn;
    h->ud = ud;
    h->next = B.handlers;
    B.handlers = h;
    return CAMI_OK;
}

void bus_drop_plugin(struct cami_plugin *p)
{
    subscription **sp = &B.subs;
    B.subs_tail = NULL;
    while (*sp) {
        subscription *s = *sp;
        if (s->plugin == p) {
            *sp = s->next;
            free(s->prefix);
            free(s);
        } else {
            B.subs_tail = s;
            sp = &s->next;
        }
    }
    handler **hp = &B.handlers;
    while (*hp) {
        handler *h = *hp;
        if (h->plugin == p) {
            *hp = h->next;
            free(h->name);
            free(h);
        } else {
            hp = &h->next;
        }
    }
}

/* ---- events ---- */

static int has_subscriber(const char *topic, size_t len)
{
    for (subscription *s = B.subs; s; s = s->next)
        if (s->plen <= len && memcmp(s->prefix, topic, s->plen) == 0)
            return 1;
    return 0;
}

static int enqueue_event(const char *topic, size_t len, json_t *payload)
{
    event_item *e = malloc(sizeof(*e));
    if (!e || !(e->topic = strndup(topic, len))) {
        free(e);
        json_decref(payload);
        return CAMI_ENOMEM;
    }
    e->payload = payload;
    e->next = NULL;
    if (B.ev_tail)
        B.ev_tail->next = e;
    else
        B.ev_head = e;
    B.ev_tail = e;
    pump_wake();
    return CAMI_OK;
}

/* Send an event towards partners: on the XPUB (counted as out), or to
 * worker 0 over the forward socket (counted there, when it goes out). */
static void send_frames(void *sock, const char *topic, size_t tlen, const char *body, size_t blen)
{
    if (zmq_send(sock, topic, tlen, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, body, blen, ZMQ_DONTWAIT) < 0) {
        metrics_count(MC_BUS_EVENTS_OUT_DROPPED, 1);
        warn_limited(NULL, "bus: an event for partners on '%.*s' was dropped: %s (high-water "
                           "mark %d reached: a partner reads too slowly)",
                     (int)tlen, topic, zmq_strerror(zmq_errno()), B.cfg->send_hwm);
    } else if (sock == B.pub) {
        metrics_count(MC_BUS_EVENTS_OUT, 1);
    }
    kick(sock);
}

int bus_publish(cami_plugin *self, const char *topic, json_t *payload)
{
    size_t len = topic ? strlen(topic) : 0;
    if (!payload || !bus_name_valid(topic, len)) {
        json_decref(payload);
        return CAMI_EINVAL;
    }
    if (B.stopping) {
        json_decref(payload);
        return CAMI_ESTATE;
    }
    (void)self;
    metrics_count(MC_BUS_EVENTS_PUBLISHED, 1);
    void *out = B.pub ? B.pub : B.fwd_push;
    if (out && prefix_list_match(&B.out_topics, topic, len)) {
        char *text = json_dumps(payload, json_compact_flags(payload));
        if (text) {
            send_frames(out, topic, len, text, strlen(text));
            free(text);
        } else {
            metrics_count(MC_BUS_EVENTS_OUT_DROPPED, 1);
        }
    }
    if (!has_subscriber(topic, len)) {
        json_decref(payload);
        return CAMI_OK;
    }
    return enqueue_event(topic, len, payload);
}

/* What subscribers get: the payload as the publisher gave it (JSON from a
 * plugin, checked text from a partner); the other form is made on demand,
 * once, and shared by the subscribers of this delivery. */
struct cami_event {
    const char *topic;
    const char *text;
    size_t len;
    char *text_owned;
    json_t *json;
    int json_owned;
    int json_failed;
    json_error_t error;
};

const char *bus_event_topic(const cami_event *ev)
{
    return ev ? ev->topic : "";
}

json_t *bus_event_json(const cami_event *cev, json_error_t *error)
{
    cami_event *ev = (cami_event *)cev;
    if (!ev)
        return NULL;
    if (!ev->json && !ev->json_failed) {
        ev->json = json_loadb(ev->text, ev->len, JSON_DECODE_ANY, &ev->error);
        ev->json_owned = ev->json != NULL;
        if (!ev->json) {
            ev->json_failed = 1;
            metrics_count(MC_BUS_EVENTS_IN_INVALID, 1);
            warn_limited(NULL, "bus: an event on '%s' could not be decoded: %s", ev->topic,
                         ev->error.text);
        }
    }
    if (!ev->json && error)
        *error = ev->error;
    return ev->json;
}

const char *bus_event_text(const cami_event *cev, size_t *len)
{
    cami_event *ev = (cami_event *)cev;
    if (ev && !ev->text && ev->json) {
        ev->text_owned = json_dumps(ev->json, json_compact_flags(ev->json));
        ev->text = ev->text_owned;
        ev->len = ev->text ? strlen(ev->text) : 0;
    }
    if (len)
        *len = ev && ev->text ? ev->len : 0;
    return ev ? ev->text : NULL;
}

/* Call every matching subscriber. topic must be NUL-terminated. Only from
 * the top of the loop (pump or socket watcher), never inside a plugin call.
 * json (borrowed) or text is the payload. */
static void deliver(const char *topic, size_t len, json_t *json, const char *text, size_t tlen)
{
    cami_event ev = {topic, text, tlen, NULL, json, 0, 0, {0}};
    for (subscription *s = B.subs; s; s = s->next) {
        if (s->plen > len || memcmp(s->prefix, topic, s->plen) != 0)
            continue;
        metrics_set_running_plugin((int)s->plugin->order);
        int rc = s->fn(s->plugin, &ev, s->ud);
        metrics_set_running_plugin(-1);
        metrics_count(MC_BUS_EVENTS_DELIVERED, 1);
        if (rc < 0) {
            metrics_count(MC_BUS_HANDLER_ERRORS, 1);
            warn_limited(s->plugin->name, "event handler (subscribed to '%s') failed on '%s' (%d)",
                         s->prefix, topic, rc);
        }
    }
    free(ev.text_owned);
    if (ev.json_owned)
        json_decref(ev.json);
}

static void deliver_one(void)
{
    event_item *e = B.ev_head;
    B.ev_head = e->next;
    if (!B.ev_head)
        B.ev_tail = NULL;
    deliver(e->topic, strlen(e->topic), e->payload, NULL, 0);
    free(e->topic);
    json_decref(e->payload);
    free(e);
}

/* ---- tasks ---- */

/* A task's memory outlives its timer handle: libuv still owns the handle
 * until the close callback, whoever asked for the close. */
static void task_timer_closed(uv_handle_t *h)
{
    cami_task *t = h->data;
    t->timer_closing = 0;
    if (t->free_on_close)
        free(t);
}

static void task_timer_close(cami_task *t)
{
    if (!t->timer_on)
        return;
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, task_timer_closed);
    t->timer_on = 0;
    t->timer_closing = 1;
}

static void task_free(cami_task *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else if (B.all == t)
        B.all = t->next;
    if (t->next)
        t->next->prev = t->prev;
    free(t->name);
    json_decref(t->args);
    json_decref(t->result);
    free(t->error);
    free(t->identity);
    task_timer_close(t);
    if (t->timer_closing)
        t->free_on_close = 1;
    else
        free(t);
}

static void send_remote(cami_task *t, const char *status, const char *body)
{
    if (!B.router || !body)
        return;
    int flags = ZMQ_DONTWAIT | ZMQ_SNDMORE;
    if (zmq_send(B.router, t->identity, t->identity_len, flags) < 0 ||
        (t->has_delim && zmq_send(B.router, "", 0, flags) < 0) ||
        zmq_send(B.router, status, strlen(status), flags) < 0 ||
        zmq_send(B.router, body, strlen(body), ZMQ_DONTWAIT) < 0)
        warn_limited(NULL, "bus: a reply to a partner's task '%s' could not be sent: %s", t->name,
                     zmq_strerror(zmq_errno()));
    kick(B.router);
}

static void send_remote_error(cami_task *t, const char *code, const char *text)
{
    char *body = frames_error_body(code, text);
    send_remote(t, "error", body);
    free(body);
}

/* The handler (or the host for it) answered: tell the requester - a
 * partner at once, a plugin's callback from the pump. */
static void task_answer(cami_task *t, int status, json_t *result, const char *error,
                        const char *code)
{
    t->state = T_ANSWERED;
    if (B.pending)
        B.pending--;
    t->status = status;
    t->result = result;
    t->error = error ? strdup(error) : NULL;
    /* A task nobody handles was counted as refused already. */
    if (status == CAMI_OK)
        metrics_count(MC_BUS_TASKS_COMPLETED, 1);
    else if (status != CAMI_ENOENT)
        metrics_count(MC_BUS_TASKS_FAILED, 1);
    if (t->remote && !t->requester_done) {
        t->requester_done = 1;
        if (status == CAMI_OK) {
            char *text = json_dumps(result ? result : json_null(),
                                    json_compact_flags(result));
            send_remote(t, "ok", text);
            free(text);
        } else {
            send_remote_error(t, code ? code : "handler_failed", error);
        }
    }
    t->qnext = NULL;
    if (B.cq_tail)
        B.cq_tail->qnext = t;
    else
        B.cq_head = t;
    B.cq_tail = t;
    pump_wake();
}

static void complete_one(void)
{
    cami_task *t = B.cq_head;
    B.cq_head = t->qnext;
    if (!B.cq_head)
        B.cq_tail = NULL;
    if (!t->remote && t->cb && !t->requester_done) {
        t->requester_done = 1;
        metrics_set_running_plugin(t->submitter ? (int)t->submitter->order : -1);
        t->cb(t->submitter, t->status, t->status == CAMI_OK ? t->result : NULL, t->error, t->ud);
        metrics_set_running_plugin(-1);
    }
    task_free(t);
}

static void on_task_timeout(uv_timer_t *h)
{
    cami_task *t = h->data;
    if (t->state == T_ANSWERED || t->requester_done)
        return;
    t->requester_done = 1;
    metrics_count(MC_BUS_TASKS_TIMED_OUT, 1);
    char text[320];
    snprintf(text, sizeof(text), "task '%s' was not answered within %llu ms", t->name,
             (unsigned long long)t->timeout_ms);
    if (t->remote) {
        send_remote_error(t, "timeout", text);
    } else if (t->cb) {
        metrics_set_running_plugin(t->submitter ? (int)t->submitter->order : -1);
        t->cb(t->submitter, CAMI_ETIMEDOUT, NULL, text, t->ud);
        metrics_set_running_plugin(-1);
    }
}

static cami_task *task_new(const char *name, size_t len, json_t *args)
{
    cami_task *t = calloc(1, sizeof(*t));
    if (!t || !(t->name = strndup(name, len))) {
        free(t);
        json_decref(args);
        return NULL;
    }
    t->args = args;
    t->next = B.all;
    if (B.all)
        B.all->prev = t;
    B.all = t;
    return t;
}

static void task_enqueue(cami_task *t, uint64_t timeout_ms)
{
    B.pending++;
    metrics_count(MC_BUS_TASKS_SUBMITTED, 1);
    if (timeout_ms && B.loop && uv_timer_init(B.loop, &t->timer) == 0) {
        t->timer.data = t;
        t->timer_on = 1;
        t->timeout_ms = timeout_ms;
        uv_timer_start(&t->timer, on_task_timeout, timeout_ms, 0);
    }
    t->qnext = NULL;
    if (B.dq_tail)
        B.dq_tail->qnext = t;
    else
        B.dq_head = t;
    B.dq_tail = t;
    pump_wake();
}

int bus_task_submit(cami_plugin *self, const char *name, json_t *args, uint64_t timeout_ms,
                    cami_reply_fn cb, void *ud)
{
    size_t len = name ? strlen(name) : 0;
    if (!bus_name_valid(name, len)) {
        json_decref(args);
        return CAMI_EINVAL;
    }
    if (B.stopping || !B.pump_init) {
        json_decref(args);
        return CAMI_ESTATE;
    }
    if (B.pending >= B.cfg->max_pending_tasks) {
        json_decref(args);
        metrics_count(MC_BUS_TASKS_REFUSED, 1);
        return CAMI_EBUSY;
    }
    cami_task *t = task_new(name, len, args ? args : json_object());
    if (!t)
        return CAMI_ENOMEM;
    t->submitter = self;
    t->cb = cb;
    t->ud = ud;
    task_enqueue(t, cb ? (timeout_ms ? timeout_ms : B.cfg->task_timeout_ms) : 0);
    return CAMI_OK;
}

static void dispatch_one(void)
{
    cami_task *t = B.dq_head;
    B.dq_head = t->qnext;
    if (!B.dq_head)
        B.dq_tail = NULL;
    handler *h = find_handler(t->name, strlen(t->name));
    if (!h) {
        char text[320];
        snprintf(text, sizeof(text), "no plugin handles task '%s'", t->name);
        metrics_count(MC_BUS_TASKS_REFUSED, 1);
        t->state = T_RUNNING;
        task_answer(t, CAMI_ENOENT, NULL, text, "unknown_task");
        return;
    }
    t->state = T_RUNNING;
    metrics_set_running_plugin((int)h->plugin->order);
    int rc = h->fn(t, t->args, h->ud);
    metrics_set_running_plugin(-1);
    if (t->state != T_RUNNING || rc == CAMI_PENDING)
        return;
    if (rc == CAMI_OK) {
        task_answer(t, CAMI_OK, json_null(), NULL, NULL);
    } else {
        char text[320];
        snprintf(text, sizeof(text), "the handler of task '%s' (plugin '%s') failed (%d)", t->name,
                 h->plugin->name, rc);
        task_answer(t, CAMI_EFAIL, NULL, text, "handler_failed");
    }
}

int bus_task_reply(cami_task *t, json_t *result)
{
    if (!t || t->state != T_RUNNING) {
        json_decref(result);
        return CAMI_ESTATE;
    }
    task_answer(t, CAMI_OK, result ? result : json_null(), NULL, NULL);
    return CAMI_OK;
}

int bus_task_fail(cami_task *t, const char *error)
{
    if (!t || t->state != T_RUNNING)
        return CAMI_ESTATE;
    task_answer(t, CAMI_EFAIL, NULL, error ? error : "the task failed", "handler_failed");
    return CAMI_OK;
}

const char *bus_task_name(const cami_task *t)
{
    return t ? t->name : "";
}

/* ---- the pump ---- */

static void pump_run(uv_idle_t *h)
{
    (void)h;
    for (int i = 0; i < PUMP_BATCH; i++) {
        if (B.cq_head)
            complete_one();
        else if (B.dq_head)
            dispatch_one();
        else if (B.ev_head)
            deliver_one();
        else
            break;
    }
    if (!B.cq_head && !B.dq_head && !B.ev_head && B.pump_on) {
        uv_idle_stop(&B.pump);
        B.pump_on = 0;
    }
}

/* ---- partner endpoints ---- */

typedef struct multipart {
    zmq_msg_t msg[MAX_FRAMES];
    frame f[MAX_FRAMES];
    size_t n;         /* frames kept */
    size_t total;     /* frames received */
} multipart;

/* Receive one whole message; frames past MAX_FRAMES are read and counted. */
static int recv_multipart(void *sock, multipart *m)
{
    m->n = m->total = 0;
    int more = 1;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *msg = m->n < MAX_FRAMES ? &m->msg[m->n] : &scratch;
        zmq_msg_init(msg);
        if (zmq_msg_recv(msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(msg);
            return m->total ? 0 : -1;
        }
        more = zmq_msg_more(msg);
        m->total++;
        if (msg == &scratch) {
            zmq_msg_close(msg);
        } else {
            m->f[m->n].data = zmq_msg_data(msg);
            m->f[m->n].len = zmq_msg_size(msg);
            m->n++;
        }
    }
    return 0;
}

static void multipart_close(multipart *m)
{
    for (size_t i = 0; i < m->n; i++)
        zmq_msg_close(&m->msg[i]);
    m->n = 0;
}

static int on_xpub(zwatch *z)
{
    /* Subscription notices from partners: ZeroMQ acts on them; we drain. */
    multipart m;
    if (recv_multipart(z->sock, &m) < 0)
        return 0;
    multipart_close(&m);
    return 1;
}

static int on_events_in(zwatch *z)
{
    multipart m;
    if (recv_multipart(z->sock, &m) < 0)
        return 0;
    metrics_count(MC_BUS_EVENTS_IN, 1);
    char err[256];
    if (m.total != m.n || frames_check_event(m.f, m.n, err, sizeof(err)) < 0) {
        if (m.total != m.n)
            snprintf(err, sizeof(err), "an event is 2 frames [topic][payload], got %zu", m.total);
        metrics_count(MC_BUS_EVENTS_IN_INVALID, 1);
        warn_limited(NULL, "bus: dropped an invalid event from a partner on events_in: %s", err);
    } else {
        /* Straight to the subscribers: we are at the top of the loop, so no
         * plugin call is re-entered, and a partner's burst costs no queue. */
        char topic[BUS_NAME_MAX + 1];
        memcpy(topic, m.f[0].data, m.f[0].len);
        topic[m.f[0].len] = '\0';
        deliver(topic, m.f[0].len, NULL, m.f[1].data, m.f[1].len);
    }
    multipart_close(&m);
    return 1;
}

static int on_forward(zwatch *z)
{
    /* Another worker's event for partners: pass it on as it is. */
    multipart m;
    if (recv_multipart(z->sock, &m) < 0)
        return 0;
    if (m.n == 2 && m.total == 2 && B.pub)
        send_frames(B.pub, m.f[0].data, m.f[0].len, m.f[1].data, m.f[1].len);
    multipart_close(&m);
    return 1;
}

static void refuse_remote(const multipart *m, int has_delim, const char *code, const char *text)
{
    metrics_count(MC_BUS_TASKS_REFUSED, 1);
    cami_task tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.identity = (void *)m->f[0].data;
    tmp.identity_len = m->f[0].len;
    tmp.has_delim = has_delim;
    tmp.name = (char *)"?";
    send_remote_error(&tmp, code, text);
}

static int on_tasks_in(zwatch *z)
{
    multipart m;
    if (recv_multipart(z->sock, &m) < 0)
        return 0;
    int has_delim = 0;
    size_t ni = 0;
    json_t *args = NULL;
    char err[256];
    int rc = m.total != m.n ? -1 : frames_parse_task(m.f, m.n, &has_delim, &ni, &args, err,
                                                      sizeof(err));
    if (m.total != m.n) {
        has_delim = m.n > 1 && m.f[1].len == 0;
        snprintf(err, sizeof(err), "a task request is 2 frames [name][args JSON], got %zu frames",
                 m.total);
    }
    if (rc == -2 || m.n == 0) {
        metrics_count(MC_BUS_TASKS_REFUSED, 1);
    } else if (rc < 0) {
        refuse_remote(&m, has_delim, "bad_request", err);
    } else if (!prefix_list_match(&B.task_names, m.f[ni].data, m.f[ni].len)) {
        snprintf(err, sizeof(err), "task '%.*s' may not be called from outside ([bus] tasks_in_names)",
                 (int)m.f[ni].len, m.f[ni].data);
        refuse_remote(&m, has_delim, "not_allowed", err);
        json_decref(args);
    } else if (!find_handler(m.f[ni].data, m.f[ni].len)) {
        snprintf(err, sizeof(err), "no plugin handles task '%.*s'", (int)m.f[ni].len,
                 m.f[ni].data);
        refuse_remote(&m, has_delim, "unknown_task", err);
        json_decref(args);
    } else if (B.pending >= B.cfg->max_pending_tasks) {
        snprintf(err, sizeof(err), "too many tasks in progress (%zu): try again later",
                 B.pending);
        refuse_remote(&m, has_delim, "busy", err);
        json_decref(args);
    } else {
        cami_task *t = task_new(m.f[ni].data, m.f[ni].len, args);
        if (t && (t->identity = malloc(m.f[0].len))) {
            memcpy(t->identity, m.f[0].data, m.f[0].len);
            t->identity_len = m.f[0].len;
            t->has_delim = has_delim;
            t->remote = 1;
            task_enqueue(t, B.cfg->task_timeout_ms);
        } else {
            if (t)
                task_free(t);
            refuse_remote(&m, has_delim, "busy", "out of memory");
        }
    }
    multipart_close(&m);
    return 1;
}

static void *open_socket(int type, const char *key, const char *ep, int bind)
{
    void *s = zmq_socket(B.ctx, type);
    if (!s) {
        log_error("bus: cannot create a socket for %s: %s", key, zmq_strerror(zmq_errno()));
        return NULL;
    }
    int linger = (type == ZMQ_XPUB || type == ZMQ_PUSH) ? 1000 : 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(s, ZMQ_SNDHWM, &B.cfg->send_hwm, sizeof(int));
    zmq_setsockopt(s, ZMQ_RCVHWM, &B.cfg->recv_hwm, sizeof(int));
    if (type == ZMQ_XPUB) {
        int one = 1;
        zmq_setsockopt(s, ZMQ_XPUB_NODROP, &one, sizeof(one));
    }
    if (type == ZMQ_SUB) {
        if (B.in_topics.count == 0)
            zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
        for (size_t i = 0; i < B.in_topics.count; i++)
            zmq_setsockopt(s, ZMQ_SUBSCRIBE, B.in_topics.items[i], strlen(B.in_topics.items[i]));
    }
    int rc = bind ? zmq_bind(s, ep) : zmq_connect(s, ep);
    if (rc != 0) {
        log_error("bus: [bus] %s = %s: cannot %s: %s%s", key, ep, bind ? "bind" : "connect",
                  zmq_strerror(zmq_errno()),
                  zmq_errno() == EADDRINUSE ? " (another process uses it: stop it or change the "
                                              "endpoint)"
                                            : "");
        zmq_close(s);
        return NULL;
    }
    return s;
}

void bus_init(uv_loop_t *loop, const bus_config *cfg)
{
    memset(&B, 0, sizeof(B));
    B.loop = loop;
    B.cfg = cfg;
    char err[160];
    /* bus_config_read checked these lists already. */
    prefix_list_parse(&B.out_topics, cfg->events_out_topics, err, sizeof(err));
    prefix_list_parse(&B.in_topics, cfg->events_in_topics, err, sizeof(err));
    prefix_list_parse(&B.task_names, cfg->tasks_in_names, err, sizeof(err));
    if (loop && uv_idle_init(loop, &B.pump) == 0)
        B.pump_init = 1;
}

int bus_open(unsigned slot, unsigned nworkers)
{
    const bus_config *c = B.cfg;
    if (!B.loop || (!c->events_out && !c->events_in && !c->tasks_in))
        return 0;
    B.ctx = zmq_ctx_new();
    if (!B.ctx) {
        log_error("bus: cannot create a ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    /* Linux abstract socket: no file to clean up; unique per supervisor. */
    char fwd[96];
    snprintf(fwd, sizeof(fwd), "ipc://@camid-%d-bus-forward", (int)getppid());
    if (slot != 0) {
        if (c->events_out && !(B.fwd_push = open_socket(ZMQ_PUSH, "forward", fwd, 0)))
            return -1;
        return 0;
    }
    if (c->events_out) {
        if (!(B.pub = open_socket(ZMQ_XPUB, "events_out", c->events_out, 1)) ||
            zwatch_start(&B.zpub, B.loop, B.pub, on_xpub, NULL) < 0)
            return -1;
        if (nworkers > 1 && (!(B.fwd_pull = open_socket(ZMQ_PULL, "forward", fwd, 1)) ||
                             zwatch_start(&B.zfwd, B.loop, B.fwd_pull, on_forward, NULL) < 0))
            return -1;
    }
    if (c->events_in && (!(B.sub = open_socket(ZMQ_SUB, "events_in", c->events_in, 1)) ||
                         zwatch_start(&B.zsub, B.loop, B.sub, on_events_in, NULL) < 0))
        return -1;
    if (c->tasks_in && (!(B.router = open_socket(ZMQ_ROUTER, "tasks_in", c->tasks_in, 1)) ||
                        zwatch_start(&B.zrouter, B.loop, B.router, on_tasks_in, NULL) < 0))
        return -1;
    log_info("bus: partner endpoints%s%s%s%s%s%s", c->events_out ? " events_out=" : "",
             c->events_out ? c->events_out : "", c->events_in ? " events_in=" : "",
             c->events_in ? c->events_in : "", c->tasks_in ? " tasks_in=" : "",
             c->tasks_in ? c->tasks_in : "");
    return 0;
}

static void close_socket(void **s, zwatch *z)
{
    zwatch_stop(z);
    if (*s)
        zmq_close(*s);
    *s = NULL;
}

void bus_shutdown(void)
{
    if (B.stopping)
        return;
    /* Callbacks still due run now, while their plugins are loaded. */
    while (B.cq_head)
        complete_one();
    B.stopping = 1;
    close_socket(&B.pub, &B.zpub);
    close_socket(&B.sub, &B.zsub);
    close_socket(&B.router, &B.zrouter);
    close_socket(&B.fwd_pull, &B.zfwd);
    if (B.fwd_push)
        zmq_close(B.fwd_push);
    B.fwd_push = NULL;
    while (B.ev_head) {
        event_item *e = B.ev_head;
        B.ev_head = e->next;
        free(e->topic);
        json_decref(e->payload);
        free(e);
    }
    B.ev_tail = NULL;
    B.dq_head = B.dq_tail = NULL;
    for (cami_task *t = B.all; t; t = t->next) {
        /* Tasks left now are freed by bus_free, after the loop. */
        task_timer_close(t);
        if (t->state != T_ANSWERED) {
            t->state = T_ANSWERED;
            if (!t->remote && t->cb && !t->requester_done) {
                t->requester_done = 1;
                t->cb(t->submitter, CAMI_ESTATE, NULL, "camid is stopping", t->ud);
            }
        }
    }
    B.pending = 0;
    if (B.pump_init) {
        if (B.pump_on)
            uv_idle_stop(&B.pump);
        B.pump_on = 0;
        uv_close((uv_handle_t *)&B.pump, NULL);
        B.pump_init = 0;
    }
}

void bus_free(void)
{
    B.stopping = 1;
    while (B.all) {
        cami_task *t = B.all;
        B.all = t->next;
        free(t->name);
        json_decref(t->args);
        json_decref(t->result);
        free(t->error);
        free(t->identity);
        free(t);
    }
    while (B.subs) {
        subscription *s = B.subs;
        B.subs = s->next;
        free(s->prefix);
        free(s);
    }
    while (B.handlers) {
        handler *h = B.handlers;
        B.handlers = h->next;
        free(h->name);
        free(h);
    }
    prefix_list_free(&B.out_topics);
    prefix_list_free(&B.in_topics);
    prefix_list_free(&B.task_names);
    if (B.ctx)
        zmq_ctx_term(B.ctx);
    memset(&B, 0, sizeof(B));
}
