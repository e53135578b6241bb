/*
 * test_config.c - the config parser: syntax errors with file:line, includes,
 * checking sections against a schema, and the value parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* By its path: the include path also searches the top source and build dirs. */
#include "core/config.h"
#include "diag.h"

/* ---- helpers ---- */

/* Messages are compared whole: their wording is what an admin reads. */
static void assert_msg(const diag *d, size_t i, const char *expected)
{
    if (i >= d->count)
        fail_msg("expected message #%zu \"%s\", got only %zu messages", i, expected, d->count);
    if (strcmp(d->msgs[i], expected) != 0)
        fail_msg("message #%zu:\n  got:      %s\n  expected: %s", i, d->msgs[i], expected);
}

static void assert_msg_starts(const diag *d, size_t i, const char *prefix)
{
    if (i >= d->count)
        fail_msg("expected message #%zu starting \"%s\", got only %zu", i, prefix, d->count);
    if (strncmp(d->msgs[i], prefix, strlen(prefix)) != 0)
        fail_msg("message #%zu:\n  got:      %s\n  expected: %s...", i, d->msgs[i], prefix);
}

/* Parse `text` expecting exactly one syntax error, and compare it. */
static void expect_syntax_error(const char *text, const char *expected)
{
    diag d;
    diag_init(&d);
    conf *c = conf_load_string(text, "t.conf", &d);
    assert_null(c);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static conf *parse_ok(const char *text)
{
    diag d;
    diag_init(&d);
    conf *c = conf_load_string(text, "t.conf", &d);
    if (!c || d.count) {
        diag_print(&d, stderr, "unexpected: ");
        fail_msg("parse failed");
    }
    diag_free(&d);
    return c;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
}

/* Remove a test directory tree (only what the tests create: files and dirs). */
static void remove_tree(const char *path)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static int tmpdir_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = malloc(PATH_MAX);
    if (!tmpl)
        return -1;
    snprintf(tmpl, PATH_MAX, "%s/test_config.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        free(tmpl);
        return -1;
    }
    *state = tmpl;
    return 0;
}

static int tmpdir_teardown(void **state)
{
    remove_tree(*state);
    free(*state);
    return 0;
}

/* ---- parsing what is right ---- */

static void test_parse_values(void **state)
{
    (void)state;
    conf *c = parse_ok("# a comment\n"
                       "; another\n"
                       "   # indented comment\n"
                       "\n"
                       "[camid]\n"
                       "  workers   =   4  \n"
                       "empty =\n"
                       "quoted = \"  keep \\\"blanks\\\" \\\\ \\t\\n  \"\r\n"
                       "inner = a \"b\" c\n"
                       "[ listener.main ]\n"
                       "address = 127.0.0.1:8080\n"
                       "[camid]\n"
                       "log_level = info\n");
    assert_int_equal(c->count, 2);
    const conf_section *s = conf_section_get(c, "camid");
    assert_non_null(s);
    assert_string_equal(s->file, "t.conf");
    assert_int_equal(s->line, 5);
    assert_int_equal(s->count, 5);   /* reopened: log_level joined it */
    const conf_entry *e = conf_entry_get(s, "workers");
    assert_non_null(e);
    assert_string_equal(e->value, "4");
    assert_string_equal(e->file, "t.conf");
    assert_int_equal(e->line, 6);
    assert_string_equal(conf_entry_get(s, "empty")->value, "");
    assert_string_equal(conf_entry_get(s, "quoted")->value, "  keep \"blanks\" \\ \t\n  ");
    assert_string_equal(conf_entry_get(s, "inner")->value, "a \"b\" c");
    assert_int_equal(conf_entry_get(s, "log_level")->line, 13);
    assert_null(conf_entry_get(s, "nothing"));
    const conf_section *l = conf_section_get(c, "listener.main");
    assert_non_null(l);
    assert_string_equal(conf_entry_get(l, "address")->value, "127.0.0.1:8080");
    assert_null(conf_section_get(c, "http"));
    conf_free(c);
}

static void test_dir_of_main_file(void **state)
{
    (void)state;
    static const struct { const char *name, *dir; } cases[] = {
        {"etc/camid.conf", "etc"},
        {"camid.conf", "."},
        {"/camid.conf", "/"},
        {"/etc/camid/camid.conf", "/etc/camid"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        diag d;
        diag_init(&d);
        conf *c = conf_load_string("[camid]\n", cases[i].name, &d);
        assert_non_null(c);
        assert_string_equal(c->path, cases[i].name);
        assert_string_equal(c->dir, cases[i].dir);
        conf_free(c);
        diag_free(&d);
    }
}

static void test_byte_order_mark(void **state)
{
    (void)state;
    conf *c = parse_ok("\xEF\xBB\xBF[camid]\nworkers = 2\n");
    assert_non_null(conf_section_get(c, "camid"));
    conf_free(c);
}

/* ---- syntax errors ---- */

static void test_error_no_equals(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\nworkers 4\n",
                        "t.conf:2: 'workers 4' is not a setting; expected key = value, a "
                        "[section] header or a # comment");
}

static void test_error_unterminated_quote(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\n\nname = \"abc\n",
                        "t.conf:3: unterminated quoted value (the '\"' at column 8 is never "
                        "closed); expected a closing '\"' on the same line");
    /* a backslash cannot escape the end of the line */
    expect_syntax_error("[camid]\nname = \"abc\\\n",
                        "t.conf:2: unterminated quoted value (the '\"' at column 8 is never "
                        "closed); expected a closing '\"' on the same line");
}

static void test_error_bad_escape(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\nname = \"a\\qb\"\n",
                        "t.conf:2: unknown escape '\\q' in a quoted value; expected \\\" \\\\ \\n "
                        "or \\t");
}

static void test_error_after_quote(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\nname = \"abc\" # hi\n",
                        "t.conf:2: unexpected '# hi' after the closing quote; expected the end "
                        "of the line (comments go on a line of their own)");
}

static void test_error_header_unclosed(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\n[plugin.hello\nmodule = hello\n",
                        "t.conf:2: section header '[plugin.hello' has no closing ']'; expected "
                        "[name]");
}

static void test_error_header_junk(void **state)
{
    (void)state;
    expect_syntax_error("[camid] # main\n",
                        "t.conf:1: unexpected '# main' after the section header; expected "
                        "nothing after ']' (comments go on a line of their own)");
}

static void test_error_header_names(void **state)
{
    (void)state;
    expect_syntax_error("[ ]\n", "t.conf:1: empty section name; expected [name], e.g. [camid]");
    expect_syntax_error("[plugin hello]\n",
                        "t.conf:1: section name 'plugin hello' is not valid; expected letters, "
                        "digits, '_', '.' and '-' only, e.g. [plugin.hello]");
}

static void test_error_key_outside_section(void **state)
{
    (void)state;
    expect_syntax_error("# top\nworkers = 4\n[camid]\n",
                        "t.conf:2: key 'workers' is outside any section; expected a [section] "
                        "header (e.g. [camid]) before it");
}

static void test_error_duplicate_key(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\nworkers = 1\n[http]\n[camid]\nworkers = 2\n",
                        "t.conf:5: key 'workers' is set twice in [camid] (first at t.conf:2); "
                        "expected each key once per section: remove one");
}

static void test_error_bad_keys(void **state)
{
    (void)state;
    expect_syntax_error("[camid]\n = 3\n", "t.conf:2: no key before '='; expected key = value");
    expect_syntax_error("[camid]\nlog level = info\n",
                        "t.conf:2: key 'log level' is not valid; expected letters, digits, '_', "
                        "'.' and '-' only, then = value");
}

/* All errors of a file are reported at once, each at its own line; keys
 * under a broken header are not blamed again. */
static void test_errors_collected(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c = conf_load_string("stray = 1\n"
                               "[camid]\n"
                               "workers = 1\n"
                               "oops\n"
                               "[broken\n"
                               "under_broken = 1\n"
                               "[http]\n"
                               "x = \"open\n",
                               "many.conf", &d);
    assert_null(c);
    assert_int_equal(d.count, 4);
    assert_msg_starts(&d, 0, "many.conf:1: key 'stray' is outside any section");
    assert_msg_starts(&d, 1, "many.conf:4: 'oops' is not a setting");
    assert_msg_starts(&d, 2, "many.conf:5: section header '[broken' has no closing ']'");
    assert_msg_starts(&d, 3, "many.conf:8: unterminated quoted value");
    diag_free(&d);
}

static void test_error_unreadable_main(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    assert_int_equal(d.count, 1);
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s: cannot read the configuration: No such file or "
             "directory; expected a readable config file (use -c FILE to name another)", path);
    assert_msg(&d, 0, expected);
    diag_free(&d);
    /* a directory is not a config file */
    diag_init(&d);
    assert_null(conf_load(dir, &d));
    assert_int_equal(d.count, 1);
    snprintf(expected, sizeof(expected), "%s: cannot read the configuration: it is a directory; "
             "expected a config file", dir);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static void test_error_nul_byte(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/nul.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite("[camid]\nx = a\0b\n", 1, 16, f), 16);
    assert_int_equal(fclose(f), 0);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s:2: line contains a NUL byte; expected text (is this "
             "a config file?)", path);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

/* ---- includes ---- */

static void test_include_glob_sorted(void **state)
{
    const char *dir = *state;
    make_dir(dir, "camid.d");
    write_file(dir, "camid.conf",
               "[camid]\n"
               "workers = 2\n"
               "include = camid.d/*.conf\n"
               "include = nothing.d/*.conf\n"     /* matches nothing: fine */
               "log_level = info\n"               /* still in [camid] */
               "[plugin.hello]\n"
               "module = hello\n");
    write_file(dir, "camid.d/b.conf", "[plugin.b]\nx = 2\n");
    write_file(dir, "camid.d/a.conf", "[plugin.a]\nx = 1\n[plugin.hello]\ngreeting = hi\n");
    write_file(dir, "camid.d/ignored.txt", "not = read\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/camid.conf", dir);
    diag d;
    diag_init(&d);
    conf *c = conf_load(path, &d);
    diag_print(&d, stderr, "unexpected: ");
    assert_non_null(c);
    assert_int_equal(d.count, 0);
    assert_string_equal(c->path, path);
    assert_string_equal(c->dir, dir);
    /* order of first opening: camid, then a.conf's before b.conf's */
    assert_int_equal(c->count, 4);
    assert_string_equal(c->sections[0].name, "camid");
    assert_string_equal(c->sections[1].name, "plugin.a");
    assert_string_equal(c->sections[2].name, "plugin.hello");
    assert_string_equal(c->sections[3].name, "plugin.b");
    const conf_section *camid = conf_section_get(c, "camid");
    assert_int_equal(camid->count, 2);   /* include lines are not entries */
    assert_null(conf_entry_get(camid, "include"));
    assert_int_equal(conf_entry_get(camid, "log_level")->line, 5);
    char apath[PATH_MAX];
    snprintf(apath, sizeof(apath), "%s/camid.d/a.conf", dir);
    const conf_section *hello = conf_section_get(c, "plugin.hello");
    assert_string_equal(hello->file, apath);  /* opened first in a.conf */
    assert_int_equal(hello->line, 3);
    const conf_entry *g = conf_entry_get(hello, "greeting");
    assert_string_equal(g->file, apath);
    assert_int_equal(g->line, 4);
    assert_string_equal(conf_entry_get(hello, "module")->file, path);
    conf_free(c);
    diag_free(&d);
}

static void test_include_relative_to_includer(void **state)
{
    const char *dir = *state;
    make_dir(dir, "etc");
    make_dir(dir, "etc/more");
    make_dir(dir, "etc/more/deeper");
    write_file(dir, "etc/main.conf", "[camid]\ninclude = more/one.conf\n");
    write_file(dir, "etc/more/one.conf", "[camid]\ninclude = deeper/*.conf\n");
    write_file(dir, "etc/more/deeper/two.conf", "[plugin.two]\nk = v\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/etc/main.conf", dir);
    diag d;
    diag_init(&d);
    conf *c = conf_load(path, &d);
    diag_print(&d, stderr, "unexpected: ");
    assert_non_null(c);
    const conf_section *two = conf_section_get(c, "plugin.two");
    assert_non_null(two);
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s/etc/more/deeper/two.conf", dir);
    assert_string_equal(two->file, expected);
    conf_free(c);
    diag_free(&d);
}

static void test_include_duplicate_across_files(void **state)
{
    const char *dir = *state;
    write_file(dir, "main.conf", "[plugin.hello]\ngreeting = hi\n[camid]\ninclude = *.inc\n");
    write_file(dir, "x.inc", "# reopens the plugin's section\n[plugin.hello]\ngreeting = ho\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/main.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    assert_int_equal(d.count, 1);
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s/x.inc:3: key 'greeting' is set twice in "
             "[plugin.hello] (first at %s:2); expected each key once per section: remove one",
             dir, path);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static void test_include_file_starts_outside_section(void **state)
{
    const char *dir = *state;
    write_file(dir, "main.conf", "[camid]\ninclude = part.conf\n");
    write_file(dir, "part.conf", "workers = 3\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/main.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s/part.conf:1: key 'workers' is outside any section; "
             "expected a [section] header (e.g. [camid]) before it", dir);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static void test_include_missing_literal(void **state)
{
    const char *dir = *state;
    write_file(dir, "main.conf", "[camid]\n\ninclude = extra.conf\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/main.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s:3: cannot read included file %s/extra.conf: No such "
             "file or directory; expected an existing file (or a glob such as *.conf, which may "
             "match nothing)", path, dir);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

/* Running as root, permissions do not stop a read; a directory always does. */
static void test_include_unreadable(void **state)
{
    const char *dir = *state;
    make_dir(dir, "conf.d");
    make_dir(dir, "conf.d/b.conf");
    write_file(dir, "conf.d/a.conf", "[plugin.a]\nx = 1\n");
    write_file(dir, "main.conf", "[camid]\ninclude = conf.d/*.conf\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/main.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s:2: cannot read included file %s/conf.d/b.conf: it is "
             "a directory; expected a config file", path, dir);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static void test_include_loop(void **state)
{
    const char *dir = *state;
    write_file(dir, "a.conf", "[camid]\ninclude = b.conf\n");
    write_file(dir, "b.conf", "[camid]\nworkers = 1\ninclude = a.conf\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/a.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s/b.conf:3: include loop: %s -> %s/b.conf -> %s/a.conf; "
             "expected includes that do not lead back to a file being read: remove one of these "
             "include lines", dir, path, dir, dir);
    assert_int_equal(d.count, 1);
    assert_msg(&d, 0, expected);
    diag_free(&d);
}

static void test_include_self(void **state)
{
    const char *dir = *state;
    write_file(dir, "self.conf", "[camid]\ninclude = *.conf\n");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/self.conf", dir);
    diag d;
    diag_init(&d);
    assert_null(conf_load(path, &d));
    assert_int_equal(d.count, 1);
    char expected[8 * PATH_MAX];
    snprintf(expected, sizeof(expected), "%s:2: include loop: %s -> %s", path, path, path);
    assert_msg_starts(&d, 0, expected);
    diag_free(&d);
}

static void test_include_only_in_camid(void **state)
{
    (void)state;
    /* elsewhere it is an ordinary key, left to the section's checker */
    conf *c = parse_ok("[http]\ninclude = x.conf\n");
    assert_string_equal(conf_entry_get(conf_section_get(c, "http"), "include")->value, "x.conf");
    conf_free(c);
    expect_syntax_error("[camid]\ninclude =\n",
                        "t.conf:2: include names no file; expected include = FILE or GLOB, e.g. "
                        "include = camid.d/*.conf");
}

/* ---- checking sections ---- */

static const cami_config_key schema[] = {
    {"workers", CAMI_CONFIG_INT, "1", 0, "worker processes"},
    {"verbose", CAMI_CONFIG_BOOL, "off", 0, "say more"},
    {"ratio", CAMI_CONFIG_DOUBLE, NULL, 0, "a ratio"},
    {"origins", CAMI_CONFIG_LIST, NULL, 0, "allowed origins"},
    {"dsn", CAMI_CONFIG_STRING, NULL, 1, "database to use"},
    {NULL, 0, NULL, 0, NULL}
};
static const char *const reserved[] = {"module", "listeners", NULL};

static int check(const char *text, diag *d, conf **out)
{
    conf *c = parse_ok(text);
    int n = conf_check_section(conf_section_get(c, "plugin.x"), schema, reserved, "plugin 'x'", d);
    *out = c;
    return n;
}

static void test_check_good_and_used(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c;
    assert_int_equal(check("[plugin.x]\nmodule = x\nworkers = -3\nverbose = YES\nratio = 0.5\n"
                           "origins = a, b\ndsn = mysql://x\n", &d, &c), 0);
    assert_int_equal(d.count, 0);
    const conf_section *s = conf_section_get(c, "plugin.x");
    for (size_t i = 0; i < s->count; i++)
        assert_int_equal(s->entries[i].used, 1);
    conf_free(c);
    diag_free(&d);
}

static void test_check_unknown_key(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c;
    assert_int_equal(check("[plugin.x]\ndsn = y\nwrokers = 4\nmodul = x\nVerbose = on\n"
                           "colour = blue\n", &d, &c), 4);
    assert_msg(&d, 0, "t.conf:3: plugin 'x': unknown key 'wrokers'; did you mean 'workers'?");
    assert_msg(&d, 1, "t.conf:4: plugin 'x': unknown key 'modul'; did you mean 'module'?");
    assert_msg(&d, 2, "t.conf:5: plugin 'x': unknown key 'Verbose'; did you mean 'verbose'?");
    assert_msg(&d, 3, "t.conf:6: plugin 'x': unknown key 'colour'; expected one of: workers, "
                      "verbose, ratio, origins, dsn, module, listeners");
    const conf_section *s = conf_section_get(c, "plugin.x");
    assert_int_equal(conf_entry_get(s, "wrokers")->used, 0);
    assert_int_equal(conf_entry_get(s, "dsn")->used, 1);
    conf_free(c);
    diag_free(&d);
}

static void test_check_unknown_key_no_schema(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c = parse_ok("[http]\nfoo = 1\n");
    assert_int_equal(conf_check_section(conf_section_get(c, "http"), NULL, NULL, NULL, &d), 1);
    assert_msg(&d, 0, "t.conf:2: [http]: unknown key 'foo'; expected no keys here");
    conf_free(c);
    diag_free(&d);
}

static void test_check_wrong_types(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c;
    assert_int_equal(check("[plugin.x]\ndsn = y\nworkers = many\nverbose = maybe\nratio = fast\n"
                           "origins = a,,b\n", &d, &c), 4);
    assert_msg(&d, 0, "t.conf:3: plugin 'x': workers = many: expected an integer (a whole number "
                      "such as 10 or -1)");
    assert_msg(&d, 1, "t.conf:4: plugin 'x': verbose = maybe: expected a boolean (on/off, yes/no, "
                      "true/false or 1/0)");
    assert_msg(&d, 2, "t.conf:5: plugin 'x': ratio = fast: expected a number (such as 2.5)");
    assert_msg(&d, 3, "t.conf:6: plugin 'x': origins = a,,b: expected a comma-separated list with "
                      "no empty item");
    conf_free(c);
    diag_free(&d);
}

static void test_check_wrong_type_hints(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c;
    assert_int_equal(check("[plugin.x]\ndsn = y\nworkers = 99999999999999999999\nverbose = on # yes\n"
                           "ratio =\n", &d, &c), 3);
    assert_msg(&d, 0, "t.conf:3: plugin 'x': workers = 99999999999999999999: expected an integer "
                      "between -9223372036854775808 and 9223372036854775807");
    assert_msg(&d, 1, "t.conf:4: plugin 'x': verbose = on # yes: expected a boolean (on/off, "
                      "yes/no, true/false or 1/0) (comments go on a line of their own)");
    assert_msg(&d, 2, "t.conf:5: plugin 'x': ratio = (nothing): expected a number (such as 2.5)");
    conf_free(c);
    diag_free(&d);
}

static void test_check_required_missing(void **state)
{
    (void)state;
    diag d;
    diag_init(&d);
    conf *c;
    assert_int_equal(check("[camid]\n\n[plugin.x]\nworkers = 2\n", &d, &c), 1);
    assert_msg(&d, 0, "t.conf:3: plugin 'x': required key 'dsn' is missing from [plugin.x]; "
                      "expected dsn = a string - database to use");
    conf_free(c);
    diag_free(&d);
    /* no section at all: still reported, without a place */
    diag_init(&d);
    assert_int_equal(conf_check_section(NULL, schema, reserved, "plugin 'x'", &d), 1);
    assert_msg(&d, 0, "plugin 'x': required key 'dsn' is not set; expected dsn = a string in its "
                      "section - database to use");
    diag_free(&d);
}

static void test_value_defaults(void **state)
{
    (void)state;
    conf *c = parse_ok("[plugin.x]\nworkers = 8\n");
    const conf_section *s = conf_section_get(c, "plugin.x");
    assert_string_equal(conf_value(s, schema, "workers"), "8");
    assert_string_equal(conf_value(s, schema, "verbose"), "off");
    assert_null(conf_value(s, schema, "ratio"));
    assert_null(conf_value(s, schema, "undeclared"));
    assert_string_equal(conf_value(NULL, schema, "workers"), "1");
    assert_string_equal(conf_value(s, NULL, "workers"), "8");
    conf_free(c);
}

/* ---- value parsers ---- */

static void test_parse_int(void **state)
{
    (void)state;
    static const struct { const char *s; int64_t v; } good[] = {
        {"0", 0}, {"-5", -5}, {"+7", 7}, {"007", 7},
        {"9223372036854775807", INT64_MAX}, {"-9223372036854775808", INT64_MIN},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t v = 42;
        assert_int_equal(conf_parse_int(good[i].s, &v), 0);
        assert_true(v == good[i].v);
    }
    static const char *const bad[] = {
        "", "-", "+", " 1", "1 ", "12abc", "0x10", "1.5", "many",
        "9223372036854775808", "-9223372036854775809", "--1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 42;
        if (conf_parse_int(bad[i], &v) != -1)
            fail_msg("conf_parse_int accepted \"%s\"", bad[i]);
        assert_true(v == 42);
    }
    assert_int_equal(conf_parse_int(NULL, NULL), -1);
}

static void test_parse_bool(void **state)
{
    (void)state;
    static const char *const yes[] = {"on", "ON", "yes", "Yes", "true", "TRUE", "1"};
    static const char *const no[] = {"off", "Off", "no", "NO", "false", "False", "0"};
    static const char *const bad[] = {"", "2", "onn", "y", "t", " on", "enabled"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        int v = -1;
        assert_int_equal(conf_parse_bool(yes[i], &v), 0);
        assert_int_equal(v, 1);
        v = -1;
        assert_int_equal(conf_parse_bool(no[i], &v), 0);
        assert_int_equal(v, 0);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int v = -1;
        if (conf_parse_bool(bad[i], &v) != -1)
            fail_msg("conf_parse_bool accepted \"%s\"", bad[i]);
        assert_int_equal(v, -1);
    }
}

static void test_parse_double(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(conf_parse_double("2.5", &v), 0);
    assert_true(v == 2.5);
    assert_int_equal(conf_parse_double("-1e3", &v), 0);
    assert_true(v == -1000.0);
    assert_int_equal(conf_parse_double("10", &v), 0);
    assert_true(v == 10.0);
    static const char *const bad[] = {"", "inf", "nan", "1e999", "0x1p3", "1.2.3", "abc", "1,5",
                                      " 1", "2.5s", ".", "-"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 7;
        if (conf_parse_double(bad[i], &v) != -1)
            fail_msg("conf_parse_double accepted \"%s\"", bad[i]);
        assert_true(v == 7);
    }
}

static void test_list_item(void **state)
{
    (void)state;
    char buf[8];
    assert_int_equal(conf_list_item(" a, bb ,c ", 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "a");
    assert_int_equal(conf_list_item(" a, bb ,c ", 1, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "bb");
    assert_int_equal(conf_list_item(" a, bb ,c ", 2, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "c");
    assert_int_equal(conf_list_item(" a, bb ,c ", 3, buf, sizeof(buf)), -1);
    assert_int_equal(conf_list_item("a,,b", 1, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(conf_list_item("", 0, buf, sizeof(buf)), -1);
    assert_int_equal(conf_list_item("  ", 0, buf, sizeof(buf)), -1);
    assert_int_equal(conf_list_item(NULL, 0, buf, sizeof(buf)), -1);
    assert_int_equal(conf_list_item("12345678", 0, buf, sizeof(buf)), -1);  /* does not fit */
    assert_int_equal(conf_list_item("1234567", 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1234567");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_dir_of_main_file),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_error_no_equals),
        cmocka_unit_test(test_error_unterminated_quote),
        cmocka_unit_test(test_error_bad_escape),
        cmocka_unit_test(test_error_after_quote),
        cmocka_unit_test(test_error_header_unclosed),
        cmocka_unit_test(test_error_header_junk),
        cmocka_unit_test(test_error_header_names),
        cmocka_unit_test(test_error_key_outside_section),
        cmocka_unit_test(test_error_duplicate_key),
        cmocka_unit_test(test_error_bad_keys),
        cmocka_unit_test(test_errors_collected),
        cmocka_unit_test_setup_teardown(test_error_unreadable_main, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_error_nul_byte, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_glob_sorted, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_relative_to_includer, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_duplicate_across_files, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_file_starts_outside_section, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_missing_literal, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_unreadable, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_loop, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_include_self, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_include_only_in_camid),
        cmocka_unit_test(test_check_good_and_used),
        cmocka_unit_test(test_check_unknown_key),
        cmocka_unit_test(test_check_unknown_key_no_schema),
        cmocka_unit_test(test_check_wrong_types),
        cmocka_unit_test(test_check_wrong_type_hints),
        cmocka_unit_test(test_check_required_missing),
        cmocka_unit_test(test_value_defaults),
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_parse_bool),
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_list_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
