/*
 * notif_intake.c - notification.create from the bus: the rules'
 * notifications (the compliance plugin, partner services), the original's
 * frontend.send_notification task as an event.
 *
 * A payload is checked whole against the resource's limits (notif_payload.c)
 * before anything is stored. A refused one is logged with its reason
 * (rate-limited: a partner in a loop cannot flood the log), counted here
 * and, through the handler's error return, in camid's
 * camid_bus_handler_errors_total. A good one goes to notif_fanout.c, which
 * stores it once (a redelivery is a duplicate), with its journal entries
 * and deliveries, and publishes notification.created.
 */
#include <stdlib.h>
#include <string.h>

#include "notif_state.h"

#define TOPIC "notification.create"
#define SHOWN_MAX 300   /* bytes of a refused payload quoted in the log */

static struct {
    uint64_t refused, stored, duplicates;
} counts;

static void stored(int status, void *ud)
{
    (void)ud;
    if (status == CAMI_OK)
        counts.stored++;
    else if (status == CAMI_STORE_EDUPLICATE) {
        counts.duplicates++;
        cami_log(notif.self, CAMI_LOG_DEBUG, "a notification.create event was stored before "
                 "(%llu duplicates so far): not stored again",
                 (unsigned long long)counts.duplicates);
    }
}

static int refused(const cami_event *event, const char *why)
{
    size_t len = 0;
    const char *text = cami_event_text(event, &len);

    counts.refused++;
    ratelog(RL_INTAKE, CAMI_LOG_WARN, "%s event refused, nothing stored (%llu refused so far): "
            "%s; payload: %.*s%s", TOPIC, (unsigned long long)counts.refused, why,
            (int)(len < SHOWN_MAX ? len : SHOWN_MAX), text != NULL ? text : "",
            len > SHOWN_MAX ? "..." : "");
    return CAMI_EINVAL;
}

static int on_create(cami_plugin *self, const cami_event *event, void *ud)
{
    json_error_t jerr;
    json_t *payload, *row;
    char field[64], why[400];
    int rc;

    (void)self;
    (void)ud;
    if (strcmp(cami_event_topic(event), TOPIC) != 0)
        return CAMI_OK; /* a longer topic that only shares the prefix */
    payload = cami_event_json(event, &jerr);
    if (payload == NULL)
        return refused(event, jerr.text);
    row = notif_payload_check(&notif.limits, payload, field, sizeof field, why, sizeof why);
    if (row == NULL)
        return refused(event, why);
    rc = fanout_start(row, FAN_INSERT | FAN_JOURNAL | FAN_PUBLISH, TOPIC " from the bus",
                      stored, NULL);
    if (rc != CAMI_OK)
        ratelog(RL_INTAKE, CAMI_LOG_ERROR, "%s: the notification cannot be stored (%d)", TOPIC,
                rc);
    return rc;
}

int intake_add(void)
{
    return cami_bus_subscribe(notif.self, TOPIC, on_create, NULL);
}
