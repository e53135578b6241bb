/*
 * buf.h - a growable byte buffer. Used for request heads and bodies, response
 * output and rendered text; keeps its capacity across reuse so a keep-alive
 * connection stops allocating after its first request.
 */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf;

#define BUF_INIT {NULL, 0, 0}

/* Make room for `extra` more bytes (plus a NUL). 0, or -1 when out of memory. */
int buf_reserve(buf *b, size_t extra);
/* Append; keeps data NUL-terminated. 0 or -1 (out of memory; b unchanged). */
int buf_append(buf *b, const void *data, size_t len);
int buf_append_str(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append an unsigned decimal number without printf's cost. */
int buf_append_u64(buf *b, unsigned long long v);
/* Empty it, keeping capacity unless it grew past `keep` bytes. */
void buf_reset(buf *b, size_t keep);
void buf_free(buf *b);
/* Drop the first n bytes. */
void buf_consume(buf *b, size_t n);

static inline int buf_append_lit_(buf *b, const char *s, size_t n)
{
    return buf_append(b, s, n);
}
#define BUF_LIT(b, s) buf_append_lit_((b), (s), sizeof(s) - 1)

#endif
