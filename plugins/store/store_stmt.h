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

/* One column of a fetched row, as a row visitor sees it: kind says which
 * member holds the value (DECIMAL, dates, text, blobs and JSON are TEXT). */
enum store_col_kind { STORE_COL_INT, STORE_COL_DOUBLE, STORE_COL_NULL, STORE_COL_TEXT };

struct store_col {
    enum store_col_kind kind;
    int is_unsigned;        /* INT: the column is UNSIGNED (i holds its bits) */
    long long i;
    double d;
    char *buf;              /* TEXT: len bytes, not NUL-terminated */
    unsigned long cap, len;
    my_bool is_null, error;
};

/*
 * A row visitor: called on the pool thread for each row with its n columns
 * (valid only during the call) and their metadata. Returns CAMI_OK, or a
 * status with `err` filled, which stops the fetch and fails the statement.
 */
typedef int (*store_row_fn)(void *ud, const struct store_col *cols, const MYSQL_FIELD *fields,
                            unsigned n, char *err, size_t errlen);

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

/*
 * store_stmt_each - as store_stmt_run for a statement that returns rows,
 * but each row goes to `row` instead of into out->result (left NULL): for
 * callers that write their own output (resource lists, store_job.c).
 */
int store_stmt_each(MYSQL *mysql, struct store_stmtcache **cache, const char *sql,
                    const json_t *params, store_row_fn row, void *ud, unsigned read_timeout_ms,
                    struct store_stmt_out *out);

#endif
