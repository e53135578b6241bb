/*
 * fake_pairs.c - the name/value lists that config, params, query strings and
 * headers are kept in. Linear search is right for a test's handful of items.
 */
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

int fake_pairs_add(fake_pairs *p, const char *name, size_t nlen, const char *value, size_t vlen)
{
    char **names, **values;
    char *n, *v;

    names = realloc(p->names, (p->count + 1) * sizeof *names);
    if (names == NULL)
        return CAMI_ENOMEM;
    p->names = names;
    values = realloc(p->values, (p->count + 1) * sizeof *values);
    if (values == NULL)
        return CAMI_ENOMEM;
    p->values = values;
    n = dup_n(name, nlen);
    v = dup_n(value, vlen);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return CAMI_ENOMEM;
    }
    p->names[p->count] = n;
    p->values[p->count] = v;
    p->count++;
    return CAMI_OK;
}

void fake_pairs_free(fake_pairs *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->names[i]);
        free(p->values[i]);
    }
    free(p->names);
    free(p->values);
    memset(p, 0, sizeof *p);
}
