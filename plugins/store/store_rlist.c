/*
 * store_rlist.c - a resource's list page written straight as JSON text
 * from the fetched columns, on the pool thread that ran the statement.
 *
 * Each value reads back as rvalue_from_db shows it (the detail path, which
 * goes through jansson); test_store_rlist.c holds the two to the same
 * values for every type and column kind. They differ only in text: reals
 * here always have their fewest digits, stored JSON keeps its escapes. Building a jansson tree per row and dumping it
 * cost more CPU than MariaDB spent on the page (docs/PERFORMANCE.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_jtext.h"
#include "store_resource.h"

#define NOT_UTF8 "column '%s' holds bytes that are not UTF-8 text: select HEX() or TO_BASE64() of it"

/* A TEXT column as a NUL-terminated string in `tmp` (for the number
 * parsers), or NULL when it does not fit. */
static const char *small_text(const struct store_col *c, char *tmp, size_t tmplen)
{
    if (c->len >= tmplen)
        return NULL;
    memcpy(tmp, c->buf, c->len);
    tmp[c->len] = '\0';
    return tmp;
}

/* A text's truth as the detail path reads it: as a C string, not "" and
 * not "0" (a BIT(1) column's 0x00 byte is false). */
static int text_true(const struct store_col *c)
{
    size_t m = strnlen(c->buf, c->len);

    return !(m == 0 || (m == 1 && c->buf[0] == '0'));
}

static int big_unsigned(const struct store_col *c)
{
    return c->is_unsigned && (unsigned long long)c->i > (unsigned long long)INT64_MAX;
}

/* The column as store.h's JSON mapping would give it, written as is. */
static int as_is(struct sbuf *b, const struct store_col *c, const char *name, char *err,
                 size_t errlen)
{
    if (c->is_null || c->kind == STORE_COL_NULL) {
        sbuf_addn(b, "null", 4);
    } else if (c->kind == STORE_COL_INT && big_unsigned(c)) {
        sbuf_addn(b, "\"", 1);
        jtext_uint(b, (unsigned long long)c->i);
        sbuf_addn(b, "\"", 1);
    } else if (c->kind == STORE_COL_INT) {
        jtext_int(b, c->i);
    } else if (c->kind == STORE_COL_DOUBLE) {
        if (jtext_real(b, c->d) != 0)
            sbuf_addn(b, "null", 4);   /* NaN or infinite: JSON has no such number */
    } else if (jtext_string(b, c->buf, c->len) != 0) {
        snprintf(err, errlen, NOT_UTF8, name);
        return CAMI_EFAIL;
    }
    return CAMI_OK;
}

/* "<base><id>/" for a key column, or null. */
static int id_uri(struct sbuf *b, const char *base, const struct store_col *c, const char *name,
                  char *err, size_t errlen)
{
    struct sbuf uri = { 0 };
    int rc = CAMI_OK;

    if (c->is_null || (c->kind != STORE_COL_INT && c->kind != STORE_COL_TEXT)) {
        sbuf_addn(b, "null", 4);
        return CAMI_OK;
    }
    sbuf_add(&uri, base);
    if (c->kind == STORE_COL_TEXT)
        sbuf_addn(&uri, c->buf, c->len);
    else if (big_unsigned(c))
        jtext_uint(&uri, (unsigned long long)c->i);
    else
        jtext_int(&uri, c->i);
    sbuf_addn(&uri, "/", 1);
    if (uri.failed)
        b->failed = 1;
    else if (jtext_string(b, uri.data, uri.len) != 0) {
        snprintf(err, errlen, NOT_UTF8, name);
        rc = CAMI_EFAIL;
    }
    sbuf_free(&uri);
    return rc;
}

/* A parsed JSON value, members in their order (rvalue_sorted put them in
 * Tastypie's). -1: out of memory. */
static int tree(struct sbuf *b, json_t *v)
{
    const char *key;
    json_t *member;
    size_t i;
    int first = 1;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sbuf_addn(b, "{", 1);
        json_object_foreach(v, key, member) {
            if (!first)
                sbuf_addn(b, ",", 1);
            first = 0;
            jtext_string(b, key, strlen(key));
            sbuf_addn(b, ":", 1);
            if (tree(b, member) != 0)
                return -1;
        }
        sbuf_addn(b, "}", 1);
        return 0;
    case JSON_ARRAY:
        sbuf_addn(b, "[", 1);
        json_array_foreach(v, i, member) {
            if (i > 0)
                sbuf_addn(b, ",", 1);
            if (tree(b, member) != 0)
                return -1;
        }
        sbuf_addn(b, "]", 1);
        return 0;
    case JSON_STRING:
        return jtext_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        jtext_int(b, json_integer_value(v));
        return 0;
    case JSON_REAL:
        return jtext_real(b, json_real_value(v));
    case JSON_TRUE:
        sbuf_addn(b, "true", 4);
        return 0;
    case JSON_FALSE:
        sbuf_addn(b, "false", 5);
        return 0;
    default:
        sbuf_addn(b, "null", 4);
        return 0;
    }
}

/*
 * A JSON column as the detail shows it: compacted, reals shortest, objects'
 * keys sorted as Tastypie printed them. The store writes it sorted, so the
 * text is usually copied as it is; JSON written some other way with its
 * keys in another order is parsed and sorted. -1: not JSON (shown as text).
 */
static int json_column(struct sbuf *b, const struct store_col *c)
{
    size_t before = b->len;
    json_t *v, *sorted;
    int rc = jtext_json(b, c->buf, c->len);

    if (rc <= 0)
        return rc;
    v = json_loadb(c->buf, c->len, JSON_DECODE_ANY, NULL);
    if (v == NULL)
        return -1;
    sorted = rvalue_sorted(v);
    json_decref(v);
    rc = sorted != NULL ? tree(b, sorted) : -1;
    json_decref(sorted);
    if (rc != 0) {
        b->len = before;
        if (b->data != NULL)
            b->data[before] = '\0';
        b->failed = 1;
    }
    return 0;
}

/* One value as rvalue_from_db shows it. */
static int value(struct sbuf *b, const struct rfield *f, const struct store_col *c, char *err,
                 size_t errlen)
{
    char tmp[128];   /* DECIMAL's text is at most 67 characters */
    const char *s = NULL;
    int64_t i;
    double d;

    if (c->is_null || c->kind == STORE_COL_NULL)
        return as_is(b, c, f->name, err, errlen);
    if (c->kind == STORE_COL_TEXT)
        s = small_text(c, tmp, sizeof tmp);
    switch (f->type) {
    case RF_INTEGER:
        if (s != NULL && rvalue_parse_int64(s, &i) == 0) {
            jtext_int(b, i);
            return CAMI_OK;
        }
        if (c->kind == STORE_COL_DOUBLE && c->d > -9.2e18 && c->d < 9.2e18) {
            jtext_int(b, (long long)c->d);
            return CAMI_OK;
        }
        break;
    case RF_BIGINT:
        if (c->kind == STORE_COL_INT && !big_unsigned(c)) {
            sbuf_addn(b, "\"", 1);
            jtext_int(b, c->i);
            sbuf_addn(b, "\"", 1);
            return CAMI_OK;
        }
        break;
    case RF_FLOAT:
        if (c->kind == STORE_COL_INT) {
            jtext_real(b, big_unsigned(c) ? (double)(unsigned long long)c->i : (double)c->i);
            return CAMI_OK;
        }
        if (s != NULL && rvalue_parse_double(s, &d) == 0) {
            jtext_real(b, d);
            return CAMI_OK;
        }
        break;
    case RF_BOOLEAN:
        if (c->kind == STORE_COL_INT || c->kind == STORE_COL_TEXT) {
            int yes = c->kind == STORE_COL_INT ? c->i != 0
                                               : text_true(c);
            sbuf_add(b, yes ? "true" : "false");
            return CAMI_OK;
        }
        break;
    case RF_DATETIME:
        if (c->kind == STORE_COL_TEXT && c->len >= 19 && c->buf[10] == ' ') {
            struct store_col when = *c;
            char text[19];

            memcpy(text, c->buf, sizeof text);
            text[10] = 'T';
            when.buf = text;
            when.len = sizeof text;
            return as_is(b, &when, f->name, err, errlen);
        }
        break;
    case RF_JSON:
        if (c->kind == STORE_COL_TEXT && json_column(b, c) == 0)
            return CAMI_OK;
        break;
    case RF_RELATED:
        return id_uri(b, f->related_uri, c, f->name, err, errlen);
    case RF_STRING:
    case RF_TEXT:
        break;
    }
    return as_is(b, c, f->name, err, errlen);
}

/* A member's name and colon (names are checked identifiers), after a
 * comma unless it is the first. */
static void member(struct sbuf *b, const char *json_key, int *first)
{
    if (!*first)
        sbuf_addn(b, ",", 1);
    *first = 0;
    sbuf_add(b, json_key);
}

int rlist_row(void *ud, const struct store_col *cols, const MYSQL_FIELD *fields, unsigned n,
              char *err, size_t errlen)
{
    struct rctx *c = ud;
    const struct resource *r = c->r;
    struct sbuf *b = &c->list;
    const char *pk_name = r->fields[r->pk].name;
    int first = 1, uri_done = 0, rc;

    (void)fields;
    if (n != r->nfields) {
        snprintf(err, errlen, "the list's statement returned %u columns, not %zu", n, r->nfields);
        return CAMI_EFAIL;
    }
    if (c->list_rows++ > 0)
        sbuf_addn(b, ",", 1);
    sbuf_addn(b, "{", 1);
    /* In name order, resource_uri among them, as Tastypie printed them. */
    for (size_t k = 0; k < r->nfields; k++) {
        size_t fi = r->out_order[k];
        const struct rfield *f = &r->fields[fi];

        if (!uri_done && strcmp(f->name, "resource_uri") > 0) {
            member(b, "\"resource_uri\":", &first);
            if ((rc = id_uri(b, r->base_path, &cols[r->pk], pk_name, err, errlen)) != CAMI_OK)
                return rc;
            uri_done = 1;
        }
        member(b, f->json_key, &first);
        if ((rc = value(b, f, &cols[fi], err, errlen)) != CAMI_OK)
            return rc;
    }
    if (!uri_done) {
        member(b, "\"resource_uri\":", &first);
        if ((rc = id_uri(b, r->base_path, &cols[r->pk], pk_name, err, errlen)) != CAMI_OK)
            return rc;
    }
    sbuf_addn(b, "}", 1);
    return b->failed ? CAMI_ENOMEM : CAMI_OK;
}

static void page_link(struct sbuf *b, const struct rquery *q, int exists, size_t offset)
{
    char *uri = exists ? rquery_page_uri(q, offset) : NULL;

    if (!exists)
        sbuf_addn(b, "null", 4);
    else if (uri == NULL || jtext_string(b, uri, strlen(uri)) != 0)
        b->failed = 1;   /* out of memory; the URI is the client's valid UTF-8 */
    free(uri);
}

/* "meta":{...}, its keys in sorted order as Tastypie printed them. */
static void meta(struct sbuf *b, const struct rquery *q, size_t total)
{
    sbuf_add(b, "\"meta\":{\"limit\":");
    jtext_uint(b, q->limit);
    sbuf_add(b, ",\"next\":");
    page_link(b, q, q->offset + q->limit < total, q->offset + q->limit);
    sbuf_add(b, ",\"offset\":");
    jtext_uint(b, q->offset);
    sbuf_add(b, ",\"previous\":");
    page_link(b, q, q->offset >= q->limit, q->offset - q->limit);
    sbuf_add(b, ",\"total_count\":");
    jtext_uint(b, total);
    sbuf_addn(b, "}", 1);
}

static int meta_first(const struct rctx *c)
{
    return strcmp(c->r->list_key, "meta") > 0;
}

/* The objects' member name: list_key is a checked identifier. */
static void objects_open(struct sbuf *b, const struct rctx *c)
{
    sbuf_addn(b, "\"", 1);
    sbuf_add(b, c->r->list_key);
    sbuf_addn(b, "\":[", 3);
}

int rlist_begin(void *ud, size_t total, char *err, size_t errlen)
{
    struct rctx *c = ud;

    (void)err;
    (void)errlen;
    sbuf_addn(&c->list, "{", 1);
    if (meta_first(c)) {
        meta(&c->list, &c->q, total);
        sbuf_addn(&c->list, ",", 1);
    }
    objects_open(&c->list, c);
    return c->list.failed ? CAMI_ENOMEM : CAMI_OK;
}

int rlist_finish(void *ud, size_t rows, size_t total, char *err, size_t errlen)
{
    struct rctx *c = ud;

    if (rows == 0 && rlist_begin(c, total, err, errlen) != CAMI_OK)
        c->list.failed = 1;
    sbuf_addn(&c->list, "]", 1);
    if (!meta_first(c)) {
        sbuf_addn(&c->list, ",", 1);
        meta(&c->list, &c->q, total);
    }
    sbuf_addn(&c->list, "}", 1);
    if (c->list.failed) {
        snprintf(err, errlen, "out of memory for the list");
        return CAMI_ENOMEM;
    }
    return CAMI_OK;
}
