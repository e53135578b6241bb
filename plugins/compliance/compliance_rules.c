/*
 * compliance_rules.c - [plugin.compliance]'s schema and reading it, and the
 * rules that turn a measurement into notification requests (CAMI's
 * weight, heart-rate, blood-pressure and steps rules, with thresholds and
 * texts from the config instead of code).
 *
 * Every threshold test compares on the rounded scale of compliance_scale.h
 * (grams, hundredths): 64.10 -> 62.10 kg is a 2.00 kg change and must fire,
 * although the binary doubles differ by 1.999999999999993.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compliance_builtin.h"
#include "compliance_rules.h"
#include "compliance_scale.h"
#include "compliance_texts.h"

const cami_config_key compliance_config_schema[] = {
    { "weight_delta", CAMI_CONFIG_DOUBLE, "2.0", 0,
      "kg between a person's two newest weights that raises a weight notification (> 0)" },
    { "heart_alert_low", CAMI_CONFIG_DOUBLE, "60", 0,
      "heart rate (bpm) below which the notification is high severity" },
    { "heart_warning_low", CAMI_CONFIG_DOUBLE, "70", 0,
      "heart rate (bpm) below which the notification is medium severity" },
    { "heart_warning_high", CAMI_CONFIG_DOUBLE, "85", 0,
      "heart rate (bpm) above which the notification is medium severity" },
    { "heart_alert_high", CAMI_CONFIG_DOUBLE, "100", 0,
      "heart rate (bpm) above which the notification is high severity" },
    { "systolic_alert_low", CAMI_CONFIG_DOUBLE, "90", 0, "systolic (mmHg) alert below" },
    { "systolic_alert_high", CAMI_CONFIG_DOUBLE, "160", 0, "systolic (mmHg) alert above" },
    { "systolic_warning_low", CAMI_CONFIG_DOUBLE, "100", 0, "systolic (mmHg) warning below" },
    { "systolic_warning_high", CAMI_CONFIG_DOUBLE, "140", 0, "systolic (mmHg) warning above" },
    { "diastolic_alert_low", CAMI_CONFIG_DOUBLE, "50", 0, "diastolic (mmHg) alert below" },
    { "diastolic_alert_high", CAMI_CONFIG_DOUBLE, "100", 0, "diastolic (mmHg) alert above" },
    { "diastolic_warning_low", CAMI_CONFIG_DOUBLE, "60", 0, "diastolic (mmHg) warning below" },
    { "diastolic_warning_high", CAMI_CONFIG_DOUBLE, "90", 0, "diastolic (mmHg) warning above" },
    { "pulse_alert_low", CAMI_CONFIG_DOUBLE, "50", 0,
      "pulse (bpm, with a blood pressure) alert below" },
    { "pulse_alert_high", CAMI_CONFIG_DOUBLE, "140", 0, "pulse (bpm) alert above" },
    { "pulse_warning_low", CAMI_CONFIG_DOUBLE, "60", 0, "pulse (bpm) warning below" },
    { "pulse_warning_high", CAMI_CONFIG_DOUBLE, "100", 0, "pulse (bpm) warning above" },
    { "steps_alert_low", CAMI_CONFIG_DOUBLE, "1000", 0,
      "daily steps below which the caregiver is told (high severity)" },
    { "steps_warning_low", CAMI_CONFIG_DOUBLE, "2000", 0,
      "daily steps below which the person is told (medium severity)" },
    { "steps_high", CAMI_CONFIG_DOUBLE, "6000", 0,
      "daily steps above which the person is congratulated (low severity)" },
    { "default_language", CAMI_CONFIG_STRING, "en", 0,
      "texts for people without a known language: en, ro, dk or pl" },
    { "texts", CAMI_CONFIG_STRING, "", 0,
      "JSON file overriding some of the built-in notification texts (empty: none)" },
    { NULL, 0, NULL, 0, NULL }
};

struct rules_config {
    struct rules_thresholds t;
    int default_lang;
    struct texts *texts;
};

/* ---- reading the config ------------------------------------------------ */

static int read_double(cami_plugin *self, const char *key, double *out)
{
    int rc = cami_config_double(self, key, out);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "%s: cannot read the value (error %d)", key, rc);
        return -1;
    }
    if (!(*out >= 0) || *out > SCALE_LIMIT / 1000) {
        cami_log(self, CAMI_LOG_ERROR, "%s = %g: must be a number from 0 to %g", key, *out,
                 SCALE_LIMIT / 1000);
        return -1;
    }
    return 0;
}

/* Read prefix_alert_low ... and check the order of the bounds. */
static int read_band(cami_plugin *self, const char *prefix, struct lv_band *b)
{
    static const char *const names[4] = { "alert_low", "warning_low", "warning_high",
                                          "alert_high" };
    double *v[4] = { &b->alert_low, &b->warning_low, &b->warning_high, &b->alert_high };
    char keys[4][48];
    int i;

    for (i = 0; i < 4; i++) {
        snprintf(keys[i], sizeof keys[i], "%s_%s", prefix, names[i]);
        if (read_double(self, keys[i], v[i]) < 0)
            return -1;
    }
    for (i = 1; i < 4; i++)
        if (scale_hundredths(*v[i - 1]) > scale_hundredths(*v[i])) {
            cami_log(self, CAMI_LOG_ERROR,
                     "%s = %g is above %s = %g: a band must be in the order %s_alert_low <= "
                     "%s_warning_low <= %s_warning_high <= %s_alert_high",
                     keys[i - 1], *v[i - 1], keys[i], *v[i], prefix, prefix, prefix, prefix);
            return -1;
        }
    return 0;
}

static int read_thresholds(cami_plugin *self, struct rules_thresholds *t)
{
    if (read_double(self, "weight_delta", &t->weight_delta) < 0 ||
        read_band(self, "heart", &t->heart) < 0 || read_band(self, "systolic", &t->systolic) < 0 ||
        read_band(self, "diastolic", &t->diastolic) < 0 ||
        read_band(self, "pulse", &t->pulse) < 0 ||
        read_double(self, "steps_alert_low", &t->steps_alert_low) < 0 ||
        read_double(self, "steps_warning_low", &t->steps_warning_low) < 0 ||
        read_double(self, "steps_high", &t->steps_high) < 0)
        return -1;
    if (scale_grams(t->weight_delta) <= 0) {
        cami_log(self, CAMI_LOG_ERROR, "weight_delta = %g: must be above 0 kg (at least 1 g)",
                 t->weight_delta);
        return -1;
    }
    if (scale_hundredths(t->steps_alert_low) > scale_hundredths(t->steps_warning_low) ||
        scale_hundredths(t->steps_warning_low) > scale_hundredths(t->steps_high)) {
        cami_log(self, CAMI_LOG_ERROR,
                 "steps_alert_low = %g, steps_warning_low = %g, steps_high = %g: must be in "
                 "that order (each at most the next)",
                 t->steps_alert_low, t->steps_warning_low, t->steps_high);
        return -1;
    }
    return 0;
}

static const char *builtin_texts(void)
{
    const struct embedded_file *f;
    for (f = compliance_builtin; f->name != NULL; f++)
        if (strcmp(f->name, COMPLIANCE_TEXTS_ENTRY) == 0)
            return f->text;
    return NULL;
}

/* The built-in texts, then the admin's file over them. */
static struct texts *read_texts(cami_plugin *self)
{
    struct texts *t = texts_new();
    const char *text = builtin_texts();
    const char *path = cami_config_string(self, "texts");
    json_error_t jerr;
    json_t *doc;
    char err[768];

    if (t == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "texts: out of memory");
        return NULL;
    }
    if (text == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "built-in texts: no %s compiled in (a build problem)",
                 COMPLIANCE_TEXTS_ENTRY);
        goto fail;
    }
    doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "built-in texts (%s): line %d: %s",
                 COMPLIANCE_TEXTS_ENTRY, jerr.line, jerr.text);
        goto fail;
    }
    if (texts_merge(t, doc, err, sizeof err) < 0) {
        cami_log(self, CAMI_LOG_ERROR, "built-in texts (%s): %s", COMPLIANCE_TEXTS_ENTRY, err);
        json_decref(doc);
        goto fail;
    }
    json_decref(doc);
    if (texts_complete(t, err, sizeof err) < 0) {
        cami_log(self, CAMI_LOG_ERROR, "built-in texts (%s): %s", COMPLIANCE_TEXTS_ENTRY, err);
        goto fail;
    }
    if (path == NULL || path[0] == '\0')
        return t;
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        if (jerr.line > 0)
            cami_log(self, CAMI_LOG_ERROR, "texts = %s: line %d: %s", path, jerr.line, jerr.text);
        else
            cami_log(self, CAMI_LOG_ERROR, "texts = %s: %s", path, jerr.text);
        goto fail;
    }
    if (texts_merge(t, doc, err, sizeof err) < 0) {
        cami_log(self, CAMI_LOG_ERROR, "texts = %s: %s", path, err);
        json_decref(doc);
        goto fail;
    }
    json_decref(doc);
    return t;

fail:
    texts_free(t);
    return NULL;
}

struct rules_config *rules_config_read(cami_plugin *self)
{
    struct rules_config *cfg = calloc(1, sizeof *cfg);
    const char *lang;

    if (cfg == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "rules: out of memory");
        return NULL;
    }
    if (read_thresholds(self, &cfg->t) < 0)
        goto fail;
    lang = cami_config_string(self, "default_language");
    cfg->default_lang = text_lang_index(lang);
    if (cfg->default_lang < 0) {
        cami_log(self, CAMI_LOG_ERROR, "default_language = %s: unknown language; one of en, ro, "
                 "dk, pl", lang != NULL ? lang : "(unset)");
        goto fail;
    }
    cfg->texts = read_texts(self);
    if (cfg->texts == NULL)
        goto fail;
    return cfg;

fail:
    rules_config_free(cfg);
    return NULL;
}

void rules_config_free(struct rules_config *cfg)
{
    if (cfg == NULL)
        return;
    texts_free(cfg->texts);
    free(cfg);
}

const struct rules_thresholds *rules_config_thresholds(const struct rules_config *cfg)
{
    return &cfg->t;
}

const char *rules_config_default_language(const struct rules_config *cfg)
{
    return text_lang_code(cfg->default_lang);
}

/* ---- building notifications -------------------------------------------- */

/* One notification for `recipient`; measurement is copied. */
static json_t *notification(const struct rules_config *cfg, const struct rules_person *p,
                            int64_t user_id, int event, int recipient, const char *vars[TP_COUNT],
                            int64_t timestamp, const json_t *measurement)
{
    static const char *const recipient_types[TR_COUNT] = { "elderly", "caregiver" };
    int known = p != NULL && p->known && p->name != NULL && p->name[0] != '\0';
    int lang = p != NULL && p->known ? text_lang_index(p->language) : -1;
    char id[24], *message, *description;
    json_t *n = NULL;

    if (lang < 0)
        lang = cfg->default_lang;
    vars[TP_NAME] = known ? p->name : NULL;
    snprintf(id, sizeof id, "%" PRId64, user_id);
    message = texts_render(cfg->texts, lang, event, recipient, !known, TF_MESSAGE, vars);
    description = texts_render(cfg->texts, lang, event, recipient, !known, TF_DESCRIPTION, vars);
    if (message != NULL && description != NULL)
        n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "user_id", id,
                      "recipient_type", recipient_types[recipient], "type",
                      text_events[event].type, "severity", text_events[event].severity,
                      "message", message, "description", description, "timestamp",
                      (json_int_t)timestamp, "language", text_lang_code(lang), "measurement",
                      json_deep_copy(measurement));
    free(message);
    free(description);
    return n;
}

/* Append the notifications of `event` (each recipient it has, the elderly
 * person first) to out. Returns 0, -1 when out of memory. */
static int fire(json_t *out, const struct rules_config *cfg, const struct rules_person *p,
                int64_t user_id, int event, const char *vars[TP_COUNT], int64_t timestamp,
                const json_t *measurement)
{
    int r;
    for (r = 0; r < TR_COUNT; r++) {
        if (!(text_events[event].recipients & (1u << r)))
            continue;
        if (json_array_append_new(out, notification(cfg, p, user_id, event, r, vars, timestamp,
                                                    measurement)) < 0)
            return -1;
    }
    return 0;
}

/* Fire `event` (unless < 0) with measurement m (stolen); the rules' common
 * ending. Returns the array, NULL when out of memory. */
static json_t *finish(const struct rules_config *cfg, const struct rules_person *p,
                      int64_t user_id, int event, const char *vars[TP_COUNT], int64_t timestamp,
                      json_t *m)
{
    json_t *out = json_array();
    if (out == NULL || (event >= 0 && (m == NULL || fire(out, cfg, p, user_id, event, vars,
                                                         timestamp, m) < 0))) {
        json_decref(out);
        out = NULL;
    }
    json_decref(m);
    return out;
}

json_t *rules_weight(const struct rules_config *cfg, const struct rules_person *p,
                     int64_t user_id, double newest, double previous, int64_t timestamp)
{
    const char *vars[TP_COUNT] = { NULL };
    char value[32], prev[32], delta[32];
    long long change = scale_grams(newest) - scale_grams(previous);
    int event = -1;

    if (!isfinite(newest) || !isfinite(previous))
        return json_array();
    if (llabs(change) >= scale_grams(cfg->t.weight_delta))
        event = change < 0 ? TE_WEIGHT_LOSS : TE_WEIGHT_GAIN;
    vars[TP_VALUE] = scale_print(newest, value);
    vars[TP_PREVIOUS] = scale_print(previous, prev);
    vars[TP_DELTA] = scale_print_grams(llabs(change), delta);
    return finish(cfg, p, user_id, event, vars, timestamp,
                  event < 0 ? NULL
                            : json_pack("{s:s, s:s, s:f, s:f, s:f}", "type", "weight", "unit",
                                        "kg", "value", newest, "previous", previous, "delta",
                                        (double)change / 1000.0));
}

json_t *rules_heart_rate(const struct rules_config *cfg, const struct rules_person *p,
                         int64_t user_id, double bpm, int64_t timestamp)
{
    const struct lv_band *b = &cfg->t.heart;
    const char *vars[TP_COUNT] = { NULL };
    char value[32];
    long long h = scale_hundredths(bpm);
    int event = -1;

    if (!isfinite(bpm))
        return json_array();
    if (h < scale_hundredths(b->alert_low))
        event = TE_HEART_LOW_ALERT;
    else if (h < scale_hundredths(b->warning_low))
        event = TE_HEART_LOW_WARNING;
    else if (h > scale_hundredths(b->alert_high))
        event = TE_HEART_HIGH_ALERT;
    else if (h > scale_hundredths(b->warning_high))
        event = TE_HEART_HIGH_WARNING;
    vars[TP_VALUE] = scale_print(bpm, value);
    return finish(cfg, p, user_id, event, vars, timestamp,
                  event < 0 ? NULL
                            : json_pack("{s:s, s:s, s:f}", "type", "heart_rate", "unit", "bpm",
                                        "value", bpm));
}

/* A component against its band: 0 fine, 1 warning, 2 alert; *high set
 * when it is above the band. */
static int level(double v, const struct lv_band *b, int *high)
{
    long long h = scale_hundredths(v);
    *high = h > scale_hundredths(b->warning_high);
    if (h < scale_hundredths(b->alert_low) || h > scale_hundredths(b->alert_high))
        return 2;
    if (h < scale_hundredths(b->warning_low) || *high)
        return 1;
    return 0;
}

json_t *rules_blood_pressure(const struct rules_config *cfg, const struct rules_person *p,
                             int64_t user_id, double systolic, double diastolic, double pulse,
                             int64_t timestamp)
{
    static const char *const names[3] = { "systolic", "diastolic", "pulse" };
    static const int events[2][2][2] = {
        /* [pulse][high][alert] */
        { { TE_BP_LOW_WARNING, TE_BP_LOW_ALERT }, { TE_BP_HIGH_WARNING, TE_BP_HIGH_ALERT } },
        { { TE_PULSE_LOW_WARNING, TE_PULSE_LOW_ALERT },
          { TE_PULSE_HIGH_WARNING, TE_PULSE_HIGH_ALERT } },
    };
    const struct lv_band *bands[3] = { &cfg->t.systolic, &cfg->t.diastolic, &cfg->t.pulse };
    double values[3] = { systolic, diastolic, pulse };
    const char *vars[TP_COUNT] = { NULL };
    char s[32], d[32], pl[32], pressure[80];
    int measured = pulse >= 0 ? 3 : 2, worst = 0, which = -1, worst_high = 0, i, event = -1;
    json_t *m = NULL;

    if (!isfinite(systolic) || !isfinite(diastolic) || !isfinite(pulse))
        return json_array();
    for (i = 0; i < measured; i++) {
        int high, l = level(values[i], bands[i], &high);
        if (l > worst) {
            worst = l;
            which = i;
            worst_high = high;
        }
    }
    snprintf(pressure, sizeof pressure, "%s/%s", scale_print(systolic, s),
             scale_print(diastolic, d));
    vars[TP_SYSTOLIC] = s;
    vars[TP_DIASTOLIC] = d;
    if (measured == 3)
        vars[TP_PULSE] = scale_print(pulse, pl);
    if (which >= 0) {
        event = events[which == 2][worst_high][worst == 2];
        vars[TP_VALUE] = which == 2 ? pl : pressure;
        m = json_pack("{s:s, s:s, s:f, s:f, s:o, s:s, s:f}", "type", "blood_pressure", "unit",
                      "mmHg", "systolic", systolic, "diastolic", diastolic, "pulse",
                      measured == 3 ? json_real(pulse) : json_null(), "component", names[which],
                      "value", values[which]);
    }
    return finish(cfg, p, user_id, event, vars, timestamp, m);
}

json_t *rules_steps(const struct rules_config *cfg, const struct rules_person *p,
                    int64_t user_id, double daily_total, int64_t timestamp)
{
    const char *vars[TP_COUNT] = { NULL };
    char value[32], date[32];
    long long h = scale_hundredths(daily_total);
    time_t t = (time_t)timestamp;
    struct tm day;
    json_t *out, *m;

    if (!isfinite(daily_total))
        return json_array();
    vars[TP_VALUE] = scale_print(daily_total, value);
    if (gmtime_r(&t, &day) == NULL || strftime(date, sizeof date, "%Y-%m-%d", &day) == 0)
        snprintf(date, sizeof date, "%" PRId64, timestamp);
    vars[TP_DATE] = date;
    out = json_array();
    m = json_pack("{s:s, s:s, s:f, s:s}", "type", "steps", "unit", "steps", "value", daily_total,
                  "date", date);
    /* the person's notification first, as in the other rules */
    if (out == NULL || m == NULL ||
        (h < scale_hundredths(cfg->t.steps_warning_low) &&
         fire(out, cfg, p, user_id, TE_STEPS_LOW, vars, timestamp, m) < 0) ||
        (h > scale_hundredths(cfg->t.steps_high) &&
         fire(out, cfg, p, user_id, TE_STEPS_HIGH, vars, timestamp, m) < 0) ||
        (h < scale_hundredths(cfg->t.steps_alert_low) &&
         fire(out, cfg, p, user_id, TE_STEPS_VERY_LOW, vars, timestamp, m) < 0)) {
        json_decref(out);
        out = NULL;
    }
    json_decref(m);
    return out;
}
