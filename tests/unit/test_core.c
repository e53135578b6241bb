/* test_core.c - unit tests of the host's small parts: byte buffers, the
 * HTTP date, metrics aggregation across worker slots, the service registry,
 * and diagnostics formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "http/date.h"
#include "jsonreal.h"
#include "metrics.h"
#include "services.h"

static void test_buf_append_and_consume(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(BUF_LIT(&b, "hello "), 0);
    assert_int_equal(buf_printf(&b, "%s %d", "world", 42), 0);
    assert_int_equal(buf_append_u64(&b, 18446744073709551615ull), 0);
    assert_string_equal(b.data, "hello world 4218446744073709551615");
    buf_consume(&b, 6);
    assert_string_equal(b.data, "world 4218446744073709551615");
    buf_consume(&b, 1000);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* a long printf takes the slow path */
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(buf_printf(&b, "<%s>", big), 0);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], '>');
    buf_reset(&b, 16);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
    buf_free(&b);
}

static void test_buf_reserve_overflow(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_reserve(&b, (size_t)-1), -1);
    assert_int_equal(buf_reserve(&b, ((size_t)-1) / 2), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_http_date(void **state)
{
    (void)state;
    char out[HTTP_DATE_LEN + 1];
    http_date_format(784111777, out);   /* RFC 9110's example */
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    http_date_format(0, out);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_int_equal(strlen(http_date_now()), HTTP_DATE_LEN);
}

static void test_metrics_sum_across_slots(void **state)
{
    (void)state;
    assert_int_equal(metrics_init(2), 0);
    uint32_t id = metrics_route_register("main", "GET", "/a/{id}/", "p1");
    uint32_t un = metrics_route_register("main", NULL, NULL, NULL);
    metrics_bind_worker(0);
    metrics_request_done(id, 200, 50000, 10);        /* 50 us */
    metrics_request_done(id, 404, 2000000, 5);       /* 2 ms */
    metrics_handler_failed(id);
    metrics_conn_opened();
    metrics_bind_worker(1);
    metrics_request_done(id, 200, 30000000, 7);      /* 30 ms */
    metrics_request_done(un, 299, 1000, 0);          /* an unlisted status */
    metrics_conn_opened();
    metrics_conn_opened();
    metrics_conn_closed();
    buf out = BUF_INIT;
    assert_int_equal(metrics_render(&out), 0);
    const char *t = out.data;
    assert_non_null(strstr(t, "camid_http_requests_total{listener=\"main\",route=\"/a/{id}/\","
                              "method=\"GET\",plugin=\"p1\",status=\"200\"} 2\n"));
    assert_non_null(strstr(t, "status=\"404\"} 1\n"));
    assert_non_null(strstr(t, "route=\"(unmatched)\",method=\"-\",plugin=\"-\",status=\"other\"} 1\n"));
    /* cumulative buckets: 50us <= 0.0001; 2ms <= 0.0025; 30ms <= 0.05 */
    assert_non_null(strstr(t, "plugin=\"p1\",le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(t, "plugin=\"p1\",le=\"0.001\"} 1\n"));
    assert_non_null(strstr(t, "plugin=\"p1\",le=\"0.0025\"} 2\n"));
    assert_non_null(strstr(t, "plugin=\"p1\",le=\"0.05\"} 3\n"));
    assert_non_null(strstr(t, "plugin=\"p1\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "camid_http_connections_open 2\n"));
    assert_non_null(strstr(t, "camid_http_connections_total 3\n"));
    assert_non_null(strstr(t, "camid_plugin_requests_total{plugin=\"p1\"} 3\n"));
    assert_non_null(strstr(t, "camid_plugin_failures_total{plugin=\"p1\"} 1\n"));
    buf_free(&out);
    metrics_set_running_plugin(3);
    assert_int_equal(metrics_running_plugin(1), 3);
    assert_int_equal(metrics_running_plugin(0), -1);
    assert_int_equal(metrics_running_plugin(7), -1);
    metrics_shutdown();
}

static void test_metrics_label_escaping(void **state)
{
    (void)state;
    assert_int_equal(metrics_init(1), 0);
    uint32_t id = metrics_route_register("l\"1", "GET", "/x\\y\n", "p");
    metrics_request_done(id, 200, 1, 1);
    buf out = BUF_INIT;
    assert_int_equal(metrics_render(&out), 0);
    assert_non_null(strstr(out.data, "listener=\"l\\\"1\",route=\"/x\\\\y\\n\""));
    buf_free(&out);
    metrics_shutdown();
}

static void test_services(void **state)
{
    (void)state;
    struct cami_plugin *a = (struct cami_plugin *)(uintptr_t)0x1000;
    struct cami_plugin *b = (struct cami_plugin *)(uintptr_t)0x2000;
    static const int iface_v2[4] = {1, 2, 3, 4};
    struct cami_plugin *owner = NULL;
    assert_int_equal(services_provide(a, "store", 2, iface_v2, sizeof(iface_v2), &owner), 0);
    assert_int_equal(services_provide(b, "store", 1, iface_v2, sizeof(iface_v2), &owner), -2);
    assert_ptr_equal(owner, a);
    assert_int_equal(services_provide(b, "", 1, iface_v2, 4, NULL), -1);
    assert_int_equal(services_provide(b, "x", 0, iface_v2, 4, NULL), -1);
    size_t size = 0;
    uint32_t found = 0;
    assert_ptr_equal(services_get("store", 1, &size, &found, &owner), iface_v2);
    assert_int_equal(size, sizeof(iface_v2));
    assert_null(services_get("store", 3, &size, &found, &owner));
    assert_int_equal(found, 2);
    assert_null(services_get("nope", 1, &size, &found, &owner));
    assert_int_equal(found, 0);
    services_drop(a);
    assert_null(services_get("store", 1, &size, &found, &owner));
    services_clear();
}

static void test_diag(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    diag_at(&d, "a.conf", 3, "bad %s", "key");
    diag_at(&d, "a.conf", 0, "whole file");
    diag_add(&d, "plain");
    assert_int_equal(d.count, 3);
    assert_string_equal(d.msgs[0], "a.conf:3: bad key");
    assert_string_equal(d.msgs[1], "a.conf: whole file");
    assert_string_equal(d.msgs[2], "plain");
    diag_free(&d);
    assert_int_equal(d.count, 0);
}

/* Reals print as Python printed them (70.3, not 70.299999999999997),
 * and still read back as the same double. */
static void test_json_reals_shortest(void **state)
{
    static const double values[] = { 70.3, 0.1, 1e300, 2.5, 72.123456789, -0.0 };
    json_t *doc = json_pack("{s:f,s:[f,f],s:i,s:s}", "a", 70.3, "b", 0.1, 80.0, "n", 3, "s", "x");
    char *text = json_dumps(doc, json_compact_flags(doc));
    (void)state;

    assert_string_equal(text, "{\"a\":70.3,\"b\":[0.1,80.0],\"n\":3,\"s\":\"x\"}");
    free(text);
    json_decref(doc);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        json_t *v = json_real(values[i]);
        char *t = json_dumps(v, json_compact_flags(v));
        assert_true(strtod(t, NULL) == values[i]);
        assert_int_equal(json_real_digits(v), 15);
        free(t);
        json_decref(v);
    }
    /* 0.1 + 0.2 needs all 17 digits to come back */
    doc = json_pack("[f,f]", 0.1, 0.1 + 0.2);
    assert_int_equal(json_real_digits(doc), 17);
    text = json_dumps(doc, json_compact_flags(doc));
    assert_string_equal(text, "[0.10000000000000001,0.30000000000000004]");
    free(text);
    json_decref(doc);
    assert_int_equal(json_real_digits(NULL), 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append_and_consume),
        cmocka_unit_test(test_buf_reserve_overflow),
        cmocka_unit_test(test_http_date),
        cmocka_unit_test(test_json_reals_shortest),
        cmocka_unit_test(test_metrics_sum_across_slots),
        cmocka_unit_test(test_metrics_label_escaping),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_diag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
