/*
 * loader.c - see loader.h.
 *
 * Refusals follow one pattern: who (the plugin's name and file, or the file
 * alone while no name can be trusted), what was found, what was needed, and
 * what the admin or the plugin author should do about it.
 */
#include "loader.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const plugin_reserved_keys[] = {"module", "listeners", NULL};

/* The ABI this host provides. Overridable at build time only so the unit
 * tests can play a 1.x host and prove that older minors are accepted while
 * the SDK itself is still at 1.0. */
#ifndef LOADER_HOST_ABI_MAJOR
#define LOADER_HOST_ABI_MAJOR CAMI_ABI_MAJOR
#endif
#ifndef LOADER_HOST_ABI_MINOR
#define LOADER_HOST_ABI_MINOR CAMI_ABI_MINOR
#endif

/* The descriptor as ABI 1.0 defined it; shorter ones are damaged. */
#define DESC_SIZE_1_0 (offsetof(cami_plugin_desc, fini) + sizeof(((cami_plugin_desc *)0)->fini))
/* Bytes of the descriptor that hold the name pointer: read across majors
 * only when covered, as Apache reads a module's name to say which one is
 * incompatible. */
#define DESC_NAME_END (offsetof(cami_plugin_desc, name) + sizeof(const char *))

static int valid_plugin_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Characters the config parser accepts in a key, so a schema key can be set. */
static int valid_key(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

/* "plugin 'hello' (/path/hello.so)", "plugin 'hello'", "plugin file /path". */
static void who(char *buf, size_t n, const char *name, const char *path)
{
    if (valid_plugin_name(name) && path)
        snprintf(buf, n, "plugin '%s' (%s)", name, path);
    else if (valid_plugin_name(name))
        snprintf(buf, n, "plugin '%s'", name);
    else if (path)
        snprintf(buf, n, "plugin file %s", path);
    else
        snprintf(buf, n, "a plugin descriptor");
}

/* The plugin's descriptor as this host sees it: min(struct_size, ours)
 * bytes of it, zero past the end, so fields a shorter (older) descriptor
 * lacks read as absent. */
static void desc_copy(cami_plugin_desc *dst, const cami_plugin_desc *src)
{
    size_t n = src->struct_size < sizeof(*dst) ? src->struct_size : sizeof(*dst);
    memset(dst, 0, sizeof(*dst));
    memcpy(dst, src, n);
}

static int default_ok(cami_config_type t, const char *v)
{
    int64_t i;
    int b;
    double f;
    switch (t) {
    case CAMI_CONFIG_INT: return conf_parse_int(v, &i) == 0;
    case CAMI_CONFIG_BOOL: return conf_parse_bool(v, &b) == 0;
    case CAMI_CONFIG_DOUBLE: return conf_parse_double(v, &f) == 0;
    case CAMI_CONFIG_STRING:
    case CAMI_CONFIG_LIST: return 1;
    }
    return 1;
}

static const char *type_name(cami_config_type t)
{
    switch (t) {
    case CAMI_CONFIG_STRING: return "CAMI_CONFIG_STRING";
    case CAMI_CONFIG_INT: return "CAMI_CONFIG_INT";
    case CAMI_CONFIG_BOOL: return "CAMI_CONFIG_BOOL";
    case CAMI_CONFIG_DOUBLE: return "CAMI_CONFIG_DOUBLE";
    case CAMI_CONFIG_LIST: return "CAMI_CONFIG_LIST";
    }
    return NULL;
}

static int check_schema(const cami_config_key *schema, const char *w, diag *d)
{
    int problems = 0;
    size_t i = 0;
    for (const cami_config_key *k = schema; k && k->key; k++, i++) {
        if (!valid_key(k->key)) {
            diag_add(d, "%s declares config key #%zu as '%s'; expected a non-empty key of letters, "
                     "digits, '_', '.' or '-': fix the plugin's config_schema", w, i + 1, k->key);
            problems++;
            continue;
        }
        for (const char *const *r = plugin_reserved_keys; *r; r++) {
            if (strcmp(*r, k->key) == 0) {
                diag_add(d, "%s declares config key '%s', which the host handles itself; expected "
                         "a key other than module and listeners: rename it in the plugin's "
                         "config_schema", w, k->key);
                problems++;
            }
        }
        for (const cami_config_key *o = schema; o != k; o++) {
            if (o->key && strcmp(o->key, k->key) == 0) {
                diag_add(d, "%s declares config key '%s' twice; expected each key once in "
                         "config_schema", w, k->key);
                problems++;
                break;
            }
        }
        if (!type_name(k->type)) {
            diag_add(d, "%s declares config key '%s' with type %d; expected one of "
                     "CAMI_CONFIG_STRING, _INT, _BOOL, _DOUBLE or _LIST: fix the plugin's "
                     "config_schema", w, k->key, (int)k->type);
            problems++;
        } else if (k->default_value && !default_ok(k->type, k->default_value)) {
            diag_add(d, "%s declares config key '%s' as %s with default '%s', which is not a "
                     "valid %s; expected a default of its own type: fix the plugin's "
                     "config_schema", w, k->key, type_name(k->type), k->default_value,
                     type_name(k->type));
            problems++;
        }
    }
    return problems;
}

int loader_check_desc(const cami_plugin_desc *desc, const char *path, diag *d)
{
    char w[600];
    int problems = 0;
    if (!desc) {
        who(w, sizeof(w), NULL, path);
        diag_add(d, "%s: its %s() returned NULL; expected a pointer to the plugin's descriptor: "
                 "build it with CAMI_PLUGIN()", w, CAMI_PLUGIN_ENTRY_SYMBOL);
        return 1;
    }
    /* Nothing else is trustworthy until the magic says this is a descriptor. */
    if (desc->magic != CAMI_PLUGIN_MAGIC) {
        who(w, sizeof(w), NULL, path);
        diag_add(d, "%s does not start with the CAMI plugin magic (found 0x%08X, expected 0x%08X): "
                 "is it a camid plugin? was it built with CAMI_PLUGIN()?", w,
                 (unsigned)desc->magic, (unsigned)CAMI_PLUGIN_MAGIC);
        return 1;
    }
    const char *name = desc->struct_size >= DESC_NAME_END ? desc->name : NULL;
    who(w, sizeof(w), name, path);
    unsigned maj = desc->abi_major, min = desc->abi_minor;
    if (maj != LOADER_HOST_ABI_MAJOR) {
        diag_add(d, "%s was built for CAMI ABI %u.%u, this camid provides ABI %u.%u: rebuild the "
                 "plugin against the installed SDK (pkg-config cami-sdk)%s", w, maj, min,
                 (unsigned)LOADER_HOST_ABI_MAJOR, (unsigned)LOADER_HOST_ABI_MINOR,
                 maj > LOADER_HOST_ABI_MAJOR ? " or upgrade camid" : "");
        return 1;   /* another major may lay the rest out differently */
    }
    if (desc->struct_size < DESC_SIZE_1_0) {
        diag_add(d, "%s has a descriptor of %u bytes, but an ABI 1.0 descriptor has %zu: it is "
                 "damaged or was not made by CAMI_PLUGIN(); rebuild the plugin against the "
                 "installed SDK", w, (unsigned)desc->struct_size, (size_t)DESC_SIZE_1_0);
        return 1;
    }
    if (min > LOADER_HOST_ABI_MINOR) {
        diag_add(d, "%s was built for CAMI ABI %u.%u, which is newer than this camid's %u.%u: "
                 "upgrade camid or rebuild the plugin against SDK %u.%u", w, maj, min,
                 (unsigned)LOADER_HOST_ABI_MAJOR, (unsigned)LOADER_HOST_ABI_MINOR,
                 (unsigned)LOADER_HOST_ABI_MAJOR, (unsigned)LOADER_HOST_ABI_MINOR);
        problems++;
    }
    cami_plugin_desc c;
    desc_copy(&c, desc);
    if (!c.name || !*c.name) {
        diag_add(d, "%s has no name in its descriptor; expected a name of a-z, 0-9 and _ "
                 "(the first argument of CAMI_PLUGIN())", w);
        problems++;
    } else if (!valid_plugin_name(c.name)) {
        diag_add(d, "%s names itself '%s'; expected a name of a-z, 0-9 and _ only (it names "
                 "the [plugin.NAME] section): rename it in CAMI_PLUGIN()", w, c.name);
        problems++;
    }
    if (!c.version || !*c.version) {
        diag_add(d, "%s has no version; expected a version string such as \"1.0.0\" (the second "
                 "argument of CAMI_PLUGIN())", w);
        problems++;
    }
    if (!c.init) {
        diag_add(d, "%s has no init callback; expected .init = a function that reads the config "
                 "and registers routes: pass it to CAMI_PLUGIN()", w);
        problems++;
    }
    for (const cami_dependency *dep = c.dependencies; dep && dep->name; dep++) {
        if (!valid_plugin_name(dep->name)) {
            diag_add(d, "%s depends on a plugin named '%s'; expected a plugin name of a-z, 0-9 "
                     "and _: fix the plugin's dependencies", w, dep->name);
            problems++;
        }
    }
    problems += check_schema(c.config_schema, w, d);
    return problems;
}

/* dlerror() mostly starts with the path it was given; say it only once. */
static const char *dl_reason(const char *err, const char *path)
{
    size_t n = strlen(path);
    if (!err)
        return "unknown error";
    if (strncmp(err, path, n) == 0 && strncmp(err + n, ": ", 2) == 0)
        return err + n + 2;
    return err;
}

struct cami_plugin *loader_open(const char *path, const struct cami_host_api *api, diag *d)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        diag_add(d, "plugin file %s cannot be loaded: %s; check the path and that the libraries "
                 "it needs are installed (ldd %s)", path, dl_reason(dlerror(), path), path);
        return NULL;
    }
    dlerror();
    void *sym = dlsym(dl, CAMI_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        diag_add(d, "plugin file %s has no symbol '%s': is it a camid plugin? it must use "
                 "CAMI_PLUGIN() in one source file and be linked so that the symbol stays "
                 "exported (nm -D %s)", path, CAMI_PLUGIN_ENTRY_SYMBOL, path);
        dlclose(dl);
        return NULL;
    }
    /* POSIX guarantees dlsym's object pointer converts to a function pointer. */
    cami_plugin_entry_fn entry = (cami_plugin_entry_fn)sym;
    const cami_plugin_desc *desc = entry(api);
    if (loader_check_desc(desc, path, d) != 0) {
        dlclose(dl);
        return NULL;
    }
    struct cami_plugin *p = calloc(1, sizeof(*p));
    if (p) {
        desc_copy(&p->desc, desc);
        p->dl = dl;
        p->path = strdup(path);
        p->name = strdup(desc->name);
        p->state = PLUGIN_LOADED;
    }
    if (!p || !p->path || !p->name) {
        diag_add(d, "plugin file %s: out of memory while loading it", path);
        if (p) {
            free(p->path);
            free(p->name);
            free(p);
        }
        dlclose(dl);
        return NULL;
    }
    return p;
}

void loader_close(struct cami_plugin *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nlisteners; i++)
        free(p->listeners[i]);
    free(p->listeners);
    if (p->dl)
        dlclose(p->dl);
    free(p->path);
    free(p->name);
    free(p);
}

/* ---- dependency order ---- */

static const char *pname(const struct cami_plugin *p)
{
    return p->name ? p->name : p->desc.name ? p->desc.name : "?";
}

static long find_plugin(struct cami_plugin **items, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pname(items[i]), name) == 0)
            return (long)i;
    return -1;
}

/* The first dependency of plugin i that is in the set and not yet placed,
 * or -1: plugin i is ready. */
static long pending_dep(struct cami_plugin **items, size_t n, size_t i, const char *placed)
{
    for (const cami_dependency *dep = items[i]->desc.dependencies; dep && dep->name; dep++) {
        long j = find_plugin(items, n, dep->name);
        if (j >= 0 && !placed[j])
            return j;
    }
    return -1;
}

/*
 * Every unplaced plugin waits for another unplaced one, so walking "waits
 * for" from the first of them must come back to a plugin already seen: that
 * loop is a cycle. Report it starting from its plugin that comes first in the
 * configuration, and mark its members placed so the sort can go on.
 */
static void report_cycle(struct cami_plugin **items, size_t n, char *placed, diag *d)
{
    long *walk = malloc(n * sizeof(*walk));
    char *seen = calloc(n, 1);
    if (!walk || !seen) {
        diag_add(d, "out of memory while ordering plugins");
        memset(placed, 1, n);
        free(walk);
        free(seen);
        return;
    }
    size_t len = 0;
    long cur = -1;
    for (size_t i = 0; i < n; i++)
        if (!placed[i]) {
            cur = (long)i;
            break;
        }
    while (!seen[cur]) {
        seen[cur] = 1;
        walk[len++] = cur;
        cur = pending_dep(items, n, (size_t)cur, placed);
    }
    size_t start = 0;
    while (walk[start] != cur)
        start++;
    size_t first = start;
    for (size_t k = start; k < len; k++)
        if (walk[k] < walk[first])
            first = k;
    char chain[800] = "";
    size_t off = 0, clen = len - start;
    for (size_t k = 0; k <= clen && off < sizeof(chain); k++) {
        long idx = walk[start + (first - start + k) % clen];
        off += (size_t)snprintf(chain + off, sizeof(chain) - off, "%s%s", k ? " -> " : "",
                                pname(items[idx]));
    }
    diag_add(d, "plugins depend on each other in a cycle: %s (each needs the next one "
             "initialised first); expected dependencies without cycles: remove one of these "
             "dependencies from its plugin", chain);
    for (size_t k = start; k < len; k++)
        placed[walk[k]] = 1;
    free(walk);
    free(seen);
}

int loader_order(struct cami_plugin **items, size_t n, diag *d)
{
    int problems = 0;
    char w[600];
    for (size_t i = 0; i < n; i++) {
        long j = find_plugin(items, n, pname(items[i]));
        if (j >= 0 && (size_t)j < i) {
            diag_add(d, "plugin '%s' is configured twice (%s and %s); expected each plugin once",
                     pname(items[i]), items[j]->path ? items[j]->path : "?",
                     items[i]->path ? items[i]->path : "?");
            problems++;
        }
        who(w, sizeof(w), pname(items[i]), items[i]->path);
        for (const cami_dependency *dep = items[i]->desc.dependencies; dep && dep->name; dep++) {
            if (dep->optional || find_plugin(items, n, dep->name) >= 0)
                continue;
            diag_add(d, "%s needs plugin '%s', which is not configured; expected a [plugin.%s] "
                     "section to load it (or remove [plugin.%s])", w, dep->name, dep->name,
                     pname(items[i]));
            problems++;
        }
    }
    if (n == 0)
        return problems;
    char *placed = calloc(n, 1);
    struct cami_plugin **sorted = malloc(n * sizeof(*sorted));
    if (!placed || !sorted) {
        free(placed);
        free(sorted);
        diag_add(d, "out of memory while ordering plugins");
        return problems + 1;
    }
    /* Repeatedly take the first plugin, in configuration order, whose
     * dependencies are all placed: a stable topological sort. */
    size_t done = 0, nplaced = 0;
    while (nplaced < n) {
        size_t i = 0;
        while (i < n && (placed[i] || pending_dep(items, n, i, placed) >= 0))
            i++;
        if (i == n) {
            report_cycle(items, n, placed, d);
            problems++;
            nplaced = 0;
            for (size_t k = 0; k < n; k++)
                nplaced += placed[k] != 0;
            continue;
        }
        placed[i] = 1;
        nplaced++;
        sorted[done++] = items[i];
    }
    if (problems == 0) {
        for (size_t k = 0; k < n; k++) {
            items[k] = sorted[k];
            items[k]->order = k;
        }
    }
    free(placed);
    free(sorted);
    return problems;
}

/* ---- loading what the configuration names ---- */

/* Copy each message of `from` into `to`, prefixed with file:line. */
static void diag_move_at(diag *to, diag *from, const char *file, int line)
{
    for (size_t i = 0; i < from->count; i++)
        diag_at(to, file, line, "%s", from->msgs[i]);
    diag_free(from);
}

static char *module_path(const conf *c, const char *plugin_dir, const char *module)
{
    const char *base;
    const char *suffix = "";
    if (module[0] == '/') {
        return strdup(module);
    } else if (strchr(module, '/')) {
        base = c->dir;
    } else {
        base = plugin_dir;
        suffix = ".so";
    }
    size_t len = strlen(base) + 1 + strlen(module) + strlen(suffix) + 1;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s%s", base, module, suffix);
    return path;
}

/* Record `listeners` (a list of [listener.NAME] sections) on p. */
static int set_listeners(const conf *c, struct cami_plugin *p, const conf_entry *e, diag *d)
{
    int problems = 0;
    char item[256];
    size_t count = 0;
    while (conf_list_item(e->value, count, item, sizeof(item)) == 0)
        count++;
    if (count == 0) {
        diag_at(d, e->file, e->line, "plugin '%s': listeners is empty; expected a comma-separated "
                "list of [listener.NAME] names, or no listeners key to serve on all of them",
                p->name);
        return 1;
    }
    p->listeners = calloc(count, sizeof(*p->listeners));
    if (!p->listeners) {
        diag_add(d, "out of memory while loading plugin '%s'", p->name);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        conf_list_item(e->value, i, item, sizeof(item));
        char sect[300];
        snprintf(sect, sizeof(sect), "listener.%s", item);
        int dup = 0;
        for (size_t k = 0; k < p->nlisteners; k++)
            dup |= strcmp(p->listeners[k], item) == 0;
        if (!*item) {
            diag_at(d, e->file, e->line, "plugin '%s': listeners = %s has an empty name; expected "
                    "a comma-separated list of listener names", p->name, e->value);
            problems++;
        } else if (dup) {
            diag_at(d, e->file, e->line, "plugin '%s': listeners names '%s' twice; expected each "
                    "listener once", p->name, item);
            problems++;
        } else if (!conf_section_get(c, sect)) {
            char known[400] = "";
            size_t off = 0;
            for (size_t s = 0; s < c->count && off < sizeof(known); s++)
                if (strncmp(c->sections[s].name, "listener.", 9) == 0)
                    off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
                                            off ? ", " : "", c->sections[s].name + 9);
            diag_at(d, e->file, e->line, "plugin '%s': listeners names '%s', but there is no "
                    "[%s] section; expected %s%s", p->name, item, sect,
                    off ? "one of: " : "a [listener.NAME] section for each name (none is "
                    "configured)", known);
            problems++;
        } else if (!(p->listeners[p->nlisteners] = strdup(item))) {
            diag_add(d, "out of memory while loading plugin '%s'", p->name);
            problems++;
        } else {
            p->nlisteners++;
        }
    }
    return problems;
}

/* Open, check and configure the plugin of section s; NULL after reporting. */
static struct cami_plugin *load_one(const conf *c, const conf_section *s, const char *plugin_dir,
                                    const struct cami_host_api *api, int *problems, diag *d)
{
    const char *name = s->name + strlen("plugin.");
    if (!valid_plugin_name(name)) {
        diag_at(d, s->file, s->line, "section [%s] names plugin '%s'; expected [plugin.NAME] with "
                "a NAME of a-z, 0-9 and _", s->name, name);
        (*problems)++;
        return NULL;
    }
    const conf_entry *me = conf_entry_get(s, "module");
    const char *module = me ? me->value : name;
    if (!*module) {
        diag_at(d, me->file, me->line, "plugin '%s': module is empty; expected a plugin name "
                "(loaded from the plugin directory) or a path to its .so file", name);
        (*problems)++;
        return NULL;
    }
    char *path = module_path(c, plugin_dir, module);
    if (!path) {
        diag_add(d, "out of memory while loading plugin '%s'", name);
        (*problems)++;
        return NULL;
    }
    diag od;
    diag_init(&od);
    struct cami_plugin *p = loader_open(path, api, &od);
    *problems += (int)od.count;
    diag_move_at(d, &od, me ? me->file : s->file, me ? me->line : s->line);
    if (!p) {
        free(path);
        return NULL;
    }
    if (strcmp(p->name, name) != 0) {
        diag_at(d, me ? me->file : s->file, me ? me->line : s->line,
                "section [%s] loads %s, whose plugin is named '%s'; expected a plugin named "
                "'%s': rename the section to [plugin.%s] or point module at %s's file",
                s->name, path, p->name, name, p->name, name);
        (*problems)++;
        free(path);
        loader_close(p);
        return NULL;
    }
    free(path);
    p->section = s;
    char whobuf[300];
    snprintf(whobuf, sizeof(whobuf), "plugin '%s'", name);
    *problems += conf_check_section(s, p->desc.config_schema, plugin_reserved_keys, whobuf, d);
    const conf_entry *le = conf_entry_get(s, "listeners");
    if (le)
        *problems += set_listeners(c, p, le, d);
    return p;
}

int loader_load(const conf *c, const char *plugin_dir, const struct cami_host_api *api,
                plugin_set *out, diag *d)
{
    int problems = 0, unopened = 0;
    size_t n = 0;
    struct cami_plugin **items = calloc(c->count ? c->count : 1, sizeof(*items));
    if (!items) {
        diag_add(d, "out of memory while loading plugins");
        return -1;
    }
    if (!plugin_dir)
        plugin_dir = CAMI_PKGLIBDIR;   /* where `make install` puts plugins */
    for (size_t i = 0; i < c->count; i++) {
        const conf_section *s = &c->sections[i];
        if (strncmp(s->name, "plugin.", 7) != 0)
            continue;
        struct cami_plugin *p = load_one(c, s, plugin_dir, api, &problems, d);
        if (p)
            items[n++] = p;
        else
            unopened++;
    }
    /* With a plugin missing, "needs X, which is not configured" would blame
     * the wrong thing; its own refusal above says what to fix first. */
    if (!unopened)
        problems += loader_order(items, n, d);
    if (problems) {
        for (size_t i = n; i-- > 0;)
            loader_close(items[i]);
        free(items);
        return -1;
    }
    out->items = items;
    out->count = n;
    return 0;
}

void loader_unload(plugin_set *set)
{
    if (!set)
        return;
    for (size_t i = set->count; i-- > 0;)
        loader_close(set->items[i]);
    free(set->items);
    set->items = NULL;
    set->count = 0;
}
