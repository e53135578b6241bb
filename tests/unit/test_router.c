/*
 * test_router.c - method + path-template routing (core/http/router.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/router.h"

/* Handlers are only compared by address, never called. */
static int handler_a(cami_request *req, void *ud)
{
    return 0;
}

static int handler_b(cami_request *req, void *ud)
{
    return 0;
}

static void add_ok(router *r, const char *method, const char *tmpl)
{
    route_target t = { .handler = handler_a, .ud = (void *)tmpl };
    const route *conflict = (const route *)1;
    char err[256] = "";

    if (router_add(r, method, tmpl, &t, &conflict, err, sizeof(err)) != 0)
        fail_msg("router_add(%s, %s) failed: %s", method, tmpl, err);
    assert_null(conflict);
}

/* One match with room enough, keeping what it returned for the asserts. */
typedef struct result {
    route_result rc;
    route_match m;
    char scratch[512];
    char allow[128];
} result;

static route_result match(const router *r, result *res, const char *method, const char *path)
{
    memset(res, 0, sizeof(*res));
    strcpy(res->allow, "untouched");
    res->rc = router_match(r, method, path, strlen(path), &res->m, res->scratch,
                           sizeof(res->scratch), res->allow, sizeof(res->allow));
    return res->rc;
}

static const char *param(const result *res, const char *name)
{
    for (size_t i = 0; i < res->m.nparams; i++)
        if (strcmp(res->m.param_names[i], name) == 0)
            return res->m.param_values[i];
    return NULL;
}

static void assert_found(const router *r, const char *method, const char *path,
                         const char *want_method, const char *want_tmpl)
{
    result res;

    if (match(r, &res, method, path) != ROUTE_FOUND)
        fail_msg("%s %s: result %d, wanted %s %s", method, path, res.rc, want_method, want_tmpl);
    assert_string_equal(res.m.route->method, want_method);
    assert_string_equal(res.m.route->tmpl, want_tmpl);
}

static void assert_result(const router *r, const char *method, const char *path, route_result want)
{
    result res;

    if (match(r, &res, method, path) != want)
        fail_msg("%s %s: result %d, wanted %d", method, path, res.rc, want);
    if (want != ROUTE_FOUND)
        assert_null(res.m.route);
}

static int setup(void **state)
{
    *state = router_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    router_free(*state);
    return 0;
}

static void test_root_and_unslashed_paths(void **state)
{
    router *r = *state;

    add_ok(r, "GET", "/");
    add_ok(r, "GET", "/healthz");
    add_ok(r, "GET", "/metrics");
    assert_found(r, "GET", "/", "GET", "/");
    assert_found(r, "GET", "/healthz", "GET", "/healthz");
    assert_found(r, "GET", "/metrics", "GET", "/metrics");
    /* The unslashed route does not answer the slashed path. */
    assert_result(r, "GET", "/healthz/", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "//", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/nope", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "healthz", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "*", ROUTE_NOT_FOUND);
}

static void test_empty_router(void **state)
{
    router *r = *state;

    assert_result(r, "GET", "/", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/a/b/c", ROUTE_NOT_FOUND);
}

static void test_params_are_decoded(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/api/v1/medication-plans/{id}/");
    add_ok(r, "GET", "/users/{user}/devices/{device_id}");
    assert_int_equal(match(r, &res, "GET", "/api/v1/medication-plans/42/"), ROUTE_FOUND);
    assert_int_equal(res.m.nparams, 1);
    assert_string_equal(res.m.param_names[0], "id");
    assert_string_equal(res.m.param_values[0], "42");

    assert_int_equal(match(r, &res, "GET", "/users/J%C3%BCrgen%20M/devices/a+b"), ROUTE_FOUND);
    assert_int_equal(res.m.nparams, 2);
    assert_string_equal(param(&res, "user"), "J\xc3\xbcrgen M");
    /* '+' is a space only in query strings, never in paths. */
    assert_string_equal(param(&res, "device_id"), "a+b");
    /* Values live in the caller's scratch, names in the route. */
    assert_true(res.m.param_values[0] >= res.scratch &&
                res.m.param_values[0] < res.scratch + sizeof(res.scratch));
    assert_true(strstr(res.m.route->tmpl, "{user}") != NULL);
}

static void test_encoded_slash_does_not_split(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/files/{name}");
    assert_int_equal(match(r, &res, "GET", "/files/a%2Fb"), ROUTE_FOUND);
    assert_string_equal(param(&res, "name"), "a/b");
    assert_int_equal(match(r, &res, "GET", "/files/a%2fb%2F..%2F"), ROUTE_FOUND);
    assert_string_equal(param(&res, "name"), "a/b/../");
    assert_result(r, "GET", "/files/a/b", ROUTE_NOT_FOUND);
}

static void test_param_needs_a_non_empty_segment(void **state)
{
    router *r = *state;

    add_ok(r, "GET", "/users/{id}");
    add_ok(r, "GET", "/x/{a}/y");
    assert_result(r, "GET", "/users/", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/x//y", ROUTE_NOT_FOUND);
    assert_found(r, "GET", "/x/%20/y", "GET", "/x/{a}/y");
}

static void test_literal_beats_param(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/users/{id}");
    add_ok(r, "GET", "/users/me");
    assert_found(r, "GET", "/users/me", "GET", "/users/me");
    assert_int_equal(match(r, &res, "GET", "/users/42"), ROUTE_FOUND);
    assert_string_equal(param(&res, "id"), "42");
    /* A literal compares with the decoded segment. */
    assert_found(r, "GET", "/users/%6De", "GET", "/users/me");
}

static void test_backtracking(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/a/b/c");
    add_ok(r, "GET", "/a/{x}/d");
    assert_found(r, "GET", "/a/b/c", "GET", "/a/b/c");
    /* The literal "b" branch dead-ends at "d": back up and take {x}. */
    assert_int_equal(match(r, &res, "GET", "/a/b/d"), ROUTE_FOUND);
    assert_string_equal(res.m.route->tmpl, "/a/{x}/d");
    assert_string_equal(param(&res, "x"), "b");
    assert_int_equal(match(r, &res, "GET", "/a/z/d"), ROUTE_FOUND);
    assert_string_equal(param(&res, "x"), "z");
    assert_result(r, "GET", "/a/z/c", ROUTE_NOT_FOUND);

    /* Backtracking also happens for the method: the literal node has only
     * GET, the parameter node has POST. */
    add_ok(r, "POST", "/a/{x}/c");
    assert_int_equal(match(r, &res, "POST", "/a/b/c"), ROUTE_FOUND);
    assert_string_equal(res.m.route->tmpl, "/a/{x}/c");
    assert_string_equal(param(&res, "x"), "b");
}

static void test_deep_backtracking(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/{a}/{b}/{c}/end");
    add_ok(r, "GET", "/x/{b}/z/other");
    add_ok(r, "GET", "/x/y/{c}/last");
    assert_int_equal(match(r, &res, "GET", "/x/y/z/end"), ROUTE_FOUND);
    assert_string_equal(res.m.route->tmpl, "/{a}/{b}/{c}/end");
    assert_string_equal(param(&res, "a"), "x");
    assert_string_equal(param(&res, "b"), "y");
    assert_string_equal(param(&res, "c"), "z");
    assert_found(r, "GET", "/x/y/z/other", "GET", "/x/{b}/z/other");
    assert_found(r, "GET", "/x/y/z/last", "GET", "/x/y/{c}/last");
}

static void test_method_not_allowed_lists_allow(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "POST", "/items/");
    add_ok(r, "DELETE", "/items/");
    add_ok(r, "GET", "/items/");
    add_ok(r, "PATCH", "/items/{id}/");
    assert_int_equal(match(r, &res, "PUT", "/items/"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "DELETE, GET, HEAD, POST");
    assert_null(res.m.route);
    assert_int_equal(match(r, &res, "GET", "/items/3/"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "PATCH");
    /* A method no route uses at all. */
    assert_int_equal(match(r, &res, "BREW", "/items/3/"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "PATCH");
    /* No Allow buffer is fine. */
    route_match m;
    char scratch[64];
    assert_int_equal(router_match(r, "PUT", "/items/", 7, &m, scratch, sizeof(scratch), NULL, 0),
                     ROUTE_METHOD_NOT_ALLOWED);
}

static void test_allow_is_union_over_matching_routes(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/x/me");
    add_ok(r, "PUT", "/x/{id}");
    add_ok(r, "PUT", "/x/{id}/sub");
    assert_int_equal(match(r, &res, "DELETE", "/x/me"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "GET, HEAD, PUT");
    assert_int_equal(match(r, &res, "DELETE", "/x/7"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "PUT");
    /* Found through the parameter although the literal node has GET only. */
    assert_found(r, "PUT", "/x/me", "PUT", "/x/{id}");
}

static void test_allow_truncates_whole_entries(void **state)
{
    router *r = *state;
    route_match m;
    char scratch[64], allow[16];

    add_ok(r, "GET", "/t");
    add_ok(r, "OPTIONS", "/t");
    add_ok(r, "POST", "/t");
    memset(allow, 'Q', sizeof(allow));
    /* "GET, HEAD, OPTIONS, POST" does not fit in 16: keep what fits whole. */
    assert_int_equal(router_match(r, "PUT", "/t", 2, &m, scratch, sizeof(scratch), allow,
                                  sizeof(allow)),
                     ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD");
    assert_int_equal(router_match(r, "PUT", "/t", 2, &m, scratch, sizeof(scratch), allow, 3),
                     ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "");
    assert_int_equal(router_match(r, "PUT", "/t", 2, &m, scratch, sizeof(scratch), allow, 4),
                     ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET");
}

static void test_head_uses_get(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/hello");
    add_ok(r, "GET", "/both");
    add_ok(r, "HEAD", "/both");
    add_ok(r, "POST", "/post-only");
    assert_found(r, "HEAD", "/hello", "GET", "/hello");
    /* An explicit HEAD route wins over GET. */
    assert_found(r, "HEAD", "/both", "HEAD", "/both");
    assert_found(r, "GET", "/both", "GET", "/both");
    assert_int_equal(match(r, &res, "HEAD", "/post-only"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "POST");
    /* GET does not answer other methods. */
    assert_int_equal(match(r, &res, "OPTIONS", "/hello"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "GET, HEAD");
    /* A HEAD route does not answer GET. */
    add_ok(r, "HEAD", "/head-only");
    assert_int_equal(match(r, &res, "GET", "/head-only"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "HEAD");
}

static void test_redirect_slash(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/api/v1/medication-plans/{id}/");
    add_ok(r, "GET", "/api/v1/medication-plans/");
    assert_int_equal(match(r, &res, "GET", "/api/v1/medication-plans/7"), ROUTE_REDIRECT_SLASH);
    assert_null(res.m.route);
    assert_result(r, "GET", "/api/v1/medication-plans", ROUTE_REDIRECT_SLASH);
    assert_result(r, "HEAD", "/api/v1/medication-plans", ROUTE_REDIRECT_SLASH);
    /* The slashed path exists for GET only: redirect anyway, and the client
     * gets the 405 from there. */
    assert_result(r, "POST", "/api/v1/medication-plans/7", ROUTE_REDIRECT_SLASH);
    /* Nothing there, slashed or not. */
    assert_result(r, "GET", "/api/v1", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/api/v1/medication-plans/7/x", ROUTE_NOT_FOUND);
    /* An empty parameter is not made up to reach a route. */
    assert_result(r, "GET", "/api/v1/medication-plans//", ROUTE_NOT_FOUND);
}

static void test_redirect_versus_405(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "POST", "/a");
    add_ok(r, "GET", "/a/");
    add_ok(r, "DELETE", "/b");
    add_ok(r, "PUT", "/b/");
    /* "/a" has POST only, "/a/" has GET: the redirect will succeed. */
    assert_result(r, "GET", "/a", ROUTE_REDIRECT_SLASH);
    assert_found(r, "POST", "/a", "POST", "/a");
    /* Neither has GET: the 405 of the path asked for wins. */
    assert_int_equal(match(r, &res, "GET", "/b"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "DELETE");
}

static void test_dot_segments_are_literal(void **state)
{
    router *r = *state;
    result res;

    add_ok(r, "GET", "/b");
    add_ok(r, "GET", "/static/{file}");
    add_ok(r, "GET", "/a/./c");
    assert_result(r, "GET", "/a/../b", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/./b", ROUTE_NOT_FOUND);
    assert_int_equal(match(r, &res, "GET", "/static/.."), ROUTE_FOUND);
    assert_string_equal(param(&res, "file"), "..");
    assert_found(r, "GET", "/a/./c", "GET", "/a/./c");
    assert_result(r, "GET", "/a/c", ROUTE_NOT_FOUND);
}

static void test_encoded_template_literals(void **state)
{
    router *r = *state;

    add_ok(r, "GET", "/caf%C3%A9/a%2Fb");
    assert_found(r, "GET", "/caf\xc3\xa9/a%2fb", "GET", "/caf%C3%A9/a%2Fb");
    assert_found(r, "GET", "/caf%c3%a9/a%2Fb", "GET", "/caf%C3%A9/a%2Fb");
    assert_result(r, "GET", "/caf%C3%A9/a/b", ROUTE_NOT_FOUND);
}

static void test_path_is_not_nul_terminated(void **state)
{
    router *r = *state;
    route_match m;
    char scratch[64];
    const char *buf = "/hello/worldXYZ?q=1";

    add_ok(r, "GET", "/hello/{name}");
    assert_int_equal(router_match(r, "GET", buf, 12, &m, scratch, sizeof(scratch), NULL, 0),
                     ROUTE_FOUND);
    assert_string_equal(m.param_values[0], "world");
}

static void test_bad_path(void **state)
{
    router *r = *state;
    route_match m;
    char scratch[64];
    const char *path = "/files/abcdef";

    add_ok(r, "GET", "/files/{name}");
    assert_result(r, "GET", "/files/a%00b", ROUTE_BAD_PATH);
    assert_int_equal(router_match(r, "GET", "/files/a\0b", 10, &m, scratch, sizeof(scratch),
                                  NULL, 0),
                     ROUTE_BAD_PATH);
    /* len bytes of scratch are always enough here; fewer are refused. */
    assert_int_equal(router_match(r, "GET", path, strlen(path), &m, scratch, strlen(path), NULL,
                                  0),
                     ROUTE_FOUND);
    assert_string_equal(m.param_values[0], "abcdef");
    assert_int_equal(router_match(r, "GET", path, strlen(path), &m, scratch, 8, NULL, 0),
                     ROUTE_BAD_PATH);
    assert_int_equal(router_match(r, "GET", path, strlen(path), &m, scratch, 0, NULL, 0),
                     ROUTE_BAD_PATH);
}

static void test_max_params(void **state)
{
    router *r = *state;
    char tmpl[512], path[256];
    size_t t = 0, p = 0;
    result res;

    for (int i = 0; i < ROUTER_MAX_PARAMS; i++) {
        t += (size_t)snprintf(tmpl + t, sizeof(tmpl) - t, "/{p%d}", i);
        p += (size_t)snprintf(path + p, sizeof(path) - p, "/%d", i * 7);
    }
    add_ok(r, "GET", tmpl);
    assert_int_equal(match(r, &res, "GET", path), ROUTE_FOUND);
    assert_int_equal(res.m.nparams, ROUTER_MAX_PARAMS);
    assert_string_equal(param(&res, "p0"), "0");
    assert_string_equal(param(&res, "p15"), "105");

    /* One more parameter is refused when the route is added. */
    route_target tg = { .handler = handler_a };
    char err[256] = "";
    snprintf(tmpl + t, sizeof(tmpl) - t, "/{extra}");
    assert_int_equal(router_add(r, "POST", tmpl, &tg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "parameters"));
}

static void test_deep_paths(void **state)
{
    router *r = *state;
    char path[4096];
    size_t n = 0;

    add_ok(r, "GET", "/a/b");
    while (n + 2 < sizeof(path)) {
        path[n++] = '/';
        path[n++] = 'a';
    }
    path[n] = '\0';
    /* Far deeper than any template: refused before decoding. */
    assert_result(r, "GET", path, ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/a/b/", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/a", ROUTE_NOT_FOUND);
}

static void test_many_literals(void **state)
{
    router *r = *state;
    char tmpl[64];
    /* Added out of order, to exercise the sorted insert. */
    for (int i = 0; i < 300; i++) {
        int k = (i * 97) % 300;
        route_target t = { .handler = handler_a, .metrics_id = (uint32_t)k };
        char err[128];
        snprintf(tmpl, sizeof(tmpl), "/r/%s%d", k % 2 ? "x" : "longer-", k);
        assert_int_equal(router_add(r, "GET", tmpl, &t, NULL, err, sizeof(err)), 0);
    }
    for (int k = 0; k < 300; k++) {
        result res;
        snprintf(tmpl, sizeof(tmpl), "/r/%s%d", k % 2 ? "x" : "longer-", k);
        assert_int_equal(match(r, &res, "GET", tmpl), ROUTE_FOUND);
        assert_int_equal(res.m.route->target.metrics_id, k);
    }
    assert_result(r, "GET", "/r/x0", ROUTE_NOT_FOUND);
}

static void test_target_is_copied(void **state)
{
    router *r = *state;
    int ud;
    route_target t = { .handler = handler_b, .ud = &ud, .owner = NULL, .metrics_id = 77 };
    char err[64];
    result res;

    assert_int_equal(router_add(r, "GET", "/t/{x}", &t, NULL, err, sizeof(err)), 0);
    t.handler = handler_a;
    t.metrics_id = 1;
    assert_int_equal(match(r, &res, "GET", "/t/1"), ROUTE_FOUND);
    assert_ptr_equal(res.m.route->target.handler, handler_b);
    assert_ptr_equal(res.m.route->target.ud, &ud);
    assert_int_equal(res.m.route->target.metrics_id, 77);
}

static void test_conflicts(void **state)
{
    router *r = *state;
    route_target t = { .handler = handler_b };
    const route *conflict = NULL;
    char err[256] = "";

    add_ok(r, "GET", "/u/{id}");
    /* Same method and shape, another parameter name. */
    assert_int_equal(router_add(r, "GET", "/u/{name}", &t, &conflict, err, sizeof(err)), -2);
    assert_non_null(conflict);
    assert_string_equal(conflict->method, "GET");
    assert_string_equal(conflict->tmpl, "/u/{id}");
    assert_ptr_equal(conflict->target.handler, handler_a);
    assert_non_null(strstr(err, "/u/{name}"));
    assert_non_null(strstr(err, "/u/{id}"));

    /* The exact same route again. */
    assert_int_equal(router_add(r, "GET", "/u/{id}", &t, &conflict, err, sizeof(err)), -2);
    /* A literal segment written encoded is the same literal. */
    add_ok(r, "GET", "/v/a-b");
    conflict = NULL;
    assert_int_equal(router_add(r, "GET", "/v/a%2Db", &t, &conflict, err, sizeof(err)), -2);
    assert_string_equal(conflict->tmpl, "/v/a-b");

    /* Not conflicts: another method, a literal, a trailing slash, HEAD. */
    add_ok(r, "POST", "/u/{name}");
    add_ok(r, "GET", "/u/me");
    add_ok(r, "GET", "/u/{id}/");
    add_ok(r, "HEAD", "/u/{x}");

    /* The refused routes changed nothing. */
    result res;
    assert_int_equal(match(r, &res, "GET", "/u/5"), ROUTE_FOUND);
    assert_string_equal(res.m.route->tmpl, "/u/{id}");
    assert_string_equal(param(&res, "id"), "5");
    assert_ptr_equal(res.m.route->target.handler, handler_a);
    /* Parameter names come from the route matched, not from the shape. */
    assert_int_equal(match(r, &res, "POST", "/u/5"), ROUTE_FOUND);
    assert_string_equal(param(&res, "name"), "5");
    assert_null(param(&res, "id"));
    assert_int_equal(match(r, &res, "HEAD", "/u/5"), ROUTE_FOUND);
    assert_string_equal(param(&res, "x"), "5");
}

static void expect_bad(router *r, const char *method, const char *tmpl, const char *reason)
{
    route_target t = { .handler = handler_a };
    const route *conflict = (const route *)1;
    char err[256] = "";

    if (router_add(r, method, tmpl, &t, &conflict, err, sizeof(err)) != -1)
        fail_msg("%s %s was accepted", method ? method : "(null)", tmpl ? tmpl : "(null)");
    assert_null(conflict);
    if (strstr(err, reason) == NULL)
        fail_msg("%s %s: reason \"%s\" lacks \"%s\"", method ? method : "(null)",
                 tmpl ? tmpl : "(null)", err, reason);
}

static void test_bad_templates(void **state)
{
    router *r = *state;

    expect_bad(r, "GET", "", "must start with '/'");
    expect_bad(r, "GET", "api/x", "must start with '/'");
    expect_bad(r, "GET", NULL, "no path template");
    expect_bad(r, "GET", "/a//b", "empty segment");
    expect_bad(r, "GET", "//", "empty segment");
    expect_bad(r, "GET", "//a", "empty segment");
    expect_bad(r, "GET", "/a/{", "whole segment");
    expect_bad(r, "GET", "/a/{}", "whole segment");
    expect_bad(r, "GET", "/a/x{id}", "whole segment");
    expect_bad(r, "GET", "/a/{id}x", "whole segment");
    expect_bad(r, "GET", "/a/{id}}", "A-Z a-z 0-9 _");
    expect_bad(r, "GET", "/a/id}", "whole segment");
    expect_bad(r, "GET", "/a/{i-d}", "A-Z a-z 0-9 _");
    expect_bad(r, "GET", "/a/{i d}", "A-Z a-z 0-9 _");
    expect_bad(r, "GET", "/{id}/x/{id}", "twice");
    expect_bad(r, "GET", "/a b", "percent-encoded");
    expect_bad(r, "GET", "/a?b=1", "percent-encoded");
    expect_bad(r, "GET", "/a#frag", "percent-encoded");
    expect_bad(r, "GET", "/a\tb", "percent-encoded");
    expect_bad(r, "GET", "/a%00", "NUL");

    char deep[512];
    size_t n = 0;
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "/s");
    expect_bad(r, "GET", deep, "segments");

    /* Nothing was added by any of them. */
    assert_result(r, "GET", "/a/x", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/a//b", ROUTE_NOT_FOUND);
    assert_result(r, "GET", "/a", ROUTE_NOT_FOUND);
}

static void test_bad_methods(void **state)
{
    router *r = *state;

    expect_bad(r, "get", "/x", "upper-case HTTP token");
    expect_bad(r, "Get", "/x", "upper-case HTTP token");
    expect_bad(r, "", "/x", "upper-case HTTP token");
    expect_bad(r, NULL, "/x", "upper-case HTTP token");
    expect_bad(r, "GE T", "/x", "upper-case HTTP token");
    expect_bad(r, "GET(", "/x", "upper-case HTTP token");
    expect_bad(r, "G\xc3\x89T", "/x", "upper-case HTTP token");
    /* Unusual but valid tokens. */
    add_ok(r, "M-SEARCH", "/x");
    add_ok(r, "VERSION-CONTROL", "/x");
    assert_found(r, "M-SEARCH", "/x", "M-SEARCH", "/x");
}

/* Allow lists are built from one bit per method: 64 distinct ones at most. */
static void test_method_limit(void **state)
{
    router *r = *state;
    route_target t = { .handler = handler_a };
    char m[8], err[128];
    result res;

    add_ok(r, "GET", "/m");   /* GET and HEAD */
    for (int i = 0; i < 62; i++) {
        snprintf(m, sizeof(m), "M%d", i);
        add_ok(r, m, "/m");
    }
    assert_int_equal(router_add(r, "M62", "/m", &t, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "distinct methods"));
    /* Methods already known still go in. */
    add_ok(r, "M5", "/other");
    assert_found(r, "M61", "/m", "M61", "/m");
    assert_int_equal(match(r, &res, "M62", "/other"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(res.allow, "M5");
}

static void test_err_may_be_small_or_null(void **state)
{
    router *r = *state;
    route_target t = { .handler = handler_a };
    char err[8];

    assert_int_equal(router_add(r, "GET", "bad", &t, NULL, NULL, 0), -1);
    assert_int_equal(router_add(r, "GET", "bad", &t, NULL, err, sizeof(err)), -1);
    assert_int_equal(strlen(err), sizeof(err) - 1);
}

typedef struct listing {
    int n;
    char text[256];
} listing;

static void list_one(const route *rt, void *ud)
{
    listing *l = ud;
    size_t used = strlen(l->text);

    snprintf(l->text + used, sizeof(l->text) - used, "%s %s;", rt->method, rt->tmpl);
    l->n++;
}

static void test_each_in_registration_order(void **state)
{
    router *r = *state;
    route_target t = { .handler = handler_a };
    listing l = { 0, "" };

    add_ok(r, "POST", "/b/{id}");
    add_ok(r, "GET", "/a");
    assert_int_equal(router_add(r, "POST", "/b/{other}", &t, NULL, NULL, 0), -2);
    add_ok(r, "GET", "/");
    router_each(r, list_one, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.text, "POST /b/{id};GET /a;GET /;");
}

/* Deterministic on every libc: xorshift64*. */
static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

/* Percent-encode s for a path segment: '/', '%', '?', '#', controls and
 * non-ASCII always, other bytes now and then. */
static size_t encode_segment(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int must = c == '/' || c == '%' || c == '?' || c == '#' || c <= 0x20 || c >= 0x7f;
        if (!must && rnd() % 4) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

static void test_random_param_round_trip(void **state)
{
    router *r = *state;

    add_ok(r, "GET", "/rt/{a}/x/{b}");
    add_ok(r, "GET", "/rt/lit/x/lit");
    rng_state = UINT64_C(0x243f6a8885a308d3);
    for (int iter = 0; iter < 5000; iter++) {
        char a[40], b[40], path[512], scratch[512 + ROUTER_MAX_PARAMS];
        size_t alen = 1 + rnd() % 39, blen = 1 + rnd() % 39, n = 0;
        route_match m;

        for (size_t i = 0; i < alen; i++)
            a[i] = (char)(1 + rnd() % 255);
        for (size_t i = 0; i < blen; i++)
            b[i] = (char)(1 + rnd() % 255);
        if (iter % 50 == 0) {
            memcpy(a, "lit", 3);
            alen = 3;
        }
        memcpy(path + n, "/rt/", 4);
        n += 4;
        n += encode_segment(path + n, a, alen);
        memcpy(path + n, "/x/", 3);
        n += 3;
        n += encode_segment(path + n, b, blen);

        /* The documented bound on scratch is always enough. */
        assert_int_equal(router_match(r, "GET", path, n, &m, scratch, n + ROUTER_MAX_PARAMS,
                                      NULL, 0),
                         ROUTE_FOUND);
        if (blen == 3 && memcmp(b, "lit", 3) == 0 && alen == 3 && memcmp(a, "lit", 3) == 0) {
            assert_string_equal(m.route->tmpl, "/rt/lit/x/lit");
            continue;
        }
        assert_string_equal(m.route->tmpl, "/rt/{a}/x/{b}");
        assert_int_equal(m.nparams, 2);
        assert_int_equal(strlen(m.param_values[0]), alen);
        assert_memory_equal(m.param_values[0], a, alen);
        assert_int_equal(strlen(m.param_values[1]), blen);
        assert_memory_equal(m.param_values[1], b, blen);
    }
}

static void test_random_bytes_never_crash(void **state)
{
    router *r = *state;
    static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "BREW" };
    static const char alpha[] = "/////{}ab_%2F.x0";
    route_target t = { .handler = handler_a };
    int added = 0;

    rng_state = UINT64_C(42);
    /* Random templates: each is accepted, refused or in conflict, never
     * anything else, and the router stays usable. */
    for (int iter = 0; iter < 3000; iter++) {
        char tmpl[24], err[256];
        const route *conflict = NULL;
        size_t len = rnd() % (sizeof(tmpl) - 1);

        for (size_t i = 0; i < len; i++)
            tmpl[i] = rnd() % 8 ? alpha[rnd() % (sizeof(alpha) - 1)] : (char)(1 + rnd() % 255);
        if (len > 0 && rnd() % 2)
            tmpl[0] = '/';
        tmpl[len] = '\0';
        int rc = router_add(r, methods[rnd() % 6], tmpl, &t, &conflict, err, sizeof(err));
        assert_true(rc == 0 || rc == -1 || rc == -2);
        assert_true((rc == -2) == (conflict != NULL));
        if (rc != 0)
            assert_true(err[0] != '\0');
        added += rc == 0;
    }
    assert_true(added > 100);

    /* Random paths against them. */
    for (int iter = 0; iter < 5000; iter++) {
        char path[200], scratch[200 + ROUTER_MAX_PARAMS], allow[64];
        size_t len = rnd() % sizeof(path);
        route_match m;

        for (size_t i = 0; i < len; i++)
            path[i] = rnd() % 8 ? alpha[rnd() % (sizeof(alpha) - 1)] : (char)(rnd() % 256);
        if (len > 0 && rnd() % 4)
            path[0] = '/';
        route_result rc = router_match(r, methods[rnd() % 6], path, len, &m, scratch,
                                       len + ROUTER_MAX_PARAMS, allow, sizeof(allow));
        switch (rc) {
        case ROUTE_FOUND:
            assert_non_null(m.route);
            assert_true(m.nparams <= ROUTER_MAX_PARAMS);
            for (size_t i = 0; i < m.nparams; i++) {
                assert_true(m.param_values[i] >= scratch &&
                            m.param_values[i] < scratch + sizeof(scratch));
                assert_true(m.param_values[i][0] != '\0');
                assert_non_null(strstr(m.route->tmpl, m.param_names[i]));
            }
            break;
        case ROUTE_METHOD_NOT_ALLOWED:
            assert_null(m.route);
            assert_true(allow[0] != '\0');
            break;
        case ROUTE_NOT_FOUND:
        case ROUTE_REDIRECT_SLASH:
        case ROUTE_BAD_PATH:
            assert_null(m.route);
            break;
        default:
            fail_msg("unknown result %d", rc);
        }
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_root_and_unslashed_paths),
        T(test_empty_router),
        T(test_params_are_decoded),
        T(test_encoded_slash_does_not_split),
        T(test_param_needs_a_non_empty_segment),
        T(test_literal_beats_param),
        T(test_backtracking),
        T(test_deep_backtracking),
        T(test_method_not_allowed_lists_allow),
        T(test_allow_is_union_over_matching_routes),
        T(test_allow_truncates_whole_entries),
        T(test_head_uses_get),
        T(test_redirect_slash),
        T(test_redirect_versus_405),
        T(test_dot_segments_are_literal),
        T(test_encoded_template_literals),
        T(test_path_is_not_nul_terminated),
        T(test_bad_path),
        T(test_max_params),
        T(test_deep_paths),
        T(test_many_literals),
        T(test_target_is_copied),
        T(test_conflicts),
        T(test_bad_templates),
        T(test_bad_methods),
        T(test_method_limit),
        T(test_err_may_be_small_or_null),
        T(test_each_in_registration_order),
        T(test_random_param_round_trip),
        T(test_random_bytes_never_crash),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
