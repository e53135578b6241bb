/*
 * metrics.h - request counters, latency histograms and gauges, rendered in
 * the Prometheus text format at /metrics.
 *
 * Workers are separate processes, yet a scrape must see the whole host, so
 * the counters live in one shared anonymous mapping made before the workers
 * fork: each worker writes only its own slot (no locks), and /metrics sums
 * all slots. A replacement worker takes over its predecessor's slot without
 * zeroing it, so counters stay monotonic across worker restarts.
 *
 * Route ids are handed out in registration order, which is the same in every
 * worker (same config, same plugin order), so slot layouts agree.
 */
#ifndef CORE_METRICS_H
#define CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_MAX_ROUTES 1024

/* Create the shared region for `nworkers` slots. Call once, before fork.
 * Returns 0, or -1 when the mapping fails. */
int metrics_init(unsigned nworkers);
void metrics_shutdown(void);
/* Select the slot this process writes. */
void metrics_bind_worker(unsigned slot);

/* Register a route (or, with method NULL, a listener's "unmatched" pseudo
 * route). Returns its id; METRICS_MAX_ROUTES-1 is the overflow bucket. */
uint32_t metrics_route_register(const char *listener, const char *method, const char *tmpl,
                                const char *plugin);

/* Record one finished request. */
void metrics_request_done(uint32_t route_id, int status, uint64_t duration_ns, size_t bytes_out);
/* Record time spent inside a plugin handler, and a handler failure. */
void metrics_handler_time(uint32_t route_id, uint64_t ns);
void metrics_handler_failed(uint32_t route_id);
void metrics_conn_opened(void);
void metrics_conn_closed(void);
void metrics_conn_rejected(void);   /* refused with 503: max_connections */

/* Plain counters of subsystems other than HTTP (rendered with their HELP
 * text by metrics_render). */
typedef enum metric_counter {
    MC_BUS_EVENTS_PUBLISHED = 0,
    MC_BUS_EVENTS_DELIVERED,
    MC_BUS_EVENTS_OUT,
    MC_BUS_EVENTS_OUT_DROPPED,
    MC_BUS_EVENTS_IN,
    MC_BUS_EVENTS_IN_INVALID,
    MC_BUS_TASKS_SUBMITTED,
    MC_BUS_TASKS_COMPLETED,
    MC_BUS_TASKS_FAILED,
    MC_BUS_TASKS_REFUSED,
    MC_BUS_TASKS_TIMED_OUT,
    MC_BUS_HANDLER_ERRORS,
    MC_COUNT
} metric_counter;

void metrics_count(metric_counter c, uint64_t n);

/* Which plugin this worker is running code of, for crash reports. -1: none. */
void metrics_set_running_plugin(int plugin_index);
int metrics_running_plugin(unsigned slot);

/* Render everything as Prometheus text into out. 0 or -1 (out of memory). */
int metrics_render(buf *out);

#endif
