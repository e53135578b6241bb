/*
 * store_resource.h - declarative resources: a table described in JSON
 * (store.h, resource_add) served as a Tastypie-compatible REST resource.
 *
 * The work is split by job: store_rspec.c reads and checks a spec,
 * store_rvalue.c converts values between the API and the database,
 * store_rquery.c turns a list's query string into SQL, store_rhttp.c and
 * store_rwrite.c answer the requests, store_rlist.c writes list pages,
 * store_rschema.c serves /schema/, store_rindex.c and store_rlearn.c know
 * which index orders a list. Everything here runs on the loop thread
 * except the list writer (on a pool thread, see there).
 */
#ifndef STORE_RESOURCE_H
#define STORE_RESOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <cami/cami.h>
#include <cami/store.h>

#include "store_sbuf.h"
#include "store_stmt.h"

enum rfield_type {
    RF_INTEGER,
    RF_BIGINT,
    RF_FLOAT,
    RF_STRING,
    RF_TEXT,
    RF_BOOLEAN,
    RF_DATETIME,
    RF_JSON,
    RF_RELATED
};

/* Filter operations, as bits of rfield.filters. */
enum rfilter_op {
    RF_OP_EXACT = 1u << 0,
    RF_OP_IEXACT = 1u << 1,
    RF_OP_IN = 1u << 2,
    RF_OP_GT = 1u << 3,
    RF_OP_GTE = 1u << 4,
    RF_OP_LT = 1u << 5,
    RF_OP_LTE = 1u << 6
};
#define RF_OP_ALL 0x7fu

/* HTTP methods, as bits of the allowed-method sets. */
enum rmethod {
    RM_GET = 1u << 0,
    RM_POST = 1u << 1,
    RM_PUT = 1u << 2,
    RM_PATCH = 1u << 3,
    RM_DELETE = 1u << 4
};

struct rfield {
    char *name;
    char *column;
    enum rfield_type type;
    int readonly;
    int nullable;
    int required;
    int unique;
    int orderable;
    json_t *deflt;           /* NULL: no default */
    int has_min, has_max;
    double min, max;         /* for floats */
    int64_t imin, imax;      /* for integers (also their type's range) */
    size_t max_length;       /* 0: none */
    json_t *choices;         /* NULL: any */
    unsigned filters;        /* RF_OP_* bits */
    char *filter_name;       /* NULL: none */
    char *related_uri;       /* related: "<prefix><resource>/" */
    char *help;              /* NULL: the type's Tastypie help text */
    char *json_key;          /* "\"name\":", for list pages (store_rlist.c) */
};

struct rorder {
    size_t field;
    int desc;
};

/* One B-tree index of a resource's table, as SHOW INDEX lists it. */
struct rindex {
    char *name;
    char **columns;
    char *desc;              /* per column: 1 when stored descending */
    size_t ncolumns;
};

/* What the store knows of a table's indexes (store_rlearn.c). */
enum rindex_state {
    RINDEX_UNKNOWN,          /* not asked yet, or forgotten */
    RINDEX_ASKING,           /* SHOW INDEX on its way */
    RINDEX_KNOWN
};

struct resource {
    cami_plugin *plugin;     /* the plugin that added it: its calls, its routes */
    char *name;
    char *table;
    char *list_key;
    char *base_path;         /* "<prefix><name>/" */
    struct rfield *fields;
    size_t nfields;
    size_t pk;
    long owner;              /* a field index, or -1 */
    unsigned list_methods, detail_methods;
    struct rorder *default_order;
    size_t ndefault_order;
    int return_data;
    cami_store_resource_hooks hooks;
    void *ud;

    /* SQL prepared from the spec (identifiers only, quoted) */
    char *select_cols;       /* "`c1` AS `f1`, ..." */
    size_t *out_order;       /* field indexes sorted by name, for output */

    /* the table's indexes, learnt from the server (store_rlearn.c) */
    struct rindex *indexes;
    size_t nindexes;
    enum rindex_state index_state;
    unsigned long long index_asked_at;  /* store_mono_ms() of the last SHOW INDEX */
    int index_stale;         /* forgotten while asking: drop the answer */
    struct resource *next;
};

/* ---- store_rspec.c ---- */

/* Read `spec` into a new resource (or NULL: `err` says which member and why). */
struct resource *rspec_parse(const json_t *spec, char *err, size_t errlen);
void resource_free(struct resource *r);
/* The field whose name (or filter_name, when `alias`) is `name`, or NULL. */
const struct rfield *resource_field(const struct resource *r, const char *name, int alias,
                                    size_t *index);
/* The field type's name in specs ("integer"...) and in Tastypie's schema. */
const char *rfield_type_name(enum rfield_type t);
const char *rfield_schema_type(enum rfield_type t);
/* "exact"... for one RF_OP_ bit; rfilter_op_parse returns 0 for unknown. */
const char *rfilter_op_name(unsigned op);
unsigned rfilter_op_parse(const char *name, size_t len);

/* ---- store_rvalue.c ---- */

/*
 * rvalue_from_db - the API form of a column value as the store's query
 * returned it (a new reference; never NULL except out of memory).
 */
json_t *rvalue_from_db(const struct rfield *f, json_t *v);

/*
 * rvalue_from_api - check a value a client sent for field `f` and return
 * its normal form (a new reference): integers as integers, related as the
 * id, datetimes as "YYYY-MM-DD HH:MM:SS", json as the value itself. NULL:
 * refused, `err` says why in words for the client.
 */
json_t *rvalue_from_api(const struct rfield *f, json_t *v, char *err, size_t errlen);

/* rvalue_from_query - as rvalue_from_api, for a query-string value. */
json_t *rvalue_from_query(const struct rfield *f, const char *text, char *err, size_t errlen);

/* rvalue_to_param - the bound parameter for a normal-form value (new ref). */
json_t *rvalue_to_param(const struct rfield *f, json_t *v);

/* A whole decimal integer (optional '-') within int64, or a finite real,
 * from a NUL-terminated text: 0, or -1 when it is not one. */
int rvalue_parse_int64(const char *s, int64_t *out);
int rvalue_parse_double(const char *s, double *out);

/* A copy of `v` with every object's keys in sorted order (new ref). */
json_t *rvalue_sorted(json_t *v);

/* The API object for one database row (keyed by field name), with
 * resource_uri; a new reference. */
json_t *rvalue_row(const struct resource *r, json_t *row);

/* ---- store_rquery.c ---- */

struct rquery {
    size_t limit, offset;
    char *where;             /* "" or " WHERE ..." */
    char *order;             /* " ORDER BY ..." */
    struct rorder *orders;   /* the same, as fields (the primary key appended
                              * when the request did not name it) */
    size_t norders;
    json_t *params;          /* the WHERE's parameters */
    char *page_base;         /* the path and the other query parameters, for next/previous */
};

#define RQ_DEFAULT_LIMIT 20
#define RQ_MAX_LIMIT 1000

/*
 * rquery_parse - read a list request's limit, offset, order_by and
 * filters. `owner` (borrowed, may be NULL): the scope every row must match.
 * Returns 0, or -1 with a client error in `err` (400).
 */
int rquery_parse(const struct resource *r, const cami_request *req, json_t *owner,
                 struct rquery *q, char *err, size_t errlen);
void rquery_free(struct rquery *q);
/* The meta.next / meta.previous path, or NULL (new string). */
char *rquery_page_uri(const struct rquery *q, size_t offset);

/* ---- store_rindex.c ---- */

/*
 * rindex_parse - read SHOW INDEX rows (a JSON array of objects with
 * Key_name, Seq_in_index, Column_name, Collation, Sub_part, Index_type and,
 * where the server has them, Ignored, Visible, Expression) into the B-tree
 * indexes that can give rows in order: whole columns, not ignored or
 * invisible, no expressions. New array in *out (free with rindex_free), its
 * length in *n. 0, or -1 (out of memory, or rows not of that shape).
 */
int rindex_parse(const json_t *rows, struct rindex **out, size_t *n);
void rindex_free(struct rindex *ix, size_t n);
/*
 * rindex_for_order - the index that yields `orders` (n fields, the primary
 * key last) without sorting: its columns are the order's columns before the
 * key, followed by the key, or by nothing when the table's PRIMARY index is
 * the resource's key alone (InnoDB ends every secondary index with it,
 * ascending); all read in one direction. NULL when none does, or when the
 * order is the key alone (the server reads the table in that order
 * anyway). Borrowed from r->indexes.
 */
const char *rindex_for_order(const struct resource *r, const struct rorder *orders, size_t n);

/* ---- store_rlearn.c ---- */

/*
 * rlearn_hint - the index hint for a list of `q` on `r`: a new
 * " FORCE INDEX FOR ORDER BY (`name`)" (free it), or NULL for none (also
 * when out of memory: the page then goes without).
 * MariaDB 10.x costs a small table's scan and sort below 20 index reads
 * and sorts the whole table for every page; the hint makes an unfiltered
 * page's rows come from the ordering index. Only for lists without a WHERE
 * whose page ends within RLEARN_MAX_ROWS rows, where reading the index is
 * never the worse plan. Asks the server for the table's indexes when it
 * does not know them (in the background; the page goes without a hint) or
 * learnt them longer than the config's index_refresh ago (0: no hints);
 * migrations this worker ran make it ask again at once.
 */
#define RLEARN_MAX_ROWS 1000
char *rlearn_hint(struct resource *r, const struct rquery *q);
/* The hinted index is gone (MariaDB error 1176): forget the table's
 * indexes, so the next list asks again. */
void rlearn_forget(struct resource *r);
/* Forget every resource's indexes (after migrations ran in this worker). */
void rlearn_forget_all(void);

/* ---- store_rhttp.c ---- */

/* One request on its way through the database (loop thread). */
struct rctx {
    cami_request *req;
    struct resource *r;
    const char *method;      /* "GET", "POST", ... */
    json_t *owner;           /* the scope's owner value, or NULL */
    json_t *pk;              /* the object's primary key (an integer), or NULL */
    json_t *obj;             /* a write's normal-form fields, by field name */
    json_t *row;             /* the row as the API shows it (after a write) */
    struct rquery q;
    struct sbuf list;        /* a list's body (store_rlist.c) */
    size_t list_rows;        /* rows written into it */
    int hinted;              /* the list's statement names an index (rlearn_hint) */
    int created;             /* a PUT that created the row */
    void (*next)(struct rctx *c);   /* rctx_read_row's continuation */
    int missing_ok;
};

struct rctx *rctx_new(cami_request *req, struct resource *r, const char *method);
/* Finish the (pending) request and free the context. */
void rctx_finish(struct rctx *c);
/* Free the context of a request answered inside its handler (which then
 * returns CAMI_OK, not CAMI_PENDING). Returns CAMI_OK. */
int rctx_done_sync(struct rctx *c);
/*
 * rctx_scope - ask the scope hook (if the resource has an owner and the
 * plugin a hook) for c->owner. 0, or -1 after answering 403.
 */
int rctx_scope(struct rctx *c);
/* rctx_pk - read the {pk} of a detail URL into c->pk: 0, or -1 after
 * answering 404 (405 for schema/ with another method than GET). */
int rctx_pk(struct rctx *c);
/* The WHERE of one row: " WHERE `pk` = ?[ AND `owner` = ?]" with its
 * parameters appended to `params` (new string). */
char *rctx_row_where(const struct rctx *c, json_t *params);
/* Read the row of c->pk (in scope) into c->row, then call next(c); a
 * missing row is answered 404 unless `missing_ok`, then next sees
 * c->row == NULL. Returns CAMI_OK when queued, else the error (nothing
 * answered). */
int rctx_read_row(struct rctx *c, int missing_ok, void (*next)(struct rctx *c));
/* After a handler queued a call (rc): CAMI_PENDING, or on failure answer
 * and free (the handler returns what this returns). */
int rctx_started(struct rctx *c, int rc);
/* After a callback queued the next call (rc): on failure answer and
 * finish. */
void rctx_chained(struct rctx *c, int rc);
/* Answer 404 for c->pk and finish. */
void rctx_not_found(struct rctx *c);

/* Register the resource's routes for its plugin. CAMI_OK or the host's error. */
int rhttp_register(struct resource *r);
/* The HTTP answer for a store status (not CAMI_OK): status, Retry-After. */
int rhttp_fail(cami_request *req, const struct resource *r, int status, const char *error);
/* Answer 400 {"error", "field"}. */
int rhttp_bad(cami_request *req, const char *field, const char *error);

/* ---- store_rlist.c ---- */

/*
 * A list page written as JSON text where its statement runs (the loop or a
 * pool thread: the job's writer, store_job.h), into c->list: rlist_begin
 * opens the body once the total is known (with the first row; meta first
 * when its name sorts first), rlist_row writes one row of the resource's
 * select_cols (ud: the rctx) as rvalue_row shows it, rlist_finish closes
 * the body. Only c->list and c->list_rows change meanwhile.
 */
int rlist_begin(void *ud, size_t total, char *err, size_t errlen);
int rlist_row(void *ud, const struct store_col *cols, const MYSQL_FIELD *fields, unsigned n,
              char *err, size_t errlen);
int rlist_finish(void *ud, size_t rows, size_t total, char *err, size_t errlen);

/* ---- store_rwrite.c ---- */

int rwrite_post(cami_request *req, void *ud);
int rwrite_put(cami_request *req, void *ud);
int rwrite_patch(cami_request *req, void *ud);
int rwrite_delete(cami_request *req, void *ud);

/* ---- store_rschema.c ---- */

json_t *rschema_build(const struct resource *r);

/* ---- store.c ---- */

/*
 * store_list_submit - a list in one pool job: `sql` (params stolen) is the
 * page of at most `limit` rows, each row ending with a column that holds
 * the total; when the page is empty past offset 0, `count_sql`
 * (count_params stolen; its one column is "n") tells the total. The rows
 * and the total go to `writer` (copied) where the statement runs (the loop,
 * or a pool thread for pages over STORE_FAST_MAX_ROWS); then cb gets the
 * status (its result is null: the writer holds the body). As the service's
 * query otherwise.
 */
struct store_list_writer;
int store_list_submit(cami_plugin *self, const char *sql, json_t *params, const char *count_sql,
                      json_t *count_params, size_t offset, size_t limit,
                      const struct store_list_writer *writer, cami_store_fn cb, void *ud);

/* The service table, for the engine's own calls (with the resource's
 * plugin as the caller). */
const cami_store_v1 *store_service(void);

#endif
