/*
 * test_loader.c - the plugin loader: descriptor checks on in-memory
 * descriptors, dependency ordering, and loading real shared objects built
 * from tests/plugins/ (found in $CAMI_TOP_BUILDDIR/tests/plugins/.libs).
 *
 * This test's loader plays a host of ABI 1.3 (see config.mk), so plugins
 * built with the 1.0 SDK are an older minor.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define HOST_MINOR LOADER_HOST_ABI_MINOR

/* ---- helpers ---- */

static void assert_msg(const diag *d, size_t i, const char *expected)
{
    if (i >= d->count)
        fail_msg("expected message #%zu \"%s\", got only %zu messages", i, expected, d->count);
    if (strcmp(d->msgs[i], expected) != 0)
        fail_msg("message #%zu:\n  got:      %s\n  expected: %s", i, d->msgs[i], expected);
}

static char expected_buf[4 * PATH_MAX];

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(expected_buf, sizeof(expected_buf), f, ap);
    va_end(ap);
    return expected_buf;
}

static char libs_dir[PATH_MAX];

static const char *so(const char *name)
{
    static char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s.so", libs_dir, name);
    return path;
}

/* A host table with no services: loading must never call into the host, so
 * any call would crash the test. */
static const struct cami_host_api empty_api = {
    .size = sizeof(struct cami_host_api),
    .abi_major = CAMI_ABI_MAJOR,
    .abi_minor = LOADER_HOST_ABI_MINOR,
    .host_version = "test",
};

static int dummy_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

static cami_plugin_desc good_desc(void)
{
    cami_plugin_desc d = {
        .magic = CAMI_PLUGIN_MAGIC,
        .struct_size = sizeof(cami_plugin_desc),
        .abi_major = CAMI_ABI_MAJOR,
        .abi_minor = CAMI_ABI_MINOR,
        .name = "demo",
        .version = "1.0",
        .init = dummy_init,
    };
    return d;
}

/* Check `desc` expecting `n` problems; returns the diag for inspection. */
static void check_desc(const cami_plugin_desc *desc, int n, diag *d)
{
    diag_init(d);
    int got = loader_check_desc(desc, "/p/demo.so", d);
    if (got != n) {
        diag_print(d, stderr, "  ");
        fail_msg("loader_check_desc found %d problems, expected %d", got, n);
    }
    assert_int_equal(d->count, (size_t)n);
}

/* ---- loader_check_desc ---- */

static void test_desc_good(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    check_desc(&desc, 0, &d);
    diag_free(&d);
}

static void test_desc_null(void **state)
{
    (void)state;
    diag d;
    check_desc(NULL, 1, &d);
    assert_msg(&d, 0, "plugin file /p/demo.so: its cami_plugin_entry() returned NULL; expected a "
                      "pointer to the plugin's descriptor: build it with CAMI_PLUGIN()");
    diag_free(&d);
}

static void test_desc_bad_magic(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.magic = 0x4D494341;   /* "CAMI" the wrong way round */
    desc.name = NULL;          /* nothing past the magic may be read */
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, "plugin file /p/demo.so does not start with the CAMI plugin magic (found "
                      "0x4D494341, expected 0x43414D49): is it a camid plugin? was it built with "
                      "CAMI_PLUGIN()?");
    diag_free(&d);
}

static void test_desc_newer_major(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.abi_major = CAMI_ABI_MAJOR + 1;
    desc.init = NULL;   /* not reported: another major's layout is unknown */
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, fmt("plugin 'demo' (/p/demo.so) was built for CAMI ABI %d.%d, this camid "
                          "provides ABI %d.%d: rebuild the plugin against the installed SDK "
                          "(pkg-config cami-sdk) or upgrade camid", CAMI_ABI_MAJOR + 1,
                          CAMI_ABI_MINOR, CAMI_ABI_MAJOR, HOST_MINOR));
    diag_free(&d);
}

static void test_desc_older_major(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.abi_major = CAMI_ABI_MAJOR - 1;
    desc.abi_minor = 7;
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, fmt("plugin 'demo' (/p/demo.so) was built for CAMI ABI %d.7, this camid "
                          "provides ABI %d.%d: rebuild the plugin against the installed SDK "
                          "(pkg-config cami-sdk)", CAMI_ABI_MAJOR - 1, CAMI_ABI_MAJOR,
                          HOST_MINOR));
    diag_free(&d);
}

static void test_desc_newer_minor(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.abi_minor = HOST_MINOR + 1;
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, fmt("plugin 'demo' (/p/demo.so) was built for CAMI ABI %d.%d, which is "
                          "newer than this camid's %d.%d: upgrade camid or rebuild the plugin "
                          "against SDK %d.%d", CAMI_ABI_MAJOR, HOST_MINOR + 1, CAMI_ABI_MAJOR,
                          HOST_MINOR, CAMI_ABI_MAJOR, HOST_MINOR));
    diag_free(&d);
}

static void test_desc_older_and_equal_minor(void **state)
{
    (void)state;
    assert_true(HOST_MINOR > 0);   /* else "older" could not be tested */
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.abi_minor = HOST_MINOR - 1;
    check_desc(&desc, 0, &d);
    diag_free(&d);
    desc.abi_minor = 0;
    check_desc(&desc, 0, &d);
    diag_free(&d);
    desc.abi_minor = HOST_MINOR;
    check_desc(&desc, 0, &d);
    diag_free(&d);
}

/* A descriptor from a newer minor is longer than ours; only our part is read. */
static void test_desc_longer_struct(void **state)
{
    (void)state;
    struct { cami_plugin_desc d; void *later[4]; } big;
    memset(&big, 0xA5, sizeof(big));
    big.d = good_desc();
    big.d.struct_size = sizeof(big);
    diag d;
    check_desc(&big.d, 0, &d);
    diag_free(&d);
}

static void test_desc_short_struct(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.struct_size = 12;   /* not even the name is inside */
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, fmt("plugin file /p/demo.so has a descriptor of 12 bytes, but an ABI 1.0 "
                          "descriptor has %zu: it is damaged or was not made by CAMI_PLUGIN(); "
                          "rebuild the plugin against the installed SDK",
                          sizeof(cami_plugin_desc)));
    diag_free(&d);
    desc.struct_size = offsetof(cami_plugin_desc, init);
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, fmt("plugin 'demo' (/p/demo.so) has a descriptor of %zu bytes, but an ABI "
                          "1.0 descriptor has %zu: it is damaged or was not made by "
                          "CAMI_PLUGIN(); rebuild the plugin against the installed SDK",
                          offsetof(cami_plugin_desc, init), sizeof(cami_plugin_desc)));
    diag_free(&d);
}

static void test_desc_missing_fields(void **state)
{
    (void)state;
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.name = NULL;
    desc.version = "";
    desc.init = NULL;
    check_desc(&desc, 3, &d);
    assert_msg(&d, 0, "plugin file /p/demo.so has no name in its descriptor; expected a name of "
                      "a-z, 0-9 and _ (the first argument of CAMI_PLUGIN())");
    assert_msg(&d, 1, "plugin file /p/demo.so has no version; expected a version string such as "
                      "\"1.0.0\" (the second argument of CAMI_PLUGIN())");
    assert_msg(&d, 2, "plugin file /p/demo.so has no init callback; expected .init = a function "
                      "that reads the config and registers routes: pass it to CAMI_PLUGIN()");
    diag_free(&d);
    desc = good_desc();
    desc.name = "Hello-World";
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, "plugin file /p/demo.so names itself 'Hello-World'; expected a name of a-z, "
                      "0-9 and _ only (it names the [plugin.NAME] section): rename it in "
                      "CAMI_PLUGIN()");
    diag_free(&d);
}

static void test_desc_bad_schema(void **state)
{
    (void)state;
    static const cami_config_key schema[] = {
        {"greeting", CAMI_CONFIG_STRING, "hi", 0, "fine"},
        {"", CAMI_CONFIG_STRING, NULL, 0, "empty key"},
        {"colour", (cami_config_type)99, NULL, 0, "unknown type"},
        {"module", CAMI_CONFIG_STRING, NULL, 0, "the host's own"},
        {"times", CAMI_CONFIG_INT, "lots", 0, "bad default"},
        {"loud", CAMI_CONFIG_BOOL, "sometimes", 0, "bad default"},
        {"greeting", CAMI_CONFIG_STRING, NULL, 0, "twice"},
        {NULL, 0, NULL, 0, NULL}
    };
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.config_schema = schema;
    check_desc(&desc, 6, &d);
    assert_msg(&d, 0, "plugin 'demo' (/p/demo.so) declares config key #2 as ''; expected a "
                      "non-empty key of letters, digits, '_', '.' or '-': fix the plugin's "
                      "config_schema");
    assert_msg(&d, 1, "plugin 'demo' (/p/demo.so) declares config key 'colour' with type 99; "
                      "expected one of CAMI_CONFIG_STRING, _INT, _BOOL, _DOUBLE or _LIST: fix the "
                      "plugin's config_schema");
    assert_msg(&d, 2, "plugin 'demo' (/p/demo.so) declares config key 'module', which the host "
                      "handles itself; expected a key other than module and listeners: rename it "
                      "in the plugin's config_schema");
    assert_msg(&d, 3, "plugin 'demo' (/p/demo.so) declares config key 'times' as CAMI_CONFIG_INT "
                      "with default 'lots', which is not a valid CAMI_CONFIG_INT; expected a "
                      "default of its own type: fix the plugin's config_schema");
    assert_msg(&d, 4, "plugin 'demo' (/p/demo.so) declares config key 'loud' as CAMI_CONFIG_BOOL "
                      "with default 'sometimes', which is not a valid CAMI_CONFIG_BOOL; expected a "
                      "default of its own type: fix the plugin's config_schema");
    assert_msg(&d, 5, "plugin 'demo' (/p/demo.so) declares config key 'greeting' twice; expected "
                      "each key once in config_schema");
    diag_free(&d);
}

static void test_desc_bad_dependency(void **state)
{
    (void)state;
    static const cami_dependency deps[] = {{"store", 0}, {"Bad Name", 1}, {NULL, 0}};
    diag d;
    cami_plugin_desc desc = good_desc();
    desc.dependencies = deps;
    check_desc(&desc, 1, &d);
    assert_msg(&d, 0, "plugin 'demo' (/p/demo.so) depends on a plugin named 'Bad Name'; expected "
                      "a plugin name of a-z, 0-9 and _: fix the plugin's dependencies");
    diag_free(&d);
}

/* ---- loader_order ---- */

typedef struct fake {
    struct cami_plugin p[6];
    struct cami_plugin *items[6];
    size_t n;
} fake;

/* Add an in-memory plugin named `name` with dependencies `deps`. */
static void fake_add(fake *f, const char *name, const cami_dependency *deps)
{
    struct cami_plugin *p = &f->p[f->n];
    memset(p, 0, sizeof(*p));
    p->desc = good_desc();
    p->desc.name = name;
    p->desc.dependencies = deps;
    p->name = (char *)name;
    p->order = 99;
    f->items[f->n++] = p;
}

static void assert_order(const fake *f, const char *const *names)
{
    for (size_t i = 0; i < f->n; i++) {
        assert_string_equal(f->items[i]->name, names[i]);
        assert_int_equal(f->items[i]->order, i);
    }
}

static void test_order_dependencies(void **state)
{
    (void)state;
    static const cami_dependency web_deps[] = {{"store", 0}, {"log", 1}, {NULL, 0}};
    static const cami_dependency store_deps[] = {{"log", 0}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "web", web_deps);
    fake_add(&f, "store", store_deps);
    fake_add(&f, "log", NULL);
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 0);
    assert_int_equal(d.count, 0);
    static const char *const want[] = {"log", "store", "web"};
    assert_order(&f, want);
    diag_free(&d);
}

static void test_order_optional(void **state)
{
    (void)state;
    /* present: ordered after it; absent: no complaint */
    static const cami_dependency a_deps[] = {{"b", 1}, {"ghost", 1}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "a", a_deps);
    fake_add(&f, "b", NULL);
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 0);
    static const char *const want[] = {"b", "a"};
    assert_order(&f, want);
    diag_free(&d);
}

static void test_order_stable(void **state)
{
    (void)state;
    static const cami_dependency y_deps[] = {{"z", 0}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "x", NULL);
    fake_add(&f, "y", y_deps);
    fake_add(&f, "w", NULL);
    fake_add(&f, "z", NULL);
    fake_add(&f, "v", NULL);
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 0);
    static const char *const want[] = {"x", "w", "z", "y", "v"};
    assert_order(&f, want);
    diag_free(&d);
}

static void test_order_missing(void **state)
{
    (void)state;
    static const cami_dependency a_deps[] = {{"store", 0}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "b", NULL);
    fake_add(&f, "a", a_deps);
    f.p[1].path = (char *)"/lib/a.so";
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 1);
    assert_msg(&d, 0, "plugin 'a' (/lib/a.so) needs plugin 'store', which is not configured; "
                      "expected a [plugin.store] section to load it (or remove [plugin.a])");
    /* refused: nothing moved */
    assert_ptr_equal(f.items[0], &f.p[0]);
    assert_ptr_equal(f.items[1], &f.p[1]);
    diag_free(&d);
}

static void test_order_cycle2(void **state)
{
    (void)state;
    static const cami_dependency a_deps[] = {{"b", 0}, {NULL, 0}};
    static const cami_dependency b_deps[] = {{"a", 0}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "ok", NULL);
    fake_add(&f, "a", a_deps);
    fake_add(&f, "b", b_deps);
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 1);
    assert_msg(&d, 0, "plugins depend on each other in a cycle: a -> b -> a (each needs the next "
                      "one initialised first); expected dependencies without cycles: remove one "
                      "of these dependencies from its plugin");
    diag_free(&d);
}

static void test_order_cycle3(void **state)
{
    (void)state;
    /* a -> b -> c -> a, configured as c, tail, a, b: told from c, the first
     * configured; "tail" only waits for the cycle and is not on it */
    static const cami_dependency a_deps[] = {{"b", 0}, {NULL, 0}};
    static const cami_dependency b_deps[] = {{"c", 0}, {NULL, 0}};
    static const cami_dependency c_deps[] = {{"a", 0}, {NULL, 0}};
    static const cami_dependency tail_deps[] = {{"a", 0}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "c", c_deps);
    fake_add(&f, "tail", tail_deps);
    fake_add(&f, "a", a_deps);
    fake_add(&f, "b", b_deps);
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 1);
    assert_msg(&d, 0, "plugins depend on each other in a cycle: c -> a -> b -> c (each needs the "
                      "next one initialised first); expected dependencies without cycles: remove "
                      "one of these dependencies from its plugin");
    diag_free(&d);
}

static void test_order_self_and_two_cycles(void **state)
{
    (void)state;
    static const cami_dependency self_deps[] = {{"self", 0}, {NULL, 0}};
    static const cami_dependency p_deps[] = {{"q", 0}, {NULL, 0}};
    static const cami_dependency q_deps[] = {{"p", 0}, {NULL, 0}};
    fake f = {.n = 0};
    fake_add(&f, "p", p_deps);
    fake_add(&f, "self", self_deps);
    fake_add(&f, "q", q_deps);
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 2);
    assert_int_equal(d.count, 2);
    assert_true(strstr(d.msgs[0], "cycle: p -> q -> p (") != NULL);
    assert_true(strstr(d.msgs[1], "cycle: self -> self (") != NULL);
    diag_free(&d);
}

static void test_order_duplicate(void **state)
{
    (void)state;
    fake f = {.n = 0};
    fake_add(&f, "a", NULL);
    fake_add(&f, "a", NULL);
    f.p[0].path = (char *)"/x/a.so";
    f.p[1].path = (char *)"/y/a.so";
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(f.items, f.n, &d), 1);
    assert_msg(&d, 0, "plugin 'a' is configured twice (/x/a.so and /y/a.so); expected each plugin "
                      "once");
    diag_free(&d);
}

static void test_order_empty(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    assert_int_equal(loader_order(NULL, 0, &d), 0);
    diag_free(&d);
}

/* ---- loader_open on real shared objects ---- */

static void expect_open_refused(const char *name, const char *expected)
{
    diag d;
    diag_init(&d);
    struct cami_plugin *p = loader_open(so(name), &empty_api, &d);
    assert_null(p);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static void test_open_good(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    struct cami_plugin *p = loader_open(so("good"), &empty_api, &d);
    diag_print(&d, stderr, "unexpected: ");
    assert_non_null(p);
    assert_int_equal(d.count, 0);
    assert_string_equal(p->name, "good");
    assert_string_equal(p->path, so("good"));
    assert_string_equal(p->desc.version, "1.2.3");
    assert_string_equal(p->desc.description, "Accepted by the loader");
    assert_int_equal(p->desc.magic, CAMI_PLUGIN_MAGIC);
    assert_int_equal(p->desc.abi_minor, CAMI_ABI_MINOR); /* older than this host's: fine */
    assert_non_null(p->desc.init);
    assert_non_null(p->desc.config_schema);
    assert_string_equal(p->desc.config_schema[1].key, "times");
    assert_non_null(p->dl);
    assert_null(p->section);
    assert_int_equal(p->state, PLUGIN_LOADED);
    loader_close(p);
    diag_free(&d);
}

static void test_open_bad_magic(void **state)
{
    (void)state;
    expect_open_refused("bad_magic",
                        fmt("plugin file %s does not start with the CAMI plugin magic (found "
                            "0xDEADBEEF, expected 0x43414D49): is it a camid plugin? was it built "
                            "with CAMI_PLUGIN()?", so("bad_magic")));
}

static void test_open_abi2(void **state)
{
    (void)state;
    expect_open_refused("abi2",
                        fmt("plugin 'abi2' (%s) was built for CAMI ABI 2.0, this camid provides "
                            "ABI 1.%d: rebuild the plugin against the installed SDK (pkg-config "
                            "cami-sdk) or upgrade camid", so("abi2"), HOST_MINOR));
}

static void test_open_abi1_99(void **state)
{
    (void)state;
    expect_open_refused("abi1_99",
                        fmt("plugin 'abi1_99' (%s) was built for CAMI ABI 1.99, which is newer "
                            "than this camid's 1.%d: upgrade camid or rebuild the plugin against "
                            "SDK 1.%d", so("abi1_99"), HOST_MINOR, HOST_MINOR));
}

static void test_open_no_entry(void **state)
{
    (void)state;
    expect_open_refused("noentry",
                        fmt("plugin file %s has no symbol 'cami_plugin_entry': is it a camid "
                            "plugin? it must use CAMI_PLUGIN() in one source file and be linked "
                            "so that the symbol stays exported (nm -D %s)",
                            so("noentry"), so("noentry")));
}

static void test_open_missing_file(void **state)
{
    (void)state;
    expect_open_refused("nosuch",
                        fmt("plugin file %s cannot be loaded: cannot open shared object file: No "
                            "such file or directory; check the path and that the libraries it "
                            "needs are installed (ldd %s)", so("nosuch"), so("nosuch")));
}

/* ---- loader_load over a configuration ---- */

/* Parse a config whose file name puts conf->dir at the plugins' directory. */
static conf *conf_at_libs(const char *text)
{
    char name[PATH_MAX + 32];
    snprintf(name, sizeof(name), "%s/test.conf", libs_dir);
    diag d;
    diag_init(&d);
    conf *c = conf_load_string(text, name, &d);
    diag_print(&d, stderr, "unexpected: ");
    assert_non_null(c);
    diag_free(&d);
    return c;
}

/* Expect loader_load to refuse, with `first` as its first message. */
static void expect_load_refused(const char *text, size_t count, const char *first)
{
    conf *c = conf_at_libs(text);
    plugin_set set = {NULL, 0};
    diag d;
    diag_init(&d);
    assert_int_equal(loader_load(c, libs_dir, &empty_api, &set, &d), -1);
    assert_null(set.items);
    assert_int_equal(set.count, 0);
    if (d.count != count) {
        diag_print(&d, stderr, "  ");
        fail_msg("%zu messages, expected %zu", d.count, count);
    }
    assert_msg(&d, 0, first);
    diag_free(&d);
    conf_free(c);
}

static void test_load_name_mismatch(void **state)
{
    (void)state;
    char f[PATH_MAX + 32];
    snprintf(f, sizeof(f), "%s/test.conf", libs_dir);
    expect_load_refused("[plugin.good]\n[plugin.other]\nmodule = good\n", 1,
                        fmt("%s:3: section [plugin.other] loads %s, whose plugin is named 'good'; "
                            "expected a plugin named 'other': rename the section to [plugin.good] "
                            "or point module at other's file", f, so("good")));
}

static void test_load_good(void **state)
{
    (void)state;
    /* module with a '/': relative to the directory of the config file */
    conf *c = conf_at_libs("[listener.main]\n[listener.admin]\n"
                           "[plugin.good]\nmodule = ./good.so\ngreeting = hey\ntimes = 3\n"
                           "listeners = admin, main\n");
    plugin_set set = {NULL, 0};
    diag d;
    diag_init(&d);
    int rc = loader_load(c, libs_dir, &empty_api, &set, &d);
    diag_print(&d, stderr, "unexpected: ");
    assert_int_equal(rc, 0);
    assert_int_equal(set.count, 1);
    struct cami_plugin *p = set.items[0];
    assert_string_equal(p->name, "good");
    assert_string_equal(p->path, fmt("%s/./good.so", libs_dir));   /* conf dir + module */
    assert_ptr_equal(p->section, conf_section_get(c, "plugin.good"));
    assert_int_equal(p->nlisteners, 2);
    assert_string_equal(p->listeners[0], "admin");
    assert_string_equal(p->listeners[1], "main");
    assert_int_equal(p->order, 0);
    assert_string_equal(conf_value(p->section, p->desc.config_schema, "times"), "3");
    assert_string_equal(conf_value(p->section, p->desc.config_schema, "loud"), "off");
    loader_unload(&set);
    assert_null(set.items);
    assert_int_equal(set.count, 0);
    diag_free(&d);
    conf_free(c);
}

static void test_load_bare_name_and_no_listeners(void **state)
{
    (void)state;
    conf *c = conf_at_libs("[camid]\n[plugin.good]\n");
    plugin_set set = {NULL, 0};
    diag d;
    diag_init(&d);
    assert_int_equal(loader_load(c, libs_dir, &empty_api, &set, &d), 0);
    assert_int_equal(set.count, 1);
    assert_string_equal(set.items[0]->path, so("good"));
    assert_null(set.items[0]->listeners);   /* all listeners */
    loader_unload(&set);
    diag_free(&d);
    conf_free(c);
}

static void test_load_no_plugins(void **state)
{
    (void)state;
    conf *c = conf_at_libs("[camid]\n");
    plugin_set set = {NULL, 0};
    diag d;
    diag_init(&d);
    assert_int_equal(loader_load(c, libs_dir, &empty_api, &set, &d), 0);
    assert_int_equal(set.count, 0);
    loader_unload(&set);
    diag_free(&d);
    conf_free(c);
}

static void test_load_config_errors(void **state)
{
    (void)state;
    conf *c = conf_at_libs("[listener.main]\n"
                           "[plugin.good]\n"
                           "tmes = 3\n"
                           "loud = maybe\n"
                           "listeners = main, admin\n"
                           "modul = good\n");
    plugin_set set = {NULL, 0};
    diag d;
    diag_init(&d);
    assert_int_equal(loader_load(c, libs_dir, &empty_api, &set, &d), -1);
    assert_null(set.items);
    char f[PATH_MAX + 32];
    snprintf(f, sizeof(f), "%s/test.conf", libs_dir);
    assert_int_equal(d.count, 4);
    assert_msg(&d, 0, fmt("%s:3: plugin 'good': unknown key 'tmes'; did you mean 'times'?", f));
    assert_msg(&d, 1, fmt("%s:4: plugin 'good': loud = maybe: expected a boolean (on/off, yes/no, "
                          "true/false or 1/0)", f));
    assert_msg(&d, 2, fmt("%s:6: plugin 'good': unknown key 'modul'; did you mean 'module'?", f));
    assert_msg(&d, 3, fmt("%s:5: plugin 'good': listeners names 'admin', but there is no "
                          "[listener.admin] section; expected one of: main", f));
    diag_free(&d);
    conf_free(c);
}

static void test_load_listener_lists(void **state)
{
    (void)state;
    char f[PATH_MAX + 32];
    snprintf(f, sizeof(f), "%s/test.conf", libs_dir);
    expect_load_refused("[plugin.good]\nlisteners = web\n", 1,
                        fmt("%s:2: plugin 'good': listeners names 'web', but there is no "
                            "[listener.web] section; expected a [listener.NAME] section for each "
                            "name (none is configured)", f));
    expect_load_refused("[listener.a]\n[plugin.good]\nlisteners = a, a\n", 1,
                        fmt("%s:3: plugin 'good': listeners names 'a' twice; expected each "
                            "listener once", f));
    expect_load_refused("[listener.a]\n[plugin.good]\nlisteners = a,\n", 1,
                        fmt("%s:3: plugin 'good': listeners = a, has an empty name; expected a "
                            "comma-separated list of listener names", f));
    expect_load_refused("[listener.a]\n[plugin.good]\nlisteners =\n", 1,
                        fmt("%s:3: plugin 'good': listeners is empty; expected a comma-separated "
                            "list of [listener.NAME] names, or no listeners key to serve on all "
                            "of them", f));
}

static void test_load_refusals_have_places(void **state)
{
    (void)state;
    char f[PATH_MAX + 32];
    snprintf(f, sizeof(f), "%s/test.conf", libs_dir);
    expect_load_refused("[camid]\n[plugin.abi2]\n", 1,
                        fmt("%s:2: plugin 'abi2' (%s) was built for CAMI ABI 2.0, this camid "
                            "provides ABI 1.%d: rebuild the plugin against the installed SDK "
                            "(pkg-config cami-sdk) or upgrade camid", f, so("abi2"), HOST_MINOR));
    expect_load_refused("[plugin.hello]\n\nmodule = /nonexistent/hello.so\n", 1,
                        fmt("%s:3: plugin file /nonexistent/hello.so cannot be loaded: cannot "
                            "open shared object file: No such file or directory; check the path "
                            "and that the libraries it needs are installed (ldd "
                            "/nonexistent/hello.so)", f));
    expect_load_refused("[plugin.Good]\n", 1,
                        fmt("%s:1: section [plugin.Good] names plugin 'Good'; expected "
                            "[plugin.NAME] with a NAME of a-z, 0-9 and _", f));
    expect_load_refused("[plugin.good]\nmodule =\n", 1,
                        fmt("%s:2: plugin 'good': module is empty; expected a plugin name (loaded "
                            "from the plugin directory) or a path to its .so file", f));
    /* one broken plugin does not hide the others' problems */
    expect_load_refused("[plugin.bad_magic]\n[plugin.good]\ntimes = x\n", 2,
                        fmt("%s:1: plugin file %s does not start with the CAMI plugin magic "
                            "(found 0xDEADBEEF, expected 0x43414D49): is it a camid plugin? was it "
                            "built with CAMI_PLUGIN()?", f, so("bad_magic")));
}

static void test_load_missing_dependency(void **state)
{
    (void)state;
    expect_load_refused("[plugin.good]\n[plugin.needs_missing]\n", 1,
                        fmt("plugin 'needs_missing' (%s) needs plugin 'absent', which is not "
                            "configured; expected a [plugin.absent] section to load it (or remove "
                            "[plugin.needs_missing])", so("needs_missing")));
}

static void test_load_cycle(void **state)
{
    (void)state;
    expect_load_refused("[plugin.cycle_b]\n[plugin.good]\n[plugin.cycle_a]\n", 1,
                        "plugins depend on each other in a cycle: cycle_b -> cycle_a -> cycle_b "
                        "(each needs the next one initialised first); expected dependencies "
                        "without cycles: remove one of these dependencies from its plugin");
}

int main(void)
{
    const char *top = getenv("CAMI_TOP_BUILDDIR");
    snprintf(libs_dir, sizeof(libs_dir), "%s/tests/plugins/.libs", top && *top ? top : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desc_good),
        cmocka_unit_test(test_desc_null),
        cmocka_unit_test(test_desc_bad_magic),
        cmocka_unit_test(test_desc_newer_major),
        cmocka_unit_test(test_desc_older_major),
        cmocka_unit_test(test_desc_newer_minor),
        cmocka_unit_test(test_desc_older_and_equal_minor),
        cmocka_unit_test(test_desc_longer_struct),
        cmocka_unit_test(test_desc_short_struct),
        cmocka_unit_test(test_desc_missing_fields),
        cmocka_unit_test(test_desc_bad_schema),
        cmocka_unit_test(test_desc_bad_dependency),
        cmocka_unit_test(test_order_dependencies),
        cmocka_unit_test(test_order_optional),
        cmocka_unit_test(test_order_stable),
        cmocka_unit_test(test_order_missing),
        cmocka_unit_test(test_order_cycle2),
        cmocka_unit_test(test_order_cycle3),
        cmocka_unit_test(test_order_self_and_two_cycles),
        cmocka_unit_test(test_order_duplicate),
        cmocka_unit_test(test_order_empty),
        cmocka_unit_test(test_open_good),
        cmocka_unit_test(test_open_bad_magic),
        cmocka_unit_test(test_open_abi2),
        cmocka_unit_test(test_open_abi1_99),
        cmocka_unit_test(test_open_no_entry),
        cmocka_unit_test(test_open_missing_file),
        cmocka_unit_test(test_load_name_mismatch),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_bare_name_and_no_listeners),
        cmocka_unit_test(test_load_no_plugins),
        cmocka_unit_test(test_load_config_errors),
        cmocka_unit_test(test_load_listener_lists),
        cmocka_unit_test(test_load_refusals_have_places),
        cmocka_unit_test(test_load_missing_dependency),
        cmocka_unit_test(test_load_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
