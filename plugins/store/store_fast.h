/*
 * store_fast.h - a pool job's statement run on the loop thread with
 * Connector/C's non-blocking API, when nothing about it needs a thread.
 *
 * Handing a statement to a pool thread and back costs two thread wake-ups
 * and about eight system calls (docs/PERFORMANCE.md); on the loop it is a
 * send and a receive on a socket the loop polls anyway. A job runs here
 * when it is a query, exec or list (of at most STORE_FAST_MAX_ROWS rows:
 * writing a bigger page would hold the loop) outside a transaction, its
 * connection is open and was used within STORE_IDLE_PING_MS (no ping is
 * due), its statement is already prepared there, and the host offers fd
 * watches.
 * Everything else - connecting, pinging, preparing, transactions, a retry
 * after the server went away, a list's separate COUNT(*) - stays on the
 * pool (store_job.c). Loop thread only.
 */
#ifndef STORE_FAST_H
#define STORE_FAST_H

#include "store_conn.h"

struct store_job;

/* A list page of more rows is written on a pool thread: 1000 rows take
 * milliseconds to turn into JSON, which every other request of the worker
 * would wait for on the loop. */
#define STORE_FAST_MAX_ROWS 100

/*
 * store_fast_start - run the job (its connection assigned) on the loop if
 * it can. CAMI_OK: it runs, and ends in store_job_complete (or goes on to
 * the pool); never before this returns. CAMI_ENOTSUP: the caller sends it
 * to the pool - it could not run here (nothing was done), or it failed at
 * once with its link closed (the connection is dropped, and the job either
 * runs again there, when it never reached the server, or is marked to fail
 * with its error: store_job_skip).
 */
int store_fast_start(struct store_job *job);

/* Stop the loop's watch on the connection (before a pool thread uses it,
 * or before it is closed on the loop). Not while a job runs here. */
void store_fast_detach(struct store_conn *conn);

/* At fini: a job still running here is dropped (as waiting ones are),
 * the watch stopped and the state freed. */
void store_fast_free(struct store_conn *conn);

#endif
