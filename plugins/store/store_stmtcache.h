/*
 * store_stmtcache.h - a connection's prepared statements, kept by SQL text.
 *
 * Preparing costs a round trip to the server; plugins run the same few
 * statements over and over, so each connection keeps up to
 * STORE_STMTCACHE_SIZE of them (least recently used out). Used only by the
 * job that owns the connection.
 */
#ifndef STORE_STMTCACHE_H
#define STORE_STMTCACHE_H

#include <mysql.h>

#define STORE_STMTCACHE_SIZE 64

struct store_stmtcache;

/* The statement prepared for `sql`, or NULL. */
MYSQL_STMT *store_stmtcache_get(struct store_stmtcache **cache, const char *sql);

/* Keep `st` for `sql` (the cache owns it from now on, closing the least
 * recently used statement if full). Returns 0, or -1 out of memory: the
 * caller still owns st. */
int store_stmtcache_put(struct store_stmtcache **cache, const char *sql, MYSQL_STMT *st);

/* Close every statement and free the cache; before mysql_close. */
void store_stmtcache_clear(struct store_stmtcache **cache);

#endif
