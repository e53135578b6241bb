/*
 * host.h - the host's service table.
 *
 * The host exports no symbols. Everything a plugin may ask of it is a function
 * pointer in struct cami_host_api, handed to the plugin's entry point and kept
 * in the plugin's hidden global cami_host_. Plugins normally call the inline
 * wrappers in log.h, config.h, http.h, async.h and service.h, which document
 * each call (ownership, thread, errors, since which ABI version).
 *
 * Rules of the table:
 *   - it is size-prefixed and append-only: a member once published keeps its
 *     offset and meaning for the whole major version;
 *   - a member added in a later minor is present when
 *     CAMI_HAS(cami_host_, member) is true; the wrappers of such members check
 *     it and return CAMI_ENOTSUP (or NULL) on an older host.
 *
 * Appended so far: the message bus (1.1, bus.h). Planned: the authenticated
 * principal of a request.
 */
#ifndef CAMI_HOST_H
#define CAMI_HOST_H

#include <stdarg.h>
#include <cami/abi.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Handler of an HTTP route; see http.h. Since ABI 1.0. */
typedef int (*cami_http_handler)(cami_request *req, void *ud);
/* Work run on the host's thread pool; see async.h. Since ABI 1.0. */
typedef void (*cami_work_fn)(void *ud);
typedef void (*cami_work_done_fn)(void *ud, int status);
/* Timer and loop callbacks, run on the loop thread. Since ABI 1.0. */
typedef void (*cami_timer_fn)(cami_timer *timer, void *ud);
typedef void (*cami_loop_fn)(void *ud);
/* Bus callbacks, run on the loop thread; see bus.h. Since ABI 1.1. */
typedef int (*cami_event_fn)(cami_plugin *self, const cami_event *event, void *ud);
typedef int (*cami_task_fn)(cami_task *task, json_t *args, void *ud);
typedef void (*cami_reply_fn)(cami_plugin *self, int status, json_t *result, const char *error,
                              void *ud);
/* A watched descriptor is ready; see async.h. Since ABI 1.2. */
typedef void (*cami_fd_fn)(cami_fd_watch *watch, int fd, int events, void *ud);

struct cami_host_api {
    uint32_t size;            /* sizeof(struct cami_host_api) in the host */
    uint16_t abi_major;       /* the host's CAMI_ABI_MAJOR */
    uint16_t abi_minor;       /* the host's CAMI_ABI_MINOR */
    const char *host_version; /* e.g. "0.1.0" */

    /* ---- ABI 1.0 ---- */
    /* identity and logging (log.h) */
    const char *(*plugin_name)(const cami_plugin *self);
    void (*logv)(cami_plugin *self, int level, const char *fmt, va_list ap);
    int (*log_enabled)(const cami_plugin *self, int level);

    /* configuration (config.h) */
    const char *(*config_string)(const cami_plugin *self, const char *key);
    int (*config_int)(const cami_plugin *self, const char *key, int64_t *out);
    int (*config_bool)(const cami_plugin *self, const char *key, int *out);
    int (*config_double)(const cami_plugin *self, const char *key, double *out);
    const char *(*config_list_item)(const cami_plugin *self, const char *key, size_t index);

    /* HTTP routes, requests and responses (http.h) */
    int (*route_add)(cami_plugin *self, const char *method, const char *path,
                     cami_http_handler handler, void *ud);
    const char *(*req_method)(const cami_request *req);
    const char *(*req_path)(const cami_request *req);
    const char *(*req_target)(const cami_request *req);
    const char *(*req_param)(const cami_request *req, const char *name);
    const char *(*req_query)(const cami_request *req, const char *name);
    int (*req_query_at)(const cami_request *req, size_t index,
                        const char **name, const char **value);
    const char *(*req_header)(const cami_request *req, const char *name);
    int (*req_header_at)(const cami_request *req, size_t index,
                         const char **name, const char **value);
    const void *(*req_body)(const cami_request *req, size_t *len);
    json_t *(*req_json)(cami_request *req, json_error_t *error);
    const char *(*req_id)(const cami_request *req);
    const char *(*req_remote_addr)(const cami_request *req);
    int (*resp_status)(cami_request *req, int status);
    int (*resp_header)(cami_request *req, const char *name, const char *value);
    int (*resp_body)(cami_request *req, const void *data, size_t len,
                     const char *content_type);
    int (*resp_json)(cami_request *req, int status, json_t *body);
    int (*resp_error)(cami_request *req, int status, const char *message);
    int (*req_finish)(cami_request *req);
    int (*req_aborted)(const cami_request *req);

    /* asynchronous work, timers, cross-thread posts (async.h) */
    int (*work_submit)(cami_plugin *self, cami_work_fn work,
                       cami_work_done_fn done, void *ud);
    cami_timer *(*timer_start)(cami_plugin *self, uint64_t timeout_ms,
                               uint64_t repeat_ms, cami_timer_fn cb, void *ud);
    void (*timer_stop)(cami_timer *timer);
    int (*loop_post)(cami_plugin *self, cami_loop_fn cb, void *ud);
    uint64_t (*now_ms)(const cami_plugin *self);

    /* services offered between plugins (service.h) */
    int (*service_provide)(cami_plugin *self, const char *name, uint32_t version,
                           const void *iface, size_t iface_size);
    const void *(*service_get)(cami_plugin *self, const char *name,
                               uint32_t min_version, size_t *iface_size);

    /* ---- ABI 1.1: the message bus (bus.h) ---- */
    int (*bus_publish)(cami_plugin *self, const char *topic, json_t *payload);
    int (*bus_subscribe)(cami_plugin *self, const char *prefix, cami_event_fn fn, void *ud);
    int (*task_register)(cami_plugin *self, const char *name, cami_task_fn fn, void *ud);
    int (*task_submit)(cami_plugin *self, const char *name, json_t *args, uint64_t timeout_ms,
                       cami_reply_fn cb, void *ud);
    int (*task_reply)(cami_task *task, json_t *result);
    int (*task_fail)(cami_task *task, const char *error);
    const char *(*task_name)(const cami_task *task);
    const char *(*event_topic)(const cami_event *event);
    json_t *(*event_json)(const cami_event *event, json_error_t *error);
    const char *(*event_text)(const cami_event *event, size_t *len);
    /* ---- ABI 1.2: descriptors watched on the loop (async.h) ---- */
    cami_fd_watch *(*fd_watch_start)(cami_plugin *self, int fd, int events, cami_fd_fn cb,
                                     void *ud);
    int (*fd_watch_set)(cami_fd_watch *watch, int events);
    void (*fd_watch_stop)(cami_fd_watch *watch);
    /* ---- append ABI 1.3 members below this line, never above ---- */
};

/* True when the host table `api` has a usable `member`. Since ABI 1.0. */
#define CAMI_HAS(api, member)                                                  \
    ((api) != NULL &&                                                          \
     offsetof(struct cami_host_api, member) + sizeof((api)->member) <=         \
         (api)->size &&                                                        \
     (api)->member != NULL)

#ifdef __cplusplus
}
#endif
#endif
