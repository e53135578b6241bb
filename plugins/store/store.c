/*
 * store.c - the store plugin: MariaDB for every plugin, as service "store"
 * v1 (sdk/include/cami/store.h), and the bus tasks store.migrate and
 * store.stats.
 *
 * Nothing here connects during init (camid -t runs init): connections open
 * lazily in pool jobs, and migrations run in a job from start(). Until that
 * run is done, queries already run: there is no gate, so a plugin whose
 * tables may be missing on a fresh database sees CAMI_EINVAL ("table
 * doesn't exist") for the first moments, or the admin runs camid --migrate.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

#include "store_builtin.h"
#include "store_config.h"
#include "store_job.h"
#include "store_migrate.h"
#include "store_param.h"
#include "store_pool.h"
#include "store_resource.h"
#include "store_state.h"
#include "store_tx.h"

struct store_state store_g;

/* ---- the service -------------------------------------------------------- */

static struct store_job *new_call(cami_plugin *self, enum store_job_kind kind, const char *sql,
                                  json_t *params, cami_store_fn cb, void *ud, int *rc)
{
    char why[256];
    struct store_job *job;

    if (self == NULL || sql == NULL || cb == NULL) {
        json_decref(params);
        *rc = CAMI_EINVAL;
        return NULL;
    }
    if (store_params_check(params, why, sizeof why) != 0) {
        cami_log(self, CAMI_LOG_WARN, "store: %s", why);
        json_decref(params);
        *rc = CAMI_EINVAL;
        return NULL;
    }
    job = store_job_new(kind, self, sql, params, ud);
    if (job == NULL) {
        *rc = CAMI_ENOMEM;
        return NULL;
    }
    job->cb = cb;
    *rc = CAMI_OK;
    return job;
}

static int pool_call(cami_plugin *self, enum store_job_kind kind, const char *sql,
                     json_t *params, cami_store_fn cb, void *ud)
{
    struct store_job *job;
    int rc;

    if (store_g.stopping) {
        json_decref(params);
        return CAMI_ESTATE;
    }
    job = new_call(self, kind, sql, params, cb, ud, &rc);
    if (job == NULL)
        return rc;
    rc = store_pool_submit(job);
    if (rc != CAMI_OK)
        store_job_free(job);
    return rc;
}

int store_list_submit(cami_plugin *self, const char *sql, json_t *params, const char *count_sql,
                      json_t *count_params, size_t offset, size_t limit,
                      const struct store_list_writer *writer, cami_store_fn cb, void *ud)
{
    struct store_job *job;
    int rc;

    if (store_g.stopping) {
        json_decref(params);
        json_decref(count_params);
        return CAMI_ESTATE;
    }
    job = new_call(self, JOB_LIST, sql, params, cb, ud, &rc);
    if (job == NULL) {
        json_decref(count_params);
        return rc;
    }
    job->count_params = count_params;
    job->count_sql = strdup(count_sql);
    job->offset = offset;
    job->limit = limit;
    job->writer = *writer;
    if (job->count_sql == NULL) {
        store_job_free(job);
        return CAMI_ENOMEM;
    }
    rc = store_pool_submit(job);
    if (rc != CAMI_OK)
        store_job_free(job);
    return rc;
}

static int svc_query(cami_plugin *self, const char *sql, json_t *params, cami_store_fn cb,
                     void *ud)
{
    return pool_call(self, JOB_QUERY, sql, params, cb, ud);
}

static int svc_exec(cami_plugin *self, const char *sql, json_t *params, cami_store_fn cb,
                    void *ud)
{
    return pool_call(self, JOB_EXEC, sql, params, cb, ud);
}

static int svc_begin(cami_plugin *self, cami_store_tx_fn cb, void *ud)
{
    struct store_job *job;
    int rc;

    if (self == NULL || cb == NULL)
        return CAMI_EINVAL;
    if (store_g.stopping)
        return CAMI_ESTATE;
    job = store_job_new(JOB_BEGIN, self, NULL, NULL, ud);
    if (job == NULL)
        return CAMI_ENOMEM;
    job->begin_cb = cb;
    rc = store_pool_submit(job);
    if (rc != CAMI_OK)
        store_job_free(job);
    return rc;
}

static int tx_call(cami_store_tx *tx, enum store_job_kind kind, const char *sql, json_t *params,
                   cami_store_fn cb, void *ud)
{
    struct store_job *job;
    int rc;

    if (tx == NULL) {
        json_decref(params);
        return CAMI_EINVAL;
    }
    job = new_call(store_tx_owner(tx), kind, sql, params, cb, ud, &rc);
    if (job == NULL)
        return rc;
    rc = store_tx_submit(tx, job);
    if (rc != CAMI_OK)
        store_job_free(job);
    return rc;
}

static int svc_tx_query(cami_store_tx *tx, const char *sql, json_t *params, cami_store_fn cb,
                        void *ud)
{
    return tx_call(tx, JOB_QUERY, sql, params, cb, ud);
}

static int svc_tx_exec(cami_store_tx *tx, const char *sql, json_t *params, cami_store_fn cb,
                       void *ud)
{
    return tx_call(tx, JOB_EXEC, sql, params, cb, ud);
}

static int svc_commit(cami_store_tx *tx, cami_store_fn cb, void *ud)
{
    return tx_call(tx, JOB_COMMIT, "COMMIT", NULL, cb, ud);
}

static int svc_rollback(cami_store_tx *tx, cami_store_fn cb, void *ud)
{
    return tx_call(tx, JOB_ROLLBACK, "ROLLBACK", NULL, cb, ud);
}

static int svc_migrations(cami_plugin *self, const char *dir)
{
    if (self == NULL)
        return CAMI_EINVAL;
    return store_migrations_register(self, dir);
}

static int svc_resource_add(cami_plugin *self, const json_t *spec,
                            const cami_store_resource_hooks *hooks, void *ud)
{
    struct resource *r;
    char err[400];
    int rc;

    if (self == NULL || spec == NULL)
        return CAMI_EINVAL;
    if (store_g.started)
        return CAMI_ESTATE;
    if (hooks != NULL && hooks->size < sizeof(uint32_t))
        return CAMI_EINVAL;
    r = rspec_parse(spec, err, sizeof err);
    if (r == NULL) {
        const json_t *name = json_object_get(spec, "name");
        cami_log(self, CAMI_LOG_ERROR, "resource %s: %s",
                 json_is_string(name) ? json_string_value(name) : "(unnamed)", err);
        return CAMI_EINVAL;
    }
    r->plugin = self;
    r->ud = ud;
    if (hooks != NULL) /* an older, shorter struct: the members it has */
        memcpy(&r->hooks, hooks,
               hooks->size < sizeof r->hooks ? hooks->size : sizeof r->hooks);
    r->hooks.size = sizeof r->hooks;
    rc = rhttp_register(r);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "resource %s: cannot register its routes (%d)", r->name,
                 rc);
        resource_free(r);
        return rc;
    }
    r->next = store_g.resources;
    store_g.resources = r;
    cami_log(self, CAMI_LOG_DEBUG, "resource %s at %s (table %s)", r->name, r->base_path,
             r->table);
    return CAMI_OK;
}

static int svc_migration_add(cami_plugin *self, const char *name, const char *sql)
{
    if (self == NULL)
        return CAMI_EINVAL;
    return store_migration_add(self, name, sql);
}

static const cami_store_v1 store_iface = {
    .size = sizeof(cami_store_v1),
    .query = svc_query,
    .exec = svc_exec,
    .begin = svc_begin,
    .tx_query = svc_tx_query,
    .tx_exec = svc_tx_exec,
    .commit = svc_commit,
    .rollback = svc_rollback,
    .migrations = svc_migrations,
    .resource_add = svc_resource_add,
    .migration_add = svc_migration_add,
};

const cami_store_v1 *store_service(void)
{
    return &store_iface;
}

/* The store's own tables and resources, compiled in (store_builtin.c). */
static int add_builtins(cami_plugin *self)
{
    for (const struct embedded_file *f = store_builtin; f->name != NULL; f++) {
        int rc = CAMI_OK;
        if (strncmp(f->name, "migrations/", 11) == 0) {
            rc = store_migration_add(self, f->name + 11, f->text);
        } else if (strncmp(f->name, "resources/", 10) == 0 && store_g.cfg.resources) {
            json_error_t jerr;
            json_t *spec = json_loads(f->text, 0, &jerr);
            if (spec == NULL) {
                cami_log(self, CAMI_LOG_ERROR, "%s:%d: %s", f->name, jerr.line, jerr.text);
                return CAMI_EINVAL;
            }
            rc = svc_resource_add(self, spec, NULL, NULL);
            json_decref(spec);
        }
        if (rc != CAMI_OK)
            return rc;
    }
    return CAMI_OK;
}

static void store_resources_free(void)
{
    while (store_g.resources != NULL) {
        struct resource *r = store_g.resources;
        store_g.resources = r->next;
        resource_free(r);
    }
}

/* ---- migrations: at start and as the task store.migrate ----------------- */

static void migrated_at_start(int status, json_t *applied, const char *error, void *ud)
{
    (void)ud;
    store_g.migrating = 0;
    rlearn_forget_all();   /* migrations may have added or dropped indexes */
    if (status != CAMI_OK)
        cami_log(store_g.self, CAMI_LOG_ERROR, "migrations not applied: %s", error);
    else
        cami_log(store_g.self, CAMI_LOG_INFO, "migrations: %zu applied, schema up to date",
                 json_array_size(applied));
}

static void migrated_for_task(int status, json_t *applied, const char *error, void *ud)
{
    cami_task *task = ud;
    int rc;

    rlearn_forget_all();   /* migrations may have added or dropped indexes */
    if (status != CAMI_OK)
        rc = cami_task_fail(task, error);
    else
        rc = cami_task_reply(task, json_pack("{s:O}", "applied", applied));
    if (rc != CAMI_OK)
        cami_log(store_g.self, CAMI_LOG_ERROR, "cannot answer task store.migrate (%d)", rc);
}

static int task_migrate(cami_task *task, json_t *args, void *ud)
{
    int rc;

    (void)ud;
    if (args != NULL && !json_is_null(args) &&
        !(json_is_object(args) && json_object_size(args) == 0))
        return cami_task_fail(task, "store.migrate takes no arguments: send {}");
    if (store_g.stopping)
        return cami_task_fail(task, "the store is stopping");
    rc = store_migrate_submit(migrated_for_task, task);
    if (rc != CAMI_OK)
        return rc;
    return CAMI_PENDING;
}

/* ---- the task store.stats: this worker's pool, for tuning pool_size ------ */

static int task_stats(cami_task *task, json_t *args, void *ud)
{
    unsigned idle = 0, waiting = 0;

    (void)ud;
    if (args != NULL && !json_is_null(args) &&
        !(json_is_object(args) && json_object_size(args) == 0))
        return cami_task_fail(task, "store.stats takes no arguments: send {}");
    for (const struct store_conn *c = store_g.idle; c != NULL; c = c->next)
        idle++;
    for (const struct store_job *j = store_g.wait_head; j != NULL; j = j->next)
        waiting++;
    return cami_task_reply(
        task, json_pack("{s:i,s:i,s:i,s:i,s:I,s:I,s:b,s:i}", "pid", (int)getpid(),
                        "pool_size", (int)store_g.nconns, "idle", (int)idle,
                        "waiting", (int)waiting, "statements_on_loop",
                        (json_int_t)store_g.ran_on_loop, "statements_on_pool",
                        (json_int_t)store_g.ran_on_pool, "database_down", store_g.down,
                        "open_transactions", store_tx_count()));
}

/* ---- life cycle ---------------------------------------------------------- */

static int store_init(cami_plugin *self)
{
    int rc;

    store_g.self = self;
    rc = store_config_read(self, &store_g.cfg);
    if (rc != CAMI_OK)
        return rc;
    /* Not thread-safe: done here, before any pool thread calls mysql_init. */
    if (mysql_library_init(0, NULL, NULL) != 0) {
        cami_log(self, CAMI_LOG_ERROR, "cannot initialise MariaDB Connector/C");
        return CAMI_EFAIL;
    }
    rc = cami_task_register(self, "store.migrate", task_migrate, NULL);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot register task store.migrate (%d)", rc);
        goto fail;
    }
    rc = cami_task_register(self, "store.stats", task_stats, NULL);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot register task store.stats (%d)", rc);
        goto fail;
    }
    rc = store_pool_init(store_g.cfg.pool_size);
    if (rc != CAMI_OK)
        goto fail;
    rc = add_builtins(self);
    if (rc != CAMI_OK) {
        store_migrations_free();
        store_resources_free();
        store_pool_fini();
        goto fail;
    }
    rc = cami_service_provide(self, CAMI_STORE_SERVICE, CAMI_STORE_VERSION, &store_iface,
                              sizeof store_iface);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot provide service store (%d)", rc);
        store_pool_fini();
        goto fail;
    }
    if (store_g.cfg.socket != NULL)
        cami_log(self, CAMI_LOG_INFO, "database %s as %s on %s, %u connection(s)",
                 store_g.cfg.database, store_g.cfg.user, store_g.cfg.socket,
                 store_g.cfg.pool_size);
    else
        cami_log(self, CAMI_LOG_INFO, "database %s as %s on %s:%u, %u connection(s)",
                 store_g.cfg.database, store_g.cfg.user, store_g.cfg.host, store_g.cfg.port,
                 store_g.cfg.pool_size);
    return CAMI_OK;
fail:
    mysql_library_end();
    return rc;
}

static int store_start(cami_plugin *self)
{
    int rc;

    store_g.started = 1;
    if (!store_g.cfg.migrate_on_start || store_g.nmigs == 0)
        return CAMI_OK;
    rc = store_migrate_submit(migrated_at_start, NULL);
    store_g.migrating = rc == CAMI_OK;
    if (rc != CAMI_OK)
        cami_log(self, CAMI_LOG_ERROR, "cannot start the migrations (%d)", rc);
    return rc;
}

static void store_stop(cami_plugin *self)
{
    (void)self;
    store_g.stopping = 1;
}

static void store_fini(cami_plugin *self)
{
    (void)self;
    store_tx_fini_all();
    store_pool_fini();
    store_migrations_free();
    store_resources_free();
    /* Only the store uses Connector/C in camid; its global state goes with it. */
    mysql_library_end();
    store_g = (struct store_state){ 0 };
}

CAMI_PLUGIN(store, "1.0.0", "MariaDB for every plugin: the store service v1 and migrations",
            .init = store_init, .start = store_start, .stop = store_stop, .fini = store_fini,
            .config_schema = store_config_schema);
