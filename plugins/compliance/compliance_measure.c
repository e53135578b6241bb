/*
 * compliance_measure.c - readings between the intake's JSON, the resource
 * rows, the broadcast payload and the INSERT (compliance_measure.h).
 *
 * The intake's checks take their ranges, lengths, choices and defaults
 * from the resource specs, so a value the REST resource refuses is refused
 * here with the same words ("'value': must be at most 400").
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance_measure.h"

static const struct measure_kind_info kinds[MK_COUNT] = {
    [MK_WEIGHT] = { "weight", "weight-measurements", "compliance_weight_measurement",
                    "timestamp" },
    [MK_HEART_RATE] = { "heart_rate", "heartrate-measurements",
                        "compliance_heartrate_measurement", "timestamp" },
    [MK_STEPS] = { "steps", "steps-measurements", "compliance_steps_measurement",
                   "start_timestamp" },
    [MK_BLOOD_PRESSURE] = { "blood_pressure", "bloodpressure-measurements",
                            "compliance_bloodpressure_measurement", "timestamp" },
};

static const char *const topics[MK_COUNT] = {
    [MK_WEIGHT] = "measurement.weight",
    [MK_HEART_RATE] = "measurement.heart_rate",
    [MK_STEPS] = "measurement.steps",
    [MK_BLOOD_PRESSURE] = "measurement.blood_pressure",
};

const struct measure_kind_info *measure_kind(enum measure_kind k)
{
    return &kinds[k];
}

const char *measure_topic(enum measure_kind k)
{
    return topics[k];
}

int measure_kind_by_type(const char *name, enum measure_kind *k)
{
    for (int i = 0; i < MK_COUNT; i++)
        if (name != NULL && strcmp(name, kinds[i].type) == 0) {
            *k = (enum measure_kind)i;
            return 0;
        }
    return -1;
}

int measure_kind_by_resource(const char *name, enum measure_kind *k)
{
    for (int i = 0; i < MK_COUNT; i++)
        if (name != NULL && strcmp(name, kinds[i].resource) == 0) {
            *k = (enum measure_kind)i;
            return 0;
        }
    return -1;
}

/* ---- checking an intake item ---------------------------------------------- */

struct check {
    const json_t *fields;    /* the kind's spec "fields" */
    char *field, *err;
    size_t fieldlen, errlen;
};

static int refuse(struct check *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct check *c, const char *field, const char *fmt, ...)
{
    va_list ap;

    snprintf(c->field, c->fieldlen, "%s", field != NULL ? field : "");
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A whole decimal integer, as 64-bit ids travel in JSON strings. */
static int parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || !(*s == '-' || (*s >= '0' && *s <= '9')))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || (*s == '-' && end == s + 1))
        return -1;
    *out = v;
    return 0;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* The spec's definition of `name` (the kind has it: a bug otherwise). */
static const json_t *def_of(const struct check *c, const char *name)
{
    return json_object_get(c->fields, name);
}

/* An integer member: a JSON integer or a string of digits, in the spec's
 * range; absent: the spec's default, else required. */
static int take_int(struct check *c, const char *spec_name, const char *field, const json_t *v,
                    int64_t *out)
{
    const json_t *def = def_of(c, spec_name), *mn, *mx;
    int64_t i;

    if (def == NULL)
        return refuse(c, field, "'%s' is not known here", field);
    if (v == NULL)
        v = json_object_get(def, "default");
    if (v == NULL)
        return refuse(c, field, "'%s' is required", field);
    if (json_is_integer(v))
        i = json_integer_value(v);
    else if (!json_is_string(v) || parse_int64(json_string_value(v), &i) != 0)
        return refuse(c, field, "'%s': an integer is required (a number or a string of digits)",
                      field);
    mn = json_object_get(def, "min");
    mx = json_object_get(def, "max");
    if (json_is_integer(mn) && i < json_integer_value(mn))
        return refuse(c, field, "'%s': must be at least %" JSON_INTEGER_FORMAT, field,
                      json_integer_value(mn));
    if (json_is_integer(mx) && i > json_integer_value(mx))
        return refuse(c, field, "'%s': must be at most %" JSON_INTEGER_FORMAT, field,
                      json_integer_value(mx));
    *out = i;
    return 0;
}

/* A number member in the spec's range; absent or null: the default, or
 * *present = 0 when the field is nullable, else required. */
static int take_real(struct check *c, const char *spec_name, const char *field, const json_t *v,
                     double *out, int *present)
{
    const json_t *def = def_of(c, spec_name), *mn, *mx;
    double d;

    if (def == NULL)
        return refuse(c, field, "'%s' is not known here", field);
    *present = 1;
    if (v == NULL || json_is_null(v)) {
        const json_t *dflt = json_object_get(def, "default");
        if (dflt == NULL && json_is_true(json_object_get(def, "nullable"))) {
            *present = 0;
            return 0;
        }
        if (dflt == NULL)
            return refuse(c, field, v == NULL ? "'%s' is required" : "'%s': may not be null",
                          field);
        v = dflt;
    }
    if (!json_is_number(v))
        return refuse(c, field, "'%s': a number is required", field);
    d = json_number_value(v);
    mn = json_object_get(def, "min");
    mx = json_object_get(def, "max");
    if (json_is_number(mn) && d < json_number_value(mn))
        return refuse(c, field, "'%s': must be at least %g", field, json_number_value(mn));
    if (json_is_number(mx) && d > json_number_value(mx))
        return refuse(c, field, "'%s': must be at most %g", field, json_number_value(mx));
    *out = d;
    return 0;
}

/* A non-empty string member within the spec's length and choices. */
static int take_str(struct check *c, const char *spec_name, const char *field, const json_t *v,
                    char *out, size_t outlen)
{
    const json_t *def = def_of(c, spec_name), *ml, *choices;
    const char *s;

    if (def == NULL)
        return refuse(c, field, "'%s' is not known here", field);
    if (v == NULL)
        v = json_object_get(def, "default");
    if (v == NULL)
        return refuse(c, field, "'%s' is required", field);
    if (!json_is_string(v))
        return refuse(c, field, "'%s': a string is required", field);
    s = json_string_value(v);
    if (*s == '\0')
        return refuse(c, field, "'%s': may not be empty", field);
    ml = json_object_get(def, "max_length");
    if (json_is_integer(ml) && utf8_chars(s) > (size_t)json_integer_value(ml))
        return refuse(c, field, "'%s': at most %" JSON_INTEGER_FORMAT " characters", field,
                      json_integer_value(ml));
    choices = json_object_get(def, "choices");
    if (json_is_array(choices)) {
        size_t i;
        const json_t *ch;
        int ok = 0;
        json_array_foreach(choices, i, ch)
            ok |= json_is_string(ch) && strcmp(json_string_value(ch), s) == 0;
        if (!ok) {
            char *list = json_dumps(choices, JSON_COMPACT);
            refuse(c, field, "'%s': must be one of %s", field, list != NULL ? list : "the choices");
            free(list);
            return -1;
        }
    }
    if (strlen(s) >= outlen) /* max_length and the buffers agree; a spec edit could break it */
        return refuse(c, field, "'%s' is too long", field);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static const char *const common_members[] = {
    "type", "user_id", "input_source", "measurement_unit", "timestamp", "timezone", "value", NULL
};

static int member_known(const char *key, enum measure_kind k)
{
    for (const char *const *p = common_members; *p != NULL; p++)
        if (strcmp(key, *p) == 0)
            return 1;
    return k == MK_STEPS && (strcmp(key, "start_timestamp") == 0 ||
                             strcmp(key, "end_timestamp") == 0);
}

static int take_kind(struct check *c, const json_t *item, const char *topic_type,
                     enum measure_kind *k)
{
    const json_t *type = json_object_get(item, "type");
    const char *name = topic_type;

    if (type != NULL) {
        if (!json_is_string(type))
            return refuse(c, "type", "'type': a string is required");
        if (topic_type != NULL && strcmp(json_string_value(type), topic_type) != 0)
            return refuse(c, "type", "'type' is '%s' but the topic is measurement.%s",
                          json_string_value(type), topic_type);
        name = json_string_value(type);
    }
    if (name == NULL)
        return refuse(c, "type", "'type' is required: weight, heart_rate, steps or "
                                 "blood_pressure");
    if (measure_kind_by_type(name, k) != 0)
        return refuse(c, "type", "'type': '%s' is not one of weight, heart_rate, steps, "
                                 "blood_pressure", name);
    return 0;
}

/* steps: the start as "timestamp" or "start_timestamp" (one of them). */
static int take_steps_times(struct check *c, const json_t *item, struct measurement *m)
{
    const json_t *ts = json_object_get(item, "timestamp");
    const json_t *start = json_object_get(item, "start_timestamp");
    const json_t *end = json_object_get(item, "end_timestamp");
    const char *name = start != NULL ? "start_timestamp" : "timestamp";

    if (ts != NULL && start != NULL)
        return refuse(c, "start_timestamp", "send the start as 'timestamp' or as "
                                            "'start_timestamp', not both");
    if (take_int(c, "start_timestamp", name, start != NULL ? start : ts, &m->timestamp) != 0)
        return -1;
    if (end == NULL) {
        m->end_timestamp = m->timestamp;
        return 0;
    }
    if (take_int(c, "end_timestamp", "end_timestamp", end, &m->end_timestamp) != 0)
        return -1;
    if (m->end_timestamp < m->timestamp)
        return refuse(c, "end_timestamp", "'end_timestamp': may not be before the start");
    return 0;
}

static int take_values(struct check *c, const json_t *item, struct measurement *m)
{
    const json_t *v = json_object_get(item, "value");
    int present;

    if (m->kind != MK_BLOOD_PRESSURE)
        return take_real(c, "value", "value", v, &m->value, &present);
    if (v == NULL)
        return refuse(c, "value", "'value' is required: {\"systolic\", \"diastolic\", "
                                  "\"pulse\"}");
    if (!json_is_object(v))
        return refuse(c, "value", "'value': an object {\"systolic\", \"diastolic\", "
                                  "\"pulse\"} is required for blood pressure");
    {
        const char *key;
        const json_t *x;
        json_object_foreach((json_t *)v, key, x) {
            (void)x;
            if (strcmp(key, "systolic") != 0 && strcmp(key, "diastolic") != 0 &&
                strcmp(key, "pulse") != 0) {
                char field[96];
                snprintf(field, sizeof field, "value.%.80s", key);
                return refuse(c, field, "'%s' is not a blood pressure value (systolic, "
                                        "diastolic, pulse)", field);
            }
        }
    }
    if (take_real(c, "systolic", "value.systolic", json_object_get(v, "systolic"), &m->value,
                  &present) != 0 ||
        take_real(c, "diastolic", "value.diastolic", json_object_get(v, "diastolic"),
                  &m->diastolic, &present) != 0 ||
        take_real(c, "pulse", "value.pulse", json_object_get(v, "pulse"), &m->pulse,
                  &present) != 0)
        return -1;
    if (!present)
        m->pulse = -1;
    if (m->diastolic >= m->value)
        return refuse(c, "value.diastolic", "'value.diastolic': must be below the systolic "
                                            "pressure");
    return 0;
}

int measure_parse(const json_t *item, const char *topic_type, const json_t *const specs[MK_COUNT],
                  struct measurement *m, char *field, size_t fieldlen, char *err, size_t errlen)
{
    struct check c = { NULL, field, err, fieldlen, errlen };
    const char *key;
    const json_t *v;

    memset(m, 0, sizeof *m);
    m->pulse = -1;
    if (!json_is_object(item))
        return refuse(&c, NULL, "a measurement must be a JSON object");
    if (take_kind(&c, item, topic_type, &m->kind) != 0)
        return -1;
    c.fields = json_object_get(specs[m->kind], "fields");
    json_object_foreach((json_t *)item, key, v) {
        (void)v;
        if (!member_known(key, m->kind))
            return refuse(&c, key, "'%s' is not a member of a %s measurement", key,
                          kinds[m->kind].type);
    }
    if (take_int(&c, "user_id", "user_id", json_object_get(item, "user_id"), &m->user_id) != 0 ||
        take_str(&c, "input_source", "input_source", json_object_get(item, "input_source"),
                 m->input_source, sizeof m->input_source) != 0 ||
        take_str(&c, "measurement_unit", "measurement_unit",
                 json_object_get(item, "measurement_unit"), m->unit, sizeof m->unit) != 0 ||
        take_str(&c, "timezone", "timezone", json_object_get(item, "timezone"), m->timezone,
                 sizeof m->timezone) != 0)
        return -1;
    if (m->kind == MK_STEPS) {
        if (take_steps_times(&c, item, m) != 0)
            return -1;
    } else {
        if (take_int(&c, "timestamp", "timestamp", json_object_get(item, "timestamp"),
                     &m->timestamp) != 0)
            return -1;
        m->end_timestamp = m->timestamp;
    }
    return take_values(&c, item, m);
}

/* ---- a resource row --------------------------------------------------------- */

static int row_int(const json_t *row, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(row, name);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    return json_is_string(v) ? parse_int64(json_string_value(v), out) : -1;
}

static int row_real(const json_t *row, const char *name, double *out)
{
    const json_t *v = json_object_get(row, name);
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return 0;
}

static int row_str(const json_t *row, const char *name, char *out, size_t outlen)
{
    const json_t *v = json_object_get(row, name);
    if (!json_is_string(v) || json_string_length(v) >= outlen)
        return -1;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

int measure_from_row(enum measure_kind k, const json_t *row, struct measurement *m)
{
    memset(m, 0, sizeof *m);
    m->kind = k;
    m->pulse = -1;
    if (row_int(row, "id", &m->id) != 0 || row_int(row, "user_id", &m->user_id) != 0 ||
        row_str(row, "input_source", m->input_source, sizeof m->input_source) != 0 ||
        row_str(row, "measurement_unit", m->unit, sizeof m->unit) != 0 ||
        row_str(row, "timezone", m->timezone, sizeof m->timezone) != 0)
        return -1;
    if (k == MK_STEPS) {
        if (row_int(row, "start_timestamp", &m->timestamp) != 0 ||
            row_int(row, "end_timestamp", &m->end_timestamp) != 0)
            return -1;
    } else {
        if (row_int(row, "timestamp", &m->timestamp) != 0)
            return -1;
        m->end_timestamp = m->timestamp;
    }
    if (k != MK_BLOOD_PRESSURE)
        return row_real(row, "value", &m->value);
    if (row_real(row, "systolic", &m->value) != 0 || row_real(row, "diastolic", &m->diastolic) != 0)
        return -1;
    if (!json_is_null(json_object_get(row, "pulse")) && row_real(row, "pulse", &m->pulse) != 0)
        return -1;
    return 0;
}

/* ---- what it turns into ----------------------------------------------------- */

static json_t *id_string(int64_t id)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, id);
    return json_string(text);
}

json_t *measure_broadcast(const struct measurement *m)
{
    json_t *value, *out;

    if (m->kind == MK_BLOOD_PRESSURE)
        value = json_pack("{s:f,s:f,s:o}", "systolic", m->value, "diastolic", m->diastolic,
                          "pulse", m->pulse < 0 ? json_null() : json_real(m->pulse));
    else
        value = json_real(m->value);
    out = json_pack("{s:s,s:o,s:s,s:s,s:I,s:s,s:o,s:I}", "type", kinds[m->kind].type, "user_id",
                    id_string(m->user_id), "input_source", m->input_source, "measurement_unit",
                    m->unit, "timestamp", (json_int_t)m->timestamp, "timezone", m->timezone,
                    "value", value, "id", (json_int_t)m->id);
    if (out != NULL && m->kind == MK_STEPS &&
        json_object_set_new(out, "end_timestamp", json_integer(m->end_timestamp)) != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

const char *measure_insert(const struct measurement *m, json_t **params)
{
    static const char *const sql[MK_COUNT] = {
        [MK_WEIGHT] = "INSERT INTO compliance_weight_measurement (user_id, input_source, "
                      "measurement_unit, timestamp, timezone, value) VALUES (?, ?, ?, ?, ?, ?)",
        [MK_HEART_RATE] = "INSERT INTO compliance_heartrate_measurement (user_id, input_source, "
                          "measurement_unit, timestamp, timezone, value) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
        [MK_STEPS] = "INSERT INTO compliance_steps_measurement (user_id, input_source, "
                     "measurement_unit, start_timestamp, end_timestamp, timezone, value) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [MK_BLOOD_PRESSURE] = "INSERT INTO compliance_bloodpressure_measurement (user_id, "
                              "input_source, measurement_unit, timestamp, timezone, systolic, "
                              "diastolic, pulse) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    };

    switch (m->kind) {
    case MK_STEPS:
        *params = json_pack("[I,s,s,I,I,s,f]", (json_int_t)m->user_id, m->input_source, m->unit,
                            (json_int_t)m->timestamp, (json_int_t)m->end_timestamp, m->timezone,
                            m->value);
        break;
    case MK_BLOOD_PRESSURE:
        *params = json_pack("[I,s,s,I,s,f,f,o]", (json_int_t)m->user_id, m->input_source, m->unit,
                            (json_int_t)m->timestamp, m->timezone, m->value, m->diastolic,
                            m->pulse < 0 ? json_null() : json_real(m->pulse));
        break;
    default:
        *params = json_pack("[I,s,s,I,s,f]", (json_int_t)m->user_id, m->input_source, m->unit,
                            (json_int_t)m->timestamp, m->timezone, m->value);
        break;
    }
    return *params != NULL ? sql[m->kind] : NULL;
}

json_t *measure_uri(const struct measurement *m)
{
    return json_sprintf("/api/v1/%s/%" PRId64 "/", kinds[m->kind].resource, m->id);
}
