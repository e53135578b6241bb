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

/*
 * Hooks a plugin may attach to a declarative resource (resource_add). The
 * struct is size-prefixed: set .size = sizeof(cami_store_resource_hooks);
 * members are only appended. Every member may be NULL. Thread: loop.
 * Since store service v1 (resource_add).
 */
typedef struct cami_store_resource_hooks {
    uint32_t size;

    /*
     * validate - last word on a write, after the store checked types,
     * ranges, lengths, choices and required fields. `object` holds the
     * fields to be written, by field name, as the API spells them (64-bit
     * integers as integers here); the hook may change or add members (a
     * server-set field). method: "POST", "PUT" or "PATCH" (PATCH: only the
     * fields sent). Return CAMI_OK, or CAMI_EINVAL with a message in
     * `error` (errlen bytes, NUL-terminated) and the field's name in
     * `field` (fieldlen bytes; may stay empty): the client gets 400
     * {"error": error, "field": field} and nothing is written.
     */
    int (*validate)(cami_plugin *self, cami_request *req, const char *method, json_t *object,
                    char *field, size_t fieldlen, char *error, size_t errlen, void *ud);

    /*
     * written - a write was committed (after the client's answer is
     * built, before it is sent). method: "POST", "PUT", "PATCH" or
     * "DELETE"; object (borrowed) the row as a GET of it shows it now, and
     * for DELETE as it was. Use it to publish an event; it cannot fail the
     * request. Not called for rows changed by plain exec.
     */
    void (*written)(cami_plugin *self, const char *method, const json_t *object, void *ud);

    /*
     * scope - whose rows this request may see (the hook for the
     * authorization layer). Called before every list, detail and write of
     * a resource that declares an "owner" field. Set *owner (a new
     * reference) to the owner value every row must have, or leave it NULL
     * for no limit. Return CAMI_OK, or any error code: the client gets 403
     * and nothing runs.
     * Rows outside the scope are 404 to detail requests, missing from
     * lists, and a write may not move a row out of the scope (400).
     */
    int (*scope)(cami_plugin *self, cami_request *req, json_t **owner, void *ud);
} cami_store_resource_hooks;

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

    /*
     * resource_add - serve a table as a Tastypie-compatible REST resource.
     * `spec` (JSON, borrowed: the store copies what it keeps) describes the
     * table; the store registers, on the calling plugin's listeners:
     *   GET    <prefix><name>/            list: {"meta": {limit, next, offset,
     *                                      previous, total_count}, <list_key>: [...]}
     *   POST   <prefix><name>/            201, Location: <prefix><name>/<pk>/
     *   GET    <prefix><name>/{pk}/       the object, 404 when missing
     *   PUT    <prefix><name>/{pk}/       replace: 204 (202 with the object when
     *                                     return_data); missing: created, 201
     *   PATCH  <prefix><name>/{pk}/       change the fields sent: 202
     *   DELETE <prefix><name>/{pk}/       204
     *   GET    <prefix><name>/schema/     fields, filters, ordering, methods
     * Methods left out of the spec get 405. Lists take limit (default 20,
     * at most 1000, 0 means 1000), offset, order_by=[-]field (repeatable)
     * and filters field=value or field__op=value, op one of exact, iexact,
     * in (comma-separated), gt, gte, lt, lte; unknown parameters are
     * ignored, a known field that does not allow the filter or ordering is
     * 400. Objects carry "resource_uri"; bigint fields are JSON strings.
     * A bad value is 400 {"error", "field"} naming the field (a body that
     * is not a JSON object: {"error"} alone); an unreachable database 503
     * with Retry-After; a duplicate unique key 409. docs/PLUGIN-GUIDE.md
     * ("Declarative resources") has an example.
     *
     * spec members (unknown members are refused, to catch typos):
     *   name            required: the URL segment, [a-z0-9_-]+
     *   table           required: the table, an SQL identifier
     *   fields          required: {"<field>": {...}} (below)
     *   prefix          URL prefix, default "/api/v1/"
     *   primary_key     default "id"; integer or bigint field
     *   list_key        default "objects"
     *   list_methods    default ["GET", "POST"]
     *   detail_methods  default ["GET", "PUT", "PATCH", "DELETE"]
     *   ordering        fields order_by may name, default none
     *   default_order   e.g. ["-timestamp"], default the primary key; the
     *                   primary key always ends the order (stable pages)
     *   owner           the field naming the user who owns a row (scope hook)
     *   return_data     true: writes answer with the object (Tastypie's
     *                   always_return_data), default false
     * field members:
     *   type        required: "integer" (32-bit, a JSON number), "bigint"
     *               (64-bit, a JSON string), "float", "string", "text",
     *               "boolean", "datetime" ("YYYY-MM-DDTHH:MM:SS"), "json" (any
     *               JSON value, stored as compact text with sorted keys),
     *               "related" (an id in the
     *               column, shown as "<prefix><resource>/<id>/"; clients may
     *               send the URI or the id)
     *   column      the column, default the field name
     *   readonly    not writable by clients (auto ids, server-set fields)
     *   nullable    null is a valid value
     *   required    a POST must send it (default: true unless readonly,
     *               nullable or with a default)
     *   default     the value a POST or PUT that omits it writes
     *   min, max    numbers: the inclusive range
     *   max_length  string, text: the longest value, in characters
     *   choices     the values allowed
     *   filters     ["exact", "in", ...] or "all": the filters it allows
     *   filter_name another name for it in query strings ("user" for user_id)
     *   resource    related: the resource name its URIs use
     *   unique      documents a unique key (the table enforces it)
     *   help        text for /schema/
     *
     * hooks: NULL or see cami_store_resource_hooks (copied); ud is passed
     * to them. Thread: loop, during init only. Returns CAMI_OK, CAMI_EINVAL
     * (the spec is wrong: the log names the member and why), CAMI_EEXIST
     * (a route is taken), CAMI_ENOMEM, CAMI_ESTATE (after init). Since
     * store service v1 (this member: check with CAMI_STORE_HAS).
     */
    int (*resource_add)(cami_plugin *self, const json_t *spec,
                        const cami_store_resource_hooks *hooks, void *ud);

    /*
     * migration_add - as `migrations`, for a migration compiled into the
     * plugin instead of a folder: `name` as a file's (NNNN_description.sql),
     * `sql` its text (both copied). Call once per migration; a plugin uses
     * either a folder or migration_add, not both. Thread: loop, during init
     * only. Returns CAMI_OK, CAMI_EINVAL (a bad name, a number used twice, a
     * folder registered: the log says which), CAMI_ENOMEM, CAMI_ESTATE.
     * Since store service v1 (this member: check with CAMI_STORE_HAS).
     */
    int (*migration_add)(cami_plugin *self, const char *name, const char *sql);
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
