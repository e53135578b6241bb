/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Status codes with their own counter; the rest share the last one. */
static const int known_status[] = {100, 101, 200, 201, 202, 204, 206, 301, 302, 303, 304, 307,
                                   308, 400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412,
                                   413, 414, 415, 416, 417, 422, 423, 425, 426, 428, 429, 431,
                                   451, 500, 501, 502, 503, 504, 505};
#define NSTATUS (sizeof(known_status) / sizeof(known_status[0]) + 1)

/* Latency buckets in seconds, upper bounds; +Inf is implicit. */
/* The same bounds in ns, compared on every request without floating point. */
static const uint64_t bucket_le_ns[] = {100000,    250000,    500000,     1000000,    2500000,
                                        5000000,   10000000,  25000000,   50000000,   100000000,
                                        250000000, 500000000, 1000000000, 2500000000, 5000000000,
                                        10000000000};
static const double bucket_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                   0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))
_Static_assert(sizeof(bucket_le_ns) / sizeof(bucket_le_ns[0]) == NBUCKETS,
               "bucket bounds in s and ns must match");

typedef struct route_counters {
    uint64_t by_status[NSTATUS];
    uint64_t buckets[NBUCKETS];   /* non-cumulative; summed at render time */
    uint64_t count;
    uint64_t sum_ns;
    uint64_t bytes_out;
    uint64_t handler_ns;
    uint64_t failures;
} route_counters;

typedef struct worker_slot {
    int64_t conns_open;
    uint64_t conns_total;
    uint64_t conns_rejected;
    int32_t running_plugin;
    int32_t pad_;
    uint64_t counters[MC_COUNT];
    route_counters routes[METRICS_MAX_ROUTES];
} worker_slot;

typedef struct route_name {
    char *listener;
    char *method;
    char *tmpl;
    char *plugin;
} route_name;

static worker_slot *g_slots;
static unsigned g_nslots;
static worker_slot *g_mine;
static route_name g_names[METRICS_MAX_ROUTES];
static uint32_t g_nroutes;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ADD(x, v) __atomic_store_n(&(x), LOAD(x) + (v), __ATOMIC_RELAXED)

int metrics_init(unsigned nworkers)
{
    metrics_shutdown();
    if (nworkers == 0)
        nworkers = 1;
    size_t len = sizeof(worker_slot) * nworkers;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    g_slots = p;
    g_nslots = nworkers;
    for (unsigned i = 0; i < nworkers; i++)
        g_slots[i].running_plugin = -1;
    g_mine = &g_slots[0];
    return 0;
}

void metrics_shutdown(void)
{
    if (g_slots)
        munmap(g_slots, sizeof(worker_slot) * g_nslots);
    g_slots = NULL;
    g_mine = NULL;
    g_nslots = 0;
    for (uint32_t i = 0; i < g_nroutes; i++) {
        free(g_names[i].listener);
        free(g_names[i].method);
        free(g_names[i].tmpl);
        free(g_names[i].plugin);
    }
    memset(g_names, 0, sizeof(g_names));
    g_nroutes = 0;
}

void metrics_bind_worker(unsigned slot)
{
    if (g_slots && slot < g_nslots)
        g_mine = &g_slots[slot];
}

uint32_t metrics_route_register(const char *listener, const char *method, const char *tmpl,
                                const char *plugin)
{
    if (g_nroutes >= METRICS_MAX_ROUTES - 1)
        return METRICS_MAX_ROUTES - 1;
    route_name *n = &g_names[g_nroutes];
    n->listener = strdup(listener ? listener : "");
    n->method = strdup(method ? method : "");
    n->tmpl = strdup(tmpl ? tmpl : "(unmatched)");
    n->plugin = strdup(plugin ? plugin : "");
    return g_nroutes++;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (known_status[i] == status)
            return i;
    return NSTATUS - 1;
}

void metrics_request_done(uint32_t route_id, int status, uint64_t duration_ns, size_t bytes_out)
{
    if (!g_mine || route_id >= METRICS_MAX_ROUTES)
        return;
    route_counters *rc = &g_mine->routes[route_id];
    ADD(rc->by_status[status_index(status)], 1);
    size_t b = 0;
    while (b < NBUCKETS && duration_ns > bucket_le_ns[b])
        b++;
    if (b < NBUCKETS)
        ADD(rc->buckets[b], 1);
    ADD(rc->count, 1);
    ADD(rc->sum_ns, duration_ns);
    ADD(rc->bytes_out, bytes_out);
}

void metrics_handler_time(uint32_t route_id, uint64_t ns)
{
    if (g_mine && route_id < METRICS_MAX_ROUTES)
        ADD(g_mine->routes[route_id].handler_ns, ns);
}

void metrics_handler_failed(uint32_t route_id)
{
    if (g_mine && route_id < METRICS_MAX_ROUTES)
        ADD(g_mine->routes[route_id].failures, 1);
}

void metrics_conn_opened(void)
{
    if (!g_mine)
        return;
    ADD(g_mine->conns_open, 1);
    ADD(g_mine->conns_total, 1);
}

void metrics_conn_closed(void)
{
    if (g_mine)
        ADD(g_mine->conns_open, -1);
}

void metrics_conn_rejected(void)
{
    if (g_mine)
        ADD(g_mine->conns_rejected, 1);
}

static const struct {
    const char *name;
    const char *help;
} counter_info[MC_COUNT] = {
    [MC_BUS_EVENTS_PUBLISHED] = {"camid_bus_events_published_total", "Events published by plugins."},
    [MC_BUS_EVENTS_DELIVERED] = {"camid_bus_events_delivered_total", "Event deliveries to subscribers."},
    [MC_BUS_EVENTS_OUT] = {"camid_bus_events_out_total", "Events sent to partner services."},
    [MC_BUS_EVENTS_OUT_DROPPED] = {"camid_bus_events_out_dropped_total",
                                   "Events not sent to partners: high-water mark reached."},
    [MC_BUS_EVENTS_IN] = {"camid_bus_events_in_total", "Events received from partner services."},
    [MC_BUS_EVENTS_IN_INVALID] = {"camid_bus_events_in_invalid_total",
                                  "Malformed events from partners, dropped."},
    [MC_BUS_TASKS_SUBMITTED] = {"camid_bus_tasks_submitted_total", "Tasks submitted (plugins and partners)."},
    [MC_BUS_TASKS_COMPLETED] = {"camid_bus_tasks_completed_total", "Tasks answered with a result."},
    [MC_BUS_TASKS_FAILED] = {"camid_bus_tasks_failed_total", "Tasks answered with an error by their handler."},
    [MC_BUS_TASKS_REFUSED] = {"camid_bus_tasks_refused_total",
                              "Tasks refused: malformed, not allowed, unknown or busy."},
    [MC_BUS_TASKS_TIMED_OUT] = {"camid_bus_tasks_timed_out_total", "Tasks not answered in time."},
    [MC_BUS_HANDLER_ERRORS] = {"camid_bus_handler_errors_total", "Event handlers that returned an error."},
};

void metrics_count(metric_counter c, uint64_t n)
{
    if (g_mine && c < MC_COUNT)
        ADD(g_mine->counters[c], n);
}

void metrics_set_running_plugin(int plugin_index)
{
    if (g_mine)
        __atomic_store_n(&g_mine->running_plugin, plugin_index, __ATOMIC_RELAXED);
}

int metrics_running_plugin(unsigned slot)
{
    if (!g_slots || slot >= g_nslots)
        return -1;
    return LOAD(g_slots[slot].running_plugin);
}

/* Label values escape backslash, quote and newline (Prometheus text format). */
static int put_label(buf *out, const char *name, const char *value, int first)
{
    if (!first && BUF_LIT(out, ",") < 0)
        return -1;
    if (buf_append_str(out, name) < 0 || BUF_LIT(out, "=\"") < 0)
        return -1;
    for (const char *p = value; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
        if (esc ? buf_append_str(out, esc) < 0 : buf_append(out, p, 1) < 0)
            return -1;
    }
    return BUF_LIT(out, "\"");
}

static int put_route_labels(buf *out, const route_name *n)
{
    return put_label(out, "listener", n->listener, 1) | put_label(out, "route", n->tmpl, 0) |
           put_label(out, "method", n->method[0] ? n->method : "-", 0) |
           put_label(out, "plugin", n->plugin[0] ? n->plugin : "-", 0);
}

static void sum_route(uint32_t id, route_counters *acc)
{
    memset(acc, 0, sizeof(*acc));
    for (unsigned w = 0; w < g_nslots; w++) {
        const route_counters *rc = &g_slots[w].routes[id];
        for (size_t i = 0; i < NSTATUS; i++)
            acc->by_status[i] += LOAD(rc->by_status[i]);
        for (size_t i = 0; i < NBUCKETS; i++)
            acc->buckets[i] += LOAD(rc->buckets[i]);
        acc->count += LOAD(rc->count);
        acc->sum_ns += LOAD(rc->sum_ns);
        acc->bytes_out += LOAD(rc->bytes_out);
        acc->handler_ns += LOAD(rc->handler_ns);
        acc->failures += LOAD(rc->failures);
    }
}

typedef struct plugin_acc {
    const char *name;
    uint64_t requests, failures, handler_ns;
} plugin_acc;

int metrics_render(buf *out)
{
    int rc = 0;
    if (!g_slots)
        return 0;
    route_counters *acc = malloc(sizeof(*acc) * (g_nroutes ? g_nroutes : 1));
    plugin_acc *plugins = calloc(g_nroutes ? g_nroutes : 1, sizeof(*plugins));
    size_t nplugins = 0;
    if (!acc || !plugins) {
        free(acc);
        free(plugins);
        return -1;
    }
    for (uint32_t i = 0; i < g_nroutes; i++)
        sum_route(i, &acc[i]);

    rc |= buf_append_str(out, "# HELP camid_http_requests_total HTTP requests answered, by route and status.\n"
                              "# TYPE camid_http_requests_total counter\n");
    for (uint32_t i = 0; i < g_nroutes; i++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            if (!acc[i].by_status[s])
                continue;
            char code[8];
            if (s < NSTATUS - 1)
                snprintf(code, sizeof(code), "%d", known_status[s]);
            else
                snprintf(code, sizeof(code), "other");
            rc |= BUF_LIT(out, "camid_http_requests_total{");
            rc |= put_route_labels(out, &g_names[i]);
            rc |= put_label(out, "status", code, 0);
            rc |= buf_printf(out, "} %llu\n", (unsigned long long)acc[i].by_status[s]);
        }
    }

    rc |= buf_append_str(out, "# HELP camid_http_request_duration_seconds Time from the first byte of a "
                              "request to its response being queued.\n"
                              "# TYPE camid_http_request_duration_seconds histogram\n");
    for (uint32_t i = 0; i < g_nroutes; i++) {
        if (!acc[i].count)
            continue;
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            char le[32];
            if (b < NBUCKETS) {
                cum += acc[i].buckets[b];
                snprintf(le, sizeof(le), "%g", bucket_le[b]);
            } else {
                cum = acc[i].count;
                snprintf(le, sizeof(le), "+Inf");
            }
            rc |= BUF_LIT(out, "camid_http_request_duration_seconds_bucket{");
            rc |= put_route_labels(out, &g_names[i]);
            rc |= put_label(out, "le", le, 0);
            rc |= buf_printf(out, "} %llu\n", (unsigned long long)cum);
        }
        rc |= BUF_LIT(out, "camid_http_request_duration_seconds_sum{");
        rc |= put_route_labels(out, &g_names[i]);
        rc |= buf_printf(out, "} %.9f\n", (double)acc[i].sum_ns / 1e9);
        rc |= BUF_LIT(out, "camid_http_request_duration_seconds_count{");
        rc |= put_route_labels(out, &g_names[i]);
        rc |= buf_printf(out, "} %llu\n", (unsigned long long)acc[i].count);
    }

    rc |= buf_append_str(out, "# HELP camid_http_response_bytes_total Response bytes queued, by route.\n"
                              "# TYPE camid_http_response_bytes_total counter\n");
    for (uint32_t i = 0; i < g_nroutes; i++) {
        if (!acc[i].count)
            continue;
        rc |= BUF_LIT(out, "camid_http_response_bytes_total{");
        rc |= put_route_labels(out, &g_names[i]);
        rc |= buf_printf(out, "} %llu\n", (unsigned long long)acc[i].bytes_out);
    }

    int64_t open = 0;
    uint64_t total = 0, rejected = 0;
    for (unsigned w = 0; w < g_nslots; w++) {
        open += LOAD(g_slots[w].conns_open);
        total += LOAD(g_slots[w].conns_total);
        rejected += LOAD(g_slots[w].conns_rejected);
    }
    rc |= buf_printf(out,
                     "# HELP camid_http_connections_open Client connections open now.\n"
                     "# TYPE camid_http_connections_open gauge\n"
                     "camid_http_connections_open %lld\n"
                     "# HELP camid_http_connections_total Client connections accepted.\n"
                     "# TYPE camid_http_connections_total counter\n"
                     "camid_http_connections_total %llu\n"
                     "# HELP camid_http_connections_rejected_total Connections refused with 503 "
                     "(max_connections).\n"
                     "# TYPE camid_http_connections_rejected_total counter\n"
                     "camid_http_connections_rejected_total %llu\n"
                     "# HELP camid_workers Worker processes configured.\n"
                     "# TYPE camid_workers gauge\n"
                     "camid_workers %u\n",
                     (long long)open, (unsigned long long)total, (unsigned long long)rejected,
                     g_nslots);

    for (int k = 0; k < MC_COUNT; k++) {
        uint64_t sum = 0;
        for (unsigned w = 0; w < g_nslots; w++)
            sum += LOAD(g_slots[w].counters[k]);
        rc |= buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counter_info[k].name,
                         counter_info[k].help, counter_info[k].name, counter_info[k].name,
                         (unsigned long long)sum);
    }

    /* Per-plugin figures are the sums over each plugin's routes. */
    for (uint32_t i = 0; i < g_nroutes; i++) {
        const char *pn = g_names[i].plugin;
        if (!pn[0])
            continue;
        size_t k = 0;
        while (k < nplugins && strcmp(plugins[k].name, pn) != 0)
            k++;
        if (k == nplugins)
            plugins[nplugins++].name = pn;
        plugins[k].requests += acc[i].count;
        plugins[k].failures += acc[i].failures;
        plugins[k].handler_ns += acc[i].handler_ns;
    }
    rc |= buf_append_str(out, "# HELP camid_plugin_requests_total Requests routed to each plugin.\n"
                              "# TYPE camid_plugin_requests_total counter\n");
    for (size_t k = 0; k < nplugins; k++)
        rc |= buf_printf(out, "camid_plugin_requests_total{plugin=\"%s\"} %llu\n", plugins[k].name,
                         (unsigned long long)plugins[k].requests);
    rc |= buf_append_str(out, "# HELP camid_plugin_failures_total Handler calls that failed (500).\n"
                              "# TYPE camid_plugin_failures_total counter\n");
    for (size_t k = 0; k < nplugins; k++)
        rc |= buf_printf(out, "camid_plugin_failures_total{plugin=\"%s\"} %llu\n", plugins[k].name,
                         (unsigned long long)plugins[k].failures);
    rc |= buf_append_str(out, "# HELP camid_plugin_handler_seconds_total Loop time spent inside each "
                              "plugin's handlers.\n"
                              "# TYPE camid_plugin_handler_seconds_total counter\n");
    for (size_t k = 0; k < nplugins; k++)
        rc |= buf_printf(out, "camid_plugin_handler_seconds_total{plugin=\"%s\"} %.9f\n",
                         plugins[k].name, (double)plugins[k].handler_ns / 1e9);
    free(acc);
    free(plugins);
    return rc ? -1 : 0;
}
