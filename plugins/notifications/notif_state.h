/*
 * notif_state.h - what the notifications plugin's files share: its
 * handle, the store service, the config, the resource spec the bus
 * payloads are checked against, and each file's entry points. One copy
 * per worker process (each worker loads the plugin); loop thread only.
 */
#ifndef NOTIF_STATE_H
#define NOTIF_STATE_H

#include <stdint.h>

#include <cami/cami.h>
#include <cami/store.h>

#include "notif_config.h"
#include "notif_payload.h"

struct notif_state {
    cami_plugin *self;
    const cami_store_v1 *db;
    struct notif_config cfg;
    json_t *spec;                  /* the notifications resource spec (owned) */
    struct notif_limits limits;    /* from spec */
};

extern struct notif_state notif;

/* ---- notif_resources.c ---- */

/* Hand the compiled-in migrations to the store and serve
 * /api/v1/notifications/ (keeping the spec in notif.spec). */
int resources_add(void);

/* ---- notif_fanout.c ---- */

/* What a stored notification leads to, in one transaction (see the file). */
enum fanout_flags {
    FAN_INSERT = 1,     /* the row is new: INSERT it first (a duplicate ends it) */
    FAN_JOURNAL = 2,    /* write the journal entries (when config journal is on) */
    FAN_PUBLISH = 4     /* publish notification.created after the commit */
};
/* done: CAMI_OK, CAMI_STORE_EDUPLICATE (FAN_INSERT: stored before), or
 * the store's error (logged). */
typedef void (*fanout_done_fn)(int status, void *ud);

/* Build the SQL of the delivery fan-out from the config (in init). */
int fanout_prepare(void);
void fanout_fini(void);

/*
 * fanout_start - for `row` (notif_payload_check's form, stolen) or, when
 * FAN_INSERT is not set, the stored notification `row` with its "id":
 * insert it if asked, write its journal entries, queue its deliveries,
 * commit, then publish and wake the delivery queue. A deadlock retries
 * the transaction. `what` names the source in log lines. done (may be
 * NULL) runs once, later. Returns CAMI_OK, or an error (done not called).
 */
int fanout_start(json_t *row, int flags, const char *what, fanout_done_fn done, void *ud);

/* ---- notif_intake.c ---- */

/* Subscribe to notification.create. */
int intake_add(void);

/* ---- notif_devices.c ---- */

/* POST /api/v1/mobile-notification-key/, POST /api/v1/push-notification-
 * subscribe/, GET /api/v1/mobile-notification-key/resend/. */
int devices_add(void);

/* ---- notif_health.c ---- */

/* GET /api/v1/healthcheck/ and its bus probe subscription. */
int health_add(void);

/* ---- notif_queue.c ---- */

/* The delivery worker: start its timer (start), wake it (a delivery was
 * queued), stop claiming (stop), drop what is in flight (fini: rows stay
 * "sending" until their lease runs out, then another worker sends them). */
int queue_start(void);
void queue_kick(void);
void queue_stop(void);
void queue_fini(void);

/* ---- notif_ratelog.c ---- */

/* Log at most one line per 10 s for `slot` (an index below RL_COUNT),
 * saying how many were held back since. */
enum ratelog_slot { RL_INTAKE, RL_QUEUE, RL_MARK, RL_FANOUT, RL_COUNT };
void ratelog(enum ratelog_slot slot, int level, const char *fmt, ...) CAMI_PRINTF(3, 4);

#endif
