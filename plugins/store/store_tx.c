/* store_tx.c - transactions on a held connection, with an idle timeout. */
#include <stdlib.h>
#include <string.h>

#include "store_pool.h"
#include "store_state.h"
#include "store_tx.h"

struct cami_store_tx {
    cami_plugin *owner;
    struct store_conn *conn;     /* NULL once given back (timed out or lost) */
    int busy;                    /* a job of this tx is running */
    int ending;                  /* commit or rollback was called */
    int timed_out;               /* rolled back by the idle timer */
    struct store_job *head, *tail;
    cami_timer *idle;
    struct cami_store_tx *prev, *next;
};

static void tx_pump(struct cami_store_tx *tx);

static void unlink_tx(struct cami_store_tx *tx)
{
    if (tx->prev != NULL)
        tx->prev->next = tx->next;
    else
        store_g.txs = tx->next;
    if (tx->next != NULL)
        tx->next->prev = tx->prev;
}

static void stop_idle(struct cami_store_tx *tx)
{
    if (tx->idle != NULL) {
        cami_timer_stop(tx->idle);
        tx->idle = NULL;
    }
}

static void give_back(struct cami_store_tx *tx)
{
    struct store_conn *conn = tx->conn;

    tx->conn = NULL;
    store_pool_release(conn);
}

static void idle_expired(cami_timer *timer, void *ud)
{
    struct cami_store_tx *tx = ud;
    struct store_job *job;

    cami_timer_stop(timer);
    tx->idle = NULL;
    if (tx->busy || tx->ending || tx->timed_out)
        return;
    tx->timed_out = 1;
    cami_log(store_g.self, CAMI_LOG_WARN,
             "a transaction of plugin %s was idle for more than %u ms: rolled back",
             cami_plugin_name(tx->owner), store_g.cfg.tx_timeout_ms);
    job = store_job_new(JOB_ROLLBACK, tx->owner, NULL, NULL, NULL);
    if (job != NULL) {
        job->internal = 1;
        job->tx = tx;
        job->conn = tx->conn;
        tx->busy = 1;
        if (store_job_dispatch(job) == CAMI_OK)
            return;
        tx->busy = 0;
        store_job_free(job);
    }
    /* No way to run ROLLBACK: closing the connection rolls back too. */
    if (tx->conn != NULL)
        store_conn_drop(tx->conn);
    give_back(tx);
}

/* Decide how a call runs: on the held connection, or failed at once. */
static void prepare(struct cami_store_tx *tx, struct store_job *job)
{
    job->conn = tx->conn;
    if (tx->timed_out)
        store_job_skip(job, CAMI_ETIMEDOUT,
                       "the transaction was idle for more than %u ms and was rolled back",
                       store_g.cfg.tx_timeout_ms);
    else if (tx->conn == NULL || tx->conn->mysql == NULL) {
        /* The server already rolled back what the lost connection held. */
        if (job->kind == JOB_ROLLBACK)
            store_job_skip(job, CAMI_OK, "rolled back");
        else
            store_job_skip(job, CAMI_STORE_EDOWN,
                           "the transaction's connection was lost; the server rolled it back");
    }
}

static void tx_pump(struct cami_store_tx *tx)
{
    struct store_job *job;
    int rc;

    while (!tx->busy && (job = tx->head) != NULL) {
        tx->head = job->next;
        if (tx->head == NULL)
            tx->tail = NULL;
        job->next = NULL;
        stop_idle(tx);
        prepare(tx, job);
        tx->busy = 1;
        rc = store_job_dispatch(job);
        if (rc == CAMI_OK)
            return;
        tx->busy = 0;
        job->status = rc;
        snprintf(job->err, sizeof job->err, "cannot queue the statement (%d)", rc);
        /* An ending call that cannot run still ends the transaction. */
        if (job->kind == JOB_COMMIT || job->kind == JOB_ROLLBACK) {
            if (tx->conn != NULL)
                store_conn_drop(tx->conn);
            give_back(tx);
            job->tx = NULL;
            store_job_deliver(job);
            stop_idle(tx);
            unlink_tx(tx);
            free(tx);
            return;
        }
        store_job_deliver(job);
    }
    if (!tx->busy && tx->head == NULL && !tx->ending && !tx->timed_out && tx->idle == NULL &&
        tx->conn != NULL && store_g.cfg.tx_timeout_ms > 0)
        tx->idle = cami_timer_start(store_g.self, store_g.cfg.tx_timeout_ms, 0, idle_expired,
                                    tx);
}

void store_tx_begun(struct store_job *job)
{
    struct cami_store_tx *tx = NULL;

    store_pool_note(job);
    if (job->status == CAMI_OK) {
        tx = calloc(1, sizeof *tx);
        if (tx == NULL) {
            store_conn_drop(job->conn);
            job->status = CAMI_ENOMEM;
            snprintf(job->err, sizeof job->err, "out of memory for a transaction");
        }
    }
    if (tx == NULL) {
        store_pool_release(job->conn);
        job->conn = NULL;
        store_job_deliver(job);
        return;
    }
    tx->owner = job->caller;
    tx->conn = job->conn;
    tx->next = store_g.txs;
    if (tx->next != NULL)
        tx->next->prev = tx;
    store_g.txs = tx;
    job->begin_cb(job->caller, CAMI_OK, tx, NULL, job->ud);
    store_job_free(job);
    tx_pump(tx);
}

int store_tx_submit(struct cami_store_tx *tx, struct store_job *job)
{
    if (tx->ending)
        return CAMI_ESTATE;
    job->tx = tx;
    job->next = NULL;
    if (tx->tail != NULL)
        tx->tail->next = job;
    else
        tx->head = job;
    tx->tail = job;
    if (job->kind == JOB_COMMIT || job->kind == JOB_ROLLBACK)
        tx->ending = 1;
    if (!tx->busy && tx->head == job) {
        int rc;

        /* Run it now, so a refusal reaches this caller as a return code. */
        tx->head = tx->tail = NULL;
        stop_idle(tx);
        prepare(tx, job);
        tx->busy = 1;
        rc = store_job_dispatch(job);
        if (rc != CAMI_OK) {
            tx->busy = 0;
            tx->ending = 0;
            job->tx = NULL;
            job->conn = NULL;
            job->skip = 0;
            tx_pump(tx);
            return rc;
        }
    }
    return CAMI_OK;
}

void store_tx_job_done(struct store_job *job)
{
    struct cami_store_tx *tx = job->tx;

    tx->busy = 0;
    job->tx = NULL;
    job->conn = NULL;
    /* A broken connection ends the transaction on the server: give it back
     * to be reopened; later calls of this tx fail (prepare()). */
    if (tx->conn != NULL && (tx->conn->mysql == NULL || job->internal))
        give_back(tx);
    if (job->internal) {
        store_job_free(job);
        tx_pump(tx);
        return;
    }
    if (job->kind == JOB_COMMIT || job->kind == JOB_ROLLBACK) {
        if (tx->timed_out) {
            job->status = CAMI_ETIMEDOUT;
            snprintf(job->err, sizeof job->err,
                     "the transaction was idle for more than %u ms and was rolled back",
                     store_g.cfg.tx_timeout_ms);
        }
        if (tx->conn != NULL)
            give_back(tx);
        stop_idle(tx);
        unlink_tx(tx);
        free(tx);
        store_job_deliver(job);
        return;
    }
    store_job_deliver(job);
    tx_pump(tx);
}

cami_plugin *store_tx_owner(const struct cami_store_tx *tx)
{
    return tx->owner;
}

void store_tx_fini_all(void)
{
    struct cami_store_tx *tx;

    while ((tx = store_g.txs) != NULL) {
        struct store_job *job;

        store_g.txs = tx->next;
        stop_idle(tx);
        while ((job = tx->head) != NULL) {
            tx->head = job->next;
            store_job_free(job);
        }
        /* Its connection is closed with the pool; the server rolls back. */
        free(tx);
    }
}

unsigned store_tx_count(void)
{
    unsigned n = 0;

    for (const struct cami_store_tx *tx = store_g.txs; tx != NULL; tx = tx->next)
        n++;
    return n;
}
