/*
 * test_store_unit.c - the store's pure parts: how JSON parameters are bound,
 * what MariaDB errors mean, and migration file names, order, checksums and
 * statements. No server needed (tests/integration/test_store.py has one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include <cami/cami.h>
#include <cami/store.h>

#include "store_errmap.h"
#include "store_migfile.h"
#include "store_param.h"

static void param_kinds(void **state)
{
    json_t *a = json_loads("[null, 1, -9223372036854775808, 1.5, \"x\", true, false, {}, []]",
                           0, NULL);

    (void)state;
    assert_non_null(a);
    assert_int_equal(store_param_kind(json_array_get(a, 0)), STORE_PARAM_NULL);
    assert_int_equal(store_param_kind(json_array_get(a, 1)), STORE_PARAM_INT);
    assert_int_equal(store_param_kind(json_array_get(a, 2)), STORE_PARAM_INT);
    assert_true(store_param_int(json_array_get(a, 2)) == INT64_MIN);
    assert_int_equal(store_param_kind(json_array_get(a, 3)), STORE_PARAM_DOUBLE);
    assert_int_equal(store_param_kind(json_array_get(a, 4)), STORE_PARAM_STRING);
    assert_int_equal(store_param_kind(json_array_get(a, 5)), STORE_PARAM_INT);
    assert_int_equal(store_param_int(json_array_get(a, 5)), 1);
    assert_int_equal(store_param_kind(json_array_get(a, 6)), STORE_PARAM_INT);
    assert_int_equal(store_param_int(json_array_get(a, 6)), 0);
    assert_int_equal(store_param_kind(json_array_get(a, 7)), STORE_PARAM_BAD);
    assert_int_equal(store_param_kind(json_array_get(a, 8)), STORE_PARAM_BAD);
    json_decref(a);
}

static void params_check(void **state)
{
    char err[256];
    json_t *ok = json_loads("[1, \"a\", null, 2.5, true]", 0, NULL);
    json_t *bad = json_loads("[1, {\"a\": 1}]", 0, NULL);
    json_t *obj = json_object();

    (void)state;
    assert_int_equal(store_params_check(NULL, err, sizeof err), 0);
    assert_int_equal(store_params_check(ok, err, sizeof err), 0);
    assert_int_equal(store_params_check(bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "parameter 2 is an object"));
    assert_int_equal(store_params_check(obj, err, sizeof err), -1);
    assert_non_null(strstr(err, "array"));
    json_decref(ok);
    json_decref(bad);
    json_decref(obj);
}

static void error_mapping(void **state)
{
    (void)state;
    assert_int_equal(store_errmap(ER_DUP_ENTRY), CAMI_STORE_EDUPLICATE);
    assert_int_equal(store_errmap(ER_NO_REFERENCED_ROW_2), CAMI_STORE_ECONSTRAINT);
    assert_int_equal(store_errmap(ER_BAD_NULL_ERROR), CAMI_STORE_ECONSTRAINT);
    assert_int_equal(store_errmap(ER_DATA_TOO_LONG), CAMI_STORE_ECONSTRAINT);
    assert_int_equal(store_errmap(ER_WARN_DATA_OUT_OF_RANGE), CAMI_STORE_ECONSTRAINT);
    assert_int_equal(store_errmap(ER_STATEMENT_TIMEOUT), CAMI_ETIMEDOUT);
    assert_int_equal(store_errmap(ER_PARSE_ERROR), CAMI_EINVAL);
    assert_int_equal(store_errmap(ER_NO_SUCH_TABLE), CAMI_EINVAL);
    assert_int_equal(store_errmap(CR_SERVER_GONE_ERROR), CAMI_STORE_EDOWN);
    assert_int_equal(store_errmap(CR_SERVER_LOST), CAMI_STORE_EDOWN);
    assert_int_equal(store_errmap(CR_CONNECTION_ERROR), CAMI_STORE_EDOWN);
    assert_int_equal(store_errmap(ER_LOCK_DEADLOCK), CAMI_EFAIL);
    assert_true(store_err_broken(CR_SERVER_LOST));
    assert_false(store_err_broken(ER_DUP_ENTRY));
}

static void file_names(void **state)
{
    unsigned long long v = 0;

    (void)state;
    assert_int_equal(store_migfile_name("0001_users.sql", &v), 1);
    assert_true(v == 1);
    assert_int_equal(store_migfile_name("120_x.sql", &v), 1);
    assert_true(v == 120);
    assert_int_equal(store_migfile_name("README.md", &v), 0);
    assert_int_equal(store_migfile_name("0001_users.sql~", &v), 0);
    assert_int_equal(store_migfile_name("users.sql", &v), -1);
    assert_int_equal(store_migfile_name("0001users.sql", &v), -1);
    assert_int_equal(store_migfile_name("_users.sql", &v), -1);
    assert_int_equal(store_migfile_name("1234567890123456789012_x.sql", &v), -1);
}

static void ordering(void **state)
{
    char err[256];
    struct store_migfile f[3] = {
        { 10, "10_c.sql", NULL }, { 2, "0002_b.sql", NULL }, { 1, "1_a.sql", NULL }
    };
    struct store_migfile d[2] = { { 3, "3_a.sql", NULL }, { 3, "0003_b.sql", NULL } };

    (void)state;
    assert_int_equal(store_migfile_sort(f, 3, err, sizeof err), 0);
    assert_true(f[0].version == 1 && f[1].version == 2 && f[2].version == 10);
    assert_int_equal(store_migfile_sort(d, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "0003_b.sql"));
    assert_non_null(strstr(err, "3_a.sql"));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void listing(void **state)
{
    char dir[] = "/tmp/store-unit-XXXXXX", err[512], path[600];
    struct store_migfile *files = NULL;
    size_t n = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "0002_b.sql", "SELECT 2;\n");
    write_file(dir, "0010_c.sql", "SELECT 10;\n");
    write_file(dir, "1_a.sql", "SELECT 1;\n");
    write_file(dir, "README", "notes\n");
    assert_int_equal(store_migfile_list(dir, &files, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(files[0].name, "1_a.sql");
    assert_string_equal(files[1].name, "0002_b.sql");
    assert_string_equal(files[2].name, "0010_c.sql");
    store_migfile_free(files, n);

    write_file(dir, "0002_dup.sql", "SELECT 2;\n");
    assert_int_equal(store_migfile_list(dir, &files, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "0002_dup.sql"));
    snprintf(path, sizeof path, "%s/0002_dup.sql", dir);
    assert_int_equal(unlink(path), 0);

    write_file(dir, "add_users.sql", "SELECT 3;\n");
    assert_int_equal(store_migfile_list(dir, &files, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "add_users.sql"));

    assert_int_equal(store_migfile_list("/nonexistent/store", &files, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/store"));

    for (const char *const *name = (const char *const[]){ "0002_b.sql", "0010_c.sql", "1_a.sql",
                                                          "README", "add_users.sql", NULL };
         *name != NULL; name++) {
        snprintf(path, sizeof path, "%s/%s", dir, *name);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void checksums(void **state)
{
    char hex[17];

    (void)state;
    /* The published FNV-1a 64 test vectors. */
    assert_true(store_fnv1a64("", 0) == 0xcbf29ce484222325ull);
    assert_true(store_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(store_fnv1a64("foobar", 6) == 0x85944171f73967e8ull);
    store_checksum_hex("a", 1, hex);
    assert_string_equal(hex, "af63dc4c8601ec8c");
    store_checksum_hex("", 0, hex);
    assert_string_equal(hex, "cbf29ce484222325");
}

/* All statements of text joined by '|'. */
static void split(const char *text, char *out, size_t outlen)
{
    size_t pos = 0, len = strlen(text), used = 0, n;
    const char *s;

    out[0] = '\0';
    while (store_sql_next(text, len, &pos, &s, &n)) {
        used += (size_t)snprintf(out + used, outlen - used, "%s%.*s", used ? "|" : "", (int)n, s);
        assert_true(used < outlen);
    }
}

static void statements(void **state)
{
    char out[512];

    (void)state;
    split("CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);\n", out, sizeof out);
    assert_string_equal(out, "CREATE TABLE a (x INT)|INSERT INTO a VALUES (1)");
    /* ';' inside a line does not end a statement; trailing blanks do not matter. */
    split("INSERT INTO a VALUES ('x;y');  \r\nSELECT 1", out, sizeof out);
    assert_string_equal(out, "INSERT INTO a VALUES ('x;y')|SELECT 1");
    split("-- only a comment\n;\n\n# another\n  ;\nSELECT 2;", out, sizeof out);
    assert_string_equal(out, "SELECT 2");
    split("-- heading\nCREATE TABLE b (\n  y INT -- why\n);\n", out, sizeof out);
    assert_string_equal(out, "-- heading\nCREATE TABLE b (\n  y INT -- why\n)");
    split("", out, sizeof out);
    assert_string_equal(out, "");
    split("   \n\n", out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(param_kinds),  cmocka_unit_test(params_check),
        cmocka_unit_test(error_mapping), cmocka_unit_test(file_names),
        cmocka_unit_test(ordering),     cmocka_unit_test(listing),
        cmocka_unit_test(checksums),    cmocka_unit_test(statements),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
