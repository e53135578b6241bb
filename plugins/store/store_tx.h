/*
 * store_tx.h - transactions: a pooled connection held from begin to
 * commit/rollback, a FIFO of the transaction's calls (one runs at a time),
 * and the idle timer that rolls a forgotten transaction back.
 * Loop thread only.
 */
#ifndef STORE_TX_H
#define STORE_TX_H

#include "store_job.h"

/* A BEGIN job came back: make the transaction and answer the caller. */
void store_tx_begun(struct store_job *job);

/* Queue a call (query, exec, commit, rollback) of `tx`. CAMI_OK, or an error
 * with the job still the caller's. */
int store_tx_submit(struct cami_store_tx *tx, struct store_job *job);

/* A job of a transaction came back. */
void store_tx_job_done(struct store_job *job);

/* The plugin that began `tx`: its calls' callbacks get it as self. */
cami_plugin *store_tx_owner(const struct cami_store_tx *tx);

/* Free every open transaction without callbacks (fini). */
void store_tx_fini_all(void);

/* How many transactions are open (store.stats). */
unsigned store_tx_count(void);

#endif
