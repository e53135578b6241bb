/*
 * store_jtext.c - see store_jtext.h. Strings, numbers and JSON columns
 * written as text into an sbuf, reading back as what jansson prints, without
 * building json_t trees.
 *
 * Reals go through snprintf and strtod, which read and write the C
 * locale's '.': camid never calls setlocale.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_jtext.h"

#define JTEXT_MAX_DEPTH 1024

static void addc(struct sbuf *b, char c)
{
    sbuf_addn(b, &c, 1);
}

/* Forget what a failed call appended. */
static int rollback(struct sbuf *b, size_t len)
{
    b->len = len;
    if (b->data != NULL)
        b->data[len] = '\0';
    return -1;
}

/* Length of the valid UTF-8 sequence starting with the byte >= 0x80 at
 * p, or 0: a stray continuation byte, an overlong form (C0, C1, E0 80-9F,
 * F0 80-8F), a surrogate (ED A0-BF), above U+10FFFF (F4 90-BF, F5-FF) or
 * a sequence cut short by `end`. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len, i;

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < len || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

int jtext_string(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    size_t len0 = b->len;
    char esc[6] = { '\\', 0, '0', '0', 0, 0 }; /* \x or \u00XX */

    addc(b, '"');
    while (p < end) {
        unsigned char c = *p;
        size_t elen = 2, k;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0x80) {
            if ((k = utf8_len(p, end)) == 0)
                return rollback(b, len0);
            p += k;
            continue;
        }
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: /* jansson writes the other controls as \u00XX, upper case */
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
            break;
        }
        if (p > run)
            sbuf_addn(b, (const char *)run, (size_t)(p - run));
        sbuf_addn(b, esc, elen);
        run = ++p;
    }
    if (p > run)
        sbuf_addn(b, (const char *)run, (size_t)(p - run));
    addc(b, '"');
    return 0;
}

int jtext_real(struct sbuf *b, double d)
{
    char text[40], out[40];
    size_t i = 0, o = 0;
    int prec;

    if (!isfinite(d))
        return -1;
    for (prec = 15; prec < 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    if (prec == 17)
        snprintf(text, sizeof text, "%.17g", d);

    /* mantissa as it is; exponent without '+' or leading zeros */
    while (text[i] != '\0' && text[i] != 'e')
        out[o++] = text[i++];
    if (text[i] == 'e') {
        out[o++] = text[i++];
        if (text[i] == '-')
            out[o++] = text[i++];
        else if (text[i] == '+')
            i++;
        while (text[i] == '0' && text[i + 1] != '\0')
            i++;
        while (text[i] != '\0')
            out[o++] = text[i++];
    } else if (memchr(out, '.', o) == NULL) {
        out[o++] = '.'; /* "1" would read back as an integer */
        out[o++] = '0';
    }
    sbuf_addn(b, out, o);
    return 0;
}

void jtext_uint(struct sbuf *b, unsigned long long v)
{
    char digits[24];
    size_t i = sizeof digits;

    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    sbuf_addn(b, digits + i, sizeof digits - i);
}

void jtext_int(struct sbuf *b, long long v)
{
    char digits[24];
    size_t i = sizeof digits;
    /* the magnitude in unsigned arithmetic, so LLONG_MIN has one too */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        digits[--i] = '-';
    sbuf_addn(b, digits + i, sizeof digits - i);
}

/*
 * jtext_json: one pass over the text. What is kept goes out in runs
 * copied from `s` as they are ([run, p)); whitespace and reals end a run.
 */

struct jparse {
    struct sbuf *b;
    const char *p, *end, *run;
};

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Flush the run before whitespace and start a new one after it. */
static void skip_ws(struct jparse *j)
{
    if (j->p < j->end && is_ws(*j->p)) {
        if (j->p > j->run)
            sbuf_addn(j->b, j->run, (size_t)(j->p - j->run));
        while (j->p < j->end && is_ws(*j->p))
            j->p++;
        j->run = j->p;
    }
}

/* Four hex digits at p (there are at least four bytes), or -1. */
static long hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Check the string at j->p (its opening quote) and step past it; it stays
 * in the run as written. A high surrogate escape must be followed by a
 * low one, a low one alone is refused, as jansson refuses them. */
static int scan_string(struct jparse *j)
{
    const char *p = j->p + 1, *end = j->end;

    for (;;) {
        unsigned char c;
        size_t k;
        long cp, lo;

        if (p == end)
            return -1;
        c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c < 0x80 && c != '\\') {
            p++;
            continue;
        }
        if (c >= 0x80) {
            if ((k = utf8_len((const unsigned char *)p, (const unsigned char *)end)) == 0)
                return -1;
            p += k;
            continue;
        }
        if (++p == end)
            return -1;
        switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p++;
            break;
        case 'u':
            if (end - p < 5 || (cp = hex4(p + 1)) < 0)
                return -1;
            p += 5;
            /* \u0000: jansson refuses it without JSON_ALLOW_NUL */
            if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2)) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                p += 6;
            }
            break;
        default:
            return -1;
        }
    }
    j->p = p + 1;
    return 0;
}

/* Read the real [start, j->p) with strtod on a NUL-terminated copy and
 * write it as jtext_real does, in place of the text. -1 when it is out of
 * the double range (jansson: "real number overflow"). */
static int put_real(struct jparse *j, const char *start)
{
    size_t len = (size_t)(j->p - start);
    char local[64], *text = local, *stop;
    double d;
    int rc = 0;

    if (len >= sizeof local) {
        text = malloc(len + 1);
        if (text == NULL) {
            j->b->failed = 1; /* sticky: the caller drops the buffer */
            goto done;
        }
    }
    memcpy(text, start, len);
    text[len] = '\0';
    d = strtod(text, &stop);
    /* the C locale reads the whole token; anything else is refused
     * rather than printed wrong */
    if (stop != text + len || jtext_real(j->b, d) != 0)
        rc = -1;
    if (text != local)
        free(text);
done:
    j->run = j->p;
    return rc;
}

/* Whether the integer token [s, s+n) fits in 64 bits, as jansson needs
 * ("too big integer" otherwise). */
static int int64_fits(const char *s, size_t n)
{
    static const char max[] = "9223372036854775807";
    size_t digits = n - (s[0] == '-');
    const char *d = s + (s[0] == '-');
    int cmp;

    if (digits != sizeof max - 1)
        return digits < sizeof max - 1;
    cmp = memcmp(d, max, digits);
    /* -9223372036854775808 fits too */
    return cmp <= 0 || (s[0] == '-' && memcmp(d, "9223372036854775808", digits) == 0);
}

/* Check the number at j->p (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?)
 * and step past it. Integers stay in the run; reals are rewritten. */
static int scan_number(struct jparse *j)
{
    const char *p = j->p, *end = j->end, *start = p;
    int real = 0;

    if (*p == '-')
        p++;
    if (p == end || !is_digit(*p))
        return -1;
    if (*p++ != '0')
        while (p < end && is_digit(*p))
            p++;
    if (p < end && *p == '.') {
        if (++p == end || !is_digit(*p))
            return -1;
        while (p < end && is_digit(*p))
            p++;
        real = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p))
            return -1;
        while (p < end && is_digit(*p))
            p++;
        real = 1;
    }
    j->p = p;
    if (!real)
        return int64_fits(start, (size_t)(p - start)) ? 0 : -1;
    if (start > j->run)
        sbuf_addn(j->b, j->run, (size_t)(start - j->run));
    return put_real(j, start);
}

static int scan_word(struct jparse *j, const char *word, size_t len)
{
    if ((size_t)(j->end - j->p) < len || memcmp(j->p, word, len) != 0)
        return -1;
    j->p += len;
    return 0;
}

/* Whether key [k, k+klen) comes strictly after the object's previous key
 * in byte order; keys with escapes are not judged (they say no). */
static int key_after(const char *prev, size_t plen, const char *k, size_t klen)
{
    int cmp;

    if (memchr(k, '\\', klen) != NULL)
        return 0;
    if (prev == NULL)
        return 1;
    cmp = memcmp(prev, k, plen < klen ? plen : klen);
    return cmp < 0 || (cmp == 0 && plen < klen);
}

/* Three states: a value is due (value), one has ended (after_value), a
 * key is due (key); a stack of closers says what each level is, and for
 * objects their last key (to tell whether the keys are sorted). */
int jtext_json(struct sbuf *b, const char *s, size_t n)
{
    /* what closes each open container, innermost last */
    char closer[JTEXT_MAX_DEPTH];
    const char *last_key[JTEXT_MAX_DEPTH];
    size_t last_len[JTEXT_MAX_DEPTH];
    struct jparse j = { b, s, s + n, s };
    size_t len0 = b->len;
    int depth = 0, rc, unsorted = 0;
    const char *k;

    skip_ws(&j);
value:
    if (j.p == j.end)
        return rollback(b, len0);
    switch (*j.p) {
    case '{':
    case '[':
        if (depth == JTEXT_MAX_DEPTH) {
            /* deeper than this pass goes: the caller's parser decides */
            rollback(b, len0);
            return 1;
        }
        last_key[depth] = NULL;
        last_len[depth] = 0;
        closer[depth++] = *j.p == '{' ? '}' : ']';
        j.p++;
        skip_ws(&j);
        if (j.p < j.end && *j.p == closer[depth - 1]) {
            j.p++;
            depth--;
            goto after_value;
        }
        if (closer[depth - 1] == '}')
            goto key;
        goto value;
    case '"':
        rc = scan_string(&j);
        break;
    case 't':
        rc = scan_word(&j, "true", 4);
        break;
    case 'f':
        rc = scan_word(&j, "false", 5);
        break;
    case 'n':
        rc = scan_word(&j, "null", 4);
        break;
    default:
        rc = *j.p == '-' || is_digit(*j.p) ? scan_number(&j) : -1;
        break;
    }
    if (rc != 0)
        return rollback(b, len0);

after_value:
    skip_ws(&j);
    if (depth == 0) {
        if (j.p != j.end)
            return rollback(b, len0);
        if (unsorted) {
            rollback(b, len0);
            return 1;
        }
        if (j.p > j.run)
            sbuf_addn(b, j.run, (size_t)(j.p - j.run));
        return 0;
    }
    if (j.p == j.end)
        return rollback(b, len0);
    if (*j.p == ',') {
        j.p++;
        skip_ws(&j);
        if (closer[depth - 1] == '}')
            goto key;
        goto value;
    }
    if (*j.p == closer[depth - 1]) {
        j.p++;
        depth--;
        goto after_value;
    }
    return rollback(b, len0);

key:
    if (j.p == j.end || *j.p != '"')
        return rollback(b, len0);
    k = j.p + 1;
    if (scan_string(&j) != 0)
        return rollback(b, len0);
    if (!unsorted && !key_after(last_key[depth - 1], last_len[depth - 1], k,
                                (size_t)(j.p - 1 - k)))
        unsorted = 1;
    last_key[depth - 1] = k;
    last_len[depth - 1] = (size_t)(j.p - 1 - k);
    skip_ws(&j);
    if (j.p == j.end || *j.p != ':')
        return rollback(b, len0);
    j.p++;
    skip_ws(&j);
    goto value;
}
