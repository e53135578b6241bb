/*
 * store_job.h - one call of the store service on its way through the pool.
 *
 * A job is created on the loop thread by a service call, waits for a
 * connection (pool or transaction), runs on a pool thread (store_job_work)
 * and comes back to the loop (store_job_done), where its callback runs.
 */
#ifndef STORE_JOB_H
#define STORE_JOB_H

#include <cami/cami.h>
#include <cami/store.h>

#include "store_conn.h"
#include "store_stmt.h"

/* JOB_LIST: a resource's page with its total, and the list body written
 * from its rows, all on one pool thread and one connection (store_rlist.c). */
enum store_job_kind { JOB_QUERY, JOB_EXEC, JOB_BEGIN, JOB_COMMIT, JOB_ROLLBACK, JOB_LIST };

/*
 * Where a JOB_LIST's rows go, where the statement runs (the loop or a pool
 * thread): `begin` gets the total before the first row, `row` sees each row
 * of the page without its last column (the total, which the job reads),
 * then `finish` gets the number of rows and the total. Each returns CAMI_OK or a
 * status with err filled. They may only read what nobody changes
 * meanwhile; the job's result stays NULL (the writer keeps the body).
 */
struct store_list_writer {
    /* before the first row, with the total (not called for an empty page) */
    int (*begin)(void *ud, size_t total, char *err, size_t errlen);
    store_row_fn row;
    int (*finish)(void *ud, size_t rows, size_t total, char *err, size_t errlen);
    void *ud;
};

struct store_job {
    enum store_job_kind kind;
    cami_plugin *caller;        /* the plugin whose callback this is */
    char *sql;                  /* owned */
    json_t *params;             /* owned; NULL for none */
    cami_store_fn cb;
    cami_store_tx_fn begin_cb;
    void *ud;
    struct cami_store_tx *tx;   /* NULL outside a transaction */
    struct store_conn *conn;    /* owned while the job runs; NULL: none needed */
    /* JOB_LIST only */
    char *count_sql;            /* owned: the total of a page past the end */
    json_t *count_params;       /* owned */
    size_t offset, limit;
    struct store_list_writer writer;
    size_t list_rows, list_total;   /* what the page gave (its rows' last column) */
    int page_done;                  /* the page ran on the loop; only the count is left */
    int ended_on_loop;              /* store_fast.c finished it (store.stats) */
    int internal;               /* the idle-timeout rollback: no callback */
    int skip;                   /* fail with skip_status without touching the database */
    int skip_status;

    /* filled by the pool thread */
    int status;
    json_t *result;
    int connect_failed;         /* it tried to connect and could not */
    int connected;              /* it opened a connection */
    char err[STORE_ERRLEN];

    struct store_job *next;     /* a wait queue */
};

/* ms after which an idle connection is pinged before use. */
#define STORE_IDLE_PING_MS 1000u

/* The read timeout store_conn_open gives pooled connections, in ms (0:
 * none), to tell a timeout from a lost server. */
unsigned store_job_read_timeout_ms(void);

/* A new job; params are stolen (also when NULL is returned: out of memory). */
struct store_job *store_job_new(enum store_job_kind kind, cami_plugin *caller, const char *sql,
                                json_t *params, void *ud);

void store_job_free(struct store_job *job);

/* Fail the job without running it: status and a message for err. */
void store_job_skip(struct store_job *job, int status, const char *fmt, ...)
    CAMI_PRINTF(3, 4);

/* Run the job: on the loop when it can (store_fast.c), else on the host's
 * pool. CAMI_OK, or the host's error (the job is then still the caller's). */
int store_job_dispatch(struct store_job *job);

/* Queue the job on the host's pool (a loop watch on its connection is
 * stopped first). As store_job_dispatch. */
int store_job_submit_pool(struct store_job *job);

/* A job is over (wstatus: CAMI_OK, or the host could not run it): answer
 * it on the loop - transaction bookkeeping, the connection back to the
 * pool, the callback - and free it. */
void store_job_complete(struct store_job *job, int wstatus);

/* JOB_LIST steps for whoever runs the page: the row visitor (ud: the job;
 * the page's last column is the total), whether the total is known
 * without a COUNT(*), and the writer's finish. */
int store_job_list_row(void *ud, const struct store_col *cols, const MYSQL_FIELD *fields,
                       unsigned n, char *err, size_t errlen);
int store_job_list_counted(const struct store_job *job);
int store_job_list_finish(struct store_job *job);

/* Run the job's callback (if any) with its outcome and free the job. */
void store_job_deliver(struct store_job *job);

#endif
