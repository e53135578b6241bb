/* store_sbuf.c - see store_sbuf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sbuf.h"

static int reserve(struct sbuf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->len + more + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        char *d;
        while (cap < b->len + more + 1)
            cap *= 2;
        d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = 1;
            return -1;
        }
        b->data = d;
        b->cap = cap;
    }
    return 0;
}

void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s)
{
    sbuf_addn(b, s, strlen(s));
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sbuf_add_qs(struct sbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char enc[3];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            sbuf_addn(b, (const char *)&c, 1);
        } else if (c == ' ') {
            sbuf_addn(b, "+", 1);
        } else {
            enc[0] = '%';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
            sbuf_addn(b, enc, 3);
        }
    }
}

char *sbuf_take(struct sbuf *b)
{
    char *s;
    if (b->failed) {
        sbuf_free(b);
        return NULL;
    }
    s = b->data != NULL ? b->data : strdup("");
    *b = (struct sbuf){ 0 };
    return s;
}

void sbuf_free(struct sbuf *b)
{
    free(b->data);
    *b = (struct sbuf){ 0 };
}
