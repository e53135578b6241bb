/* store_fast.c - see store_fast.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cami/async.h>

#include "store_fast.h"
#include "store_job.h"
#include "store_state.h"
#include "store_stmt.h"
#include "store_stmtcache.h"

enum step { STEP_EXECUTE, STEP_STORE };

/* One connection's loop side: its watch, and the job running on it. */
struct store_fast {
    struct store_conn *conn;
    cami_fd_watch *watch;
    int fd;
    int events;                  /* what the watch waits for */
    cami_timer *timer;           /* Connector/C's timeout for the current wait */
    int deferred, deferred_err;  /* the first step ended inside its _start call */
    struct store_job *job;       /* running here, or NULL */
    enum step step;
    struct store_exec x;
    struct store_stmt_out out;
};

static void proceed(struct store_fast *f, int status, int err);


void store_fast_detach(struct store_conn *conn)
{
    struct store_fast *f = conn->fast;

    if (f == NULL)
        return;
    cami_timer_stop(f->timer);
    f->timer = NULL;
    cami_fd_watch_stop(f->watch);
    f->watch = NULL;
    f->fd = -1;
}

void store_fast_free(struct store_conn *conn)
{
    struct store_fast *f = conn->fast;

    if (f == NULL)
        return;
    if (f->job != NULL) {
        store_exec_free(&f->x);
        json_decref(f->out.result);
        store_job_free(f->job);
    }
    store_fast_detach(conn);
    free(f);
    conn->fast = NULL;
}

/* The statement's outcome, as run_statement (store_job.c) gives it. */
static void finish(struct store_fast *f, int rc)
{
    struct store_job *job = f->job;
    struct store_conn *conn = f->conn;

    f->job = NULL;
    /* Connector/C closes the socket itself when the link breaks: no watch
     * may stay on a descriptor number that another socket may get. */
    if (f->watch != NULL && (int)mysql_get_socket(conn->mysql) != f->fd)
        store_fast_detach(conn);
    store_exec_free(&f->x);
    mysql_stmt_free_result(f->x.st);   /* client side: ready for the next execute */
    conn->last_used_ms = store_mono_ms();
    if (rc != CAMI_OK && f->out.retryable) {
        /* It never ran: the pool reconnects and runs it there. */
        store_fast_detach(conn);
        store_conn_drop(conn);
        json_decref(f->out.result);
        if ((rc = store_job_submit_pool(job)) == CAMI_OK)
            return;
        job->status = rc;
        snprintf(job->err, sizeof job->err, "cannot queue the statement (%d)", rc);
        store_job_complete(job, CAMI_OK);
        return;
    }
    if (f->out.broken) {
        store_fast_detach(conn);
        store_conn_drop(conn);
    }
    job->status = rc;
    job->result = f->out.result;
    f->out.result = NULL;
    if (rc != CAMI_OK) {
        snprintf(job->err, sizeof job->err, "%s", f->out.err);
    } else if (job->kind == JOB_LIST && !store_job_list_counted(job)) {
        /* Past the end: the COUNT(*) (maybe not prepared yet) on the pool. */
        job->page_done = 1;
        if ((rc = store_job_submit_pool(job)) == CAMI_OK)
            return;
        job->status = rc;
        snprintf(job->err, sizeof job->err, "cannot queue the count (%d)", rc);
    } else if (job->kind == JOB_LIST) {
        job->status = store_job_list_finish(job);
    }
    job->ended_on_loop = 1;
    store_job_complete(job, CAMI_OK);
}

/* A step that is over (err: its result): the next one, or the end. */
static void step_done(struct store_fast *f, int err)
{
    struct store_job *job = f->job;
    MYSQL_STMT *st = f->x.st;
    int rc;

    if (f->step == STEP_EXECUTE) {
        if (err) {
            finish(f, store_exec_failed(&f->x, store_job_read_timeout_ms(), &f->out));
            return;
        }
        if (mysql_stmt_field_count(st) > 0) {
            f->step = STEP_STORE;
            proceed(f, mysql_stmt_store_result_start(&err, st), err);
            return;
        }
    } else if (err) {
        finish(f, store_exec_store_failed(&f->x, store_job_read_timeout_ms(), &f->out));
        return;
    }
    rc = store_exec_result(&f->x, job->kind == JOB_EXEC,
                           job->kind == JOB_LIST ? store_job_list_row : NULL, job, &f->out);
    finish(f, rc);
}

static void on_timeout(cami_timer *timer, void *ud);

/* Where a step stands: over, or waiting for the socket (and a timeout). */
static void proceed(struct store_fast *f, int status, int err)
{
    int want = CAMI_FD_READ | ((status & MYSQL_WAIT_WRITE) ? CAMI_FD_WRITE : 0);

    if (status == 0) {
        step_done(f, err);
        return;
    }
    if (want != f->events && cami_fd_watch_set(f->watch, want) == CAMI_OK)
        f->events = want;   /* (a failed set leaves the timeout, if any, to end it) */
    if (status & MYSQL_WAIT_TIMEOUT)
        f->timer = cami_timer_start(store_g.self, mysql_get_timeout_value_ms(f->conn->mysql), 0,
                                    on_timeout, f);
}

static void resume(struct store_fast *f, int ready)
{
    int err = 0, status;

    cami_timer_stop(f->timer);
    f->timer = NULL;
    if (f->step == STEP_EXECUTE)
        status = mysql_stmt_execute_cont(&err, f->x.st, ready);
    else
        status = mysql_stmt_store_result_cont(&err, f->x.st, ready);
    proceed(f, status, err);
}

static void on_timeout(cami_timer *timer, void *ud)
{
    struct store_fast *f = ud;

    (void)timer;
    resume(f, MYSQL_WAIT_TIMEOUT);
}

static void on_ready(cami_fd_watch *watch, int fd, int events, void *ud)
{
    struct store_fast *f = ud;
    int ready = 0;

    (void)watch;
    (void)fd;
    if (events & CAMI_FD_ERROR)
        f->events = 0;   /* the host paused the watch */
    if (f->job == NULL && !(events & (CAMI_FD_READ | CAMI_FD_ERROR))) {
        if (cami_fd_watch_set(f->watch, CAMI_FD_READ) == CAMI_OK)
            f->events = CAMI_FD_READ;
        return;
    }
    if (f->job == NULL) {
        /* Nothing was asked: the server closed the idle connection (or
         * broke the protocol). Drop it; the next job reconnects. */
        struct store_conn *conn = f->conn;

        store_fast_detach(conn);
        store_conn_drop(conn);
        return;
    }
    if (f->deferred) {
        if (f->timer != NULL)
            return;   /* on_deferred goes on */
        /* no timer could be had: this wake-up (writable) is the signal */
        f->deferred = 0;
        if (cami_fd_watch_set(f->watch, CAMI_FD_READ) == CAMI_OK)
            f->events = CAMI_FD_READ;
        proceed(f, 0, f->deferred_err);
        return;
    }
    if (events & CAMI_FD_READ)
        ready |= MYSQL_WAIT_READ;
    if (events & CAMI_FD_WRITE)
        ready |= MYSQL_WAIT_WRITE;
    if (events & CAMI_FD_ERROR)
        ready |= MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT;   /* let the read find the error */
    if (f->events & CAMI_FD_WRITE && !(events & CAMI_FD_WRITE) && !(events & CAMI_FD_ERROR) &&
        cami_fd_watch_set(f->watch, CAMI_FD_READ) == CAMI_OK)
        f->events = CAMI_FD_READ;
    resume(f, ready);
}

static void on_deferred(cami_timer *timer, void *ud)
{
    struct store_fast *f = ud;

    (void)timer;
    cami_timer_stop(f->timer);
    f->timer = NULL;
    f->deferred = 0;
    proceed(f, 0, f->deferred_err);
}

/* The connection's watch on its current socket, or NULL. */
static struct store_fast *watched(struct store_conn *conn)
{
    struct store_fast *f = conn->fast;
    int fd = (int)mysql_get_socket(conn->mysql);

    if (f == NULL) {
        if ((f = calloc(1, sizeof *f)) == NULL)
            return NULL;
        f->conn = conn;
        f->fd = -1;
        conn->fast = f;
    }
    if (f->watch != NULL && f->fd != fd)
        store_fast_detach(conn);
    if (f->watch == NULL && fd >= 0) {
        f->watch = cami_fd_watch_start(store_g.self, fd, CAMI_FD_READ, on_ready, f);
        f->fd = f->watch != NULL ? fd : -1;
        f->events = CAMI_FD_READ;
    }
    return f->watch != NULL ? f : NULL;
}

int store_fast_start(struct store_job *job)
{
    struct store_conn *conn = job->conn;
    struct store_fast *f;
    MYSQL_STMT *st;
    int err = 0, status;

    if (conn == NULL || conn->mysql == NULL || job->tx != NULL || job->skip || job->page_done ||
        (job->kind != JOB_QUERY && job->kind != JOB_EXEC && job->kind != JOB_LIST) ||
        (job->kind == JOB_LIST && job->limit > STORE_FAST_MAX_ROWS) ||
        store_mono_ms() - conn->last_used_ms > STORE_IDLE_PING_MS ||
        (st = store_stmtcache_get(&conn->stmts, job->sql)) == NULL ||
        (f = watched(conn)) == NULL)
        return CAMI_ENOTSUP;
    /* A parameter the statement cannot take fails the same on the pool,
     * which answers it. */
    if (store_exec_bind(&f->x, st, job->params, &f->out) != CAMI_OK) {
        store_exec_free(&f->x);
        return CAMI_ENOTSUP;
    }
    f->job = job;
    f->step = STEP_EXECUTE;
    job->list_rows = job->list_total = 0;
    status = mysql_stmt_execute_start(&err, st);
    if (status != 0) {
        proceed(f, status, err);
        return CAMI_OK;
    }
    if ((int)mysql_get_socket(conn->mysql) != f->fd) {
        /* It failed at once and Connector/C closed the socket: the pool
         * answers it - running it again when it never reached the server,
         * else failing it with this error - and never before this returns. */
        int rc = store_exec_failed(&f->x, store_job_read_timeout_ms(), &f->out);

        f->job = NULL;
        store_exec_free(&f->x);
        store_fast_detach(conn);
        store_conn_drop(conn);
        if (!f->out.retryable)
            store_job_skip(job, rc != CAMI_OK ? rc : CAMI_STORE_EDOWN, "%s", f->out.err);
        return CAMI_ENOTSUP;
    }
    /* Over already (a very quick answer, or an error that left the link
     * up): go on from the loop, never answering the caller before this
     * returns - from a 0 ms timer, or without one from the socket's next
     * writable wake-up. */
    f->deferred = 1;
    f->deferred_err = err;
    f->timer = cami_timer_start(store_g.self, 0, 0, on_deferred, f);
    if (f->timer == NULL && cami_fd_watch_set(f->watch, CAMI_FD_READ | CAMI_FD_WRITE) == CAMI_OK)
        f->events = CAMI_FD_READ | CAMI_FD_WRITE;
    return CAMI_OK;
}
