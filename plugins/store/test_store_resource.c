/*
 * test_store_resource.c - unit tests of the resource engine's pure parts:
 * reading specs (every refusal names its member) and converting values
 * between the API and the database, and choosing the index that orders a
 * list from SHOW INDEX rows. The HTTP side is tested against a
 * real MariaDB in tests/integration/test_resources.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_resource.h"

static struct resource *parse(const char *text, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *spec = json_loads(text, 0, &jerr);
    struct resource *r;
    assert_non_null(spec);
    err[0] = '\0';
    r = rspec_parse(spec, err, errlen);
    json_decref(spec);
    return r;
}

#define THINGS                                                                                   \
    "{\"name\": \"things\", \"table\": \"thing\", \"fields\": {"                                  \
    "\"id\": {\"type\": \"integer\", \"readonly\": true},"                                         \
    "\"user_id\": {\"type\": \"bigint\", \"filters\": \"all\", \"filter_name\": \"user\"},"        \
    "\"name\": {\"type\": \"string\", \"max_length\": 3, \"filters\": [\"exact\", \"iexact\"]},"   \
    "\"kind\": {\"type\": \"string\", \"choices\": [\"a\", \"b\"], \"default\": \"a\"},"           \
    "\"value\": {\"type\": \"float\", \"min\": 0, \"max\": 500},"                                  \
    "\"count\": {\"type\": \"integer\", \"min\": 1, \"max\": 10, \"nullable\": true},"              \
    "\"ok\": {\"type\": \"boolean\", \"default\": false},"                                          \
    "\"at\": {\"type\": \"datetime\", \"nullable\": true},"                                         \
    "\"info\": {\"type\": \"json\", \"nullable\": true},"                                           \
    "\"owner\": {\"type\": \"related\", \"resource\": \"user\", \"nullable\": true}"                \
    "}, \"ordering\": [\"value\"], \"default_order\": [\"-value\"], \"owner\": \"user_id\"}"

static void test_spec_reads_a_full_resource(void **state)
{
    char err[400];
    struct resource *r = parse(THINGS, err, sizeof err);
    size_t i;
    (void)state;

    assert_non_null(r);
    assert_string_equal(r->base_path, "/api/v1/things/");
    assert_string_equal(r->list_key, "objects");
    assert_string_equal(r->fields[r->pk].name, "id");
    assert_int_equal(r->ndefault_order, 1);
    assert_true(r->default_order[0].desc);
    assert_non_null(resource_field(r, "user", 1, &i));
    assert_string_equal(r->fields[i].name, "user_id");
    assert_null(resource_field(r, "user", 0, NULL));
    assert_int_equal(r->fields[i].filters, RF_OP_ALL);
    assert_true(r->fields[i].required);                    /* no default, not nullable */
    assert_false(resource_field(r, "kind", 0, NULL)->required); /* has a default */
    assert_false(resource_field(r, "id", 0, NULL)->required);   /* readonly */
    assert_string_equal(resource_field(r, "owner", 0, NULL)->related_uri, "/api/v1/user/");
    /* output in name order */
    for (i = 1; i < r->nfields; i++)
        assert_true(strcmp(r->fields[r->out_order[i - 1]].name,
                           r->fields[r->out_order[i]].name) < 0);
    assert_non_null(strstr(r->select_cols, "`user_id` AS `user_id`"));
    resource_free(r);
}

static void refused(const char *text, const char *needle)
{
    char err[400];
    struct resource *r = parse(text, err, sizeof err);
    if (r != NULL || strstr(err, needle) == NULL)
        fail_msg("spec %s: expected an error with \"%s\", got \"%s\"", text, needle, err);
}

static void test_spec_refusals_name_the_member(void **state)
{
    (void)state;
    refused("[]", "must be a JSON object");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}, "
            "\"lsit_key\": \"x\"}", "unknown member 'lsit_key'");
    refused("{\"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}}", "'name'");
    refused("{\"name\": \"X Y\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}}",
            "'name'");
    refused("{\"name\": \"x\", \"table\": \"t; DROP\", \"fields\": {\"id\": {\"type\": \"integer\"}}}",
            "'table'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {}}", "'fields'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"int\"}}}",
            "field 'id': 'type'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\", "
            "\"colum\": \"x\"}}}", "field 'id': unknown member 'colum'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\", "
            "\"column\": \"a`b\"}}}", "'column'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\", "
            "\"filters\": [\"contains\"]}}}", "unknown filter contains");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"k\": {\"type\": \"integer\"}}}",
            "'primary_key': no field 'id'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"string\"}}}",
            "must be an integer or bigint");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"u\": {\"type\": \"related\"}}}", "needs 'resource'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"j\": {\"type\": \"json\", \"filters\": \"all\"}}}", "cannot be filtered");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\", "
            "\"min\": 5, \"max\": 1}}}", "'min' is above 'max'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"k\": {\"type\": \"string\", \"choices\": [\"a\"], \"default\": \"b\"}}}",
            "'default' is not a valid value");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}, "
            "\"ordering\": [\"nope\"]}", "'ordering': nope is not a field");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}, "
            "\"default_order\": [\"-nope\"]}", "'default_order'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}, "
            "\"owner\": \"nope\"}", "'owner': no field 'nope'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}}, "
            "\"list_methods\": [\"DELETE\"]}", "DELETE is not a method");
    refused("{\"name\": \"x\", \"table\": \"t\", \"prefix\": \"api\", \"fields\": {\"id\": "
            "{\"type\": \"integer\"}}}", "'prefix'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"resource_uri\": {\"type\": \"string\"}}}", "resource_uri");
    /* a query-string name means one field, whichever comes first */
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"owner\": {\"type\": \"integer\", "
            "\"filter_name\": \"user\"}, \"id\": {\"type\": \"integer\"}, \"user\": {\"type\": "
            "\"integer\"}}}", "filter_name 'user' is already the name of field 'user'");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"a\": {\"type\": \"integer\", \"filter_name\": \"u\"}, \"b\": {\"type\": "
            "\"integer\", \"filter_name\": \"u\"}}}", "filter_name 'u' is already");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"a__b\": {\"type\": \"integer\"}}}", "cannot contain it");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\", "
            "\"min\": 3000000000}}}", "'min' is outside the integer type's range");
    refused("{\"name\": \"x\", \"table\": \"t\", \"fields\": {\"id\": {\"type\": \"integer\"}, "
            "\"k\": {\"type\": \"integer\", \"choices\": [1, \"a\"]}}}",
            "choice 2 is not a valid value");
}

/* rvalue_from_api on a THINGS field: the normal form as JSON text, or the
 * error prefixed with "!". */
static char *api(const struct resource *r, const char *field, const char *value)
{
    char err[300];
    json_t *v = json_loads(value, JSON_DECODE_ANY, NULL), *out;
    char *text;
    assert_non_null(v);
    out = rvalue_from_api(resource_field(r, field, 0, NULL), v, err, sizeof err);
    json_decref(v);
    if (out == NULL) {
        text = malloc(strlen(err) + 2);
        text[0] = '!';
        strcpy(text + 1, err);
        return text;
    }
    text = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(out);
    return text;
}

#define API_IS(r, field, value, expect)                                                         \
    do {                                                                                         \
        char *got_ = api(r, field, value);                                                       \
        if (strncmp(got_, expect, strlen(expect)) != 0)                                          \
            fail_msg("%s = %s: expected %s, got %s", field, value, expect, got_);                \
        free(got_);                                                                              \
    } while (0)

static void test_values_from_clients(void **state)
{
    char err[400];
    struct resource *r = parse(THINGS, err, sizeof err);
    (void)state;
    assert_non_null(r);

    /* 64-bit ids: numbers or digit strings, kept exact */
    API_IS(r, "user_id", "\"9007199254740993\"", "9007199254740993");
    API_IS(r, "user_id", "9223372036854775807", "9223372036854775807");
    API_IS(r, "user_id", "\"9223372036854775808\"", "!an integer is required");
    API_IS(r, "user_id", "\"12abc\"", "!an integer is required");
    API_IS(r, "user_id", "1.5", "!an integer is required");
    API_IS(r, "user_id", "null", "!may not be null");
    /* 32-bit integers: their own range unless min/max say less */
    API_IS(r, "count", "0", "!must be at least 1");
    API_IS(r, "count", "11", "!must be at most 10");
    API_IS(r, "count", "null", "null");
    /* floats */
    API_IS(r, "value", "72.5", "72.5");
    API_IS(r, "value", "72", "72.0");
    API_IS(r, "value", "\"72.5\"", "72.5");
    API_IS(r, "value", "900", "!must be at most 500");
    API_IS(r, "value", "-0.5", "!must be at least 0");
    API_IS(r, "value", "\"nan\"", "!a number is required");
    API_IS(r, "value", "true", "!a number is required");
    /* strings: length in characters, not bytes */
    API_IS(r, "name", "\"\xc5\x9f\xc5\x9f\xc5\x9f\"", "\"\xc5\x9f\xc5\x9f\xc5\x9f\"");
    API_IS(r, "name", "\"abcd\"", "!must be at most 3 characters long");
    API_IS(r, "name", "5", "!a string is required");
    API_IS(r, "kind", "\"c\"", "!must be one of [\"a\",\"b\"]");
    /* booleans: JSON's only */
    API_IS(r, "ok", "true", "true");
    API_IS(r, "ok", "\"true\"", "!true or false is required");
    /* datetimes, normalised for MariaDB */
    API_IS(r, "at", "\"2016-09-26T21:27:54\"", "\"2016-09-26 21:27:54\"");
    API_IS(r, "at", "\"2016-09-26 21:27:54.123Z\"", "\"2016-09-26 21:27:54\"");
    API_IS(r, "at", "\"2016-09-26\"", "\"2016-09-26 00:00:00\"");
    API_IS(r, "at", "\"2016-02-30T00:00:00\"", "!a date and time");
    API_IS(r, "at", "\"2015-02-29T00:00:00\"", "!a date and time");
    API_IS(r, "at", "\"2016-02-29T24:00:00\"", "!a date and time");
    API_IS(r, "at", "\"yesterday\"", "!a date and time");
    /* UTC offsets move the time to UTC, across days, months and years */
    API_IS(r, "at", "\"2016-09-26T21:27:54+02:00\"", "\"2016-09-26 19:27:54\"");
    API_IS(r, "at", "\"2016-09-26T21:27:54.5-0530\"", "\"2016-09-27 02:57:54\"");
    API_IS(r, "at", "\"2016-01-01T01:00:00+03\"", "\"2015-12-31 22:00:00\"");
    API_IS(r, "at", "\"2016-02-28T23:30:00-01:00\"", "\"2016-02-29 00:30:00\"");
    API_IS(r, "at", "\"2015-02-28T23:30:00-01:00\"", "\"2015-03-01 00:30:00\"");
    API_IS(r, "at", "\"2000-03-01T00:10:00+00:20\"", "\"2000-02-29 23:50:00\"");
    API_IS(r, "at", "\"1969-12-31T23:00:00-02:00\"", "\"1970-01-01 01:00:00\"");
    API_IS(r, "at", "\"2016-09-26T21:27+00:00\"", "\"2016-09-26 21:27:00\"");
    API_IS(r, "at", "\"1000-01-01T00:30:00+01:00\"", "!a date and time");   /* year 999 */
    API_IS(r, "at", "\"9999-12-31T23:30:00-01:00\"", "!a date and time");   /* year 10000 */
    API_IS(r, "at", "\"2016-09-26T21:27:54+2:00\"", "!a date and time");
    API_IS(r, "at", "\"2016-09-26T21:27:54+24:00\"", "!a date and time");
    API_IS(r, "at", "\"2016-09-26T21:27:54+02:60\"", "!a date and time");
    API_IS(r, "at", "\"2016-09-26T21:27:54+02:00Z\"", "!a date and time");
    API_IS(r, "at", "\"2016-09-26T21:27:54+\"", "!a date and time");
    API_IS(r, "at", "\"2016-09-26+02:00\"", "!a date and time");
    /* json: any value */
    API_IS(r, "info", "{\"a\": [1, 2]}", "{\"a\":[1,2]}");
    /* related: a URI of the right resource, or an id */
    API_IS(r, "owner", "\"/api/v1/user/42/\"", "42");
    API_IS(r, "owner", "42", "42");
    API_IS(r, "owner", "\"/api/v1/device/42/\"", "!a URI such as /api/v1/user/1/");
    API_IS(r, "owner", "\"/api/v1/user/42\"", "!'/api/v1/user/42' is not a URI");
    API_IS(r, "owner", "\"/api/v1/user/x/\"", "!'/api/v1/user/x/' is not a URI");
    resource_free(r);
}

static void test_values_from_the_database(void **state)
{
    char err[400];
    struct resource *r = parse(THINGS, err, sizeof err);
    json_t *row, *obj;
    char *text;
    (void)state;
    assert_non_null(r);

    row = json_pack("{s:i,s:I,s:s,s:s,s:f,s:n,s:i,s:s,s:s,s:i}", "id", 7, "user_id",
                    (json_int_t)9007199254740993LL, "name", "abc", "kind", "a", "value", 72.5,
                    "count", "ok", 1, "at", "2016-09-26 21:27:54", "info", "{\"a\":1}", "owner",
                    42);
    obj = rvalue_row(r, row);
    text = json_dumps(obj, JSON_COMPACT);
    assert_string_equal(text, "{\"at\":\"2016-09-26T21:27:54\",\"count\":null,\"id\":7,"
                              "\"info\":{\"a\":1},\"kind\":\"a\",\"name\":\"abc\",\"ok\":true,"
                              "\"owner\":\"/api/v1/user/42/\",\"resource_uri\":\"/api/v1/things/7/\","
                              "\"user_id\":\"9007199254740993\",\"value\":72.5}");
    free(text);
    json_decref(obj);
    json_decref(row);
    resource_free(r);
}

static void test_filter_values(void **state)
{
    char err[400];
    struct resource *r = parse(THINGS, err, sizeof err);
    json_t *v;
    (void)state;
    assert_non_null(r);

    v = rvalue_from_query(resource_field(r, "value", 0, NULL), "900", err, sizeof err);
    assert_non_null(v); /* ranges bind writes, not filters */
    json_decref(v);
    v = rvalue_from_query(resource_field(r, "ok", 0, NULL), "True", err, sizeof err);
    assert_true(json_is_true(v));
    v = rvalue_from_query(resource_field(r, "count", 0, NULL), "null", err, sizeof err);
    assert_true(json_is_null(v));
    v = rvalue_from_query(resource_field(r, "user_id", 0, NULL), "null", err, sizeof err);
    assert_null(v); /* not nullable: "null" is just not a number */
    v = rvalue_from_query(resource_field(r, "user_id", 0, NULL), "1 OR 1=1", err, sizeof err);
    assert_null(v);
    resource_free(r);
}

/* SHOW INDEX rows as MariaDB (and, with Visible/Expression, MySQL 8) send
 * them. */
#define SHOW_INDEX(name, seq, col, coll, sub, type, extra)                                       \
    "{\"Key_name\": \"" name "\", \"Seq_in_index\": " seq ", \"Column_name\": " col             \
    ", \"Collation\": \"" coll "\", \"Sub_part\": " sub ", \"Index_type\": \"" type "\"" extra "}"

static json_t *index_rows(const char *text)
{
    json_t *rows = json_loads(text, 0, NULL);
    assert_non_null(rows);
    return rows;
}

static void learn(struct resource *r, const char *text)
{
    json_t *rows = index_rows(text);
    assert_int_equal(rindex_parse(rows, &r->indexes, &r->nindexes), 0);
    json_decref(rows);
}

static const char *index_for(const struct resource *r, const char *spec)
{
    struct rorder o[4];
    size_t n = 0;
    const char *p = spec;

    /* "-value,-id": field names, '-' for descending */
    while (*p != '\0') {
        char name[32];
        size_t len = strcspn(p + (*p == '-'), ",");
        int desc = *p == '-';
        memcpy(name, p + desc, len);
        name[len] = '\0';
        assert_non_null(resource_field(r, name, 0, &o[n].field));
        o[n++].desc = desc;
        p += desc + len;
        p += *p == ',';
    }
    return rindex_for_order(r, o, n);
}

static void test_indexes_read_from_show_index(void **state)
{
    char err[400];
    struct resource *r = parse(THINGS, err, sizeof err);
    json_t *rows;
    struct rindex *ix;
    size_t n;
    (void)state;

    assert_non_null(r);
    learn(r, "["
        SHOW_INDEX("PRIMARY", "1", "\"id\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_name", "1", "\"name\"", "A", "10", "BTREE", "") ","
        SHOW_INDEX("by_user_value", "1", "\"user_id\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_user_value", "\"2\"", "\"value\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_value", "1", "\"value\"", "A", "null", "BTREE", ", \"Ignored\": \"NO\"") ","
        SHOW_INDEX("by_count", "1", "\"count\"", "A", "null", "BTREE", ", \"Ignored\": \"YES\"") ","
        SHOW_INDEX("by_ok", "1", "\"ok\"", "A", "null", "BTREE", ", \"Visible\": \"NO\"") ","
        SHOW_INDEX("by_kind_expr", "1", "null", "A", "null", "BTREE", ", \"Expression\": \"lower(kind)\"") ","
        SHOW_INDEX("by_kind", "1", "\"kind\"", "A", "null", "HASH", "") ","
        SHOW_INDEX("by_at_desc", "1", "\"at\"", "D", "null", "BTREE", "") ","
        SHOW_INDEX("by_kind_value", "1", "\"kind\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_kind_value", "2", "\"value\"", "A", "20", "BTREE", "") "]");
    /* the prefix, ignored, invisible, expression and hash indexes are not
     * kept, nor an index with one prefix column */
    assert_int_equal(r->nindexes, 4);
    assert_string_equal(r->indexes[0].name, "PRIMARY");
    assert_string_equal(r->indexes[1].name, "by_user_value");
    assert_int_equal(r->indexes[1].ncolumns, 2);
    assert_string_equal(r->indexes[1].columns[1], "value");
    assert_string_equal(r->indexes[2].name, "by_value");
    assert_string_equal(r->indexes[3].name, "by_at_desc");
    assert_true(r->indexes[3].desc[0]);

    /* the order's keys, then the primary key InnoDB appends (ascending) */
    assert_string_equal(index_for(r, "value,id"), "by_value");
    assert_string_equal(index_for(r, "-value,-id"), "by_value");   /* read backwards */
    assert_null(index_for(r, "-value,id"));                        /* directions differ */
    assert_string_equal(index_for(r, "user_id,value,id"), "by_user_value");
    assert_null(index_for(r, "user_id,id"));         /* value comes between */
    assert_null(index_for(r, "value,user_id,id"));
    assert_null(index_for(r, "count,id"));           /* ignored */
    assert_null(index_for(r, "name,id"));            /* prefix only */
    assert_null(index_for(r, "kind,id"));            /* hash; and value's prefix */
    assert_null(index_for(r, "id"));                 /* the table's own order */
    assert_null(index_for(r, "id,value"));           /* the key not last */
    assert_string_equal(index_for(r, "-at,id"), "by_at_desc");
    assert_string_equal(index_for(r, "at,-id"), "by_at_desc");
    assert_null(index_for(r, "-at,-id"));

    /* a composite primary key is not appended: only explicit ones count */
    rindex_free(r->indexes, r->nindexes);
    learn(r, "["
        SHOW_INDEX("PRIMARY", "1", "\"id\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("PRIMARY", "2", "\"user_id\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_value", "1", "\"value\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_value_id", "1", "\"value\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_value_id", "2", "\"id\"", "A", "null", "BTREE", "") "]");
    assert_string_equal(index_for(r, "-value,-id"), "by_value_id");

    /* column names as the table declares them: MariaDB ignores their case */
    rindex_free(r->indexes, r->nindexes);
    learn(r, "["
        SHOW_INDEX("PRIMARY", "1", "\"ID\"", "A", "null", "BTREE", "") ","
        SHOW_INDEX("by_value", "1", "\"Value\"", "A", "null", "BTREE", "") "]");
    assert_string_equal(index_for(r, "-value,-id"), "by_value");

    /* no indexes known: no hint */
    rindex_free(r->indexes, r->nindexes);
    r->indexes = NULL;
    r->nindexes = 0;
    assert_null(index_for(r, "value,id"));

    /* rows of another shape are refused whole */
    rows = index_rows("[" SHOW_INDEX("a", "2", "\"value\"", "A", "null", "BTREE", "") "]");
    assert_int_equal(rindex_parse(rows, &ix, &n), -1);
    json_decref(rows);
    rows = index_rows("[{\"Key_name\": \"a\"}]");
    assert_int_equal(rindex_parse(rows, &ix, &n), -1);
    json_decref(rows);
    rows = index_rows("{}");
    assert_int_equal(rindex_parse(rows, &ix, &n), -1);
    json_decref(rows);
    rows = index_rows("[]");
    assert_int_equal(rindex_parse(rows, &ix, &n), 0);
    assert_int_equal(n, 0);
    rindex_free(ix, n);
    json_decref(rows);
    resource_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_reads_a_full_resource),
        cmocka_unit_test(test_spec_refusals_name_the_member),
        cmocka_unit_test(test_values_from_clients),
        cmocka_unit_test(test_values_from_the_database),
        cmocka_unit_test(test_filter_values),
        cmocka_unit_test(test_indexes_read_from_show_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
