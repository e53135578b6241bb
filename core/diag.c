/* diag.c - see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(diag *d)
{
    memset(d, 0, sizeof(*d));
}

void diag_free(diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->msgs[i]);
    free(d->msgs);
    memset(d, 0, sizeof(*d));
}

static void diag_push(diag *d, char *msg)
{
    if (d->count == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        char **n = realloc(d->msgs, ncap * sizeof(*n));
        if (!n) {
            free(msg);
            return;
        }
        d->msgs = n;
        d->cap = ncap;
    }
    d->msgs[d->count++] = msg;
}

static void diag_vadd(diag *d, const char *prefix, const char *fmt, va_list ap)
{
    char body[1024];
    vsnprintf(body, sizeof(body), fmt, ap);
    size_t len = strlen(prefix) + strlen(body) + 1;
    char *msg = malloc(len);
    if (!msg)
        return;
    snprintf(msg, len, "%s%s", prefix, body);
    diag_push(d, msg);
}

void diag_add(diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, "", fmt, ap);
    va_end(ap);
}

void diag_at(diag *d, const char *file, int line, const char *fmt, ...)
{
    char prefix[512];
    if (file && line > 0)
        snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
    else if (file)
        snprintf(prefix, sizeof(prefix), "%s: ", file);
    else
        prefix[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, prefix, fmt, ap);
    va_end(ap);
}

void diag_print(const diag *d, FILE *out, const char *prefix)
{
    for (size_t i = 0; i < d->count; i++)
        fprintf(out, "%s%s\n", prefix ? prefix : "", d->msgs[i]);
}
