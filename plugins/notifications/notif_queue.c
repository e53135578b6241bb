/*
 * notif_queue.c - the delivery worker: sends what notif_fanout.c queued
 * in notification_delivery, through the adapters (notif_adapter.h).
 *
 * Every poll_interval, and at once when this worker queued a delivery or
 * finished one, it claims due rows in a short transaction:
 *
 *   SELECT ... WHERE state = 'queued' AND next_attempt_at <= now
 *     AND adapter IN (<the adapters this worker runs>)
 *     ORDER BY next_attempt_at, id LIMIT n FOR UPDATE SKIP LOCKED;
 *   UPDATE ... SET state = 'sending', attempts = attempts + 1,
 *     lease_until = now + lease WHERE id IN (...);
 *   COMMIT
 *
 * so workers of this and other hosts never claim one row together (a row
 * another transaction holds is skipped, not waited for). After the commit
 * each row goes to its adapter; the answer marks it sent, or queued again
 * at now + backoff (notif_backoff.c), or failed after max_attempts. The
 * marks are fenced by the attempt number: a worker whose lease ran out
 * cannot overwrite the row another worker claimed since. A row whose
 * worker died while sending stays "sending" until its lease runs out; then
 * any worker puts it back in the queue (and the receiver, seeing the same
 * delivery id again, can drop the copy).
 *
 * At most max_in_flight deliveries of a worker are with adapters at once;
 * times come from the database's clock (UTC), the same for every host.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notif_adapter.h"
#include "notif_backoff.h"
#include "notif_state.h"

#define RECOVER_EVERY_MS 1000        /* lease recovery at most this often */
#define CLEANUP_EVERY_MS 3600000     /* retention clean-up once an hour, */
#define CLEANUP_ROWS 1000            /* this many rows a statement */
#define MARK_TRIES NOTIF_MARK_TRIES     /* a mark that fails is tried again ... */
#define MARK_RETRY_MS NOTIF_MARK_RETRY_MS /* ... after this long */
#define DEADLOCK_RETRY_MS 20         /* (a deadlock victim: at once, nearly) */
#define ERROR_MAX 500                /* bytes of last_error kept */
#define MAX_ADAPTERS 4

static const char select_sql[] =
    "SELECT id, adapter, target_kind, target_service, target, payload, attempts "
    "FROM notification_delivery WHERE state = 'queued' AND next_attempt_at <= UTC_TIMESTAMP(3) "
    "AND adapter COLLATE utf8mb4_bin IN (%s) ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED";

static const char claim_sql_head[] =
    "UPDATE notification_delivery SET state = 'sending', attempts = attempts + 1, "
    "lease_until = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND), "
    "updated_at = UTC_TIMESTAMP(3) WHERE id IN (";

static const char sent_sql[] =
    "UPDATE notification_delivery SET state = 'sent', sent_at = UTC_TIMESTAMP(3), "
    "updated_at = UTC_TIMESTAMP(3), lease_until = NULL, last_error = NULL "
    "WHERE id = ? AND state = 'sending' AND attempts = ?";

static const char retry_sql[] =
    "UPDATE notification_delivery SET state = 'queued', "
    "next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND), "
    "updated_at = UTC_TIMESTAMP(3), lease_until = NULL, last_error = ? "
    "WHERE id = ? AND state = 'sending' AND attempts = ?";

static const char failed_sql[] =
    "UPDATE notification_delivery SET state = 'failed', updated_at = UTC_TIMESTAMP(3), "
    "lease_until = NULL, last_error = ? WHERE id = ? AND state = 'sending' AND attempts = ?";

static const char recover_sql[] =
    "UPDATE notification_delivery SET state = IF(attempts >= ?, 'failed', 'queued'), "
    "next_attempt_at = UTC_TIMESTAMP(3), updated_at = UTC_TIMESTAMP(3), lease_until = NULL, "
    "last_error = 'its worker stopped before marking it (the lease ran out)' "
    "WHERE state = 'sending' AND lease_until < UTC_TIMESTAMP(3) LIMIT 100";

static const char cleanup_sql[] =
    "DELETE FROM notification_delivery WHERE state IN ('sent', 'failed') "
    "AND updated_at < DATE_SUB(UTC_TIMESTAMP(3), INTERVAL ? DAY) LIMIT ?";

struct qjob {
    struct notif_job job;
    const struct notif_adapter *adapter;
    char *kind, *service, *target, *payload;
    int delivered;
    char error[ERROR_MAX + 1];
    int mark_tries;
    cami_timer *retry;            /* waiting to mark again */
    struct qjob *prev, *next;
};

struct queue_state {
    int started, stopped, finishing;
    cami_timer *timer;
    int claiming, again;
    size_t in_flight;             /* with an adapter */
    struct qjob *jobs;            /* every live job */
    const struct notif_adapter *adapters[MAX_ADAPTERS];
    size_t nadapters;
    char *select;                 /* select_sql for this worker's adapters */
    uint64_t last_recover, last_cleanup;
    uint32_t seed;
};

static struct queue_state q;

/* ---- jobs ------------------------------------------------------------------------- */

static void job_free(struct qjob *j)
{
    if (j->retry != NULL)
        cami_timer_stop(j->retry);
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        q.jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    free(j->kind);
    free(j->service);
    free(j->target);
    free(j->payload);
    free(j);
}

static char *dup_or_null(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL ? strdup(s) : NULL;
}

static const struct notif_adapter *adapter_named(const char *name)
{
    for (size_t i = 0; name != NULL && i < q.nadapters; i++)
        if (strcmp(q.adapters[i]->name, name) == 0)
            return q.adapters[i];
    return NULL;
}

/* The error text as the table keeps it: ASCII, at most ERROR_MAX bytes. */
static void keep_error(char *out, const char *error)
{
    size_t i;

    for (i = 0; error != NULL && error[i] != '\0' && i < ERROR_MAX; i++) {
        unsigned char ch = (unsigned char)error[i];
        out[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    out[i] = '\0';
}

static uint32_t next_random(void)
{
    /* xorshift: jitter only needs to differ between deliveries */
    q.seed ^= q.seed << 13;
    q.seed ^= q.seed >> 17;
    q.seed ^= q.seed << 5;
    return q.seed;
}

/* ---- marking -------------------------------------------------------------------------- */

/* Claims lock a range of the due index while marks update rows in it:
 * InnoDB may pick one of them as a deadlock victim. Both are safe to
 * run again at once. */
static int deadlock(int status, const char *error)
{
    /* the store answers a lock-wait timeout (1205) with CAMI_ETIMEDOUT */
    return (status == CAMI_EFAIL || status == CAMI_ETIMEDOUT) && error != NULL &&
           (strstr(error, "error 1213") != NULL || strstr(error, "error 1205") != NULL);
}

static void claim(void);
static void mark(struct qjob *j);

static void mark_again(cami_timer *timer, void *ud)
{
    struct qjob *j = ud;

    cami_timer_stop(timer);
    j->retry = NULL;
    mark(j);
}

static void marked(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct qjob *j = ud;

    (void)self;
    if (status != CAMI_OK && !q.finishing && !q.stopped && j->mark_tries < MARK_TRIES) {
        if (!deadlock(status, error))
            ratelog(RL_MARK, CAMI_LOG_WARN, "delivery %" PRId64 ": cannot mark it %s yet: %s "
                    "(%d); trying again", j->job.delivery_id, j->delivered ? "sent" : "for a "
                    "retry", error != NULL ? error : "(no reason)", status);
        j->retry = cami_timer_start(notif.self, deadlock(status, error) ? DEADLOCK_RETRY_MS
                                                                         : MARK_RETRY_MS,
                                    0, mark_again, j);
        if (j->retry != NULL)
            return;
    }
    if (status != CAMI_OK)
        ratelog(RL_MARK, status == CAMI_ESTATE ? CAMI_LOG_WARN : CAMI_LOG_ERROR,
                "delivery %" PRId64 ": cannot mark it %s: %s (%d); it "
                "stays claimed until its lease runs out, then it is sent again with the same "
                "delivery id", j->job.delivery_id, j->delivered ? "sent" : "for a retry",
                error != NULL ? error : "(no reason)", status);
    else if (json_integer_value(json_object_get(result, "affected_rows")) == 0)
        cami_log(notif.self, CAMI_LOG_WARN, "delivery %" PRId64 ": its lease ran out before it "
                 "was marked (another worker has it now)", j->job.delivery_id);
    job_free(j);
    claim(); /* room for more */
}

static void mark(struct qjob *j)
{
    json_t *params;
    const char *sql;
    uint64_t wait = 0;
    int rc;

    j->mark_tries++;
    if (j->delivered) {
        sql = sent_sql;
        params = json_pack("[I,I]", (json_int_t)j->job.delivery_id, (json_int_t)j->job.attempt);
    } else if (j->job.attempt >= notif.cfg.max_attempts) {
        sql = failed_sql;
        params = json_pack("[s,I,I]", j->error, (json_int_t)j->job.delivery_id,
                           (json_int_t)j->job.attempt);
    } else {
        sql = retry_sql;
        wait = notif_backoff_ms((uint64_t)notif.cfg.retry_base_ms,
                                (uint64_t)notif.cfg.retry_max_ms, j->job.attempt, next_random());
        params = json_pack("[I,s,I,I]", (json_int_t)(wait * 1000), j->error,
                           (json_int_t)j->job.delivery_id, (json_int_t)j->job.attempt);
    }
    if (j->mark_tries == 1 && !j->delivered) {
        /* a row may name an adapter or kind this worker lacks: NULL here */
        const char *adapter = j->adapter != NULL ? j->adapter->name : "(unknown adapter)";
        const char *kind = j->kind != NULL ? j->kind : "(unknown kind)";
        if (sql == failed_sql)
            cami_log(notif.self, CAMI_LOG_WARN, "delivery %" PRId64 " (%s %s) failed for good "
                     "after %" PRId64 " attempts: %s", j->job.delivery_id, adapter,
                     kind, j->job.attempt, j->error);
        else
            ratelog(RL_QUEUE, CAMI_LOG_INFO, "delivery %" PRId64 " (%s %s, attempt %" PRId64
                    ") failed, next attempt in %" PRIu64 " ms: %s", j->job.delivery_id,
                    adapter, kind, j->job.attempt, wait, j->error);
    }
    rc = params != NULL ? notif.db->exec(notif.self, sql, params, marked, j) : CAMI_ENOMEM;
    if (rc != CAMI_OK)
        marked(notif.self, rc, NULL, "the mark could not be queued", j);
}

static void job_done(const struct notif_job *job, int delivered, const char *error, void *ud)
{
    struct qjob *j = ud;

    (void)job;
    q.in_flight--;
    if (q.finishing) {
        job_free(j);
        return;
    }
    j->delivered = delivered;
    if (!delivered)
        keep_error(j->error, error != NULL && error[0] != '\0' ? error : "failed (no reason)");
    mark(j);
}

/* ---- claiming ------------------------------------------------------------------------- */

static void dispatch(const json_t *row)
{
    struct qjob *j = calloc(1, sizeof *j);
    int rc;

    if (j == NULL) {
        ratelog(RL_QUEUE, CAMI_LOG_ERROR, "out of memory: a claimed delivery waits for its "
                "lease to run out");
        return;
    }
    j->job.delivery_id = json_integer_value(json_object_get(row, "id"));
    j->job.attempt = json_integer_value(json_object_get(row, "attempts")) + 1;
    j->adapter = adapter_named(json_string_value(json_object_get(row, "adapter")));
    j->kind = dup_or_null(json_object_get(row, "target_kind"));
    j->service = dup_or_null(json_object_get(row, "target_service"));
    j->target = dup_or_null(json_object_get(row, "target"));
    j->payload = dup_or_null(json_object_get(row, "payload"));
    j->next = q.jobs;
    if (q.jobs != NULL)
        q.jobs->prev = j;
    q.jobs = j;
    q.in_flight++;
    if (j->adapter == NULL || j->kind == NULL || j->payload == NULL) {
        job_done(&j->job, 0, "the row is incomplete or names an adapter this worker lacks", j);
        return;
    }
    j->job.kind = j->kind;
    j->job.service = j->service;
    j->job.target = j->target;
    j->job.payload = j->payload;
    j->job.payload_len = strlen(j->payload);
    rc = j->adapter->send(&j->job, job_done, j);
    if (rc != CAMI_OK) {
        char why[80];
        snprintf(why, sizeof why, "the %s adapter could not start the send (%d)",
                 j->adapter->name, rc);
        job_done(&j->job, 0, why, j);
    }
}

struct claim {
    cami_store_tx *tx;
    json_t *rows;
    int64_t limit;
};

static void claim_end(struct claim *c, int full)
{
    json_decref(c->rows);
    free(c);
    q.claiming = 0;
    if (full || q.again) {
        q.again = 0;
        claim();
    }
}

static void claim_failed(const char *what, int status, const char *error)
{
    /* a fresh database right after start: the store applies the
     * migrations while the workers already run */
    int missing = error != NULL && strstr(error, "error 1146") != NULL;

    if (deadlock(status, error)) { /* lost a race with a mark: claim again */
        cami_log(notif.self, CAMI_LOG_DEBUG, "%s: %s; again", what, error);
        q.again = 1;
        return;
    }
    ratelog(RL_QUEUE, status == CAMI_STORE_EDOWN || missing ? CAMI_LOG_WARN : CAMI_LOG_ERROR,
            "the delivery queue cannot be used (%s): %s (%d)%s; trying again in %" PRId64 " ms",
            what, error != NULL ? error : "(no reason)", status,
            missing ? " - its migration has not been applied yet (migrate_on_start, or camid "
                      "--migrate)" : "",
            notif.cfg.poll_interval_ms);
}

static void rolled_back(cami_plugin *self, int status, json_t *result, const char *error,
                        void *ud)
{
    (void)self;
    (void)status;
    (void)result;
    (void)error;
    claim_end(ud, 0);
}

static void abandon(struct claim *c, const char *what, int status, const char *error)
{
    claim_failed(what, status, error);
    if (notif.db->rollback(c->tx, rolled_back, c) != CAMI_OK)
        claim_end(c, 0);
}

static void committed(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct claim *c = ud;
    size_t i, n = json_array_size(c->rows);
    json_t *row;

    (void)self;
    (void)result;
    if (status != CAMI_OK) { /* maybe claimed, maybe not: the leases settle it */
        claim_failed("commit", status, error);
        claim_end(c, 0);
        return;
    }
    json_array_foreach(c->rows, i, row)
        dispatch(row);
    claim_end(c, n > 0 && (int64_t)n == c->limit);
}

static void claimed(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct claim *c = ud;
    int rc;

    (void)self;
    (void)result;
    if (status != CAMI_OK) {
        abandon(c, "claim", status, error);
        return;
    }
    rc = notif.db->commit(c->tx, committed, c);
    if (rc != CAMI_OK)
        claim_end(c, 0);
}

static void selected(cami_plugin *self, int status, json_t *rows, const char *error, void *ud)
{
    struct claim *c = ud;
    size_t i, n = json_array_size(rows);
    char *sql;
    json_t *params, *row;
    int rc;

    (void)self;
    if (status != CAMI_OK) {
        abandon(c, "select", status, error);
        return;
    }
    if (n == 0) { /* nothing due */
        if (notif.db->rollback(c->tx, rolled_back, c) != CAMI_OK)
            claim_end(c, 0);
        return;
    }
    c->rows = json_incref(rows);
    sql = malloc(sizeof claim_sql_head + n * 3 + 2);
    params = json_pack("[I]", (json_int_t)notif.cfg.lease_ms * 1000);
    if (sql == NULL || params == NULL) {
        free(sql);
        json_decref(params);
        abandon(c, "claim", CAMI_ENOMEM, "out of memory");
        return;
    }
    strcpy(sql, claim_sql_head);
    json_array_foreach(rows, i, row) {
        strcat(sql, i == 0 ? "?" : ", ?");
        json_array_append(params, json_object_get(row, "id"));
    }
    strcat(sql, ")");
    rc = notif.db->tx_exec(c->tx, sql, params, claimed, c);
    free(sql);
    if (rc != CAMI_OK)
        abandon(c, "claim", rc, "the claim could not be queued");
}

static void begun(cami_plugin *self, int status, cami_store_tx *tx, const char *error, void *ud)
{
    struct claim *c = ud;
    json_t *params;
    int rc;

    (void)self;
    if (status != CAMI_OK) {
        claim_failed("begin", status, error);
        claim_end(c, 0);
        return;
    }
    c->tx = tx;
    params = json_array();
    for (size_t i = 0; params != NULL && i < q.nadapters; i++)
        json_array_append_new(params, json_string(q.adapters[i]->name));
    if (params != NULL)
        json_array_append_new(params, json_integer(c->limit));
    rc = params != NULL ? notif.db->tx_query(tx, q.select, params, selected, c) : CAMI_ENOMEM;
    if (rc != CAMI_OK)
        abandon(c, "select", rc, "the select could not be queued");
}

static void claim(void)
{
    struct claim *c;
    int64_t room = notif.cfg.max_in_flight - (int64_t)q.in_flight;
    int rc;

    if (!q.started || q.stopped || room <= 0)
        return;
    if (q.claiming) {
        q.again = 1;
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return;
    c->limit = room < notif.cfg.batch_size ? room : notif.cfg.batch_size;
    q.claiming = 1;
    rc = notif.db->begin(notif.self, begun, c);
    if (rc != CAMI_OK) {
        claim_failed("begin", rc, NULL);
        claim_end(c, 0);
    }
}

/* ---- the timer: leases, retention, claims ------------------------------------------- */

struct chore {
    const char *name;        /* for a failure */
    const char *done;        /* for what it did */
};

static const struct chore recovery = { "lease recovery",
                                       "deliveries whose lease ran out, queued again (or "
                                       "failed after their last attempt)" };
static const struct chore cleanup = { "clean-up",
                                      "sent and failed deliveries older than "
                                      "delivery_retention, removed" };

static void housekept(cami_plugin *self, int status, json_t *result, const char *error,
                      void *ud)
{
    const struct chore *c = ud;
    json_int_t n = json_integer_value(json_object_get(result, "affected_rows"));

    (void)self;
    if (status != CAMI_OK)
        claim_failed(c->name, status, error);
    else if (n > 0)
        cami_log(notif.self, CAMI_LOG_INFO, "%" JSON_INTEGER_FORMAT " %s", n, c->done);
    if (c == &cleanup && status == CAMI_OK && n >= CLEANUP_ROWS)
        q.last_cleanup -= CLEANUP_EVERY_MS; /* more to remove: again at the next tick */
}

static void tick(cami_timer *timer, void *ud)
{
    uint64_t now = cami_now_ms(notif.self);

    (void)timer;
    (void)ud;
    if (q.stopped)
        return;
    if (now - q.last_recover >= RECOVER_EVERY_MS) {
        q.last_recover = now;
        (void)notif.db->exec(notif.self, recover_sql,
                             json_pack("[I]", (json_int_t)notif.cfg.max_attempts), housekept,
                             (void *)&recovery);
    }
    if (notif.cfg.retention_days > 0 && now - q.last_cleanup >= CLEANUP_EVERY_MS) {
        q.last_cleanup = now;
        (void)notif.db->exec(notif.self, cleanup_sql,
                             json_pack("[I,i]", (json_int_t)notif.cfg.retention_days,
                                       CLEANUP_ROWS),
                             housekept, (void *)&cleanup);
    }
    claim();
}

void queue_kick(void)
{
    claim();
}

static int add_adapter(const struct notif_adapter *a)
{
    if (q.nadapters == MAX_ADAPTERS)
        return CAMI_EINVAL;
    q.adapters[q.nadapters++] = a;
    return CAMI_OK;
}

int queue_start(void)
{
    char list[MAX_ADAPTERS * 3 + 1] = "";
    int rc = CAMI_OK;

    q = (struct queue_state){ 0 };
    /* workers started in the same millisecond still jitter apart */
    q.seed = (uint32_t)(cami_now_ms(notif.self) * 2654435761u ^ (uint64_t)getpid() * 40503u) | 1u;
    if (notif.cfg.webhook_url != NULL) {
        rc = webhook_start(notif.self, notif.cfg.webhook_url, (long)notif.cfg.webhook_timeout_ms);
        if (rc == CAMI_OK)
            rc = add_adapter(&notif_adapter_webhook);
    }
    if (rc == CAMI_OK)
        rc = add_adapter(&notif_adapter_log);
    if (rc != CAMI_OK)
        return rc;
    for (size_t i = 0; i < q.nadapters; i++)
        strcat(list, i == 0 ? "?" : ", ?");
    q.select = malloc(sizeof select_sql + sizeof list);
    if (q.select == NULL)
        return CAMI_ENOMEM;
    snprintf(q.select, sizeof select_sql + sizeof list, select_sql, list);
    q.timer = cami_timer_start(notif.self, (uint64_t)notif.cfg.poll_interval_ms,
                               (uint64_t)notif.cfg.poll_interval_ms, tick, NULL);
    if (q.timer == NULL) {
        free(q.select);
        q.select = NULL;
        return CAMI_ENOMEM;
    }
    q.started = 1;
    /* the first clean-up a minute after start (the migrations ran by then) */
    q.last_cleanup = cami_now_ms(notif.self) - CLEANUP_EVERY_MS + 60000;
    return CAMI_OK;
}

void queue_stop(void)
{
    q.stopped = 1;
    if (q.timer != NULL) {
        cami_timer_stop(q.timer);
        q.timer = NULL;
    }
}

void queue_fini(void)
{
    q.finishing = 1;
    queue_stop();
    for (size_t i = 0; i < q.nadapters; i++)
        if (q.adapters[i]->shutdown != NULL)
            q.adapters[i]->shutdown(); /* their done runs: the jobs are freed */
    while (q.jobs != NULL)        /* waiting to mark again */
        job_free(q.jobs);
    free(q.select);
    q = (struct queue_state){ 0 };
}
