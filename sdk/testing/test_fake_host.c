/*
 * test_fake_host.c - tests of the fake host itself, through a small "probe"
 * plugin defined here. Because the probe is compiled into this file, the
 * tests can also call the SDK's wrappers (cami_req_query, cami_config_int...)
 * directly on the handles the probe saved, as its callbacks would.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cami/testing.h>

/* ---- the probe plugin --------------------------------------------------------- */

static const cami_config_key probe_schema[] = {
    { "name", CAMI_CONFIG_STRING, NULL, 1, "required" },
    { "count", CAMI_CONFIG_INT, "3", 0, "an int" },
    { "flag", CAMI_CONFIG_BOOL, "off", 0, "a bool" },
    { "ratio", CAMI_CONFIG_DOUBLE, "0.5", 0, "a double" },
    { "tags", CAMI_CONFIG_LIST, "a, b ,c", 0, "a list" },
    { "limit", CAMI_CONFIG_INT, NULL, 0, "an int without default" },
    { NULL, 0, NULL, 0, NULL }
};

/* What the test asks of the probe, and what the probe saw. */
static struct {
    cami_plugin *self;
    int init_rc, start_rc;
    int dup_route;
    int repeat_timer;
    int fini_stops_timer;
    uint32_t clock_min;            /* > 0: init gets service "clock" */
    const void *clock;
    size_t clock_size;
    cami_timer *tick;
    unsigned ticks, stops, finis, posts, works;
    cami_request *held;            /* the last request of GET/POST /hold */
    int last_rc;
    int dup_task;
    unsigned events_probe, events_all; /* per subscription */
    char last_topic[64];
    cami_task *task;               /* the last task of probe.hold */
    unsigned replies;              /* reply callbacks run */
    int reply_status;
    json_t *reply_result;          /* a reference of our own */
    char reply_error[200];
} probe;

static const int probe_iface = 7;  /* the service the probe provides */

static int h_item(cami_request *req, void *ud)
{
    return cami_resp_json(req, 200, json_pack("{s:s,s:s,s:s,s:s}", "id", cami_req_param(req, "id"),
                                              "method", cami_req_method(req), "path",
                                              cami_req_path(req), "target", cami_req_target(req)));
}

static int h_special(cami_request *req, void *ud)
{
    return cami_resp_json(req, 200, json_pack("{s:b}", "special", 1));
}

static int h_detail(cami_request *req, void *ud)
{
    return cami_resp_json(req, 201, json_pack("{s:s}", "detail", cami_req_param(req, "id")));
}

static int h_hold(cami_request *req, void *ud)
{
    probe.held = req;
    return CAMI_PENDING;
}

static int h_fail(cami_request *req, void *ud)
{
    (void)cami_resp_status(req, 202);   /* discarded: the handler fails */
    return CAMI_EFAIL;
}

static int h_weird(cami_request *req, void *ud)
{
    return 7;
}

static int h_early(cami_request *req, void *ud)
{
    probe.last_rc = cami_req_finish(req);
    return CAMI_OK;
}

static int h_late_route(cami_request *req, void *ud)
{
    probe.last_rc = cami_route_add(probe.self, "GET", "/late", h_item, NULL);
    return CAMI_OK;
}

static void posted(void *ud)
{
    probe.posts++;
}

static void misbehaving_work(void *ud)
{
    probe.works++;
    (void)cami_now_ms(probe.self);                       /* not allowed here */
    probe.last_rc = cami_loop_post(probe.self, posted, NULL);   /* allowed */
}

static void work_done(void *ud, int status)
{
    cami_request *req = ud;

    if (cami_resp_json(req, 200, json_pack("{s:i}", "status", status)) != CAMI_OK ||
        cami_req_finish(req) != CAMI_OK)
        fail_msg("work_done could not answer");
}

static int h_work(cami_request *req, void *ud)
{
    int rc = cami_work_submit(probe.self, misbehaving_work, work_done, req);

    return rc == CAMI_OK ? CAMI_PENDING : rc;
}

static void forgotten(cami_timer *t, void *ud)
{
    probe.ticks++;   /* never stops its one-shot timer: a leak */
}

static int h_oneshot(cami_request *req, void *ud)
{
    return cami_timer_start(probe.self, 10, 0, forgotten, NULL) != NULL ? CAMI_OK : CAMI_ENOMEM;
}

static void on_tick(cami_timer *t, void *ud)
{
    probe.ticks++;
}

/* ---- the probe's bus: subscriptions, tasks, a reply callback ---- */

static int on_probe_event(cami_plugin *self, const cami_event *event, void *ud)
{
    size_t len = 0;

    probe.events_probe++;
    (void)snprintf(probe.last_topic, sizeof probe.last_topic, "%s", cami_event_topic(event));
    /* the payload reads the same as JSON and as text */
    if (cami_event_json(event, NULL) == NULL || cami_event_text(event, &len) == NULL || len == 0)
        return CAMI_EFAIL;
    return CAMI_OK;
}

static int on_any_event(cami_plugin *self, const cami_event *event, void *ud)
{
    probe.events_all++;
    return CAMI_OK;
}

static int on_event_fails(cami_plugin *self, const cami_event *event, void *ud)
{
    return CAMI_EFAIL;
}

static int t_echo(cami_task *task, json_t *args, void *ud)
{
    return cami_task_reply(task, json_incref(args));
}

static int t_hold(cami_task *task, json_t *args, void *ud)
{
    probe.task = task;
    return CAMI_PENDING;
}

static int t_fail(cami_task *task, json_t *args, void *ud)
{
    return cami_task_fail(task, "nope");
}

static int t_neg(cami_task *task, json_t *args, void *ud)
{
    return CAMI_EFAIL;
}

static int t_silent(cami_task *task, json_t *args, void *ud)
{
    return CAMI_OK;
}

static int t_name(cami_task *task, json_t *args, void *ud)
{
    int rc = cami_task_reply(task, json_string(cami_task_name(task)));

    (void)cami_task_name(task);   /* gone after the answer */
    return rc;
}

static void on_reply(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    probe.replies++;
    probe.reply_status = status;
    json_decref(probe.reply_result);
    probe.reply_result = json_incref(result);
    (void)snprintf(probe.reply_error, sizeof probe.reply_error, "%s", error ? error : "");
}

static int probe_bus_init(cami_plugin *self)
{
    static const struct {
        const char *name;
        cami_task_fn fn;
    } tasks[] = {
        { "probe.echo", t_echo }, { "probe.hold", t_hold },     { "probe.fail", t_fail },
        { "probe.neg", t_neg },   { "probe.silent", t_silent }, { "probe.name", t_name },
    };
    int rc;

    if ((rc = cami_bus_subscribe(self, "probe.", on_probe_event, NULL)) != CAMI_OK ||
        (rc = cami_bus_subscribe(self, "probe.fail", on_event_fails, NULL)) != CAMI_OK ||
        (rc = cami_bus_subscribe(self, "", on_any_event, NULL)) != CAMI_OK)
        return rc;
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
        rc = cami_task_register(self, tasks[i].name, tasks[i].fn, NULL);
        if (rc != CAMI_OK)
            return rc;
    }
    return probe.dup_task ? cami_task_register(self, "probe.echo", t_fail, NULL) : CAMI_OK;
}

static int probe_init(cami_plugin *self)
{
    static const struct {
        const char *method, *path;
        cami_http_handler fn;
    } routes[] = {
        { "GET", "/items/{id}", h_item },   { "GET", "/items/special", h_special },
        { "GET", "/items/{id}/detail", h_detail }, { "POST", "/items/", h_hold },
        { "GET", "/hold", h_hold },         { "POST", "/hold", h_hold },
        { "GET", "/fail", h_fail },         { "GET", "/weird", h_weird },
        { "GET", "/early", h_early },       { "GET", "/late-route", h_late_route },
        { "GET", "/work", h_work },         { "GET", "/oneshot", h_oneshot },
        { "GET", "/things", h_special },    { "POST", "/things/", h_special },
    };
    int rc;

    probe.self = self;
    if (probe.init_rc != CAMI_OK)
        return probe.init_rc;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        rc = cami_route_add(self, routes[i].method, routes[i].path, routes[i].fn, NULL);
        if (rc != CAMI_OK)
            return rc;
    }
    if (probe.dup_route)
        return cami_route_add(self, "GET", "/items/{other}", h_item, NULL);
    rc = cami_service_provide(self, "probe", 1, &probe_iface, sizeof probe_iface);
    if (rc != CAMI_OK)
        return rc;
    if (probe.clock_min > 0)
        probe.clock = cami_service_get(self, "clock", probe.clock_min, &probe.clock_size);
    return probe_bus_init(self);
}

static int probe_start(cami_plugin *self)
{
    if (probe.repeat_timer) {
        probe.tick = cami_timer_start(self, 1000, 1000, on_tick, NULL);
        if (probe.tick == NULL)
            return CAMI_ENOMEM;
    }
    return probe.start_rc;
}

static void probe_stop(cami_plugin *self)
{
    probe.stops++;
}

static void probe_fini(cami_plugin *self)
{
    probe.finis++;
    if (probe.fini_stops_timer)
        cami_timer_stop(probe.tick);
}

CAMI_PLUGIN(probe, "0.0.1", "exercises the fake host", .init = probe_init,
            .start = probe_start, .stop = probe_stop, .fini = probe_fini,
            .config_schema = probe_schema);

/* ---- helpers ------------------------------------------------------------------ */

static cami_test_host *new_host(void)
{
    cami_test_host *h;

    memset(&probe, 0, sizeof probe);
    h = cami_test_host_new(cami_plugin_entry);
    assert_non_null(h);
    assert_int_equal(cami_test_host_config(h, "name", "probe-1"), CAMI_OK);
    return h;
}

static int setup(void **state)
{
    cami_test_host *h = new_host();

    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    cami_test_host_free(*state);
    return 0;
}

static void assert_log_has(cami_test_host *h, const char *text)
{
    if (strstr(cami_test_host_log(h), text) == NULL)
        fail_msg("log lacks \"%s\":\n%s", text, cami_test_host_log(h));
}

static const cami_test_response *req(cami_test_host *h, const char *method, const char *target)
{
    const cami_test_response *r = cami_test_request(h, method, target, NULL, NULL, 0);

    assert_non_null(r);
    return r;
}

static const char *field(const cami_test_response *r, const char *key)
{
    return json_string_value(json_object_get(r->json, key));
}

/* ---- the table and the descriptor check ----------------------------------------------- */

static const struct cami_host_api *seen_api;

static const cami_plugin_desc *capture_entry(const struct cami_host_api *api)
{
    seen_api = api;
    return cami_plugin_entry(api);
}

static void table_is_complete(void **state)
{
    cami_test_host *h = cami_test_host_new(capture_entry);
    const struct cami_host_api *a = seen_api;

    assert_non_null(h);
    assert_int_equal(a->size, sizeof(struct cami_host_api));
    assert_int_equal(a->abi_major, CAMI_ABI_MAJOR);
    assert_int_equal(a->abi_minor, CAMI_ABI_MINOR);
    assert_non_null(a->host_version);
    assert_true(CAMI_HAS(a, plugin_name) && CAMI_HAS(a, logv) && CAMI_HAS(a, log_enabled));
    assert_true(CAMI_HAS(a, config_string) && CAMI_HAS(a, config_int) &&
                CAMI_HAS(a, config_bool) && CAMI_HAS(a, config_double) &&
                CAMI_HAS(a, config_list_item));
    assert_true(CAMI_HAS(a, route_add) && CAMI_HAS(a, req_method) && CAMI_HAS(a, req_path) &&
                CAMI_HAS(a, req_target) && CAMI_HAS(a, req_param) && CAMI_HAS(a, req_query) &&
                CAMI_HAS(a, req_query_at) && CAMI_HAS(a, req_header) &&
                CAMI_HAS(a, req_header_at) && CAMI_HAS(a, req_body) && CAMI_HAS(a, req_json) &&
                CAMI_HAS(a, req_id) && CAMI_HAS(a, req_remote_addr));
    assert_true(CAMI_HAS(a, resp_status) && CAMI_HAS(a, resp_header) && CAMI_HAS(a, resp_body) &&
                CAMI_HAS(a, resp_json) && CAMI_HAS(a, resp_error) && CAMI_HAS(a, req_finish) &&
                CAMI_HAS(a, req_aborted));
    assert_true(CAMI_HAS(a, work_submit) && CAMI_HAS(a, timer_start) && CAMI_HAS(a, timer_stop) &&
                CAMI_HAS(a, loop_post) && CAMI_HAS(a, now_ms));
    assert_true(CAMI_HAS(a, service_provide) && CAMI_HAS(a, service_get));
    assert_true(CAMI_HAS(a, bus_publish) && CAMI_HAS(a, bus_subscribe) &&
                CAMI_HAS(a, task_register) && CAMI_HAS(a, task_submit) &&
                CAMI_HAS(a, task_reply) && CAMI_HAS(a, task_fail) && CAMI_HAS(a, task_name));
    cami_test_host_free(h);
}

static cami_plugin_desc bad;

static const cami_plugin_desc *bad_entry(const struct cami_host_api *api)
{
    return &bad;
}

static const cami_config_key reserved_schema[] = {
    { "listeners", CAMI_CONFIG_STRING, NULL, 0, "the host's" }, { NULL, 0, NULL, 0, NULL }
};
static const cami_config_key bad_default_schema[] = {
    { "n", CAMI_CONFIG_INT, "many", 0, "not an int" }, { NULL, 0, NULL, 0, NULL }
};

static void descriptor_refusals(void **state)
{
    const cami_plugin_desc good = *cami_plugin_entry(NULL);
    cami_test_host *h;

    bad = good;
    h = cami_test_host_new(bad_entry);
    assert_non_null(h);   /* the control: a copy of a good descriptor loads */
    cami_test_host_free(h);
    bad.magic = 0x12345678;
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.abi_major = 2;
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.abi_minor = CAMI_ABI_MINOR + 1;
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.struct_size = 16;
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.name = "Bad-Name";
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.init = NULL;
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.config_schema = reserved_schema;
    assert_null(cami_test_host_new(bad_entry));
    bad = good;
    bad.config_schema = bad_default_schema;
    assert_null(cami_test_host_new(bad_entry));
    assert_null(cami_test_host_new(NULL));
}

/* ---- config ---------------------------------------------------------------------- */

static void config_checked_at_start(void **state)
{
    cami_test_host *h;

    memset(&probe, 0, sizeof probe);
    h = cami_test_host_new(cami_plugin_entry);
    assert_non_null(h);
    assert_int_equal(cami_test_host_start(h), CAMI_EINVAL);
    assert_log_has(h, "needs key 'name'");
    assert_null(probe.self);   /* init never ran */
    assert_int_equal(cami_test_host_start(h), CAMI_ESTATE);
    cami_test_host_free(h);

    h = new_host();
    assert_int_equal(cami_test_host_config(h, "count", "12x"), CAMI_OK);
    assert_int_equal(cami_test_host_config(h, "flag", "maybe"), CAMI_OK);
    assert_int_equal(cami_test_host_config(h, "nmae", "typo"), CAMI_OK);
    assert_int_equal(cami_test_host_start(h), CAMI_EINVAL);
    assert_log_has(h, "count = '12x' is not a valid int");
    assert_log_has(h, "flag = 'maybe' is not a valid bool");
    assert_log_has(h, "unknown key 'nmae'");
    cami_test_host_free(h);
}

static void config_getters(void **state)
{
    cami_test_host *h = new_host();
    int64_t i = -1;
    int b = -1;
    double d = -1;

    assert_int_equal(cami_test_host_config(h, "count", "-42"), CAMI_OK);
    assert_int_equal(cami_test_host_config(h, "count", "42"), CAMI_OK);   /* replaces */
    assert_int_equal(cami_test_host_config(h, "flag", "Yes"), CAMI_OK);
    assert_int_equal(cami_test_host_config(h, "module", "probe"), CAMI_OK);
    assert_int_equal(cami_test_host_config(h, "listeners", "main"), CAMI_OK);
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_int_equal(cami_test_host_config(h, "count", "1"), CAMI_ESTATE);

    assert_string_equal(cami_config_string(probe.self, "name"), "probe-1");
    assert_string_equal(cami_config_string(probe.self, "count"), "42");
    assert_int_equal(cami_config_int(probe.self, "count", &i), CAMI_OK);
    assert_int_equal(i, 42);
    assert_int_equal(cami_config_bool(probe.self, "flag", &b), CAMI_OK);
    assert_int_equal(b, 1);
    assert_int_equal(cami_config_double(probe.self, "ratio", &d), CAMI_OK);
    assert_true(d == 0.5);
    assert_string_equal(cami_config_list_item(probe.self, "tags", 0), "a");
    assert_string_equal(cami_config_list_item(probe.self, "tags", 1), "b");
    assert_string_equal(cami_config_list_item(probe.self, "tags", 2), "c");
    assert_null(cami_config_list_item(probe.self, "tags", 3));
    /* unset without default, wrong type, undeclared */
    i = -1;
    assert_int_equal(cami_config_int(probe.self, "limit", &i), CAMI_ENOENT);
    assert_int_equal(i, -1);
    assert_int_equal(cami_config_int(probe.self, "flag", &i), CAMI_EINVAL);
    assert_int_equal(cami_config_bool(probe.self, "nope", &b), CAMI_EINVAL);
    assert_null(cami_config_string(probe.self, "nope"));
    assert_null(cami_config_string(probe.self, "module"));
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_test_host_free(h);
}

/* ---- life cycle -------------------------------------------------------------------- */

static void lifecycle(void **state)
{
    cami_test_host *h = new_host();

    assert_null(cami_test_request(h, "GET", "/items/1", NULL, NULL, 0));   /* not started */
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_int_equal(probe.stops, 1);
    assert_int_equal(probe.finis, 1);
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_null(cami_test_request(h, "GET", "/items/1", NULL, NULL, 0));   /* stopped */
    cami_test_host_free(h);
    assert_int_equal(probe.finis, 1);

    h = new_host();
    probe.init_rc = CAMI_EFAIL;
    assert_int_equal(cami_test_host_start(h), CAMI_EFAIL);
    cami_test_host_free(h);
    assert_int_equal(probe.stops + probe.finis, 0);   /* no stop/fini after failed init */

    h = new_host();
    probe.init_rc = 1;   /* neither OK nor an error */
    assert_int_equal(cami_test_host_start(h), 1);
    assert_int_equal(cami_test_host_violations(h), 1);
    cami_test_host_free(h);

    h = new_host();
    probe.start_rc = CAMI_ENOTSUP;
    assert_int_equal(cami_test_host_start(h), CAMI_ENOTSUP);
    assert_int_equal(probe.finis, 1);   /* fini after failed start */
    cami_test_host_free(h);
    assert_int_equal(probe.finis, 1);

    h = new_host();
    probe.dup_route = 1;
    assert_int_equal(cami_test_host_start(h), CAMI_EEXIST);
    assert_log_has(h, "route GET /items/{other} of plugin 'probe' clashes with its route "
                      "GET /items/{id}");
    cami_test_host_free(h);
}

/* ---- routing ----------------------------------------------------------------------- */

static void routing(void **state)
{
    cami_test_host *h = *state;
    const cami_test_response *r;

    r = req(h, "GET", "/items/42?x=1");
    assert_int_equal(r->status, 200);
    assert_string_equal(field(r, "id"), "42");
    assert_string_equal(field(r, "path"), "/items/42");
    assert_string_equal(field(r, "target"), "/items/42?x=1");
    assert_string_equal(field(r, "method"), "GET");
    /* literal beats parameter; a decoded '/' does not split a segment */
    assert_true(json_is_true(json_object_get(req(h, "GET", "/items/special")->json, "special")));
    r = req(h, "GET", "/items/a%2Fb%zz");
    assert_string_equal(field(r, "id"), "a/b%zz");
    assert_string_equal(field(r, "path"), "/items/a/b%zz");
    r = req(h, "GET", "/items/special/detail");   /* the literal route is shorter */
    assert_int_equal(r->status, 201);
    assert_string_equal(field(r, "detail"), "special");
    /* the host's own answers */
    r = req(h, "PUT", "/items/42");
    assert_int_equal(r->status, 405);
    assert_string_equal(cami_test_response_header(r, "Allow"), "GET, HEAD");
    assert_string_equal(field(r, "error"), "method not allowed");
    r = req(h, "GET", "/items?q=1");
    assert_int_equal(r->status, 301);
    assert_string_equal(cami_test_response_header(r, "Location"), "/items/?q=1");
    assert_string_equal(field(r, "location"), "/items/?q=1");
    /* a route for the method at path + "/" beats a 405 (camid's order) */
    assert_int_equal(req(h, "POST", "/things")->status, 301);
    r = req(h, "PUT", "/things");
    assert_int_equal(r->status, 405);
    assert_string_equal(cami_test_response_header(r, "Allow"), "GET, HEAD");
    assert_int_equal(req(h, "GET", "/nothing")->status, 404);
    assert_int_equal(req(h, "GET", "/items/%00")->status, 400);
    r = req(h, "GET", "/items/%00");
    assert_string_equal(field(r, "error"), "the request path cannot be decoded");
    r = req(h, "HEAD", "/items/7");
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "");
    assert_string_equal(cami_test_response_header(r, "Content-Type"), "application/json");
    assert_null(cami_test_request(h, "GET", "no-slash", NULL, NULL, 0));
    assert_int_equal(cami_test_host_violations(h), 0);
}

/* ---- requests ------------------------------------------------------------------------ */

static void query_and_headers(void **state)
{
    static const char *const headers[] = { "X-A: 1", "x-a:2", "Other:  v w  ",
                                           "X-Request-Id: abc-1", NULL };
    cami_test_host *h = *state;
    const cami_test_response *r;
    const char *n, *v;

    r = cami_test_request(h, "GET", "/hold?a=1&b=x+y&a=2&c&&d=%41%zz", headers, NULL, 0);
    assert_non_null(r);
    assert_int_equal(r->finished, 0);
    assert_string_equal(cami_req_query(probe.held, "a"), "1");
    assert_string_equal(cami_req_query(probe.held, "b"), "x y");
    assert_string_equal(cami_req_query(probe.held, "c"), "");
    assert_string_equal(cami_req_query(probe.held, "d"), "A%zz");
    assert_null(cami_req_query(probe.held, "e"));
    assert_int_equal(cami_req_query_at(probe.held, 2, &n, &v), CAMI_OK);
    assert_string_equal(n, "a");
    assert_string_equal(v, "2");
    assert_int_equal(cami_req_query_at(probe.held, 5, &n, &v), CAMI_ENOENT);
    assert_string_equal(cami_req_header(probe.held, "x-A"), "1, 2");
    assert_string_equal(cami_req_header(probe.held, "other"), "v w");
    assert_null(cami_req_header(probe.held, "Missing"));
    assert_int_equal(cami_req_header_at(probe.held, 1, &n, &v), CAMI_OK);
    assert_string_equal(n, "x-a");
    assert_string_equal(v, "2");
    assert_int_equal(cami_req_header_at(probe.held, 4, &n, &v), CAMI_ENOENT);
    assert_string_equal(cami_req_id(probe.held), "abc-1");
    assert_string_equal(cami_req_remote_addr(probe.held), "127.0.0.1:54321");
    assert_null(cami_req_param(probe.held, "id"));
    assert_int_equal(cami_req_aborted(probe.held), 0);
    cami_test_request_abort(r);
    assert_int_equal(cami_req_aborted(probe.held), 1);
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);
    assert_int_equal(r->finished, 1);
    assert_int_equal(r->aborted, 1);
    assert_string_equal(cami_test_response_header(r, "X-Request-Id"), "abc-1");
    /* an id the host would not trust is replaced */
    r = cami_test_request(h, "GET", "/items/1", (const char *[]){ "X-Request-Id: a b", NULL },
                          NULL, 0);
    assert_non_null(r);
    assert_memory_equal(cami_test_response_header(r, "X-Request-Id"), "test-", 5);
    assert_null(cami_test_request(h, "GET", "/items/1", (const char *[]){ "NoColon", NULL },
                                  NULL, 0));
    /* a query string with an encoded NUL counts as none, as in camid */
    assert_non_null(req(h, "GET", "/hold?b=1&a=%00"));
    assert_null(cami_req_query(probe.held, "b"));
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);
    assert_int_equal(cami_test_host_violations(h), 0);
}

static void body_and_json(void **state)
{
    cami_test_host *h = *state;
    json_error_t err;
    json_t *j;
    size_t len = 99;

    assert_non_null(cami_test_request(h, "POST", "/hold", NULL, "{\"k\": [1]}", 10));
    assert_string_equal(cami_req_body(probe.held, &len), "{\"k\": [1]}");
    assert_int_equal(len, 10);
    j = cami_req_json(probe.held, &err);
    assert_non_null(j);
    assert_ptr_equal(cami_req_json(probe.held, NULL), j);   /* parsed once */
    assert_int_equal(cami_resp_json(probe.held, 200, json_incref(j)), CAMI_OK);
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);

    assert_non_null(cami_test_request(h, "POST", "/hold", NULL, "nope", 4));
    assert_null(cami_req_json(probe.held, &err));
    assert_true(strlen(err.text) > 0);
    assert_int_equal(err.line, 1);
    assert_int_equal(cami_resp_body(probe.held, "x", 1, NULL), CAMI_OK);
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);

    assert_non_null(cami_test_request(h, "GET", "/hold", NULL, NULL, 0));
    assert_string_equal(cami_req_body(probe.held, &len), "");
    assert_int_equal(len, 0);
    assert_null(cami_req_json(probe.held, &err));
    assert_string_equal(err.text, "the request body is empty");
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);
    assert_int_equal(cami_test_host_violations(h), 0);
}

static void response_building(void **state)
{
    cami_test_host *h = *state;
    const cami_test_response *r = req(h, "GET", "/hold");
    cami_request *q = probe.held;

    assert_int_equal(cami_resp_status(q, 99), CAMI_EINVAL);
    assert_int_equal(cami_resp_status(q, 600), CAMI_EINVAL);
    assert_int_equal(cami_resp_header(q, "Bad Header", "x"), CAMI_EINVAL);
    assert_int_equal(cami_resp_header(q, "X-Evil", "a\r\nSet-Cookie: x"), CAMI_EINVAL);
    assert_int_equal(cami_resp_header(q, "content-length", "3"), CAMI_EINVAL);
    assert_int_equal(cami_resp_header(q, "Date", "today"), CAMI_EINVAL);
    assert_int_equal(cami_resp_header(q, "X-Ok", "1"), CAMI_OK);
    assert_int_equal(cami_resp_json(q, 200, NULL), CAMI_ENOMEM);
    assert_int_equal(cami_resp_json(q, 1000, json_object()), CAMI_EINVAL);   /* no leak */
    assert_int_equal(cami_resp_error(q, 404, "\xff"), CAMI_EINVAL);
    assert_int_equal(cami_resp_body(q, "abc", 3, NULL), CAMI_OK);
    assert_int_equal(cami_resp_status(q, 203), CAMI_OK);
    assert_int_equal(cami_req_finish(q), CAMI_OK);
    assert_int_equal(r->status, 203);
    assert_string_equal(r->body, "abc");
    assert_null(r->json);
    assert_string_equal(cami_test_response_header(r, "content-type"), "application/octet-stream");
    assert_string_equal(cami_test_response_header(r, "X-OK"), "1");

    r = req(h, "GET", "/hold");
    assert_int_equal(cami_resp_header(probe.held, "Content-Type", "text/plain"), CAMI_OK);
    assert_int_equal(cami_resp_error(probe.held, 418, "teapot"), CAMI_OK);
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);
    assert_int_equal(r->status, 418);
    assert_string_equal(r->body, "{\"error\":\"teapot\"}");
    assert_string_equal(field(r, "error"), "teapot");
    assert_int_equal(cami_test_host_violations(h), 0);
}

static void failing_handlers(void **state)
{
    cami_test_host *h = *state;
    const cami_test_response *r = req(h, "GET", "/fail");

    assert_int_equal(r->status, 500);
    assert_int_equal(r->handler_result, CAMI_EFAIL);
    assert_non_null(field(r, "error"));
    assert_log_has(h, "handler of GET /fail failed (-1)");
    assert_int_equal(cami_test_host_violations(h), 0);
    r = req(h, "GET", "/weird");
    assert_int_equal(r->status, 500);
    assert_int_equal(cami_test_host_violations(h), 1);
}

/* ---- contract checks ------------------------------------------------------------------ */

static void finishing_misuse(void **state)
{
    cami_test_host *h = *state;
    const cami_test_response *r = req(h, "GET", "/early");

    assert_int_equal(probe.last_rc, CAMI_ESTATE);   /* finish inside the handler */
    assert_int_equal(r->status, 200);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_non_null(req(h, "GET", "/hold"));
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);
    assert_int_equal(cami_req_finish(probe.held), CAMI_ESTATE);
    assert_int_equal(cami_test_host_violations(h), 2);
    assert_string_equal(cami_req_method(probe.held), "");
    assert_int_equal(cami_resp_status(probe.held, 200), CAMI_ESTATE);
    assert_int_equal(cami_test_host_violations(h), 4);
    assert_log_has(h, "error fake-host: contract: plugin 'probe': cami_req_finish on request "
                      "test-2, already finished");
    r = req(h, "GET", "/late-route");
    assert_int_equal(probe.last_rc, CAMI_ESTATE);
    assert_int_equal(cami_test_host_violations(h), 5);
}

static void work_and_posts(void **state)
{
    cami_test_host *h = *state;
    const cami_test_response *r = req(h, "GET", "/work");

    assert_int_equal(probe.works, 0);   /* nothing runs before the loop does */
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.works, 1);
    assert_int_equal(probe.last_rc, CAMI_OK);
    assert_int_equal(probe.posts, 1);
    assert_int_equal(json_integer_value(json_object_get(r->json, "status")), CAMI_OK);
    assert_int_equal(cami_test_host_violations(h), 1);   /* cami_now_ms in work */
    assert_log_has(h, "cami_now_ms called from a work function");

    r = req(h, "GET", "/work");
    assert_int_equal(cami_test_host_cancel_work(h), 1);
    assert_int_equal(json_integer_value(json_object_get(r->json, "status")), CAMI_ESTATE);
    assert_int_equal(probe.works, 1);
    assert_int_equal(cami_work_submit(probe.self, NULL, work_done, NULL), CAMI_EINVAL);
    assert_int_equal(cami_loop_post(probe.self, NULL, NULL), CAMI_EINVAL);
}

static void *post_from_thread(void *arg)
{
    probe.last_rc = cami_loop_post(probe.self, posted, NULL);
    cami_log(probe.self, CAMI_LOG_INFO, "hello from a thread");
    return NULL;
}

static void posts_from_other_threads(void **state)
{
    cami_test_host *h = *state;
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, post_from_thread, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(probe.last_rc, CAMI_OK);
    assert_int_equal(probe.posts, 0);
    cami_test_host_advance(h, 0);
    assert_int_equal(probe.posts, 1);
    assert_log_has(h, "info probe: hello from a thread\n");
    assert_int_equal(cami_test_host_violations(h), 0);
}

static void timers(void **state)
{
    cami_test_host *h = new_host();
    uint64_t t0;

    probe.repeat_timer = 1;
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    t0 = cami_test_host_now(h);
    assert_int_equal(cami_now_ms(probe.self), t0);
    assert_int_equal(cami_test_host_run(h), 0);   /* nothing waits: no ticking */
    assert_int_equal(probe.ticks, 0);
    assert_int_equal(cami_test_host_advance(h, 3500), 3);
    assert_int_equal(probe.ticks, 3);
    assert_int_equal(cami_test_host_now(h), t0 + 3500);
    /* a pending request keeps run() going, and the repeating timer ticks */
    assert_non_null(req(h, "GET", "/hold"));
    assert_int_equal(cami_test_host_run(h), 1);
    assert_int_equal(cami_test_host_now(h) - t0, 3500 + CAMI_TEST_RUN_HORIZON_MS - 500);
    assert_int_equal(cami_req_finish(probe.held), CAMI_OK);
    cami_timer_stop(probe.tick);
    cami_timer_stop(probe.tick);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "cami_timer_stop on a timer already stopped");
    assert_null(cami_timer_start(probe.self, 1, 0, NULL, NULL));
    cami_test_host_free(h);

    /* a one-shot timer that fires and is never stopped is a leak */
    h = new_host();
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_int_equal(req(h, "GET", "/oneshot")->status, 200);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.ticks, 1);
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "1 one-shot timer(s) fired but were never stopped");
    cami_test_host_free(h);

    /* a plugin may stop its timers in fini; the host stops the rest after */
    h = new_host();
    probe.repeat_timer = 1;
    probe.fini_stops_timer = 1;
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_test_host_free(h);
    h = new_host();
    probe.repeat_timer = 1;
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_timer_stop(probe.tick);   /* as if the plugin kept using it */
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "cami_timer_stop on a timer the host stopped after the plugin's fini");
    cami_test_host_free(h);
}

static void pending_never_finished(void **state)
{
    cami_test_host *h = *state;
    const cami_test_response *r = req(h, "GET", "/hold");

    assert_int_equal(cami_test_host_run(h), 1);
    assert_int_equal(r->aborted, 0);
    assert_int_equal(cami_test_host_stop(h), 1);
    assert_int_equal(r->finished, 0);
    assert_int_equal(r->aborted, 1);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "1 pending request(s) never finished");
}

/* ---- services and log ------------------------------------------------------------------- */

static void services(void **state)
{
    static const int clock_iface = 2;
    cami_test_host *h = new_host();
    size_t size = 0;

    probe.clock_min = 2;
    assert_int_equal(cami_test_host_provide(h, "clock", 2, &clock_iface, sizeof clock_iface),
                     CAMI_OK);
    assert_int_equal(cami_test_host_provide(h, "clock", 3, &clock_iface, 1), CAMI_EEXIST);
    assert_int_equal(cami_test_host_provide(h, "zero", 0, &clock_iface, 1), CAMI_EINVAL);
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_ptr_equal(probe.clock, &clock_iface);
    assert_int_equal(probe.clock_size, sizeof clock_iface);
    assert_ptr_equal(cami_test_host_service(h, "probe", 1, &size), &probe_iface);
    assert_int_equal(size, sizeof probe_iface);
    assert_null(cami_test_host_service(h, "probe", 2, NULL));
    assert_null(cami_test_host_service(h, "clock", 1, NULL));   /* the test's own */
    assert_null(cami_service_get(probe.self, "clock", 3, NULL));
    assert_log_has(h, "error probe: service 'clock' version 2 found, version >= 3 needed");
    assert_null(cami_service_get(probe.self, "calendar", 1, NULL));
    assert_log_has(h, "service 'calendar' (version >= 1) needed, but no plugin provides it");
    assert_int_equal(cami_service_provide(probe.self, "late", 1, &clock_iface, 1), CAMI_ESTATE);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_int_equal(cami_test_host_provide(h, "late", 1, &clock_iface, 1), CAMI_ESTATE);
    cami_test_host_free(h);
}

static void logging(void **state)
{
    cami_test_host *h = *state;

    cami_test_host_log_clear(h);
    assert_string_equal(cami_test_host_log(h), "");
    assert_string_equal(cami_plugin_name(probe.self), "probe");
    cami_log(probe.self, CAMI_LOG_INFO, "n=%d", 5);
    cami_log(probe.self, CAMI_LOG_WARN, "ends in a newline\n");
    assert_string_equal(cami_test_host_log(h), "info probe: n=5\nwarn probe: ends in a newline\n");
    cami_test_host_log_level(h, CAMI_LOG_WARN);
    assert_false(cami_log_enabled(probe.self, CAMI_LOG_INFO));
    assert_true(cami_log_enabled(probe.self, CAMI_LOG_ERROR));
    cami_test_host_log_clear(h);
    cami_log(probe.self, CAMI_LOG_DEBUG, "hidden");
    cami_log(probe.self, CAMI_LOG_ERROR, "shown");
    assert_string_equal(cami_test_host_log(h), "error probe: shown\n");
}

/* ---- the bus ---------------------------------------------------------------------------- */

static void events(void **state)
{
    cami_test_host *h = *state;
    const cami_test_event *ev;
    char long_topic[257];

    assert_int_equal(cami_bus_publish(probe.self, "probe.a", json_pack("{s:i}", "n", 1)),
                     CAMI_OK);
    assert_int_equal(cami_bus_publish(probe.self, "other.b", json_true()), CAMI_OK);
    /* never delivered from inside the publishing call */
    assert_int_equal(probe.events_probe + probe.events_all, 0);
    assert_int_equal(cami_test_host_events(h, &ev), 2);
    assert_string_equal(ev[0].topic, "probe.a");
    assert_int_equal(json_integer_value(json_object_get(ev[0].payload, "n")), 1);
    assert_string_equal(ev[1].topic, "other.b");
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.events_probe, 1);   /* "probe." matched probe.a only */
    assert_string_equal(probe.last_topic, "probe.a");
    assert_int_equal(probe.events_all, 2);     /* "" matches everything */

    /* from elsewhere: delivered, not listed as the plugin's */
    assert_int_equal(cami_test_host_publish(h, "probe.x", json_null()), CAMI_OK);
    cami_test_host_advance(h, 0);
    assert_int_equal(probe.events_probe, 2);
    assert_int_equal(cami_test_host_events(h, &ev), 2);
    cami_test_host_events_clear(h);
    assert_int_equal(cami_test_host_events(h, &ev), 0);
    assert_null(ev);

    /* a failing subscriber is logged; the others still get the event */
    assert_int_equal(cami_test_host_publish(h, "probe.fail", json_object()), CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_log_has(h, "warn fake-host: plugin 'probe': event handler (subscribed to "
                      "'probe.fail') failed on 'probe.fail' (-1)");
    assert_int_equal(probe.events_probe, 3);
    assert_int_equal(probe.events_all, 4);

    /* bad topics and payloads are refused, and the payload is still taken */
    memset(long_topic, 'a', 256);
    long_topic[256] = '\0';
    assert_int_equal(cami_bus_publish(probe.self, "", json_true()), CAMI_EINVAL);
    assert_int_equal(cami_bus_publish(probe.self, "a b", json_object()), CAMI_EINVAL);
    assert_int_equal(cami_bus_publish(probe.self, long_topic, json_object()), CAMI_EINVAL);
    long_topic[255] = '\0';
    assert_int_equal(cami_bus_publish(probe.self, long_topic, json_object()), CAMI_OK);
    assert_int_equal(cami_bus_publish(probe.self, "probe.a", NULL), CAMI_EINVAL);
    assert_int_equal(cami_test_host_publish(h, "x/y", json_object()), CAMI_EINVAL);
    /* subscribing is for init */
    assert_int_equal(cami_bus_subscribe(probe.self, "late.", on_any_event, NULL), CAMI_ESTATE);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "cami_bus_subscribe(late.) outside init");
}

static void tasks_from_the_test(void **state)
{
    cami_test_host *h = *state;
    const cami_test_reply *r;
    uint64_t t0;

    r = cami_test_task(h, "probe.echo", json_pack("{s:s}", "a", "b"), 0);
    assert_non_null(r);
    assert_int_equal(r->finished, 1);
    assert_int_equal(r->status, CAMI_OK);
    assert_int_equal(r->handler_result, CAMI_OK);
    assert_string_equal(json_string_value(json_object_get(r->result, "a")), "b");
    assert_null(r->error);
    r = cami_test_task(h, "probe.echo", NULL, 0);   /* NULL args are {} */
    assert_true(json_is_object(r->result) && json_object_size(r->result) == 0);

    r = cami_test_task(h, "probe.fail", NULL, 0);
    assert_int_equal(r->status, CAMI_EFAIL);
    assert_string_equal(r->error, "nope");
    assert_null(r->result);
    r = cami_test_task(h, "probe.neg", NULL, 0);
    assert_int_equal(r->status, CAMI_EFAIL);
    assert_int_equal(r->handler_result, CAMI_EFAIL);
    assert_string_equal(r->error, "the handler of task 'probe.neg' (plugin 'probe') failed (-1)");
    assert_log_has(h, "plugin 'probe': handler of task 'probe.neg' failed (-1)");
    r = cami_test_task(h, "nobody.home", NULL, 0);
    assert_int_equal(r->status, CAMI_ENOENT);
    assert_string_equal(r->error, "no plugin handles task 'nobody.home'");
    assert_int_equal(r->handler_result, 0);
    r = cami_test_task(h, "probe.name", NULL, 0);
    assert_string_equal(json_string_value(r->result), "probe.name");
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "cami_task_name on task 'probe.name' after it was answered");
    assert_null(cami_test_task(h, "bad name", NULL, 0));

    /* a deferred answer arrives from the loop */
    r = cami_test_task(h, "probe.hold", json_integer(3), 0);
    assert_int_equal(r->finished, 0);
    assert_int_equal(r->handler_result, CAMI_PENDING);
    assert_int_equal(cami_task_reply(probe.task, json_string("later")), CAMI_OK);
    assert_int_equal(r->finished, 1);
    assert_string_equal(json_string_value(r->result), "later");

    /* no answer: the submitter times out on the virtual clock, exactly */
    t0 = cami_test_host_now(h);
    r = cami_test_task(h, "probe.hold", NULL, 0);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(cami_test_host_now(h) - t0, 30000);   /* the default task_timeout */
    assert_int_equal(r->status, CAMI_ETIMEDOUT);
    assert_string_equal(r->error, "task 'probe.hold' was not answered within 30000 ms");
    t0 = cami_test_host_now(h);
    r = cami_test_task(h, "probe.hold", NULL, 250);
    cami_test_host_advance(h, 249);
    assert_int_equal(r->finished, 0);
    cami_test_host_advance(h, 1);
    assert_int_equal(r->status, CAMI_ETIMEDOUT);
    assert_int_equal(cami_test_host_now(h) - t0, 250);
    /* a late answer is allowed and dropped; a second one is a breach */
    assert_int_equal(cami_task_reply(probe.task, json_true()), CAMI_OK);
    assert_int_equal(r->status, CAMI_ETIMEDOUT);
    assert_null(r->result);
    assert_int_equal(cami_task_fail(probe.task, "again"), CAMI_ESTATE);
    assert_int_equal(cami_test_host_violations(h), 2);
    assert_log_has(h, "cami_task_fail on task 'probe.hold' after it was answered");
    /* the task that timed out after 30 s was never answered: stop says so */
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_int_equal(cami_test_host_violations(h), 3);
    assert_log_has(h, "1 task(s) never answered");
}

static void reset_reply(void)
{
    json_decref(probe.reply_result);
    probe.reply_result = NULL;
    probe.replies = 0;
    probe.reply_status = 99;
    probe.reply_error[0] = '\0';
}

static int clock_task(cami_task *task, json_t *args, void *ud)
{
    if (ud == NULL)
        return CAMI_ENOENT;
    return cami_task_reply(task, json_integer(*(const int *)ud));
}

static void tasks_from_the_plugin(void **state)
{
    static const int clock_value = 42;
    cami_test_host *h = new_host();
    uint64_t t0;

    assert_int_equal(cami_test_host_task_handler(h, "clock.now", clock_task,
                                                 (void *)&clock_value), CAMI_OK);
    assert_int_equal(cami_test_host_task_handler(h, "clock.now", clock_task, NULL), CAMI_EEXIST);
    assert_int_equal(cami_test_host_task_handler(h, "clock.broken", clock_task, NULL), CAMI_OK);
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    assert_int_equal(cami_test_host_task_handler(h, "clock.late", clock_task, NULL),
                     CAMI_ESTATE);
    reset_reply();

    /* the handler runs from the loop, the callback after it */
    assert_int_equal(cami_task_submit(probe.self, "probe.echo", json_integer(5), 0, on_reply,
                                      NULL), CAMI_OK);
    assert_int_equal(probe.replies, 0);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.replies, 1);
    assert_int_equal(probe.reply_status, CAMI_OK);
    assert_int_equal(json_integer_value(probe.reply_result), 5);
    assert_string_equal(probe.reply_error, "");

    /* a task the test handles, as another plugin would */
    reset_reply();
    assert_int_equal(cami_task_submit(probe.self, "clock.now", NULL, 0, on_reply, NULL), CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(json_integer_value(probe.reply_result), 42);
    reset_reply();
    assert_int_equal(cami_task_submit(probe.self, "clock.broken", NULL, 0, on_reply, NULL),
                     CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.reply_status, CAMI_EFAIL);
    assert_string_equal(probe.reply_error, "the handler of task 'clock.broken' (the test) "
                                           "failed (-2)");

    reset_reply();
    assert_int_equal(cami_task_submit(probe.self, "nobody.home", NULL, 0, on_reply, NULL),
                     CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.reply_status, CAMI_ENOENT);
    assert_string_equal(probe.reply_error, "no plugin handles task 'nobody.home'");
    assert_null(probe.reply_result);

    reset_reply();
    assert_int_equal(cami_task_submit(probe.self, "probe.fail", NULL, 0, on_reply, NULL),
                     CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.reply_status, CAMI_EFAIL);
    assert_string_equal(probe.reply_error, "nope");

    /* a timeout of its own; the callback runs once even if the answer comes */
    reset_reply();
    t0 = cami_test_host_now(h);
    assert_int_equal(cami_task_submit(probe.self, "probe.hold", NULL, 700, on_reply, NULL),
                     CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(cami_test_host_now(h) - t0, 700);
    assert_int_equal(probe.reply_status, CAMI_ETIMEDOUT);
    assert_string_equal(probe.reply_error, "task 'probe.hold' was not answered within 700 ms");
    assert_int_equal(cami_task_reply(probe.task, NULL), CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.replies, 1);

    /* fire and forget: the handler runs, nobody is told */
    reset_reply();
    assert_int_equal(cami_task_submit(probe.self, "probe.echo", NULL, 0, NULL, NULL), CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.replies, 0);

    /* refusals: the callback is not called, args are still taken */
    assert_int_equal(cami_task_submit(probe.self, "", json_object(), 0, on_reply, NULL),
                     CAMI_EINVAL);
    assert_int_equal(cami_task_submit(probe.self, "a b", NULL, 0, on_reply, NULL), CAMI_EINVAL);
    assert_int_equal(cami_task_register(probe.self, "probe.late", t_echo, NULL), CAMI_ESTATE);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.replies, 0);
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "cami_task_register(probe.late) outside init");
    reset_reply();
    cami_test_host_free(h);
}

static void task_limits(void **state)
{
    cami_test_host *h = *state;
    const cami_test_reply *a, *b, *c;
    cami_task *first;

    assert_int_equal(cami_test_host_bus_limits(h, 100, 0), CAMI_EINVAL);
    assert_int_equal(cami_test_host_bus_limits(h, 0, 2), CAMI_EINVAL);
    assert_int_equal(cami_test_host_bus_limits(h, 100, 2), CAMI_OK);
    a = cami_test_task(h, "probe.hold", NULL, 0);
    first = probe.task;
    b = cami_test_task(h, "probe.hold", NULL, 0);
    c = cami_test_task(h, "probe.echo", NULL, 0);
    assert_int_equal(c->status, CAMI_EBUSY);
    assert_string_equal(c->error, "too many tasks in progress (2): try again later");
    assert_int_equal(c->handler_result, 0);
    reset_reply();
    assert_int_equal(cami_task_submit(probe.self, "probe.echo", json_object(), 0, on_reply,
                                      NULL), CAMI_EBUSY);
    /* an answer makes room */
    assert_int_equal(cami_task_reply(first, NULL), CAMI_OK);
    assert_true(json_is_null(a->result));
    assert_int_equal(cami_task_submit(probe.self, "probe.echo", NULL, 0, on_reply, NULL),
                     CAMI_OK);
    assert_int_equal(cami_test_host_run(h), 0);
    assert_int_equal(probe.reply_status, CAMI_OK);
    /* the task_timeout set above applies */
    assert_int_equal(b->status, CAMI_ETIMEDOUT);
    assert_string_equal(b->error, "task 'probe.hold' was not answered within 100 ms");
    assert_int_equal(cami_task_fail(probe.task, NULL), CAMI_OK);
    a = cami_test_task(h, "probe.hold", NULL, 0);
    assert_int_equal(cami_task_fail(probe.task, NULL), CAMI_OK);
    assert_string_equal(a->error, "the task failed");
    reset_reply();
    assert_int_equal(cami_test_host_violations(h), 0);
}

static void task_contract(void **state)
{
    cami_test_host *h = new_host();
    const cami_test_reply *r;

    probe.dup_task = 1;
    assert_int_equal(cami_test_host_start(h), CAMI_EEXIST);
    assert_log_has(h, "task 'probe.echo' of plugin 'probe' is already handled by the plugin "
                      "itself");
    cami_test_host_free(h);

    h = new_host();
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    r = cami_test_task(h, "probe.silent", NULL, 0);
    assert_int_equal(r->status, CAMI_OK);   /* camid replies null */
    assert_true(json_is_null(r->result));
    assert_int_equal(cami_test_host_violations(h), 1);
    assert_log_has(h, "handler of task 'probe.silent' returned CAMI_OK without answering");
    /* stop tells a submitter still waiting (its deadline is past the run's
     * horizon), and reports the task never answered */
    r = cami_test_task(h, "probe.hold", NULL, 2 * CAMI_TEST_RUN_HORIZON_MS);
    assert_int_equal(cami_test_host_stop(h), 0);
    assert_int_equal(r->status, CAMI_ESTATE);
    assert_string_equal(r->error, "camid is stopping");
    assert_int_equal(cami_test_host_violations(h), 2);
    assert_log_has(h, "1 task(s) never answered");
    assert_null(cami_test_task(h, "probe.echo", NULL, 0));
    assert_int_equal(cami_bus_publish(probe.self, "probe.a", json_object()), CAMI_ESTATE);
    assert_int_equal(cami_task_submit(probe.self, "probe.echo", NULL, 0, on_reply, NULL),
                     CAMI_ESTATE);
    assert_int_equal(cami_test_host_publish(h, "probe.a", json_object()), CAMI_ESTATE);
    cami_test_host_free(h);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_complete),
        cmocka_unit_test(descriptor_refusals),
        cmocka_unit_test(config_checked_at_start),
        cmocka_unit_test(config_getters),
        cmocka_unit_test(lifecycle),
        T(routing),
        T(query_and_headers),
        T(body_and_json),
        T(response_building),
        T(failing_handlers),
        T(finishing_misuse),
        T(work_and_posts),
        T(posts_from_other_threads),
        cmocka_unit_test(timers),
        T(pending_never_finished),
        cmocka_unit_test(services),
        T(logging),
        T(events),
        T(tasks_from_the_test),
        cmocka_unit_test(tasks_from_the_plugin),
        T(task_limits),
        cmocka_unit_test(task_contract),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
