/*
 * plugin.h - what a plugin tells the host about itself.
 *
 * A plugin is a shared object exporting one symbol, cami_plugin_entry, which
 * returns a pointer to a static, read-only descriptor. The host checks the
 * descriptor (magic, struct_size, ABI) before it calls anything else, then
 * drives the lifecycle:
 *
 *   load + check  ->  configure (host validates the plugin's config section
 *   against config_schema)  ->  init (plugin reads its config, registers routes
 *   and services)  ->  start  ->  ... serving ...  ->  stop (drain)  ->  fini
 *   ->  unload
 *
 * Every callback runs on the host's loop thread of the worker that loaded the
 * plugin. Since ABI 1.0.
 */
#ifndef CAMI_PLUGIN_H
#define CAMI_PLUGIN_H

#include <cami/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cami_host_api;

/* Another plugin this one needs loaded and initialised before itself.
 * The host orders plugins by these, and refuses missing ones and cycles.
 * Arrays of these end with an entry whose name is NULL. Since ABI 1.0. */
typedef struct cami_dependency {
    const char *name;      /* the other plugin's descriptor name */
    int optional;          /* non-zero: order after it if present, else fine */
} cami_dependency;

/* Types a config key may have. The host parses and checks values before the
 * plugin's init runs, so a plugin never sees a badly typed value. */
typedef enum cami_config_type {
    CAMI_CONFIG_STRING = 1,
    CAMI_CONFIG_INT = 2,    /* 64-bit signed, decimal */
    CAMI_CONFIG_BOOL = 3,   /* on/off, yes/no, true/false, 1/0 */
    CAMI_CONFIG_DOUBLE = 4,
    CAMI_CONFIG_LIST = 5    /* comma-separated strings */
} cami_config_type;

/* One key of a plugin's config section. Arrays end with an entry whose key
 * is NULL. The keys `module` and `listeners` are the host's own and may not be
 * declared. Since ABI 1.0. */
typedef struct cami_config_key {
    const char *key;
    cami_config_type type;
    const char *default_value;  /* as written in a config file; NULL = none */
    int required;               /* non-zero: the admin must set it */
    const char *doc;            /* one line for admins; shown by --plugin-info */
} cami_config_key;

/*
 * The descriptor. Its first five fields (magic, struct_size, abi_major,
 * abi_minor, name) keep their place in every ABI major version, so any host
 * can name a plugin built for another major in its refusal. Fields are only
 * ever appended; the host reads at most
 * struct_size bytes, so an older plugin with a shorter descriptor still loads.
 *
 * init:  required. Read config, register routes and services. Return CAMI_OK,
 *        or a negative code after cami_log()ging why; the host then refuses
 *        the plugin and names it.
 * start: optional. Called once every plugin is initialised and listeners are
 *        open: start timers, connect to outside services.
 * stop:  optional. Stop accepting new work; in-flight deferred requests will
 *        still be finished or aborted by the host.
 * fini:  optional. Free everything; the object is unloaded afterwards.
 */
typedef struct cami_plugin_desc {
    uint32_t magic;             /* CAMI_PLUGIN_MAGIC */
    uint32_t struct_size;       /* sizeof(cami_plugin_desc) when built */
    uint16_t abi_major;         /* CAMI_ABI_MAJOR when built */
    uint16_t abi_minor;         /* CAMI_ABI_MINOR when built */
    const char *name;           /* [a-z0-9_]+, unique in a host */
    const char *version;        /* the plugin's own version, free form */
    const char *description;    /* one line */
    const cami_dependency *dependencies;   /* NULL or name==NULL terminated */
    const cami_config_key *config_schema;  /* NULL or key==NULL terminated */
    int (*init)(cami_plugin *self);
    int (*start)(cami_plugin *self);
    void (*stop)(cami_plugin *self);
    void (*fini)(cami_plugin *self);
} cami_plugin_desc;

/* The entry point's type. The host passes its service table; the plugin keeps
 * it (CAMI_PLUGIN does) and returns its descriptor. It must not call the host
 * from here. Since ABI 1.0. */
typedef const cami_plugin_desc *(*cami_plugin_entry_fn)(const struct cami_host_api *host);

/* The host's table as seen by this plugin; set by the entry point. Hidden, so
 * each plugin has its own and the host exports nothing. Since ABI 1.0. */
extern const struct cami_host_api *cami_host_ CAMI_HIDDEN;

/*
 * CAMI_PLUGIN(name, version, description, ...) defines the descriptor and the
 * entry symbol. The trailing arguments are designated initialisers for the
 * remaining fields:
 *
 *   CAMI_PLUGIN(hello, "1.0.0", "Greets people",
 *               .init = hello_init, .config_schema = hello_schema);
 *
 * Use it in exactly one source file of the plugin. Since ABI 1.0.
 */
#define CAMI_PLUGIN(pname, pversion, pdescription, ...)                        \
    const struct cami_host_api *cami_host_ CAMI_HIDDEN;                        \
    static const cami_plugin_desc cami_plugin_desc_ = {                        \
        .magic = CAMI_PLUGIN_MAGIC,                                            \
        .struct_size = (uint32_t)sizeof(cami_plugin_desc),                     \
        .abi_major = CAMI_ABI_MAJOR,                                           \
        .abi_minor = CAMI_ABI_MINOR,                                           \
        .name = #pname,                                                        \
        .version = pversion,                                                   \
        .description = pdescription,                                           \
        __VA_ARGS__                                                            \
    };                                                                         \
    CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(                     \
        const struct cami_host_api *host);                                     \
    CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(                     \
        const struct cami_host_api *host)                                      \
    {                                                                          \
        cami_host_ = host;                                                     \
        return &cami_plugin_desc_;                                             \
    }                                                                          \
    /* completed by the caller's ';' (no empty declaration) */                 \
    CAMI_EXPORT const cami_plugin_desc *cami_plugin_entry(                     \
        const struct cami_host_api *host)

#ifdef __cplusplus
}
#endif
#endif
