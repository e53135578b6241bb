/*
 * benchbus.c - the plugin bench/bus.sh measures the bus through: the
 * cheapest honest handlers, so the figures are the host's cost, not the
 * plugin's. Built for `make check`, never installed.
 *
 *   events "bench."        counted, with the monotonic time of the first and
 *                          the last one
 *   task   bench.echo      replies its args
 *   GET /benchbus/stats    {"count": n, "first_ns": t0, "last_ns": t1}
 *   GET /benchbus/reset    zeroes the count (before a measured run)
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */

#include <time.h>

#include <cami/cami.h>

static struct {
    json_int_t count;
    json_int_t first_ns, last_ns;
} bench;

static json_int_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Counts only: what the bench measures is the bus, not jansson. A
 * subscriber that calls cami_event_json pays for the parse (PERFORMANCE.md). */
static int on_bench(cami_plugin *self, const cami_event *event, void *ud)
{
    bench.last_ns = mono_ns();
    if (bench.count++ == 0)
        bench.first_ns = bench.last_ns;
    return CAMI_OK;
}

static int t_echo(cami_task *task, json_t *args, void *ud)
{
    return cami_task_reply(task, json_incref(args));
}

static int get_stats(cami_request *req, void *ud)
{
    return cami_resp_json(req, 200, json_pack("{s:I,s:I,s:I}", "count", bench.count,
                                              "first_ns", bench.first_ns, "last_ns",
                                              bench.last_ns));
}

static int get_reset(cami_request *req, void *ud)
{
    bench.count = bench.first_ns = bench.last_ns = 0;
    return cami_resp_json(req, 200, json_pack("{s:I}", "count", bench.count));
}

static int bb_init(cami_plugin *self)
{
    int rc;

    if ((rc = cami_bus_subscribe(self, "bench.", on_bench, NULL)) != CAMI_OK ||
        (rc = cami_task_register(self, "bench.echo", t_echo, NULL)) != CAMI_OK ||
        (rc = cami_route_add(self, "GET", "/benchbus/stats", get_stats, NULL)) != CAMI_OK ||
        (rc = cami_route_add(self, "GET", "/benchbus/reset", get_reset, NULL)) != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot register (%d)", rc);
        return rc;
    }
    return CAMI_OK;
}

CAMI_PLUGIN(benchbus, "1.0.0", "Bus handlers for bench/bus.sh", .init = bb_init);
