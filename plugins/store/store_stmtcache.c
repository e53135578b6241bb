/* store_stmtcache.c - prepared statements kept per connection, LRU. */
#include <stdlib.h>
#include <string.h>

#include "store_stmtcache.h"

struct entry {
    char *sql;
    MYSQL_STMT *st;
    unsigned long long used;   /* the tick of its last use */
};

struct store_stmtcache {
    struct entry e[STORE_STMTCACHE_SIZE];
    unsigned n;
    unsigned long long tick;
};

MYSQL_STMT *store_stmtcache_get(struct store_stmtcache **cache, const char *sql)
{
    struct store_stmtcache *c = *cache;

    if (c == NULL)
        return NULL;
    for (unsigned i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].sql, sql) == 0) {
            c->e[i].used = ++c->tick;
            return c->e[i].st;
        }
    }
    return NULL;
}

int store_stmtcache_put(struct store_stmtcache **cache, const char *sql, MYSQL_STMT *st)
{
    struct store_stmtcache *c = *cache;
    struct entry *slot;
    char *copy;

    if (c == NULL && (c = *cache = calloc(1, sizeof *c)) == NULL)
        return -1;
    copy = strdup(sql);
    if (copy == NULL)
        return -1;
    if (c->n < STORE_STMTCACHE_SIZE) {
        slot = &c->e[c->n++];
    } else {
        slot = &c->e[0];
        for (unsigned i = 1; i < c->n; i++)
            if (c->e[i].used < slot->used)
                slot = &c->e[i];
        mysql_stmt_close(slot->st);
        free(slot->sql);
    }
    slot->sql = copy;
    slot->st = st;
    slot->used = ++c->tick;
    return 0;
}

void store_stmtcache_clear(struct store_stmtcache **cache)
{
    struct store_stmtcache *c = *cache;

    if (c == NULL)
        return;
    for (unsigned i = 0; i < c->n; i++) {
        mysql_stmt_close(c->e[i].st);
        free(c->e[i].sql);
    }
    free(c);
    *cache = NULL;
}
