/*
 * fake.h - the fake host's private state, shared by its files (never
 * installed). One cami_test_host runs one plugin on the test's thread.
 */
#ifndef SDK_TESTING_FAKE_H
#define SDK_TESTING_FAKE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cami/testing.h>

/* A growable array of name/value string pairs, both owned. */
typedef struct fake_pairs {
    char **names;
    char **values;
    size_t count;
} fake_pairs;

int fake_pairs_add(fake_pairs *p, const char *name, size_t nlen, const char *value,
                   size_t vlen);
void fake_pairs_free(fake_pairs *p);

/* One key of the plugin's schema with its value once start has checked it. */
typedef struct fake_conf {
    const cami_config_key *key;   /* the plugin's schema entry */
    const char *value;            /* set value, else default, else NULL */
    char **items;                 /* CAMI_CONFIG_LIST: trimmed items */
    size_t nitems;
} fake_conf;

typedef struct fake_route {
    char *method;
    char *tmpl;
    char **segs;                  /* template split at '/'; "{x}" = param */
    size_t nsegs;
    cami_http_handler handler;
    void *ud;
} fake_route;

typedef struct fake_work {
    struct fake_work *next;
    cami_work_fn work;
    cami_work_done_fn done;
    void *ud;
} fake_work;

typedef struct fake_post {
    struct fake_post *next;
    cami_loop_fn cb;
    void *ud;
} fake_post;

typedef struct fake_service {
    char *name;
    uint32_t version;
    const void *iface;
    size_t size;
    int from_test;                /* offered by the test, not the plugin */
} fake_service;

/* A subscription of the plugin, and a task handler (the plugin's or the
 * test's). */
typedef struct fake_sub {
    char *prefix;
    cami_event_fn fn;
    void *ud;
} fake_sub;

typedef struct fake_handler {
    char *name;
    cami_task_fn fn;
    void *ud;
    int from_test;
} fake_handler;

/* An event waiting for delivery. */
typedef struct fake_event {
    struct fake_event *next;
    char *topic;
    json_t *payload;
} fake_event;

/* Where a task is: waiting in the run queue, in its handler, pending (the
 * handler returned CAMI_PENDING), or answered. */
enum { TASK_QUEUED = 0, TASK_HANDLER, TASK_PENDING, TASK_DONE };

typedef enum fake_phase {
    PHASE_NEW = 0,    /* configurable */
    PHASE_INIT,       /* in the plugin's init: routes and services allowed */
    PHASE_RUNNING,
    PHASE_STOPPING,   /* stop() called, draining */
    PHASE_DONE,       /* fini called, or init failed */
} fake_phase;

struct cami_plugin {
    cami_test_host *host;
    cami_plugin_desc desc;        /* copy, zero-filled past struct_size */
};

struct cami_timer {
    cami_test_host *host;
    struct cami_timer *next;
    uint64_t due;
    uint64_t repeat;
    uint64_t seq;                 /* start order: ties fire in it */
    cami_timer_fn cb;
    void *ud;
    int state;                    /* TIMER_* */
};

/* A timer is armed; idle once a one-shot has fired; stopped by the plugin;
 * or stopped by the host after the plugin's stop(). Timers are kept until
 * the host is freed so a second stop is reported, not a crash. */
enum { TIMER_ARMED = 0, TIMER_IDLE, TIMER_STOPPED, TIMER_HOST_STOPPED };

/* Where a request is: in its handler, pending (handler returned
 * CAMI_PENDING), or answered. */
enum { REQ_HANDLER = 0, REQ_PENDING, REQ_DONE };

/* A request and the response built for it; kept until the host is freed so
 * a test can read the response and misuse after finish is caught. */
struct cami_request {
    cami_test_host *host;
    struct cami_request *next;
    cami_test_response resp;      /* what the test sees */
    int state;                    /* REQ_* */
    int aborted;
    char id[72];
    char *method;
    char *target;
    char *path;                   /* decoded */
    char *body;                   /* NUL-terminated copy */
    size_t body_len;
    fake_pairs params;
    fake_pairs query;
    fake_pairs headers;
    fake_pairs joined;            /* repeated headers joined, by lower name */
    json_t *json;
    json_error_t json_error;
    int json_done;
    /* the response being built */
    int status;
    char *out_body;
    size_t out_len;
    fake_pairs out_headers;       /* Content-Type is kept here as well */
};

/* A task, kept until the host is freed (as requests are) so an answer after
 * the answer is reported, not a crash. */
struct cami_task {
    cami_test_host *host;
    struct cami_task *next;       /* all tasks, oldest first */
    struct cami_task *qnext;      /* the run or the delivery queue */
    char *name;
    json_t *args;
    int state;                    /* TASK_* */
    int plugin_handler;           /* the plugin's handler runs it (not the test's) */
    /* the submitter: the plugin (cb) or the test (from_test, reply) */
    cami_reply_fn cb;
    void *ud;
    int from_test;
    cami_test_reply reply;        /* the test's view; also the answer to deliver */
    char *error;                  /* owned text behind reply.error */
    uint64_t timeout;
    uint64_t deadline;
    int waiting;                  /* the submitter has not been answered yet */
};

struct cami_test_host {
    struct cami_plugin plugin;
    fake_phase phase;
    pthread_t loop_thread;
    int in_work;                  /* a work function is running */

    fake_pairs set;               /* config as the test set it */
    fake_conf *conf;              /* one per schema key, from start on */
    size_t nconf;

    fake_route *routes;
    size_t nroutes;
    struct cami_request *reqs;    /* newest first */
    struct cami_request **reqs_tail;
    unsigned long next_id;

    uint64_t now;
    uint64_t timer_seq;
    struct cami_timer *timers;
    fake_work *work_head;
    fake_work **work_tail;
    pthread_mutex_t post_lock;    /* posts may come from any thread */
    fake_post *post_head;
    fake_post **post_tail;

    fake_service *services;
    size_t nservices;

    fake_sub *subs;
    size_t nsubs;
    fake_handler *handlers;
    size_t nhandlers;
    fake_event *events_head;      /* waiting for delivery */
    fake_event **events_tail;
    cami_test_event *published;   /* what the plugin published */
    size_t npublished;
    struct cami_task *tasks;      /* all, oldest first */
    struct cami_task **tasks_tail;
    struct cami_task *run_head;   /* submitted, handler not run yet */
    struct cami_task **run_tail;
    struct cami_task *done_head;  /* answered, submitter not told yet */
    struct cami_task **done_tail;
    unsigned tasks_open;          /* queued or in a handler: max_pending_tasks */
    uint64_t task_timeout;
    unsigned max_pending;

    pthread_mutex_t log_lock;     /* logging may come from any thread */
    char *log;
    size_t log_len;
    size_t log_cap;
    int log_level;
    int echo;
    unsigned violations;
};

/* Shared helpers (fake_host.c). */
void fake_log(cami_test_host *h, const char *who, int level, const char *fmt, ...)
    CAMI_PRINTF(4, 5);
void fake_violation(cami_test_host *h, const char *fmt, ...) CAMI_PRINTF(2, 3);
/* 1 when a loop-thread-only call `fn` is made from the loop thread outside a
 * work function; otherwise records a violation and returns 0. */
int fake_on_loop(cami_test_host *h, const char *fn);

/* Config (fake_config.c). */
int fake_config_check(cami_test_host *h);
void fake_config_free(cami_test_host *h);
int fake_check_schema(const cami_config_key *schema, const char *plugin);
const char *fake_config_string(const cami_plugin *self, const char *key);
int fake_config_int(const cami_plugin *self, const char *key, int64_t *out);
int fake_config_bool(const cami_plugin *self, const char *key, int *out);
int fake_config_double(const cami_plugin *self, const char *key, double *out);
const char *fake_config_list_item(const cami_plugin *self, const char *key, size_t index);

/* Routing and decoding (fake_route.c). */
int fake_route_add(cami_plugin *self, const char *method, const char *path,
                   cami_http_handler handler, void *ud);
void fake_routes_free(cami_test_host *h);
/* Decode len bytes of src ("%XX"; '+' as space when plus) into a new string;
 * NULL on a decoded NUL byte or out of memory. */
char *fake_decode(const char *src, size_t len, int plus);
typedef enum fake_match {
    MATCH_FOUND,
    MATCH_NONE,
    MATCH_METHOD,     /* other methods only: allow filled */
    MATCH_SLASH,      /* path + "/" would match */
    MATCH_BAD,        /* a segment decodes to a NUL byte */
    MATCH_NOMEM
} fake_match;
fake_match fake_route_match(cami_test_host *h, struct cami_request *req, const char *path,
                            size_t len, const fake_route **out, char *allow, size_t allow_len);

/* Requests and responses (fake_request.c, fake_response.c). */
void fake_requests_free(cami_test_host *h);
unsigned fake_requests_pending(const cami_test_host *h);
void fake_requests_abort_all(cami_test_host *h);
int fake_send(struct cami_request *req);
const char *fake_req_method(const cami_request *req);
const char *fake_req_path(const cami_request *req);
const char *fake_req_target(const cami_request *req);
const char *fake_req_param(const cami_request *req, const char *name);
const char *fake_req_query(const cami_request *req, const char *name);
int fake_req_query_at(const cami_request *req, size_t index, const char **name,
                      const char **value);
const char *fake_req_header(const cami_request *req, const char *name);
int fake_req_header_at(const cami_request *req, size_t index, const char **name,
                       const char **value);
const void *fake_req_body(const cami_request *req, size_t *len);
json_t *fake_req_json(cami_request *req, json_error_t *error);
const char *fake_req_id(const cami_request *req);
const char *fake_req_remote_addr(const cami_request *req);
int fake_resp_status(cami_request *req, int status);
int fake_resp_header(cami_request *req, const char *name, const char *value);
int fake_resp_body(cami_request *req, const void *data, size_t len, const char *content_type);
int fake_resp_json(cami_request *req, int status, json_t *body);
int fake_resp_error(cami_request *req, int status, const char *message);
int fake_req_finish(cami_request *req);
int fake_req_aborted(const cami_request *req);
/* For the router's 404/405/301/400 and a failed handler: replace whatever
 * was built (headers too) with a JSON body (stolen) or {"error": message}. */
int fake_reply_json(struct cami_request *req, int status, json_t *body);
int fake_reply_error(struct cami_request *req, int status, const char *message);
/* 1 when a resp_* or req_* call on req is allowed; else a violation. */
int fake_req_usable(const struct cami_request *req, const char *fn);

/* Loop: timers, work, posts (fake_loop.c). */
int fake_work_submit(cami_plugin *self, cami_work_fn work, cami_work_done_fn done, void *ud);
cami_timer *fake_timer_start(cami_plugin *self, uint64_t timeout_ms, uint64_t repeat_ms,
                             cami_timer_fn cb, void *ud);
void fake_timer_stop(cami_timer *timer);
int fake_loop_post(cami_plugin *self, cami_loop_fn cb, void *ud);
uint64_t fake_now_ms(const cami_plugin *self);
/* Stop every timer left; returns how many fired one-shot timers the plugin
 * never stopped. */
unsigned fake_timers_stop_all(cami_test_host *h);
void fake_loop_free(cami_test_host *h);

/* Services (fake_service.c). */
int fake_service_provide(cami_plugin *self, const char *name, uint32_t version,
                         const void *iface, size_t iface_size);
const void *fake_service_get(cami_plugin *self, const char *name, uint32_t min_version,
                             size_t *iface_size);
int fake_service_add(cami_test_host *h, const char *name, uint32_t version, const void *iface,
                     size_t size, int from_test);
void fake_services_free(cami_test_host *h);

/* Bus (fake_bus.c). */
void fake_bus_init(cami_test_host *h);
int fake_bus_publish(cami_plugin *self, const char *topic, json_t *payload);
int fake_bus_subscribe(cami_plugin *self, const char *prefix, cami_event_fn fn, void *ud);
int fake_task_register(cami_plugin *self, const char *name, cami_task_fn fn, void *ud);
int fake_task_submit(cami_plugin *self, const char *name, json_t *args, uint64_t timeout_ms,
                     cami_reply_fn cb, void *ud);
int fake_task_reply(cami_task *task, json_t *result);
int fake_task_fail(cami_task *task, const char *error);
const char *fake_task_name(const cami_task *task);
const char *fake_event_topic(const cami_event *event);
json_t *fake_event_json(const cami_event *event, json_error_t *error);
const char *fake_event_text(const cami_event *event, size_t *len);
/* Deliver queued events, run queued tasks, hand answers to submitters.
 * Returns how many of these it did. */
unsigned fake_bus_run(cami_test_host *h);
/* 1 while a submitter waits for an answer (the loop must go on). */
int fake_bus_waiting(const cami_test_host *h);
/* The earliest reply deadline, or UINT64_MAX. */
uint64_t fake_bus_next_deadline(const cami_test_host *h);
/* Time out the submitters whose deadline is now or past. */
void fake_bus_expire(cami_test_host *h);
/* At stop, before fini: answer the submitters still waiting with
 * CAMI_ESTATE. After fini: the number of tasks the plugin never answered. */
void fake_bus_stop(cami_test_host *h);
unsigned fake_bus_unanswered(const cami_test_host *h);
void fake_bus_free(cami_test_host *h);

#endif
