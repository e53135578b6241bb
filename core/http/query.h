/*
 * query.h - percent-decoding and query-string parsing (RFC 3986 and the
 * application/x-www-form-urlencoded rules browsers and Django use).
 */
#ifndef CORE_HTTP_QUERY_H
#define CORE_HTTP_QUERY_H

#include <stddef.h>

/*
 * Decode len bytes of src into dst (room for len+1 bytes; dst may equal src).
 * "%XX" with two hex digits becomes that byte; a '%' not followed by two hex
 * digits is kept literally (as Django does). With plus_is_space, '+' becomes
 * ' '. A decoded NUL byte is refused: returns (size_t)-1. Otherwise returns
 * the decoded length and NUL-terminates dst.
 */
size_t pct_decode(char *dst, const char *src, size_t len, int plus_is_space);

typedef struct query_pair {
    const char *name;   /* decoded, NUL-terminated, in the arena */
    const char *value;  /* decoded; "" for "?a" and "?a=" */
} query_pair;

/*
 * Parse the query string qs (len bytes, without the '?'), splitting on '&'
 * (and ';' is NOT a separator), decoding names and values ('+' is space).
 * Empty pieces ("a=1&&b=2") are skipped. Decoded strings go into arena
 * (arena_len bytes; len + number of pairs * 2 is always enough). At most
 * max_pairs pairs are stored.
 * Returns the number of pairs stored, or -1 when arena or max_pairs is too
 * small or a piece decodes to a NUL byte.
 */
int query_parse(const char *qs, size_t len, query_pair *pairs, size_t max_pairs,
                char *arena, size_t arena_len);

#endif
