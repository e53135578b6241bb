/*
 * store_param.h - which MariaDB type a JSON parameter is bound as.
 *
 * Pure: no connector calls, so the mapping is unit-tested on its own.
 */
#ifndef STORE_PARAM_H
#define STORE_PARAM_H

#include <stddef.h>
#include <jansson.h>

enum store_param_kind {
    STORE_PARAM_BAD = 0,   /* an object or array: refused */
    STORE_PARAM_NULL,
    STORE_PARAM_INT,       /* integers, and true/false as 1/0 */
    STORE_PARAM_DOUBLE,
    STORE_PARAM_STRING
};

/* The kind `value` is bound as. */
enum store_param_kind store_param_kind(const json_t *value);

/* The integer a STORE_PARAM_INT value is bound as (true 1, false 0). */
long long store_param_int(const json_t *value);

/* Check that params is NULL or an array of scalars. Returns 0, or -1 with a
 * message naming the first bad parameter (1-based) in err. */
int store_params_check(const json_t *params, char *err, size_t errlen);

#endif
