/*
 * notif_payload.c - pure checks and shapes (notif_payload.h). Every
 * refusal names the member and says what was expected, in words a partner
 * can act on; the first problem found is the one reported.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notif_payload.h"

#define RESOURCE_PATH "/api/v1/notifications/"

static json_t *refuse(char *field, size_t fieldlen, char *err, size_t errlen, const char *name,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static json_t *refuse(char *field, size_t fieldlen, char *err, size_t errlen, const char *name,
                      const char *fmt, ...)
{
    char text[300];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(field, fieldlen, "%s", name);
    snprintf(err, errlen, "'%s': %s", name, text);
    return NULL;
}

size_t notif_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static int blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

int notif_parse_id(const json_t *v, int64_t *out)
{
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v)) {
        if (json_integer_value(v) < 1)
            return -1;
        *out = json_integer_value(v);
        return 0;
    }
    s = json_string_value(v);
    if (s == NULL || s[0] < '0' || s[0] > '9' || strlen(s) > 19)
        return -1;
    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || n < 1)
        return -1;
    *out = n;
    return 0;
}

/* A field's member in the spec ("fields" -> name -> member). */
static const json_t *spec_member(const json_t *spec, const char *name, const char *member)
{
    return json_object_get(json_object_get(json_object_get(spec, "fields"), name), member);
}

int notif_limits_from_spec(const json_t *spec, struct notif_limits *lim, char *err, size_t errlen)
{
    static const struct {
        const char *field, *member;
    } need[] = { { "recipient_type", "choices" }, { "severity", "choices" },
                 { "type", "max_length" },       { "message", "max_length" },
                 { "description", "max_length" }, { "user_id", "min" },
                 { "timestamp", "min" },          { "timestamp", "max" } };

    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (spec_member(spec, need[i].field, need[i].member) == NULL) {
            snprintf(err, errlen, "the notifications spec lacks fields.%s.%s", need[i].field,
                     need[i].member);
            return -1;
        }
    lim->recipient_types = spec_member(spec, "recipient_type", "choices");
    lim->severities = spec_member(spec, "severity", "choices");
    lim->type_max = (size_t)json_integer_value(spec_member(spec, "type", "max_length"));
    lim->message_max = (size_t)json_integer_value(spec_member(spec, "message", "max_length"));
    lim->description_max =
        (size_t)json_integer_value(spec_member(spec, "description", "max_length"));
    lim->user_min = json_integer_value(spec_member(spec, "user_id", "min"));
    lim->ts_min = json_integer_value(spec_member(spec, "timestamp", "min"));
    lim->ts_max = json_integer_value(spec_member(spec, "timestamp", "max"));
    if (!json_is_array(lim->recipient_types) || !json_is_array(lim->severities) ||
        lim->type_max == 0 || lim->message_max == 0 || lim->description_max == 0) {
        snprintf(err, errlen, "the notifications spec's limits are not usable");
        return -1;
    }
    return 0;
}

static int in_choices(const json_t *choices, const char *s)
{
    size_t i;
    const json_t *c;

    json_array_foreach(choices, i, c)
        if (json_is_string(c) && strcmp(json_string_value(c), s) == 0)
            return 1;
    return 0;
}

/* "a", "b" or "c", for messages. */
static void choices_text(const json_t *choices, char *out, size_t outlen)
{
    size_t i, n = json_array_size(choices), used = 0;

    out[0] = '\0';
    for (i = 0; i < n && used < outlen; i++) {
        int w = snprintf(out + used, outlen - used, "%s'%s'",
                         i == 0 ? "" : i + 1 == n ? " or " : ", ",
                         json_string_value(json_array_get(choices, i)));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* A required text member: a string, not blank, at most max characters. */
static const char *text_member(const json_t *obj, const char *name, size_t max, int required,
                               char *field, size_t fieldlen, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, name);
    const char *s;

    if (v == NULL || json_is_null(v)) {
        if (required)
            refuse(field, fieldlen, err, errlen, name, "is required");
        return required ? NULL : "";
    }
    s = json_string_value(v);
    if (s == NULL) {
        refuse(field, fieldlen, err, errlen, name, "must be a string");
        return NULL;
    }
    if (required && blank(s)) {
        refuse(field, fieldlen, err, errlen, name, "may not be empty");
        return NULL;
    }
    if (notif_utf8_len(s) > max) {
        refuse(field, fieldlen, err, errlen, name, "is longer than %zu characters", max);
        return NULL;
    }
    return s;
}

static const char *choice_member(const json_t *obj, const char *name, const json_t *choices,
                                 char *field, size_t fieldlen, char *err, size_t errlen)
{
    const char *s = json_string_value(json_object_get(obj, name));
    char list[200];

    if (s != NULL && in_choices(choices, s))
        return s;
    choices_text(choices, list, sizeof list);
    if (json_object_get(obj, name) == NULL)
        refuse(field, fieldlen, err, errlen, name, "is required (%s)", list);
    else
        refuse(field, fieldlen, err, errlen, name, "must be one of %s", list);
    return NULL;
}

/* A unix time as an integer or a string of digits, within the spec's range. */
static int time_member(const json_t *obj, const struct notif_limits *lim, int64_t *out,
                       char *field, size_t fieldlen, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, "timestamp");
    int64_t t;

    if (v == NULL) {
        refuse(field, fieldlen, err, errlen, "timestamp", "is required (unix seconds)");
        return -1;
    }
    if (json_is_integer(v))
        t = json_integer_value(v);
    else if (json_is_string(v) && strcmp(json_string_value(v), "0") == 0)
        t = 0;
    else if (notif_parse_id(v, &t) != 0) {
        refuse(field, fieldlen, err, errlen, "timestamp",
               "must be unix seconds, an integer or a string of digits");
        return -1;
    }
    if (t < lim->ts_min || t > lim->ts_max) {
        refuse(field, fieldlen, err, errlen, "timestamp",
               "must be unix seconds from %" PRId64 " to %" PRId64 " (milliseconds are refused)",
               lim->ts_min, lim->ts_max);
        return -1;
    }
    *out = t;
    return 0;
}

json_t *notif_payload_check(const struct notif_limits *lim, const json_t *payload, char *field,
                            size_t fieldlen, char *err, size_t errlen)
{
    const char *recipient, *type, *severity, *message, *description;
    const json_t *ref;
    int64_t user, ts;
    json_t *row;

    if (!json_is_object(payload)) {
        snprintf(field, fieldlen, "%s", "");
        snprintf(err, errlen, "the payload must be a JSON object");
        return NULL;
    }
    if (notif_parse_id(json_object_get(payload, "user_id"), &user) != 0 || user < lim->user_min)
        return refuse(field, fieldlen, err, errlen, "user_id",
                      "must be a person's id: a positive integer, or a string of its digits");
    recipient = choice_member(payload, "recipient_type", lim->recipient_types, field, fieldlen,
                              err, errlen);
    if (recipient == NULL)
        return NULL;
    type = text_member(payload, "type", lim->type_max, 1, field, fieldlen, err, errlen);
    if (type == NULL)
        return NULL;
    severity = choice_member(payload, "severity", lim->severities, field, fieldlen, err, errlen);
    if (severity == NULL)
        return NULL;
    if (time_member(payload, lim, &ts, field, fieldlen, err, errlen) != 0)
        return NULL;
    message = text_member(payload, "message", lim->message_max, 1, field, fieldlen, err, errlen);
    if (message == NULL)
        return NULL;
    description = text_member(payload, "description", lim->description_max, 0, field, fieldlen,
                              err, errlen);
    if (description == NULL)
        return NULL;
    row = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s}", "user_id", (json_int_t)user,
                    "recipient_type", recipient, "type", type, "severity", severity, "timestamp",
                    (json_int_t)ts, "message", message, "description", description);
    if (row == NULL) {
        snprintf(field, fieldlen, "%s", "");
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ref = json_object_get(json_object_get(payload, "measurement"), "id");
    if (json_is_integer(ref) && json_integer_value(ref) > 0 &&
        json_integer_value(ref) <= INT32_MAX)
        json_object_set_new(row, "reference_id", json_integer(json_integer_value(ref)));
    return row;
}

char *notif_dedupe_text(const json_t *row)
{
    static const char *const keys[] = { "user_id", "recipient_type", "type", "severity",
                                        "timestamp", "message", "description" };
    json_t *a = json_array();
    char *text;

    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(row, keys[i]);
        if (json_array_append(a, v != NULL ? v : json_null()) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    text = json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(a);
    return text;
}

json_t *notif_object(const json_t *row, json_int_t id)
{
    char user[24], ts[24], uri[64];

    snprintf(user, sizeof user, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(row, "user_id")));
    snprintf(ts, sizeof ts, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(row, "timestamp")));
    snprintf(uri, sizeof uri, RESOURCE_PATH "%" JSON_INTEGER_FORMAT "/", id);
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "description",
                     json_string_value(json_object_get(row, "description")), "id", id, "message",
                     json_string_value(json_object_get(row, "message")), "recipient_type",
                     json_string_value(json_object_get(row, "recipient_type")), "resource_uri",
                     uri, "severity", json_string_value(json_object_get(row, "severity")),
                     "timestamp", ts, "type", json_string_value(json_object_get(row, "type")),
                     "user_id", user);
}

json_t *notif_row_from_object(const json_t *obj)
{
    static const char *const texts[] = { "recipient_type", "type", "severity", "message",
                                         "description" };
    const json_t *id = json_object_get(obj, "id");
    const json_t *ts = json_object_get(obj, "timestamp");
    int64_t user, t;
    json_t *row;

    if (!json_is_integer(id) || notif_parse_id(json_object_get(obj, "user_id"), &user) != 0)
        return NULL;
    if (json_is_string(ts) && strcmp(json_string_value(ts), "0") == 0)
        t = 0;
    else if (json_is_integer(ts) && json_integer_value(ts) == 0)
        t = 0;
    else if (notif_parse_id(ts, &t) != 0)
        return NULL;
    row = json_pack("{s:O,s:I,s:I}", "id", id, "user_id", (json_int_t)user, "timestamp",
                    (json_int_t)t);
    for (size_t i = 0; row != NULL && i < sizeof texts / sizeof texts[0]; i++) {
        const json_t *v = json_object_get(obj, texts[i]);
        if (!json_is_string(v) || json_object_set(row, texts[i], (json_t *)v) != 0) {
            json_decref(row);
            return NULL;
        }
    }
    return row;
}

/* ---- device registrations ------------------------------------------------------ */

static void lower(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void upper(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)toupper((unsigned char)*s);
}

/* A push token: a non-blank string without spaces or control characters. */
static const char *token_member(const json_t *body, const char *name, char *field,
                                size_t fieldlen, char *err, size_t errlen)
{
    const char *s = text_member(body, name, NOTIF_TOKEN_MAX, 1, field, fieldlen, err, errlen);

    if (s == NULL)
        return NULL;
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            refuse(field, fieldlen, err, errlen, name,
                   "may not contain spaces or control characters");
            return NULL;
        }
    return s;
}

static json_t *body_object(const json_t *body, char *field, size_t fieldlen, char *err,
                           size_t errlen)
{
    if (json_is_object(body))
        return (json_t *)body;
    snprintf(field, fieldlen, "%s", "");
    snprintf(err, errlen, "the body must be a JSON object");
    return NULL;
}

json_t *notif_mobile_key_check(const json_t *body, char *field, size_t fieldlen, char *err,
                               size_t errlen)
{
    static const char *const recipients[] = { "elderly", "caregiver" };
    const char *key, *os, *recipient = "caregiver";
    const json_t *rt;
    char osl[16];
    json_t *out;

    if (body_object(body, field, fieldlen, err, errlen) == NULL)
        return NULL;
    key = token_member(body, "mobile_key", field, fieldlen, err, errlen);
    if (key == NULL)
        return NULL;
    os = json_string_value(json_object_get(body, "mobile_os"));
    if (os == NULL || strlen(os) >= sizeof osl)
        return refuse(field, fieldlen, err, errlen, "mobile_os",
                      json_object_get(body, "mobile_os") == NULL
                          ? "is required ('ios' or 'android')"
                          : "must be 'ios' or 'android'");
    snprintf(osl, sizeof osl, "%s", os);
    lower(osl);
    if (strcmp(osl, "ios") != 0 && strcmp(osl, "android") != 0)
        return refuse(field, fieldlen, err, errlen, "mobile_os", "must be 'ios' or 'android'");
    rt = json_object_get(body, "recipient_type");
    if (rt != NULL && !json_is_null(rt)) {
        recipient = json_string_value(rt);
        if (recipient == NULL ||
            (strcmp(recipient, recipients[0]) != 0 && strcmp(recipient, recipients[1]) != 0))
            return refuse(field, fieldlen, err, errlen, "recipient_type",
                          "must be 'elderly' or 'caregiver'");
    }
    out = json_pack("{s:s,s:s,s:s}", "mobile_key", key, "mobile_os", osl, "recipient_type",
                    recipient);
    if (out == NULL)
        snprintf(err, errlen, "out of memory");
    return out;
}

json_t *notif_push_subscribe_check(const json_t *body, char *field, size_t fieldlen, char *err,
                                   size_t errlen)
{
    static const char *const services[] = { "APNS", "GCM", "FCM", "WNS" };
    const char *token, *service;
    char su[8];
    int64_t user;
    size_t i;
    json_t *out;

    if (body_object(body, field, fieldlen, err, errlen) == NULL)
        return NULL;
    token = token_member(body, "registration_id", field, fieldlen, err, errlen);
    if (token == NULL)
        return NULL;
    service = json_string_value(json_object_get(body, "service_type"));
    if (service == NULL || strlen(service) >= sizeof su)
        return refuse(field, fieldlen, err, errlen, "service_type",
                      "must be one of 'APNS', 'GCM', 'FCM' or 'WNS'");
    snprintf(su, sizeof su, "%s", service);
    upper(su);
    for (i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(su, services[i]) == 0)
            break;
    if (i == sizeof services / sizeof services[0])
        return refuse(field, fieldlen, err, errlen, "service_type",
                      "must be one of 'APNS', 'GCM', 'FCM' or 'WNS'");
    if (notif_parse_id(json_object_get(body, "user_id"), &user) != 0)
        return refuse(field, fieldlen, err, errlen, "user_id",
                      "must be a person's id: a positive integer, or a string of its digits");
    out = json_pack("{s:s,s:s,s:I}", "registration_id", token, "service_type", su, "user_id",
                    (json_int_t)user);
    if (out == NULL)
        snprintf(err, errlen, "out of memory");
    return out;
}
