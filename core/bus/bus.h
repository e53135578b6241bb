/*
 * bus.h - the message bus of one worker: subscriptions and task handlers
 * registered by plugins, in-process delivery, and the partner endpoints
 * (ZeroMQ) configured in [bus].
 *
 * Inside a worker, events and tasks go through in-process queues drained by
 * the loop (never re-entering the caller). Worker 0 owns the partner
 * endpoints; other workers forward the events they let out to it over an
 * ipc socket. See docs/BUS.md for the wire format and docs/ARCHITECTURE.md
 * for why.
 */
#ifndef CORE_BUS_BUS_H
#define CORE_BUS_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include <cami/host.h>

#include "config.h"
#include "diag.h"

typedef struct bus_config {
    char *events_out;          /* endpoints; NULL: off */
    char *events_in;
    char *tasks_in;
    char *events_out_topics;   /* prefix lists as written; NULL: all */
    char *events_in_topics;
    char *tasks_in_names;
    int send_hwm;
    int recv_hwm;
    uint64_t task_timeout_ms;
    size_t max_pending_tasks;
} bus_config;

/* Read and check [bus] (absent: no partner endpoints). Problems go to d
 * with file:line. Returns the number of problems. */
int bus_config_read(bus_config *cfg, const conf *c, diag *d);
void bus_config_free(bus_config *cfg);

/* Prepare the registries (before plugins' init). loop may be NULL (camid
 * -t: registrations only). */
void bus_init(uv_loop_t *loop, const bus_config *cfg);
/* Open the partner endpoints (worker `slot` of `nworkers`; slot 0 binds).
 * 0, or -1 after logging which endpoint failed and why. */
int bus_open(unsigned slot, unsigned nworkers);
/* Stop: close endpoints, answer every queued or running task with an error
 * (callbacks still run, before plugins' fini), drop queued events. */
void bus_shutdown(void);
/* Free everything (after the loop ended; waits for ZeroMQ's linger). */
void bus_free(void);

/* Forget what plugin p registered (its fini ran). */
void bus_drop_plugin(struct cami_plugin *p);

/* Host-table implementations (sdk/include/cami/bus.h). */
int bus_publish(cami_plugin *self, const char *topic, json_t *payload);
int bus_subscribe(cami_plugin *self, const char *prefix, cami_event_fn fn, void *ud);
int bus_task_register(cami_plugin *self, const char *name, cami_task_fn fn, void *ud);
int bus_task_submit(cami_plugin *self, const char *name, json_t *args, uint64_t timeout_ms,
                    cami_reply_fn cb, void *ud);
int bus_task_reply(cami_task *task, json_t *result);
int bus_task_fail(cami_task *task, const char *error);
const char *bus_task_name(const cami_task *task);
const char *bus_event_topic(const cami_event *event);
json_t *bus_event_json(const cami_event *event, json_error_t *error);
const char *bus_event_text(const cami_event *event, size_t *len);

#endif
