/*
 * test_compliance_rules.c - unit tests of the compliance plugin's pure
 * parts: the rules (each threshold's boundary values, who is told what in
 * which language), reading and refusing their config and texts, and the
 * last_values views. The config is read through the SDK's fake host by a
 * small plugin defined here, so the host's own schema checks run too.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cami/testing.h>

#include "compliance_builtin.h"
#include "compliance_lastvalues.h"
#include "compliance_rules.h"
#include "compliance_texts.h"

/* ---- a plugin that only reads the rules' config ------------------------ */

static struct rules_config *loaded;

static int probe_init(cami_plugin *self)
{
    loaded = rules_config_read(self);
    return loaded != NULL ? CAMI_OK : CAMI_EINVAL;
}

CAMI_PLUGIN(compliance, "0.0.1", "reads the rules' config", .init = probe_init,
            .config_schema = compliance_config_schema);

/* The config from "key", "value", ..., NULL; NULL when refused, with the
 * log in log_out (when not NULL). */
static struct rules_config *load(const char *const *kv, char *log_out, size_t loglen)
{
    cami_test_host *h = cami_test_host_new(cami_plugin_entry);
    struct rules_config *cfg;
    int rc;

    assert_non_null(h);
    for (; kv != NULL && kv[0] != NULL; kv += 2)
        assert_int_equal(cami_test_host_config(h, kv[0], kv[1]), CAMI_OK);
    loaded = NULL;
    rc = cami_test_host_start(h);
    cfg = loaded;
    assert_true((rc == CAMI_OK) == (cfg != NULL));
    if (log_out != NULL)
        snprintf(log_out, loglen, "%s", cami_test_host_log(h));
    assert_int_equal(cami_test_host_violations(h), 0);
    cami_test_host_free(h);
    return cfg;
}

static struct rules_config *load_ok(const char *const *kv)
{
    char log[2048];
    struct rules_config *cfg = load(kv, log, sizeof log);
    if (cfg == NULL)
        fail_msg("config refused: %s", log);
    return cfg;
}

/* The config is refused and the log says needle. */
static void refused(const char *const *kv, const char *needle)
{
    char log[4096];
    struct rules_config *cfg = load(kv, log, sizeof log);
    if (cfg != NULL) {
        rules_config_free(cfg);
        fail_msg("config accepted; expected a refusal with \"%s\"", needle);
    }
    if (strstr(log, needle) == NULL)
        fail_msg("expected \"%s\" in the log, got: %s", needle, log);
}

/* A texts file with this content; the path is in path (unlink it). */
static void temp_texts(const char *content, char path[64])
{
    int fd;
    size_t len = strlen(content);
    snprintf(path, 64, "/tmp/test_compliance_texts_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
}

/* The config with a texts file holding content. */
static struct rules_config *load_texts(const char *content, char *log, size_t loglen)
{
    char path[64];
    const char *kv[] = { "texts", path, NULL };
    struct rules_config *cfg;
    temp_texts(content, path);
    cfg = load(kv, log, loglen);
    unlink(path);
    return cfg;
}

static void texts_refused(const char *content, const char *needle)
{
    char log[4096];
    struct rules_config *cfg = load_texts(content, log, sizeof log);
    if (cfg != NULL) {
        rules_config_free(cfg);
        fail_msg("texts %s accepted; expected a refusal with \"%s\"", content, needle);
    }
    if (strstr(log, needle) == NULL)
        fail_msg("texts %s: expected \"%s\" in the log, got: %s", content, needle, log);
    assert_non_null(strstr(log, "texts = /tmp/test_compliance_texts_"));
}

/* ---- checking notifications -------------------------------------------- */

static const struct rules_person ana = { 1, "Ana", "en" };
static const struct rules_person stranger = { 0, NULL, NULL };

static const char *str(const json_t *n, const char *key)
{
    const json_t *v = json_object_get(n, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is not a string", key);
    return json_string_value(v);
}

/* Notification i of a: for recipient, with this type and severity, and a
 * message containing needle (NULL: not checked). */
static const json_t *note(const json_t *a, size_t i, const char *recipient, const char *type,
                          const char *severity, const char *needle)
{
    const json_t *n = json_array_get(a, i);
    if (n == NULL)
        fail_msg("no notification %zu (of %zu)", i, json_array_size(a));
    assert_string_equal(str(n, "recipient_type"), recipient);
    assert_string_equal(str(n, "type"), type);
    assert_string_equal(str(n, "severity"), severity);
    if (needle != NULL && strstr(str(n, "message"), needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", str(n, "message"), needle);
    assert_true(str(n, "description")[0] != '\0');
    return n;
}

/* Both recipients, elderly first, with the same type and severity. */
static void pair(json_t *a, const char *type, const char *severity, const char *elderly_needle,
                 const char *caregiver_needle)
{
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 2);
    note(a, 0, "elderly", type, severity, elderly_needle);
    note(a, 1, "caregiver", type, severity, caregiver_needle);
    json_decref(a);
}

static void none(json_t *a)
{
    assert_non_null(a);
    if (json_array_size(a) != 0)
        fail_msg("expected no notification, got \"%s\"",
                 str(json_array_get(a, 0), "message"));
    json_decref(a);
}

static int setup_defaults(void **state)
{
    *state = load_ok(NULL);
    return 0;
}

static int teardown_config(void **state)
{
    rules_config_free(*state);
    return 0;
}

/* ---- weight ------------------------------------------------------------- */

static void test_weight_boundaries(void **state)
{
    const struct rules_config *cfg = *state;
    json_t *a;
    const json_t *n, *m;

    /* 64.10 - 62.10 is 1.999999999999993 in doubles: still 2.00 kg */
    assert_true(64.10 - 62.10 < 2.0);
    a = rules_weight(cfg, &ana, 42, 62.10, 64.10, 1500000000);
    assert_non_null(a);
    n = note(a, 0, "elderly", "weight", "medium", "There's a decrease of 2 kg in your weight.");
    assert_string_equal(str(n, "description"), "Please take your meals regularly.");
    n = note(a, 1, "caregiver", "weight", "medium", NULL);
    assert_string_equal(str(n, "message"), "Ana lost 2 kg");
    assert_string_equal(str(n, "description"), "You can contact Ana and see what's wrong.");
    assert_string_equal(str(n, "user_id"), "42");
    assert_string_equal(str(n, "language"), "en");
    assert_true(json_is_integer(json_object_get(n, "timestamp")));
    assert_int_equal(json_integer_value(json_object_get(n, "timestamp")), 1500000000);
    m = json_object_get(n, "measurement");
    assert_string_equal(str(m, "type"), "weight");
    assert_float_equal(json_real_value(json_object_get(m, "value")), 62.10, 1e-9);
    assert_float_equal(json_real_value(json_object_get(m, "previous")), 64.10, 1e-9);
    assert_float_equal(json_real_value(json_object_get(m, "delta")), -2.0, 1e-9);
    json_decref(a);

    none(rules_weight(cfg, &ana, 42, 62.11, 64.10, 1));   /* 1.99 kg */
    none(rules_weight(cfg, &ana, 42, 70.31, 72.30, 1));
    none(rules_weight(cfg, &ana, 42, 72.29, 70.30, 1));   /* 1.99 kg up */
    none(rules_weight(cfg, &ana, 42, 70.0, 70.0, 1));
    pair(rules_weight(cfg, &ana, 42, 72.0, 70.0, 1), "weight", "medium",
         "There's an increase of 2 kg in your weight.", "Ana gained 2 kg");
    pair(rules_weight(cfg, &ana, 42, 72.30, 70.30, 1), "weight", "medium", "increase of 2 kg",
         "Ana gained 2 kg");
    pair(rules_weight(cfg, &ana, 42, 65.96, 63.96, 1), "weight", "medium", "increase of 2 kg",
         "Ana gained 2 kg");
    pair(rules_weight(cfg, &ana, 42, 63.96, 65.96, 1), "weight", "medium", "decrease of 2 kg",
         "Ana lost 2 kg");
    pair(rules_weight(cfg, &ana, 42, 80.0, 82.5, 1), "weight", "medium", "decrease of 2.5 kg",
         "Ana lost 2.5 kg");
    pair(rules_weight(cfg, &ana, 42, 75.125, 72.0, 1), "weight", "medium", "increase of 3.13 kg",
         "Ana gained 3.13 kg");
    none(rules_weight(cfg, &ana, 42, NAN, 72.0, 1));
}

static void test_weight_user_id_is_64_bit(void **state)
{
    json_t *a = rules_weight(*state, &ana, INT64_MAX, 60, 70, 1);
    assert_string_equal(str(json_array_get(a, 0), "user_id"), "9223372036854775807");
    assert_string_equal(str(json_array_get(a, 1), "user_id"), "9223372036854775807");
    json_decref(a);
    a = rules_weight(*state, &ana, -5, 60, 70, 1);
    assert_string_equal(str(json_array_get(a, 0), "user_id"), "-5");
    json_decref(a);
}

/* ---- heart rate ----------------------------------------------------------- */

static void test_heart_rate_bands(void **state)
{
    const struct rules_config *cfg = *state;
    json_t *a;

    a = rules_heart_rate(cfg, &ana, 7, 59.9, 100);
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(str(note(a, 0, "elderly", "heart", "high", NULL), "message"),
                        "Hey Ana! Your heart rate is quite low: 59.9.");
    assert_string_equal(str(json_array_get(a, 0), "description"),
                        "I have contacted your caregiver.");
    assert_string_equal(str(note(a, 1, "caregiver", "heart", "high", NULL), "message"),
                        "Ana's heart rate is dangerously low: only 59.9.");
    assert_string_equal(str(json_array_get(a, 1), "description"), "Please take action now!");
    assert_string_equal(str(json_object_get(json_array_get(a, 1), "measurement"), "type"),
                        "heart_rate");
    json_decref(a);

    pair(rules_heart_rate(cfg, &ana, 7, 60, 1), "heart", "medium", "a little low: 60",
         "a little low: 60");
    pair(rules_heart_rate(cfg, &ana, 7, 69.9, 1), "heart", "medium", "a little low: 69.9",
         "Ana's heart rate is a little low");
    none(rules_heart_rate(cfg, &ana, 7, 70, 1));
    none(rules_heart_rate(cfg, &ana, 7, 77, 1));
    none(rules_heart_rate(cfg, &ana, 7, 85, 1));
    pair(rules_heart_rate(cfg, &ana, 7, 85.1, 1), "heart", "medium", "a little high: 85.1",
         "a little high: 85.1");
    pair(rules_heart_rate(cfg, &ana, 7, 100, 1), "heart", "medium", "a little high: 100",
         "a little high: 100");
    pair(rules_heart_rate(cfg, &ana, 7, 100.1, 1), "heart", "high", "quite high: 100.1",
         "dangerously high: 100.1");
    none(rules_heart_rate(cfg, &ana, 7, INFINITY, 1));
}

/* ---- blood pressure ------------------------------------------------------- */

/* One component at v, the others normal (120/80, pulse 70). */
static json_t *bp_with(const struct rules_config *cfg, int component, double v)
{
    double c[3] = { 120, 80, 70 };
    c[component] = v;
    return rules_blood_pressure(cfg, &ana, 3, c[0], c[1], c[2], 1);
}

static void test_blood_pressure_band_edges(void **state)
{
    static const struct {
        int component;
        double value;
        const char *severity;   /* NULL: nothing fires */
        const char *needle;     /* in the caregiver's message */
    } cases[] = {
        { 0, 89.9, "high", "blood pressure is dangerously low: 89.9/80" },
        { 0, 90, "medium", "blood pressure is a little low: 90/80" },
        { 0, 99.9, "medium", "a little low: 99.9/80" },
        { 0, 100, NULL, NULL },
        { 0, 140, NULL, NULL },
        { 0, 140.1, "medium", "blood pressure is a little high: 140.1/80" },
        { 0, 160, "medium", "a little high: 160/80" },
        { 0, 160.1, "high", "dangerously high: 160.1/80" },
        { 1, 49.9, "high", "dangerously low: 120/49.9" },
        { 1, 50, "medium", "a little low: 120/50" },
        { 1, 59.9, "medium", "a little low: 120/59.9" },
        { 1, 60, NULL, NULL },
        { 1, 90, NULL, NULL },
        { 1, 90.1, "medium", "a little high: 120/90.1" },
        { 1, 100, "medium", "a little high: 120/100" },
        { 1, 100.1, "high", "dangerously high: 120/100.1" },
        { 2, 49.9, "high", "Ana's pulse is dangerously low: only 49.9." },
        { 2, 50, "medium", "Ana's pulse is a little low: 50." },
        { 2, 59.9, "medium", "pulse is a little low: 59.9" },
        { 2, 60, NULL, NULL },
        { 2, 100, NULL, NULL },
        { 2, 100.1, "medium", "pulse is a little high: 100.1" },
        { 2, 140, "medium", "pulse is a little high: 140" },
        { 2, 140.1, "high", "pulse is dangerously high: 140.1" },
    };
    static const char *const names[3] = { "systolic", "diastolic", "pulse" };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *a = bp_with(*state, cases[i].component, cases[i].value);
        const json_t *m;
        if (cases[i].severity == NULL) {
            if (json_array_size(a) != 0)
                fail_msg("%s %g fired", names[cases[i].component], cases[i].value);
            json_decref(a);
            continue;
        }
        if (json_array_size(a) != 2)
            fail_msg("%s %g: %zu notifications", names[cases[i].component], cases[i].value,
                     json_array_size(a));
        note(a, 0, "elderly", "blood_pressure", cases[i].severity, NULL);
        note(a, 1, "caregiver", "blood_pressure", cases[i].severity, cases[i].needle);
        m = json_object_get(json_array_get(a, 1), "measurement");
        assert_string_equal(str(m, "component"), names[cases[i].component]);
        assert_float_equal(json_real_value(json_object_get(m, "value")), cases[i].value, 1e-9);
        json_decref(a);
    }
}

static void test_blood_pressure_worst_component_wins(void **state)
{
    const struct rules_config *cfg = *state;
    json_t *a;
    const json_t *m;

    /* systolic warning, diastolic alert: the alert */
    a = rules_blood_pressure(cfg, &ana, 3, 150, 105, 70, 1);
    m = json_object_get(note(a, 1, "caregiver", "blood_pressure", "high",
                             "dangerously high: 150/105"), "measurement");
    assert_string_equal(str(m, "component"), "diastolic");
    json_decref(a);
    /* two alerts: the first of systolic, diastolic, pulse */
    a = rules_blood_pressure(cfg, &ana, 3, 170, 80, 45, 1);
    m = json_object_get(note(a, 0, "elderly", "blood_pressure", "high",
                             "Hey Ana! Your blood pressure is quite high: 170/80."),
                        "measurement");
    assert_string_equal(str(m, "component"), "systolic");
    assert_float_equal(json_real_value(json_object_get(m, "pulse")), 45, 1e-9);
    json_decref(a);
    /* pulse < 0: not measured, whatever it is */
    none(rules_blood_pressure(cfg, &ana, 3, 120, 80, -1, 1));
    a = rules_blood_pressure(cfg, &ana, 3, 150, 80, -1, 1);
    m = json_object_get(note(a, 0, "elderly", "blood_pressure", "medium", NULL), "measurement");
    assert_true(json_is_null(json_object_get(m, "pulse")));
    json_decref(a);
    none(rules_blood_pressure(cfg, &ana, 3, NAN, 80, 70, 1));
}

/* ---- steps ---------------------------------------------------------------- */

static void test_steps_bands(void **state)
{
    const struct rules_config *cfg = *state;
    const int64_t day = 1700092799;   /* 2023-11-15 23:59:59 UTC */
    json_t *a;
    const json_t *m;

    /* below 1000: the caregiver (high) and the person (medium) */
    a = rules_steps(cfg, &ana, 5, 999, day);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(str(note(a, 0, "elderly", "steps", "medium", NULL), "message"),
                        "Hey Ana! You walked only 999 steps on 2023-11-15.");
    assert_string_equal(str(note(a, 1, "caregiver", "steps", "high", NULL), "message"),
                        "Ana walked only 999 steps on 2023-11-15.");
    m = json_object_get(json_array_get(a, 1), "measurement");
    assert_string_equal(str(m, "date"), "2023-11-15");
    assert_float_equal(json_real_value(json_object_get(m, "value")), 999, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "timestamp")), day);
    json_decref(a);
    a = rules_steps(cfg, &ana, 5, 1000, day);
    assert_int_equal(json_array_size(a), 1);
    note(a, 0, "elderly", "steps", "medium", "only 1000 steps");
    json_decref(a);
    a = rules_steps(cfg, &ana, 5, 1999, day);
    assert_int_equal(json_array_size(a), 1);
    note(a, 0, "elderly", "steps", "medium", "only 1999 steps");
    json_decref(a);
    none(rules_steps(cfg, &ana, 5, 2000, day));
    none(rules_steps(cfg, &ana, 5, 6000, day));
    a = rules_steps(cfg, &ana, 5, 6001, day + 1);
    assert_int_equal(json_array_size(a), 1);
    assert_string_equal(str(note(a, 0, "elderly", "steps", "low", NULL), "message"),
                        "Well done, Ana! You walked 6001 steps on 2023-11-16.");
    json_decref(a);
}

/* ---- people and languages --------------------------------------------------- */

static void test_unknown_person_gets_neutral_texts(void **state)
{
    const struct rules_config *cfg = *state;
    const struct rules_person nameless = { 1, NULL, "ro" };
    const struct rules_person unknown_ro = { 0, "Ana", "ro" };
    json_t *a;

    a = rules_weight(cfg, &stranger, 9, 60, 65, 1);
    assert_string_equal(str(note(a, 1, "caregiver", "weight", "medium", NULL), "message"),
                        "The person you care for lost 5 kg");
    assert_string_equal(str(json_array_get(a, 1), "description"),
                        "You can contact them and see what's wrong.");
    assert_string_equal(str(json_array_get(a, 0), "language"), "en");
    json_decref(a);
    a = rules_heart_rate(cfg, NULL, 9, 40, 1);
    assert_string_equal(str(note(a, 0, "elderly", "heart", "high", NULL), "message"),
                        "Hey! Your heart rate is quite low: 40.");
    json_decref(a);
    /* a known person without a name: neutral, in their language */
    a = rules_heart_rate(cfg, &nameless, 9, 40, 1);
    assert_string_equal(str(json_array_get(a, 0), "language"), "ro");
    assert_string_equal(str(json_array_get(a, 1), "message"),
                        "Persoana de care aveți grijă are ritmul cardiac periculos de scăzut: "
                        "doar 40.");
    json_decref(a);
    /* what an unknown person's fields say does not count */
    a = rules_steps(cfg, &unknown_ro, 9, 500, 1);
    assert_string_equal(str(json_array_get(a, 0), "language"), "en");
    assert_string_equal(str(json_array_get(a, 1), "message"),
                        "The person you care for walked only 500 steps on 1970-01-01.");
    assert_null(strstr(str(json_array_get(a, 0), "message"), "Ana"));
    json_decref(a);
}

static void test_languages(void **state)
{
    const struct rules_config *cfg = *state;
    const struct rules_person ro = { 1, "Ion", "ro" }, dk = { 1, "Jens", "dk" },
                              pl = { 1, "Zofia", "pl" }, de = { 1, "Jim", "de" },
                              none_lang = { 1, "Jim", NULL };
    json_t *a;

    a = rules_weight(cfg, &ro, 1, 70, 72.5, 1);
    assert_string_equal(str(json_array_get(a, 1), "message"), "Ion a slăbit 2.5 kg");
    assert_string_equal(str(json_array_get(a, 0), "message"),
                        "Greutatea dumneavoastră a scăzut cu 2.5 kg.");
    assert_string_equal(str(json_array_get(a, 1), "language"), "ro");
    json_decref(a);
    a = rules_weight(cfg, &dk, 1, 74.5, 72, 1);
    assert_string_equal(str(json_array_get(a, 1), "message"), "Jens har taget 2.5 kg på");
    assert_string_equal(str(json_array_get(a, 1), "language"), "dk");
    json_decref(a);
    a = rules_heart_rate(cfg, &pl, 1, 120, 1);
    assert_string_equal(str(json_array_get(a, 1), "message"),
                        "Zofia: niebezpiecznie wysokie tętno – 120.");
    assert_string_equal(str(json_array_get(a, 0), "message"),
                        "Dzień dobry, Zofia! Tętno jest dość wysokie: 120.");
    assert_string_equal(str(json_array_get(a, 0), "language"), "pl");
    json_decref(a);
    /* a language CAMI did not ship, or none: the default (en) */
    a = rules_heart_rate(cfg, &de, 1, 120, 1);
    assert_string_equal(str(json_array_get(a, 1), "message"),
                        "Jim's heart rate is dangerously high: 120.");
    assert_string_equal(str(json_array_get(a, 1), "language"), "en");
    json_decref(a);
    a = rules_heart_rate(cfg, &none_lang, 1, 120, 1);
    assert_string_equal(str(json_array_get(a, 1), "language"), "en");
    json_decref(a);
    assert_string_equal(rules_config_default_language(cfg), "en");
}

static void test_default_language_from_config(void **state)
{
    const char *kv[] = { "default_language", "dk", NULL };
    const struct rules_person de = { 1, "Jim", "de" };
    struct rules_config *cfg = load_ok(kv);
    json_t *a;
    (void)state;

    assert_string_equal(rules_config_default_language(cfg), "dk");
    a = rules_heart_rate(cfg, &stranger, 1, 40, 1);
    assert_string_equal(str(json_array_get(a, 0), "language"), "dk");
    assert_string_equal(str(json_array_get(a, 0), "message"), "Hej! Din puls er ret lav: 40.");
    json_decref(a);
    a = rules_heart_rate(cfg, &de, 1, 40, 1);
    assert_string_equal(str(json_array_get(a, 1), "message"),
                        "Jim har en faretruende lav puls: kun 40.");
    json_decref(a);
    rules_config_free(cfg);
}

/* Every text of every language renders; neutral ones never carry the name;
 * translations are not English left in place. */
static void test_builtin_texts_complete(void **state)
{
    const struct embedded_file *f;
    const char *vars[TP_COUNT] = { "NAMEX", "1", "2", "3", "4", "5", "6", "2023-11-15" };
    struct texts *t = texts_new();
    json_error_t jerr;
    json_t *doc = NULL;
    char err[512];
    int l, e, r, n, fl, total = 0, translated[TL_COUNT] = { 0 };
    (void)state;

    for (f = compliance_builtin; f->name != NULL; f++)
        if (strcmp(f->name, COMPLIANCE_TEXTS_ENTRY) == 0)
            doc = json_loads(f->text, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(doc);
    if (texts_merge(t, doc, err, sizeof err) < 0 || texts_complete(t, err, sizeof err) < 0)
        fail_msg("built-in texts: %s", err);
    json_decref(doc);
    for (l = 0; l < TL_COUNT; l++)
        for (e = 0; e < TE_COUNT; e++)
            for (r = 0; r < TR_COUNT; r++) {
                if (!(text_events[e].recipients & (1u << r)))
                    continue;
                for (n = 0; n < 2; n++)
                    for (fl = 0; fl < TF_COUNT; fl++) {
                        char *s = texts_render(t, l, e, r, n, fl, vars);
                        char *en = texts_render(t, TL_EN, e, r, n, fl, vars);
                        assert_non_null(s);
                        assert_true(s[0] != '\0');
                        assert_null(strchr(s, '{'));
                        if (n)
                            assert_null(strstr(s, "NAMEX"));
                        translated[l] += strcmp(s, en) != 0;
                        total += l == TL_EN;
                        free(s);
                        free(en);
                    }
            }
    assert_int_equal(translated[TL_EN], 0);
    for (l = 1; l < TL_COUNT; l++)
        if (translated[l] != total)
            fail_msg("%s: only %d of %d texts differ from English", text_lang_code(l),
                     translated[l], total);
    texts_free(t);
}

static void test_long_texts_are_cut_at_a_character(void **state)
{
    char name[700];
    struct rules_person p = { 1, name, "ro" };
    json_t *a;
    const char *msg;
    size_t i, len;

    for (i = 0; i + 2 < sizeof name; i += 2)
        memcpy(name + i, "\xc4\x83", 2);   /* U+0103, two bytes */
    name[i] = '\0';
    a = rules_weight(*state, &p, 1, 60, 70, 1);
    msg = str(json_array_get(a, 1), "message");
    len = strlen(msg);
    assert_true(len <= TEXT_MESSAGE_MAX);
    assert_true(len >= TEXT_MESSAGE_MAX - 1);
    assert_int_equal(len % 2, 0);          /* only whole characters */
    assert_memory_equal(msg, "\xc4\x83\xc4\x83", 4);
    json_decref(a);
}

/* ---- config: overrides and refusals ----------------------------------------- */

static void test_threshold_overrides(void **state)
{
    const char *kv[] = { "weight_delta", "1.5", "heart_alert_low", "55", "heart_warning_high",
                         "90", "steps_alert_low", "500", "steps_high", "10000",
                         "systolic_alert_high", "180", NULL };
    struct rules_config *cfg = load_ok(kv);
    const struct rules_thresholds *t = rules_config_thresholds(cfg);
    json_t *a;
    (void)state;

    assert_float_equal(t->weight_delta, 1.5, 1e-9);
    assert_float_equal(t->heart.alert_low, 55, 1e-9);
    assert_float_equal(t->heart.warning_low, 70, 1e-9);
    assert_float_equal(t->pulse.alert_high, 140, 1e-9);
    assert_float_equal(t->steps_warning_low, 2000, 1e-9);
    pair(rules_weight(cfg, &ana, 1, 70, 71.5, 1), "weight", "medium", NULL, "Ana lost 1.5 kg");
    none(rules_weight(cfg, &ana, 1, 70, 71.49, 1));
    pair(rules_heart_rate(cfg, &ana, 1, 57, 1), "heart", "medium", NULL, NULL);
    pair(rules_heart_rate(cfg, &ana, 1, 54.9, 1), "heart", "high", NULL, NULL);
    none(rules_heart_rate(cfg, &ana, 1, 90, 1));
    a = rules_steps(cfg, &ana, 1, 700, 1);
    assert_int_equal(json_array_size(a), 1);   /* only the person's */
    json_decref(a);
    none(rules_steps(cfg, &ana, 1, 7000, 1));
    pair(rules_blood_pressure(cfg, &ana, 1, 170, 80, 70, 1), "blood_pressure", "medium", NULL,
         NULL);
    rules_config_free(cfg);
}

static void test_texts_file_overrides_some_texts(void **state)
{
    char path[64];
    const char *kv[] = { "texts", path, "default_language", "pl", NULL };
    const struct rules_person en_ana = { 1, "Ana", "en" };
    struct rules_config *cfg;
    json_t *a;
    (void)state;

    temp_texts("{\"en\": {\"weight_loss\": {\"caregiver\": {\"message\": "
               "\"{name} went from {previous} to {value} kg (-{delta})\"}}},"
               " \"pl\": {\"steps_high\": {\"elderly_neutral\": {\"description\": "
               "\"Super!\"}}}}", path);
    cfg = load_ok(kv);
    unlink(path);
    a = rules_weight(cfg, &en_ana, 1, 70, 72.5, 1);
    assert_string_equal(str(json_array_get(a, 1), "message"), "Ana went from 72.5 to 70 kg (-2.5)");
    /* the description and the other texts stay built-in */
    assert_string_equal(str(json_array_get(a, 1), "description"),
                        "You can contact Ana and see what's wrong.");
    assert_string_equal(str(json_array_get(a, 0), "message"),
                        "There's a decrease of 2.5 kg in your weight.");
    json_decref(a);
    /* an unknown person: the default language (pl), neutral, overridden */
    a = rules_steps(cfg, &stranger, 1, 7000, 1);
    assert_string_equal(str(json_array_get(a, 0), "language"), "pl");
    assert_string_equal(str(json_array_get(a, 0), "message"),
                        "Brawo! Liczba kroków w dniu 1970-01-01: 7000.");
    assert_string_equal(str(json_array_get(a, 0), "description"), "Super!");
    json_decref(a);
    /* the known variant keeps its built-in description */
    {
        const struct rules_person zofia = { 1, "Zofia", "pl" };
        a = rules_steps(cfg, &zofia, 1, 7000, 1);
        assert_string_equal(str(json_array_get(a, 0), "description"), "Tak trzymać!");
        json_decref(a);
    }
    rules_config_free(cfg);
}

static void test_threshold_refusals(void **state)
{
    (void)state;
    {
        const char *kv[] = { "heart_warning_low", "50", NULL };
        refused(kv, "heart_alert_low = 60 is above heart_warning_low = 50");
    }
    {
        const char *kv[] = { "heart_warning_high", "101", NULL };
        refused(kv, "heart_warning_high = 101 is above heart_alert_high = 100");
    }
    {
        const char *kv[] = { "systolic_warning_low", "95", "systolic_warning_high", "94", NULL };
        refused(kv, "systolic_warning_low = 95 is above systolic_warning_high = 94");
    }
    {
        const char *kv[] = { "diastolic_alert_low", "65", NULL };
        refused(kv, "diastolic_alert_low = 65 is above diastolic_warning_low = 60");
    }
    {
        const char *kv[] = { "pulse_alert_high", "99", NULL };
        refused(kv, "pulse_warning_high = 100 is above pulse_alert_high = 99");
    }
    {
        const char *kv[] = { "weight_delta", "0", NULL };
        refused(kv, "weight_delta = 0: must be above 0 kg");
    }
    {
        const char *kv[] = { "weight_delta", "-2", NULL };
        refused(kv, "weight_delta = -2: must be a number from 0");
    }
    {
        const char *kv[] = { "steps_alert_low", "2500", NULL };
        refused(kv, "steps_alert_low = 2500, steps_warning_low = 2000, steps_high = 6000");
    }
    {
        const char *kv[] = { "steps_high", "1500", NULL };
        refused(kv, "steps_high = 1500");
    }
    {
        const char *kv[] = { "default_language", "da", NULL };
        refused(kv, "default_language = da: unknown language; one of en, ro, dk, pl");
    }
    {
        const char *kv[] = { "texts", "/nonexistent/texts.json", NULL };
        refused(kv, "texts = /nonexistent/texts.json: unable to open");
    }
    {
        /* the host checks types against the schema before init */
        const char *kv[] = { "heart_alert_low", "low", NULL };
        refused(kv, "heart_alert_low");
    }
}

static void test_texts_refusals(void **state)
{
    (void)state;
    texts_refused("{\"en\": {", "line 1");
    texts_refused("[]", "must be a JSON object of languages");
    texts_refused("{\"de\": {}}", "de: unknown language (known: en, ro, dk, pl)");
    texts_refused("{\"en\": []}", "en: must be an object of events");
    texts_refused("{\"en\": {\"weight_lost\": {}}}", "en.weight_lost: unknown event (known: "
                  "weight_loss, weight_gain");
    texts_refused("{\"ro\": {\"heart_low_alert\": []}}", "ro.heart_low_alert: must be an object");
    texts_refused("{\"en\": {\"steps_low\": {\"caregiver\": {\"message\": \"x\"}}}}",
                  "en.steps_low.caregiver: unknown recipient; steps_low notifications go to "
                  "elderly");
    texts_refused("{\"en\": {\"weight_loss\": {\"doctor\": {}}}}",
                  "en.weight_loss.doctor: unknown recipient");
    texts_refused("{\"en\": {\"weight_loss\": {\"elderly\": []}}}",
                  "en.weight_loss.elderly: must be an object with \"message\" and \"description\"");
    texts_refused("{\"en\": {\"weight_loss\": {\"elderly\": {\"title\": \"x\"}}}}",
                  "en.weight_loss.elderly.title: unknown field (known: message, description)");
    texts_refused("{\"en\": {\"weight_loss\": {\"elderly\": {\"message\": 3}}}}",
                  "en.weight_loss.elderly.message: must be a string");
    texts_refused("{\"en\": {\"weight_loss\": {\"elderly\": {\"message\": \"\"}}}}",
                  "en.weight_loss.elderly.message: is empty");
    texts_refused("{\"dk\": {\"heart_high_alert\": {\"caregiver\": {\"message\": \"{nam}\"}}}}",
                  "dk.heart_high_alert.caregiver.message: unknown placeholder {nam}; this text "
                  "may use {name}, {value}");
    texts_refused("{\"en\": {\"heart_low_alert\": {\"elderly_neutral\": {\"message\": "
                  "\"{nam}\"}}}}", "unknown placeholder {nam}; this text may use {value}\n");
    texts_refused("{\"en\": {\"heart_low_alert\": {\"elderly\": {\"message\": \"{delta}\"}}}}",
                  "unknown placeholder {delta}");
    texts_refused("{\"en\": {\"weight_loss\": {\"elderly\": {\"message\": \"{date}\"}}}}",
                  "en.weight_loss.elderly.message: unknown placeholder {date}");
    texts_refused("{\"en\": {\"bp_low_alert\": {\"elderly\": {\"message\": \"{pulse}\"}}}}",
                  "en.bp_low_alert.elderly.message: unknown placeholder {pulse}");
    texts_refused("{\"en\": {\"weight_gain\": {\"caregiver_neutral\": {\"description\": "
                  "\"{name}\"}}}}",
                  "en.weight_gain.caregiver_neutral.description: {name} in a neutral text");
    texts_refused("{\"pl\": {\"steps_high\": {\"elderly\": {\"message\": \"{value\"}}}}",
                  "pl.steps_high.elderly.message: '{' without a closing '}'");
    texts_refused("{\"en\": {\"weight_loss\": {\"elderly\": {\"message\": \"a\", "
                  "\"message\": \"b\"}}}}", "duplicate object key");
    {
        char doc[1200];
        snprintf(doc, sizeof doc, "{\"en\": {\"weight_loss\": {\"elderly\": {\"message\": \"%0600d\"}}}}", 0);
        texts_refused(doc, "en.weight_loss.elderly.message: is longer than 512 bytes");
    }
    /* the pulse texts know {pulse} */
    {
        char log[2048];
        struct rules_config *cfg = load_texts(
            "{\"en\": {\"pulse_low_alert\": {\"elderly\": {\"message\": "
            "\"{systolic}/{diastolic} {pulse} {value} {name}\"}}}}", log, sizeof log);
        json_t *a;
        if (cfg == NULL)
            fail_msg("refused: %s", log);
        a = rules_blood_pressure(cfg, &ana, 1, 121, 81, 40, 1);
        assert_string_equal(str(json_array_get(a, 0), "message"), "121/81 40 40 Ana");
        json_decref(a);
        rules_config_free(cfg);
    }
}

/* ---- last_values --------------------------------------------------------------- */

static const json_t *view_of(const json_t *v, const char *key)
{
    const json_t *inner = json_object_get(v, key);
    if (!json_is_object(inner))
        fail_msg("no \"%s\" view", key);
    return inner;
}

static const char *entry_status(const json_t *view, size_t i)
{
    return str(json_array_get(json_object_get(view, "data"), i), "status");
}

static double entry_value(const json_t *view, size_t i)
{
    return json_real_value(json_object_get(json_array_get(json_object_get(view, "data"), i),
                                           "value"));
}

static void test_lv_weight(void **state)
{
    /* newest first */
    struct lv_reading r[] = { { 300, 0, 62.10, 0, 0 }, { 200, 0, 64.10, 0, 0 },
                              { 100, 0, 63.80, 0, 0 } };
    struct lv_reading big[25];
    json_t *v = lv_weight(r, 3, 2.0);
    const json_t *w = view_of(v, "weight");
    size_t i;
    (void)state;

    /* oldest first */
    assert_int_equal(json_array_size(json_object_get(w, "amount")), 3);
    assert_float_equal(json_real_value(json_array_get(json_object_get(w, "amount"), 0)), 63.80,
                       1e-9);
    assert_float_equal(json_real_value(json_array_get(json_object_get(w, "amount"), 2)), 62.10,
                       1e-9);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(w, "data"), 0), "timestamp")), 100);
    assert_float_equal(entry_value(w, 1), 64.10, 1e-9);
    assert_string_equal(entry_status(w, 0), "ok");        /* 63.80 -> 64.10 */
    assert_string_equal(entry_status(w, 1), "warning");   /* 64.10 -> 62.10: 2.00 kg */
    assert_string_equal(entry_status(w, 2), "ok");        /* newest */
    assert_string_equal(str(w, "status"), "warning");     /* max - min = 2.00 */
    assert_float_equal(json_real_value(json_object_get(w, "threshold")),
                       (62.10 + 64.10 + 63.80) / 3, 1e-9);
    json_decref(v);

    r[0].value = 62.11;                                    /* 1.99 kg */
    v = lv_weight(r, 3, 2.0);
    w = view_of(v, "weight");
    assert_string_equal(entry_status(w, 1), "ok");
    assert_string_equal(str(w, "status"), "ok");
    json_decref(v);

    v = lv_weight(NULL, 0, 2.0);
    w = view_of(v, "weight");
    assert_int_equal(json_array_size(json_object_get(w, "amount")), 0);
    assert_int_equal(json_array_size(json_object_get(w, "data")), 0);
    assert_string_equal(str(w, "status"), "ok");
    assert_float_equal(json_real_value(json_object_get(w, "threshold")), 80, 1e-9);
    json_decref(v);

    /* only the 20 newest */
    for (i = 0; i < 25; i++)
        big[i] = (struct lv_reading){ (int64_t)(1000 - i), 0, 60.0 + (double)i, 0, 0 };
    v = lv_weight(big, 25, 2.0);
    w = view_of(v, "weight");
    assert_int_equal(json_array_size(json_object_get(w, "data")), LV_READINGS);
    assert_float_equal(entry_value(w, 0), 79.0, 1e-9);
    assert_float_equal(entry_value(w, LV_READINGS - 1), 60.0, 1e-9);
    assert_string_equal(entry_status(w, 0), "ok");        /* 1 kg steps */
    assert_string_equal(str(w, "status"), "warning");     /* 19 kg in all */
    json_decref(v);
}

static void test_lv_heart_rate(void **state)
{
    struct lv_reading r[] = { { 4, 0, 100.1, 0, 0 }, { 3, 0, 100, 0, 0 }, { 2, 0, 60, 0, 0 },
                              { 1, 0, 59.9, 0, 0 } };
    json_t *v = lv_heart_rate(r, 4, 60, 100);
    const json_t *h = view_of(v, "heart_rate");
    (void)state;

    assert_string_equal(entry_status(h, 0), "warning");   /* 59.9 */
    assert_string_equal(entry_status(h, 1), "ok");        /* 60 */
    assert_string_equal(entry_status(h, 2), "ok");        /* 100 */
    assert_string_equal(entry_status(h, 3), "warning");   /* 100.1 */
    assert_string_equal(str(h, "status"), "ok");          /* mean 80 */
    assert_float_equal(json_real_value(json_object_get(h, "threshold")), 80, 1e-9);
    json_decref(v);

    v = lv_heart_rate(r, 1, 60, 100);                      /* mean 100.1 */
    assert_string_equal(str(view_of(v, "heart_rate"), "status"), "warning");
    json_decref(v);
    v = lv_heart_rate(r + 3, 1, 60, 100);                  /* mean 59.9 */
    assert_string_equal(str(view_of(v, "heart_rate"), "status"), "warning");
    json_decref(v);
    v = lv_heart_rate(NULL, 0, 60, 100);
    h = view_of(v, "heart_rate");
    assert_string_equal(str(h, "status"), "ok");
    assert_float_equal(json_real_value(json_object_get(h, "threshold")), 80, 1e-9);
    json_decref(v);
}

#define DAY 86400
#define T0 (int64_t)1700006400   /* 2023-11-15 00:00 UTC */

static json_int_t bucket_int(const json_t *steps, size_t i, const char *key)
{
    return json_integer_value(
        json_object_get(json_array_get(json_object_get(steps, "data"), i), key));
}

static void test_lv_steps_days(void **state)
{
    struct lv_reading r[] = {
        { T0 - 3 * DAY + 10, 0, 5000, 0, 0 },      /* before the window */
        { T0 - 2 * DAY, 0, 1999, 0, 0 },           /* first second of day 0 */
        { T0 - DAY + 100, 0, 1500, 0, 0 },         /* day 1: 1500 + 500 */
        { T0 - 1, 0, 500, 0, 0 },                  /* last second of day 1 */
        { T0 + 3600, 0, 7000, 0, 0 },              /* today */
        { T0 + DAY, 0, 9999, 0, 0 },               /* after now's day */
    };
    json_t *v = lv_steps(r, 6, T0 + 36000, 3, "days", 2000);
    const json_t *s;
    (void)state;

    assert_non_null(v);
    s = view_of(v, "steps");
    assert_int_equal(json_array_size(json_object_get(s, "data")), 3);
    assert_int_equal(bucket_int(s, 0, "start_timestamp"), T0 - 2 * DAY);
    assert_int_equal(bucket_int(s, 0, "end_timestamp"), T0 - DAY);
    assert_int_equal(bucket_int(s, 2, "start_timestamp"), T0);
    assert_int_equal(bucket_int(s, 2, "end_timestamp"), T0 + DAY);
    assert_float_equal(entry_value(s, 0), 1999, 1e-9);
    assert_float_equal(entry_value(s, 1), 2000, 1e-9);
    assert_float_equal(entry_value(s, 2), 7000, 1e-9);
    assert_string_equal(entry_status(s, 0), "warning");
    assert_string_equal(entry_status(s, 1), "ok");
    assert_string_equal(entry_status(s, 2), "ok");
    assert_int_equal(json_array_size(json_object_get(s, "amount")), 1);
    assert_float_equal(json_real_value(json_array_get(json_object_get(s, "amount"), 0)), 10999,
                       1e-9);
    assert_string_equal(str(s, "status"), "ok");            /* mean 3666 */
    json_decref(v);

    /* one day of 1999: a warning overall too */
    v = lv_steps(r + 1, 1, T0 - 2 * DAY + 5, 1, "days", 2000);
    s = view_of(v, "steps");
    assert_string_equal(str(s, "status"), "warning");
    assert_string_equal(entry_status(s, 0), "warning");
    json_decref(v);
    /* no readings: empty buckets */
    v = lv_steps(NULL, 0, T0, 2, "days", 2000);
    s = view_of(v, "steps");
    assert_float_equal(entry_value(s, 0), 0, 1e-9);
    assert_string_equal(str(s, "status"), "warning");
    json_decref(v);
}

static void test_lv_steps_hours_and_refusals(void **state)
{
    struct lv_reading r[] = { { T0 + 3600 + 5, 0, 40, 0, 0 }, { T0 + 7200 + 59, 0, 10, 0, 0 },
                              { T0 + 7200 + 60, 0, 15, 0, 0 }, { T0 + 3599, 0, 1, 0, 0 } };
    json_t *v = lv_steps(r, 4, T0 + 7200 + 1800, 2, "hours", 2000);
    const json_t *s;
    (void)state;

    assert_non_null(v);
    s = view_of(v, "steps");
    assert_int_equal(json_array_size(json_object_get(s, "data")), 2);
    assert_int_equal(bucket_int(s, 0, "start_timestamp"), T0 + 3600);
    assert_int_equal(bucket_int(s, 0, "end_timestamp"), T0 + 7200);
    assert_int_equal(bucket_int(s, 1, "end_timestamp"), T0 + 10800);
    assert_float_equal(entry_value(s, 0), 40, 1e-9);
    assert_float_equal(entry_value(s, 1), 25, 1e-9);
    assert_string_equal(entry_status(s, 0), "ok");          /* hours: no threshold */
    assert_string_equal(str(s, "status"), "ok");
    assert_float_equal(json_real_value(json_array_get(json_object_get(s, "amount"), 0)), 65,
                       1e-9);
    json_decref(v);

    assert_null(lv_steps(r, 4, T0, 2, "weeks", 2000));
    assert_null(lv_steps(r, 4, T0, 2, NULL, 2000));
    assert_null(lv_steps(r, 4, T0, 0, "days", 2000));
    assert_null(lv_steps(r, 4, T0, LV_STEPS_MAX_UNITS + 1, "days", 2000));
    v = lv_steps(r, 4, T0, LV_STEPS_MAX_UNITS, "hours", 2000);
    assert_int_equal(json_array_size(json_object_get(view_of(v, "steps"), "data")),
                     LV_STEPS_MAX_UNITS);
    json_decref(v);
}

static const struct lv_band sys_band = { 90, 160, 100, 140 }, dia_band = { 50, 100, 60, 90 },
                            pulse_band = { 50, 140, 60, 100 };

static void test_lv_blood_pressure(void **state)
{
    /* newest first */
    struct lv_reading r[] = { { 30, 0, 120.5, 80, 70 }, { 20, 0, 165, 95, -1 },
                              { 10, 0, 95, 65, 55 } };
    json_t *v = lv_blood_pressure(r, 3, &sys_band, &dia_band, &pulse_band, NULL);
    const json_t *b, *e;
    (void)state;

    b = view_of(v, "blood_pressure");
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "amount"), 0)),
                        "95/65");
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "amount"), 2)),
                        "120.5/80");
    assert_string_equal(entry_status(b, 0), "warning");     /* 95 systolic, 55 pulse */
    assert_string_equal(entry_status(b, 1), "alert");       /* 165 systolic */
    assert_string_equal(entry_status(b, 2), "ok");
    assert_string_equal(str(b, "status"), "alert");
    assert_null(json_object_get(b, "threshold"));
    e = json_array_get(json_object_get(b, "data"), 1);
    assert_string_equal(str(e, "value"), "165/95");
    assert_float_equal(json_real_value(json_object_get(e, "systolic")), 165, 1e-9);
    assert_float_equal(json_real_value(json_object_get(e, "diastolic")), 95, 1e-9);
    assert_true(json_is_null(json_object_get(e, "pulse")));
    assert_int_equal(json_integer_value(json_object_get(e, "timestamp")), 20);
    e = json_array_get(json_object_get(b, "data"), 0);
    assert_float_equal(json_real_value(json_object_get(e, "pulse")), 55, 1e-9);
    json_decref(v);

    /* each band edge decides a reading's status */
    {
        static const struct {
            double s, d, p;
            const char *status;
        } cases[] = {
            { 120, 80, 70, "ok" },          { 100, 60, 60, "ok" },
            { 140, 90, 100, "ok" },         { 99.9, 80, 70, "warning" },
            { 140.1, 80, 70, "warning" },   { 160, 80, 70, "warning" },
            { 89.9, 80, 70, "alert" },      { 160.1, 80, 70, "alert" },
            { 120, 59.9, 70, "warning" },   { 120, 90.1, 70, "warning" },
            { 120, 49.9, 70, "alert" },     { 120, 100.1, 70, "alert" },
            { 120, 80, 59.9, "warning" },   { 120, 80, 100.1, "warning" },
            { 120, 80, 49.9, "alert" },     { 120, 80, 140.1, "alert" },
            { 120, 80, -1, "ok" },
        };
        size_t i;
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct lv_reading one = { 1, 0, cases[i].s, cases[i].d, cases[i].p };
            v = lv_blood_pressure(&one, 1, &sys_band, &dia_band, &pulse_band, NULL);
            b = view_of(v, "blood_pressure");
            if (strcmp(entry_status(b, 0), cases[i].status) != 0 ||
                strcmp(str(b, "status"), cases[i].status) != 0)
                fail_msg("%g/%g pulse %g: %s, expected %s", cases[i].s, cases[i].d, cases[i].p,
                         entry_status(b, 0), cases[i].status);
            json_decref(v);
        }
    }

    v = lv_blood_pressure(NULL, 0, &sys_band, &dia_band, &pulse_band, NULL);
    b = view_of(v, "blood_pressure");
    assert_string_equal(str(b, "status"), "ok");
    assert_int_equal(json_array_size(json_object_get(b, "data")), 0);
    json_decref(v);
}

static void test_lv_blood_pressure_components(void **state)
{
    struct lv_reading r[] = { { 30, 0, 120, 80, 70 }, { 20, 0, 165, 95, -1 },
                              { 10, 0, 95, 65, 55 } };
    json_t *v;
    const json_t *c;
    (void)state;

    v = lv_blood_pressure(r, 3, &sys_band, &dia_band, &pulse_band, "systolic");
    c = view_of(v, "systolic");
    assert_float_equal(json_real_value(json_array_get(json_object_get(c, "amount"), 0)), 95,
                       1e-9);
    assert_float_equal(entry_value(c, 1), 165, 1e-9);
    assert_string_equal(entry_status(c, 0), "warning");
    assert_string_equal(entry_status(c, 1), "alert");
    assert_string_equal(entry_status(c, 2), "ok");
    assert_string_equal(str(c, "status"), "alert");
    assert_float_equal(json_real_value(json_object_get(c, "threshold")), (120 + 165 + 95) / 3.0,
                       1e-9);
    json_decref(v);

    v = lv_blood_pressure(r, 3, &sys_band, &dia_band, &pulse_band, "diastolic");
    c = view_of(v, "diastolic");
    assert_float_equal(entry_value(c, 0), 65, 1e-9);
    assert_string_equal(entry_status(c, 1), "warning");     /* 95 */
    assert_string_equal(str(c, "status"), "warning");
    json_decref(v);

    /* the unmeasured pulse is left out */
    v = lv_blood_pressure(r, 3, &sys_band, &dia_band, &pulse_band, "pulse");
    c = view_of(v, "pulse");
    assert_int_equal(json_array_size(json_object_get(c, "data")), 2);
    assert_float_equal(entry_value(c, 0), 55, 1e-9);
    assert_float_equal(entry_value(c, 1), 70, 1e-9);
    assert_string_equal(entry_status(c, 0), "warning");
    assert_float_equal(json_real_value(json_object_get(c, "threshold")), 62.5, 1e-9);
    json_decref(v);

    /* no readings: the middle of the warning band */
    v = lv_blood_pressure(NULL, 0, &sys_band, &dia_band, &pulse_band, "systolic");
    c = view_of(v, "systolic");
    assert_float_equal(json_real_value(json_object_get(c, "threshold")), 120, 1e-9);
    assert_string_equal(str(c, "status"), "ok");
    json_decref(v);

    assert_null(lv_blood_pressure(r, 3, &sys_band, &dia_band, &pulse_band, "mean"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_weight_boundaries, setup_defaults, teardown_config),
        cmocka_unit_test_setup_teardown(test_weight_user_id_is_64_bit, setup_defaults,
                                        teardown_config),
        cmocka_unit_test_setup_teardown(test_heart_rate_bands, setup_defaults, teardown_config),
        cmocka_unit_test_setup_teardown(test_blood_pressure_band_edges, setup_defaults,
                                        teardown_config),
        cmocka_unit_test_setup_teardown(test_blood_pressure_worst_component_wins, setup_defaults,
                                        teardown_config),
        cmocka_unit_test_setup_teardown(test_steps_bands, setup_defaults, teardown_config),
        cmocka_unit_test_setup_teardown(test_unknown_person_gets_neutral_texts, setup_defaults,
                                        teardown_config),
        cmocka_unit_test_setup_teardown(test_languages, setup_defaults, teardown_config),
        cmocka_unit_test(test_default_language_from_config),
        cmocka_unit_test(test_builtin_texts_complete),
        cmocka_unit_test_setup_teardown(test_long_texts_are_cut_at_a_character, setup_defaults,
                                        teardown_config),
        cmocka_unit_test(test_threshold_overrides),
        cmocka_unit_test(test_texts_file_overrides_some_texts),
        cmocka_unit_test(test_threshold_refusals),
        cmocka_unit_test(test_texts_refusals),
        cmocka_unit_test(test_lv_weight),
        cmocka_unit_test(test_lv_heart_rate),
        cmocka_unit_test(test_lv_steps_days),
        cmocka_unit_test(test_lv_steps_hours_and_refusals),
        cmocka_unit_test(test_lv_blood_pressure),
        cmocka_unit_test(test_lv_blood_pressure_components),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
