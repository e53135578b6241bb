/* worker.c - see worker.h. */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "async.h"
#include "bus/bus.h"
#include "log.h"
#include "metrics.h"

typedef struct worker {
    runtime *rt;
    uv_loop_t *loop;
    uv_signal_t sigterm, sigint, sighup;
    uv_prepare_t flush;
    uv_timer_t finish;      /* waits for pool work after plugins stopped */
    uv_timer_t hard_stop;   /* a plugin that never finishes a request */
    int stopping;
    int exit_status;
} worker;

static void close_walk(uv_handle_t *h, void *ud)
{
    (void)ud;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void flush_access_log(uv_prepare_t *h)
{
    (void)h;
    access_log_flush();
}

static void finish_check(uv_timer_t *t)
{
    worker *w = t->data;
    /* Pool work of a plugin must complete before that plugin's fini. */
    if (async_work_outstanding() > 0)
        return;
    uv_timer_stop(t);
    runtime_fini_plugins(w->rt);
    async_shutdown();
    http_shutdown();
    uv_walk(w->loop, close_walk, NULL);
}

static void on_drained(void *ud)
{
    worker *w = ud;
    log_info("drained; stopping plugins");
    runtime_stop_plugins(w->rt);
    /* Tasks still open are answered (their callbacks run) before any fini. */
    bus_shutdown();
    uv_timer_start(&w->finish, finish_check, 0, 10);
}

static void hard_stop(uv_timer_t *t)
{
    worker *w = t->data;
    log_error("requests or pool work still unfinished 2 s after the drain timeout (a plugin "
              "never answered?); exiting without them");
    access_log_flush();
    _exit(w->exit_status ? w->exit_status : 1);
}

static void begin_stop(worker *w, const char *why)
{
    if (w->stopping)
        return;
    w->stopping = 1;
    /* A second SIGTERM/SIGINT (Ctrl-C reaches the whole process group, and
     * the supervisor forwards it too) must not find the default action once
     * our signal handles are closed: keep them blocked until exit. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    log_info("%s: draining (up to %llu ms)", why, (unsigned long long)w->rt->drain_timeout_ms);
    for (size_t i = 0; i < w->rt->nlisteners; i++)
        listener_stop(w->rt->listeners[i]);
    uv_timer_start(&w->hard_stop, hard_stop, w->rt->drain_timeout_ms + 2000, 0);
    uv_unref((uv_handle_t *)&w->hard_stop);
    http_drain(w->rt->drain_timeout_ms, on_drained, w);
}

static void on_signal(uv_signal_t *h, int signum)
{
    worker *w = h->data;
    if (signum == SIGHUP) {
        log_info("SIGHUP is handled by the main process; ignored by the worker");
        return;
    }
    begin_stop(w, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* libuv sizes its thread pool from the environment, once, at first use. */
static void set_pool_size(const runtime *rt)
{
    char n[16];
    snprintf(n, sizeof(n), "%u", rt->threads ? rt->threads : 4);
    setenv("UV_THREADPOOL_SIZE", n, 1);
}

int worker_run(runtime *rt, unsigned slot)
{
    worker w;
    set_pool_size(rt);
    memset(&w, 0, sizeof(w));
    w.rt = rt;
    log_set_worker((int)slot);
    metrics_bind_worker(slot);
    w.loop = uv_default_loop();
    diag d;
    diag_init(&d);
    int rc = async_init(w.loop);
    if (rc == 0)
        rc = http_init(w.loop, &rt->limits);
    if (rc != 0) {
        log_error("cannot set up the event loop: %s", uv_strerror(rc));
        return 1;
    }
    if (rt->access_log && access_log_open(rt->access_log) < 0) {
        log_error("cannot open access log %s: %s", rt->access_log, strerror(errno));
        return WORKER_EXIT_CONFIG;
    }
    bus_init(w.loop, &rt->bus);
    if (runtime_init_plugins(rt, &d) || bus_open(slot, rt->workers) < 0 ||
        runtime_start_plugins(rt, &d)) {
        diag_print(&d, stderr, "camid: ");
        diag_free(&d);
        runtime_stop_plugins(rt);
        bus_shutdown();
        runtime_fini_plugins(rt);
        bus_free();
        return WORKER_EXIT_CONFIG;
    }
    diag_free(&d);
    for (size_t i = 0; i < rt->nlisteners; i++) {
        listener *l = rt->listeners[i];
        listener_close_fds(l, (int)slot);
        rc = listener_start(l, w.loop, slot);
        if (rc != 0) {
            log_error("listener '%s' (%s): %s", l->name, l->address, uv_strerror(rc));
            return WORKER_EXIT_CONFIG;
        }
        log_info("listening on http://%s (listener '%s')", l->address, l->name);
    }
    uv_signal_init(w.loop, &w.sigterm);
    uv_signal_init(w.loop, &w.sigint);
    uv_signal_init(w.loop, &w.sighup);
    w.sigterm.data = w.sigint.data = w.sighup.data = &w;
    uv_signal_start(&w.sigterm, on_signal, SIGTERM);
    uv_signal_start(&w.sigint, on_signal, SIGINT);
    uv_signal_start(&w.sighup, on_signal, SIGHUP);
    /* The supervisor forked us with these blocked (see spawn()). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    uv_timer_init(w.loop, &w.finish);
    uv_timer_init(w.loop, &w.hard_stop);
    w.finish.data = w.hard_stop.data = &w;
    if (rt->access_log) {
        uv_prepare_init(w.loop, &w.flush);
        uv_prepare_start(&w.flush, flush_access_log);
        uv_unref((uv_handle_t *)&w.flush);
    }
    log_info("worker ready (pid %d, %zu plugin(s), %zu route(s))", (int)getpid(),
             rt->plugins.count, runtime_route_count(rt));
    uv_run(w.loop, UV_RUN_DEFAULT);
    access_log_close();
    bus_free();
    rc = uv_loop_close(w.loop);
    if (rc != 0)
        log_warn("event loop closed with handles still open: %s", uv_strerror(rc));
    log_info("worker stopped");
    return w.exit_status;
}

/* ---- one-shot task mode ---- */

typedef struct oneshot {
    runtime *rt;
    uv_loop_t *loop;
    uv_timer_t finish;
    int status;
    int done;
} oneshot;

static void oneshot_finish(oneshot *o)
{
    runtime_stop_plugins(o->rt);
    bus_shutdown();
    runtime_fini_plugins(o->rt);
    async_shutdown();
    uv_walk(o->loop, close_walk, NULL);
}

static void oneshot_finish_cb(uv_timer_t *t)
{
    oneshot_finish(t->data);
}

static void oneshot_reply(cami_plugin *self, int status, json_t *result, const char *error,
                          void *ud)
{
    (void)self;
    oneshot *o = ud;
    o->done = 1;
    if (status == CAMI_OK) {
        char *text = json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY);
        printf("%s\n", text ? text : "null");
        free(text);
        o->status = 0;
    } else {
        fprintf(stderr, "camid: task failed (%d): %s\n", status, error ? error : "no reason given");
        o->status = 1;
    }
    fflush(stdout);
    /* Stop from the top of the loop, not from inside the bus's callback. */
    uv_timer_start(&o->finish, oneshot_finish_cb, 0, 0);
}

int worker_run_task(runtime *rt, const char *name, const char *args, uint64_t timeout_ms)
{
    oneshot o;
    set_pool_size(rt);
    memset(&o, 0, sizeof(o));
    o.rt = rt;
    o.loop = uv_default_loop();
    o.status = 1;
    json_t *jargs = NULL;
    if (args) {
        json_error_t e;
        jargs = json_loads(args, JSON_DECODE_ANY, &e);
        if (!jargs) {
            fprintf(stderr, "camid: the task's arguments are not JSON: %s (column %d)\n", e.text,
                    e.column);
            return 1;
        }
    }
    diag d;
    diag_init(&d);
    if (async_init(o.loop) != 0) {
        json_decref(jargs);
        return 1;
    }
    uv_timer_init(o.loop, &o.finish);
    o.finish.data = &o;
    bus_init(o.loop, &rt->bus);
    if (runtime_init_plugins(rt, &d) || runtime_start_plugins(rt, &d)) {
        diag_print(&d, stderr, "camid: ");
        diag_free(&d);
        json_decref(jargs);
        oneshot_finish(&o);
        uv_run(o.loop, UV_RUN_DEFAULT);
        bus_free();
        uv_loop_close(o.loop);
        return 1;
    }
    diag_free(&d);
    int rc = bus_task_submit(NULL, name, jargs, timeout_ms, oneshot_reply, &o);
    if (rc != CAMI_OK) {
        fprintf(stderr, "camid: cannot submit task '%s' (%d)\n", name, rc);
        oneshot_finish(&o);
    }
    uv_run(o.loop, UV_RUN_DEFAULT);
    bus_free();
    if (uv_loop_close(o.loop) != 0)
        log_warn("event loop closed with handles still open");
    return o.done ? o.status : 1;
}
