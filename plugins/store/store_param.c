/* store_param.c - the JSON-to-SQL parameter mapping of store.h. */
#include <stdio.h>

#include "store_param.h"

enum store_param_kind store_param_kind(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_NULL:
        return STORE_PARAM_NULL;
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_INTEGER:
        return STORE_PARAM_INT;
    case JSON_REAL:
        return STORE_PARAM_DOUBLE;
    case JSON_STRING:
        return STORE_PARAM_STRING;
    default:
        return STORE_PARAM_BAD;
    }
}

long long store_param_int(const json_t *value)
{
    if (json_is_true(value))
        return 1;
    if (json_is_false(value))
        return 0;
    return (long long)json_integer_value(value);
}

int store_params_check(const json_t *params, char *err, size_t errlen)
{
    size_t i;
    json_t *v;

    if (params == NULL)
        return 0;
    if (!json_is_array(params)) {
        snprintf(err, errlen, "params must be a JSON array");
        return -1;
    }
    json_array_foreach(params, i, v) {
        if (store_param_kind(v) == STORE_PARAM_BAD) {
            snprintf(err, errlen,
                     "parameter %zu is an %s: only strings, numbers, booleans and null "
                     "can be bound (serialise JSON values first)",
                     i + 1, json_is_object(v) ? "object" : "array");
            return -1;
        }
    }
    return 0;
}
