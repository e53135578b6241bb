/*
 * store_conn.h - one MariaDB connection: open, close, fixed statements.
 *
 * Called on pool threads by the job that owns the connection (never on the
 * loop thread, except store_conn_close at fini).
 */
#ifndef STORE_CONN_H
#define STORE_CONN_H

#include <stddef.h>
#include <mysql.h>

#include "store_config.h"
#include "store_stmtcache.h"

/* Error texts are cut to this size. */
#define STORE_ERRLEN 512

/* A pooled connection: idle in the pool, or owned by one job or one open
 * transaction. mysql NULL: closed (never opened, or broken and closed). */
struct store_fast;

struct store_conn {
    MYSQL *mysql;
    struct store_stmtcache *stmts;     /* statements prepared on mysql */
    unsigned long long last_used_ms;   /* store_mono_ms() when a job last ran */
    unsigned id;                       /* 1.. for log lines */
    struct store_fast *fast;           /* the loop's watch on it (store_fast.c), or NULL */
    struct store_conn *next;           /* the pool's idle list */
};

/*
 * store_conn_open - connect with cfg. long_running: no read/write timeout
 * and no max_statement_time (migrations may run long DDL). Returns CAMI_OK
 * with *out set, or CAMI_STORE_EDOWN with the reason in err.
 */
int store_conn_open(MYSQL **out, const struct store_config *cfg, int long_running, char *err,
                    size_t errlen);

void store_conn_close(MYSQL **mysql);

/* Close a pooled connection: its statements, then the link. */
void store_conn_drop(struct store_conn *conn);

/* Run a fixed statement that returns no rows (START TRANSACTION, COMMIT...).
 * Returns CAMI_OK or a store status with err set; *broken is set when the
 * connection must be closed. */
int store_conn_run(MYSQL *mysql, const char *sql, char *err, size_t errlen, int *broken);

/* Format a connector error as "message (MariaDB error N, SQLSTATE S)" and
 * return its store status. */
int store_conn_error(unsigned code, const char *message, const char *sqlstate, char *err,
                     size_t errlen);
/* The server's error code in a text store_conn_error wrote ("... (MariaDB
 * error N, SQLSTATE ...)"), or 0 when it has none. */
unsigned store_error_code(const char *error);

/* Monotonic milliseconds, for telling a read timeout from a lost server. */
unsigned long long store_mono_ms(void);

#endif
