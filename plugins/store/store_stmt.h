/*
 * store_stmt.h - one prepared statement: bind the JSON parameters, run it,
 * turn its result into JSON (store.h gives the mapping).
 *
 * Runs on a pool thread on a connection the calling job owns.
 */
#ifndef STORE_STMT_H
#define STORE_STMT_H

#include <stddef.h>
#include <jansson.h>
#include <mysql.h>

#include "store_stmtcache.h"

struct store_stmt_out {
    json_t *result;    /* the rows, or {"affected_rows","insert_id"}; NULL on error */
    int broken;        /* the connection must be closed */
    int retryable;     /* it broke before the statement ran: safe to retry */
    char err[512];
};

/*
 * store_stmt_run - run `sql` with `params` (NULL or an array of scalars,
 * borrowed). exec: the result is the counts, else the rows. cache: the
 * connection's statement cache, or NULL to prepare and close each time.
 * read_timeout_ms: the connection's read timeout (0: none), to tell a
 * timeout from a lost server. Returns CAMI_OK, or a store.h status with
 * out->err set. When out->broken, the caller drops the connection with its
 * cache.
 */
int store_stmt_run(MYSQL *mysql, struct store_stmtcache **cache, const char *sql,
                   const json_t *params, int exec, unsigned read_timeout_ms,
                   struct store_stmt_out *out);

#endif
