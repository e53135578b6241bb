/* jsoncheck.c - see jsoncheck.h. A small recursive-descent checker. */
#include "bus/jsoncheck.h"

#include <stdint.h>
#include <string.h>

typedef struct scan {
    const unsigned char *p, *end, *start;
    const char *why;
    unsigned depth;
} scan;

static int fail(scan *s, const char *why)
{
    if (!s->why)
        s->why = why;
    return -1;
}

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int literal(scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return fail(s, "invalid token");
    s->p += n;
    return 0;
}

static int digits(scan *s)
{
    const unsigned char *q = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > q ? 0 : fail(s, "a digit was expected");
}

static int number(scan *s)
{
    if (*s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0') {
        s->p++;
        if (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            return fail(s, "leading zeros are not allowed");
    } else if (digits(s) < 0) {
        return -1;
    }
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (digits(s) < 0)
            return -1;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (digits(s) < 0)
            return -1;
    }
    return 0;
}

static int hex4(scan *s, unsigned *out)
{
    if (s->end - s->p < 4)
        return fail(s, "a \\u escape needs 4 hex digits");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = *s->p++;
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return fail(s, "a \\u escape needs 4 hex digits");
    }
    *out = v;
    return 0;
}

/* One UTF-8 sequence starting at s->p (its first byte >= 0x80). */
static int utf8(scan *s)
{
    unsigned char c = *s->p;
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return fail(s, "invalid UTF-8");
    }
    if (s->end - s->p <= n)
        return fail(s, "invalid UTF-8");
    for (int i = 1; i <= n; i++) {
        unsigned char k = s->p[i];
        if ((k & 0xC0) != 0x80)
            return fail(s, "invalid UTF-8");
        cp = (cp << 6) | (k & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(s, "invalid UTF-8");
    s->p += n + 1;
    return 0;
}

static int string(scan *s)
{
    s->p++; /* the opening quote */
    while (s->p < s->end) {
        unsigned char c = *s->p;
        if (c == '"') {
            s->p++;
            return 0;
        }
        if (c < 0x20)
            return fail(s, "control character in a string");
        if (c >= 0x80) {
            if (utf8(s) < 0)
                return -1;
            continue;
        }
        s->p++;
        if (c != '\\')
            continue;
        if (s->p >= s->end)
            break;
        c = *s->p++;
        if (strchr("\"\\/bfnrt", c) && c)
            continue;
        if (c != 'u')
            return fail(s, "invalid escape");
        unsigned v;
        if (hex4(s, &v) < 0)
            return -1;
        if (v == 0)
            return fail(s, "\\u0000 is not allowed");
        if (v >= 0xDC00 && v <= 0xDFFF)
            return fail(s, "lone low surrogate escape");
        if (v >= 0xD800 && v <= 0xDBFF) {
            unsigned lo;
            if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
                return fail(s, "lone high surrogate escape");
            s->p += 2;
            if (hex4(s, &lo) < 0)
                return -1;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return fail(s, "lone high surrogate escape");
        }
    }
    return fail(s, "unterminated string");
}

static int value(scan *s);

static int container(scan *s, unsigned char close)
{
    if (++s->depth > JSONCHECK_MAX_DEPTH)
        return fail(s, "nested too deep");
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            if (s->p >= s->end || *s->p != '"')
                return fail(s, "an object key (a string) was expected");
            if (string(s) < 0)
                return -1;
            ws(s);
            if (s->p >= s->end || *s->p != ':')
                return fail(s, "':' was expected");
            s->p++;
        }
        if (value(s) < 0)
            return -1;
        ws(s);
        if (s->p >= s->end)
            return fail(s, "unexpected end of text");
        if (*s->p == close) {
            s->p++;
            s->depth--;
            return 0;
        }
        if (*s->p != ',')
            return fail(s, close == '}' ? "',' or '}' was expected" : "',' or ']' was expected");
        s->p++;
        ws(s);
    }
}

static int value(scan *s)
{
    ws(s);
    if (s->p >= s->end)
        return fail(s, "a value was expected");
    switch (*s->p) {
    case '{': return container(s, '}');
    case '[': return container(s, ']');
    case '"': return string(s);
    case 't': return literal(s, "true");
    case 'f': return literal(s, "false");
    case 'n': return literal(s, "null");
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            return number(s);
        return fail(s, "invalid token");
    }
}

int json_check(const char *text, size_t len, size_t *where, const char **why)
{
    scan s = {(const unsigned char *)text, (const unsigned char *)text + len,
              (const unsigned char *)text, NULL, 0};
    int rc = value(&s);
    if (rc == 0) {
        ws(&s);
        if (s.p != s.end)
            rc = fail(&s, "text after the value");
    }
    if (rc < 0) {
        if (where)
            *where = (size_t)(s.p - s.start);
        if (why)
            *why = s.why;
    }
    return rc;
}
