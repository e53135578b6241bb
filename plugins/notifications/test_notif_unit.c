/*
 * test_notif_unit.c - unit tests (cmocka) of the notifications plugin's
 * pure parts: the notification.create payload checks against the
 * compiled-in resource spec, the dedupe content, the object shape, the
 * registration bodies, the retry backoff and the webhook URL check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notif_backoff.h"
#include "notif_builtin.h"
#include "notif_config.h"
#include "notif_payload.h"

/* notif_config.c's reader (not called here) reaches the host through the
 * global that CAMI_PLUGIN defines in the plugin; the pure checks do not. */
const struct cami_host_api *cami_host_;

static json_t *spec;
static struct notif_limits lim;

static int load_spec(void **state)
{
    char err[200];

    (void)state;
    for (const struct embedded_file *f = notif_builtin; f->name != NULL; f++)
        if (strcmp(f->name, NOTIF_SPEC_ENTRY) == 0)
            spec = json_loads(f->text, 0, NULL);
    if (spec == NULL || notif_limits_from_spec(spec, &lim, err, sizeof err) != 0)
        return -1;
    return 0;
}

static int free_spec(void **state)
{
    (void)state;
    json_decref(spec);
    return 0;
}

static json_t *good(void)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:{s:s,s:i}}", "user_id", "7000001",
                     "recipient_type", "caregiver", "type", "weight", "severity", "medium",
                     "message", "Ada lost 2.0 kg", "description", "You can contact her.",
                     "timestamp", 1474925274, "language", "en", "measurement", "type", "weight",
                     "id", 42);
}

/* Check p (stolen); expect a refusal naming `field` with `words` in it. */
static void refused(json_t *p, const char *field, const char *words)
{
    char f[64] = "?", err[400] = "";
    json_t *row = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);

    if (row != NULL)
        fail_msg("accepted: %s", json_dumps(p, JSON_COMPACT));
    assert_string_equal(f, field);
    if (strstr(err, words) == NULL)
        fail_msg("error '%s' lacks '%s'", err, words);
    json_decref(p);
}

static void payload_normal_form(void **state)
{
    char f[64], err[400];
    json_t *p = good(), *row;

    (void)state;
    row = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    assert_non_null(row);
    assert_int_equal(json_integer_value(json_object_get(row, "user_id")), 7000001);
    assert_int_equal(json_integer_value(json_object_get(row, "timestamp")), 1474925274);
    assert_string_equal(json_string_value(json_object_get(row, "recipient_type")), "caregiver");
    assert_int_equal(json_integer_value(json_object_get(row, "reference_id")), 42);
    assert_null(json_object_get(row, "language"));
    json_decref(row);
    /* integers for ids and times, description left out */
    json_object_set_new(p, "user_id", json_integer(5));
    json_object_set_new(p, "timestamp", json_string("1474925275"));
    json_object_del(p, "description");
    json_object_del(p, "measurement");
    row = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    assert_non_null(row);
    assert_int_equal(json_integer_value(json_object_get(row, "user_id")), 5);
    assert_int_equal(json_integer_value(json_object_get(row, "timestamp")), 1474925275);
    assert_string_equal(json_string_value(json_object_get(row, "description")), "");
    assert_null(json_object_get(row, "reference_id"));
    json_decref(row);
    json_decref(p);
}

static json_t *with(const char *key, json_t *value)
{
    json_t *p = good();
    if (value == NULL)
        json_object_del(p, key);
    else
        json_object_set_new(p, key, value);
    return p;
}

static void payload_refusals(void **state)
{
    char long_text[1100];

    (void)state;
    refused(json_pack("[i]", 1), "", "JSON object");
    refused(with("user_id", NULL), "user_id", "person's id");
    refused(with("user_id", json_string("0")), "user_id", "person's id");
    refused(with("user_id", json_string("7x")), "user_id", "person's id");
    refused(with("user_id", json_integer(-3)), "user_id", "person's id");
    refused(with("recipient_type", json_string("doctor")), "recipient_type",
            "'elderly' or 'caregiver'");
    refused(with("recipient_type", NULL), "recipient_type", "required");
    refused(with("severity", json_string("urgent")), "severity", "'low', 'medium' or 'high'");
    refused(with("type", json_string("  ")), "type", "empty");
    refused(with("type", json_string("a_type_longer_than_20")), "type", "longer than 20");
    refused(with("message", NULL), "message", "required");
    refused(with("message", json_integer(3)), "message", "string");
    memset(long_text, 'x', 513);
    long_text[513] = '\0';
    refused(with("message", json_string(long_text)), "message", "longer than 512");
    memset(long_text, 'y', 1025);
    long_text[1025] = '\0';
    refused(with("description", json_string(long_text)), "description", "longer than 1024");
    refused(with("timestamp", json_integer(1474925274000LL)), "timestamp", "milliseconds");
    refused(with("timestamp", json_real(1.5)), "timestamp", "unix seconds");
    refused(with("timestamp", NULL), "timestamp", "required");
    refused(with("description", json_integer(1)), "description", "string");
}

static void message_length_counts_characters(void **state)
{
    char f[64], err[400];
    char text[513 * 2 + 1];
    json_t *p, *row;

    (void)state;
    /* 512 two-byte characters: 1024 bytes, yet 512 characters */
    for (int i = 0; i < 513; i++)
        memcpy(text + 2 * i, "\xc3\xa9", 2);
    text[1024] = '\0';
    assert_int_equal(notif_utf8_len(text), 512);
    p = with("message", json_string(text));
    row = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    assert_non_null(row);
    json_decref(row);
    json_decref(p);
    text[1024] = '\xc3'; /* 513 characters */
    text[1026] = '\0';
    refused(with("message", json_string(text)), "message", "longer than 512");
}

static void dedupe_text_is_the_content(void **state)
{
    char f[64], err[400];
    json_t *p = good(), *a, *b;
    char *ta, *tb;

    (void)state;
    a = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    json_object_set_new(p, "language", json_string("ro")); /* not content */
    b = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    ta = notif_dedupe_text(a);
    tb = notif_dedupe_text(b);
    assert_string_equal(ta, tb);
    assert_string_equal(ta, "[7000001,\"caregiver\",\"weight\",\"medium\",1474925274,"
                            "\"Ada lost 2.0 kg\",\"You can contact her.\"]");
    free(tb);
    json_decref(b);
    json_object_set_new(p, "recipient_type", json_string("elderly"));
    b = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    tb = notif_dedupe_text(b);
    assert_string_not_equal(ta, tb);
    free(ta);
    free(tb);
    json_decref(a);
    json_decref(b);
    json_decref(p);
}

static void object_shape_and_back(void **state)
{
    char f[64], err[400];
    json_t *p = good(), *row, *obj, *back;

    (void)state;
    row = notif_payload_check(&lim, p, f, sizeof f, err, sizeof err);
    obj = notif_object(row, 17);
    assert_int_equal(json_object_size(obj), 9);
    assert_int_equal(json_integer_value(json_object_get(obj, "id")), 17);
    assert_string_equal(json_string_value(json_object_get(obj, "user_id")), "7000001");
    assert_string_equal(json_string_value(json_object_get(obj, "timestamp")), "1474925274");
    assert_string_equal(json_string_value(json_object_get(obj, "resource_uri")),
                        "/api/v1/notifications/17/");
    back = notif_row_from_object(obj);
    assert_non_null(back);
    assert_int_equal(json_integer_value(json_object_get(back, "id")), 17);
    json_object_del(back, "id");
    json_object_del(row, "reference_id");
    assert_true(json_equal(back, row));
    json_object_set_new(obj, "user_id", json_string("x"));
    assert_null(notif_row_from_object(obj));
    json_decref(back);
    json_decref(obj);
    json_decref(row);
    json_decref(p);
}

static void registration_bodies(void **state)
{
    char f[64] = "", err[400] = "";
    json_t *b, *out;

    (void)state;
    b = json_pack("{s:s,s:s}", "mobile_key", "abc123", "mobile_os", "iOS");
    out = notif_mobile_key_check(b, f, sizeof f, err, sizeof err);
    assert_non_null(out);
    assert_string_equal(json_string_value(json_object_get(out, "mobile_os")), "ios");
    assert_string_equal(json_string_value(json_object_get(out, "recipient_type")), "caregiver");
    json_decref(out);
    json_object_set_new(b, "recipient_type", json_string("nurse"));
    assert_null(notif_mobile_key_check(b, f, sizeof f, err, sizeof err));
    assert_string_equal(f, "recipient_type");
    json_object_set_new(b, "recipient_type", json_string("elderly"));
    json_object_set_new(b, "mobile_os", json_string("symbian"));
    assert_null(notif_mobile_key_check(b, f, sizeof f, err, sizeof err));
    assert_string_equal(f, "mobile_os");
    json_object_set_new(b, "mobile_os", json_string("android"));
    json_object_set_new(b, "mobile_key", json_string("has space"));
    assert_null(notif_mobile_key_check(b, f, sizeof f, err, sizeof err));
    assert_string_equal(f, "mobile_key");
    json_decref(b);

    b = json_pack("{s:s,s:s,s:i}", "registration_id", "36b95015ff", "service_type", "gcm",
                  "user_id", 2);
    out = notif_push_subscribe_check(b, f, sizeof f, err, sizeof err);
    assert_non_null(out);
    assert_string_equal(json_string_value(json_object_get(out, "service_type")), "GCM");
    assert_int_equal(json_integer_value(json_object_get(out, "user_id")), 2);
    json_decref(out);
    json_object_set_new(b, "service_type", json_string("SMS"));
    assert_null(notif_push_subscribe_check(b, f, sizeof f, err, sizeof err));
    assert_string_equal(f, "service_type");
    json_object_set_new(b, "service_type", json_string("APNS"));
    json_object_set_new(b, "user_id", json_string("abc"));
    assert_null(notif_push_subscribe_check(b, f, sizeof f, err, sizeof err));
    assert_string_equal(f, "user_id");
    json_object_del(b, "registration_id");
    assert_null(notif_push_subscribe_check(b, f, sizeof f, err, sizeof err));
    assert_string_equal(f, "registration_id");
    json_decref(b);
    b = json_string("not an object");
    assert_null(notif_push_subscribe_check(b, f, sizeof f, err, sizeof err));
    json_decref(b);
}

static void backoff_doubles_up_to_the_cap(void **state)
{
    (void)state;
    assert_int_equal(notif_backoff_ms(1000, 300000, 1, 0), 1000);
    assert_int_equal(notif_backoff_ms(1000, 300000, 2, 0), 2000);
    assert_int_equal(notif_backoff_ms(1000, 300000, 5, 0), 16000);
    assert_int_equal(notif_backoff_ms(1000, 300000, 9, 0), 256000);
    assert_int_equal(notif_backoff_ms(1000, 300000, 10, 0), 300000);
    assert_int_equal(notif_backoff_ms(1000, 300000, 1000, 0), 300000);
    assert_int_equal(notif_backoff_ms(100, 100, 3, 0), 100);
    /* jitter lowers by at most a tenth */
    assert_true(notif_backoff_ms(1000, 300000, 1, UINT32_MAX) >= 900);
    assert_true(notif_backoff_ms(1000, 300000, 1, UINT32_MAX) < 1000);
    assert_int_equal(notif_backoff_ms(604800000, 604800000, 1000, UINT32_MAX) >= 544320000, 1);
}

static void webhook_urls(void **state)
{
    char err[200];

    (void)state;
    assert_int_equal(notif_config_check_url("http://127.0.0.1:9000/hook", err, sizeof err), 0);
    assert_int_equal(notif_config_check_url("https://example.org", err, sizeof err), 0);
    assert_int_equal(notif_config_check_url("ftp://example.org/", err, sizeof err), -1);
    assert_int_equal(notif_config_check_url("http:///path", err, sizeof err), -1);
    assert_int_equal(notif_config_check_url("http://a b/", err, sizeof err), -1);
    assert_int_equal(notif_config_device_adapter_ok("log"), 1);
    assert_int_equal(notif_config_device_adapter_ok("none"), 1);
    assert_int_equal(notif_config_device_adapter_ok("apns"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payload_normal_form),
        cmocka_unit_test(payload_refusals),
        cmocka_unit_test(message_length_counts_characters),
        cmocka_unit_test(dedupe_text_is_the_content),
        cmocka_unit_test(object_shape_and_back),
        cmocka_unit_test(registration_bodies),
        cmocka_unit_test(backoff_doubles_up_to_the_cap),
        cmocka_unit_test(webhook_urls),
    };
    return cmocka_run_group_tests(tests, load_spec, free_spec);
}
