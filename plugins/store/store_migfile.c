/* store_migfile.c - migration file names, order, checksums and statements. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_migfile.h"

int store_migfile_name(const char *name, unsigned long long *version)
{
    size_t len = strlen(name);
    unsigned long long v = 0;
    size_t i;

    if (len < 4 || strcmp(name + len - 4, ".sql") != 0)
        return 0;
    for (i = 0; name[i] >= '0' && name[i] <= '9'; i++) {
        /* 19 digits always fit in 64 bits; more are not a version. */
        if (i >= 18)
            return -1;
        v = v * 10 + (unsigned long long)(name[i] - '0');
    }
    if (i == 0 || name[i] != '_')
        return -1;
    *version = v;
    return 1;
}

static int by_version(const void *a, const void *b)
{
    const struct store_migfile *x = a, *y = b;

    if (x->version != y->version)
        return x->version < y->version ? -1 : 1;
    return strcmp(x->name, y->name);
}

int store_migfile_sort(struct store_migfile *files, size_t n, char *err, size_t errlen)
{
    if (n > 1)
        qsort(files, n, sizeof *files, by_version);
    for (size_t i = 1; i < n; i++) {
        if (files[i].version == files[i - 1].version) {
            snprintf(err, errlen, "%s and %s have the same number %llu", files[i - 1].name,
                     files[i].name, files[i].version);
            return -1;
        }
    }
    return 0;
}

void store_migfile_free(struct store_migfile *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].name);
        free(files[i].text);
    }
    free(files);
}

int store_migfile_list(const char *dir, struct store_migfile **out, size_t *out_n, char *err,
                       size_t errlen)
{
    struct store_migfile *files = NULL, *grown;
    size_t n = 0, cap = 0;
    struct dirent *e;
    DIR *d = opendir(dir);

    if (d == NULL) {
        snprintf(err, errlen, "cannot read migrations folder %s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        unsigned long long version;
        int kind = store_migfile_name(e->d_name, &version);

        if (kind == 0)
            continue;
        if (kind < 0) {
            snprintf(err, errlen, "%s/%s: a migration file is named NNNN_description.sql "
                     "(digits, then '_')", dir, e->d_name);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            grown = realloc(files, cap * sizeof *files);
            if (grown == NULL)
                goto nomem;
            files = grown;
        }
        files[n].text = NULL;
        files[n].name = strdup(e->d_name);
        if (files[n].name == NULL)
            goto nomem;
        files[n++].version = version;
    }
    closedir(d);
    d = NULL;
    if (store_migfile_sort(files, n, err, errlen) != 0) {
        size_t used = strlen(err);

        snprintf(err + used, errlen - used, " in %s", dir);
        goto fail;
    }
    *out = files;
    *out_n = n;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory reading %s", dir);
fail:
    if (d != NULL)
        closedir(d);
    store_migfile_free(files, n);
    return -1;
}

uint64_t store_fnv1a64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void store_checksum_hex(const void *data, size_t len, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)store_fnv1a64(data, len));
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* True when text[a..b) holds something besides blanks and comment lines. */
static int has_sql(const char *text, size_t a, size_t b)
{
    size_t i = a;

    while (i < b) {
        while (i < b && is_blank(text[i]))
            i++;
        if (i >= b)
            return 0;
        if (text[i] == '#' || (i + 1 < b && text[i] == '-' && text[i + 1] == '-')) {
            while (i < b && text[i] != '\n')
                i++;
            continue;
        }
        return 1;
    }
    return 0;
}

int store_sql_next(const char *text, size_t len, size_t *pos, const char **stmt,
                   size_t *stmt_len)
{
    while (*pos < len) {
        size_t start = *pos, i = start, end = len, next = len;

        for (; i < len; i++) {
            size_t j;

            if (text[i] != ';')
                continue;
            for (j = i + 1; j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r');
                 j++)
                ;
            if (j == len || text[j] == '\n') {
                end = i;
                next = j;
                break;
            }
        }
        *pos = next;
        if (!has_sql(text, start, end))
            continue;
        while (start < end && is_blank(text[start]))
            start++;
        while (end > start && is_blank(text[end - 1]))
            end--;
        *stmt = text + start;
        *stmt_len = end - start;
        return 1;
    }
    return 0;
}
