/* jsonreal.c - see jsonreal.h. */
#include <stdio.h>
#include <stdlib.h>

#include "jsonreal.h"

static int digits_for(double d)
{
    char text[40];
    for (int p = 15; p < 17; p++) {
        snprintf(text, sizeof text, "%.*g", p, d);
        if (strtod(text, NULL) == d)
            return p;
    }
    return 17;
}

static int walk(const json_t *v, int most)
{
    const char *key;
    json_t *member;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_REAL: {
        int p = digits_for(json_real_value(v));
        return p > most ? p : most;
    }
    case JSON_ARRAY:
        json_array_foreach((json_t *)v, i, member) {
            most = walk(member, most);
            if (most == 17)
                break;
        }
        return most;
    case JSON_OBJECT:
        json_object_foreach((json_t *)v, key, member) {
            (void)key;
            most = walk(member, most);
            if (most == 17)
                break;
        }
        return most;
    default:
        return most;
    }
}

int json_real_digits(const json_t *v)
{
    return v != NULL ? walk(v, 15) : 15;
}

size_t json_compact_flags(const json_t *v)
{
    return JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(json_real_digits(v));
}
