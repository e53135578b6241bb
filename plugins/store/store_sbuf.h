/*
 * store_sbuf.h - a growing NUL-terminated string, for SQL and URLs built
 * from checked pieces. An allocation failure sticks: later appends do
 * nothing and sbuf_take returns NULL, so callers check once at the end.
 */
#ifndef STORE_SBUF_H
#define STORE_SBUF_H

#include <stddef.h>

#include <cami/plugin.h>

struct sbuf {
    char *data;
    size_t len, cap;
    int failed;
};

void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) CAMI_PRINTF(2, 3);
/* Percent-encode `s` as a query-string component (space as '+'). */
void sbuf_add_qs(struct sbuf *b, const char *s);
/* The string (the caller frees it; "" when nothing was added), or NULL
 * after a failed allocation. The buffer is empty again afterwards. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

#endif
