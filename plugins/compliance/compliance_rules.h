/*
 * compliance_rules.h - the rules that watch measurements and the
 * notifications they raise (reference: cami-original-api.md section 4).
 *
 * Pure: no I/O, no bus, no database. compliance.c reads the history and
 * the person from the store, calls a rule, and publishes each returned
 * payload as a `notification.create` event. Thresholds and texts come from
 * [plugin.compliance] (rules_config_read) with CAMI's defaults; texts exist
 * per language (en, ro, dk, pl) with neutral variants for a person the
 * store does not know. Loop thread only.
 */
#ifndef COMPLIANCE_RULES_H
#define COMPLIANCE_RULES_H

#include <stdint.h>

#include <cami/cami.h>

#include "compliance_lastvalues.h"

/* Who a measurement belongs to, as far as the store knows. */
struct rules_person {
    int known;              /* 0: not in the store: neutral texts, default language */
    const char *name;       /* display name (first name, else username); NULL when unknown */
    const char *language;   /* "en", "ro", "dk", "pl"; NULL or other: the default language */
};

struct rules_config;        /* thresholds and texts; opaque */

/* The whole schema of [plugin.compliance] (ended by a NULL key): the
 * plugin's only keys are the rules' thresholds and texts. compliance.c
 * passes it as the descriptor's config_schema. */
extern const cami_config_key compliance_config_schema[];

/*
 * rules_config_read - read thresholds and texts from the plugin's config
 * (and the texts file it names, if any), checking them: a band whose
 * bounds are out of order, an unknown language or a text key that does
 * not exist is refused with the key and why in the log. Returns a new
 * config, or NULL (the plugin then refuses to load).
 */
struct rules_config *rules_config_read(cami_plugin *self);
void rules_config_free(struct rules_config *cfg);

/*
 * The thresholds as read (checked: every value >= 0, each band in order
 * alert_low <= warning_low <= warning_high <= alert_high, steps_alert_low
 * <= steps_warning_low <= steps_high, weight_delta > 0), for the
 * last_values views: lv_weight(weight_delta), lv_heart_rate(heart.alert_low,
 * heart.alert_high), lv_steps(daily_low = steps_warning_low),
 * lv_blood_pressure(&systolic, &diastolic, &pulse). Owned by cfg.
 */
struct rules_thresholds {
    double weight_delta;                    /* kg, default 2 */
    struct lv_band heart;                   /* bpm, 60/100/70/85 */
    struct lv_band systolic, diastolic, pulse;
    double steps_alert_low, steps_warning_low, steps_high;  /* 1000/2000/6000 */
};
const struct rules_thresholds *rules_config_thresholds(const struct rules_config *cfg);

/* The language texts are in when a person has none the rules know
 * ("en", ... as config key default_language says). */
const char *rules_config_default_language(const struct rules_config *cfg);

/*
 * Each rule returns a JSON array (new reference, possibly empty) of
 * `notification.create` payloads, each
 *   {"user_id": "<id>" (string, 64-bit), "recipient_type": "elderly"|"caregiver",
 *    "type": "weight"|"heart"|"blood_pressure"|"steps", "severity": "low"|"medium"|"high",
 *    "message": text, "description": text, "timestamp": <unix seconds, integer>,
 *    "language": "en"|..., "measurement": {"type", "value", ...} (what fired it)}
 * one for the elderly person and one for their caregiver when the rule
 * fires (as the original sent both, whether or not a caregiver is known).
 * `timestamp` is the measurement's. NULL only when out of memory.
 *
 * Precisely: the elderly person's payload comes first. Texts are in the
 * person's language when the store knows one of en, ro, dk, pl, else in
 * default_language ("language" says which); a person who is not known or
 * has no name gets the neutral texts. Thresholds are compared on a rounded
 * scale (compliance_scale.h: weight in grams, the rest in hundredths), so
 * 64.10 -> 62.10 kg fires although the doubles differ by
 * 1.999999999999993. A value that is not a finite number fires nothing.
 * "measurement" is {"type": "weight"|"heart_rate"|"blood_pressure"|"steps",
 * "unit", "value", ...}: weight adds "previous" and "delta" (newest -
 * previous, kg); blood pressure adds "systolic", "diastolic", "pulse" (null
 * when not measured) and "component" (the one that fired; "value" is its
 * value); steps' "value" is the daily total, "date" its UTC day.
 */

/* weight: the user's two newest readings (kg), newest first; fires when
 * |newest - previous| >= weight_delta (default 2.0 kg): loss or gain. */
json_t *rules_weight(const struct rules_config *cfg, const struct rules_person *p,
                     int64_t user_id, double newest, double previous, int64_t timestamp);

/* heart rate (type "heart"): bands < 60 high, < 70 medium, > 100 high,
 * > 85 medium (defaults). */
json_t *rules_heart_rate(const struct rules_config *cfg, const struct rules_person *p,
                         int64_t user_id, double bpm, int64_t timestamp);

/* blood pressure: systolic, diastolic, pulse against their alert/warning
 * bands (defaults: pulse 50/140/60/100, diastolic 50/100/60/90, systolic
 * 90/160/100/140 as alert low/alert high/warning low/warning high); pulse
 * < 0 means "not measured". Alert is high severity, warning medium.
 * One pair of notifications per reading, for the worst component (the
 * first of systolic, diastolic, pulse at that level): a pressure text
 * ({value} is "165/95") or a pulse text ({value} is the pulse). */
json_t *rules_blood_pressure(const struct rules_config *cfg, const struct rules_person *p,
                             int64_t user_id, double systolic, double diastolic, double pulse,
                             int64_t timestamp);

/* steps: the user's total for the day that `timestamp` falls in: < 1000
 * caregiver high, < 2000 elderly medium, > 6000 elderly low (defaults).
 * Unlike the other rules each band names its one recipient, as CAMI's
 * decision-support rules did: below 1000 both of the first two fire (the
 * caregiver's high and the person's medium), 1000-1999 only the person's,
 * above 6000 the person's "well done". The texts name that day as {date}
 * (UTC, YYYY-MM-DD; also "date" in "measurement"), so they read right
 * whenever the day is judged. */
json_t *rules_steps(const struct rules_config *cfg, const struct rules_person *p,
                    int64_t user_id, double daily_total, int64_t timestamp);

#endif
