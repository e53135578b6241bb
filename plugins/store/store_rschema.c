/*
 * store_rschema.c - GET <resource>/schema/: the resource described as
 * Tastypie's schema view did (fields, filtering, ordering, methods,
 * default_limit), so tools written for it keep working.
 */
#include <string.h>

#include "store_resource.h"

static const char *help_text(const struct rfield *f)
{
    if (f->help != NULL)
        return f->help;
    switch (f->type) {
    case RF_INTEGER:
    case RF_BIGINT: return "Integer data. Ex: 2673";
    case RF_FLOAT: return "Floating point numeric data. Ex: 26.73";
    case RF_STRING:
    case RF_TEXT: return "Unicode string data. Ex: \"Hello World\"";
    case RF_BOOLEAN: return "Boolean data. Ex: True";
    case RF_DATETIME: return "A date & time as a string. Ex: \"2010-11-10T03:07:43\"";
    case RF_JSON: return "A dictionary of data. Ex: {'price': 26.73, 'name': 'Daniel'}";
    case RF_RELATED: return "A single related resource. Can be either a URI or set of nested "
                            "resource data.";
    }
    return "";
}

static json_t *methods(unsigned bits)
{
    static const char *const names[] = { "get", "post", "put", "patch", "delete" };
    json_t *a = json_array();
    for (unsigned i = 0; i < 5; i++)
        if (bits & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}

static json_t *field_schema(const struct resource *r, size_t i)
{
    const struct rfield *f = &r->fields[i];
    json_t *dflt = f->deflt != NULL ? json_incref(f->deflt) : json_string("No default provided.");
    json_t *o = json_pack("{s:b,s:o,s:s,s:b,s:b,s:b,s:s,s:b,s:s}", "blank",
                          !f->required, "default",
                          dflt,
                          "help_text", help_text(f), "nullable", f->nullable, "primary_key",
                          i == r->pk, "readonly", f->readonly, "type",
                          rfield_schema_type(f->type), "unique", f->unique || i == r->pk,
                          "verbose_name", f->name);
    if (o == NULL)
        return NULL;
    if (f->type == RF_RELATED)
        json_object_set_new(o, "related_type", json_string("to_one"));
    if (f->max_length > 0)
        json_object_set_new(o, "max_length", json_integer((json_int_t)f->max_length));
    if (f->choices != NULL)
        json_object_set(o, "choices", f->choices);
    return o;
}

json_t *rschema_build(const struct resource *r)
{
    json_t *fields = json_object(), *filtering = json_object(), *ordering = json_array();
    json_t *s, *out;

    for (size_t k = 0; k < r->nfields; k++) {
        size_t i = r->out_order[k];
        const struct rfield *f = &r->fields[i];
        json_object_set_new(fields, f->name, field_schema(r, i));
        if (f->filters != 0) {
            json_t *ops = json_array();
            for (unsigned b = 1; b <= RF_OP_LTE; b <<= 1)
                if (f->filters & b)
                    json_array_append_new(ops, json_string(rfilter_op_name(b)));
            json_object_set_new(filtering, f->filter_name != NULL ? f->filter_name : f->name, ops);
        }
        if (f->orderable)
            json_array_append_new(ordering, json_string(f->name));
    }
    json_object_set_new(fields, "resource_uri",
                        json_pack("{s:b,s:n,s:s,s:b,s:b,s:b,s:s,s:b,s:s}", "blank", 0, "default",
                                  "help_text", "Unicode string data. Ex: \"Hello World\"",
                                  "nullable", 0, "primary_key", 0, "readonly", 1, "type",
                                  "string", "unique", 0, "verbose_name", "resource uri"));
    s = json_pack("{s:o,s:o,s:s,s:i,s:o,s:o,s:o}", "allowed_detail_http_methods",
                  methods(r->detail_methods), "allowed_list_http_methods",
                  methods(r->list_methods), "default_format", "application/json",
                  "default_limit", RQ_DEFAULT_LIMIT, "fields", fields, "filtering", filtering,
                  "ordering", ordering);
    /* Tastypie printed every object's keys sorted; a schema is asked for
     * rarely, so sort the finished one rather than build it in order. */
    out = rvalue_sorted(s);
    json_decref(s);
    return out;
}
