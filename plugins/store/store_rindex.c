/*
 * store_rindex.c - which of a table's indexes gives a list's rows in order.
 *
 * Pure: it reads SHOW INDEX rows and matches them against an order; asking
 * the server is store_rlearn.c's job.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_resource.h"

static void index_clear(struct rindex *x)
{
    free(x->name);
    for (size_t c = 0; c < x->ncolumns; c++)
        free(x->columns[c]);
    free(x->columns);
    free(x->desc);
    *x = (struct rindex){ 0 };
}

void rindex_free(struct rindex *ix, size_t n)
{
    for (size_t i = 0; i < n; i++)
        index_clear(&ix[i]);
    free(ix);
}

static const char *text_of(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

/* Seq_in_index arrives as a number or, from some servers, as text. */
static long long number_of(const json_t *row, const char *key)
{
    const json_t *v = json_object_get(row, key);

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return -1;
}

/* Whether one row keeps its index usable for ordering. */
static int row_orders(const json_t *row)
{
    const char *type = text_of(row, "Index_type");
    const char *ignored = text_of(row, "Ignored");
    const char *visible = text_of(row, "Visible");
    const json_t *sub = json_object_get(row, "Sub_part");
    const json_t *expr = json_object_get(row, "Expression");

    return type != NULL && strcmp(type, "BTREE") == 0 && text_of(row, "Column_name") != NULL &&
           (sub == NULL || json_is_null(sub)) && (expr == NULL || json_is_null(expr)) &&
           (ignored == NULL || strcmp(ignored, "YES") != 0) &&
           (visible == NULL || strcmp(visible, "NO") != 0);
}

/* Append column `col` to the last index of *ix, or start a new one. */
static int add_column(struct rindex **ix, size_t *n, const char *name, const char *col, int desc,
                      int first)
{
    struct rindex *x;
    char **cols;
    char *dirs;

    if (first) {
        struct rindex *more = realloc(*ix, (*n + 1) * sizeof *more);
        if (more == NULL)
            return -1;
        *ix = more;
        more[*n] = (struct rindex){ .name = strdup(name) };
        (*n)++;
        if (more[*n - 1].name == NULL)
            return -1;
    }
    x = &(*ix)[*n - 1];
    cols = realloc(x->columns, (x->ncolumns + 1) * sizeof *cols);
    if (cols == NULL)
        return -1;
    x->columns = cols;
    dirs = realloc(x->desc, x->ncolumns + 1);
    if (dirs == NULL)
        return -1;
    x->desc = dirs;
    cols[x->ncolumns] = strdup(col);
    if (cols[x->ncolumns] == NULL)
        return -1;
    dirs[x->ncolumns++] = (char)desc;
    return 0;
}

int rindex_parse(const json_t *rows, struct rindex **out, size_t *n)
{
    struct rindex *ix = NULL;
    size_t nix = 0, i;
    const json_t *row;
    const char *skipping = NULL;   /* an index found unusable: its later rows go too */

    *out = NULL;
    *n = 0;
    if (!json_is_array(rows))
        return -1;
    json_array_foreach(rows, i, row) {
        const char *name = text_of(row, "Key_name");
        const char *col = text_of(row, "Column_name");
        const char *collation = text_of(row, "Collation");
        long long seq = number_of(row, "Seq_in_index");
        int first = seq == 1;

        if (name == NULL || seq < 1)
            goto fail;
        if (skipping != NULL && strcmp(skipping, name) == 0)
            continue;
        skipping = NULL;
        /* A column out of sequence means rows of another shape: trust none. */
        if (!first && (nix == 0 || strcmp(ix[nix - 1].name, name) != 0 ||
                       ix[nix - 1].ncolumns != (size_t)seq - 1))
            goto fail;
        if (!row_orders(row)) {
            if (!first)
                index_clear(&ix[--nix]);
            skipping = name;
            continue;
        }
        if (add_column(&ix, &nix, name, col, collation != NULL && strcmp(collation, "D") == 0,
                       first) != 0)
            goto fail;
    }
    *out = ix;
    *n = nix;
    return 0;
fail:
    rindex_free(ix, nix);
    return -1;
}

static const struct rindex *index_named(const struct resource *r, const char *name)
{
    for (size_t i = 0; i < r->nindexes; i++)
        if (strcmp(r->indexes[i].name, name) == 0)
            return &r->indexes[i];
    return NULL;
}

/* Whether `x` read forwards or backwards gives orders[0..n) (the key last).
 * Column names compare without case, as MariaDB's do. */
static int index_yields(const struct resource *r, const struct rindex *x,
                        const struct rorder *orders, size_t n, int key_extends)
{
    size_t before_key = n - 1;
    int flip;

    if (x->ncolumns < before_key || x->ncolumns > n)
        return 0;
    if (x->ncolumns == before_key && !key_extends)
        return 0;
    /* Each column's direction relative to the index's is the same. */
    flip = orders[0].desc != x->desc[0];
    for (size_t i = 0; i < x->ncolumns; i++) {
        if (strcasecmp(x->columns[i], r->fields[orders[i].field].column) != 0)
            return 0;
        if ((orders[i].desc != x->desc[i]) != flip)
            return 0;
    }
    /* The key InnoDB appends is ascending. */
    if (x->ncolumns == before_key && orders[n - 1].desc != flip)
        return 0;
    return 1;
}

const char *rindex_for_order(const struct resource *r, const struct rorder *orders, size_t n)
{
    const struct rindex *primary = index_named(r, "PRIMARY");
    int key_extends;

    if (n < 2 || orders[n - 1].field != r->pk)
        return NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (orders[i].field == r->pk)
            return NULL;
    key_extends = primary != NULL && primary->ncolumns == 1 && !primary->desc[0] &&
                  strcasecmp(primary->columns[0], r->fields[r->pk].column) == 0;
    for (size_t i = 0; i < r->nindexes; i++) {
        const struct rindex *x = &r->indexes[i];
        if (x != primary && index_yields(r, x, orders, n, key_extends))
            return x->name;
    }
    return NULL;
}
