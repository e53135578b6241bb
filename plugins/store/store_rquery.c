/*
 * store_rquery.c - a list request's query string as SQL: limit, offset,
 * order_by and filters, with Tastypie's rules and error texts.
 *
 * Only column names from the checked spec are written into the SQL; every
 * value from the request becomes a bound parameter. Unknown parameters are
 * ignored (the app adds r=<random> against caches).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cami/http.h>

#include "store_resource.h"
#include "store_sbuf.h"

/* An `in` filter takes at most this many values. */
#define RQ_MAX_IN 1000

static int bad(char *err, size_t errlen, const char *fmt, ...) CAMI_PRINTF(3, 4);
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* limit and offset: Tastypie's Paginator, texts included. */
static int parse_count(const char *text, const char *what, size_t *out, char *err, size_t errlen)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno != 0)
        return bad(err, errlen, "Invalid %s '%s' provided. Please provide %s.", what, text,
                   strcmp(what, "limit") == 0 ? "a positive integer" : "an integer");
    if (v < 0)
        return bad(err, errlen, "Invalid %s '%s' provided. Please provide a positive integer >= 0.",
                   what, text);
    *out = (size_t)v;
    return 0;
}

static int is_reserved(const char *name)
{
    return strcmp(name, "limit") == 0 || strcmp(name, "offset") == 0 ||
           strcmp(name, "order_by") == 0 || strcmp(name, "format") == 0;
}

static const char *sql_op(unsigned op)
{
    switch (op) {
    case RF_OP_GT: return ">";
    case RF_OP_GTE: return ">=";
    case RF_OP_LT: return "<";
    case RF_OP_LTE: return "<=";
    default: return "=";
    }
}

static int add_value(json_t *params, const struct rfield *f, const char *text, const char *fname,
                     char *err, size_t errlen)
{
    char why[200];
    json_t *v = rvalue_from_query(f, text, why, sizeof why);
    if (v == NULL)
        return bad(err, errlen, "Invalid value '%s' for the '%s' filter: %s.", text, fname, why);
    json_array_append_new(params, rvalue_to_param(f, v));
    json_decref(v);
    return 0;
}

/* One filter `name=value`: a condition in `where` and its parameters. */
static int add_filter(const struct resource *r, const char *name, const char *value,
                      struct sbuf *where, json_t *params, char *err, size_t errlen)
{
    const char *sep = strstr(name, "__");
    char fname[128];
    unsigned op = RF_OP_EXACT;
    const struct rfield *f;
    size_t n = sep != NULL ? (size_t)(sep - name) : strlen(name);

    /* field[__op]: as in Tastypie, the field is what comes before the
     * first "__"; anything else is not a filter of this resource. */
    if (n >= sizeof fname)
        return 0;
    memcpy(fname, name, n);
    fname[n] = '\0';
    f = resource_field(r, fname, 1, NULL);
    if (f == NULL)
        return 0;
    if (sep != NULL) {
        const char *opname = sep + 2;
        if (f->filters == 0)
            return bad(err, errlen, "The '%s' field does not allow filtering.", fname);
        if (strstr(opname, "__") != NULL)
            return bad(err, errlen, "The '%s' field does not support relations.", fname);
        op = rfilter_op_parse(opname, strlen(opname));
        if (op == 0)
            return bad(err, errlen, "'%s' is not an allowed filter on the '%s' field.", opname,
                       fname);
    }
    if (f->filters == 0)
        return bad(err, errlen, "The '%s' field does not allow filtering.", fname);
    if ((f->filters & op) == 0)
        return bad(err, errlen, "'%s' is not an allowed filter on the '%s' field.",
                   rfilter_op_name(op), fname);

    sbuf_add(where, where->len == 0 ? " WHERE " : " AND ");
    if (op == RF_OP_IN) {
        char *copy = strdup(value), *save = NULL, *item;
        size_t count = 0;
        if (copy == NULL)
            return bad(err, errlen, "out of memory");
        sbuf_addf(where, "`%s` IN (", f->column);
        /* strtok_r would skip empty items; Tastypie's split(',') keeps them. */
        for (item = copy; item != NULL; item = save) {
            save = strchr(item, ',');
            if (save != NULL)
                *save++ = '\0';
            if (++count > RQ_MAX_IN) {
                free(copy);
                return bad(err, errlen, "The '%s__in' filter takes at most %d values.", fname,
                           RQ_MAX_IN);
            }
            if (add_value(params, f, item, fname, err, errlen) != 0) {
                free(copy);
                return -1;
            }
            sbuf_add(where, count > 1 ? ",?" : "?");
        }
        free(copy);
        sbuf_add(where, ")");
        return 0;
    }
    if (add_value(params, f, value, fname, err, errlen) != 0)
        return -1;
    if (json_is_null(json_array_get(params, json_array_size(params) - 1))) {
        /* field=null: IS NULL (no parameter) */
        json_array_remove(params, json_array_size(params) - 1);
        sbuf_addf(where, "`%s` IS NULL", f->column);
    } else if (op == RF_OP_IEXACT && (f->type == RF_STRING || f->type == RF_TEXT)) {
        sbuf_addf(where, "LOWER(`%s`) = LOWER(?)", f->column);
    } else {
        sbuf_addf(where, "`%s` %s ?", f->column, sql_op(op));
    }
    return 0;
}

/* One more key of the order. */
static int push_order(struct rquery *q, size_t fi, int desc)
{
    struct rorder *more = realloc(q->orders, (q->norders + 1) * sizeof *more);

    if (more == NULL)
        return -1;
    q->orders = more;
    q->orders[q->norders++] = (struct rorder){ .field = fi, .desc = desc };
    return 0;
}

static int add_order(const struct resource *r, struct rquery *q, const char *spec, char *err,
                     size_t errlen)
{
    int desc = spec[0] == '-';
    size_t fi;
    const struct rfield *f = resource_field(r, spec + desc, 0, &fi);

    if (f == NULL)
        return bad(err, errlen, "No matching '%s' field for ordering on.", spec + desc);
    if (!f->orderable)
        return bad(err, errlen, "The '%s' field does not allow ordering.", spec + desc);
    if (push_order(q, fi, desc) != 0)
        return bad(err, errlen, "out of memory");
    return 0;
}

/* The default order when none was asked, then the primary key, which ends
 * every order so pages never overlap; it runs the way the first key does
 * (newest first stays newest first). -1: out of memory. */
static int complete_order(const struct resource *r, struct rquery *q)
{
    if (q->norders == 0)
        for (size_t i = 0; i < r->ndefault_order; i++)
            if (push_order(q, r->default_order[i].field, r->default_order[i].desc) != 0)
                return -1;
    for (size_t i = 0; i < q->norders; i++)
        if (q->orders[i].field == r->pk)
            return 0;
    return push_order(q, r->pk, q->norders > 0 && q->orders[0].desc);
}

int rquery_parse(const struct resource *r, const cami_request *req, json_t *owner,
                 struct rquery *q, char *err, size_t errlen)
{
    struct sbuf where = { 0 }, order = { 0 }, page = { 0 };
    const char *name, *value, *text;

    *q = (struct rquery){ .limit = RQ_DEFAULT_LIMIT };
    q->params = json_array();
    if (q->params == NULL)
        return bad(err, errlen, "out of memory");
    if ((text = cami_req_query(req, "limit")) != NULL &&
        parse_count(text, "limit", &q->limit, err, errlen) != 0)
        goto fail;
    if (q->limit == 0 || q->limit > RQ_MAX_LIMIT)
        q->limit = RQ_MAX_LIMIT;
    if ((text = cami_req_query(req, "offset")) != NULL &&
        parse_count(text, "offset", &q->offset, err, errlen) != 0)
        goto fail;

    sbuf_add(&page, r->base_path);
    sbuf_add(&page, "?");
    for (size_t i = 0; cami_req_query_at(req, i, &name, &value) == CAMI_OK; i++) {
        if (strcmp(name, "limit") != 0 && strcmp(name, "offset") != 0) {
            sbuf_add_qs(&page, name);
            sbuf_add(&page, "=");
            sbuf_add_qs(&page, value);
            sbuf_add(&page, "&");
        }
        if (strcmp(name, "order_by") == 0) {
            if (add_order(r, q, value, err, errlen) != 0)
                goto fail;
        } else if (!is_reserved(name) &&
                   add_filter(r, name, value, &where, q->params, err, errlen) != 0) {
            goto fail;
        }
    }
    if (owner != NULL) {
        sbuf_add(&where, where.len == 0 ? " WHERE " : " AND ");
        sbuf_addf(&where, "`%s` = ?", r->fields[r->owner].column);
        json_array_append_new(q->params, rvalue_to_param(&r->fields[r->owner], owner));
    }
    if (complete_order(r, q) != 0) {
        bad(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < q->norders; i++)
        sbuf_addf(&order, "%s`%s`%s", i == 0 ? " ORDER BY " : ", ",
                  r->fields[q->orders[i].field].column, q->orders[i].desc ? " DESC" : "");
    q->where = sbuf_take(&where);
    q->order = sbuf_take(&order);
    q->page_base = sbuf_take(&page);
    if (q->where == NULL || q->order == NULL || q->page_base == NULL) {
        bad(err, errlen, "out of memory");
        rquery_free(q);
        return -1;
    }
    return 0;
fail:
    sbuf_free(&where);
    sbuf_free(&order);
    sbuf_free(&page);
    rquery_free(q);
    return -1;
}

void rquery_free(struct rquery *q)
{
    free(q->where);
    free(q->order);
    free(q->orders);
    free(q->page_base);
    json_decref(q->params);
    *q = (struct rquery){ 0 };
}

char *rquery_page_uri(const struct rquery *q, size_t offset)
{
    char *s;
    if (asprintf(&s, "%slimit=%zu&offset=%zu", q->page_base, q->limit, offset) < 0)
        return NULL;
    return s;
}
