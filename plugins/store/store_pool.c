/* store_pool.c - pooled connections, the wait FIFO and reconnect backoff. */
#include <stdlib.h>
#include <string.h>

#include "store_fast.h"
#include "store_pool.h"
#include "store_state.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 2000u

int store_pool_init(unsigned size)
{
    store_g.conns = calloc(size, sizeof *store_g.conns);
    if (store_g.conns == NULL)
        return CAMI_ENOMEM;
    store_g.nconns = size;
    store_g.idle = NULL;
    for (unsigned i = size; i-- > 0;) {
        store_g.conns[i].id = i + 1;
        store_g.conns[i].next = store_g.idle;
        store_g.idle = &store_g.conns[i];
    }
    return CAMI_OK;
}

void store_pool_fini(void)
{
    struct store_job *job;

    while ((job = store_g.wait_head) != NULL) {
        store_g.wait_head = job->next;
        store_job_free(job);
    }
    store_g.wait_tail = NULL;
    for (unsigned i = 0; i < store_g.nconns; i++) {
        store_fast_free(&store_g.conns[i]);
        store_conn_drop(&store_g.conns[i]);
    }
    free(store_g.conns);
    store_g.conns = NULL;
    store_g.nconns = 0;
    store_g.idle = NULL;
}

void store_pool_assign(struct store_job *job, struct store_conn *conn)
{
    job->conn = conn;
    /* While the server is known down, do not hammer it: fail fast. */
    if (conn->mysql == NULL && store_g.down &&
        cami_now_ms(store_g.self) < store_g.retry_at)
        store_job_skip(job, CAMI_STORE_EDOWN, "%s", store_g.down_error);
}

void store_pool_note(const struct store_job *job)
{
    if (job->connect_failed) {
        if (!store_g.down)
            cami_log(store_g.self, CAMI_LOG_WARN, "database unreachable: %s", job->err);
        store_g.down = 1;
        snprintf(store_g.down_error, sizeof store_g.down_error, "%s", job->err);
        store_g.backoff_ms = store_g.backoff_ms == 0 ? BACKOFF_MIN_MS : store_g.backoff_ms * 2;
        if (store_g.backoff_ms > BACKOFF_MAX_MS)
            store_g.backoff_ms = BACKOFF_MAX_MS;
        store_g.retry_at = cami_now_ms(store_g.self) + store_g.backoff_ms;
    } else if (job->connected) {
        if (store_g.down)
            cami_log(store_g.self, CAMI_LOG_INFO, "database reachable again");
        store_g.down = 0;
        store_g.backoff_ms = 0;
    }
}

int store_pool_submit(struct store_job *job)
{
    struct store_conn *conn = store_g.idle;
    int rc;

    if (conn == NULL) {
        job->next = NULL;
        if (store_g.wait_tail != NULL)
            store_g.wait_tail->next = job;
        else
            store_g.wait_head = job;
        store_g.wait_tail = job;
        return CAMI_OK;
    }
    store_g.idle = conn->next;
    store_pool_assign(job, conn);
    rc = store_job_dispatch(job);
    if (rc != CAMI_OK) {
        job->conn = NULL;
        conn->next = store_g.idle;
        store_g.idle = conn;
    }
    return rc;
}

void store_pool_release(struct store_conn *conn)
{
    struct store_job *job;

    if (conn == NULL)
        return;
    while ((job = store_g.wait_head) != NULL) {
        int rc;

        store_g.wait_head = job->next;
        if (store_g.wait_head == NULL)
            store_g.wait_tail = NULL;
        job->next = NULL;
        store_pool_assign(job, conn);
        rc = store_job_dispatch(job);
        if (rc == CAMI_OK)
            return;
        /* The host refused the work (stopping, memory): answer the call. */
        job->conn = NULL;
        job->status = rc;
        snprintf(job->err, sizeof job->err, "cannot queue the statement (%d)", rc);
        store_job_deliver(job);
    }
    conn->next = store_g.idle;
    store_g.idle = conn;
}
