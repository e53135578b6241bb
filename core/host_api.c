/*
 * host_api.c - the table of host services plugins call (see
 * sdk/include/cami/host.h). Each entry checks its arguments and the phase
 * it is called in, and attributes what it does to the calling plugin.
 */
#include "build-config.h"

#include "host_api.h"

#include <stdlib.h>
#include <string.h>

#include "async.h"
#include "bus/bus.h"
#include "fdwatch.h"
#include "http/request.h"
#include "log.h"
#include "metrics.h"
#include "plugin.h"
#include "runtime.h"
#include "services.h"

#include "config.h"

/* ---- identity and logging ---- */

static const char *h_plugin_name(const cami_plugin *self)
{
    return self ? self->name : "";
}

static void h_logv(cami_plugin *self, int level, const char *fmt, va_list ap)
{
    log_vmsg(self ? self->name : "plugin", level, fmt, ap);
}

static int h_log_enabled(const cami_plugin *self, int level)
{
    (void)self;
    return level <= log_get_level();
}

/* ---- configuration ---- */

static const cami_config_key *schema_key(const cami_plugin *self, const char *key)
{
    if (!self || !key || !self->desc.config_schema)
        return NULL;
    for (const cami_config_key *k = self->desc.config_schema; k->key; k++)
        if (strcmp(k->key, key) == 0)
            return k;
    return NULL;
}

static const char *h_config_string(const cami_plugin *self, const char *key)
{
    if (!schema_key(self, key))
        return NULL;
    return conf_value(self->section, self->desc.config_schema, key);
}

static const char *typed_value(const cami_plugin *self, const char *key, cami_config_type type,
                               int *rc)
{
    const cami_config_key *k = schema_key(self, key);
    if (!k || k->type != type) {
        *rc = CAMI_EINVAL;
        return NULL;
    }
    const char *v = conf_value(self->section, self->desc.config_schema, key);
    *rc = v ? CAMI_OK : CAMI_ENOENT;
    return v;
}

static int h_config_int(const cami_plugin *self, const char *key, int64_t *out)
{
    int rc;
    const char *v = typed_value(self, key, CAMI_CONFIG_INT, &rc);
    if (!v)
        return rc;
    return conf_parse_int(v, out) == 0 ? CAMI_OK : CAMI_EINVAL;
}

static int h_config_bool(const cami_plugin *self, const char *key, int *out)
{
    int rc;
    const char *v = typed_value(self, key, CAMI_CONFIG_BOOL, &rc);
    if (!v)
        return rc;
    return conf_parse_bool(v, out) == 0 ? CAMI_OK : CAMI_EINVAL;
}

static int h_config_double(const cami_plugin *self, const char *key, double *out)
{
    int rc;
    const char *v = typed_value(self, key, CAMI_CONFIG_DOUBLE, &rc);
    if (!v)
        return rc;
    return conf_parse_double(v, out) == 0 ? CAMI_OK : CAMI_EINVAL;
}

/* List items are handed out as strings that live until the plugin is
 * unloaded; they are kept here, per plugin and key and index. */
typedef struct list_item {
    const cami_plugin *plugin;
    char *key;
    size_t index;
    char *value;
    struct list_item *next;
} list_item;

static list_item *g_list_items;

static const char *h_config_list_item(const cami_plugin *self, const char *key, size_t index)
{
    int rc;
    const char *v = typed_value(self, key, CAMI_CONFIG_LIST, &rc);
    if (!v)
        return NULL;
    for (list_item *it = g_list_items; it; it = it->next)
        if (it->plugin == self && it->index == index && strcmp(it->key, key) == 0)
            return it->value;
    size_t cap = strlen(v) + 1;
    char *item = malloc(cap);
    if (!item)
        return NULL;
    if (conf_list_item(v, index, item, cap) < 0) {
        free(item);
        return NULL;
    }
    list_item *it = calloc(1, sizeof(*it));
    if (!it || !(it->key = strdup(key))) {
        free(it);
        free(item);
        return NULL;
    }
    it->plugin = self;
    it->index = index;
    it->value = item;
    it->next = g_list_items;
    g_list_items = it;
    return item;
}

void host_api_forget_plugin(struct cami_plugin *p)
{
    list_item **pp = &g_list_items;
    while (*pp) {
        list_item *it = *pp;
        if (it->plugin == p) {
            *pp = it->next;
            free(it->key);
            free(it->value);
            free(it);
        } else {
            pp = &it->next;
        }
    }
}

/* ---- routes ---- */

static int plugin_on_listener(const cami_plugin *p, const listener *l)
{
    if (!p->listeners)
        return 1;
    for (size_t i = 0; i < p->nlisteners; i++)
        if (strcmp(p->listeners[i], l->name) == 0)
            return 1;
    return 0;
}

static int h_route_add(cami_plugin *self, const char *method, const char *path,
                       cami_http_handler handler, void *ud)
{
    runtime *rt = g_runtime;
    if (!rt || !self || rt->in_init != self) {
        log_msg(self ? self->name : NULL, CAMI_LOG_ERROR,
                "cami_route_add(%s %s) outside init: routes are registered in init only",
                method ? method : "?", path ? path : "?");
        return CAMI_ESTATE;
    }
    if (!method || !path || !handler) {
        log_msg(self->name, CAMI_LOG_ERROR, "cami_route_add: method, path and handler are required");
        rt->registration_failed = 1;
        return CAMI_EINVAL;
    }
    for (size_t i = 0; i < rt->nlisteners; i++) {
        listener *l = rt->listeners[i];
        if (!plugin_on_listener(self, l))
            continue;
        route_target t = {handler, ud, self,
                          metrics_route_register(l->name, method, path, self->name)};
        const route *conflict = NULL;
        char err[256] = "";
        int rc = router_add(l->router, method, path, &t, &conflict, err, sizeof(err));
        if (rc == -1) {
            diag_add(rt->init_diag, "plugin '%s': route %s %s refused: %s", self->name, method,
                     path, err);
            rt->registration_failed = 1;
            return CAMI_EINVAL;
        }
        if (rc == -2) {
            const char *other = conflict->target.owner ? conflict->target.owner->name : "camid";
            diag_add(rt->init_diag,
                     "plugin '%s' and plugin '%s' both claim route %s %s on listener '%s' "
                     "(registered as '%s' by '%s'): a route belongs to one plugin; remove one of "
                     "them from the config or bind them to different listeners",
                     self->name, other, method, path, l->name, conflict->tmpl, other);
            rt->registration_failed = 1;
            return CAMI_EEXIST;
        }
    }
    return CAMI_OK;
}

/* ---- services ---- */

static int h_service_provide(cami_plugin *self, const char *name, uint32_t version,
                             const void *iface, size_t iface_size)
{
    runtime *rt = g_runtime;
    if (!rt || !self || rt->in_init != self)
        return CAMI_ESTATE;
    struct cami_plugin *owner = NULL;
    int rc = services_provide(self, name, version, iface, iface_size, &owner);
    if (rc == -2) {
        diag_add(rt->init_diag, "plugin '%s' and plugin '%s' both provide service '%s'",
                 self->name, owner ? owner->name : "?", name);
        rt->registration_failed = 1;
        return CAMI_EEXIST;
    }
    return rc == 0 ? CAMI_OK : CAMI_EINVAL;
}

static const void *h_service_get(cami_plugin *self, const char *name, uint32_t min_version,
                                 size_t *iface_size)
{
    uint32_t found = 0;
    struct cami_plugin *owner = NULL;
    const void *iface = services_get(name, min_version, iface_size, &found, &owner);
    if (!iface) {
        if (found)
            log_msg(self ? self->name : NULL, CAMI_LOG_ERROR,
                    "service '%s' is version %u (from plugin '%s'), version %u or newer is needed: "
                    "upgrade plugin '%s'",
                    name ? name : "?", found, owner ? owner->name : "?", min_version,
                    owner ? owner->name : "?");
        else
            log_msg(self ? self->name : NULL, CAMI_LOG_ERROR,
                    "no plugin provides service '%s': load the plugin that offers it and list it "
                    "in this plugin's dependencies",
                    name ? name : "?");
    }
    return iface;
}

/* ---- async ---- */

static int h_work_submit(cami_plugin *self, cami_work_fn work, cami_work_done_fn done, void *ud)
{
    return async_work_submit(self, work, done, ud);
}

static cami_timer *h_timer_start(cami_plugin *self, uint64_t timeout_ms, uint64_t repeat_ms,
                                 cami_timer_fn cb, void *ud)
{
    return async_timer_start(self, timeout_ms, repeat_ms, cb, ud);
}

static int h_loop_post(cami_plugin *self, cami_loop_fn cb, void *ud)
{
    return async_loop_post(self, cb, ud);
}

static cami_fd_watch *h_fd_watch_start(cami_plugin *self, int fd, int events, cami_fd_fn cb,
                                       void *ud)
{
    return fdwatch_start(self, fd, events, cb, ud);
}

static uint64_t h_now_ms(const cami_plugin *self)
{
    (void)self;
    return async_now_ms();
}

const struct cami_host_api host_api_table = {
    .size = sizeof(struct cami_host_api),
    .abi_major = CAMI_ABI_MAJOR,
    .abi_minor = CAMI_ABI_MINOR,
    .host_version = PACKAGE_VERSION,
    .plugin_name = h_plugin_name,
    .logv = h_logv,
    .log_enabled = h_log_enabled,
    .config_string = h_config_string,
    .config_int = h_config_int,
    .config_bool = h_config_bool,
    .config_double = h_config_double,
    .config_list_item = h_config_list_item,
    .route_add = h_route_add,
    .req_method = http_req_method,
    .req_path = http_req_path,
    .req_target = http_req_target,
    .req_param = http_req_param,
    .req_query = http_req_query,
    .req_query_at = http_req_query_at,
    .req_header = http_req_header,
    .req_header_at = http_req_header_at,
    .req_body = http_req_body,
    .req_json = http_req_json,
    .req_id = http_req_id,
    .req_remote_addr = http_req_remote_addr,
    .resp_status = http_resp_status,
    .resp_header = http_resp_header,
    .resp_body = http_resp_body,
    .resp_json = http_resp_json,
    .resp_error = http_resp_error,
    .req_finish = http_req_finish,
    .req_aborted = http_req_aborted,
    .work_submit = h_work_submit,
    .timer_start = h_timer_start,
    .timer_stop = async_timer_stop,
    .loop_post = h_loop_post,
    .now_ms = h_now_ms,
    .service_provide = h_service_provide,
    .service_get = h_service_get,
    .bus_publish = bus_publish,
    .bus_subscribe = bus_subscribe,
    .task_register = bus_task_register,
    .task_submit = bus_task_submit,
    .task_reply = bus_task_reply,
    .task_fail = bus_task_fail,
    .task_name = bus_task_name,
    .event_topic = bus_event_topic,
    .event_json = bus_event_json,
    .event_text = bus_event_text,
    .fd_watch_start = h_fd_watch_start,
    .fd_watch_set = fdwatch_set,
    .fd_watch_stop = fdwatch_stop,
};
