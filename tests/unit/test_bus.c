/* test_bus.c - unit tests of the bus's pure parts: names and topic
 * prefixes, prefix lists from config, and the partner wire format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bus/frames.h"
#include "bus/jsoncheck.h"
#include "bus/topic.h"

#define F(s) {s, sizeof(s) - 1}

static void test_names(void **state)
{
    (void)state;
    assert_true(bus_name_valid("measurement.weight", 18));
    assert_true(bus_name_valid("a-b_c.D9", 8));
    assert_false(bus_name_valid("", 0));
    assert_false(bus_name_valid("a b", 3));
    assert_false(bus_name_valid("a/b", 3));
    assert_false(bus_name_valid("a\0b", 3));
    char big[300];
    memset(big, 'a', sizeof(big));
    assert_true(bus_name_valid(big, 255));
    assert_false(bus_name_valid(big, 256));
    assert_true(bus_prefix_valid(""));
    assert_true(bus_prefix_valid("measurement."));
    assert_false(bus_prefix_valid("x y"));
    assert_false(bus_prefix_valid(NULL));
}

static void test_prefix_lists(void **state)
{
    (void)state;
    prefix_list l;
    char err[160];
    assert_int_equal(prefix_list_parse(&l, NULL, err, sizeof(err)), 0);
    assert_int_equal(l.count, 0);
    assert_true(prefix_list_match(&l, "anything", 8)); /* no setting: all */
    assert_int_equal(prefix_list_parse(&l, " measurement. , hello.greet,x", err, sizeof(err)), 0);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0], "measurement.");
    assert_string_equal(l.items[1], "hello.greet");
    assert_true(prefix_list_match(&l, "measurement.weight", 18));
    assert_true(prefix_list_match(&l, "hello.greet", 11));
    assert_true(prefix_list_match(&l, "xylophone", 9));
    assert_false(prefix_list_match(&l, "hello.greeted", 10));  /* only 10 bytes: "hello.gree" */
    assert_false(prefix_list_match(&l, "notification.created", 20));
    assert_false(prefix_list_match(&l, "measuremen", 10));
    prefix_list_free(&l);
    assert_int_equal(prefix_list_parse(&l, "a.,,b.", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is not a topic prefix"));
    assert_int_equal(prefix_list_parse(&l, "ok.,bad topic", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'bad topic'"));
    assert_int_equal(l.count, 0);
}

static void test_event_frames(void **state)
{
    (void)state;
    char err[256];
    frame ok[] = {F("measurement.weight"), F("{\"user_id\":\"7\",\"value\":72.5}")};
    assert_int_equal(frames_check_event(ok, 2, err, sizeof(err)), 0);
    frame scalar[] = {F("t"), F(" 42 ")};
    assert_int_equal(frames_check_event(scalar, 2, err, sizeof(err)), 0);
    frame one[] = {F("t")};
    assert_int_equal(frames_check_event(one, 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "got 1"));
    frame badtopic[] = {F("bad topic"), F("{}")};
    assert_int_equal(frames_check_event(badtopic, 2, err, sizeof(err)), -1);
    frame badjson[] = {F("t"), F("{\"a\":")};
    assert_int_equal(frames_check_event(badjson, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the payload is not JSON"));
    assert_non_null(strstr(err, "at byte 5"));
}

/* The checker agrees with jansson (JSON_DECODE_ANY) on what is JSON. */
static int jansson_accepts(const char *t, size_t n, int *range_error)
{
    json_error_t e;
    json_t *v = json_loadb(t, n, JSON_DECODE_ANY, &e);
    json_decref(v);
    /* the checker does not check number ranges (jsoncheck.h) */
    *range_error = !v && (strstr(e.text, "too big") || strstr(e.text, "overflow"));
    return v != NULL;
}

static void check_agrees(const char *t, size_t n)
{
    size_t where;
    const char *why;
    int mine = json_check(t, n, &where, &why) == 0;
    int range_error = 0;
    int theirs = jansson_accepts(t, n, &range_error);
    if (range_error)
        return; /* jansson stopped at a range problem: it never saw the rest */
    if (mine != theirs)
        fail_msg("json_check says %s, jansson says %s, for: %.*s", mine ? "ok" : why,
                 theirs ? "ok" : "invalid", (int)n, t);
}

static void test_json_check_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{}", "[]", "0", "-0", "1.5e+10", "-1.0E-2", "true", "false", "null", "\"\"",
        " {\"a\" : [1, 2.5, \"x\", null, true, {\"b\": {}}]} ",
        "\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\/\"", "\"caf\xc3\xa9\"", "\"\xf0\x9f\x98\x80\"",
        "", " ", "{", "}", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{a:1}", "01", "1.", ".5",
        "1e", "-", "+1", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u0000\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\x01\"", "\"\xc3\"",
        "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xff\"", "1 2",
        "[1] x", "{\"a\":1,}", "NaN", "[1e400]", "99999999999999999999", "\"\\uD83D\\uDE00\"",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_agrees(cases[i], strlen(cases[i]));
    char deep[5000];
    for (int d = 2047; d <= 2049; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        check_agrees(deep, (size_t)d * 2);
    }
}

/* Mutations of valid documents: random byte flips, insertions, cuts. */
static void test_json_check_differential(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"user_id\":\"1474925274\",\"value\":72.5,\"unit\":\"kg\",\"ok\":true,\"n\":null}",
        "[1,-2.5e3,\"\\u00e9\",{\"a\":[[],{}]},false]",
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
    };
    static const char alphabet[] = "{}[]:,\"\\ntfule0123456789.-+E \t\x80\xc3\xa9\xed\xf0";
    unsigned seed = 12345;
    char buf[256];
    for (int iter = 0; iter < 20000; iter++) {
        const char *s = seeds[iter % 3];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        int edits = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 3;
        for (int e = 0; e < edits; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % (n ? n : 1);
            char c = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
            switch ((seed >> 4) % 3) {
            case 0: buf[pos] = c; break;
            case 1:
                if (n < sizeof(buf) - 1) {
                    memmove(buf + pos + 1, buf + pos, n - pos);
                    buf[pos] = c;
                    n++;
                }
                break;
            default: n = pos; break;
            }
        }
        check_agrees(buf, n);
    }
}

static void test_task_frames(void **state)
{
    (void)state;
    char err[256];
    int delim;
    size_t name;
    json_t *args = NULL;
    frame req[] = {F("ID"), F(""), F("hello.greet"), F("{\"name\":\"Ada\"}")};
    assert_int_equal(frames_parse_task(req, 4, &delim, &name, &args, err, sizeof(err)), 0);
    assert_int_equal(delim, 1);
    assert_int_equal(name, 2);
    assert_string_equal(json_string_value(json_object_get(args, "name")), "Ada");
    json_decref(args);
    frame dealer[] = {F("ID"), F("hello.greet"), F("[]")};
    assert_int_equal(frames_parse_task(dealer, 3, &delim, &name, &args, err, sizeof(err)), 0);
    assert_int_equal(delim, 0);
    assert_int_equal(name, 1);
    json_decref(args);
    frame short_[] = {F("ID"), F(""), F("hello.greet")};
    assert_int_equal(frames_parse_task(short_, 3, &delim, &name, &args, err, sizeof(err)), -1);
    assert_int_equal(delim, 1); /* an error reply can still be routed */
    frame badname[] = {F("ID"), F("x y"), F("{}")};
    assert_int_equal(frames_parse_task(badname, 3, &delim, &name, &args, err, sizeof(err)), -1);
    frame badargs[] = {F("ID"), F("t"), F("nope")};
    assert_int_equal(frames_parse_task(badargs, 3, &delim, &name, &args, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the arguments frame is not JSON"));
    frame none[] = {F("")};
    assert_int_equal(frames_parse_task(none, 1, &delim, &name, &args, err, sizeof(err)), -2);
    assert_int_equal(frames_parse_task(none, 0, &delim, &name, &args, err, sizeof(err)), -2);
}

static void test_error_body(void **state)
{
    (void)state;
    char *b = frames_error_body("unknown_task", "no plugin handles task \"x\"");
    assert_string_equal(b, "{\"error\":\"no plugin handles task \\\"x\\\"\",\"code\":\"unknown_task\"}");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_prefix_lists),
        cmocka_unit_test(test_event_frames),
        cmocka_unit_test(test_json_check_cases),
        cmocka_unit_test(test_json_check_differential),
        cmocka_unit_test(test_task_frames),
        cmocka_unit_test(test_error_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
