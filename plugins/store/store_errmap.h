/*
 * store_errmap.h - what a MariaDB error number means for a store caller.
 *
 * Pure: maps server (ER_*) and client (CR_*) error numbers to the status
 * codes of store.h, so the mapping is unit-tested without a server.
 */
#ifndef STORE_ERRMAP_H
#define STORE_ERRMAP_H

/* The store.h status for MariaDB error `err` (never CAMI_OK). */
int store_errmap(unsigned err);

/* Non-zero when `err` means the connection is unusable and must be closed. */
int store_err_broken(unsigned err);

#endif
