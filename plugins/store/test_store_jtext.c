/*
 * test_store_jtext.c - JSON text written straight into an sbuf
 * (store_jtext.c): exact output for chosen values, refusals that leave the
 * buffer as it was, and cross-checks against jansson, whose dumps
 * (core/jsonreal.c's precision) the list pages must match byte for byte.
 *
 * Inputs are copied into heap blocks of exactly their size, so a read
 * past the end shows under ASan or valgrind.
 *
 * jtext_json accepts what jansson's json_loads accepts (integers within 64
 * bits, no \u0000), except: a NUL byte outside a string is refused (jansson
 * reads "[0\0]" as [0]); nesting deeper than 1024 gives 1 (the caller's
 * jansson, which goes to 2048, decides).
 * Objects whose keys are not strictly ascending, or hold an escape, give 1
 * (the caller sorts them) and duplicate keys are such a case; strings and
 * integers are copied as written ("\u00e9", "-0"), where jansson would
 * reprint them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "store_jtext.h"

#define LOAD_FLAGS JSON_DECODE_ANY

/* `s` in a heap block of exactly `n` bytes (not NUL-terminated). */
static char *exact(const char *s, size_t n)
{
    char *copy = malloc(n != 0 ? n : 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    return copy;
}

/* A buffer already holding "abc", as when a page is half written. */
static struct sbuf prefilled(void)
{
    struct sbuf b = { 0 };
    sbuf_add(&b, "abc");
    assert_false(b.failed);
    return b;
}

static void assert_untouched(const struct sbuf *b, const char *what)
{
    if (b->len != 3 || memcmp(b->data, "abc", 4) != 0)
        fail_msg("%s: buffer changed after a refusal (len %zu)", what, b->len);
}

/* What follows "abc" in b, checked against want (want_len bytes). */
static void assert_appended(const struct sbuf *b, const char *want, size_t want_len,
                            const char *what)
{
    assert_false(b->failed);
    if (b->len != 3 + want_len || memcmp(b->data, "abc", 3) != 0 ||
        memcmp(b->data + 3, want, want_len) != 0 || b->data[b->len] != '\0')
        fail_msg("%s: got \"%.*s\", want \"%.*s\"", what, (int)(b->len - 3), b->data + 3,
                 (int)want_len, want);
}

/* ---- jtext_string ------------------------------------------------------- */

/* jtext_string on n bytes; returns its result and leaves the text in out. */
static int str_n(const char *s, size_t n, struct sbuf *out)
{
    char *copy = exact(s, n);
    int rc;
    *out = prefilled();
    rc = jtext_string(out, copy, n);
    free(copy);
    return rc;
}

static void string_is(const char *s, size_t n, const char *want)
{
    struct sbuf b;
    json_t *j;
    char *dump;

    if (str_n(s, n, &b) != 0)
        fail_msg("string \"%.*s\" refused", (int)n, s);
    assert_appended(&b, want, strlen(want), want);
    /* byte for byte what jansson dumps */
    j = json_stringn(s, n);
    assert_non_null(j);
    dump = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    assert_string_equal(dump, b.data + 3);
    free(dump);
    json_decref(j);
    sbuf_free(&b);
}

static void string_refused(const char *s, size_t n)
{
    struct sbuf b;
    char what[80];
    json_t *j;

    snprintf(what, sizeof what, "string of %zu bytes starting %02x", n,
             n != 0 ? (unsigned char)s[0] : 0);
    if (str_n(s, n, &b) != -1)
        fail_msg("%s: accepted", what);
    assert_untouched(&b, what);
    j = json_stringn(s, n); /* jansson refuses it too */
    if (j != NULL)
        fail_msg("%s: jansson accepts it", what);
    sbuf_free(&b);
}

#define STR_IS(lit, want) string_is(lit, sizeof(lit) - 1, want)
#define STR_REFUSED(lit) string_refused(lit, sizeof(lit) - 1)

static void test_string_escapes(void **state)
{
    (void)state;
    STR_IS("", "\"\"");
    STR_IS("plain text", "\"plain text\"");
    STR_IS("\"", "\"\\\"\"");
    STR_IS("\\", "\"\\\\\"");
    STR_IS("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    STR_IS("a\x01" "b\x1f" "c", "\"a\\u0001b\\u001Fc\"");
    STR_IS("\x0b\x1a\x1b", "\"\\u000B\\u001A\\u001B\"");
    STR_IS("x\0y", "\"x\\u0000y\"");
    STR_IS("\0", "\"\\u0000\"");
    STR_IS("\x7f/<>'", "\"\x7f/<>'\"");
    STR_IS("say \"hi\"\n\\o/", "\"say \\\"hi\\\"\\n\\\\o/\"");
}

static void test_string_every_control_char(void **state)
{
    (void)state;
    for (int c = 0; c < 0x20; c++) {
        char in[3] = { 'a', (char)c, 'z' };
        struct sbuf b;
        json_t *j = json_stringn(in, 3);
        char *dump = json_dumps(j, JSON_ENCODE_ANY);
        assert_int_equal(str_n(in, 3, &b), 0);
        assert_string_equal(b.data + 3, dump);
        free(dump);
        json_decref(j);
        sbuf_free(&b);
    }
}

static void test_string_utf8_valid(void **state)
{
    (void)state;
    STR_IS("\xc2\x80", "\"\xc2\x80\"");                 /* U+0080, first 2-byte */
    STR_IS("caf\xc3\xa9", "\"caf\xc3\xa9\"");           /* é */
    STR_IS("\xdf\xbf", "\"\xdf\xbf\"");                 /* U+07FF */
    STR_IS("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");         /* U+0800, first 3-byte */
    STR_IS("\xe2\x82\xac", "\"\xe2\x82\xac\"");         /* € */
    STR_IS("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");         /* U+D7FF, below surrogates */
    STR_IS("\xee\x80\x80", "\"\xee\x80\x80\"");         /* U+E000, above them */
    STR_IS("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");         /* U+FFFF */
    STR_IS("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\""); /* U+10000, first 4-byte */
    STR_IS("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");
    STR_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF, the last */
    STR_IS("\xc3\xa9\n\xe2\x82\xac\"", "\"\xc3\xa9\\n\xe2\x82\xac\\\"\"");
}

static void test_string_utf8_invalid(void **state)
{
    (void)state;
    /* stray continuation bytes */
    STR_REFUSED("\x80");
    STR_REFUSED("a\xbf");
    STR_REFUSED("\xc3\xa9\xa9");
    /* overlong forms */
    STR_REFUSED("\xc0\x80");
    STR_REFUSED("\xc1\xbf");
    STR_REFUSED("\xe0\x80\x80");
    STR_REFUSED("\xe0\x9f\xbf");
    STR_REFUSED("\xf0\x80\x80\x80");
    STR_REFUSED("\xf0\x8f\xbf\xbf");
    /* surrogates */
    STR_REFUSED("\xed\xa0\x80");
    STR_REFUSED("\xed\xbf\xbf");
    STR_REFUSED("\xed\xa0\xbd\xed\xb8\x80"); /* a pair written as CESU-8 */
    /* above U+10FFFF, and bytes that never start anything */
    STR_REFUSED("\xf4\x90\x80\x80");
    STR_REFUSED("\xf5\x80\x80\x80");
    STR_REFUSED("\xf8\x88\x80\x80\x80");
    STR_REFUSED("\xfe");
    STR_REFUSED("\xff");
    /* cut short, at the end and before another character */
    STR_REFUSED("\xc3");
    STR_REFUSED("ok \xe2\x82");
    STR_REFUSED("\xf0\x9f\x98");
    STR_REFUSED("\xc3" "A");
    STR_REFUSED("\xe2\x82" "A");
    STR_REFUSED("\xf0\x9f\x98" "A");
    STR_REFUSED("\xe2" "\xc3\xa9");
    /* refused after an escape was already written */
    STR_REFUSED("\n\"\x01\xff");
}

/* Every 1- and 2-byte string, and 3- and 4-byte ones around the edges of
 * the valid ranges: jtext accepts what jansson accepts and prints it the
 * same way. */
static void test_string_utf8_against_jansson(void **state)
{
    static const unsigned char edges[] = { 0x00, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f,
                                           0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xff };
    unsigned char in[4];
    size_t checked = 0;
    (void)state;

    for (unsigned n = 1; n <= 4; n++) {
        unsigned top = n <= 2 ? 1u << (8 * n) : (n == 3 ? 0x80u * 256 : 0x10u * 256);
        for (unsigned v = 0; v < top; v++) {
            unsigned nedge = (unsigned)sizeof edges, combos = n == 3 ? nedge : n == 4 ? nedge * nedge : 1;
            for (unsigned e = 0; e < combos; e++) {
                struct sbuf b;
                json_t *j;
                int rc;
                if (n <= 2) {
                    in[0] = (unsigned char)(v >> 8 * (n - 1));
                    in[1] = (unsigned char)v;
                } else {
                    /* lead 0x80-0xff (3 bytes) or 0xf0-0xff (4 bytes), any second byte */
                    in[0] = (unsigned char)((n == 3 ? 0x80 : 0xf0) + (v >> 8));
                    in[1] = (unsigned char)v;
                    in[2] = edges[e % nedge];
                    in[3] = edges[e / nedge];
                }
                rc = str_n((const char *)in, n, &b);
                j = json_stringn((const char *)in, n);
                if ((rc == 0) != (j != NULL))
                    fail_msg("%u bytes %02x %02x %02x %02x: jtext %d, jansson %s", n, in[0],
                             in[1], in[2], in[3], rc, j != NULL ? "accepts" : "refuses");
                if (j != NULL) {
                    char *dump = json_dumps(j, JSON_ENCODE_ANY);
                    assert_string_equal(b.data + 3, dump);
                    free(dump);
                } else {
                    assert_untouched(&b, "refused bytes");
                }
                json_decref(j);
                sbuf_free(&b);
                checked++;
            }
        }
    }
    assert_true(checked > 100000);
}

/* ---- jtext_real --------------------------------------------------------- */

/* The digits core/jsonreal.c gives a value alone. */
static int host_digits(double d)
{
    char text[40];
    for (int p = 15; p < 17; p++) {
        snprintf(text, sizeof text, "%.*g", p, d);
        if (strtod(text, NULL) == d)
            return p;
    }
    return 17;
}

/* jtext_real(d) is want, reads back as d (sign of zero too), and is what
 * jansson dumps with the host's precision. */
static void real_is(double d, const char *want)
{
    struct sbuf b = prefilled();
    json_t *j = json_real(d);
    char *dump;
    double back;

    assert_int_equal(jtext_real(&b, d), 0);
    if (want != NULL)
        assert_appended(&b, want, strlen(want), want);
    back = strtod(b.data + 3, NULL);
    if (back != d || signbit(back) != signbit(d))
        fail_msg("%s reads back as %.17g, not %.17g", b.data + 3, back, d);
    assert_true(strchr(b.data + 3, '.') != NULL || strchr(b.data + 3, 'e') != NULL);
    assert_null(strchr(b.data + 3, '+'));
    dump = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(host_digits(d)));
    assert_string_equal(b.data + 3, dump);
    free(dump);
    json_decref(j);
    sbuf_free(&b);
}

static void test_real_shortest(void **state)
{
    (void)state;
    real_is(70.3, "70.3");
    real_is(70.299999999999997, "70.3"); /* the same double */
    real_is(0.1, "0.1");
    real_is(1.0, "1.0");
    real_is(-1.0, "-1.0");
    real_is(0.0, "0.0");
    real_is(-0.0, "-0.0");
    real_is(100.0, "100.0");
    real_is(123456789012345.0, "123456789012345.0");
    real_is(1e15, "1e15");
    real_is(1e20, "1e20");
    real_is(-1e20, "-1e20");
    real_is(1.5e-7, "1.5e-7");
    real_is(1e-5, "1e-5");
    real_is(0.0001, "0.0001");
    real_is(1e100, "1e100");
    real_is(1.25e-300, "1.25e-300");
    real_is(5e-324, "4.94065645841247e-324");     /* the smallest denormal */
    real_is(DBL_MIN, "2.2250738585072014e-308");
    real_is(DBL_MAX, "1.7976931348623157e308");
    real_is(-DBL_MAX, "-1.7976931348623157e308");
    real_is(1.0 / 3.0, "0.3333333333333333");     /* 16 digits */
    real_is(2.0 / 3.0, "0.6666666666666666");
    real_is(0.1 + 0.2, "0.30000000000000004");    /* 17 digits */
    real_is(9007199254740993.0, "9007199254740992.0");
    real_is(123456789.123456789, "123456789.12345679");
}

static void test_real_refuses_nan_and_infinities(void **state)
{
    const double bad[] = { NAN, -NAN, INFINITY, -INFINITY };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sbuf b = prefilled();
        assert_int_equal(jtext_real(&b, bad[i]), -1);
        assert_untouched(&b, "non-finite real");
        sbuf_free(&b);
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random bit patterns (every exponent) and random decimals of a few digits,
 * as sensors send them. */
static void test_real_random_against_jansson(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rng();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            real_is(d, NULL);
        real_is((double)(int64_t)(rng() % 2000001 - 1000000) / 1000.0, NULL);
    }
}

/* ---- jtext_int, jtext_uint ---------------------------------------------- */

static void int_is(long long v, const char *want)
{
    struct sbuf b = prefilled();
    jtext_int(&b, v);
    assert_appended(&b, want, strlen(want), want);
    sbuf_free(&b);
}

static void uint_is(unsigned long long v, const char *want)
{
    struct sbuf b = prefilled();
    jtext_uint(&b, v);
    assert_appended(&b, want, strlen(want), want);
    sbuf_free(&b);
}

static void test_integers(void **state)
{
    char want[32];
    (void)state;
    int_is(0, "0");
    int_is(7, "7");
    int_is(-7, "-7");
    int_is(10, "10");
    int_is(-10, "-10");
    int_is(LLONG_MAX, "9223372036854775807");
    int_is(LLONG_MIN, "-9223372036854775808");
    int_is(LLONG_MIN + 1, "-9223372036854775807");
    uint_is(0, "0");
    uint_is(10, "10");
    uint_is(ULLONG_MAX, "18446744073709551615");
    uint_is((unsigned long long)LLONG_MAX + 1, "9223372036854775808");
    for (int i = 0; i < 10000; i++) {
        long long v = (long long)(rng() >> (rng() % 64));
        if (i & 1)
            v = -v;
        snprintf(want, sizeof want, "%lld", v);
        int_is(v, want);
        snprintf(want, sizeof want, "%llu", (unsigned long long)v);
        uint_is((unsigned long long)v, want);
    }
}

/* ---- jtext_json --------------------------------------------------------- */

static int json_n(const char *s, size_t n, struct sbuf *out)
{
    char *copy = exact(s, n);
    int rc;
    *out = prefilled();
    rc = jtext_json(out, copy, n);
    free(copy);
    return rc;
}

/* jansson reads the input and the output as the same value. */
static void same_value(const char *in, size_t n, const char *out, size_t outlen)
{
    json_error_t err;
    json_t *a = json_loadb(in, n, LOAD_FLAGS, &err), *c;
    if (a == NULL)
        fail_msg("jansson refuses %.*s: %s", (int)n, in, err.text);
    c = json_loadb(out, outlen, LOAD_FLAGS, &err);
    if (c == NULL)
        fail_msg("jansson refuses the output %.*s: %s", (int)outlen, out, err.text);
    if (!json_equal(a, c))
        fail_msg("%.*s came out as %.*s, another value", (int)n, in, (int)outlen, out);
    json_decref(a);
    json_decref(c);
}

/* The digits core/jsonreal.c dumps the tree v with: its neediest real's. */
static int tree_digits(json_t *v, int most)
{
    const char *key;
    json_t *m;
    size_t i;

    if (json_is_real(v)) {
        int p = host_digits(json_real_value(v));
        return p > most ? p : most;
    }
    if (json_is_array(v))
        json_array_foreach(v, i, m)
            most = tree_digits(m, most);
    if (json_is_object(v))
        json_object_foreach(v, key, m)
            most = tree_digits(m, most);
    return most;
}

/* jtext_json(in) is want; with JANSSON, jansson agrees it is the same value
 * and, with DUMP, the host's dump of it is exactly want. */
enum { NONE = 0, JANSSON = 1, DUMP = 2 };

static void json_is_n(const char *in, size_t n, const char *want, int check)
{
    struct sbuf b;
    if (json_n(in, n, &b) != 0)
        fail_msg("refused: %.*s", (int)n, in);
    assert_appended(&b, want, strlen(want), in);
    if (check & JANSSON)
        same_value(in, n, b.data + 3, b.len - 3);
    if (check & DUMP) {
        json_t *v = json_loadb(in, n, LOAD_FLAGS, NULL);
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                                       JSON_REAL_PRECISION(tree_digits(v, 15)));
        assert_string_equal(dump, want);
        free(dump);
        json_decref(v);
    }
    sbuf_free(&b);
}

#define JSON_IS(lit, want, check) json_is_n(lit, sizeof(lit) - 1, want, check)

static void json_refused_n(const char *in, size_t n, int jansson_refuses)
{
    struct sbuf b;
    char what[200];
    snprintf(what, sizeof what, "%.*s", (int)(n < 150 ? n : 150), in);
    if (json_n(in, n, &b) != -1)
        fail_msg("accepted: %s", what);
    assert_untouched(&b, what);
    if (jansson_refuses) {
        json_t *v = json_loadb(in, n, LOAD_FLAGS, NULL);
        if (v != NULL)
            fail_msg("jansson accepts: %s", what);
    }
    sbuf_free(&b);
}

#define JSON_REFUSED(lit) json_refused_n(lit, sizeof(lit) - 1, 1)

/* JSON that jansson reads, but with an object's keys out of order (or
 * escaped): 1, nothing appended. */
static void json_unsorted_n(const char *in, size_t n)
{
    struct sbuf b;
    json_t *v = json_loadb(in, n, LOAD_FLAGS, NULL);

    if (v == NULL)
        fail_msg("jansson refuses: %.*s", (int)n, in);
    json_decref(v);
    if (json_n(in, n, &b) != 1)
        fail_msg("not reported unsorted: %.*s", (int)n, in);
    assert_untouched(&b, in);
    sbuf_free(&b);
}

#define JSON_UNSORTED(lit) json_unsorted_n(lit, sizeof(lit) - 1)

static void test_json_compacts(void **state)
{
    (void)state;
    JSON_IS("{\"a\":1}", "{\"a\":1}", JANSSON | DUMP);
    JSON_IS(" {\n\t\"a\" : [ 1 , 2 , { } , [ ] ] ,\r\n \"b\" : \"x y\" } \n",
            "{\"a\":[1,2,{},[]],\"b\":\"x y\"}", JANSSON | DUMP);
    JSON_IS("{\"a\":1,\"ab\":2,\"b\":{\"z\":3},\"\xc3\xa9\":4}",
            "{\"a\":1,\"ab\":2,\"b\":{\"z\":3},\"\xc3\xa9\":4}", JANSSON | DUMP);
    /* keys out of byte order, at any depth, or escaped: the caller sorts */
    JSON_UNSORTED("{\"z\":1,\"a\":2,\"m\":3}");
    JSON_UNSORTED(" {\"b\" : 1 , \"a\" : 2} ");
    JSON_UNSORTED("{\"ab\":1,\"a\":2}");
    JSON_UNSORTED("[1, {\"a\": {\"y\": 2, \"b\": 3}}]");
    JSON_UNSORTED("{\"a\": {\"z\": 1}, \"b\": {\"y\": 2, \"c\": 3}}");
    JSON_UNSORTED("{\"\\u0061\":1}");
    JSON_UNSORTED("{\"a\":1, \"a\":2}");   /* duplicates: jansson keeps the last */
    JSON_IS("[true, false, null]", "[true,false,null]", JANSSON | DUMP);
    JSON_IS("{}", "{}", JANSSON | DUMP);
    JSON_IS("[ ]", "[]", JANSSON | DUMP);
    JSON_IS("{ }", "{}", JANSSON | DUMP);
    JSON_IS("[[[[]]],{\"\":{}}]", "[[[[]]],{\"\":{}}]", JANSSON | DUMP);
    /* any value at the top */
    JSON_IS("\"text\"", "\"text\"", JANSSON | DUMP);
    JSON_IS("  42  ", "42", JANSSON | DUMP);
    JSON_IS("-0", "-0", JANSSON);
    JSON_IS("true", "true", JANSSON | DUMP);
    JSON_IS("null", "null", JANSSON | DUMP);
    JSON_IS("false\n", "false", JANSSON | DUMP);
    /* whitespace in strings stays */
    JSON_IS("[\" a \\t b \"]", "[\" a \\t b \"]", JANSSON | DUMP);
    JSON_IS("{\"k e y\" :\"v\"}", "{\"k e y\":\"v\"}", JANSSON | DUMP);
}

static void test_json_numbers(void **state)
{
    (void)state;
    JSON_IS("70.299999999999997", "70.3", JANSSON | DUMP);
    JSON_IS("{\"n\": 3, \"weight\": 70.299999999999997}", "{\"n\":3,\"weight\":70.3}",
            JANSSON | DUMP);
    JSON_IS("[70.299999999999997,0.10000000000000001, 1.0]", "[70.3,0.1,1.0]", JANSSON | DUMP);
    JSON_IS("[0.30000000000000004,0.3]", "[0.30000000000000004,0.3]", JANSSON);
    JSON_IS("1E+2", "100.0", JANSSON | DUMP);
    JSON_IS("1e2", "100.0", JANSSON | DUMP);
    JSON_IS("1.5E-07", "1.5e-7", JANSSON | DUMP);
    JSON_IS("-2.5e+020", "-2.5e20", JANSSON | DUMP);
    JSON_IS("0.5e1", "5.0", JANSSON | DUMP);
    JSON_IS("-0.0", "-0.0", JANSSON | DUMP);
    JSON_IS("0e0", "0.0", JANSSON | DUMP);
    JSON_IS("1e-999", "0.0", JANSSON | DUMP);     /* underflow is fine */
    JSON_IS("-1e-999", "-0.0", JANSSON | DUMP);
    JSON_IS("4.9406564584124654e-324", "4.94065645841247e-324", JANSSON | DUMP);
    JSON_IS("1.7976931348623157e308", "1.7976931348623157e308", JANSSON | DUMP);
    JSON_IS("[1,-1,0,10,-9223372036854775808]", "[1,-1,0,10,-9223372036854775808]",
            JANSSON | DUMP);
    /* integers within 64 bits, as jansson reads them; longer ones refused */
    JSON_IS("[9223372036854775807, -9223372036854775808, 9223372036854775806]",
            "[9223372036854775807,-9223372036854775808,9223372036854775806]", JANSSON | DUMP);
    JSON_REFUSED("9223372036854775808");
    JSON_REFUSED("[-9223372036854775809]");
    JSON_REFUSED("[99999999999999999999]");
    JSON_REFUSED("123456789012345678901234567890");
    /* a real longer than the parser's local buffer */
    JSON_IS("[0.1000000000000000000000000000000000000000000000000000000000000000000000000001]",
            "[0.1]", JANSSON | DUMP);
    JSON_IS("{\"a\":12345678901234567890123456789012345678901234567890123456789012345678.5e-60}",
            "{\"a\":12345678.901234567}", JANSSON | DUMP);
}

static void test_json_strings_copied_as_written(void **state)
{
    (void)state;
    JSON_IS("[\"caf\\u00e9\", \"caf\xc3\xa9\"]", "[\"caf\\u00e9\",\"caf\xc3\xa9\"]", JANSSON);
    JSON_IS("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", JANSSON);
    JSON_IS("\"\\ud83d\\ude00 \\uD83D\\uDE00\"", "\"\\ud83d\\ude00 \\uD83D\\uDE00\"", JANSSON);
    JSON_IS("\"\\udbff\\udfff\\ud7ff\\ue000\\uffff\"", "\"\\udbff\\udfff\\ud7ff\\ue000\\uffff\"",
            JANSSON);
    JSON_IS("\"\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \x7f\"", "\"\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \x7f\"",
            JANSSON | DUMP);
    JSON_IS("[\"\\u00e9\",\"\\u0001\"]", "[\"\\u00e9\",\"\\u0001\"]", JANSSON);
    /* \u0000, which jansson refuses without JSON_ALLOW_NUL */
    JSON_REFUSED("{\"a\":\"\\u0000\"}");
}

/* `levels` opening brackets of the kinds in turn, then the closing ones: the text in text, the compact form in want. */
static size_t nest(char *text, char *want, const char *kinds, size_t levels)
{
    size_t n = 0, w = 0;
    for (size_t i = 0; i < levels; i++) {
        /* the innermost object is empty: a key needs a value */
        const char *open = kinds[i % strlen(kinds)] != '{' ? " [ "
                           : i + 1 < levels                ? " { \"a\" : "
                                                           : " { ";
        for (; *open != '\0'; open++) {
            text[n++] = *open;
            if (*open != ' ')
                want[w++] = *open;
        }
    }
    for (size_t i = levels; i-- > 0;) {
        text[n++] = kinds[i % strlen(kinds)] == '{' ? '}' : ']';
        want[w++] = text[n - 1];
        text[n++] = ' ';
    }
    want[w] = '\0';
    return n;
}

static void test_json_depth(void **state)
{
    static const char *const kinds[] = { "[", "{", "{[", "[{" };
    const size_t limit = 1024;
    char *text = malloc(12 * (limit + 1)), *want = malloc(12 * (limit + 1));
    (void)state;
    assert_non_null(text);
    assert_non_null(want);

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = nest(text, want, kinds[k], limit);
        json_is_n(text, n, want, JANSSON);
        n = nest(text, want, kinds[k], limit + 1);
        json_unsorted_n(text, n); /* deeper: left to jansson (it goes to 2048) */
    }
    free(want);
    free(text);
}

static void test_json_refusals(void **state)
{
    (void)state;
    /* empty, or not one value */
    JSON_REFUSED("");
    JSON_REFUSED("   \n ");
    JSON_REFUSED("[1]x");
    JSON_REFUSED("{} {}");
    JSON_REFUSED("1 2");
    JSON_REFUSED("\"a\" \"b\"");
    JSON_REFUSED("[]]");
    JSON_REFUSED("{}}");
    JSON_REFUSED("[1]\0");
    JSON_REFUSED("\xef\xbb\xbf[]"); /* a byte order mark */
    JSON_REFUSED("/* c */ 1");
    /* unclosed */
    JSON_REFUSED("[");
    JSON_REFUSED("{");
    JSON_REFUSED("[1, 2");
    JSON_REFUSED("{\"a\": 1");
    JSON_REFUSED("{\"a\"");
    JSON_REFUSED("{\"a\":");
    JSON_REFUSED("\"abc");
    JSON_REFUSED("[\"abc]");
    JSON_REFUSED("[{]}");
    JSON_REFUSED("[1}");
    JSON_REFUSED("{\"a\":1]");
    /* commas and colons */
    JSON_REFUSED("[1,]");
    JSON_REFUSED("{\"a\":1,}");
    JSON_REFUSED("[,]");
    JSON_REFUSED("[,1]");
    JSON_REFUSED("{,}");
    JSON_REFUSED("[1,,2]");
    JSON_REFUSED("[1 2]");
    JSON_REFUSED("{\"a\" 1}");
    JSON_REFUSED("{\"a\"::1}");
    JSON_REFUSED("{\"a\":1 \"b\":2}");
    JSON_REFUSED("{1:2}");
    JSON_REFUSED("{a:1}");
    JSON_REFUSED("{\"a\":}");
    JSON_REFUSED("{:1}");
    JSON_REFUSED("[\"a\":1]");
    /* words */
    JSON_REFUSED("tru");
    JSON_REFUSED("nul");
    JSON_REFUSED("fals");
    JSON_REFUSED("True");
    JSON_REFUSED("truex");
    JSON_REFUSED("[nulll]");
    JSON_REFUSED("NaN");
    JSON_REFUSED("Infinity");
    JSON_REFUSED("-Infinity");
    JSON_REFUSED("'a'");
    /* numbers */
    JSON_REFUSED("01");
    JSON_REFUSED("-01");
    JSON_REFUSED("00");
    JSON_REFUSED("[00.5]");
    JSON_REFUSED("1.");
    JSON_REFUSED("[1.]");
    JSON_REFUSED("1.e5");
    JSON_REFUSED(".");
    JSON_REFUSED(".5");
    JSON_REFUSED("[.5]");
    JSON_REFUSED("-.5");
    JSON_REFUSED("-");
    JSON_REFUSED("[-]");
    JSON_REFUSED("--1");
    JSON_REFUSED("+1");
    JSON_REFUSED("1e");
    JSON_REFUSED("1e+");
    JSON_REFUSED("1E-");
    JSON_REFUSED("[1e]");
    JSON_REFUSED("1e5.5");
    JSON_REFUSED("0x10");
    JSON_REFUSED("1_000");
    JSON_REFUSED("1true");
    /* reals out of range */
    JSON_REFUSED("1e999");
    JSON_REFUSED("-1e999");
    JSON_REFUSED("{\"a\": [1, 1.8e308]}");
    JSON_REFUSED("[1.0, 2e400]");
    /* string escapes */
    JSON_REFUSED("\"\\x\"");
    JSON_REFUSED("\"\\'\"");
    JSON_REFUSED("\"\\\"");
    JSON_REFUSED("\"\\");
    JSON_REFUSED("\"\\u12\"");
    JSON_REFUSED("\"\\u12");
    JSON_REFUSED("\"\\uZZZZ\"");
    JSON_REFUSED("\"\\u00g0\"");
    JSON_REFUSED("\"\\U0041\"");
    /* lone or mismatched surrogate escapes */
    JSON_REFUSED("\"\\ud800\"");
    JSON_REFUSED("\"\\udbff\"");
    JSON_REFUSED("\"\\udc00\"");
    JSON_REFUSED("\"\\udfff\\ud800\"");
    JSON_REFUSED("\"\\ud800x\"");
    JSON_REFUSED("\"\\ud800\\n\"");
    JSON_REFUSED("\"\\ud800\\u0041\"");
    JSON_REFUSED("\"\\ud800\\ud800\"");
    JSON_REFUSED("\"\\ud800\\u");
    JSON_REFUSED("\"\\ud800\\udc0");
    JSON_REFUSED("[\"\\ud800\"]");
    /* invalid UTF-8 in strings and keys */
    JSON_REFUSED("\"\xc3\"");
    JSON_REFUSED("\"\xc3");
    JSON_REFUSED("\"\x80\"");
    JSON_REFUSED("\"\xc0\x80\"");
    JSON_REFUSED("\"\xe0\x80\x80\"");
    JSON_REFUSED("\"\xed\xa0\x80\"");
    JSON_REFUSED("\"\xf4\x90\x80\x80\"");
    JSON_REFUSED("\"\xf0\x9f\x98\"");
    JSON_REFUSED("\"\xff\"");
    JSON_REFUSED("{\"\xc3\":1}");
    JSON_REFUSED("[\xc3\xa9]"); /* valid UTF-8, but outside a string */
    /* raw control characters in strings */
    JSON_REFUSED("\"a\nb\"");
    JSON_REFUSED("\"a\tb\"");
    JSON_REFUSED("\"\x01\"");
    JSON_REFUSED("\"\x1f\"");
    JSON_REFUSED("\"a\0b\"");
    JSON_REFUSED("[\"x\", \"\x7f\", \"\x1f\"]");
    /* refused late, after reals and whitespace were written */
    JSON_REFUSED("{ \"a\": 70.299999999999997, \"b\": [1.5, 2 ] , \"c\": 01 }");
    JSON_REFUSED("[0.1000000000000000000000000000000000000000000000000000000000000000001, x]");
}

/* Every prefix of valid texts: refused without a read past its end, or
 * accepted as jansson accepts it. */
static void test_json_prefixes(void **state)
{
    static const char *const texts[] = {
        (" {\"a\" : [1, -2.5e-3, true, false, null, \"x\\u00e9\\ud83d\\ude00\xc3\xa9\"], "
        "\"b\":{\"c\":\"\\n\"}} "),
        "-12.75E+10",
        "[0.1000000000000000000000000000000000000000000000000000000000000000001]",
        "\"\\ud800\\udc00\xf0\x9f\x98\x80\"",
    };
    (void)state;
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t len = strlen(texts[t]);
        for (size_t n = 0; n <= len; n++) {
            struct sbuf b;
            json_t *v = json_loadb(texts[t], n, LOAD_FLAGS, NULL);
            int rc = json_n(texts[t], n, &b);
            if ((rc >= 0) != (v != NULL))
                fail_msg("prefix %.*s: jtext %d, jansson %s", (int)n, texts[t], rc,
                         v != NULL ? "accepts" : "refuses");
            if (rc == 0)
                same_value(texts[t], n, b.data + 3, b.len - 3);
            else
                assert_untouched(&b, "prefix");
            json_decref(v);
            sbuf_free(&b);
        }
    }
}

/* Texts with one or two bytes changed, removed or added: jtext and jansson
 * accept and refuse the same ones, and agree on the value. */
static void test_json_mutations_against_jansson(void **state)
{
    static const char *const seeds[] = {
        ("{\"a\": [1, -2.5e-3, true, false, null, \"x\\u00e9\\ud83d\\ude00\xc3\xa9\"], "
        "\"b\": {\"c\": \"\\n\"}, \"d\": 70.299999999999997}"),
        "[0, -0, 1e5, 1E-5, 0.5, \"\", {}, [], [[1]], {\"\": \"\"}]",
        "\"\\\\\\\"\\/\\b\\f\\n\\r\\t\\u0041\\uD834\\uDD1E\"",
    };
    static const char bytes[] = "{}[]\":,.-+eE0159tfnulrsa\\/ \n\x01\x1f\x7f\x80\xbf\xc3\xe2\xed"
                                "\xf0\xf4\xff\0";
    char text[256];
    size_t agreed = 0;
    (void)state;

    for (int i = 0; i < 30000; i++) {
        const char *seed = seeds[rng() % (sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(seed);
        struct sbuf b;
        json_error_t err;
        json_t *v;
        int rc;

        memcpy(text, seed, n);
        for (int k = 0; k < 1 + (int)(rng() % 2); k++) {
            size_t at = (size_t)(rng() % n);
            char c = bytes[rng() % (sizeof bytes - 1)];
            switch (rng() % 3) {
            case 0:
                text[at] = c;
                break;
            case 1:
                memmove(text + at, text + at + 1, n - at - 1);
                n--;
                break;
            default:
                memmove(text + at + 1, text + at, n - at);
                text[at] = c;
                n++;
                break;
            }
        }
        rc = json_n(text, n, &b);
        if (memchr(text, '\0', n) != NULL) {
            /* never JSON; jansson takes a NUL byte after a number for the
             * end ("[0\0]" reads as [0]) */
            if (rc != -1)
                fail_msg("a text with a NUL byte accepted");
            assert_untouched(&b, "NUL byte");
            sbuf_free(&b);
            continue;
        }
        v = json_loadb(text, n, LOAD_FLAGS, &err);
        if ((rc >= 0) != (v != NULL))
            fail_msg("%.*s: jtext %d, jansson %s (%s)", (int)n, text, rc,
                     v != NULL ? "accepts" : "refuses", v != NULL ? "" : err.text);
        if (rc == 0) {
            same_value(text, n, b.data + 3, b.len - 3);
            agreed++;
        } else {
            assert_untouched(&b, "mutation");
        }
        json_decref(v);
        sbuf_free(&b);
    }
    assert_true(agreed > 1000); /* some mutations stay valid */
}

/* After an allocation failure the functions do nothing and return 0. */
static void test_failed_buffer(void **state)
{
    struct sbuf b = prefilled();
    (void)state;
    b.failed = 1;
    assert_int_equal(jtext_string(&b, "x", 1), 0);
    assert_int_equal(jtext_real(&b, 1.5), 0);
    jtext_int(&b, -5);
    jtext_uint(&b, 5);
    assert_int_equal(jtext_json(&b, "[1, 2.5, \"x\"]", 13), 0);
    assert_int_equal(jtext_json(&b, "[1, 2.5,]", 9), -1);
    assert_int_equal(b.len, 3);
    assert_null(sbuf_take(&b));
}

/* Appends into an empty buffer work (data starts NULL). */
static void test_empty_buffer(void **state)
{
    struct sbuf b = { 0 };
    char *s;
    (void)state;
    assert_int_equal(jtext_json(&b, "[1,", 3), -1);
    assert_int_equal(b.len, 0);
    assert_int_equal(jtext_string(&b, "\xff", 1), -1);
    assert_int_equal(jtext_json(&b, " [1, 2.50] ", 11), 0);
    jtext_int(&b, -3);
    assert_int_equal(jtext_string(&b, "\xc3\xa9", 2), 0);
    s = sbuf_take(&b);
    assert_string_equal(s, "[1,2.5]-3\"\xc3\xa9\"");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_string_every_control_char),
        cmocka_unit_test(test_string_utf8_valid),
        cmocka_unit_test(test_string_utf8_invalid),
        cmocka_unit_test(test_string_utf8_against_jansson),
        cmocka_unit_test(test_real_shortest),
        cmocka_unit_test(test_real_refuses_nan_and_infinities),
        cmocka_unit_test(test_real_random_against_jansson),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_json_compacts),
        cmocka_unit_test(test_json_numbers),
        cmocka_unit_test(test_json_strings_copied_as_written),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_json_refusals),
        cmocka_unit_test(test_json_prefixes),
        cmocka_unit_test(test_json_mutations_against_jansson),
        cmocka_unit_test(test_failed_buffer),
        cmocka_unit_test(test_empty_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
