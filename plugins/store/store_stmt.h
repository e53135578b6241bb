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

/*
 * An execute of a prepared statement in steps, so that the network ones can
 * also run without blocking (store_fast.c): store_exec_bind checks and
 * binds the parameters; then the caller executes (and, when
 * mysql_stmt_field_count says there are columns, stores the result), on
 * failure asking store_exec_failed / store_exec_store_failed for the status
 * and out->err; then store_exec_result turns what came back into
 * out->result or rows for `row`, as store_stmt_run does. store_exec_free
 * always ends it (the statement's result is freed by the caller). Each
 * returns CAMI_OK or a store status with out->err set.
 */
struct store_exec {
    MYSQL_STMT *st;
    MYSQL_BIND *b;
    long long *ints;
    double *dbls;
    unsigned long long t0;   /* store_mono_ms() at bind */
};

int store_exec_bind(struct store_exec *x, MYSQL_STMT *st, const json_t *params,
                    struct store_stmt_out *out);
int store_exec_failed(struct store_exec *x, unsigned read_timeout_ms, struct store_stmt_out *out);
int store_exec_store_failed(struct store_exec *x, unsigned read_timeout_ms,
                            struct store_stmt_out *out);
int store_exec_result(struct store_exec *x, int exec, store_row_fn row, void *row_ud,
                      struct store_stmt_out *out);
void store_exec_free(struct store_exec *x);

#endif
