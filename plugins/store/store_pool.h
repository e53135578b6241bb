/*
 * store_pool.h - the connection pool and its FIFO of waiting jobs.
 *
 * Connections are opened lazily by the job that gets one; a broken one is
 * closed and reopened by a later job. After a failed connect, closed
 * connections stay closed for a backoff (100 ms doubling to 2 s), and jobs
 * that would have to connect meanwhile fail at once with CAMI_STORE_EDOWN.
 * Loop thread only.
 */
#ifndef STORE_POOL_H
#define STORE_POOL_H

#include "store_job.h"

int store_pool_init(unsigned size);

/* Close every connection (the server rolls back what they held) and drop
 * waiting jobs without callbacks. At fini only. */
void store_pool_fini(void);

/* Run the job on an idle connection, or queue it until one is free.
 * CAMI_OK, or an error with the job still the caller's. */
int store_pool_submit(struct store_job *job);

/* Attach `conn` to `job`, deciding whether it may try to connect. */
void store_pool_assign(struct store_job *job, struct store_conn *conn);

/* A job has finished with a connection: note whether it connected. */
void store_pool_note(const struct store_job *job);

/* Give a connection back: to the first waiting job, else to the idle list. */
void store_pool_release(struct store_conn *conn);

#endif
