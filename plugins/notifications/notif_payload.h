/*
 * notif_payload.h - pure checks and shapes of what the notifications
 * plugin takes in and hands out: the bus's notification.create payloads,
 * the device registration bodies, the notification object as the REST
 * resource shows it, and the content key that makes a redelivered event a
 * duplicate. No I/O; unit-tested in test_notif_unit.c.
 *
 * The limits of a notification (recipient types, severities, lengths,
 * ranges) are read from the resource spec (resources/notifications.json),
 * so the bus and the REST resource refuse the same values.
 */
#ifndef NOTIF_PAYLOAD_H
#define NOTIF_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* What a notification may hold, from the spec (the json_t members are
 * borrowed from it: keep the spec alive). */
struct notif_limits {
    const json_t *recipient_types;      /* choices of recipient_type */
    const json_t *severities;           /* choices of severity */
    size_t type_max, message_max, description_max;   /* characters */
    int64_t user_min;
    int64_t ts_min, ts_max;
};

/* Read the limits from the notifications spec. 0, or -1 with the reason
 * (a member missing from the spec) in err. */
int notif_limits_from_spec(const json_t *spec, struct notif_limits *lim, char *err,
                           size_t errlen);

/*
 * notif_payload_check - a notification.create payload:
 *   {"user_id": "<id>" or <id>, "recipient_type", "type", "severity",
 *    "message", "description" (optional, default ""), "timestamp": <unix
 *    seconds> (an integer or a string of digits), ...}
 * Other members (language, measurement, caregiver_ids) are allowed and
 * not stored, except measurement.id, kept as reference_id when it is a
 * positive 32-bit integer. Returns the row to store (new reference):
 *   {"user_id": int, "recipient_type", "type", "severity", "timestamp":
 *    int, "message", "description"[, "reference_id": int]}
 * or NULL with the member's name in field and the reason in err.
 */
json_t *notif_payload_check(const struct notif_limits *lim, const json_t *payload, char *field,
                            size_t fieldlen, char *err, size_t errlen);

/* The content that identifies a notification (person, recipient type,
 * type, severity, time, message, description) as compact JSON text: the
 * store keeps its SHA-256 as the notification's dedupe key. New string;
 * NULL only when out of memory. */
char *notif_dedupe_text(const json_t *row);

/* The notification as GET /api/v1/notifications/<id>/ shows it: 64-bit
 * numbers as strings, resource_uri. `row` as notif_payload_check returns
 * it. New reference; NULL when out of memory. */
json_t *notif_object(const json_t *row, json_int_t id);

/* The row form (as notif_payload_check returns it, plus "id") of a
 * notification as the REST resource shows it. New reference, or NULL
 * when `obj` lacks a member or one does not parse. */
json_t *notif_row_from_object(const json_t *obj);

/* The number of characters (code points) of a UTF-8 string. */
size_t notif_utf8_len(const char *s);

/* A positive 64-bit id sent as a JSON integer or a string of digits: 0
 * and *out set, or -1. */
int notif_parse_id(const json_t *v, int64_t *out);

/*
 * Registration bodies, checked whole; NULL with field and err on refusal.
 *
 * notif_mobile_key_check - {"mobile_key", "mobile_os": "ios"|"android"
 * (any case), "recipient_type": "elderly"|"caregiver" (default
 * caregiver, as the later original registered every key)} ->
 * {"mobile_key", "mobile_os" (lower case), "recipient_type"}.
 *
 * notif_push_subscribe_check - {"registration_id", "service_type":
 * "APNS"|"GCM"|"FCM"|"WNS" (any case), "user_id": id} ->
 * {"registration_id", "service_type" (upper case), "user_id": int}.
 */
#define NOTIF_TOKEN_MAX 512
json_t *notif_mobile_key_check(const json_t *body, char *field, size_t fieldlen, char *err,
                               size_t errlen);
json_t *notif_push_subscribe_check(const json_t *body, char *field, size_t fieldlen, char *err,
                                   size_t errlen);

#endif
