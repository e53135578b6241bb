/*
 * test_hello.c - unit tests of the hello plugin's handlers through the fake
 * host (<cami/testing.h>): no sockets, no threads, virtual time.
 *
 * Build: cc test_hello.c hello.c $(pkg-config --cflags --libs cami-testing cmocka)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cami/testing.h>

/* A started host; config is NULL or "key", "value", ..., NULL. */
static cami_test_host *start(const char *const *config)
{
    cami_test_host *h = cami_test_host_new(cami_plugin_entry);

    assert_non_null(h);
    for (; config != NULL && config[0] != NULL; config += 2)
        assert_int_equal(cami_test_host_config(h, config[0], config[1]), CAMI_OK);
    assert_int_equal(cami_test_host_start(h), CAMI_OK);
    return h;
}

/* Every test ends with a clean stop and no breach of the SDK's contract. */
static void finish(cami_test_host *h)
{
    assert_int_equal(cami_test_host_stop(h), 0);
    if (cami_test_host_violations(h) != 0)
        print_message("%s", cami_test_host_log(h));
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_test_host_free(h);
}

static int setup(void **state)
{
    *state = start(NULL);
    return 0;
}

static int teardown(void **state)
{
    finish(*state);
    return 0;
}

static const cami_test_response *get(cami_test_host *h, const char *target)
{
    const cami_test_response *r = cami_test_request(h, "GET", target, NULL, NULL, 0);

    assert_non_null(r);
    return r;
}

static const cami_test_response *post(cami_test_host *h, const char *type, const char *body)
{
    const char *with_type[] = { NULL, NULL };
    char header[128];
    const cami_test_response *r;

    if (type != NULL) {
        assert_true(strlen(type) < sizeof header - 16);
        strcpy(header, "Content-Type: ");
        strcat(header, type);
        with_type[0] = header;
    }
    r = cami_test_request(h, "POST", "/hello/echo", with_type, body, strlen(body));
    assert_non_null(r);
    return r;
}

static void assert_message(const cami_test_response *r, const char *message)
{
    assert_int_equal(r->finished, 1);
    assert_int_equal(r->status, 200);
    assert_non_null(r->json);
    assert_string_equal(json_string_value(json_object_get(r->json, "message")), message);
}

/* {"error": "..."} with the given status, and the message starting with prefix. */
static void assert_error(const cami_test_response *r, int status, const char *prefix)
{
    const char *msg;

    assert_int_equal(r->finished, 1);
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    msg = json_string_value(json_object_get(r->json, "error"));
    assert_non_null(msg);
    assert_memory_equal(msg, prefix, strlen(prefix));
}

/* ---- GET /hello, GET /hello/{name} ------------------------------------------- */

static void hello_world(void **state)
{
    const cami_test_response *r = get(*state, "/hello");

    assert_message(r, "Hello, World!");
    /* The exact bytes: the benchmark and the README rely on them. */
    assert_string_equal(r->body, "{\"message\":\"Hello, World!\"}");
    assert_string_equal(cami_test_response_header(r, "Content-Type"), "application/json");
}

static void hello_name_is_decoded(void **state)
{
    assert_message(get(*state, "/hello/Ada"), "Hello, Ada!");
    assert_message(get(*state, "/hello/Ada%20Lovelace"), "Hello, Ada Lovelace!");
    assert_message(get(*state, "/hello/caf%C3%A9"), "Hello, caf\xc3\xa9!");
    /* "+" is a space only in query strings, not in a path. */
    assert_message(get(*state, "/hello/a+b"), "Hello, a+b!");
}

static void hello_name_not_utf8(void **state)
{
    assert_error(get(*state, "/hello/%FF"), 400, "the name is not valid UTF-8");
}

static void hello_head_and_unknown_routes(void **state)
{
    const cami_test_response *r = cami_test_request(*state, "HEAD", "/hello", NULL, NULL, 0);

    assert_non_null(r);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->body_len, 0);
    r = cami_test_request(*state, "DELETE", "/hello", NULL, NULL, 0);
    assert_non_null(r);
    assert_int_equal(r->status, 405);
    assert_string_equal(cami_test_response_header(r, "Allow"), "GET, HEAD");
    assert_int_equal(get(*state, "/hello/a/b")->status, 404);
    assert_int_equal(get(*state, "/hello/")->status, 404);
}

/* ---- POST /hello/echo ---------------------------------------------------------- */

static void echo_returns_the_body(void **state)
{
    const char *doc = "{\"a\": [1, 2.5, {\"b\": null}], \"c\": \"caf\xc3\xa9\", \"d\": true}";
    json_t *want = json_loads(doc, 0, NULL);
    const cami_test_response *r = post(*state, "application/json", doc);

    assert_non_null(want);
    assert_int_equal(r->status, 200);
    assert_true(json_equal(r->json, want));
    json_decref(want);
}

static void echo_any_json_value_and_type_forms(void **state)
{
    const cami_test_response *r = post(*state, NULL, "[1,\"two\"]");

    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "[1,\"two\"]");
    r = post(*state, "Application/JSON; charset=utf-8", "42");
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "42");
}

static void echo_bad_json_names_the_error(void **state)
{
    const cami_test_response *r = post(*state, "application/json", "{\"a\": ");

    assert_error(r, 400, "invalid JSON: ");
    /* jansson's reason and the place it stopped. */
    assert_non_null(strstr(json_string_value(json_object_get(r->json, "error")), "line 1"));
    r = post(*state, "application/json", "");
    assert_string_equal(json_string_value(json_object_get(r->json, "error")),
                        "invalid JSON: the request body is empty");
    assert_error(post(*state, NULL, "{'single': 'quotes'}"), 400, "invalid JSON: ");
}

static void echo_refuses_other_content_types(void **state)
{
    assert_error(post(*state, "text/plain", "{}"), 415, "Content-Type must be");
    assert_error(post(*state, "application/jsonx", "{}"), 415, "Content-Type must be");
}

/* ---- config ----------------------------------------------------------------------- */

static void config_defaults(void **state)
{
    assert_non_null(strstr(cami_test_host_log(*state), "debug hello: greeting is \"Hello\"\n"));
    /* slow_max_ms defaults to 10000. */
    assert_int_equal(get(*state, "/hello/slow?ms=10000")->status, 0);
    assert_error(get(*state, "/hello/slow?ms=10001"), 400,
                 "ms must be an integer from 0 to 10000");
    assert_int_equal(cami_test_host_run(*state), 0);
}

static void config_greeting(void **state)
{
    const char *config[] = { "greeting", "Bonjour", NULL };
    cami_test_host *h = start(config);
    const cami_test_response *slow;

    assert_message(get(h, "/hello"), "Bonjour, World!");
    assert_message(get(h, "/hello/Ada"), "Bonjour, Ada!");
    slow = get(h, "/hello/slow?ms=1");
    assert_int_equal(cami_test_host_run(h), 0);
    assert_message(slow, "Bonjour, World!");
    finish(h);
}

static void config_slow_max(void **state)
{
    const char *config[] = { "slow_max_ms", "50", NULL };
    cami_test_host *h = start(config);

    assert_int_equal(get(h, "/hello/slow?ms=50")->status, 0);
    assert_error(get(h, "/hello/slow?ms=51"), 400, "ms must be an integer from 0 to 50");
    assert_int_equal(cami_test_host_run(h), 0);
    finish(h);
}

/* Start must fail; the log must say why. */
static void assert_refused(const char *key, const char *value, int rc, const char *why)
{
    cami_test_host *h = cami_test_host_new(cami_plugin_entry);

    assert_non_null(h);
    assert_int_equal(cami_test_host_config(h, key, value), CAMI_OK);
    assert_int_equal(cami_test_host_start(h), rc);
    if (strstr(cami_test_host_log(h), why) == NULL)
        fail_msg("log lacks \"%s\":\n%s", why, cami_test_host_log(h));
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_test_host_free(h);
}

static void config_refusals(void **state)
{
    assert_refused("greetings", "Hi", CAMI_EINVAL, "unknown key 'greetings'");
    assert_refused("slow_max_ms", "soon", CAMI_EINVAL, "slow_max_ms = 'soon' is not a valid int");
    /* Well typed but out of range: the plugin's own init refuses it. */
    assert_refused("slow_max_ms", "-5", CAMI_EINVAL,
                   "error hello: slow_max_ms must be from 0 to 3600000");
    assert_refused("greeting", "\xff", CAMI_EINVAL,
                   "error hello: greeting must be valid UTF-8 text");
}

/* ---- GET /hello/slow: deferred by a timer -------------------------------------------- */

static void slow_default_is_100ms(void **state)
{
    uint64_t t0 = cami_test_host_now(*state);
    const cami_test_response *r = get(*state, "/hello/slow");

    assert_int_equal(r->handler_result, CAMI_PENDING);
    assert_int_equal(r->finished, 0);
    assert_int_equal(cami_test_host_run(*state), 0);
    assert_message(r, "Hello, World!");
    assert_int_equal(cami_test_host_now(*state) - t0, 100);
}

static void slow_waits_ms(void **state)
{
    static const struct { const char *target; uint64_t ms; } cases[] = {
        { "/hello/slow?ms=250", 250 },
        { "/hello/slow?ms=0", 0 },
        { "/hello/slow?x=1&ms=10000", 10000 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t t0 = cami_test_host_now(*state);
        const cami_test_response *r = get(*state, cases[i].target);

        assert_int_equal(cami_test_host_run(*state), 0);
        assert_message(r, "Hello, World!");
        assert_int_equal(cami_test_host_now(*state) - t0, cases[i].ms);
    }
}

static void slow_bad_ms(void **state)
{
    static const char *const bad[] = {
        "/hello/slow?ms=10001", "/hello/slow?ms=abc", "/hello/slow?ms=-1", "/hello/slow?ms=",
        "/hello/slow?ms", "/hello/slow?ms=1e3", "/hello/slow?ms=%205", "/hello/slow?ms=99999999999999999999",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_error(get(*state, bad[i]), 400, "ms must be an integer from 0 to 10000");
}

static void slow_requests_finish_in_deadline_order(void **state)
{
    const cami_test_response *a = get(*state, "/hello/slow?ms=300");
    const cami_test_response *b = get(*state, "/hello/slow?ms=100");
    const cami_test_response *c = get(*state, "/hello/slow?ms=200");

    cami_test_host_advance(*state, 150);
    assert_int_equal(b->finished + a->finished + c->finished, 1);
    assert_int_equal(b->finished, 1);
    cami_test_host_advance(*state, 60);
    assert_int_equal(c->finished, 1);
    assert_int_equal(a->finished, 0);
    assert_int_equal(cami_test_host_run(*state), 0);
    assert_message(a, "Hello, World!");
}

static void slow_client_gone(void **state)
{
    const cami_test_response *r = get(*state, "/hello/slow?ms=500");

    cami_test_request_abort(r);
    assert_int_equal(cami_test_host_run(*state), 0);
    assert_int_equal(r->finished, 1);
    assert_int_equal(r->aborted, 1);
}

static void slow_is_drained_at_stop(void **state)
{
    const cami_test_response *r = get(*state, "/hello/slow?ms=5000");

    /* The host drains before it stops the plugin: the timer still fires. */
    assert_int_equal(cami_test_host_stop(*state), 0);
    assert_message(r, "Hello, World!");
    assert_int_equal(r->aborted, 0);
}

/* ---- GET /hello/work: the thread pool ----------------------------------------------------- */

static void work_answers_from_done(void **state)
{
    const cami_test_response *r = get(*state, "/hello/work");

    assert_int_equal(r->handler_result, CAMI_PENDING);
    assert_int_equal(r->finished, 0);
    assert_int_equal(cami_test_host_run(*state), 0);
    assert_int_equal(r->status, 200);
    assert_int_equal(json_integer_value(json_object_get(r->json, "below")), 100000);
    assert_int_equal(json_integer_value(json_object_get(r->json, "primes")), 9592);
}

static void work_cancelled_at_shutdown(void **state)
{
    const cami_test_response *r = get(*state, "/hello/work");

    assert_int_equal(cami_test_host_cancel_work(*state), 1);
    assert_error(r, 503, "shutting down");
}

/* ---- task hello.greet, event hello.greeted --------------------------------------------- */

static const cami_test_reply *greet_task(cami_test_host *h, json_t *args)
{
    const cami_test_reply *r = cami_test_task(h, "hello.greet", args, 0);

    assert_non_null(r);
    return r;
}

/* The reply and the one event published with it carry `message`. */
static void assert_greeted(cami_test_host *h, const cami_test_reply *r, const char *message)
{
    const cami_test_event *ev;
    json_t *want = json_pack("{s:s}", "message", message);

    assert_int_equal(r->finished, 1);
    assert_int_equal(r->status, CAMI_OK);
    assert_int_equal(r->handler_result, CAMI_OK);
    assert_true(json_equal(r->result, want));
    assert_int_equal(cami_test_host_events(h, &ev), 1);
    assert_string_equal(ev[0].topic, "hello.greeted");
    assert_true(json_equal(ev[0].payload, want));
    json_decref(want);
    cami_test_host_events_clear(h);
}

static void task_greet_replies_and_publishes(void **state)
{
    cami_test_host *h = *state;

    assert_greeted(h, greet_task(h, json_pack("{s:s}", "name", "Ada")), "Hello, Ada!");
    /* Other keys are ignored; any UTF-8 name is fine. */
    assert_greeted(h, greet_task(h, json_pack("{s:s,s:i}", "name", "caf\xc3\xa9", "n", 1)),
                   "Hello, caf\xc3\xa9!");
    assert_int_equal(cami_test_host_run(h), 0);
}

static void task_greet_uses_the_greeting(void **state)
{
    const char *config[] = { "greeting", "Bonjour", NULL };
    cami_test_host *h = start(config);

    assert_greeted(h, greet_task(h, json_pack("{s:s}", "name", "Ada")), "Bonjour, Ada!");
    finish(h);
}

static void task_greet_refuses_bad_args(void **state)
{
    cami_test_host *h = *state;
    json_t *bad[] = {
        NULL,                                   /* {} */
        json_pack("{s:i}", "name", 7),
        json_pack("{s:n}", "name"),
        json_pack("[s]", "Ada"),
        json_string("Ada"),
    };
    const cami_test_event *ev;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const cami_test_reply *r = greet_task(h, bad[i]);

        assert_int_equal(r->finished, 1);
        assert_int_equal(r->status, CAMI_EFAIL);
        assert_null(r->result);
        assert_string_equal(r->error, "args must be an object with a string \"name\", "
                                      "e.g. {\"name\": \"Ada\"}");
    }
    /* A refused greeting is not announced. */
    assert_int_equal(cami_test_host_events(h, &ev), 0);
}

static int other_greeter(cami_task *task, json_t *args, void *ud)
{
    return cami_task_reply(task, json_string("hi"));
}

static void task_greet_claimed_twice_is_refused(void **state)
{
    cami_test_host *h = cami_test_host_new(cami_plugin_entry);

    assert_non_null(h);
    /* The test stands in for another plugin that handles the same task. */
    assert_int_equal(cami_test_host_task_handler(h, "hello.greet", NULL, NULL), CAMI_EINVAL);
    assert_int_equal(cami_test_host_task_handler(h, "hello.greet", other_greeter, NULL),
                     CAMI_OK);
    assert_int_equal(cami_test_host_start(h), CAMI_EEXIST);
    assert_non_null(strstr(cami_test_host_log(h), "cannot register task hello.greet"));
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_test_host_free(h);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(hello_world),
        T(hello_name_is_decoded),
        T(hello_name_not_utf8),
        T(hello_head_and_unknown_routes),
        T(echo_returns_the_body),
        T(echo_any_json_value_and_type_forms),
        T(echo_bad_json_names_the_error),
        T(echo_refuses_other_content_types),
        T(config_defaults),
        cmocka_unit_test(config_greeting),
        cmocka_unit_test(config_slow_max),
        cmocka_unit_test(config_refusals),
        T(slow_default_is_100ms),
        T(slow_waits_ms),
        T(slow_bad_ms),
        T(slow_requests_finish_in_deadline_order),
        T(slow_client_gone),
        T(slow_is_drained_at_stop),
        T(work_answers_from_done),
        T(work_cancelled_at_shutdown),
        T(task_greet_replies_and_publishes),
        cmocka_unit_test(task_greet_uses_the_greeting),
        T(task_greet_refuses_bad_args),
        cmocka_unit_test(task_greet_claimed_twice_is_refused),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
