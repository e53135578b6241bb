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
    json_t *p = NULL;
    frame ok[] = {F("measurement.weight"), F("{\"user_id\":\"7\",\"value\":72.5}")};
    assert_int_equal(frames_parse_event(ok, 2, &p, err, sizeof(err)), 0);
    assert_true(json_is_object(p));
    assert_string_equal(json_string_value(json_object_get(p, "user_id")), "7");
    json_decref(p);
    frame scalar[] = {F("t"), F("42")};
    assert_int_equal(frames_parse_event(scalar, 2, &p, err, sizeof(err)), 0);
    assert_int_equal(json_integer_value(p), 42);
    json_decref(p);
    frame one[] = {F("t")};
    assert_int_equal(frames_parse_event(one, 1, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "got 1"));
    assert_null(p);
    frame badtopic[] = {F("bad topic"), F("{}")};
    assert_int_equal(frames_parse_event(badtopic, 2, &p, err, sizeof(err)), -1);
    frame badjson[] = {F("t"), F("{\"a\":")};
    assert_int_equal(frames_parse_event(badjson, 2, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the payload is not JSON"));
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
        cmocka_unit_test(test_task_frames),
        cmocka_unit_test(test_error_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
