/*
 * compliance_measure.h - one reading of any of the four kinds the plugin
 * keeps (weight, heart rate, steps, blood pressure): where it is stored,
 * how the intake's JSON becomes one, how a resource row becomes one, and
 * the broadcast payload and INSERT it turns into.
 *
 * Pure: no I/O, no bus, no database. The value ranges are not repeated
 * here: they are read from the resource specs (the resources folder), so
 * the REST resources and the intake refuse the same values.
 */
#ifndef COMPLIANCE_MEASURE_H
#define COMPLIANCE_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum measure_kind { MK_WEIGHT, MK_HEART_RATE, MK_STEPS, MK_BLOOD_PRESSURE, MK_COUNT };

struct measure_kind_info {
    const char *type;        /* the intake's "type", the topic's suffix: "heart_rate" */
    const char *resource;    /* the resource's name: "heartrate-measurements" */
    const char *table;
    const char *time_column; /* "timestamp"; steps: "start_timestamp" */
};

const struct measure_kind_info *measure_kind(enum measure_kind k);
/* The kind whose type (or resource name) is `name`: 0, or -1. */
int measure_kind_by_type(const char *name, enum measure_kind *k);
int measure_kind_by_resource(const char *name, enum measure_kind *k);

/* Column sizes in characters (the specs' max_length); UTF-8 takes up to
 * 4 bytes each. */
#define MEASURE_SOURCE_MAX 20
#define MEASURE_TZ_MAX 64

struct measurement {
    enum measure_kind kind;
    int64_t id;              /* the stored row; 0 before it is stored */
    int64_t user_id;
    int64_t timestamp;       /* unix seconds; steps: the interval's start */
    int64_t end_timestamp;   /* steps: the interval's end; else = timestamp */
    double value;            /* kg, bpm, steps; blood pressure: systolic */
    double diastolic;        /* blood pressure */
    double pulse;            /* blood pressure; < 0: not measured */
    char input_source[MEASURE_SOURCE_MAX * 4 + 1];
    char unit[16];
    char timezone[MEASURE_TZ_MAX * 4 + 1];
};

/*
 * measure_parse - an intake item (POST /api/v1/insertion/measurements, or
 * a `measurement.<type>` event's payload) into *m, checked whole:
 *   {"user_id": 42 or "42", "type": "weight"|"heart_rate"|"steps"|"blood_pressure",
 *    "input_source": "withings", "measurement_unit": "kg" (optional),
 *    "timestamp": 1474925274, "timezone": "Europe/Bucharest" (optional, UTC),
 *    "value": 72.5}
 * steps: "timestamp" (or "start_timestamp") is the start, "end_timestamp"
 * (optional, default the start) the end; blood pressure: "value" is
 * {"systolic", "diastolic", "pulse" (optional)}.
 * topic_type: the type a topic names (NULL for HTTP): "type" may then be
 * left out, and must agree when given. specs: the resource spec of each
 * kind (its "fields" give types, ranges, lengths, choices, defaults).
 * Returns 0, or -1 with the member at fault in `field` ("value.systolic";
 * may be empty) and a sentence for the client in `err`.
 */
int measure_parse(const json_t *item, const char *topic_type, const json_t *const specs[MK_COUNT],
                  struct measurement *m, char *field, size_t fieldlen, char *err, size_t errlen);

/*
 * measure_from_row - a resource's object as its GET shows it (the written
 * hook's row: 64-bit integers as strings) into *m. 0, or -1 when a member
 * is missing or of the wrong type (a spec and this code disagree).
 */
int measure_from_row(enum measure_kind k, const json_t *row, struct measurement *m);

/*
 * measure_broadcast - the original's broadcast of a new reading, plus the
 * id of the row: {"type", "user_id" (string), "input_source",
 * "measurement_unit", "timestamp" (integer), "timezone", "value", "id"};
 * steps add "end_timestamp"; blood pressure's value is {"systolic",
 * "diastolic", "pulse" (null when not measured)}. New reference; NULL
 * only when out of memory.
 */
json_t *measure_broadcast(const struct measurement *m);

/* The broadcast's topic: "measurement.<type>". */
const char *measure_topic(enum measure_kind k);

/*
 * measure_insert - the INSERT of *m into its kind's table: returns the
 * SQL (static text) and sets *params (a new array of its parameters).
 * NULL when out of memory.
 */
const char *measure_insert(const struct measurement *m, json_t **params);

/* The resource URI of a stored reading: "/api/v1/<resource>/<id>/". */
json_t *measure_uri(const struct measurement *m);

#endif
