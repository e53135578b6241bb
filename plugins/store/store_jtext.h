/*
 * store_jtext.h - JSON text written straight into a string buffer, for
 * list pages built from database rows without jansson trees (a tree per
 * row and a dump cost more than the query: docs/PERFORMANCE.md).
 *
 * What comes out reads back as what cami_resp_json prints for the same
 * values: compact, strings escaped as jansson escapes them (", \, control
 * characters; '/' and non-ASCII as they are), each real with the fewest
 * digits (15 to 17) that read back to the same double (the host picks one
 * precision for a whole body), always with a '.' or an exponent so it
 * stays a real.
 *
 * Any thread; no state. On an allocation failure the buffer's sticky
 * `failed` flag is set (store_sbuf.h) and the functions return 0: callers
 * check the buffer once at the end.
 */
#ifndef STORE_JTEXT_H
#define STORE_JTEXT_H

#include <stddef.h>

#include "store_sbuf.h"

/* Append `n` bytes of `s` as a JSON string, quotes included. -1 (nothing
 * appended) when they are not valid UTF-8 (overlong forms, surrogates and
 * code points above U+10FFFF are not), as jansson refuses them; NUL bytes
 * are written as \u0000. */
int jtext_string(struct sbuf *b, const char *s, size_t n);

/* Append a real: the shortest of %.15g, %.16g, %.17g that strtod reads
 * back exactly, with ".0" added when it would read as an integer, and the
 * exponent without '+' or leading zeros ("1e20", "1.5e-7"). -1 (nothing
 * appended) for NaN and infinities, which JSON cannot hold. */
int jtext_real(struct sbuf *b, double d);

/* Append a signed or an unsigned 64-bit integer in decimal. */
void jtext_int(struct sbuf *b, long long v);
void jtext_uint(struct sbuf *b, unsigned long long v);

/*
 * jtext_json - append the JSON text `s` (n bytes, as a JSON column holds
 * it) compacted: whitespace outside strings dropped, every number that is
 * a real (it has a fraction or an exponent) rewritten as jtext_real writes
 * it, everything else (strings, integers of any size, true, false, null)
 * copied as it is. Any JSON value is accepted at the top (RFC 8259), nested
 * up to 1024 deep. Returns 0; or 1 when it may be JSON but an object's keys
 * are not in strictly ascending byte order, or a key holds an escape, or it
 * nests deeper than 1024 (the caller parses and sorts such values itself:
 * see store_rlist.c); or -1 when `s` is
 * not JSON, or has invalid UTF-8, or a real out of double range (jansson's
 * reasons to refuse it). After 1 or -1 nothing is appended (the buffer is
 * as before).
 */
int jtext_json(struct sbuf *b, const char *s, size_t n);

#endif
