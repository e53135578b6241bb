/*
 * store_migrate.h - applying the plugins' schema migrations.
 *
 * Plugins register their folders during init (store.h, `migrations`); a
 * migration run applies every pending file of every folder on a connection
 * of its own (no statement timeout: DDL may take long), under
 * GET_LOCK('cami_migrations', 60) so hosts starting together take turns,
 * and records each file in schema_migrations. Loop thread, except the run
 * itself (a pool thread).
 */
#ifndef STORE_MIGRATE_H
#define STORE_MIGRATE_H

#include <cami/cami.h>

#include "store_migfile.h"

struct store_migset {
    char *plugin;                  /* the registering plugin's name */
    char *dir;
    struct store_migfile *files;   /* sorted by version */
    size_t n;
};

/* The `dir` of a plugin's migrations that were added from memory. */
#define BUILTIN_DIR "(built in)"

/* Add one built-in migration for plugin `self` (store.h `migration_add`). */
int store_migration_add(cami_plugin *self, const char *name, const char *sql);

/* Register `dir` for plugin `self` (store.h `migrations`). */
int store_migrations_register(cami_plugin *self, const char *dir);

void store_migrations_free(void);

/* The answer of a run: CAMI_OK and the list of files applied now
 * ([{"plugin","version","name"}], borrowed), or an error and its text. */
typedef void (*store_migrate_fn)(int status, json_t *applied, const char *error, void *ud);

/* Start a run, or join the one in progress. CAMI_OK (cb will run), or the
 * host's error. */
int store_migrate_submit(store_migrate_fn cb, void *ud);

#endif
