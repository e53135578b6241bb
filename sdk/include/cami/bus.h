/*
 * bus.h - the message bus: events, tasks and request/reply between plugins
 * and with partner services. Since ABI 1.1.
 *
 * Events. A plugin publishes a JSON payload on a topic ("measurement.weight");
 * every subscription whose prefix matches the topic ("measurement." or
 * "measurement.weight" or "") gets it, once, on the loop thread, after the
 * publishing call has returned (never from inside it). Inside one host an
 * event never leaves the process that published it; topics the admin lets
 * out (docs/BUS.md) are also sent to partner services, and partners' events
 * on topics the admin lets in are delivered to subscribers like local ones.
 *
 * Tasks. A plugin registers a handler for a task name ("withings.fetch");
 * exactly one handler exists per name in a host (a second registration is a
 * load-time refusal naming both plugins). Anyone - a plugin, a partner
 * service, `camictl task` - submits a task with JSON arguments; the handler
 * runs once and answers with a result or an error. A submitter that passes a
 * reply callback gets that answer (request/reply) or, after its timeout, an
 * error; without a callback the task is fire-and-forget.
 *
 * Delivery is at-most-once (ZeroMQ semantics): work that must not be lost
 * belongs in the store's job table (see DESIGN.md), with the bus as the
 * doorbell.
 *
 * Every call: Thread: loop. Functions that take a json_t * steal the
 * reference in every case, including on error. Payloads handed to callbacks
 * are borrowed: json_incref() them to keep them. An event is handed to
 * subscribers as a cami_event handle: topic and payload are read through
 * accessors, so a subscriber that only counts, routes or forwards events by
 * topic never pays for parsing JSON.
 */
#ifndef CAMI_BUS_H
#define CAMI_BUS_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * cami_bus_publish - publish `payload` (any JSON value) on `topic`.
 * topic: 1-255 bytes of [A-Za-z0-9._-].
 * Errors: CAMI_EINVAL (bad topic, NULL payload), CAMI_ENOMEM, CAMI_ENOTSUP
 * (host older than ABI 1.1). An event that a partner endpoint cannot take
 * (high-water mark reached) is dropped and counted, not an error here.
 * Since ABI 1.1.
 */
static inline int cami_bus_publish(cami_plugin *self, const char *topic, json_t *payload)
{
    if (!CAMI_HAS(cami_host_, bus_publish)) {
        json_decref(payload);
        return CAMI_ENOTSUP;
    }
    return cami_host_->bus_publish(self, topic, payload);
}

/*
 * cami_bus_subscribe - call fn(self, event, ud) for every event whose topic
 * starts with `prefix` ("" = all). fn reads the event through
 * cami_event_topic / cami_event_json / cami_event_text (the payload is
 * parsed only if a subscriber asks for it) and returns CAMI_OK, or a
 * negative code that the host logs and counts (the other subscribers still
 * get the event). The event handle is valid only during the call.
 * Thread: loop, during init only. Errors: CAMI_EINVAL, CAMI_ESTATE (not in
 * init), CAMI_ENOTSUP. A handler must not block; what it needs to do at
 * length it offloads. Since ABI 1.1.
 */
static inline int cami_bus_subscribe(cami_plugin *self, const char *prefix, cami_event_fn fn,
                                     void *ud)
{
    if (!CAMI_HAS(cami_host_, bus_subscribe))
        return CAMI_ENOTSUP;
    return cami_host_->bus_subscribe(self, prefix, fn, ud);
}

/* The event's topic ("measurement.weight"). Valid during the handler call.
 * Since ABI 1.1. */
static inline const char *cami_event_topic(const cami_event *event)
{
    return cami_host_->event_topic(event);
}

/*
 * cami_event_json - the payload as JSON, parsed on the first call and shared
 * by all subscribers. Borrowed: valid during the handler call; json_incref()
 * it to keep it. Returns NULL (reason in *error when error is not NULL) when
 * the payload cannot be decoded - partners' events are checked on arrival,
 * so this is rare (e.g. an integer too big for json_int_t); the host counts
 * it as an invalid event. Since ABI 1.1.
 */
static inline json_t *cami_event_json(const cami_event *event, json_error_t *error)
{
    return cami_host_->event_json(event, error);
}

/* The payload as compact JSON text, not NUL-terminated: *len bytes. For a
 * plugin that forwards or stores events without looking inside. Valid during
 * the handler call; NULL only when out of memory. Since ABI 1.1. */
static inline const char *cami_event_text(const cami_event *event, size_t *len)
{
    return cami_host_->event_text(event, len);
}

/*
 * cami_task_register - handle task `name` (same characters as a topic) with
 * fn(task, args, ud). fn returns CAMI_OK after cami_task_reply() or
 * cami_task_fail(); CAMI_PENDING to answer later (from the loop thread);
 * a negative code to fail the task with a generic error.
 * Thread: loop, during init only. Errors: CAMI_EINVAL; CAMI_EEXIST (another
 * plugin handles `name`; the host refuses to load, naming both);
 * CAMI_ESTATE; CAMI_ENOTSUP. Since ABI 1.1.
 */
static inline int cami_task_register(cami_plugin *self, const char *name, cami_task_fn fn,
                                     void *ud)
{
    if (!CAMI_HAS(cami_host_, task_register))
        return CAMI_ENOTSUP;
    return cami_host_->task_register(self, name, fn, ud);
}

/*
 * cami_task_submit - run task `name` with `args` (stolen; NULL means {}).
 * With cb, cb(self, status, result, error, ud) runs exactly once on the loop
 * thread: status CAMI_OK with the handler's result (borrowed), or a negative
 * status with an error text: CAMI_ENOENT (no handler for `name`),
 * CAMI_EFAIL (the handler failed; error says why), CAMI_ETIMEDOUT (no answer
 * within timeout_ms; 0 = the host's default), CAMI_ESTATE (host stopping).
 * Without cb the task runs and its answer is discarded.
 * Returns CAMI_OK when the task was queued; CAMI_EINVAL, CAMI_ENOMEM,
 * CAMI_EBUSY (max_pending_tasks reached), CAMI_ENOTSUP otherwise (cb is
 * then not called). Since ABI 1.1.
 */
static inline int cami_task_submit(cami_plugin *self, const char *name, json_t *args,
                                   uint64_t timeout_ms, cami_reply_fn cb, void *ud)
{
    if (!CAMI_HAS(cami_host_, task_submit)) {
        json_decref(args);
        return CAMI_ENOTSUP;
    }
    return cami_host_->task_submit(self, name, args, timeout_ms, cb, ud);
}

/*
 * cami_task_reply / cami_task_fail - answer a task: a result (stolen; NULL
 * means null) or an error text (copied). After either call `task` is gone.
 * Errors: CAMI_ESTATE (already answered). Since ABI 1.1.
 */
static inline int cami_task_reply(cami_task *task, json_t *result)
{
    return cami_host_->task_reply(task, result);
}

static inline int cami_task_fail(cami_task *task, const char *error)
{
    return cami_host_->task_fail(task, error);
}

/* The task's name; owned by the host, valid until the task is answered.
 * Since ABI 1.1. */
static inline const char *cami_task_name(const cami_task *task)
{
    return cami_host_->task_name(task);
}

#ifdef __cplusplus
}
#endif
#endif
