/* store_stmt.c - prepared statements with JSON parameters and JSON results. */
#include <errmsg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cami/cami.h>
#include <cami/store.h>

#include "store_conn.h"
#include "store_errmap.h"
#include "store_param.h"
#include "store_stmt.h"

static int stmt_fail(MYSQL_STMT *st, unsigned read_timeout_ms, unsigned long long t0,
                     struct store_stmt_out *out)
{
    unsigned code = mysql_stmt_errno(st);

    out->broken = store_err_broken(code);
    if (code == CR_SERVER_LOST && read_timeout_ms > 0 &&
        store_mono_ms() - t0 + 100 >= read_timeout_ms) {
        snprintf(out->err, sizeof out->err,
                 "the statement ran past the read timeout of %u ms; connection closed",
                 read_timeout_ms);
        return CAMI_ETIMEDOUT;
    }
    return store_conn_error(code, mysql_stmt_error(st), mysql_stmt_sqlstate(st), out->err,
                            sizeof out->err);
}

static enum store_col_kind kind_of(const MYSQL_FIELD *f)
{
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
        return STORE_COL_INT;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return STORE_COL_DOUBLE;
    case MYSQL_TYPE_NULL:
        return STORE_COL_NULL;
    default:   /* DECIMAL (exact), dates and times, text, blobs, JSON, BIT */
        return STORE_COL_TEXT;
    }
}

static int bind_params(MYSQL_STMT *st, const json_t *params, MYSQL_BIND *b, long long *ints,
                       double *dbls, struct store_stmt_out *out)
{
    size_t i;
    json_t *v;

    json_array_foreach(params, i, v) {
        switch (store_param_kind(v)) {
        case STORE_PARAM_NULL:
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case STORE_PARAM_INT:
            ints[i] = store_param_int(v);
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = &ints[i];
            break;
        case STORE_PARAM_DOUBLE:
            dbls[i] = json_real_value(v);
            b[i].buffer_type = MYSQL_TYPE_DOUBLE;
            b[i].buffer = &dbls[i];
            break;
        case STORE_PARAM_STRING:
            b[i].buffer_type = MYSQL_TYPE_STRING;
            b[i].buffer = (void *)json_string_value(v);
            b[i].buffer_length = (unsigned long)json_string_length(v);
            break;
        default:
            snprintf(out->err, sizeof out->err, "parameter %zu is not a scalar", i + 1);
            return CAMI_EINVAL;
        }
    }
    if (mysql_stmt_bind_param(st, b) != 0)
        return stmt_fail(st, 0, 0, out);
    return CAMI_OK;
}

static json_t *col_json(const struct store_col *c, const MYSQL_FIELD *f, char *err, size_t errlen)
{
    json_t *v;

    if (c->is_null || c->kind == STORE_COL_NULL)
        return json_null();
    switch (c->kind) {
    case STORE_COL_INT:
        if (c->is_unsigned && (unsigned long long)c->i > (unsigned long long)INT64_MAX)
            return json_sprintf("%llu", (unsigned long long)c->i);
        return json_integer((json_int_t)c->i);
    case STORE_COL_DOUBLE:
        return json_real(c->d);
    default:
        v = json_stringn(c->buf, c->len);
        if (v == NULL)
            snprintf(err, errlen,
                     "column '%s' holds bytes that are not UTF-8 text: select HEX() or "
                     "TO_BASE64() of it", f->name);
        return v;
    }
}

/* The row visitor that builds store.h's result: an array of objects. */
static int row_json(void *ud, const struct store_col *cols, const MYSQL_FIELD *f, unsigned n,
                    char *err, size_t errlen)
{
    json_t *rows = ud, *row = json_object();

    if (row == NULL || json_array_append_new(rows, row) != 0)
        return CAMI_ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        json_t *v = col_json(&cols[i], &f[i], err, errlen);

        if (v == NULL)
            return err[0] ? CAMI_EFAIL : CAMI_ENOMEM;
        if (json_object_set_new(row, f[i].name, v) != 0)
            return CAMI_ENOMEM;
    }
    return CAMI_OK;
}

/* Grow the buffers of truncated text columns and fetch them again. */
static int refetch(MYSQL_STMT *st, MYSQL_BIND *b, struct store_col *cols, unsigned n,
                   struct store_stmt_out *out)
{
    for (unsigned i = 0; i < n; i++) {
        char *grown;

        if (cols[i].kind != STORE_COL_TEXT || cols[i].is_null || cols[i].len < cols[i].cap)
            continue;
        grown = realloc(cols[i].buf, cols[i].len + 1);
        if (grown == NULL) {
            snprintf(out->err, sizeof out->err, "out of memory for a result row");
            return CAMI_ENOMEM;
        }
        cols[i].buf = grown;
        cols[i].cap = cols[i].len + 1;
        b[i].buffer = grown;
        b[i].buffer_length = cols[i].cap;
        if (mysql_stmt_fetch_column(st, &b[i], i, 0) != 0)
            return stmt_fail(st, 0, 0, out);
    }
    if (mysql_stmt_bind_result(st, b) != 0)
        return stmt_fail(st, 0, 0, out);
    return CAMI_OK;
}

/* Fetch every row of a stored result into typed buffers and show each to
 * `row`, which may stop the fetch with an error. */
static int fetch_each(MYSQL_STMT *st, MYSQL_RES *meta, store_row_fn row, void *ud,
                      struct store_stmt_out *out)
{
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD *f = mysql_fetch_fields(meta);
    MYSQL_BIND *b = calloc(n ? n : 1, sizeof *b);
    struct store_col *cols = calloc(n ? n : 1, sizeof *cols);
    int rc = CAMI_ENOMEM;

    if (b == NULL || cols == NULL)
        goto nomem;
    for (unsigned i = 0; i < n; i++) {
        cols[i].kind = kind_of(&f[i]);
        b[i].is_null = &cols[i].is_null;
        b[i].error = &cols[i].error;
        b[i].length = &cols[i].len;
        switch (cols[i].kind) {
        case STORE_COL_INT:
            cols[i].is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = &cols[i].i;
            b[i].is_unsigned = (my_bool)cols[i].is_unsigned;
            break;
        case STORE_COL_DOUBLE:
            b[i].buffer_type = MYSQL_TYPE_DOUBLE;
            b[i].buffer = &cols[i].d;
            break;
        case STORE_COL_NULL:
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case STORE_COL_TEXT:
            /* max_length is known after store_result (UPDATE_MAX_LENGTH). */
            cols[i].cap = (f[i].max_length > 63 ? f[i].max_length : 63) + 1;
            cols[i].buf = malloc(cols[i].cap);
            if (cols[i].buf == NULL)
                goto nomem;
            b[i].buffer_type = MYSQL_TYPE_STRING;
            b[i].buffer = cols[i].buf;
            b[i].buffer_length = cols[i].cap;
            break;
        }
    }
    if (mysql_stmt_bind_result(st, b) != 0) {
        rc = stmt_fail(st, 0, 0, out);
        goto done;
    }
    for (;;) {
        int fr = mysql_stmt_fetch(st);

        if (fr == MYSQL_NO_DATA)
            break;
        if (fr == 1) {
            rc = stmt_fail(st, 0, 0, out);
            goto done;
        }
        if (fr == MYSQL_DATA_TRUNCATED && (rc = refetch(st, b, cols, n, out)) != CAMI_OK)
            goto done;
        if ((rc = row(ud, cols, f, n, out->err, sizeof out->err)) != CAMI_OK)
            goto done;
    }
    rc = CAMI_OK;
    goto done;
nomem:
    rc = CAMI_ENOMEM;
done:
    if (rc == CAMI_ENOMEM && !out->err[0])
        snprintf(out->err, sizeof out->err, "out of memory for the result");
    for (unsigned i = 0; cols != NULL && i < n; i++)
        free(cols[i].buf);
    free(cols);
    free(b);
    return rc;
}

static int fetch_rows(MYSQL_STMT *st, MYSQL_RES *meta, struct store_stmt_out *out)
{
    json_t *rows = json_array();
    int rc;

    if (rows == NULL) {
        snprintf(out->err, sizeof out->err, "out of memory for the result");
        return CAMI_ENOMEM;
    }
    rc = fetch_each(st, meta, row_json, rows, out);
    if (rc == CAMI_OK)
        out->result = rows;
    else
        json_decref(rows);
    return rc;
}

int store_exec_bind(struct store_exec *x, MYSQL_STMT *st, const json_t *params,
                    struct store_stmt_out *out)
{
    size_t given = params != NULL ? json_array_size(params) : 0;
    unsigned long wanted = mysql_stmt_param_count(st);
    my_bool one = 1;
    int rc;

    *x = (struct store_exec){ .st = st, .t0 = store_mono_ms() };
    out->result = NULL;
    out->broken = out->retryable = 0;
    out->err[0] = '\0';
    if (wanted != given) {
        snprintf(out->err, sizeof out->err,
                 "the statement has %lu placeholder(s) but %zu parameter(s) were given", wanted,
                 given);
        return CAMI_EINVAL;
    }
    if (given > 0) {
        x->b = calloc(given, sizeof *x->b);
        x->ints = calloc(given, sizeof *x->ints);
        x->dbls = calloc(given, sizeof *x->dbls);
        if (x->b == NULL || x->ints == NULL || x->dbls == NULL) {
            snprintf(out->err, sizeof out->err, "out of memory binding parameters");
            return CAMI_ENOMEM;
        }
        if ((rc = bind_params(st, params, x->b, x->ints, x->dbls, out)) != CAMI_OK)
            return rc;
    }
    if (mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &one) != 0)
        return stmt_fail(st, 0, 0, out);
    return CAMI_OK;
}

int store_exec_failed(struct store_exec *x, unsigned read_timeout_ms, struct store_stmt_out *out)
{
    MYSQL_STMT *st = x->st;
    int rc = stmt_fail(st, read_timeout_ms, x->t0, out);

    /* "Gone away": the command could not be sent, so it did not run. */
    out->retryable = mysql_stmt_errno(st) == CR_SERVER_GONE_ERROR;
    /* A kept statement whose result changed shape (DDL since it was
     * prepared): Connector/C leaves the link in an unknown state, so it
     * is dropped, and the statement - one that returns rows - runs
     * again on a fresh one. */
    if (mysql_stmt_errno(st) == CR_NEW_STMT_METADATA)
        out->broken = out->retryable = 1;
    return rc;
}

int store_exec_store_failed(struct store_exec *x, unsigned read_timeout_ms,
                            struct store_stmt_out *out)
{
    return stmt_fail(x->st, read_timeout_ms, x->t0, out);
}

int store_exec_result(struct store_exec *x, int exec, store_row_fn row, void *row_ud,
                      struct store_stmt_out *out)
{
    MYSQL_STMT *st = x->st;
    int rc;

    if (exec) {
        out->result = json_pack("{s:I,s:I}", "affected_rows",
                                (json_int_t)mysql_stmt_affected_rows(st), "insert_id",
                                (json_int_t)mysql_stmt_insert_id(st));
        rc = out->result != NULL ? CAMI_OK : CAMI_ENOMEM;
    } else if (mysql_stmt_field_count(st) == 0) {
        /* No result set: no rows for a visitor, [] for the JSON form. */
        out->result = row != NULL ? NULL : json_array();
        rc = row != NULL || out->result != NULL ? CAMI_OK : CAMI_ENOMEM;
    } else {
        MYSQL_RES *meta = mysql_stmt_result_metadata(st);

        if (meta == NULL)
            return stmt_fail(st, 0, 0, out);
        rc = row != NULL ? fetch_each(st, meta, row, row_ud, out) : fetch_rows(st, meta, out);
        mysql_free_result(meta);
    }
    if (rc == CAMI_ENOMEM && !out->err[0])
        snprintf(out->err, sizeof out->err, "out of memory for the result");
    return rc;
}

void store_exec_free(struct store_exec *x)
{
    free(x->b);
    free(x->ints);
    free(x->dbls);
    x->b = NULL;
    x->ints = NULL;
    x->dbls = NULL;
}

static int run_prepared(MYSQL_STMT *st, const json_t *params, int exec, store_row_fn row,
                        void *row_ud, unsigned read_timeout_ms, struct store_stmt_out *out)
{
    struct store_exec x;
    int rc = store_exec_bind(&x, st, params, out);

    if (rc != CAMI_OK)
        goto out;
    if (mysql_stmt_execute(st) != 0) {
        rc = store_exec_failed(&x, read_timeout_ms, out);
        goto out;
    }
    if (mysql_stmt_field_count(st) > 0 && mysql_stmt_store_result(st) != 0) {
        rc = store_exec_store_failed(&x, read_timeout_ms, out);
        goto out;
    }
    rc = store_exec_result(&x, exec, row, row_ud, out);
out:
    store_exec_free(&x);
    return rc;
}

static int stmt_run(MYSQL *mysql, struct store_stmtcache **cache, const char *sql,
                    const json_t *params, int exec, store_row_fn row, void *row_ud,
                    unsigned read_timeout_ms, struct store_stmt_out *out)
{
    MYSQL_STMT *st = cache != NULL ? store_stmtcache_get(cache, sql) : NULL;
    int cached = st != NULL, rc;

    out->result = NULL;
    out->broken = out->retryable = 0;
    out->err[0] = '\0';
    if (st == NULL) {
        st = mysql_stmt_init(mysql);
        if (st == NULL) {
            snprintf(out->err, sizeof out->err, "out of memory for a statement");
            return CAMI_ENOMEM;
        }
        if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
            rc = stmt_fail(st, 0, 0, out);
            /* Nothing ran: a broken link here is safe to retry elsewhere. */
            out->retryable = out->broken;
            mysql_stmt_close(st);
            return rc;
        }
    }
    rc = run_prepared(st, params, exec, row, row_ud, read_timeout_ms, out);
    /* Client-side only: ready for the next execute, no round trip. */
    mysql_stmt_free_result(st);
    if (cached)
        return rc;   /* the cache closes it, also when the connection is dropped */
    if (cache != NULL && !out->broken && store_stmtcache_put(cache, sql, st) == 0)
        return rc;
    /* Closing a statement tells the server; on a broken link it just frees. */
    mysql_stmt_close(st);
    return rc;
}

int store_stmt_run(MYSQL *mysql, struct store_stmtcache **cache, const char *sql,
                   const json_t *params, int exec, unsigned read_timeout_ms,
                   struct store_stmt_out *out)
{
    return stmt_run(mysql, cache, sql, params, exec, NULL, NULL, read_timeout_ms, out);
}

int store_stmt_each(MYSQL *mysql, struct store_stmtcache **cache, const char *sql,
                    const json_t *params, store_row_fn row, void *ud, unsigned read_timeout_ms,
                    struct store_stmt_out *out)
{
    return stmt_run(mysql, cache, sql, params, 0, row, ud, read_timeout_ms, out);
}
