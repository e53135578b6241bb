/*
 * notif_fanout.c - what a notification leads to, all in one transaction:
 *
 *   1. (a new one) INSERT it, with the SHA-256 of its content as dedupe
 *      key: a redelivered event is CAMI_STORE_EDUPLICATE, and nothing
 *      else happens for it;
 *   2. its journal entries (store_journalentry, acknowledged false), one
 *      per recipient the store knows: the person for an elderly
 *      notification, their caregivers (store_caregiverprofile) for a
 *      caregiver one;
 *   3. its deliveries (notification_delivery, state queued): the webhook
 *      when configured, the recipients' push devices
 *      (store_pushnotificationdevice) and, with push_mobile_keys, the
 *      mobile keys of its recipient type, each with the adapter the
 *      config names for its kind of device;
 *   4. commit; then notification.created (the object as GET shows it) and
 *      a wake-up for the delivery queue.
 *
 * So a notification is never stored without its deliveries, and a
 * delivery is queued before anything is sent. A deadlock (two
 * transactions touching the same rows) retries the whole transaction a
 * few times; any other failure is logged and rolled back.
 *
 * The deliveries are one INSERT ... SELECT over a UNION of the targets,
 * whose SQL is built once from the config (fanout_prepare); every value
 * is a bound parameter.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notif_state.h"

#define FAN_TRIES 3
#define PLAN_SLOTS 16

static const char insert_sql[] =
    "INSERT INTO notification (user_id, recipient_type, type, severity, timestamp, message, "
    "description, dedupe_key) VALUES (?, ?, ?, ?, ?, ?, ?, UNHEX(SHA2(?, 256)))";

/* The recipients: the person, or the person's caregivers. */
static const char *const journal_sql[2] = {
    "INSERT INTO store_journalentry (user_id, type, severity, timestamp, message, description, "
    "reference_id, acknowledged) SELECT u.id, ?, ?, ?, ?, ?, ?, 0 FROM store_user u "
    "WHERE u.id = ?",
    "INSERT INTO store_journalentry (user_id, type, severity, timestamp, message, description, "
    "reference_id, acknowledged) SELECT c.user_id, ?, ?, ?, ?, ?, ?, 0 "
    "FROM store_caregiverprofile c WHERE c.caretaker_id = ?"
};
static const char *const recipients_where[2] = {
    "d.user_id = ?",
    "d.user_id IN (SELECT c.user_id FROM store_caregiverprofile c WHERE c.caretaker_id = ?)"
};

enum recipient { R_ELDERLY, R_CAREGIVER };

/* One delivery INSERT: its SQL and what each placeholder takes. */
enum slot { S_CONST, S_NID, S_PAYLOAD, S_USER, S_RECIPIENT };
struct plan {
    char *sql;             /* NULL: no targets configured */
    size_t n;
    enum slot slot[PLAN_SLOTS];
    const char *value[PLAN_SLOTS];   /* S_CONST: the config's adapter name */
};

static struct plan plans[2];

/* ---- building the delivery SQL ---------------------------------------------- */

struct sbuf {
    char *s;
    size_t len, cap;
    int failed;
};

static void put(struct sbuf *b, const char *text)
{
    size_t n = strlen(text);
    char *s;

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap + n + 1) * 2;
        s = realloc(b->s, cap);
        if (s == NULL) {
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

static void slot(struct plan *p, enum slot s, const char *value)
{
    p->slot[p->n] = s;
    p->value[p->n] = value;
    p->n++;
}

static void branch(struct sbuf *b, int *branches)
{
    put(b, *branches > 0 ? " UNION ALL " : "");
    (*branches)++;
}

/* Devices of the services `types` (an SQL list of constants) through `adapter`. */
static void device_branch(struct sbuf *b, struct plan *p, int *branches, const char *adapter,
                          const char *types, enum recipient r)
{
    if (adapter == NULL)
        return;
    branch(b, branches);
    put(b, "SELECT ? AS adapter, 'device' AS kind, d.type AS service, d.id AS ref, "
           "d.registration_id AS target FROM store_pushnotificationdevice d "
           "WHERE d.active = 1 AND d.type IN (");
    put(b, types);
    put(b, ") AND ");
    put(b, recipients_where[r]);
    slot(p, S_CONST, adapter);
    slot(p, S_USER, NULL);
}

static void key_branch(struct sbuf *b, struct plan *p, int *branches, const char *adapter,
                       const char *os, const char *service)
{
    if (adapter == NULL || !notif.cfg.push_mobile_keys)
        return;
    branch(b, branches);
    put(b, "SELECT ? AS adapter, 'mobile_key' AS kind, '");
    put(b, service);
    put(b, "' AS service, k.id AS ref, k.mobile_key AS target FROM notification_mobile_key k "
           "WHERE k.active = 1 AND k.mobile_os = '");
    put(b, os);
    put(b, "' AND k.recipient_type = ?");
    slot(p, S_CONST, adapter);
    slot(p, S_RECIPIENT, NULL);
}

static int plan_build(struct plan *p, enum recipient r)
{
    const struct notif_config *c = &notif.cfg;
    struct sbuf b = { 0 };
    int branches = 0;

    *p = (struct plan){ 0 };
    put(&b, "INSERT INTO notification_delivery (notification_id, adapter, target_kind, "
            "target_service, target_id, target, payload, state, attempts, next_attempt_at, "
            "created_at, updated_at) SELECT ?, t.adapter, t.kind, t.service, t.ref, t.target, "
            "?, 'queued', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM (");
    slot(p, S_NID, NULL);
    slot(p, S_PAYLOAD, NULL);
    if (c->webhook_url != NULL) {
        branch(&b, &branches);
        put(&b, "SELECT 'webhook' AS adapter, 'webhook' AS kind, NULL AS service, "
                "NULL AS ref, NULL AS target");
    }
    device_branch(&b, p, &branches, c->apns_adapter, "'APNS'", r);
    device_branch(&b, p, &branches, c->fcm_adapter, "'FCM', 'GCM'", r);
    device_branch(&b, p, &branches, c->wns_adapter, "'WNS'", r);
    key_branch(&b, p, &branches, c->apns_adapter, "ios", "APNS");
    key_branch(&b, p, &branches, c->fcm_adapter, "android", "FCM");
    put(&b, ") t");
    if (b.failed) {
        free(b.s);
        return CAMI_ENOMEM;
    }
    if (branches == 0) {
        free(b.s);     /* nothing to deliver to: no statement */
        p->n = 0;
        return CAMI_OK;
    }
    p->sql = b.s;
    return CAMI_OK;
}

int fanout_prepare(void)
{
    int rc = plan_build(&plans[R_ELDERLY], R_ELDERLY);

    if (rc == CAMI_OK)
        rc = plan_build(&plans[R_CAREGIVER], R_CAREGIVER);
    if (rc != CAMI_OK)
        fanout_fini();
    return rc;
}

void fanout_fini(void)
{
    for (int i = 0; i < 2; i++) {
        free(plans[i].sql);
        plans[i] = (struct plan){ 0 };
    }
}

/* ---- one notification's transaction ------------------------------------------ */

struct fan {
    json_t *row;          /* notif_payload_check's form (+ "id" once stored) */
    json_t *obj;          /* as GET shows it, once stored */
    int flags;
    int tries;
    int status;           /* the failure that ended the transaction */
    char *error;
    cami_store_tx *tx;
    char *what;
    fanout_done_fn done;
    void *ud;
};

static void fan_free(struct fan *f)
{
    json_decref(f->row);
    json_decref(f->obj);
    free(f->error);
    free(f->what);
    free(f);
}

static void fan_end(struct fan *f, int status)
{
    if (f->done != NULL)
        f->done(status, f->ud);
    fan_free(f);
}

static enum recipient recipient_of(const json_t *row)
{
    const char *rt = json_string_value(json_object_get(row, "recipient_type"));
    return rt != NULL && strcmp(rt, "caregiver") == 0 ? R_CAREGIVER : R_ELDERLY;
}

static int fan_begin(struct fan *f);
static void step_journal(struct fan *f);

static int retryable(int status, const char *error)
{
    /* the store answers a lock-wait timeout (1205) with CAMI_ETIMEDOUT */
    return (status == CAMI_EFAIL || status == CAMI_ETIMEDOUT) && error != NULL &&
           (strstr(error, "Deadlock") != NULL || strstr(error, "Lock wait timeout") != NULL);
}

static void rolled_back(cami_plugin *self, int status, json_t *result, const char *error,
                        void *ud)
{
    struct fan *f = ud;
    int rc;

    (void)self;
    (void)status;
    (void)result;
    (void)error;
    f->tx = NULL;
    if (retryable(f->status, f->error) && f->tries < FAN_TRIES) {
        if (f->flags & FAN_INSERT) { /* it was rolled back: inserted again, new id */
            json_decref(f->obj);
            f->obj = NULL;
            json_object_del(f->row, "id");
        }
        rc = fan_begin(f);
        if (rc == CAMI_OK)
            return;
        f->status = rc;
    }
    if (f->status != CAMI_STORE_EDUPLICATE)
        ratelog(RL_FANOUT, CAMI_LOG_ERROR, "%s: notification for user %" JSON_INTEGER_FORMAT
                " not %s: %s (%d)", f->what,
                json_integer_value(json_object_get(f->row, "user_id")),
                f->flags & FAN_INSERT ? "stored" : "queued for delivery",
                f->error != NULL ? f->error : "(no reason)", f->status);
    fan_end(f, f->status);
}

/* A step failed: remember why, roll back (the transaction may be broken),
 * then retry or end. */
static void fan_fail(struct fan *f, int status, const char *error)
{
    int rc;

    f->status = status;
    free(f->error);
    f->error = error != NULL ? strdup(error) : NULL;
    if (f->tx == NULL) {
        rolled_back(notif.self, CAMI_OK, NULL, NULL, f);
        return;
    }
    rc = notif.db->rollback(f->tx, rolled_back, f);
    if (rc != CAMI_OK) /* cannot happen with a live tx; do not leave it */
        rolled_back(notif.self, rc, NULL, NULL, f);
}

static void committed(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct fan *f = ud;
    int rc;

    (void)result;
    f->tx = NULL; /* commit ends the transaction either way */
    if (status != CAMI_OK) {
        f->status = status;
        free(f->error);
        f->error = error != NULL ? strdup(error) : NULL;
        rolled_back(self, status, NULL, NULL, f);
        return;
    }
    if (f->flags & FAN_PUBLISH) {
        rc = cami_bus_publish(self, "notification.created", json_incref(f->obj));
        if (rc != CAMI_OK)
            ratelog(RL_FANOUT, CAMI_LOG_WARN, "cannot publish notification.created (%d)", rc);
    }
    queue_kick();
    fan_end(f, CAMI_OK);
}

static void step_commit(struct fan *f)
{
    int rc = notif.db->commit(f->tx, committed, f);
    if (rc != CAMI_OK)
        fan_fail(f, rc, "the commit could not be queued");
}

static void deliveries_queued(cami_plugin *self, int status, json_t *result, const char *error,
                              void *ud)
{
    struct fan *f = ud;

    (void)self;
    (void)result;
    if (status != CAMI_OK) {
        fan_fail(f, status, error);
        return;
    }
    step_commit(f);
}

static void step_deliveries(struct fan *f)
{
    const struct plan *p = &plans[recipient_of(f->row)];
    json_t *params;
    char *payload;
    int rc;

    if (p->sql == NULL) {
        step_commit(f);
        return;
    }
    payload = json_dumps(f->obj, JSON_COMPACT | JSON_SORT_KEYS);
    params = json_array();
    for (size_t i = 0; params != NULL && payload != NULL && i < p->n; i++) {
        json_t *v = NULL;
        switch (p->slot[i]) {
        case S_CONST: v = json_string(p->value[i]); break;
        case S_NID: v = json_incref(json_object_get(f->obj, "id")); break;
        case S_PAYLOAD: v = json_string(payload); break;
        case S_USER: v = json_incref(json_object_get(f->row, "user_id")); break;
        case S_RECIPIENT: v = json_incref(json_object_get(f->row, "recipient_type")); break;
        }
        if (json_array_append_new(params, v) != 0) {
            json_decref(params);
            params = NULL;
        }
    }
    free(payload);
    if (params == NULL || json_array_size(params) != p->n) {
        json_decref(params);
        fan_fail(f, CAMI_ENOMEM, "out of memory");
        return;
    }
    rc = notif.db->tx_exec(f->tx, p->sql, params, deliveries_queued, f);
    if (rc != CAMI_OK)
        fan_fail(f, rc, "the deliveries could not be queued");
}

static void journal_written(cami_plugin *self, int status, json_t *result, const char *error,
                            void *ud)
{
    struct fan *f = ud;

    (void)self;
    (void)result;
    if (status != CAMI_OK) {
        fan_fail(f, status, error);
        return;
    }
    step_deliveries(f);
}

static void step_journal(struct fan *f)
{
    const json_t *r = f->row;
    const json_t *ref = json_object_get(r, "reference_id");
    int rc;

    if (!(f->flags & FAN_JOURNAL) || !notif.cfg.journal) {
        step_deliveries(f);
        return;
    }
    rc = notif.db->tx_exec(
        f->tx, journal_sql[recipient_of(r)],
        json_pack("[O,O,O,O,O,O,O]", json_object_get(r, "type"), json_object_get(r, "severity"),
                  json_object_get(r, "timestamp"), json_object_get(r, "message"),
                  json_object_get(r, "description"), ref != NULL ? ref : json_null(),
                  json_object_get(r, "user_id")),
        journal_written, f);
    if (rc != CAMI_OK)
        fan_fail(f, rc, "the journal entry could not be queued");
}

static void inserted(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct fan *f = ud;
    json_int_t id = json_integer_value(json_object_get(result, "insert_id"));

    (void)self;
    if (status != CAMI_OK) {
        fan_fail(f, status, error);
        return;
    }
    f->obj = notif_object(f->row, id);
    if (f->obj == NULL || json_object_set_new(f->row, "id", json_integer(id)) != 0) {
        fan_fail(f, CAMI_ENOMEM, "out of memory");
        return;
    }
    step_journal(f);
}

static void begun(cami_plugin *self, int status, cami_store_tx *tx, const char *error, void *ud)
{
    struct fan *f = ud;
    const json_t *r = f->row;
    char *key;
    int rc;

    (void)self;
    if (status != CAMI_OK) {
        fan_fail(f, status, error);
        return;
    }
    f->tx = tx;
    if (!(f->flags & FAN_INSERT)) {
        step_journal(f);
        return;
    }
    key = notif_dedupe_text(r);
    if (key == NULL) {
        fan_fail(f, CAMI_ENOMEM, "out of memory");
        return;
    }
    rc = notif.db->tx_exec(
        tx, insert_sql,
        json_pack("[O,O,O,O,O,O,O,s]", json_object_get(r, "user_id"),
                  json_object_get(r, "recipient_type"), json_object_get(r, "type"),
                  json_object_get(r, "severity"), json_object_get(r, "timestamp"),
                  json_object_get(r, "message"), json_object_get(r, "description"), key),
        inserted, f);
    free(key);
    if (rc != CAMI_OK)
        fan_fail(f, rc, "the notification could not be queued for storing");
}

static int fan_begin(struct fan *f)
{
    f->tries++;
    return notif.db->begin(notif.self, begun, f);
}

int fanout_start(json_t *row, int flags, const char *what, fanout_done_fn done, void *ud)
{
    struct fan *f;
    int rc;

    if (row == NULL)
        return CAMI_ENOMEM;
    f = calloc(1, sizeof *f);
    if (f == NULL || (f->what = strdup(what)) == NULL) {
        free(f);
        json_decref(row);
        return CAMI_ENOMEM;
    }
    f->row = row;
    f->flags = flags;
    f->done = done;
    f->ud = ud;
    if (!(flags & FAN_INSERT)) {
        f->obj = notif_object(row, json_integer_value(json_object_get(row, "id")));
        if (f->obj == NULL) {
            fan_free(f);
            return CAMI_ENOMEM;
        }
    }
    rc = fan_begin(f);
    if (rc != CAMI_OK)
        fan_free(f);
    return rc;
}
