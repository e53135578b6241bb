/*
 * store_state.h - the store plugin's state, one per worker process.
 *
 * Loop thread only, except `cfg` (read-only after init, read by jobs on pool
 * threads) and each connection's MYSQL handle (touched only by the job that
 * owns the connection).
 */
#ifndef STORE_STATE_H
#define STORE_STATE_H

#include <cami/cami.h>
#include <cami/store.h>

#include "store_config.h"
#include "store_conn.h"

struct store_job;
struct store_migset;
struct resource;

struct store_state {
    cami_plugin *self;
    struct store_config cfg;
    int started;        /* start() ran: migrations can no longer be registered */
    int stopping;       /* stop() ran: new calls are refused */
    int migrating;      /* the start's migrations run: tables may be missing */

    /* the pool: every connection is idle here or owned by one job/tx */
    struct store_conn *conns;
    unsigned nconns;
    struct store_conn *idle;
    struct store_job *wait_head, *wait_tail;   /* FIFO of jobs waiting for one */
    int down;                  /* the last connect failed */
    uint64_t retry_at;         /* loop ms before which closed connections stay closed */
    unsigned backoff_ms;
    char down_error[STORE_ERRLEN];
    /* statements run on the loop (store_fast.c) and on pool threads, for
     * the task store.stats */
    unsigned long long ran_on_loop, ran_on_pool;

    /* open transactions, to free them at fini */
    struct cami_store_tx *txs;

    /* declarative resources of every plugin (store_resource.h) */
    struct resource *resources;

    /* registered migration folders, in registration order */
    struct store_migset *migs;
    size_t nmigs;
};

extern struct store_state store_g;

#endif
