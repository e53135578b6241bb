/*
 * test_compliance_measure.c - the intake's checks and conversions
 * (compliance_measure.c) against the resource specs compiled into the
 * plugin, so a range edited in a resource spec is what these tests see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compliance_builtin.h"
#include "compliance_measure.h"

static json_t *specs[MK_COUNT];

static int load_specs(void **state)
{
    (void)state;
    for (const struct embedded_file *f = compliance_builtin; f->name != NULL; f++) {
        enum measure_kind k;
        json_t *spec;
        if (strncmp(f->name, "resources/", 10) != 0)
            continue;
        spec = json_loads(f->text, 0, NULL);
        if (spec == NULL)
            return -1;
        if (measure_kind_by_resource(json_string_value(json_object_get(spec, "name")), &k) == 0)
            specs[k] = spec;
        else
            json_decref(spec);
    }
    for (int k = 0; k < MK_COUNT; k++)
        if (specs[k] == NULL)
            return -1;
    return 0;
}

static int free_specs(void **state)
{
    (void)state;
    for (int k = 0; k < MK_COUNT; k++)
        json_decref(specs[k]);
    return 0;
}

struct outcome {
    int rc;
    char field[128];
    char err[300];
    struct measurement m;
};

static struct outcome parse_with(const char *json, const char *topic_type)
{
    struct outcome o;
    json_error_t jerr;
    json_t *item = json_loads(json, JSON_DECODE_ANY, &jerr);

    memset(&o, 0, sizeof o);
    if (item == NULL)
        fail_msg("test JSON does not parse: %s: %s", json, jerr.text);
    o.rc = measure_parse(item, topic_type, (const json_t *const *)specs, &o.m, o.field,
                         sizeof o.field, o.err, sizeof o.err);
    json_decref(item);
    return o;
}

static struct outcome parse(const char *json)
{
    return parse_with(json, NULL);
}

/* Refused, naming `field`, with `words` in the message. */
static void refused(const char *json, const char *field, const char *words)
{
    struct outcome o = parse(json);
    if (o.rc == 0)
        fail_msg("accepted: %s", json);
    if (strcmp(o.field, field) != 0)
        fail_msg("%s: field '%s', expected '%s' (%s)", json, o.field, field, o.err);
    if (strstr(o.err, words) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", json, o.err, words);
}

static void weight_with_defaults(void **state)
{
    struct outcome o = parse("{\"user_id\": 42, \"type\": \"weight\", \"input_source\": "
                             "\"withings\", \"timestamp\": 1474925274, \"value\": 72.5}");
    (void)state;
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.m.kind, MK_WEIGHT);
    assert_int_equal(o.m.user_id, 42);
    assert_int_equal(o.m.timestamp, 1474925274);
    assert_int_equal(o.m.end_timestamp, 1474925274);
    assert_true(o.m.value == 72.5);
    assert_string_equal(o.m.input_source, "withings");
    assert_string_equal(o.m.unit, "kg");
    assert_string_equal(o.m.timezone, "UTC");
    assert_int_equal(o.m.id, 0);
}

static void ids_as_strings_keep_64_bits(void **state)
{
    struct outcome o = parse("{\"user_id\": \"9007199254740993\", \"type\": \"heart_rate\", "
                             "\"input_source\": \"cinch\", \"timestamp\": \"1474925274\", "
                             "\"timezone\": \"Europe/Bucharest\", \"value\": 64}");
    (void)state;
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.m.kind, MK_HEART_RATE);
    assert_true(o.m.user_id == INT64_C(9007199254740993));
    assert_string_equal(o.m.unit, "bpm");
    assert_string_equal(o.m.timezone, "Europe/Bucharest");
}

static void values_out_of_range(void **state)
{
    (void)state;
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": 900}", "value", "at most 400");
    refused("{\"user_id\": 1, \"type\": \"heart_rate\", \"input_source\": \"w\", "
            "\"timestamp\": 1, \"value\": 0}", "value", "at least 20");
    refused("{\"user_id\": 1, \"type\": \"steps\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": -5}", "value", "at least 0");
    refused("{\"user_id\": 0, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": 70}", "user_id", "at least 1");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": -1, "
            "\"value\": 70}", "timestamp", "at least 0");
    /* milliseconds instead of seconds */
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", "
            "\"timestamp\": 1474925274000, \"value\": 70}", "timestamp", "at most");
}

static void wrong_types_and_missing_members(void **state)
{
    (void)state;
    refused("{\"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1, \"value\": 70}",
            "user_id", "required");
    refused("{\"user_id\": \"12a\", \"type\": \"weight\", \"input_source\": \"w\", "
            "\"timestamp\": 1, \"value\": 70}", "user_id", "integer");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": \"70\"}", "value", "number");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1.5, "
            "\"value\": 70}", "timestamp", "integer");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"timestamp\": 1, \"value\": 70}",
            "input_source", "required");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"\", \"timestamp\": 1, "
            "\"value\": 70}", "input_source", "empty");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": "
            "\"123456789012345678901\", \"timestamp\": 1, \"value\": 70}", "input_source",
            "at most 20 characters");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": 70, \"measurement_unit\": \"lb\"}", "measurement_unit", "one of");
    refused("{\"user_id\": 1, \"type\": \"weight\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": 70, \"timestmp\": 2}", "timestmp", "not a member");
    refused("{\"user_id\": 1, \"type\": \"sleep\", \"input_source\": \"w\", \"timestamp\": 1, "
            "\"value\": 70}", "type", "not one of");
    refused("{\"user_id\": 1, \"input_source\": \"w\", \"timestamp\": 1, \"value\": 70}",
            "type", "required");
    refused("[1, 2]", "", "JSON object");
}

static void topic_gives_the_type(void **state)
{
    struct outcome o = parse_with("{\"user_id\": 7, \"input_source\": \"linkwatch\", "
                                  "\"timestamp\": 100, \"value\": 80}", "weight");
    (void)state;
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.m.kind, MK_WEIGHT);
    o = parse_with("{\"user_id\": 7, \"type\": \"steps\", \"input_source\": \"x\", "
                   "\"timestamp\": 100, \"value\": 80}", "weight");
    assert_int_equal(o.rc, -1);
    assert_string_equal(o.field, "type");
    o = parse_with("{\"user_id\": 7, \"input_source\": \"x\", \"timestamp\": 100, "
                   "\"value\": 80}", "pulse");
    assert_int_equal(o.rc, -1);
    assert_string_equal(o.field, "type");
}

static void blood_pressure(void **state)
{
    struct outcome o = parse("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": "
                             "\"withings\", \"timestamp\": 100, \"value\": {\"systolic\": 120, "
                             "\"diastolic\": 80}}");
    (void)state;
    assert_int_equal(o.rc, 0);
    assert_true(o.m.value == 120 && o.m.diastolic == 80 && o.m.pulse < 0);
    assert_string_equal(o.m.unit, "mmHg");
    o = parse("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": \"w\", "
              "\"timestamp\": 100, \"value\": {\"systolic\": 120, \"diastolic\": 80, "
              "\"pulse\": 64}}");
    assert_int_equal(o.rc, 0);
    assert_true(o.m.pulse == 64);
    refused("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": \"w\", "
            "\"timestamp\": 100, \"value\": 120}", "value", "object");
    refused("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": \"w\", "
            "\"timestamp\": 100, \"value\": {\"diastolic\": 80}}", "value.systolic", "required");
    refused("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": \"w\", "
            "\"timestamp\": 100, \"value\": {\"systolic\": 80, \"diastolic\": 120}}",
            "value.diastolic", "below the systolic");
    refused("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": \"w\", "
            "\"timestamp\": 100, \"value\": {\"systolic\": 120, \"diastolic\": 80, "
            "\"pulse\": 400}}", "value.pulse", "at most 300");
    refused("{\"user_id\": 3, \"type\": \"blood_pressure\", \"input_source\": \"w\", "
            "\"timestamp\": 100, \"value\": {\"systolic\": 120, \"diastolic\": 80, "
            "\"sys\": 1}}", "value.sys", "not a blood pressure value");
}

static void steps_intervals(void **state)
{
    struct outcome o = parse("{\"user_id\": 3, \"type\": \"steps\", \"input_source\": \"fitbit\", "
                             "\"timestamp\": 3600, \"end_timestamp\": 7199, \"value\": 1200}");
    (void)state;
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.m.timestamp, 3600);
    assert_int_equal(o.m.end_timestamp, 7199);
    o = parse("{\"user_id\": 3, \"type\": \"steps\", \"input_source\": \"fitbit\", "
              "\"start_timestamp\": 3600, \"value\": 1200}");
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.m.end_timestamp, 3600);
    refused("{\"user_id\": 3, \"type\": \"steps\", \"input_source\": \"f\", \"timestamp\": 3600, "
            "\"end_timestamp\": 3599, \"value\": 1}", "end_timestamp", "before the start");
    refused("{\"user_id\": 3, \"type\": \"steps\", \"input_source\": \"f\", \"timestamp\": 3600, "
            "\"start_timestamp\": 3600, \"value\": 1}", "start_timestamp", "not both");
    refused("{\"user_id\": 3, \"type\": \"weight\", \"input_source\": \"f\", \"timestamp\": 3600, "
            "\"end_timestamp\": 3600, \"value\": 70}", "end_timestamp", "not a member");
}

static void broadcast_and_row(void **state)
{
    struct outcome o = parse("{\"user_id\": \"9007199254740993\", \"type\": \"blood_pressure\", "
                             "\"input_source\": \"withings\", \"timestamp\": 100, "
                             "\"value\": {\"systolic\": 150, \"diastolic\": 95}}");
    json_t *b, *row, *params;
    struct measurement back;
    const char *sql;

    (void)state;
    assert_int_equal(o.rc, 0);
    o.m.id = 17;
    b = measure_broadcast(&o.m);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "type")), "blood_pressure");
    assert_string_equal(json_string_value(json_object_get(b, "user_id")), "9007199254740993");
    assert_int_equal(json_integer_value(json_object_get(b, "timestamp")), 100);
    assert_int_equal(json_integer_value(json_object_get(b, "id")), 17);
    assert_string_equal(json_string_value(json_object_get(b, "measurement_unit")), "mmHg");
    assert_true(json_is_null(json_object_get(json_object_get(b, "value"), "pulse")));
    assert_int_equal(json_object_size(b), 8);
    json_decref(b);
    assert_string_equal(measure_topic(MK_BLOOD_PRESSURE), "measurement.blood_pressure");

    /* the written hook's row: 64-bit integers as strings */
    row = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:n}", "id", (json_int_t)5, "user_id",
                    "9007199254740993", "input_source", "withings", "measurement_unit", "mmHg",
                    "timestamp", "100", "timezone", "UTC", "systolic", 150.0, "diastolic", 95.0,
                    "pulse");
    assert_int_equal(measure_from_row(MK_BLOOD_PRESSURE, row, &back), 0);
    assert_true(back.user_id == INT64_C(9007199254740993));
    assert_int_equal(back.id, 5);
    assert_true(back.pulse < 0 && back.value == 150 && back.diastolic == 95);
    json_object_del(row, "timestamp");
    assert_int_equal(measure_from_row(MK_BLOOD_PRESSURE, row, &back), -1);
    json_decref(row);

    sql = measure_insert(&o.m, &params);
    assert_non_null(sql);
    assert_non_null(strstr(sql, "compliance_bloodpressure_measurement"));
    assert_int_equal(json_array_size(params), 8);
    assert_true(json_is_null(json_array_get(params, 7)));
    json_decref(params);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weight_with_defaults),
        cmocka_unit_test(ids_as_strings_keep_64_bits),
        cmocka_unit_test(values_out_of_range),
        cmocka_unit_test(wrong_types_and_missing_members),
        cmocka_unit_test(topic_gives_the_type),
        cmocka_unit_test(blood_pressure),
        cmocka_unit_test(steps_intervals),
        cmocka_unit_test(broadcast_and_row),
    };
    return cmocka_run_group_tests(tests, load_specs, free_specs);
}
