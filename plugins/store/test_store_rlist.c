/*
 * test_store_rlist.c - the list writer (store_rlist.c) shows every value as
 * the detail path (rvalue_row, through jansson) does: the same rows,
 * columns of every kind the fetch gives, compared as JSON; plus the page's
 * meta and the order of its members.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_resource.h"

/* rquery_page_uri is linked in with store_rquery.c, whose request parsing
 * calls the host; these tests never parse a request. */
const struct cami_host_api *cami_host_ = NULL;

#define SPEC(list_key)                                                                           \
    "{\"name\": \"things\", \"table\": \"thing\", " list_key "\"fields\": {"                      \
    "\"id\": {\"type\": \"integer\", \"readonly\": true},"                                         \
    "\"big\": {\"type\": \"bigint\", \"nullable\": true},"                                         \
    "\"name\": {\"type\": \"string\", \"nullable\": true},"                                        \
    "\"notes\": {\"type\": \"text\", \"nullable\": true},"                                         \
    "\"value\": {\"type\": \"float\", \"nullable\": true},"                                        \
    "\"count\": {\"type\": \"integer\", \"nullable\": true},"                                      \
    "\"ok\": {\"type\": \"boolean\", \"nullable\": true},"                                         \
    "\"at\": {\"type\": \"datetime\", \"nullable\": true},"                                        \
    "\"info\": {\"type\": \"json\", \"nullable\": true},"                                          \
    "\"owner\": {\"type\": \"related\", \"resource\": \"user\", \"nullable\": true}"                \
    "}}"

static struct resource *parse(const char *text)
{
    char err[400] = "";
    json_t *spec = json_loads(text, 0, NULL);
    struct resource *r;

    assert_non_null(spec);
    r = rspec_parse(spec, err, sizeof err);
    json_decref(spec);
    if (r == NULL)
        fail_msg("spec refused: %s", err);
    return r;
}

/* Column constructors, as store_stmt.c's fetch fills them. */
static struct store_col col_null(void)
{
    return (struct store_col){ .kind = STORE_COL_TEXT, .is_null = 1 };
}

static struct store_col col_int(long long i)
{
    return (struct store_col){ .kind = STORE_COL_INT, .i = i };
}

static struct store_col col_uint(unsigned long long u)
{
    return (struct store_col){ .kind = STORE_COL_INT, .is_unsigned = 1, .i = (long long)u };
}

static struct store_col col_real(double d)
{
    return (struct store_col){ .kind = STORE_COL_DOUBLE, .d = d };
}

static struct store_col col_textn(const char *s, size_t n)
{
    return (struct store_col){ .kind = STORE_COL_TEXT, .buf = (char *)s, .len = n };
}

static struct store_col col_text(const char *s)
{
    return col_textn(s, strlen(s));
}

/* The row as store_stmt.c's JSON form gives it (store.h's mapping). */
static json_t *row_json(const struct resource *r, const struct store_col *cols)
{
    json_t *row = json_object();

    for (size_t i = 0; i < r->nfields; i++) {
        const struct store_col *c = &cols[i];
        json_t *v;

        if (c->is_null || c->kind == STORE_COL_NULL)
            v = json_null();
        else if (c->kind == STORE_COL_INT && c->is_unsigned && (unsigned long long)c->i > INT64_MAX)
            v = json_sprintf("%llu", (unsigned long long)c->i);
        else if (c->kind == STORE_COL_INT)
            v = json_integer(c->i);
        else if (c->kind == STORE_COL_DOUBLE)
            v = json_real(c->d);
        else
            v = json_stringn(c->buf, c->len);
        json_object_set_new(row, r->fields[i].name, v);
    }
    return row;
}

/* The field index of `name` in the spec (its column in the row). */
static size_t at(const struct resource *r, const char *name)
{
    size_t i;

    assert_non_null(resource_field(r, name, 0, &i));
    return i;
}

/* Writes one row with both paths and checks they agree; returns the
 * writer's text (the caller frees it). */
static char *same_as_detail(const struct resource *r, const struct store_col *cols)
{
    struct rctx c = { .r = (struct resource *)r };
    char err[300] = "";
    json_t *mine, *detail, *row = row_json(r, cols);
    json_error_t jerr;
    char *text;

    assert_int_equal(rlist_row(&c, cols, NULL, (unsigned)r->nfields, err, sizeof err), CAMI_OK);
    mine = json_loads(c.list.data, 0, &jerr);
    if (mine == NULL)
        fail_msg("not JSON: %s (%s)", c.list.data, jerr.text);
    detail = rvalue_row(r, row);
    if (!json_equal(mine, detail)) {
        char *d = json_dumps(detail, JSON_COMPACT);
        fail_msg("list %s\ndetail %s", c.list.data, d);
    }
    text = strdup(c.list.data);
    json_decref(mine);
    json_decref(detail);
    json_decref(row);
    sbuf_free(&c.list);
    return text;
}

static void fill(const struct resource *r, struct store_col *cols)
{
    for (size_t i = 0; i < r->nfields; i++)
        cols[i] = col_null();
    cols[at(r, "id")] = col_int(7);
}

static void test_every_type_as_the_detail_shows_it(void **state)
{
    struct resource *r = parse(SPEC(""));
    struct store_col cols[16];
    char *text;
    (void)state;

    /* All null but the key. */
    fill(r, cols);
    free(same_as_detail(r, cols));

    /* Native column kinds. */
    cols[at(r, "big")] = col_int(9007199254740993LL);
    cols[at(r, "name")] = col_text("Ada \"the\" \\ \n\t\x01 Lovelace \xc3\xa9\xe2\x82\xac");
    cols[at(r, "notes")] = col_text("/a/b/</script>");
    cols[at(r, "value")] = col_real(70.3);
    cols[at(r, "count")] = col_int(-3);
    cols[at(r, "ok")] = col_int(1);
    cols[at(r, "at")] = col_text("2016-09-26 21:27:54");
    cols[at(r, "info")] = col_text("{\"value\": 70.299999999999997, \"tags\": [1, 2.5e3, \"x\"]}");
    cols[at(r, "owner")] = col_int(42);
    text = same_as_detail(r, cols);
    /* reals with the fewest digits; stored JSON compacted, its keys sorted */
    assert_non_null(strstr(text, "\"info\":{\"tags\":[1,2500.0,\"x\"],\"value\":70.3}"));
    assert_non_null(strstr(text, "/things/7/\",\"value\":70.3}"));
    assert_non_null(strstr(text, "\"big\":\"9007199254740993\""));
    free(text);

    /* Other kinds the database may give for the same fields. */
    cols[at(r, "big")] = col_uint(18446744073709551615ULL);
    cols[at(r, "value")] = col_int(72);
    cols[at(r, "count")] = col_text("12");
    cols[at(r, "ok")] = col_text("0");
    cols[at(r, "info")] = col_text("{\"a\": 1, \"b\": {\"c\": 70.299999999999997}}");
    text = same_as_detail(r, cols);   /* sorted already: copied, compacted */
    assert_non_null(strstr(text, "\"info\":{\"a\":1,\"b\":{\"c\":70.3}}"));
    free(text);
    cols[at(r, "info")] = col_int(4512);
    cols[at(r, "owner")] = col_text("abc");
    free(same_as_detail(r, cols));

    cols[at(r, "value")] = col_text("68.25");
    cols[at(r, "count")] = col_real(4.9);
    cols[at(r, "ok")] = col_text("");
    cols[at(r, "at")] = col_text("2016-09-26");   /* not a DATETIME: as it is */
    cols[at(r, "info")] = col_text("not json {");  /* not JSON: the text */
    cols[at(r, "owner")] = col_uint(18446744073709551615ULL);
    free(same_as_detail(r, cols));

    /* a BIT(1) column's bytes, a long DECIMAL, an unsigned beyond int64 */
    cols[at(r, "ok")] = col_textn("\0", 1);
    cols[at(r, "value")] = col_text("12345678901234567890123456789012345.500000000000000000000000000000");
    cols[at(r, "count")] = col_real(1e19);
    free(same_as_detail(r, cols));
    cols[at(r, "ok")] = col_textn("\1", 1);
    cols[at(r, "value")] = col_uint(18446744073709551615ULL);
    free(same_as_detail(r, cols));

    cols[at(r, "count")] = col_text("12x");
    cols[at(r, "value")] = col_text("1e999");
    cols[at(r, "ok")] = col_real(0.5);
    cols[at(r, "info")] = col_text("\"just a string\"");
    free(same_as_detail(r, cols));
    resource_free(r);
}

static void test_members_in_name_order_with_resource_uri(void **state)
{
    struct resource *r = parse(SPEC(""));
    struct store_col cols[16];
    char *text;
    (void)state;

    fill(r, cols);
    text = same_as_detail(r, cols);
    assert_string_equal(text, "{\"at\":null,\"big\":null,\"count\":null,\"id\":7,\"info\":null,"
                              "\"name\":null,\"notes\":null,\"ok\":null,\"owner\":null,"
                              "\"resource_uri\":\"/api/v1/things/7/\",\"value\":null}");
    free(text);
    resource_free(r);
}

static void test_text_that_is_not_utf8_names_the_column(void **state)
{
    struct resource *r = parse(SPEC(""));
    struct store_col cols[16];
    struct rctx c = { .r = r };
    char err[300] = "";
    (void)state;

    fill(r, cols);
    cols[at(r, "notes")] = col_text("caf\xe9");
    assert_int_equal(rlist_row(&c, cols, NULL, (unsigned)r->nfields, err, sizeof err), CAMI_EFAIL);
    assert_non_null(strstr(err, "column 'notes' holds bytes that are not UTF-8"));
    sbuf_free(&c.list);

    /* a statement with other columns than the resource's is refused */
    assert_int_equal(rlist_row(&c, cols, NULL, 3, err, sizeof err), CAMI_EFAIL);
    assert_non_null(strstr(err, "3 columns"));
    sbuf_free(&c.list);
    resource_free(r);
}

/* Two rows and the page around them, as a client reads it. */
static json_t *page(const char *spec, size_t limit, size_t offset, size_t rows, size_t total,
                    char **text)
{
    struct resource *r = parse(spec);
    struct rctx c = { .r = r };
    struct store_col cols[16];
    char err[300] = "";
    json_t *body;

    c.q.limit = limit;
    c.q.offset = offset;
    c.q.page_base = strdup("/api/v1/things/?user=1&");
    fill(r, cols);
    if (rows > 0)
        assert_int_equal(rlist_begin(&c, total, err, sizeof err), CAMI_OK);
    for (size_t i = 0; i < rows; i++) {
        cols[at(r, "id")] = col_int((long long)(i + 1));
        assert_int_equal(rlist_row(&c, cols, NULL, (unsigned)r->nfields, err, sizeof err),
                         CAMI_OK);
    }
    assert_int_equal(rlist_finish(&c, rows, total, err, sizeof err), CAMI_OK);
    body = json_loads(c.list.data, 0, NULL);
    assert_non_null(body);
    *text = strdup(c.list.data);
    sbuf_free(&c.list);
    free(c.q.page_base);
    resource_free(r);
    return body;
}

static void test_page_meta_and_links(void **state)
{
    char *text;
    json_t *body;
    (void)state;

    body = page(SPEC(""), 2, 2, 2, 7, &text);
    assert_int_equal(json_array_size(json_object_get(body, "objects")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(body, "objects"), 1), "resource_uri")),
                        "/api/v1/things/2/");
    {
        /* meta first ("meta" < "objects"), its keys sorted */
        static const char head[] =
            "{\"meta\":{\"limit\":2,\"next\":\"/api/v1/things/?user=1&limit=2&offset=4\","
            "\"offset\":2,\"previous\":\"/api/v1/things/?user=1&limit=2&offset=0\","
            "\"total_count\":7},\"objects\":[{";
        assert_true(strncmp(text, head, sizeof head - 1) == 0);
    }
    free(text);
    json_decref(body);

    /* the last page: no next; the first: no previous; an empty page */
    body = page(SPEC(""), 5, 5, 2, 7, &text);
    assert_true(json_is_null(json_object_get(json_object_get(body, "meta"), "next")));
    free(text);
    json_decref(body);
    body = page(SPEC(""), 20, 0, 0, 0, &text);
    assert_string_equal(text, "{\"meta\":{\"limit\":20,\"next\":null,\"offset\":0,\"previous\":null,"
                              "\"total_count\":0},\"objects\":[]}");
    free(text);
    json_decref(body);

    /* a list key before "meta" comes first */
    body = page(SPEC("\"list_key\": \"measurements\", "), 20, 0, 1, 1, &text);
    assert_true(strncmp(text, "{\"measurements\":[{", 18) == 0);
    assert_non_null(strstr(text, "}],\"meta\":{\"limit\":20,"));
    free(text);
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_as_the_detail_shows_it),
        cmocka_unit_test(test_members_in_name_order_with_resource_uri),
        cmocka_unit_test(test_text_that_is_not_utf8_names_the_column),
        cmocka_unit_test(test_page_meta_and_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
