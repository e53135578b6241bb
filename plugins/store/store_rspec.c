/*
 * store_rspec.c - read a resource spec (store.h, resource_add) and check
 * every member, so that a typo fails at load time with the member's name
 * rather than as a wrong answer later. Only identifiers that pass
 * ident_ok() ever reach SQL text.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_resource.h"

static const char *const type_names[] = {
    [RF_INTEGER] = "integer", [RF_BIGINT] = "bigint",     [RF_FLOAT] = "float",
    [RF_STRING] = "string",   [RF_TEXT] = "text",         [RF_BOOLEAN] = "boolean",
    [RF_DATETIME] = "datetime", [RF_JSON] = "json",       [RF_RELATED] = "related",
};

static const char *const schema_types[] = {
    [RF_INTEGER] = "integer", [RF_BIGINT] = "integer",    [RF_FLOAT] = "float",
    [RF_STRING] = "string",   [RF_TEXT] = "string",       [RF_BOOLEAN] = "boolean",
    [RF_DATETIME] = "datetime", [RF_JSON] = "dict",       [RF_RELATED] = "related",
};

static const char *const op_names[] = { "exact", "iexact", "in", "gt", "gte", "lt", "lte" };

const char *rfield_type_name(enum rfield_type t)
{
    return type_names[t];
}

const char *rfield_schema_type(enum rfield_type t)
{
    return schema_types[t];
}

const char *rfilter_op_name(unsigned op)
{
    for (unsigned i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
        if (op == 1u << i)
            return op_names[i];
    return "?";
}

unsigned rfilter_op_parse(const char *name, size_t len)
{
    for (unsigned i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
        if (strlen(op_names[i]) == len && memcmp(op_names[i], name, len) == 0)
            return 1u << i;
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) CAMI_PRINTF(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* An SQL identifier we quote with backticks: letters, digits, '_'. */
static int ident_ok(const char *s)
{
    size_t n = 0;
    if (s == NULL || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (; s[n] != '\0'; n++)
        if (!(isalnum((unsigned char)s[n]) || s[n] == '_'))
            return 0;
    return n <= 64;
}

/* A URL segment: [a-z0-9_-]+ */
static int segment_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int prefix_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 100 || s[0] != '/' || s[n - 1] != '/' || strstr(s, "//") != NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("/_-.", s[i]) != NULL))
            return 0;
    return 1;
}

static int member_in(const char *key, const char *const *allowed)
{
    for (; *allowed != NULL; allowed++)
        if (strcmp(key, *allowed) == 0)
            return 1;
    return 0;
}

/* Refuse members outside `allowed`, naming the first. */
static int only_members(const json_t *obj, const char *const *allowed, const char *where,
                        char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        (void)v;
        if (!member_in(key, allowed))
            return fail(err, errlen, "%s: unknown member '%s'", where, key);
    }
    return 0;
}

static int get_bool(const json_t *obj, const char *key, int *out, const char *where, char *err,
                    size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v))
        return fail(err, errlen, "%s: '%s' must be true or false", where, key);
    *out = json_is_true(v);
    return 0;
}

/* A string member copied (NULL when absent); -1 when not a string. */
static int get_str(const json_t *obj, const char *key, char **out, const char *where, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return fail(err, errlen, "%s: '%s' must be a string", where, key);
    *out = strdup(json_string_value(v));
    return *out == NULL ? fail(err, errlen, "out of memory") : 0;
}

static unsigned method_bit(const char *m)
{
    static const char *const names[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(m, names[i]) == 0)
            return 1u << i;
    return 0;
}

static int get_methods(const json_t *spec, const char *key, unsigned allowed, unsigned dflt,
                       unsigned *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(spec, key), *m;
    size_t i;
    *out = dflt;
    if (v == NULL)
        return 0;
    if (!json_is_array(v))
        return fail(err, errlen, "'%s' must be an array of methods", key);
    *out = 0;
    json_array_foreach(v, i, m) {
        unsigned bit = json_is_string(m) ? method_bit(json_string_value(m)) : 0;
        if (bit == 0 || (bit & allowed) == 0)
            return fail(err, errlen, "'%s': %s is not a method this URL can allow", key,
                        json_is_string(m) ? json_string_value(m) : "a non-string");
        *out |= bit;
    }
    return 0;
}

static int parse_type(const char *name, enum rfield_type *t)
{
    for (unsigned i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(name, type_names[i]) == 0) {
            *t = (enum rfield_type)i;
            return 0;
        }
    return -1;
}

static int is_integral(enum rfield_type t)
{
    return t == RF_INTEGER || t == RF_BIGINT || t == RF_RELATED;
}

static int parse_filters(struct rfield *f, const json_t *v, const char *where, char *err,
                         size_t errlen)
{
    json_t *op;
    size_t i;
    if (v == NULL)
        return 0;
    if (f->type == RF_JSON)
        return fail(err, errlen, "%s: a json field cannot be filtered", where);
    if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
        f->filters = RF_OP_ALL;
        return 0;
    }
    if (!json_is_array(v))
        return fail(err, errlen, "%s: 'filters' must be \"all\" or an array of: exact, iexact, "
                                 "in, gt, gte, lt, lte", where);
    json_array_foreach(v, i, op) {
        unsigned bit = json_is_string(op)
                           ? rfilter_op_parse(json_string_value(op), strlen(json_string_value(op)))
                           : 0;
        if (bit == 0)
            return fail(err, errlen, "%s: unknown filter %s (known: exact, iexact, in, gt, gte, "
                                     "lt, lte)",
                        where, json_is_string(op) ? json_string_value(op) : "(not a string)");
        f->filters |= bit;
    }
    return 0;
}

/* min/max: numbers, within the type's own range. */
static int parse_range(struct rfield *f, const json_t *def, const char *where, char *err,
                       size_t errlen)
{
    json_t *mn = json_object_get(def, "min"), *mx = json_object_get(def, "max");

    f->imin = f->type == RF_INTEGER ? INT32_MIN : INT64_MIN;
    f->imax = f->type == RF_INTEGER ? INT32_MAX : INT64_MAX;
    if ((mn != NULL || mx != NULL) && !is_integral(f->type) && f->type != RF_FLOAT)
        return fail(err, errlen, "%s: min and max are for numbers", where);
    if (mn != NULL) {
        if (!json_is_number(mn) || (is_integral(f->type) && !json_is_integer(mn)))
            return fail(err, errlen, "%s: 'min' must be a%s number", where,
                        is_integral(f->type) ? "n integer" : "");
        if (json_is_integer(mn) &&
            (json_integer_value(mn) < f->imin || json_integer_value(mn) > f->imax))
            return fail(err, errlen, "%s: 'min' is outside the %s type's range", where,
                        rfield_type_name(f->type));
        f->has_min = 1;
        f->min = json_number_value(mn);
        if (json_is_integer(mn))
            f->imin = json_integer_value(mn);
    }
    if (mx != NULL) {
        if (!json_is_number(mx) || (is_integral(f->type) && !json_is_integer(mx)))
            return fail(err, errlen, "%s: 'max' must be a%s number", where,
                        is_integral(f->type) ? "n integer" : "");
        if (json_is_integer(mx) &&
            (json_integer_value(mx) < (f->type == RF_INTEGER ? INT32_MIN : INT64_MIN) ||
             json_integer_value(mx) > f->imax))
            return fail(err, errlen, "%s: 'max' is outside the %s type's range", where,
                        rfield_type_name(f->type));
        f->has_max = 1;
        f->max = json_number_value(mx);
        if (json_is_integer(mx))
            f->imax = json_integer_value(mx);
    }
    if (f->has_min && f->has_max && f->min > f->max)
        return fail(err, errlen, "%s: 'min' is above 'max'", where);
    return 0;
}

static const char *const field_members[] = {
    "type", "column", "readonly", "nullable", "required", "default", "min", "max", "max_length",
    "choices", "filters", "filter_name", "resource", "unique", "help", NULL
};

static int parse_field(struct rfield *f, const char *name, const json_t *def, const char *prefix,
                       char *err, size_t errlen)
{
    char where[128];
    json_t *v;
    int required = -1;

    snprintf(where, sizeof where, "field '%s'", name);
    if (!ident_ok(name))
        return fail(err, errlen, "%s: a field name is letters, digits and '_' (at most 64)", where);
    if (strstr(name, "__") != NULL)
        return fail(err, errlen, "%s: \"__\" separates a field from its filter in query "
                                 "strings, a field name cannot contain it", where);
    if (strcmp(name, "resource_uri") == 0)
        return fail(err, errlen, "%s: resource_uri is the object's own URI, not a field", where);
    if (!json_is_object(def))
        return fail(err, errlen, "%s: must be an object such as {\"type\": \"integer\"}", where);
    if (only_members(def, field_members, where, err, errlen) != 0)
        return -1;
    if ((f->name = strdup(name)) == NULL)
        return fail(err, errlen, "out of memory");
    v = json_object_get(def, "type");
    if (!json_is_string(v) || parse_type(json_string_value(v), &f->type) != 0)
        return fail(err, errlen, "%s: 'type' must be one of integer, bigint, float, string, text, "
                                 "boolean, datetime, json, related", where);
    if (get_str(def, "column", &f->column, where, err, errlen) != 0)
        return -1;
    if (f->column == NULL && (f->column = strdup(name)) == NULL)
        return fail(err, errlen, "out of memory");
    if (!ident_ok(f->column))
        return fail(err, errlen, "%s: 'column' must be an SQL identifier", where);
    if (get_bool(def, "readonly", &f->readonly, where, err, errlen) != 0 ||
        get_bool(def, "nullable", &f->nullable, where, err, errlen) != 0 ||
        get_bool(def, "required", &required, where, err, errlen) != 0 ||
        get_bool(def, "unique", &f->unique, where, err, errlen) != 0)
        return -1;
    if (parse_range(f, def, where, err, errlen) != 0)
        return -1;
    if ((v = json_object_get(def, "max_length")) != NULL) {
        if (f->type != RF_STRING && f->type != RF_TEXT)
            return fail(err, errlen, "%s: 'max_length' is for string and text fields", where);
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return fail(err, errlen, "%s: 'max_length' must be a positive integer", where);
        f->max_length = (size_t)json_integer_value(v);
    }
    if ((v = json_object_get(def, "choices")) != NULL) {
        json_t *c, *list;
        size_t k;
        if (!json_is_array(v) || json_array_size(v) == 0)
            return fail(err, errlen, "%s: 'choices' must be a non-empty array", where);
        /* each in the field's normal form, so a client's value compares
         * (checked before f->choices exists, against type and range) */
        list = json_array();
        json_array_foreach(v, k, c) {
            char why[200];
            json_t *norm = rvalue_from_api(f, c, why, sizeof why);
            if (norm == NULL) {
                json_decref(list);
                return fail(err, errlen, "%s: choice %zu is not a valid value: %s", where,
                            k + 1, why);
            }
            json_array_append_new(list, norm);
        }
        f->choices = list;
    }
    if (parse_filters(f, json_object_get(def, "filters"), where, err, errlen) != 0)
        return -1;
    if (get_str(def, "filter_name", &f->filter_name, where, err, errlen) != 0 ||
        get_str(def, "help", &f->help, where, err, errlen) != 0)
        return -1;
    if (f->filter_name != NULL && !ident_ok(f->filter_name))
        return fail(err, errlen, "%s: 'filter_name' is letters, digits and '_'", where);
    if ((v = json_object_get(def, "resource")) != NULL) {
        if (f->type != RF_RELATED)
            return fail(err, errlen, "%s: 'resource' is for related fields", where);
        if (!json_is_string(v) || !segment_ok(json_string_value(v)))
            return fail(err, errlen, "%s: 'resource' must be a resource name", where);
        if (asprintf(&f->related_uri, "%s%s/", prefix, json_string_value(v)) < 0) {
            f->related_uri = NULL;
            return fail(err, errlen, "out of memory");
        }
    } else if (f->type == RF_RELATED) {
        return fail(err, errlen, "%s: a related field needs 'resource' (the resource its ids "
                                 "belong to)", where);
    }
    if ((v = json_object_get(def, "default")) != NULL) {
        char why[200];
        json_t *norm;
        if (json_is_null(v) && !f->nullable)
            return fail(err, errlen, "%s: 'default' is null but the field is not nullable", where);
        norm = json_is_null(v) ? json_null() : rvalue_from_api(f, v, why, sizeof why);
        if (norm == NULL)
            return fail(err, errlen, "%s: 'default' is not a valid value: %s", where, why);
        f->deflt = norm;
    }
    f->required = required >= 0 ? required
                                : !(f->readonly || f->nullable || f->deflt != NULL);
    return 0;
}

static int parse_fields(struct resource *r, const json_t *fields, const char *prefix, char *err,
                        size_t errlen)
{
    const char *name;
    json_t *def;
    size_t i = 0;

    if (!json_is_object(fields) || json_object_size(fields) == 0)
        return fail(err, errlen, "'fields' must be a non-empty object of field definitions");
    r->fields = calloc(json_object_size(fields), sizeof *r->fields);
    if (r->fields == NULL)
        return fail(err, errlen, "out of memory");
    json_object_foreach((json_t *)fields, name, def) {
        r->nfields = i + 1;
        if (parse_field(&r->fields[i], name, def, prefix, err, errlen) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->fields[j].column, r->fields[i].column) == 0)
                return fail(err, errlen, "fields '%s' and '%s' use the same column",
                            r->fields[j].name, r->fields[i].name);
        i++;
    }
    /* A query-string name must mean one field: a filter_name may be no
     * field's name and no other field's filter_name. */
    for (i = 0; i < r->nfields; i++) {
        const char *alias = r->fields[i].filter_name;
        for (size_t j = 0; alias != NULL && j < r->nfields; j++)
            if (strcmp(r->fields[j].name, alias) == 0 ||
                (j != i && r->fields[j].filter_name != NULL &&
                 strcmp(r->fields[j].filter_name, alias) == 0))
                return fail(err, errlen, "field '%s': filter_name '%s' is already the name of "
                                         "field '%s'", r->fields[i].name, alias,
                            r->fields[j].name);
    }
    return 0;
}

const struct rfield *resource_field(const struct resource *r, const char *name, int alias,
                                    size_t *index)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const struct rfield *f = &r->fields[i];
        if (strcmp(f->name, name) == 0 ||
            (alias && f->filter_name != NULL && strcmp(f->filter_name, name) == 0)) {
            if (index != NULL)
                *index = i;
            return f;
        }
    }
    return NULL;
}

static int field_index(const struct resource *r, const char *name, size_t *index)
{
    return resource_field(r, name, 0, index) != NULL ? 0 : -1;
}

static int parse_ordering(struct resource *r, const json_t *spec, char *err, size_t errlen)
{
    json_t *v = json_object_get(spec, "ordering"), *o;
    size_t i, fi;

    if (v != NULL) {
        if (!json_is_array(v))
            return fail(err, errlen, "'ordering' must be an array of field names");
        json_array_foreach(v, i, o) {
            if (!json_is_string(o) || field_index(r, json_string_value(o), &fi) != 0)
                return fail(err, errlen, "'ordering': %s is not a field",
                            json_is_string(o) ? json_string_value(o) : "(not a string)");
            if (r->fields[fi].type == RF_JSON)
                return fail(err, errlen, "'ordering': json field '%s' cannot be ordered on",
                            r->fields[fi].name);
            r->fields[fi].orderable = 1;
        }
    }
    v = json_object_get(spec, "default_order");
    if (v == NULL)
        v = json_pack("[s]", r->fields[r->pk].name);
    else if (!json_is_array(v))
        return fail(err, errlen, "'default_order' must be an array such as [\"-timestamp\"]");
    else
        json_incref(v);
    r->default_order = calloc(json_array_size(v) + 1, sizeof *r->default_order);
    if (r->default_order == NULL) {
        json_decref(v);
        return fail(err, errlen, "out of memory");
    }
    json_array_foreach(v, i, o) {
        const char *s = json_is_string(o) ? json_string_value(o) : "";
        int desc = s[0] == '-';
        if (field_index(r, s + desc, &fi) != 0 || r->fields[fi].type == RF_JSON) {
            int rc = fail(err, errlen, "'default_order': '%s' is not a field to order on", s);
            json_decref(v);
            return rc;
        }
        r->default_order[r->ndefault_order++] = (struct rorder){ fi, desc };
    }
    json_decref(v);
    return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *nb = realloc(*buf, ncap);
        if (nb == NULL)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
    return 0;
}

/* qsort has no context argument: the resource being sorted (loop thread,
 * during init, so never two at once). */
static const struct resource *sort_ctx;

static int by_name(const void *a, const void *b)
{
    return strcmp(sort_ctx->fields[*(const size_t *)a].name,
                  sort_ctx->fields[*(const size_t *)b].name);
}

/* What the spec gives: the SELECT list and the output order of fields. */
static int prepare_sql(struct resource *r, char *err, size_t errlen)
{
    size_t len = 0, cap = 0;
    char piece[300];

    for (size_t i = 0; i < r->nfields; i++) {
        snprintf(piece, sizeof piece, "%s`%s` AS `%s`", i ? ", " : "", r->fields[i].column,
                 r->fields[i].name);
        if (append(&r->select_cols, &len, &cap, piece) != 0)
            return fail(err, errlen, "out of memory");
        /* names are checked identifiers: nothing in them needs escaping */
        if (asprintf(&r->fields[i].json_key, "\"%s\":", r->fields[i].name) < 0) {
            r->fields[i].json_key = NULL;
            return fail(err, errlen, "out of memory");
        }
    }
    r->out_order = malloc(r->nfields * sizeof *r->out_order);
    if (r->out_order == NULL)
        return fail(err, errlen, "out of memory");
    for (size_t i = 0; i < r->nfields; i++)
        r->out_order[i] = i;
    sort_ctx = r;
    qsort(r->out_order, r->nfields, sizeof *r->out_order, by_name);
    sort_ctx = NULL;
    return 0;
}

static const char *const spec_members[] = {
    "name", "table", "fields", "prefix", "primary_key", "list_key", "list_methods",
    "detail_methods", "ordering", "default_order", "owner", "return_data", NULL
};

static int parse_spec(struct resource *r, const json_t *spec, char *err, size_t errlen)
{
    char *prefix = NULL, *pk = NULL, *owner = NULL;
    int rc = -1;
    size_t i;

    if (!json_is_object(spec))
        return fail(err, errlen, "the spec must be a JSON object");
    if (only_members(spec, spec_members, "spec", err, errlen) != 0)
        return -1;
    if (get_str(spec, "name", &r->name, "spec", err, errlen) != 0 ||
        get_str(spec, "table", &r->table, "spec", err, errlen) != 0 ||
        get_str(spec, "prefix", &prefix, "spec", err, errlen) != 0 ||
        get_str(spec, "list_key", &r->list_key, "spec", err, errlen) != 0 ||
        get_str(spec, "primary_key", &pk, "spec", err, errlen) != 0 ||
        get_str(spec, "owner", &owner, "spec", err, errlen) != 0)
        goto out;
    if (!segment_ok(r->name)) {
        fail(err, errlen, "'name' is required: the URL segment, [a-z0-9_-]+");
        goto out;
    }
    if (!ident_ok(r->table)) {
        fail(err, errlen, "'table' is required: an SQL identifier");
        goto out;
    }
    if (prefix == NULL && (prefix = strdup("/api/v1/")) == NULL)
        goto oom;
    if (!prefix_ok(prefix)) {
        fail(err, errlen, "'prefix' must start and end with '/' (such as \"/api/v1/\"), "
                          "at most 100 characters of letters, digits and /_-.");
        goto out;
    }
    if (r->list_key == NULL && (r->list_key = strdup("objects")) == NULL)
        goto oom;
    if (strcmp(r->list_key, "meta") == 0 || r->list_key[0] == '\0') {
        fail(err, errlen, "'list_key' cannot be \"meta\" or empty");
        goto out;
    }
    if (asprintf(&r->base_path, "%s%s/", prefix, r->name) < 0) {
        r->base_path = NULL;
        goto oom;
    }
    if (parse_fields(r, json_object_get(spec, "fields"), prefix, err, errlen) != 0)
        goto out;
    if (field_index(r, pk != NULL ? pk : "id", &r->pk) != 0) {
        fail(err, errlen, "'primary_key': no field '%s'", pk != NULL ? pk : "id");
        goto out;
    }
    if (!is_integral(r->fields[r->pk].type) || r->fields[r->pk].type == RF_RELATED) {
        fail(err, errlen, "'primary_key': '%s' must be an integer or bigint field",
             r->fields[r->pk].name);
        goto out;
    }
    r->owner = -1;
    if (owner != NULL) {
        if (field_index(r, owner, &i) != 0) {
            fail(err, errlen, "'owner': no field '%s'", owner);
            goto out;
        }
        r->owner = (long)i;
    }
    if (get_methods(spec, "list_methods", RM_GET | RM_POST, RM_GET | RM_POST, &r->list_methods,
                    err, errlen) != 0 ||
        get_methods(spec, "detail_methods", RM_GET | RM_PUT | RM_PATCH | RM_DELETE,
                    RM_GET | RM_PUT | RM_PATCH | RM_DELETE, &r->detail_methods, err, errlen) != 0 ||
        get_bool(spec, "return_data", &r->return_data, "spec", err, errlen) != 0 ||
        parse_ordering(r, spec, err, errlen) != 0 || prepare_sql(r, err, errlen) != 0)
        goto out;
    rc = 0;
    goto out;
oom:
    fail(err, errlen, "out of memory");
out:
    free(prefix);
    free(pk);
    free(owner);
    return rc;
}

struct resource *rspec_parse(const json_t *spec, char *err, size_t errlen)
{
    struct resource *r = calloc(1, sizeof *r);
    if (r == NULL) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_spec(r, spec, err, errlen) != 0) {
        resource_free(r);
        return NULL;
    }
    return r;
}

void resource_free(struct resource *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nfields; i++) {
        struct rfield *f = &r->fields[i];
        free(f->name);
        free(f->column);
        json_decref(f->deflt);
        json_decref(f->choices);
        free(f->filter_name);
        free(f->related_uri);
        free(f->help);
        free(f->json_key);
    }
    free(r->fields);
    free(r->name);
    free(r->table);
    free(r->list_key);
    free(r->base_path);
    free(r->default_order);
    free(r->select_cols);
    free(r->out_order);
    rindex_free(r->indexes, r->nindexes);
    free(r);
}
