/* runtime.c - see runtime.h. */
#include "runtime.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "async.h"
#include "fdwatch.h"
#include "host_api.h"
#include "http/core_routes.h"
#include "log.h"
#include "metrics.h"
#include "services.h"

runtime *g_runtime;

/* What an admin may write in the host's own sections (docs/ADMIN.md). */
static const cami_config_key camid_schema[] = {
    {"workers", CAMI_CONFIG_STRING, "auto", 0, "worker processes: a number, or auto (one per core)"},
    {"plugin_dir", CAMI_CONFIG_STRING, NULL, 0, "where bare module names are looked up"},
    {"log_level", CAMI_CONFIG_STRING, "info", 0, "error, warn, info or debug"},
    {"access_log", CAMI_CONFIG_STRING, "off", 0, "off, on (stdout) or a file path"},
    {"include", CAMI_CONFIG_STRING, NULL, 0, "more config files (glob), read in place"},
    {"drain_timeout", CAMI_CONFIG_INT, "10000", 0, "ms to finish requests on SIGTERM"},
    {"threads", CAMI_CONFIG_INT, "4", 0, "threads per worker for plugins' blocking work (1-128)"},
    {NULL, 0, NULL, 0, NULL}};

static const cami_config_key http_schema[] = {
    {"max_header_size", CAMI_CONFIG_INT, "8192", 0, "bytes of request line + headers (431)"},
    {"max_url_length", CAMI_CONFIG_INT, "4096", 0, "bytes of request target (414)"},
    {"max_body_size", CAMI_CONFIG_INT, "1048576", 0, "bytes of request body (413)"},
    {"header_timeout", CAMI_CONFIG_INT, "10000", 0, "ms to receive a request head (408)"},
    {"body_timeout", CAMI_CONFIG_INT, "30000", 0, "ms to receive a request body (408)"},
    {"keepalive_timeout", CAMI_CONFIG_INT, "5000", 0, "ms an idle connection is kept"},
    {"send_timeout", CAMI_CONFIG_INT, "30000", 0, "ms a client may take to read a response"},
    {"handler_timeout", CAMI_CONFIG_INT, "60000", 0, "ms a plugin may take to finish a request (504)"},
    {"max_connections", CAMI_CONFIG_INT, "10000", 0, "open connections per worker (503)"},
    {NULL, 0, NULL, 0, NULL}};

static const cami_config_key listener_schema[] = {
    {"address", CAMI_CONFIG_STRING, NULL, 1, "HOST:PORT to listen on, e.g. 127.0.0.1:8080"},
    {NULL, 0, NULL, 0, NULL}};

unsigned runtime_auto_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* A positive integer setting, or its default, with file:line on error. */
static uint64_t positive(const conf_section *s, const cami_config_key *schema, const char *key,
                         diag *d, int *problems)
{
    const char *v = conf_value(s, schema, key);
    int64_t n = 0;
    if (!v || conf_parse_int(v, &n) < 0)
        return 1; /* not an integer: conf_check_section said so already */
    if (n <= 0) {
        const conf_entry *e = s ? conf_entry_get(s, key) : NULL;
        diag_at(d, e ? e->file : NULL, e ? e->line : 0, "%s = %s: expected a positive integer",
                key, v ? v : "");
        (*problems)++;
        return 1;
    }
    return (uint64_t)n;
}

static char *resolve_path(const conf *c, const char *value)
{
    if (value[0] == '/' || !c->dir)
        return strdup(value);
    size_t n = strlen(c->dir) + strlen(value) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", c->dir, value);
    return p;
}

int runtime_configure(runtime *rt, conf *c, diag *d)
{
    int problems = 0;
    rt->conf = c;
    http_limits_default(&rt->limits);
    for (size_t i = 0; i < c->count; i++) {
        const char *n = c->sections[i].name;
        if (strcmp(n, "camid") && strcmp(n, "http") && strcmp(n, "bus") &&
            strncmp(n, "listener.", 9) && strncmp(n, "plugin.", 7)) {
            diag_at(d, c->sections[i].file, c->sections[i].line,
                    "unknown section [%s]; expected [camid], [http], [bus], [listener.NAME] or "
                    "[plugin.NAME]",
                    n);
            problems++;
        }
    }

    const conf_section *cs = conf_section_get(c, "camid");
    if (cs)
        problems += conf_check_section(cs, camid_schema, NULL, "[camid]", d);
    const char *w = conf_value(cs, camid_schema, "workers");
    int64_t nw = 0;
    if (strcmp(w, "auto") == 0) {
        rt->workers = runtime_auto_workers();
    } else if (conf_parse_int(w, &nw) == 0 && nw >= 1 && nw <= 256) {
        rt->workers = (unsigned)nw;
    } else {
        const conf_entry *e = conf_entry_get(cs, "workers");
        diag_at(d, e->file, e->line, "workers = %s: expected auto or a number from 1 to 256", w);
        problems++;
        rt->workers = 1;
    }
    const char *lvl = conf_value(cs, camid_schema, "log_level");
    rt->log_level = log_level_parse(lvl);
    if (rt->log_level < 0) {
        const conf_entry *e = conf_entry_get(cs, "log_level");
        diag_at(d, e->file, e->line, "log_level = %s: expected error, warn, info or debug", lvl);
        problems++;
        rt->log_level = CAMI_LOG_INFO;
    }
    const char *al = conf_value(cs, camid_schema, "access_log");
    int on = 0;
    if (conf_parse_bool(al, &on) == 0)
        rt->access_log = on ? strdup("-") : NULL;
    else if (strcmp(al, "stdout") == 0 || strcmp(al, "-") == 0)
        rt->access_log = strdup("-");
    else
        rt->access_log = resolve_path(c, al);
    rt->limits.access_log = rt->access_log != NULL;
    rt->drain_timeout_ms = positive(cs, camid_schema, "drain_timeout", d, &problems);
    uint64_t th = positive(cs, camid_schema, "threads", d, &problems);
    if (th > 128) {
        const conf_entry *e = conf_entry_get(cs, "threads");
        diag_at(d, e ? e->file : NULL, e ? e->line : 0, "threads = %llu: expected 1 to 128",
                (unsigned long long)th);
        problems++;
        th = 4;
    }
    rt->threads = (unsigned)th;
    const char *pd = conf_value(cs, camid_schema, "plugin_dir");
    rt->plugin_dir = pd ? resolve_path(c, pd) : strdup(CAMI_PKGLIBDIR);

    problems += bus_config_read(&rt->bus, c, d);

    const conf_section *hs = conf_section_get(c, "http");
    if (hs)
        problems += conf_check_section(hs, http_schema, NULL, "[http]", d);
    rt->limits.max_header_size = positive(hs, http_schema, "max_header_size", d, &problems);
    rt->limits.max_url_length = positive(hs, http_schema, "max_url_length", d, &problems);
    rt->limits.max_body_size = positive(hs, http_schema, "max_body_size", d, &problems);
    rt->limits.header_timeout_ms = positive(hs, http_schema, "header_timeout", d, &problems);
    rt->limits.body_timeout_ms = positive(hs, http_schema, "body_timeout", d, &problems);
    rt->limits.keepalive_timeout_ms = positive(hs, http_schema, "keepalive_timeout", d, &problems);
    rt->limits.send_timeout_ms = positive(hs, http_schema, "send_timeout", d, &problems);
    rt->limits.handler_timeout_ms = positive(hs, http_schema, "handler_timeout", d, &problems);
    uint64_t mc = positive(hs, http_schema, "max_connections", d, &problems);
    rt->limits.max_connections = mc > UINT_MAX ? UINT_MAX : (unsigned)mc;

    for (size_t i = 0; i < c->count; i++) {
        const conf_section *s = &c->sections[i];
        if (strncmp(s->name, "listener.", 9) != 0)
            continue;
        const char *lname = s->name + 9;
        if (conf_check_section(s, listener_schema, NULL, s->name, d)) {
            problems++;
            continue;
        }
        char err[256];
        const char *addr = conf_value(s, listener_schema, "address");
        listener *l = listener_new(lname, addr, err, sizeof(err));
        if (!l) {
            const conf_entry *e = conf_entry_get(s, "address");
            diag_at(d, e ? e->file : s->file, e ? e->line : s->line, "%s", err);
            problems++;
            continue;
        }
        for (size_t k = 0; k < rt->nlisteners; k++) {
            if (listener_same_address(rt->listeners[k], l)) {
                const conf_entry *e = conf_entry_get(s, "address");
                diag_at(d, e ? e->file : s->file, e ? e->line : s->line,
                        "listeners '%s' and '%s' both use %s: give each its own address", l->name,
                        rt->listeners[k]->name, addr);
                problems++;
            }
        }
        listener **n = realloc(rt->listeners, (rt->nlisteners + 1) * sizeof(*n));
        if (!n) {
            listener_free(l);
            diag_add(d, "out of memory");
            return problems + 1;
        }
        rt->listeners = n;
        rt->listeners[rt->nlisteners++] = l;
    }
    int any_listener_section = 0;
    for (size_t i = 0; i < c->count; i++)
        any_listener_section |= strncmp(c->sections[i].name, "listener.", 9) == 0;
    if (!any_listener_section) {
        diag_at(d, c->path, 0,
                "no [listener.NAME] section: add one, e.g. [listener.main] with address = "
                "127.0.0.1:8080");
        problems++;
    }
    return problems;
}

int runtime_load_plugins(runtime *rt, diag *d)
{
    size_t before = d->count;
    if (loader_load(rt->conf, rt->plugin_dir, &host_api_table, &rt->plugins, d) != 0 &&
        d->count == before)
        diag_add(d, "plugins could not be loaded");
    return (int)(d->count - before);
}

static const char *section_place(const struct cami_plugin *p, char *out, size_t n)
{
    if (p->section)
        snprintf(out, n, " (configured at %s:%d)", p->section->file, p->section->line);
    else
        out[0] = '\0';
    return out;
}

int runtime_init_plugins(runtime *rt, diag *d)
{
    g_runtime = rt;
    for (size_t i = 0; i < rt->nlisteners; i++) {
        char err[256];
        if (core_routes_register(rt->listeners[i], err, sizeof(err)) < 0) {
            diag_add(d, "listener '%s': %s", rt->listeners[i]->name, err);
            return 1;
        }
    }
    for (size_t i = 0; i < rt->plugins.count; i++) {
        struct cami_plugin *p = rt->plugins.items[i];
        rt->in_init = p;
        rt->init_diag = d;
        rt->registration_failed = 0;
        size_t before = d->count;
        metrics_set_running_plugin((int)p->order);
        int rc = p->desc.init(p);
        metrics_set_running_plugin(-1);
        rt->in_init = NULL;
        char where[512];
        if (rc != CAMI_OK || rt->registration_failed) {
            if (rc != CAMI_OK)
                diag_add(d,
                         "plugin '%s' %s refused to initialise (init returned %d)%s: see its log "
                         "lines above for why",
                         p->name, p->desc.version, rc, section_place(p, where, sizeof(where)));
            else if (d->count == before)
                diag_add(d, "plugin '%s': a registration failed during init", p->name);
            /* Its init may have allocated: let it clean up. */
            if (rc == CAMI_OK && p->desc.fini)
                p->desc.fini(p);
            return (int)(d->count - before) ? (int)(d->count - before) : 1;
        }
        p->state = PLUGIN_INITIALISED;
    }
    return 0;
}

int runtime_start_plugins(runtime *rt, diag *d)
{
    for (size_t i = 0; i < rt->plugins.count; i++) {
        struct cami_plugin *p = rt->plugins.items[i];
        if (p->state != PLUGIN_INITIALISED)
            continue;
        int rc = CAMI_OK;
        if (p->desc.start) {
            metrics_set_running_plugin((int)p->order);
            rc = p->desc.start(p);
            metrics_set_running_plugin(-1);
        }
        if (rc != CAMI_OK) {
            diag_add(d, "plugin '%s' failed to start (start returned %d): see its log lines above",
                     p->name, rc);
            return 1;
        }
        p->state = PLUGIN_STARTED;
    }
    return 0;
}

void runtime_stop_plugins(runtime *rt)
{
    for (size_t i = rt->plugins.count; i-- > 0;) {
        struct cami_plugin *p = rt->plugins.items[i];
        if (p->state != PLUGIN_STARTED)
            continue;
        if (p->desc.stop) {
            metrics_set_running_plugin((int)p->order);
            p->desc.stop(p);
            metrics_set_running_plugin(-1);
        }
        p->state = PLUGIN_STOPPED;
    }
}

void runtime_fini_plugins(runtime *rt)
{
    for (size_t i = rt->plugins.count; i-- > 0;) {
        struct cami_plugin *p = rt->plugins.items[i];
        if (p->state == PLUGIN_LOADED)
            continue;
        if (p->desc.fini) {
            metrics_set_running_plugin((int)p->order);
            p->desc.fini(p);
            metrics_set_running_plugin(-1);
        }
        async_timers_stop_all(p);
        fdwatch_stop_all(p);
        services_drop(p);
        bus_drop_plugin(p);
        host_api_forget_plugin(p);
        p->state = PLUGIN_LOADED;
    }
}

static void count_route(const route *rt, void *ud)
{
    (void)rt;
    (*(size_t *)ud)++;
}

size_t runtime_route_count(const runtime *rt)
{
    size_t n = 0;
    for (size_t i = 0; i < rt->nlisteners; i++)
        router_each(rt->listeners[i]->router, count_route, &n);
    return n;
}

void runtime_free(runtime *rt)
{
    for (size_t i = 0; i < rt->plugins.count; i++)
        host_api_forget_plugin(rt->plugins.items[i]);
    if (rt->plugins.items)
        loader_unload(&rt->plugins);
    for (size_t i = 0; i < rt->nlisteners; i++)
        listener_free(rt->listeners[i]);
    free(rt->listeners);
    free(rt->plugin_dir);
    free(rt->access_log);
    bus_config_free(&rt->bus);
    if (rt->conf)
        conf_free(rt->conf);
    services_clear();
    if (g_runtime == rt)
        g_runtime = NULL;
    memset(rt, 0, sizeof(*rt));
}
