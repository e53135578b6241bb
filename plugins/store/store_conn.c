/* store_conn.c - opening and closing one MariaDB connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cami/store.h>

#include "store_conn.h"
#include "store_errmap.h"

/* A read that outlasts max_statement_time by this much means the server or
 * the network is stuck: the connection is given up. */
#define READ_SLACK_S 5u

unsigned long long store_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

int store_conn_error(unsigned code, const char *message, const char *sqlstate, char *err,
                     size_t errlen)
{
    snprintf(err, errlen, "%s (MariaDB error %u, SQLSTATE %s)", message, code,
             sqlstate != NULL && *sqlstate ? sqlstate : "HY000");
    return store_errmap(code);
}

unsigned store_error_code(const char *error)
{
    static const char mark[] = "(MariaDB error ";
    const char *at = NULL, *p = error;
    char *end;
    unsigned long code;

    /* The last one: the server's message before it may quote anything. */
    while (p != NULL && (p = strstr(p, mark)) != NULL)
        at = p++;
    if (at == NULL)
        return 0;
    code = strtoul(at + sizeof mark - 1, &end, 10);
    return *end == ',' && code <= 65535 ? (unsigned)code : 0;
}

static unsigned seconds_up(unsigned ms)
{
    return (ms + 999u) / 1000u;
}

int store_conn_open(MYSQL **out, const struct store_config *cfg, int long_running, char *err,
                    size_t errlen)
{
    MYSQL *m = mysql_init(NULL);
    unsigned connect_s = seconds_up(cfg->connect_timeout_ms);
    unsigned rw_s = seconds_up(cfg->query_timeout_ms) + READ_SLACK_S;
    my_bool off = 0;
    int rc;

    if (m == NULL) {
        snprintf(err, errlen, "out of memory for a MariaDB connection");
        return CAMI_ENOMEM;
    }
    if (mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s) != 0 ||
        mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4") != 0 ||
        mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off) != 0 ||
        mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &off) != 0 ||
        /* pooled connections may also run statements on the loop
         * (store_fast.c); the blocking calls work as before */
        (!long_running && mysql_options(m, MYSQL_OPT_NONBLOCK, 0) != 0) ||
        (!long_running && cfg->query_timeout_ms > 0 &&
         (mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rw_s) != 0 ||
          mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_s) != 0))) {
        snprintf(err, errlen, "cannot set connection options: %s", mysql_error(m));
        mysql_close(m);
        return CAMI_EFAIL;
    }
    if (mysql_real_connect(m, cfg->socket != NULL ? "localhost" : cfg->host, cfg->user,
                           cfg->password, cfg->database, cfg->socket != NULL ? 0 : cfg->port,
                           cfg->socket, 0) == NULL) {
        char why[STORE_ERRLEN];

        store_conn_error(mysql_errno(m), mysql_error(m), mysql_sqlstate(m), why, sizeof why);
        if (cfg->socket != NULL)
            snprintf(err, errlen, "cannot connect to MariaDB at %s as %s: %s", cfg->socket,
                     cfg->user, why);
        else
            snprintf(err, errlen, "cannot connect to MariaDB at %s:%u as %s: %s", cfg->host,
                     cfg->port, cfg->user, why);
        mysql_close(m);
        return CAMI_STORE_EDOWN;
    }
    if (!long_running && cfg->query_timeout_ms > 0) {
        char sql[80];
        int broken = 0;

        snprintf(sql, sizeof sql, "SET SESSION max_statement_time = %u.%03u",
                 cfg->query_timeout_ms / 1000u, cfg->query_timeout_ms % 1000u);
        rc = store_conn_run(m, sql, err, errlen, &broken);
        if (rc != CAMI_OK) {
            mysql_close(m);
            return broken ? CAMI_STORE_EDOWN : rc;
        }
    }
    *out = m;
    return CAMI_OK;
}

void store_conn_close(MYSQL **mysql)
{
    if (*mysql != NULL) {
        mysql_close(*mysql);
        *mysql = NULL;
    }
}

void store_conn_drop(struct store_conn *conn)
{
    store_stmtcache_clear(&conn->stmts);
    store_conn_close(&conn->mysql);
}

int store_conn_run(MYSQL *mysql, const char *sql, char *err, size_t errlen, int *broken)
{
    if (mysql_real_query(mysql, sql, strlen(sql)) == 0) {
        MYSQL_RES *res = mysql_store_result(mysql);

        /* A fixed statement returns no rows; drain any to keep the protocol in step. */
        if (res != NULL)
            mysql_free_result(res);
        if (mysql_errno(mysql) == 0)
            return CAMI_OK;
    }
    *broken = store_err_broken(mysql_errno(mysql));
    return store_conn_error(mysql_errno(mysql), mysql_error(mysql), mysql_sqlstate(mysql), err,
                            errlen);
}
