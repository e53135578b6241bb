/*
 * store_rlearn.c - learn a resource table's indexes from the server, and
 * hint an unfiltered list page to read its ordering index.
 *
 * Why: MariaDB 10.x weighs a table scan of a small table (a few pages)
 * against the 20 row reads of an index and picks the scan, then sorts the
 * whole table for every page: about four times the index plan's cost at a
 * thousand rows. The store asks SHOW INDEX in the background (loop thread,
 * through the store's own pool), keeps the answer for index_refresh ms, and
 * forgets it when a hinted index is gone, so an index an admin drops or
 * adds costs at most one retried page. Knowing nothing, or failing to ask,
 * only means pages go without a hint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_conn.h"
#include "store_resource.h"
#include "store_sbuf.h"
#include "store_state.h"

/* After a failed SHOW INDEX (table not there yet, server down), wait this
 * long before asking again. */
#define RLEARN_RETRY_MS 5000

static void learnt(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct resource *r = ud;
    struct rindex *ix;
    size_t n;

    (void)self;
    if (r->index_stale || status != CAMI_OK || rindex_parse(result, &ix, &n) != 0) {
        if (!r->index_stale)
            cami_log(store_g.self, CAMI_LOG_DEBUG,
                     "resource %s: cannot read the indexes of %s (lists go without a hint): %s",
                     r->name, r->table,
                     status != CAMI_OK ? (error != NULL ? error : "unknown error")
                                       : "SHOW INDEX answered rows of another shape");
        /* What was known may be what changed: pages go without a hint. */
        rindex_free(r->indexes, r->nindexes);
        r->indexes = NULL;
        r->nindexes = 0;
        r->index_state = RINDEX_UNKNOWN;
        r->index_asked_at = r->index_stale ? 0 : store_mono_ms();
        r->index_stale = 0;
        return;
    }
    rindex_free(r->indexes, r->nindexes);
    r->indexes = ix;
    r->nindexes = n;
    r->index_state = RINDEX_KNOWN;
}

static void ask(struct resource *r)
{
    char *sql = NULL;
    int rc = CAMI_ENOMEM;

    /* The table name comes from the checked spec: an identifier. */
    if (asprintf(&sql, "SHOW INDEX FROM `%s`", r->table) >= 0)
        rc = store_service()->query(store_g.self, sql, NULL, learnt, r);
    else
        sql = NULL;
    free(sql);
    r->index_asked_at = store_mono_ms();
    if (rc == CAMI_OK)
        r->index_state = RINDEX_ASKING;
}

static void learn_if_due(struct resource *r)
{
    unsigned long long now = store_mono_ms();

    if (store_g.migrating || store_g.stopping || r->index_state == RINDEX_ASKING)
        return;
    if (r->index_state == RINDEX_KNOWN ? now - r->index_asked_at >= store_g.cfg.index_refresh_ms
                                       : r->index_asked_at == 0 ||
                                             now - r->index_asked_at >= RLEARN_RETRY_MS)
        ask(r);
}

char *rlearn_hint(struct resource *r, const struct rquery *q)
{
    const char *name;
    struct sbuf hint = { 0 };

    if (store_g.cfg.index_refresh_ms == 0 || q->where[0] != '\0' || q->offset > RLEARN_MAX_ROWS ||
        q->limit > RLEARN_MAX_ROWS - q->offset)
        return NULL;
    learn_if_due(r);
    name = rindex_for_order(r, q->orders, q->norders);
    if (name == NULL)
        return NULL;
    sbuf_add(&hint, " FORCE INDEX FOR ORDER BY (`");
    for (const char *p = name; *p != '\0'; p++)
        sbuf_addn(&hint, *p == '`' ? "``" : p, *p == '`' ? 2 : 1);
    sbuf_add(&hint, "`)");
    return sbuf_take(&hint);
}

void rlearn_forget(struct resource *r)
{
    rindex_free(r->indexes, r->nindexes);
    r->indexes = NULL;
    r->nindexes = 0;
    if (r->index_state == RINDEX_ASKING) {
        r->index_stale = 1;
        return;
    }
    r->index_state = RINDEX_UNKNOWN;
    r->index_asked_at = 0;
}

void rlearn_forget_all(void)
{
    for (struct resource *r = store_g.resources; r != NULL; r = r->next)
        rlearn_forget(r);
}
