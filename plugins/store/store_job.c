/* store_job.c - a store call: run on a pool thread, answered on the loop. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_fast.h"
#include "store_job.h"
#include "store_pool.h"
#include "store_state.h"
#include "store_stmt.h"
#include "store_tx.h"

struct store_job *store_job_new(enum store_job_kind kind, cami_plugin *caller, const char *sql,
                                json_t *params, void *ud)
{
    struct store_job *job = calloc(1, sizeof *job);

    if (job == NULL || (sql != NULL && (job->sql = strdup(sql)) == NULL)) {
        free(job);
        json_decref(params);
        return NULL;
    }
    job->kind = kind;
    job->caller = caller;
    job->params = params;
    job->ud = ud;
    return job;
}

void store_job_free(struct store_job *job)
{
    if (job == NULL)
        return;
    free(job->sql);
    free(job->count_sql);
    json_decref(job->params);
    json_decref(job->count_params);
    json_decref(job->result);
    free(job);
}

void store_job_skip(struct store_job *job, int status, const char *fmt, ...)
{
    va_list ap;

    job->skip = 1;
    job->skip_status = status;
    va_start(ap, fmt);
    vsnprintf(job->err, sizeof job->err, fmt, ap);
    va_end(ap);
}

unsigned store_job_read_timeout_ms(void)
{
    unsigned q = store_g.cfg.query_timeout_ms;

    return q == 0 ? 0 : ((q + 999u) / 1000u + 5u) * 1000u;
}

/* One statement on the job's connection: its rows to `row` when given,
 * else into out->result as store.h's JSON. */
static int statement(struct store_job *job, struct store_conn *conn, const char *sql,
                     const json_t *params, store_row_fn row, void *row_ud,
                     struct store_stmt_out *out)
{
    if (row != NULL)
        return store_stmt_each(conn->mysql, &conn->stmts, sql, params, row, row_ud,
                               store_job_read_timeout_ms(), out);
    return store_stmt_run(conn->mysql, &conn->stmts, sql, params, job->kind == JOB_EXEC,
                          store_job_read_timeout_ms(), out);
}

static int run_statement(struct store_job *job, struct store_conn *conn, store_row_fn row,
                         void *row_ud, int *broken)
{
    struct store_stmt_out out;
    int rc = statement(job, conn, job->sql, job->params, row, row_ud, &out);

    /* A connection the server dropped (restart, wait_timeout) fails before
     * the statement ran (so before any row reached `row`): reconnect once
     * and run it there. A transaction's statements never move to another
     * connection. */
    if (rc != CAMI_OK && out.retryable && job->tx == NULL) {
        store_conn_drop(conn);
        rc = store_conn_open(&conn->mysql, &store_g.cfg, 0, job->err, sizeof job->err);
        if (rc != CAMI_OK) {
            job->connect_failed = 1;
            return rc;
        }
        job->connected = 1;
        rc = statement(job, conn, job->sql, job->params, row, row_ud, &out);
    }
    *broken = out.broken;
    job->result = out.result;
    if (rc != CAMI_OK)
        snprintf(job->err, sizeof job->err, "%s", out.err);
    return rc;
}

int store_job_list_row(void *ud, const struct store_col *cols, const MYSQL_FIELD *fields,
                       unsigned n, char *err, size_t errlen)
{
    struct store_job *job = ud;
    const struct store_col *t = n > 0 ? &cols[n - 1] : NULL;

    if (job->list_rows++ == 0) {
        if (t == NULL || t->kind != STORE_COL_INT || t->is_null || t->i < 0) {
            snprintf(err, errlen, "the list's statement did not end with its total");
            return CAMI_EFAIL;
        }
        job->list_total = (size_t)t->i;
        if (job->writer.begin(job->writer.ud, job->list_total, err, errlen) != CAMI_OK)
            return CAMI_ENOMEM;
    }
    return job->writer.row(job->writer.ud, cols, fields, n - 1, err, errlen);
}

int store_job_list_counted(const struct store_job *job)
{
    /* A page past the end has no row to carry the total. */
    return job->list_rows > 0 || job->offset == 0;
}

int store_job_list_finish(struct store_job *job)
{
    return job->writer.finish(job->writer.ud, job->list_rows, job->list_total, job->err,
                              sizeof job->err);
}

/*
 * A resource list: one statement gives the page and, in each row, the
 * total (one round trip); a page past the end has no row to carry it, so
 * then a COUNT(*) tells it. The writer builds the body here, so the loop
 * only sends it. The page may have run on the loop already (store_fast.c).
 */
static int run_list(struct store_job *job, struct store_conn *conn, int *broken)
{
    struct store_stmt_out out;
    int rc;

    if (!job->page_done) {
        job->list_rows = job->list_total = 0;
        rc = run_statement(job, conn, store_job_list_row, job, broken);
        if (rc != CAMI_OK)
            return rc;
    }
    if (!store_job_list_counted(job)) {
        json_t *n;

        rc = statement(job, conn, job->count_sql, job->count_params, NULL, NULL, &out);
        *broken = out.broken;
        if (rc != CAMI_OK) {
            snprintf(job->err, sizeof job->err, "%s", out.err);
            return rc;
        }
        n = json_object_get(json_array_get(out.result, 0), "n");
        job->list_total = json_is_integer(n) ? (size_t)json_integer_value(n) : 0;
        json_decref(out.result);
    }
    return store_job_list_finish(job);
}

/* Pool thread: the job owns job->conn exclusively. */
static void job_work(void *ud)
{
    struct store_job *job = ud;
    struct store_conn *conn = job->conn;
    MYSQL **mysql;
    int broken = 0;

    if (job->skip) {
        job->status = job->skip_status;
        return;
    }
    mysql = &conn->mysql;
    /* A connection unused for a while may have been dropped by the server;
     * a cached statement would only find out after sending. Busy
     * connections skip the round trip. */
    if (*mysql != NULL && job->tx == NULL &&
        store_mono_ms() - conn->last_used_ms > STORE_IDLE_PING_MS && mysql_ping(*mysql) != 0)
        store_conn_drop(conn);
    if (*mysql == NULL) {
        /* A transaction's connection is never silently replaced. */
        if (job->tx != NULL && job->kind != JOB_BEGIN) {
            job->status = CAMI_STORE_EDOWN;
            snprintf(job->err, sizeof job->err, "the transaction's connection was lost");
            return;
        }
        job->status = store_conn_open(mysql, &store_g.cfg, 0, job->err, sizeof job->err);
        if (job->status != CAMI_OK) {
            job->connect_failed = 1;
            return;
        }
        job->connected = 1;
    }
    switch (job->kind) {
    case JOB_QUERY:
    case JOB_EXEC:
        job->status = run_statement(job, conn, NULL, NULL, &broken);
        break;
    case JOB_LIST:
        job->status = run_list(job, conn, &broken);
        break;
    case JOB_BEGIN:
        job->status = store_conn_run(*mysql, "START TRANSACTION", job->err, sizeof job->err,
                                     &broken);
        break;
    case JOB_COMMIT:
        job->status = store_conn_run(*mysql, "COMMIT", job->err, sizeof job->err, &broken);
        if (job->status != CAMI_OK && !broken) {
            char ignored[STORE_ERRLEN];

            /* Leave the connection clean for its next owner. */
            if (store_conn_run(*mysql, "ROLLBACK", ignored, sizeof ignored, &broken) != CAMI_OK)
                broken = 1;
        }
        break;
    case JOB_ROLLBACK:
        job->status = store_conn_run(*mysql, "ROLLBACK", job->err, sizeof job->err, &broken);
        break;
    }
    if (broken)
        store_conn_drop(conn);
    conn->last_used_ms = store_mono_ms();
}

void store_job_complete(struct store_job *job, int wstatus)
{
    /* counted where it ended: a job the loop handed on ends on the pool */
    if (job->ended_on_loop)
        store_g.ran_on_loop++;
    else
        store_g.ran_on_pool++;
    if (wstatus != CAMI_OK) {
        job->status = CAMI_ESTATE;
        snprintf(job->err, sizeof job->err, "camid is shutting down");
    }
    if (job->tx != NULL) {
        store_tx_job_done(job);
        return;
    }
    if (job->kind == JOB_BEGIN) {
        store_tx_begun(job);
        return;
    }
    store_pool_note(job);
    store_pool_release(job->conn);
    job->conn = NULL;
    store_job_deliver(job);
}

static void job_done(void *ud, int wstatus)
{
    store_job_complete(ud, wstatus);
}

int store_job_submit_pool(struct store_job *job)
{
    /* A pool thread may close the connection: no loop watch may be left
     * on its descriptor. */
    if (job->conn != NULL)
        store_fast_detach(job->conn);
    return cami_work_submit(store_g.self, job_work, job_done, job);
}

int store_job_dispatch(struct store_job *job)
{
    if (store_fast_start(job) == CAMI_OK)
        return CAMI_OK;
    return store_job_submit_pool(job);
}

void store_job_deliver(struct store_job *job)
{
    const char *err = job->status == CAMI_OK ? NULL : job->err;

    if (job->status != CAMI_OK && job->err[0] == '\0')
        snprintf(job->err, sizeof job->err, "store error %d", job->status);
    if (job->status == CAMI_OK && job->result == NULL && job->cb != NULL)
        job->result = json_null();
    if (job->kind == JOB_BEGIN && job->begin_cb != NULL)
        job->begin_cb(job->caller, job->status, NULL, err != NULL ? err : "no transaction",
                      job->ud);
    else if (job->cb != NULL && !job->internal)
        job->cb(job->caller, job->status, job->status == CAMI_OK ? job->result : NULL, err,
                job->ud);
    store_job_free(job);
}
