/*
 * compliance_lastvalues.c - the `last_values` chart views of the original
 * compliance service, from readings already fetched (see the header for
 * the shapes). Thresholds are compared on the rounded scale of
 * compliance_scale.h: grams for weight, hundredths for the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "compliance_lastvalues.h"
#include "compliance_scale.h"

/* The original's threshold when a user has no readings yet. */
#define LV_EMPTY_THRESHOLD 80.0

static size_t shown(size_t n)
{
    return n < LV_READINGS ? n : LV_READINGS;
}

/* {"amount": [...], "data": [...], "status": s, "threshold": t} under key;
 * amount and data are stolen. */
static json_t *view(const char *key, json_t *amount, json_t *data, const char *status,
                    double threshold)
{
    json_t *inner, *outer;
    if (amount == NULL || data == NULL) {
        json_decref(amount);
        json_decref(data);
        return NULL;
    }
    inner = json_object();
    outer = json_object();
    if (inner == NULL || outer == NULL || json_object_set_new(inner, "amount", amount) < 0 ||
        json_object_set_new(inner, "data", data) < 0 ||
        json_object_set_new(inner, "status", json_string(status)) < 0 ||
        (!isnan(threshold) &&
         json_object_set_new(inner, "threshold", json_real(threshold)) < 0) ||
        json_object_set_new(outer, key, inner) < 0) {
        json_decref(inner);
        json_decref(outer);
        return NULL;
    }
    return outer;
}

static int append_entry(json_t *data, const char *status, int64_t timestamp, json_t *value)
{
    json_t *e = json_pack("{s:s, s:I, s:o}", "status", status, "timestamp", (json_int_t)timestamp,
                          "value", value);
    return json_array_append_new(data, e);
}

json_t *lv_weight(const struct lv_reading *newest_first, size_t n, double delta)
{
    size_t m = shown(n), i;
    long long dg = scale_grams(delta), lo = 0, hi = 0;
    double sum = 0;
    json_t *amount = json_array(), *data = json_array();

    for (i = m; i-- > 0 && amount != NULL && data != NULL;) {
        long long g = scale_grams(newest_first[i].value);
        /* compared with the next newer reading; the newest has none */
        long long change = i > 0 ? llabs(g - scale_grams(newest_first[i - 1].value)) : 0;
        const char *status = i > 0 && change >= dg ? "warning" : "ok";
        if (i == m - 1 || g < lo)
            lo = g;
        if (i == m - 1 || g > hi)
            hi = g;
        sum += newest_first[i].value;
        if (json_array_append_new(amount, json_real(newest_first[i].value)) < 0 ||
            append_entry(data, status, newest_first[i].timestamp,
                         json_real(newest_first[i].value)) < 0) {
            json_decref(amount);
            amount = NULL;
        }
    }
    return view("weight", amount, data, m > 0 && hi - lo >= dg ? "warning" : "ok",
                m > 0 ? sum / (double)m : LV_EMPTY_THRESHOLD);
}

static int outside(double v, double low, double high)
{
    long long h = scale_hundredths(v);
    return h < scale_hundredths(low) || h > scale_hundredths(high);
}

json_t *lv_heart_rate(const struct lv_reading *newest_first, size_t n, double low, double high)
{
    size_t m = shown(n), i;
    double sum = 0, mean;
    json_t *amount = json_array(), *data = json_array();

    for (i = m; i-- > 0 && amount != NULL && data != NULL;) {
        double v = newest_first[i].value;
        sum += v;
        if (json_array_append_new(amount, json_real(v)) < 0 ||
            append_entry(data, outside(v, low, high) ? "warning" : "ok",
                         newest_first[i].timestamp, json_real(v)) < 0) {
            json_decref(amount);
            amount = NULL;
        }
    }
    mean = m > 0 ? sum / (double)m : LV_EMPTY_THRESHOLD;
    return view("heart_rate", amount, data, m > 0 && outside(mean, low, high) ? "warning" : "ok",
                mean);
}

/* floor(a / b) for b > 0, also for negative a */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

json_t *lv_steps(const struct lv_reading *readings, size_t n, int64_t now, unsigned units,
                 const char *resolution, double daily_low)
{
    int64_t size, first, last;
    double *sums, total = 0;
    int days;
    size_t i;
    json_t *data, *steps, *out;

    if (resolution == NULL || units == 0 || units > LV_STEPS_MAX_UNITS)
        return NULL;
    if (strcmp(resolution, "days") == 0)
        size = 86400;
    else if (strcmp(resolution, "hours") == 0)
        size = 3600;
    else
        return NULL;
    days = size == 86400;
    last = floor_div(now, size) * size;
    first = last - (int64_t)(units - 1) * size;
    sums = calloc(units, sizeof *sums);
    if (sums == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        int64_t t = readings[i].timestamp;
        if (t >= first && t - first < (int64_t)units * size)
            sums[(t - first) / size] += readings[i].value;
    }
    data = json_array();
    for (i = 0; i < units && data != NULL; i++) {
        int64_t start = first + (int64_t)i * size;
        int low = days && scale_hundredths(sums[i]) < scale_hundredths(daily_low);
        json_t *e = json_pack("{s:I, s:I, s:s, s:f}", "start_timestamp", (json_int_t)start,
                              "end_timestamp", (json_int_t)(start + size), "status",
                              low ? "warning" : "ok", "value", sums[i]);
        total += sums[i];
        if (json_array_append_new(data, e) < 0) {
            json_decref(data);
            data = NULL;
        }
    }
    free(sums);
    if (data == NULL)
        return NULL;
    steps = json_pack("{s:s, s:[f], s:o}", "status",
                      days && scale_hundredths(total / units) < scale_hundredths(daily_low)
                          ? "warning" : "ok",
                      "amount", total, "data", data);
    if (steps == NULL)
        return NULL;
    out = json_object();
    if (out == NULL || json_object_set_new(out, "steps", steps) < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* 0 ok, 1 warning, 2 alert: a value against its band. */
static int band_level(double v, const struct lv_band *b)
{
    long long h = scale_hundredths(v);
    if (h < scale_hundredths(b->alert_low) || h > scale_hundredths(b->alert_high))
        return 2;
    if (h < scale_hundredths(b->warning_low) || h > scale_hundredths(b->warning_high))
        return 1;
    return 0;
}

static const char *const level_names[] = { "ok", "warning", "alert" };

/* One component's view, in the weight view's shape. */
static json_t *bp_component(const struct lv_reading *r, size_t m, const struct lv_band *band,
                            int which, const char *key)
{
    size_t i, count = 0;
    double sum = 0;
    int worst = 0;
    json_t *amount = json_array(), *data = json_array();

    for (i = m; i-- > 0 && amount != NULL && data != NULL;) {
        double v = which == 0 ? r[i].value : which == 1 ? r[i].diastolic : r[i].pulse;
        int level;
        if (which == 2 && r[i].pulse < 0)
            continue; /* pulse not measured */
        level = band_level(v, band);
        worst = level > worst ? level : worst;
        sum += v;
        count++;
        if (json_array_append_new(amount, json_real(v)) < 0 ||
            append_entry(data, level_names[level], r[i].timestamp, json_real(v)) < 0) {
            json_decref(amount);
            amount = NULL;
        }
    }
    return view(key, amount, data, level_names[worst],
                count > 0 ? sum / (double)count : (band->warning_low + band->warning_high) / 2);
}

json_t *lv_blood_pressure(const struct lv_reading *newest_first, size_t n,
                          const struct lv_band *systolic, const struct lv_band *diastolic,
                          const struct lv_band *pulse, const char *component)
{
    size_t m = shown(n), i;
    int worst = 0;
    json_t *amount, *data;

    if (component != NULL) {
        if (strcmp(component, "systolic") == 0)
            return bp_component(newest_first, m, systolic, 0, component);
        if (strcmp(component, "diastolic") == 0)
            return bp_component(newest_first, m, diastolic, 1, component);
        if (strcmp(component, "pulse") == 0)
            return bp_component(newest_first, m, pulse, 2, component);
        return NULL;
    }
    amount = json_array();
    data = json_array();
    for (i = m; i-- > 0 && amount != NULL && data != NULL;) {
        const struct lv_reading *r = &newest_first[i];
        char s[32], d[32], text[80];
        int level = band_level(r->value, systolic);
        int dl = band_level(r->diastolic, diastolic);
        int pl = r->pulse >= 0 ? band_level(r->pulse, pulse) : 0;
        json_t *e;
        level = dl > level ? dl : level;
        level = pl > level ? pl : level;
        worst = level > worst ? level : worst;
        snprintf(text, sizeof text, "%s/%s", scale_print(r->value, s), scale_print(r->diastolic, d));
        e = json_pack("{s:s, s:I, s:s, s:f, s:f, s:o}", "status", level_names[level], "timestamp",
                      (json_int_t)r->timestamp, "value", text, "systolic", r->value, "diastolic",
                      r->diastolic, "pulse", r->pulse >= 0 ? json_real(r->pulse) : json_null());
        if (json_array_append_new(amount, json_string(text)) < 0 ||
            json_array_append_new(data, e) < 0) {
            json_decref(amount);
            amount = NULL;
        }
    }
    /* NAN: no "threshold" in the aggregated view (its values are strings) */
    return view("blood_pressure", amount, data, level_names[worst], NAN);
}
