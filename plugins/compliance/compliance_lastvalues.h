/*
 * compliance_lastvalues.h - the `last_values` views the app draws its
 * charts from (reference: cami-original-api.md section 3), computed from
 * readings compliance.c fetched from the store.
 *
 * Pure: readings in, the original's JSON shapes out. Loop thread only.
 */
#ifndef COMPLIANCE_LASTVALUES_H
#define COMPLIANCE_LASTVALUES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct lv_reading {
    int64_t timestamp;       /* unix seconds; steps: the start */
    int64_t end_timestamp;   /* steps only */
    double value;            /* weight kg, bpm, steps; blood pressure: systolic */
    double diastolic, pulse; /* blood pressure only; pulse < 0: not measured */
};

/* How many readings the weight, heart-rate and blood-pressure views use
 * (the newest). */
#define LV_READINGS 20

/* The most buckets lv_steps draws (units); more is refused. */
#define LV_STEPS_MAX_UNITS 1000

/*
 * Thresholds are compared on a rounded scale (compliance_scale.h: weights
 * in grams, the rest in hundredths), so 64.10 -> 62.10 kg is a 2 kg change
 * although the doubles differ by 1.999999999999993. Values and
 * thresholds are JSON reals, timestamps JSON integers.
 */

/*
 * weight - readings newest first (at most LV_READINGS used) ->
 * {"weight": {"amount": [v...], "data": [{"status", "timestamp", "value"}...],
 *  "status", "threshold"}}, oldest first; an entry is "warning" when it
 * differs from the next newer reading by `delta` kg or more, the overall
 * status "warning" when max - min >= delta, else "ok"; threshold = the
 * mean (80 when there are no readings). New reference.
 */
json_t *lv_weight(const struct lv_reading *newest_first, size_t n, double delta);

/* heart rate: the same shape under "heart_rate"; an entry is "warning"
 * below `low` or above `high` (60/100: pass the rules' heart_alert_low and
 * heart_alert_high), the overall status from the mean (80 and "ok" when
 * there are no readings). */
json_t *lv_heart_rate(const struct lv_reading *newest_first, size_t n, double low, double high);

/*
 * steps - readings (any order) grouped into `units` buckets of a day or an
 * hour (resolution "days" or "hours"), the last bucket the one holding
 * `now`: {"steps": {"status", "amount": [total], "data": [{"start_timestamp",
 * "end_timestamp", "status", "value"}...]}}, oldest bucket first; a bucket
 * is "warning" below `daily_low` steps (days) . NULL: bad resolution.
 *
 * Buckets are UTC days (or hours) from start_timestamp (inclusive) to
 * end_timestamp (exclusive, the next bucket's start); a reading counts in
 * the bucket its start timestamp falls in; readings outside every bucket
 * are left out; "amount" holds the sum of all buckets. With "days" the
 * overall status is "warning" when the mean per bucket is below daily_low
 * (pass the rules' steps_warning_low); hourly counts have no threshold, so
 * with "hours" every status is "ok". NULL also when units is 0 or above
 * LV_STEPS_MAX_UNITS, or out of memory.
 */
json_t *lv_steps(const struct lv_reading *readings, size_t n, int64_t now, unsigned units,
                 const char *resolution, double daily_low);

/* Blood-pressure bands, per component. */
struct lv_band {
    double alert_low, alert_high, warning_low, warning_high;
};

/*
 * blood pressure - readings newest first -> {"blood_pressure": {"amount":
 * ["120/80"...], "data": [{"status", "timestamp", "value": "120/80",
 * "systolic", "diastolic", "pulse"}...], "status"}}; a reading's status is
 * "alert" when a component is beyond its alert band, else "warning" beyond
 * its warning band, else "ok"; the overall status the worst of the newest.
 * component: NULL for that aggregated view, or "systolic", "diastolic",
 * "pulse" for one component's view in the weight view's shape under that
 * name (values numbers). NULL: unknown component.
 *
 * Precisely: the LV_READINGS newest readings are shown, oldest first; the
 * overall status is the worst status among them ("ok" when none); "pulse"
 * is null in the aggregated view when not measured (< 0), and such
 * readings are left out of the pulse view. "120/80" prints each value
 * rounded to hundredths without trailing zeros ("120.5/80"). A component
 * view's entries are "ok", "warning" or "alert" by that component's band,
 * its "threshold" the mean of its values (the middle of the warning band
 * when there are none); the aggregated view has no "threshold".
 */
json_t *lv_blood_pressure(const struct lv_reading *newest_first, size_t n,
                          const struct lv_band *systolic, const struct lv_band *diastolic,
                          const struct lv_band *pulse, const char *component);

#endif
