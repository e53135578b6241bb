/*
 * busbed.c - a plugin for the bus's integration tests (tests/integration/
 * test_bus.py): it counts the events it hears, fails on purpose, answers
 * tasks late or not at all, and calls tasks itself, so the host's bus paths
 * can be driven from outside. Built only for `make check`, never installed.
 *
 * Events:
 *   "bus."       counted per topic (and in total)
 *   "bus.fail"   a second subscriber that always fails (CAMI_EFAIL): the
 *                counting one must still get every such event
 * Tasks:
 *   busbed.echo     replies its args
 *   busbed.fail     fails with the text "busbed.fail was asked to fail"
 *   busbed.slow     {"ms": N}: replies {"slept": N} N ms later, from a timer
 *   busbed.call     {"name": T, "args": A, "timeout": MS}: submits task T
 *                   and replies {"status": "CAMI_OK"|..., "result", "error"}
 *   busbed.publish  {"topic": T, "payload": P, "n": N (default 1)}: publishes
 *   busbed.count    {"topic": T} (optional): {"count": n, "pid": pid}
 * Routes:
 *   GET /busbed/count?topic=T    {"count": n} (no topic: all "bus." events)
 *   GET /busbed/burst?n=N&topic=T  publishes N events {"i": i} on T
 *                                (default "bus.local"): {"published": N, "pid"}
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cami/cami.h>

#define MAX_TOPICS 256
#define BURST_MAX 10000000u
#define SLOW_MAX_MS 600000u

static struct {
    cami_plugin *self;
    struct {
        char *topic;
        json_int_t count;
    } topics[MAX_TOPICS];
    size_t ntopics;
    json_int_t total;
} bb;

/* ---- counting ----------------------------------------------------------------- */

static json_int_t *counter(const char *topic, int create)
{
    for (size_t i = 0; i < bb.ntopics; i++)
        if (strcmp(bb.topics[i].topic, topic) == 0)
            return &bb.topics[i].count;
    if (!create || bb.ntopics == MAX_TOPICS)
        return NULL;
    bb.topics[bb.ntopics].topic = strdup(topic);
    if (bb.topics[bb.ntopics].topic == NULL)
        return NULL;
    bb.topics[bb.ntopics].count = 0;
    return &bb.topics[bb.ntopics++].count;
}

static int on_bus_event(cami_plugin *self, const cami_event *event, void *ud)
{
    json_int_t *c = counter(cami_event_topic(event), 1);

    bb.total++;
    if (c == NULL)
        return CAMI_ENOMEM;
    /* Every payload must decode: this is what partners and plugins sent. */
    if (cami_event_json(event, NULL) == NULL)
        return CAMI_EINVAL;
    (*c)++;
    return CAMI_OK;
}

static int on_fail_event(cami_plugin *self, const cami_event *event, void *ud)
{
    return CAMI_EFAIL;
}

static json_int_t count_of(const char *topic)
{
    const json_int_t *c;

    if (topic == NULL)
        return bb.total;
    c = counter(topic, 0);
    return c != NULL ? *c : 0;
}

/* ---- tasks ---------------------------------------------------------------------- */

static int t_echo(cami_task *task, json_t *args, void *ud)
{
    return cami_task_reply(task, json_incref(args));
}

static int t_fail(cami_task *task, json_t *args, void *ud)
{
    return cami_task_fail(task, "busbed.fail was asked to fail");
}

static void slow_fire(cami_timer *timer, void *ud)
{
    cami_task *task = ud;

    cami_timer_stop(timer);
    /* The caller may have timed out: the answer is then dropped by the host. */
    if (cami_task_reply(task, json_pack("{s:b}", "slept", 1)) != CAMI_OK)
        cami_log(bb.self, CAMI_LOG_WARN, "busbed.slow: the reply was refused");
}

static int t_slow(cami_task *task, json_t *args, void *ud)
{
    json_t *ms = json_object_get(args, "ms");

    if (!json_is_integer(ms) || json_integer_value(ms) < 0 ||
        json_integer_value(ms) > SLOW_MAX_MS)
        return cami_task_fail(task, "busbed.slow needs {\"ms\": 0..600000}");
    if (cami_timer_start(bb.self, (uint64_t)json_integer_value(ms), 0, slow_fire, task) == NULL)
        return CAMI_ENOMEM;
    return CAMI_PENDING;
}

static const char *status_name(int status)
{
    switch (status) {
    case CAMI_OK: return "CAMI_OK";
    case CAMI_ENOENT: return "CAMI_ENOENT";
    case CAMI_EFAIL: return "CAMI_EFAIL";
    case CAMI_ETIMEDOUT: return "CAMI_ETIMEDOUT";
    case CAMI_ESTATE: return "CAMI_ESTATE";
    case CAMI_EBUSY: return "CAMI_EBUSY";
    case CAMI_EINVAL: return "CAMI_EINVAL";
    case CAMI_ENOMEM: return "CAMI_ENOMEM";
    }
    return "other";
}

/* What came back to busbed.call's inner task, as the outer task's result. */
static json_t *outcome(int status, json_t *result, const char *error)
{
    return json_pack("{s:s,s:O?,s:s?}", "status", status_name(status), "result", result,
                     "error", error);
}

static void call_answered(cami_plugin *self, int status, json_t *result, const char *error,
                          void *ud)
{
    cami_task *outer = ud;

    if (cami_task_reply(outer, outcome(status, result, error)) != CAMI_OK)
        cami_log(self, CAMI_LOG_WARN, "busbed.call: the reply was refused");
}

static int t_call(cami_task *task, json_t *args, void *ud)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    json_t *timeout = json_object_get(args, "timeout");
    int rc;

    if (name == NULL || (timeout != NULL && (!json_is_integer(timeout) ||
                                             json_integer_value(timeout) < 0)))
        return cami_task_fail(task, "busbed.call needs {\"name\": T, \"args\": A, "
                                    "\"timeout\": MS}");
    rc = cami_task_submit(bb.self, name, json_incref(json_object_get(args, "args")),
                          timeout != NULL ? (uint64_t)json_integer_value(timeout) : 0,
                          call_answered, task);
    if (rc != CAMI_OK)   /* refused at once: no callback will come */
        return cami_task_reply(task, outcome(rc, NULL, "cami_task_submit refused it"));
    return CAMI_PENDING;
}

static int publish_n(const char *topic, json_t *payload, json_int_t n)
{
    for (json_int_t i = 0; i < n; i++) {
        int rc = cami_bus_publish(bb.self, topic, payload != NULL ? json_incref(payload)
                                                                  : json_pack("{s:I}", "i", i));

        if (rc != CAMI_OK)
            return rc;
    }
    return CAMI_OK;
}

static int t_publish(cami_task *task, json_t *args, void *ud)
{
    const char *topic = json_string_value(json_object_get(args, "topic"));
    json_t *payload = json_object_get(args, "payload");
    json_t *n = json_object_get(args, "n");
    json_int_t count = n != NULL ? json_integer_value(n) : 1;
    int rc;

    if (topic == NULL || payload == NULL || (n != NULL && !json_is_integer(n)) || count < 0 ||
        count > BURST_MAX)
        return cami_task_fail(task, "busbed.publish needs {\"topic\": T, \"payload\": P, "
                                    "\"n\": N}");
    rc = publish_n(topic, payload, count);
    if (rc != CAMI_OK)
        return rc;
    return cami_task_reply(task, json_pack("{s:I}", "published", count));
}

static int t_count(cami_task *task, json_t *args, void *ud)
{
    return cami_task_reply(task, json_pack("{s:I,s:i}", "count",
                                           count_of(json_string_value(
                                               json_object_get(args, "topic"))),
                                           "pid", (int)getpid()));
}

/* ---- routes ------------------------------------------------------------------------ */

static int get_count(cami_request *req, void *ud)
{
    return cami_resp_json(req, 200, json_pack("{s:I}", "count",
                                              count_of(cami_req_query(req, "topic"))));
}

static int get_burst(cami_request *req, void *ud)
{
    const char *n_text = cami_req_query(req, "n");
    const char *topic = cami_req_query(req, "topic");
    char *end = NULL;
    unsigned long n = n_text != NULL ? strtoul(n_text, &end, 10) : 0;
    int rc;

    if (n_text == NULL || *n_text == '\0' || *end != '\0' || n > BURST_MAX)
        return cami_resp_error(req, 400, "n must be an integer from 0 to 10000000");
    rc = publish_n(topic != NULL ? topic : "bus.local", NULL, (json_int_t)n);
    if (rc == CAMI_EINVAL)
        return cami_resp_error(req, 400, "topic is not a valid topic");
    if (rc != CAMI_OK)
        return rc;
    return cami_resp_json(req, 200, json_pack("{s:I,s:i}", "published", (json_int_t)n, "pid",
                                              (int)getpid()));
}

/* ---- life cycle --------------------------------------------------------------------- */

static int bb_init(cami_plugin *self)
{
    static const struct {
        const char *name;
        cami_task_fn fn;
    } tasks[] = {
        { "busbed.echo", t_echo },       { "busbed.fail", t_fail },
        { "busbed.slow", t_slow },       { "busbed.call", t_call },
        { "busbed.publish", t_publish }, { "busbed.count", t_count },
    };
    int rc;

    bb.self = self;
    if ((rc = cami_bus_subscribe(self, "bus.", on_bus_event, NULL)) != CAMI_OK ||
        (rc = cami_bus_subscribe(self, "bus.fail", on_fail_event, NULL)) != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot subscribe (%d)", rc);
        return rc;
    }
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
        rc = cami_task_register(self, tasks[i].name, tasks[i].fn, NULL);
        if (rc != CAMI_OK) {
            cami_log(self, CAMI_LOG_ERROR, "cannot register %s (%d)", tasks[i].name, rc);
            return rc;
        }
    }
    if ((rc = cami_route_add(self, "GET", "/busbed/count", get_count, NULL)) != CAMI_OK ||
        (rc = cami_route_add(self, "GET", "/busbed/burst", get_burst, NULL)) != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot add a route (%d)", rc);
        return rc;
    }
    return CAMI_OK;
}

static void bb_fini(cami_plugin *self)
{
    for (size_t i = 0; i < bb.ntopics; i++)
        free(bb.topics[i].topic);
    bb.ntopics = 0;
}

CAMI_PLUGIN(busbed, "1.0.0", "Bus paths for camid's integration tests", .init = bb_init,
            .fini = bb_fini);
