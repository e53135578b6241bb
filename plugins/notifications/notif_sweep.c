/*
 * notif_sweep.c - fan out notifications that were stored but never fanned
 * out: a row POSTed (or PUT) to the REST resource whose written hook did not
 * finish (camid stopped or crashed in between, or its transaction failed),
 * so that a 201 never ends without journal entries and deliveries.
 *
 * Every SWEEP_EVERY_MS, rows still pending SWEEP_GRACE_S after they were
 * stored (the hook has long finished by then, when it could) go through the
 * same fan-out as the hook's (notif_fanout.c), which clears the mark in its
 * own transaction: when several workers or hosts sweep the same row, one
 * fans it out and the others find nothing to do. Loop thread only.
 */
#include <inttypes.h>

#include "notif_state.h"

#define SWEEP_EVERY_MS 2000
#define SWEEP_GRACE_S 10
#define SWEEP_ROWS 50

static const char pending_sql[] =
    "SELECT id, user_id, recipient_type, type, severity, timestamp, message, description "
    "FROM notification WHERE fanout_pending = 1 AND created_at < NOW(3) - INTERVAL ? SECOND "
    "ORDER BY created_at LIMIT ?";

static struct {
    uint64_t last;
    unsigned in_flight;      /* fan-outs of the last sweep not ended yet */
} sw;

static void swept(int status, void *ud)
{
    (void)ud;
    if (status == CAMI_OK)
        ratelog(RL_FANOUT, CAMI_LOG_INFO,
                "a notification left without deliveries (stored, but its fan-out never "
                "finished) was fanned out now");
    sw.in_flight--;
}

static void found(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    size_t i;
    json_t *obj;

    (void)self;
    (void)ud;
    sw.in_flight--;   /* the query itself */
    if (status != CAMI_OK) {
        ratelog(RL_FANOUT, CAMI_LOG_WARN, "cannot look for notifications left pending: %s",
                error != NULL ? error : "unknown error");
        return;
    }
    json_array_foreach(result, i, obj) {
        json_t *row = notif_row_from_object(obj);
        int rc;

        if (row == NULL) {
            ratelog(RL_FANOUT, CAMI_LOG_ERROR,
                    "notification %" JSON_INTEGER_FORMAT " left pending has values this "
                    "plugin cannot send; it stays pending",
                    json_integer_value(json_object_get(obj, "id")));
            continue;
        }
        rc = fanout_start(row, FAN_CLAIM | FAN_JOURNAL | FAN_PUBLISH,
                          "the sweep of pending notifications", swept, NULL);
        if (rc == CAMI_OK)
            sw.in_flight++;
    }
}

void sweep_tick(uint64_t now_ms)
{
    /* One sweep at a time: rows of the last one may still be on their way. */
    if (sw.in_flight > 0 || (sw.last != 0 && now_ms - sw.last < SWEEP_EVERY_MS))
        return;
    sw.last = now_ms;
    if (notif.db->query(notif.self, pending_sql, json_pack("[i,i]", SWEEP_GRACE_S, SWEEP_ROWS),
                        found, NULL) == CAMI_OK)
        sw.in_flight++;
}
