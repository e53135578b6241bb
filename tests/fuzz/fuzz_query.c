/*
 * fuzz_query.c - libFuzzer harness for query_parse and pct_decode. Checks,
 * beyond not crashing, the documented bound: an arena of len + 2 per pair
 * is enough, with every decoded string NUL-terminated inside it.
 * Build: see README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Pieces are separated by '&', so there are at most size/2 + 1 pairs. */
    size_t max_pairs = size / 2 + 1;
    query_pair *pairs = malloc(max_pairs * sizeof(*pairs));
    char *qs = malloc(size ? size : 1);
    char *arena = malloc(size + 2 * max_pairs);
    char *dec = malloc(size + 1);

    if (pairs == NULL || qs == NULL || arena == NULL || dec == NULL)
        abort();
    memcpy(qs, data, size);

    size_t d = pct_decode(dec, qs, size, size % 2);
    if (d != (size_t)-1 && (d > size || strlen(dec) != d))
        abort();

    int n = query_parse(qs, size, pairs, max_pairs, arena, size + 2 * max_pairs);
    if (n >= 0) {
        size_t need = 0;
        for (int i = 0; i < n; i++) {
            if (pairs[i].name < arena || pairs[i].value < arena)
                abort();
            need += strlen(pairs[i].name) + strlen(pairs[i].value) + 2;
        }
        if (need > size + 2 * (size_t)n)
            abort();
        /* The exact size needed is enough on its own. */
        if (query_parse(qs, size, pairs, (size_t)n, arena, need) != n)
            abort();
    }
    free(pairs);
    free(qs);
    free(arena);
    free(dec);
    return 0;
}
