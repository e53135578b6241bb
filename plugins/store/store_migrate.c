/* store_migrate.c - schema migrations, applied once per database. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_conn.h"
#include "store_migrate.h"
#include "store_state.h"
#include "store_stmt.h"

/* Seconds a host waits for another host's migration run. */
#define LOCK_WAIT_S 60
/* A migration file larger than this is a data dump, not a migration. */
#define MAX_FILE_BYTES (16u << 20)

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " plugin VARCHAR(64) NOT NULL,"
    " version BIGINT UNSIGNED NOT NULL,"
    " name VARCHAR(255) NOT NULL,"
    " checksum CHAR(16) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    " PRIMARY KEY (plugin, version)"
    ") ENGINE=InnoDB";

/* Who waits for a run's answer. */
struct waiter {
    store_migrate_fn cb;
    void *ud;
    struct waiter *next;
};

struct run {
    struct waiter *waiters;    /* in order of asking */
    int status;
    json_t *applied;
    char err[1024];
};

int store_migrations_register(cami_plugin *self, const char *dir)
{
    struct store_migset *grown, *set;
    char err[768];
    const char *name = cami_plugin_name(self);

    if (store_g.started)
        return CAMI_ESTATE;
    if (dir == NULL || dir[0] == '\0')
        return CAMI_EINVAL;
    for (size_t i = 0; i < store_g.nmigs; i++) {
        if (strcmp(store_g.migs[i].plugin, name) == 0) {
            cami_log(self, CAMI_LOG_ERROR, "migrations: a folder is registered already (%s)",
                     store_g.migs[i].dir);
            return CAMI_EINVAL;
        }
    }
    grown = realloc(store_g.migs, (store_g.nmigs + 1) * sizeof *grown);
    if (grown == NULL)
        return CAMI_ENOMEM;
    store_g.migs = grown;
    set = &store_g.migs[store_g.nmigs];
    memset(set, 0, sizeof *set);
    if (store_migfile_list(dir, &set->files, &set->n, err, sizeof err) != 0) {
        cami_log(self, CAMI_LOG_ERROR, "migrations: %s", err);
        return CAMI_EINVAL;
    }
    set->plugin = strdup(name);
    set->dir = strdup(dir);
    if (set->plugin == NULL || set->dir == NULL) {
        free(set->plugin);
        free(set->dir);
        store_migfile_free(set->files, set->n);
        return CAMI_ENOMEM;
    }
    store_g.nmigs++;
    cami_log(self, CAMI_LOG_DEBUG, "migrations: %zu file(s) in %s", set->n, dir);
    return CAMI_OK;
}

int store_migration_add(cami_plugin *self, const char *name, const char *sql)
{
    const char *plugin = cami_plugin_name(self);
    struct store_migset *set = NULL;
    struct store_migfile *grown;
    unsigned long long version;
    char err[768];

    if (store_g.started)
        return CAMI_ESTATE;
    if (name == NULL || sql == NULL || store_migfile_name(name, &version) != 1) {
        cami_log(self, CAMI_LOG_ERROR, "migration_add: '%s' is not a migration name "
                                       "(NNNN_description.sql)", name != NULL ? name : "(null)");
        return CAMI_EINVAL;
    }
    for (size_t i = 0; i < store_g.nmigs; i++)
        if (strcmp(store_g.migs[i].plugin, plugin) == 0)
            set = &store_g.migs[i];
    if (set != NULL && strcmp(set->dir, BUILTIN_DIR) != 0) {
        cami_log(self, CAMI_LOG_ERROR, "migration_add: a folder is registered already (%s); "
                                       "use one or the other", set->dir);
        return CAMI_EINVAL;
    }
    if (set == NULL) {
        struct store_migset *migs = realloc(store_g.migs, (store_g.nmigs + 1) * sizeof *migs);
        if (migs == NULL)
            return CAMI_ENOMEM;
        store_g.migs = migs;
        set = &store_g.migs[store_g.nmigs];
        memset(set, 0, sizeof *set);
        set->plugin = strdup(plugin);
        set->dir = strdup(BUILTIN_DIR);
        if (set->plugin == NULL || set->dir == NULL) {
            free(set->plugin);
            free(set->dir);
            return CAMI_ENOMEM;
        }
        store_g.nmigs++;
    }
    grown = realloc(set->files, (set->n + 1) * sizeof *grown);
    if (grown == NULL)
        return CAMI_ENOMEM;
    set->files = grown;
    grown[set->n] = (struct store_migfile){ version, strdup(name), strdup(sql) };
    if (grown[set->n].name == NULL || grown[set->n].text == NULL) {
        free(grown[set->n].name);
        free(grown[set->n].text);
        return CAMI_ENOMEM;
    }
    set->n++;
    if (store_migfile_sort(set->files, set->n, err, sizeof err) != 0) {
        cami_log(self, CAMI_LOG_ERROR, "migration_add: %s", err);
        set->n--;
        free(set->files[set->n].name);
        free(set->files[set->n].text);
        return CAMI_EINVAL;
    }
    return CAMI_OK;
}

void store_migrations_free(void)
{
    for (size_t i = 0; i < store_g.nmigs; i++) {
        free(store_g.migs[i].plugin);
        free(store_g.migs[i].dir);
        store_migfile_free(store_g.migs[i].files, store_g.migs[i].n);
    }
    free(store_g.migs);
    store_g.migs = NULL;
    store_g.nmigs = 0;
}

/* ---- the run, on a pool thread ------------------------------------------ */

static int read_file(const char *dir, const char *name, char **text, size_t *len, char *err,
                     size_t errlen)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    FILE *f;
    long size;

    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sprintf(path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    free(path);
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (unsigned long)size > MAX_FILE_BYTES) {
        snprintf(err, errlen, "cannot read %s/%s (or larger than %u bytes)", dir, name,
                 MAX_FILE_BYTES);
        fclose(f);
        return -1;
    }
    *text = malloc((size_t)size + 1);
    if (*text == NULL || fread(*text, 1, (size_t)size, f) != (size_t)size) {
        snprintf(err, errlen, "cannot read %s/%s", dir, name);
        free(*text);
        *text = NULL;
        fclose(f);
        return -1;
    }
    (*text)[size] = '\0';
    *len = (size_t)size;
    fclose(f);
    return 0;
}

/* One prepared statement; rows in *rows when rows is not NULL. */
static int stmt(MYSQL *m, const char *sql, json_t *params, json_t **rows, struct run *r)
{
    struct store_stmt_out out;
    int rc = store_stmt_run(m, NULL, sql, params, rows == NULL, 0, &out);

    json_decref(params);
    if (rc != CAMI_OK) {
        snprintf(r->err, sizeof r->err, "%s", out.err);
        return rc;
    }
    if (rows != NULL)
        *rows = out.result;
    else
        json_decref(out.result);
    return CAMI_OK;
}

/* The recorded checksum of (plugin, version), or NULL when not applied. */
static const char *recorded(json_t *rows, unsigned long long version)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        json_t *v = json_object_get(row, "version");
        unsigned long long rv = json_is_integer(v) ? (unsigned long long)json_integer_value(v)
                                                   : strtoull(json_string_value(v) ? json_string_value(v) : "0", NULL, 10);

        if (rv == version)
            return json_string_value(json_object_get(row, "checksum"));
    }
    return NULL;
}

static int apply_file(MYSQL *m, const struct store_migset *set, const struct store_migfile *mf,
                      const char *text, size_t len, const char *sum, struct run *r)
{
    const char *sql;
    size_t sql_len, pos = 0;
    unsigned nth = 0;
    int broken = 0, rc;
    char why[STORE_ERRLEN];

    rc = store_conn_run(m, "START TRANSACTION", why, sizeof why, &broken);
    while (rc == CAMI_OK && store_sql_next(text, len, &pos, &sql, &sql_len)) {
        nth++;
        if (mysql_real_query(m, sql, (unsigned long)sql_len) != 0) {
            rc = store_conn_error(mysql_errno(m), mysql_error(m), mysql_sqlstate(m), why,
                                  sizeof why);
            break;
        }
        MYSQL_RES *res = mysql_store_result(m);

        if (res != NULL)
            mysql_free_result(res);
    }
    if (rc == CAMI_OK) {
        rc = stmt(m, "INSERT INTO schema_migrations (plugin, version, name, checksum) "
                     "VALUES (?, ?, ?, ?)",
                  json_pack("[s,I,s,s]", set->plugin, (json_int_t)mf->version, mf->name, sum),
                  NULL, r);
        if (rc != CAMI_OK)
            snprintf(why, sizeof why, "%.500s", r->err);
    }
    if (rc == CAMI_OK)
        rc = store_conn_run(m, "COMMIT", why, sizeof why, &broken);
    if (rc != CAMI_OK) {
        char ignored[STORE_ERRLEN];

        (void)store_conn_run(m, "ROLLBACK", ignored, sizeof ignored, &broken);
        snprintf(r->err, sizeof r->err,
                 "migration %s/%s failed at statement %u: %s (DDL before it is committed: "
                 "MariaDB commits DDL implicitly)", set->dir, mf->name, nth, why);
        return rc;
    }
    return CAMI_OK;
}

/* Check every applied file, then apply the pending ones, set by set. */
static int migrate_all(MYSQL *m, struct run *r)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < store_g.nmigs; i++) {
            const struct store_migset *set = &store_g.migs[i];
            json_t *rows = NULL;
            int rc = stmt(m, "SELECT version, checksum FROM schema_migrations WHERE plugin = ?",
                          json_pack("[s]", set->plugin), &rows, r);

            if (rc != CAMI_OK)
                return rc;
            for (size_t k = 0; k < set->n && rc == CAMI_OK; k++) {
                const struct store_migfile *mf = &set->files[k];
                const char *was = recorded(rows, mf->version);
                char *text = NULL, sum[17];
                size_t len = 0;

                if (pass == 1 && was != NULL)
                    continue;
                if (mf->text != NULL) {
                    len = strlen(mf->text);
                    text = strdup(mf->text);
                    if (text == NULL) {
                        snprintf(r->err, sizeof r->err, "out of memory");
                        rc = CAMI_ENOMEM;
                        break;
                    }
                } else if (read_file(set->dir, mf->name, &text, &len, r->err, sizeof r->err) != 0) {
                    rc = CAMI_EFAIL;
                    break;
                }
                store_checksum_hex(text, len, sum);
                if (pass == 0 && was != NULL && strcmp(was, sum) != 0) {
                    snprintf(r->err, sizeof r->err,
                             "migration %s/%s was changed after it was applied (checksum %s, "
                             "recorded %s): restore it and add a new migration instead",
                             set->dir, mf->name, sum, was);
                    rc = CAMI_EINVAL;
                } else if (pass == 1) {
                    rc = apply_file(m, set, mf, text, len, sum, r);
                    if (rc == CAMI_OK) {
                        cami_log(store_g.self, CAMI_LOG_INFO, "applied migration %s/%s",
                                 set->plugin, mf->name);
                        if (json_array_append_new(r->applied,
                                                  json_pack("{s:s,s:I,s:s}", "plugin",
                                                            set->plugin, "version",
                                                            (json_int_t)mf->version, "name",
                                                            mf->name)) != 0)
                            rc = CAMI_ENOMEM;
                    }
                }
                free(text);
            }
            json_decref(rows);
            if (rc != CAMI_OK)
                return rc;
        }
    }
    return CAMI_OK;
}

static void run_work(void *ud)
{
    struct run *r = ud;
    MYSQL *m = NULL;
    json_t *rows = NULL;
    int rc;

    r->applied = json_array();
    if (r->applied == NULL) {
        r->status = CAMI_ENOMEM;
        snprintf(r->err, sizeof r->err, "out of memory");
        return;
    }
    rc = store_conn_open(&m, &store_g.cfg, 1, r->err, sizeof r->err);
    if (rc == CAMI_OK)
        rc = stmt(m, "SELECT GET_LOCK('cami_migrations', ?) AS got",
                  json_pack("[i]", LOCK_WAIT_S), &rows, r);
    if (rc == CAMI_OK &&
        json_integer_value(json_object_get(json_array_get(rows, 0), "got")) != 1) {
        snprintf(r->err, sizeof r->err,
                 "another host held the migrations lock for more than %d s", LOCK_WAIT_S);
        rc = CAMI_ETIMEDOUT;
    }
    json_decref(rows);
    if (rc == CAMI_OK) {
        rc = stmt(m, create_table, NULL, NULL, r);
        if (rc == CAMI_OK)
            rc = migrate_all(m, r);
        /* Closing the connection releases the lock too; say it explicitly. */
        struct store_stmt_out out;

        if (store_stmt_run(m, NULL, "SELECT RELEASE_LOCK('cami_migrations')", NULL, 0, 0,
                           &out) !=
            CAMI_OK)
            cami_log(store_g.self, CAMI_LOG_DEBUG, "RELEASE_LOCK: %s; closing releases it",
                     out.err);
        json_decref(out.result);
    }
    store_conn_close(&m);
    r->status = rc;
}

/* The run in progress in this worker. A request made while it runs gets its
 * answer: the folders cannot change after init, so a second run would only
 * find nothing left to do (and `camid --migrate` would report nothing). */
static struct run *inflight;

static void run_done(void *ud, int wstatus)
{
    struct run *r = ud;
    struct waiter *w;

    inflight = NULL;
    if (wstatus != CAMI_OK) {
        r->status = CAMI_ESTATE;
        snprintf(r->err, sizeof r->err, "camid is shutting down");
    }
    while ((w = r->waiters) != NULL) {
        r->waiters = w->next;
        w->cb(r->status, r->status == CAMI_OK ? r->applied : NULL,
              r->status == CAMI_OK ? NULL : r->err, w->ud);
        free(w);
    }
    json_decref(r->applied);
    free(r);
}

int store_migrate_submit(store_migrate_fn cb, void *ud)
{
    struct waiter *w = calloc(1, sizeof *w), **last;
    struct run *r;
    int rc;

    if (w == NULL)
        return CAMI_ENOMEM;
    w->cb = cb;
    w->ud = ud;
    if (inflight != NULL) {
        for (last = &inflight->waiters; *last != NULL; last = &(*last)->next)
            ;
        *last = w;
        return CAMI_OK;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        free(w);
        return CAMI_ENOMEM;
    }
    r->waiters = w;
    rc = cami_work_submit(store_g.self, run_work, run_done, r);
    if (rc != CAMI_OK) {
        free(w);
        free(r);
        return rc;
    }
    inflight = r;
    return CAMI_OK;
}
