/*
 * diag.h - a list of human-readable problems, collected instead of stopping
 * at the first one, so `camid -t` can show an admin everything wrong at once.
 * Messages are "file:line: what is wrong; what was expected" where a place is
 * known.
 */
#ifndef CORE_DIAG_H
#define CORE_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct diag {
    char **msgs;
    size_t count;
    size_t cap;
} diag;

void diag_init(diag *d);
void diag_free(diag *d);
/* Append a formatted message (cut at 1 KiB); out of memory drops it. */
void diag_add(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "file:line: message". line <= 0 omits the line. */
void diag_at(diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Print each message on its own line with a prefix ("camid: "). */
void diag_print(const diag *d, FILE *out, const char *prefix);

#endif
