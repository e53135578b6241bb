/*
 * store.h - the `store` service, version 1: MariaDB for every plugin.
 *
 * The store plugin owns the database connections and offers this table as
 * service "store" v1 (service.h). A consumer lists "store" in its
 * descriptor's dependencies and, in its init:
 *
 *   size_t size;
 *   const cami_store_v1 *db = cami_service_get(self, CAMI_STORE_SERVICE, 1, &size);
 *
 * Every call is asynchronous: it queues the work and returns at once; the
 * statement runs on the host's thread pool on one of the store's pooled
 * connections (the loop never waits for the database), and the callback runs
 * later on the loop thread, exactly once, unless the call itself returned an
 * error. SQL is always a prepared statement with `?` placeholders bound from
 * a JSON array: nothing of a parameter is ever spliced into SQL text.
 *
 * Parameters (a JSON array; NULL means none): strings, integers, reals,
 * true/false (bound as 1/0) and null. Objects and arrays are refused
 * (CAMI_EINVAL): serialise them first if a column holds JSON.
 *
 * Results, as JSON:
 *   query   an array of rows, each an object keyed by column name (labels as
 *           written in the SELECT). Integer columns become integers (an
 *           unsigned BIGINT above 2^63-1 becomes a string), FLOAT/DOUBLE
 *           reals, DECIMAL strings (exact), dates and times strings
 *           ("2026-11-27 21:30:00"), text and blobs strings, NULL null.
 *   exec    {"affected_rows": n, "insert_id": id}
 *
 * Status codes handed to callbacks: CAMI_OK, or
 *   CAMI_STORE_EDOWN      the server cannot be reached (answer 503 with
 *                         Retry-After); the store reconnects by itself
 *   CAMI_STORE_EDUPLICATE a unique key would be violated (answer 409/400)
 *   CAMI_STORE_ECONSTRAINT another constraint failed (foreign key, NOT NULL,
 *                         value out of range or too long for its column)
 *   CAMI_ETIMEDOUT        the statement ran past the store's query_timeout
 *   CAMI_EINVAL           the SQL or its parameters are wrong (a bug in the
 *                         calling plugin; the error text says what)
 *   CAMI_EFAIL            anything else; the error text has the server's
 *                         message
 * and `error` is a readable text (NULL on success). `result` is borrowed:
 * json_incref() it to keep it past the callback.
 *
 * A write whose callback saw CAMI_OK is committed. One that saw
 * CAMI_STORE_EDOWN may or may not have been applied (the connection broke
 * while it ran); make writes idempotent where that matters.
 *
 * Thread: every function, loop thread only. Since store service v1.
 */
#ifndef CAMI_STORE_H
#define CAMI_STORE_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAMI_STORE_SERVICE "store"
#define CAMI_STORE_VERSION 1

/* Status codes of the store service (beside the CAMI_ codes of abi.h). */
enum cami_store_status {
    CAMI_STORE_EDOWN = -1001,
    CAMI_STORE_EDUPLICATE = -1002,
    CAMI_STORE_ECONSTRAINT = -1003
};

/* An open transaction: one pooled connection held until commit/rollback. */
typedef struct cami_store_tx cami_store_tx;

/* The answer to one call; see the status list above. */
typedef void (*cami_store_fn)(cami_plugin *self, int status, json_t *result, const char *error,
                              void *ud);
/* The answer to begin: status CAMI_OK with a transaction, or an error and
 * tx NULL. */
typedef void (*cami_store_tx_fn)(cami_plugin *self, int status, cami_store_tx *tx,
                                 const char *error, void *ud);

typedef struct cami_store_v1 {
    /* sizeof(cami_store_v1) in the provider; members are only appended. */
    uint32_t size;

    /*
     * query - run a statement that returns rows (SELECT, SHOW, ...).
     * params: a JSON array or NULL; stolen in every case. Returns CAMI_OK
     * when queued (cb will run), or CAMI_EINVAL (NULL sql or cb, params not
     * an array of scalars), CAMI_ENOMEM, CAMI_ESTATE (the store is stopping)
     * - then cb will not run.
     */
    int (*query)(cami_plugin *self, const char *sql, json_t *params, cami_store_fn cb, void *ud);

    /* exec - run a statement that changes data (INSERT, UPDATE, DELETE, DDL);
     * result {"affected_rows", "insert_id"}; otherwise as query. It runs in
     * its own transaction (autocommit). */
    int (*exec)(cami_plugin *self, const char *sql, json_t *params, cami_store_fn cb, void *ud);

    /*
     * begin - start a transaction. cb gets the transaction; from then on use
     * tx_query / tx_exec, and end it with commit or rollback (its callback
     * is the last one for this tx; after it the tx is gone). A transaction
     * left idle longer than the store's tx_timeout is rolled back and its
     * next calls fail with CAMI_ETIMEDOUT - commit and rollback too, which
     * still end it and must still be called. A statement that fails inside a
     * transaction does not end it: the caller decides to roll back. When the
     * connection breaks, calls fail with CAMI_STORE_EDOWN and rollback
     * answers CAMI_OK.
     */
    int (*begin)(cami_plugin *self, cami_store_tx_fn cb, void *ud);
    int (*tx_query)(cami_store_tx *tx, const char *sql, json_t *params, cami_store_fn cb,
                    void *ud);
    int (*tx_exec)(cami_store_tx *tx, const char *sql, json_t *params, cami_store_fn cb,
                   void *ud);
    int (*commit)(cami_store_tx *tx, cami_store_fn cb, void *ud);
    int (*rollback)(cami_store_tx *tx, cami_store_fn cb, void *ud);

    /*
     * migrations - register the folder of this plugin's schema migrations:
     * files named NNNN_description.sql (NNNN: digits, applied in numeric
     * order), each a list of statements separated by ';' at line ends. Each
     * file is applied once per database, recorded in schema_migrations
     * (plugin, version, name, checksum, applied_at), under a server-side lock
     * so hosts starting together cannot race. A file changed after it was
     * applied is refused (checksum), naming it. Thread: loop, during init
     * only. Returns CAMI_OK, CAMI_EINVAL (no such folder, a file name
     * without a number, two files with the same number: the message says
     * which), CAMI_ESTATE.
     */
    int (*migrations)(cami_plugin *self, const char *dir);

    /* ---- append members below this line, never above ---- */
} cami_store_v1;

/* True when the store table `db` (of `size` bytes, from cami_service_get)
 * has `member`. */
#define CAMI_STORE_HAS(db, size, member)                                       \
    ((db) != NULL && offsetof(cami_store_v1, member) + sizeof((db)->member) <= (size) && \
     (db)->member != NULL)

#ifdef __cplusplus
}
#endif
#endif
