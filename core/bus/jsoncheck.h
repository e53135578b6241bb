/*
 * jsoncheck.h - is this text one JSON value (RFC 8259)? Checked without
 * building anything, so an event from a partner can be refused at the door
 * without paying for a parse that its subscribers may never ask for
 * (cami_event_json parses on demand).
 *
 * Strict like jansson's decoder with JSON_DECODE_ANY: UTF-8 must be valid
 * (no overlong forms, surrogates or code points past U+10FFFF), \u0000 and
 * lone surrogate escapes are refused, nesting is limited to 2048. It does not
 * check number ranges: jansson may still refuse an integer too big for
 * json_int_t, which cami_event_json then reports.
 */
#ifndef CORE_BUS_JSONCHECK_H
#define CORE_BUS_JSONCHECK_H

#include <stddef.h>

#define JSONCHECK_MAX_DEPTH 2048

/* 0 when text[0..len) is exactly one JSON value (surrounding whitespace
 * allowed); otherwise -1 with the byte offset of the problem in *where and a
 * short reason in *why (static text). */
int json_check(const char *text, size_t len, size_t *where, const char **why);

#endif
