/*
 * query.c - percent-decoding and query-string parsing.
 *
 * Both jobs share one bounded decoder so that query_parse can write straight
 * into the caller's arena and fail exactly when the decoded text does not
 * fit, rather than when the raw text would not.
 */
#include "http/query.h"

#include <limits.h>
#include <string.h>

#define DECODE_NUL ((size_t)-1)   /* a NUL byte, raw or decoded */
#define DECODE_FULL ((size_t)-2)  /* dst too small */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decode src[0..len) into dst, which holds cap bytes, and NUL-terminate it.
 * Writing never overtakes reading, so dst may equal src. Returns the decoded
 * length, DECODE_NUL or DECODE_FULL.
 */
static size_t decode(char *dst, size_t cap, const char *src, size_t len, int plus_is_space)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];

        if (c == '%' && len - i >= 3) {
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hexval((unsigned char)src[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        /* A NUL would silently cut the C string every caller hands on. */
        if (c == '\0')
            return DECODE_NUL;
        if (o + 1 >= cap)
            return DECODE_FULL;
        dst[o++] = (char)c;
    }
    if (o >= cap)
        return DECODE_FULL;
    dst[o] = '\0';
    return o;
}

size_t pct_decode(char *dst, const char *src, size_t len, int plus_is_space)
{
    /* The contract gives dst len+1 bytes, which decoding never exceeds. */
    return decode(dst, len + 1, src, len, plus_is_space);
}

int query_parse(const char *qs, size_t len, query_pair *pairs, size_t max_pairs, char *arena,
                size_t arena_len)
{
    size_t n = 0, used = 0, pos = 0;

    while (pos < len) {
        const char *piece = qs + pos;
        const char *amp = memchr(piece, '&', len - pos);
        size_t plen = amp ? (size_t)(amp - piece) : len - pos;

        pos += plen + 1;
        if (plen == 0)
            continue;   /* "a=1&&b=2", a leading or a trailing '&' */
        /* Every pair takes at least two NULs of arena, and n must fit the
         * int we return. */
        if (n == max_pairs || n == INT_MAX || arena_len - used < 2)
            return -1;

        const char *eq = memchr(piece, '=', plen);
        size_t nlen = eq ? (size_t)(eq - piece) : plen;
        const char *val = eq ? eq + 1 : piece + plen;
        size_t vlen = eq ? plen - nlen - 1 : 0;

        char *name = arena + used;
        size_t d = decode(name, arena_len - used, piece, nlen, 1);
        if (d == DECODE_NUL || d == DECODE_FULL)
            return -1;
        used += d + 1;

        char *value = arena + used;
        d = decode(value, arena_len - used, val, vlen, 1);
        if (d == DECODE_NUL || d == DECODE_FULL)
            return -1;
        used += d + 1;

        pairs[n].name = name;
        pairs[n].value = value;
        n++;
    }
    return (int)n;
}
