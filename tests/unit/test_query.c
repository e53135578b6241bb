/*
 * test_query.c - percent-decoding and query-string parsing (core/http/query.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/query.h"

#define NOPE ((size_t)-1)

/* Decode a C string into a static buffer; NULL when refused. */
static const char *dec(const char *s, int plus)
{
    static char out[256];
    size_t len = strlen(s);

    assert_true(len < sizeof(out));
    size_t d = pct_decode(out, s, len, plus);
    if (d == NOPE)
        return NULL;
    assert_int_equal(d, strlen(out));
    return out;
}

static void test_decode_escapes(void **state)
{
    assert_string_equal(dec("a%20b", 0), "a b");
    assert_string_equal(dec("%41%42c", 0), "ABc");
    assert_string_equal(dec("%2f%2F", 0), "//");
    assert_string_equal(dec("caf%C3%A9", 0), "caf\xc3\xa9");
    assert_string_equal(dec("%7e%7E", 0), "~~");
    assert_string_equal(dec("", 0), "");
    assert_string_equal(dec("plain", 0), "plain");
}

static void test_decode_bad_escapes_kept(void **state)
{
    /* As Django does: a '%' without two hex digits stays as it is. */
    assert_string_equal(dec("%zz", 0), "%zz");
    assert_string_equal(dec("100%", 0), "100%");
    assert_string_equal(dec("%4", 0), "%4");
    assert_string_equal(dec("%4g%41", 0), "%4gA");
    assert_string_equal(dec("%%41", 0), "%A");
    assert_string_equal(dec("%", 0), "%");
}

static void test_decode_plus(void **state)
{
    assert_string_equal(dec("a+b", 0), "a+b");
    assert_string_equal(dec("a+b", 1), "a b");
    /* An encoded plus is a plus even in form encoding. */
    assert_string_equal(dec("a%2Bb", 1), "a+b");
}

static void test_decode_nul_refused(void **state)
{
    char out[16];

    assert_null(dec("a%00b", 0));
    assert_null(dec("%00", 1));
    assert_int_equal(pct_decode(out, "a\0b", 3, 0), NOPE);
    /* "%0" followed by a non-hex digit is no escape, so no NUL. */
    assert_string_equal(dec("%0g", 0), "%0g");
}

static void test_decode_in_place_and_bounded(void **state)
{
    char buf[] = "x%41%42%43y+z";
    size_t d = pct_decode(buf, buf, strlen(buf), 1);

    assert_int_equal(d, 7);
    assert_string_equal(buf, "xABCy z");

    /* Only len bytes are read: the rest of the string is not looked at. */
    char out[8];
    memset(out, 'Q', sizeof(out));
    assert_int_equal(pct_decode(out, "ab%41zzz", 5, 0), 3);
    assert_string_equal(out, "abA");
    /* A '%' two bytes before the end of len is not an escape. */
    assert_int_equal(pct_decode(out, "a%41", 3, 0), 3);
    assert_string_equal(out, "a%4");
}

typedef struct parsed {
    int n;
    query_pair pairs[16];
    char arena[512];
} parsed;

static int parse(parsed *p, const char *qs)
{
    p->n = query_parse(qs, strlen(qs), p->pairs, 16, p->arena, sizeof(p->arena));
    return p->n;
}

static void assert_pair(const parsed *p, int i, const char *name, const char *value)
{
    assert_true(i < p->n);
    assert_string_equal(p->pairs[i].name, name);
    assert_string_equal(p->pairs[i].value, value);
}

static void test_parse_basic(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "a=1&b=two"), 2);
    assert_pair(&p, 0, "a", "1");
    assert_pair(&p, 1, "b", "two");
    assert_int_equal(parse(&p, ""), 0);
    assert_int_equal(query_parse(NULL, 0, NULL, 0, NULL, 0), 0);
}

static void test_parse_repeated_names_keep_order(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "id=3&x=1&id=1&id=2"), 4);
    assert_pair(&p, 0, "id", "3");
    assert_pair(&p, 1, "x", "1");
    assert_pair(&p, 2, "id", "1");
    assert_pair(&p, 3, "id", "2");
}

static void test_parse_decoding(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "first+name=John+Q.+Public&q=a%2Bb%26c%3Dd"), 2);
    assert_pair(&p, 0, "first name", "John Q. Public");
    assert_pair(&p, 1, "q", "a+b&c=d");
    assert_int_equal(parse(&p, "bad=%zz&pct=100%&k%zz=v"), 3);
    assert_pair(&p, 0, "bad", "%zz");
    assert_pair(&p, 1, "pct", "100%");
    assert_pair(&p, 2, "k%zz", "v");
}

static void test_parse_bare_names_and_equals(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "a"), 1);
    assert_pair(&p, 0, "a", "");
    assert_int_equal(parse(&p, "a=&b"), 2);
    assert_pair(&p, 0, "a", "");
    assert_pair(&p, 1, "b", "");
    assert_int_equal(parse(&p, "="), 1);
    assert_pair(&p, 0, "", "");
    assert_int_equal(parse(&p, "=v&expr=a=b"), 2);
    assert_pair(&p, 0, "", "v");
    assert_pair(&p, 1, "expr", "a=b");
}

static void test_parse_empty_pieces_skipped(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "a=1&&b=2"), 2);
    assert_pair(&p, 0, "a", "1");
    assert_pair(&p, 1, "b", "2");
    assert_int_equal(parse(&p, "&a=1&"), 1);
    assert_pair(&p, 0, "a", "1");
    assert_int_equal(parse(&p, "&&&"), 0);
}

static void test_parse_semicolon_is_not_a_separator(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "a=1;b=2"), 1);
    assert_pair(&p, 0, "a", "1;b=2");
}

static void test_parse_nul_refused(void **state)
{
    parsed p;

    assert_int_equal(parse(&p, "a=1&b=x%00y"), -1);
    assert_int_equal(parse(&p, "a%00=1"), -1);
    assert_int_equal(query_parse("a=1&b\0=2", 8, p.pairs, 16, p.arena, sizeof(p.arena)), -1);
}

static void test_parse_respects_len(void **state)
{
    parsed p;

    p.n = query_parse("a=1&b=2", 3, p.pairs, 16, p.arena, sizeof(p.arena));
    assert_int_equal(p.n, 1);
    assert_pair(&p, 0, "a", "1");
}

static void test_parse_arena_exact(void **state)
{
    query_pair pairs[4];
    char arena[16];
    const char *qs = "a=%41&bb";   /* "a\0A\0bb\0\0": 8 bytes */

    assert_int_equal(query_parse(qs, strlen(qs), pairs, 4, arena, 8), 2);
    assert_string_equal(pairs[0].name, "a");
    assert_string_equal(pairs[0].value, "A");
    assert_string_equal(pairs[1].name, "bb");
    assert_string_equal(pairs[1].value, "");
    for (size_t small = 0; small < 8; small++)
        assert_int_equal(query_parse(qs, strlen(qs), pairs, 4, arena, small), -1);
    assert_int_equal(query_parse(qs, strlen(qs), pairs, 4, NULL, 0), -1);
}

static void test_parse_max_pairs(void **state)
{
    query_pair pairs[3];
    char arena[64];

    assert_int_equal(query_parse("a&b&c", 5, pairs, 3, arena, sizeof(arena)), 3);
    assert_int_equal(query_parse("a&b&c", 5, pairs, 2, arena, sizeof(arena)), -1);
    assert_int_equal(query_parse("a&b&c", 5, NULL, 0, arena, sizeof(arena)), -1);
    /* Skipped empty pieces do not count. */
    assert_int_equal(query_parse("a&&&b", 5, pairs, 2, arena, sizeof(arena)), 2);
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

/* A random byte string of 0..max bytes, none NUL, drawn mostly from the
 * characters that matter to the parser. */
static size_t rnd_text(char *out, size_t max)
{
    static const char alpha[] = "ab=&%+2F0zZ;? ";
    size_t n = rnd() % (max + 1);

    for (size_t i = 0; i < n; i++)
        out[i] = rnd() % 4 ? alpha[rnd() % (sizeof(alpha) - 1)] : (char)(1 + rnd() % 255);
    return n;
}

/* Form-encode s: unreserved bytes as they are, spaces as '+' or "%20",
 * everything else as %XX, some unreserved bytes encoded too. */
static size_t encode(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        if (c == ' ' && rnd() % 2) {
            out[o++] = '+';
        } else if (plain && rnd() % 4) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

static void test_random_round_trip(void **state)
{
    rng_state = UINT64_C(0x9e3779b97f4a7c15);
    for (int iter = 0; iter < 5000; iter++) {
        char names[8][32], values[8][32], qs[8 * 200];
        size_t nlen[8], vlen[8], q = 0;
        int n = (int)(rnd() % 8);

        for (int i = 0; i < n; i++) {
            /* Empty names and values too: "=" is a piece, not an empty one. */
            nlen[i] = rnd_text(names[i], 31);
            vlen[i] = rnd_text(values[i], 31);
            if (i > 0)
                qs[q++] = '&';
            q += encode(qs + q, names[i], nlen[i]);
            qs[q++] = '=';
            q += encode(qs + q, values[i], vlen[i]);
        }

        query_pair pairs[8];
        char arena[sizeof(qs) + 16];
        /* The documented bound: len + 2 per pair. */
        int got = query_parse(qs, q, pairs, 8, arena, q + 2 * (size_t)n);
        assert_int_equal(got, n);
        for (int i = 0; i < n; i++) {
            assert_int_equal(strlen(pairs[i].name), nlen[i]);
            assert_memory_equal(pairs[i].name, names[i], nlen[i]);
            assert_int_equal(strlen(pairs[i].value), vlen[i]);
            assert_memory_equal(pairs[i].value, values[i], vlen[i]);
        }
    }
}

static int has_nul(const char *s, size_t len)
{
    if (memchr(s, '\0', len))
        return 1;
    for (size_t i = 0; i + 2 < len; i++)
        if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0')
            return 1;
    return 0;
}

static void test_random_bytes_never_crash(void **state)
{
    rng_state = UINT64_C(20240601);
    for (int iter = 0; iter < 5000; iter++) {
        char in[300], out[301];
        size_t len = rnd() % sizeof(in);

        for (size_t i = 0; i < len; i++)
            in[i] = rnd() % 3 ? "%&=+0aF"[rnd() % 7] : (char)(rnd() % 256);

        size_t d = pct_decode(out, in, len, (int)(rnd() % 2));
        if (has_nul(in, len)) {
            assert_int_equal(d, NOPE);
        } else {
            assert_true(d <= len);
            assert_int_equal(strlen(out), d);
        }

        /* As many pairs as there could be pieces, and the documented arena. */
        query_pair pairs[301];
        char arena[300 + 2 * 301];
        int n = query_parse(in, len, pairs, len + 1, arena, sizeof(arena));
        /* '&' never takes part in a NUL or "%00", so one always lands in a
         * piece that is parsed; and with room enough, nothing else fails. */
        if (has_nul(in, len)) {
            assert_int_equal(n, -1);
            continue;
        }
        assert_true(n >= 0);
        /* The documented bound is enough, and a byte less is not. */
        size_t need = 0;
        for (int i = 0; i < n; i++)
            need += strlen(pairs[i].name) + strlen(pairs[i].value) + 2;
        assert_true(need <= len + 2 * (size_t)n);
        assert_int_equal(query_parse(in, len, pairs, (size_t)n, arena, need), n);
        if (need > 0)
            assert_int_equal(query_parse(in, len, pairs, (size_t)n, arena, need - 1), -1);
        if (n > 0)
            assert_int_equal(query_parse(in, len, pairs, (size_t)n - 1, arena, need), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_escapes),
        cmocka_unit_test(test_decode_bad_escapes_kept),
        cmocka_unit_test(test_decode_plus),
        cmocka_unit_test(test_decode_nul_refused),
        cmocka_unit_test(test_decode_in_place_and_bounded),
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_repeated_names_keep_order),
        cmocka_unit_test(test_parse_decoding),
        cmocka_unit_test(test_parse_bare_names_and_equals),
        cmocka_unit_test(test_parse_empty_pieces_skipped),
        cmocka_unit_test(test_parse_semicolon_is_not_a_separator),
        cmocka_unit_test(test_parse_nul_refused),
        cmocka_unit_test(test_parse_respects_len),
        cmocka_unit_test(test_parse_arena_exact),
        cmocka_unit_test(test_parse_max_pairs),
        cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test(test_random_bytes_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
