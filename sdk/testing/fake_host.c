/*
 * fake_host.c - the fake host's life cycle (new, config, start, stop, free),
 * its log and contract checks, and the service table it hands the plugin.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

/* The size of a 1.0 descriptor: everything up to and including fini. */
#define DESC_V1_SIZE (offsetof(cami_plugin_desc, fini) + sizeof(void (*)(cami_plugin *)))

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* ---- log ---------------------------------------------------------------- */

static void log_append(cami_test_host *h, const char *who, int level, const char *fmt,
                       va_list ap)
{
    char msg[1024];
    int n;
    size_t need;
    const char *lname;

    if (level < CAMI_LOG_ERROR)
        level = CAMI_LOG_ERROR;
    if (level > CAMI_LOG_DEBUG)
        level = CAMI_LOG_DEBUG;
    lname = level_names[level];
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;
    /* cami_log adds the newline; do not double one the caller wrote. */
    n = (int)strlen(msg);
    if (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    need = strlen(lname) + 1 + strlen(who) + 2 + (size_t)n + 2;

    pthread_mutex_lock(&h->log_lock);
    if (h->log_len + need > h->log_cap) {
        size_t cap = (h->log_len + need) * 2;
        char *p = realloc(h->log, cap);

        if (p == NULL) {
            pthread_mutex_unlock(&h->log_lock);
            return;
        }
        h->log = p;
        h->log_cap = cap;
    }
    h->log_len += (size_t)snprintf(h->log + h->log_len, h->log_cap - h->log_len, "%s %s: %s\n",
                                   lname, who, msg);
    if (h->echo)
        fprintf(stderr, "%s %s: %s\n", lname, who, msg);
    pthread_mutex_unlock(&h->log_lock);
}

void fake_log(cami_test_host *h, const char *who, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_append(h, who, level, fmt, ap);
    va_end(ap);
}

void fake_violation(cami_test_host *h, const char *fmt, ...)
{
    char msg[900];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&h->log_lock);
    h->violations++;
    pthread_mutex_unlock(&h->log_lock);
    fake_log(h, "fake-host", CAMI_LOG_ERROR, "contract: plugin '%s': %s", h->plugin.desc.name,
             msg);
}

int fake_on_loop(cami_test_host *h, const char *fn)
{
    if (!pthread_equal(pthread_self(), h->loop_thread)) {
        fake_violation(h, "%s called off the loop thread", fn);
        return 0;
    }
    if (h->in_work) {
        fake_violation(h, "%s called from a work function (only cami_log and "
                          "cami_loop_post may be)", fn);
        return 0;
    }
    return 1;
}

static void api_logv(cami_plugin *self, int level, const char *fmt, va_list ap)
{
    cami_test_host *h = self->host;

    if (level > h->log_level)
        return;
    log_append(h, self->desc.name, level, fmt, ap);
}

static int api_log_enabled(const cami_plugin *self, int level)
{
    return level <= self->host->log_level;
}

static const char *api_plugin_name(const cami_plugin *self)
{
    return self->desc.name;
}

const char *cami_test_host_log(const cami_test_host *h)
{
    return h->log != NULL ? h->log : "";
}

void cami_test_host_log_clear(cami_test_host *h)
{
    pthread_mutex_lock(&h->log_lock);
    h->log_len = 0;
    if (h->log != NULL)
        h->log[0] = '\0';
    pthread_mutex_unlock(&h->log_lock);
}

void cami_test_host_log_level(cami_test_host *h, int level)
{
    h->log_level = level;
}

unsigned cami_test_host_violations(const cami_test_host *h)
{
    unsigned n;

    pthread_mutex_lock((pthread_mutex_t *)&h->log_lock);
    n = h->violations;
    pthread_mutex_unlock((pthread_mutex_t *)&h->log_lock);
    return n;
}

/* ---- the table ----------------------------------------------------------- */

static const struct cami_host_api fake_api = {
    .size = sizeof(struct cami_host_api),
    .abi_major = CAMI_ABI_MAJOR,
    .abi_minor = CAMI_ABI_MINOR,
    .host_version = "cami-testing",
    .plugin_name = api_plugin_name,
    .logv = api_logv,
    .log_enabled = api_log_enabled,
    .config_string = fake_config_string,
    .config_int = fake_config_int,
    .config_bool = fake_config_bool,
    .config_double = fake_config_double,
    .config_list_item = fake_config_list_item,
    .route_add = fake_route_add,
    .req_method = fake_req_method,
    .req_path = fake_req_path,
    .req_target = fake_req_target,
    .req_param = fake_req_param,
    .req_query = fake_req_query,
    .req_query_at = fake_req_query_at,
    .req_header = fake_req_header,
    .req_header_at = fake_req_header_at,
    .req_body = fake_req_body,
    .req_json = fake_req_json,
    .req_id = fake_req_id,
    .req_remote_addr = fake_req_remote_addr,
    .resp_status = fake_resp_status,
    .resp_header = fake_resp_header,
    .resp_body = fake_resp_body,
    .resp_json = fake_resp_json,
    .resp_error = fake_resp_error,
    .req_finish = fake_req_finish,
    .req_aborted = fake_req_aborted,
    .work_submit = fake_work_submit,
    .timer_start = fake_timer_start,
    .timer_stop = fake_timer_stop,
    .loop_post = fake_loop_post,
    .now_ms = fake_now_ms,
    .service_provide = fake_service_provide,
    .service_get = fake_service_get,
    .bus_publish = fake_bus_publish,
    .bus_subscribe = fake_bus_subscribe,
    .task_register = fake_task_register,
    .task_submit = fake_task_submit,
    .task_reply = fake_task_reply,
    .task_fail = fake_task_fail,
    .task_name = fake_task_name,
    .event_topic = fake_event_topic,
    .event_json = fake_event_json,
    .event_text = fake_event_text,
};

/* ---- descriptor check, as camid's loader does it -------------------------- */

static int valid_name(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static int check_desc(const cami_plugin_desc *d)
{
    const char *name;

    if (d == NULL) {
        fprintf(stderr, "cami-testing: the entry point returned no descriptor\n");
        return -1;
    }
    if (d->magic != CAMI_PLUGIN_MAGIC) {
        fprintf(stderr, "cami-testing: bad descriptor magic: found 0x%08x, needed 0x%08x "
                        "(define the plugin with CAMI_PLUGIN)\n", (unsigned)d->magic,
                CAMI_PLUGIN_MAGIC);
        return -1;
    }
    if (d->struct_size < DESC_V1_SIZE) {
        fprintf(stderr, "cami-testing: descriptor of %u bytes, ABI 1.0 needs at least %zu\n",
                (unsigned)d->struct_size, DESC_V1_SIZE);
        return -1;
    }
    name = valid_name(d->name) ? d->name : "?";
    if (d->abi_major != CAMI_ABI_MAJOR || d->abi_minor > CAMI_ABI_MINOR) {
        fprintf(stderr, "cami-testing: plugin '%s' is built for ABI %u.%u, this fake host "
                        "offers %d.%d (rebuild the plugin against this SDK)\n", name,
                (unsigned)d->abi_major, (unsigned)d->abi_minor, CAMI_ABI_MAJOR, CAMI_ABI_MINOR);
        return -1;
    }
    if (name[0] == '?') {
        fprintf(stderr, "cami-testing: plugin name '%s' is not [a-z0-9_]+\n",
                d->name != NULL ? d->name : "(null)");
        return -1;
    }
    if (d->version == NULL || d->init == NULL) {
        fprintf(stderr, "cami-testing: plugin '%s' has no %s\n", name,
                d->version == NULL ? "version" : "init callback");
        return -1;
    }
    return fake_check_schema(d->config_schema, name);
}

/* ---- life cycle ------------------------------------------------------------ */

cami_test_host *cami_test_host_new(cami_plugin_entry_fn entry)
{
    const cami_plugin_desc *d;
    cami_test_host *h;
    size_t n;

    if (entry == NULL) {
        fprintf(stderr, "cami-testing: cami_test_host_new: NULL entry point\n");
        return NULL;
    }
    d = entry(&fake_api);
    if (check_desc(d) != 0)
        return NULL;
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    /* Read no more of the descriptor than the plugin has (append-only rule). */
    n = d->struct_size < sizeof h->plugin.desc ? d->struct_size : sizeof h->plugin.desc;
    memcpy(&h->plugin.desc, d, n);
    h->plugin.host = h;
    h->loop_thread = pthread_self();
    h->reqs_tail = &h->reqs;
    h->work_tail = &h->work_head;
    h->post_tail = &h->post_head;
    fake_bus_init(h);
    h->now = 1000;   /* not 0: a plugin must not take 0 to mean "unset" */
    h->log_level = CAMI_LOG_DEBUG;
    h->echo = getenv("CAMI_TEST_VERBOSE") != NULL && strcmp(getenv("CAMI_TEST_VERBOSE"), "0") != 0;
    if (pthread_mutex_init(&h->log_lock, NULL) != 0) {
        free(h);
        return NULL;
    }
    if (pthread_mutex_init(&h->post_lock, NULL) != 0) {
        pthread_mutex_destroy(&h->log_lock);
        free(h);
        return NULL;
    }
    return h;
}

int cami_test_host_config(cami_test_host *h, const char *key, const char *value)
{
    if (h == NULL || key == NULL || value == NULL)
        return CAMI_EINVAL;
    if (h->phase != PHASE_NEW)
        return CAMI_ESTATE;
    for (size_t i = 0; i < h->set.count; i++) {
        if (strcmp(h->set.names[i], key) == 0) {
            char *v = strdup(value);

            if (v == NULL)
                return CAMI_ENOMEM;
            free(h->set.values[i]);
            h->set.values[i] = v;
            return CAMI_OK;
        }
    }
    return fake_pairs_add(&h->set, key, strlen(key), value, strlen(value));
}

int cami_test_host_provide(cami_test_host *h, const char *name, uint32_t version,
                           const void *iface, size_t iface_size)
{
    if (h == NULL)
        return CAMI_EINVAL;
    if (h->phase != PHASE_NEW)
        return CAMI_ESTATE;
    return fake_service_add(h, name, version, iface, iface_size, 1);
}

int cami_test_host_start(cami_test_host *h)
{
    cami_plugin *self;
    int rc;

    if (h == NULL)
        return CAMI_EINVAL;
    if (h->phase != PHASE_NEW)
        return CAMI_ESTATE;
    self = &h->plugin;
    rc = fake_config_check(h);
    if (rc != CAMI_OK) {
        h->phase = PHASE_DONE;
        return rc;
    }
    h->phase = PHASE_INIT;
    rc = self->desc.init(self);
    if (rc != CAMI_OK) {
        if (rc > 0)
            fake_violation(h, "init returned %d; it must return CAMI_OK or a negative code", rc);
        fake_log(h, "fake-host", CAMI_LOG_ERROR, "plugin '%s': init failed (%d)",
                 self->desc.name, rc);
        h->phase = PHASE_DONE;
        return rc;
    }
    h->phase = PHASE_RUNNING;
    if (self->desc.start == NULL)
        return CAMI_OK;
    rc = self->desc.start(self);
    if (rc == CAMI_OK)
        return CAMI_OK;
    if (rc > 0)
        fake_violation(h, "start returned %d; it must return CAMI_OK or a negative code", rc);
    fake_log(h, "fake-host", CAMI_LOG_ERROR, "plugin '%s': start failed (%d)", self->desc.name,
             rc);
    h->phase = PHASE_DONE;
    if (self->desc.fini != NULL)
        self->desc.fini(self);
    (void)fake_timers_stop_all(h);
    return rc;
}

int cami_test_host_stop(cami_test_host *h)
{
    cami_plugin *self;
    unsigned left, timers, tasks;

    if (h == NULL || h->phase != PHASE_RUNNING)
        return 0;
    self = &h->plugin;
    h->phase = PHASE_STOPPING;
    /* As camid's workers do: drain in-flight requests (timers and work keep
     * running); those still pending then see their client gone. */
    (void)cami_test_host_run(h);
    fake_requests_abort_all(h);
    (void)cami_test_host_run(h);
    if (self->desc.stop != NULL)
        self->desc.stop(self);
    /* Work still outstanding completes before fini; submitters still
     * waiting for a task hear that the host stops, not silence. */
    (void)cami_test_host_run(h);
    fake_bus_stop(h);
    h->phase = PHASE_DONE;
    if (self->desc.fini != NULL)
        self->desc.fini(self);
    /* The host stops the plugin's remaining timers after fini. */
    timers = fake_timers_stop_all(h);
    if (timers > 0)
        fake_violation(h, "%u one-shot timer(s) fired but were never stopped (each holds "
                          "memory until cami_timer_stop)", timers);
    tasks = fake_bus_unanswered(h);
    if (tasks > 0)
        fake_violation(h, "%u task(s) never answered (cami_task_reply or cami_task_fail), "
                          "even after stop", tasks);
    left = fake_requests_pending(h);
    if (left > 0)
        fake_violation(h, "%u pending request(s) never finished, even after stop", left);
    return (int)left;
}

void cami_test_host_free(cami_test_host *h)
{
    if (h == NULL)
        return;
    (void)cami_test_host_stop(h);
    fake_requests_free(h);
    fake_routes_free(h);
    fake_loop_free(h);
    fake_services_free(h);
    fake_bus_free(h);
    fake_config_free(h);
    fake_pairs_free(&h->set);
    pthread_mutex_destroy(&h->post_lock);
    pthread_mutex_destroy(&h->log_lock);
    free(h->log);
    free(h);
}
