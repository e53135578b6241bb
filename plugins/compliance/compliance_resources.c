/*
 * compliance_resources.c - the plugin's tables and REST resources, compiled
 * in (compliance_builtin.c, generated from the migrations and
 * resources folders by scripts/embed.sh), handed to the store: the
 * migrations with migration_add, the resources with resource_add.
 *
 * The store's engine checks types, ranges, lengths and choices from the
 * specs; the hooks here add what a spec cannot say (no empty source or
 * time zone, a steps interval that ends after it starts, a diastolic
 * pressure below the systolic), and a resource POST of a reading is
 * broadcast and judged like one from the intake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance_builtin.h"
#include "compliance_state.h"

static const enum measure_kind kind_ud[MK_COUNT] = { MK_WEIGHT, MK_HEART_RATE, MK_STEPS,
                                                     MK_BLOOD_PRESSURE };

static int refuse(char *field, size_t fieldlen, char *error, size_t errlen, const char *name,
                  const char *text)
{
    snprintf(field, fieldlen, "%s", name);
    snprintf(error, errlen, "'%s': %s", name, text);
    return CAMI_EINVAL;
}

/* A string member, when sent, may not be empty (or only spaces). */
static int blank(const json_t *object, const char *name)
{
    const char *s = json_string_value(json_object_get(object, name));
    return s != NULL && s[strspn(s, " \t")] == '\0';
}

static int validate_reading(cami_plugin *self, cami_request *req, const char *method,
                            json_t *object, char *field, size_t fieldlen, char *error,
                            size_t errlen, void *ud)
{
    enum measure_kind k = *(const enum measure_kind *)ud;
    const json_t *a, *b;

    (void)self;
    (void)req;
    (void)method; /* PATCH: only what was sent is checked; the table's CHECK does the rest */
    if (blank(object, "input_source"))
        return refuse(field, fieldlen, error, errlen, "input_source", "may not be empty");
    if (blank(object, "timezone"))
        return refuse(field, fieldlen, error, errlen, "timezone", "may not be empty");
    if (k == MK_STEPS) {
        a = json_object_get(object, "start_timestamp");
        b = json_object_get(object, "end_timestamp");
        if (json_is_integer(a) && json_is_integer(b) &&
            json_integer_value(b) < json_integer_value(a))
            return refuse(field, fieldlen, error, errlen, "end_timestamp",
                          "may not be before start_timestamp");
    }
    if (k == MK_BLOOD_PRESSURE) {
        a = json_object_get(object, "systolic");
        b = json_object_get(object, "diastolic");
        if (json_is_number(a) && json_is_number(b) && json_number_value(b) >= json_number_value(a))
            return refuse(field, fieldlen, error, errlen, "diastolic",
                          "must be below the systolic pressure");
    }
    return CAMI_OK;
}

/* A reading POSTed to its resource is new: broadcast and judge it. PUT,
 * PATCH and DELETE are corrections of stored readings: neither. */
static void reading_written(cami_plugin *self, const char *method, const json_t *object, void *ud)
{
    enum measure_kind k = *(const enum measure_kind *)ud;
    struct measurement m;

    if (strcmp(method, "POST") != 0)
        return;
    if (measure_from_row(k, object, &m) != 0) {
        char *text = json_dumps(object, JSON_COMPACT);
        cami_log(self, CAMI_LOG_ERROR, "a new %s reading has an unexpected shape, not "
                 "broadcast: %s", measure_kind(k)->type, text != NULL ? text : "?");
        free(text);
        return;
    }
    publish_new_measurement(&m);
}

static int validate_plan(cami_plugin *self, cami_request *req, const char *method, json_t *object,
                         char *field, size_t fieldlen, char *error, size_t errlen, void *ud)
{
    (void)self;
    (void)req;
    (void)method;
    (void)ud;
    if (blank(object, "name"))
        return refuse(field, fieldlen, error, errlen, "name", "may not be empty");
    return CAMI_OK;
}

static const cami_store_resource_hooks reading_hooks = {
    .size = sizeof(cami_store_resource_hooks),
    .validate = validate_reading,
    .written = reading_written,
};

static const cami_store_resource_hooks plan_hooks = {
    .size = sizeof(cami_store_resource_hooks),
    .validate = validate_plan,
};

static int add_resource(const struct embedded_file *f)
{
    json_error_t jerr;
    json_t *spec = json_loads(f->text, 0, &jerr);
    const char *name = json_string_value(json_object_get(spec, "name"));
    enum measure_kind k;
    int rc;

    if (spec == NULL) {
        cami_log(comp.self, CAMI_LOG_ERROR, "%s:%d: %s", f->name, jerr.line, jerr.text);
        return CAMI_EINVAL;
    }
    if (measure_kind_by_resource(name, &k) == 0) {
        rc = comp.db->resource_add(comp.self, spec, &reading_hooks, (void *)&kind_ud[k]);
        if (rc == CAMI_OK) {
            json_decref(comp.specs[k]);
            comp.specs[k] = json_incref(spec);
        }
    } else {
        rc = comp.db->resource_add(comp.self, spec, &plan_hooks, NULL);
    }
    if (rc != CAMI_OK)
        cami_log(comp.self, CAMI_LOG_ERROR, "%s: the store refused the resource (%d)", f->name,
                 rc);
    json_decref(spec);
    return rc;
}

int resources_add(void)
{
    int rc;

    for (const struct embedded_file *f = compliance_builtin; f->name != NULL; f++) {
        rc = CAMI_OK;
        if (strncmp(f->name, "migrations/", 11) == 0) {
            rc = comp.db->migration_add(comp.self, f->name + 11, f->text);
            if (rc != CAMI_OK)
                cami_log(comp.self, CAMI_LOG_ERROR, "%s: the store refused the migration (%d)",
                         f->name, rc);
        } else if (strncmp(f->name, "resources/", 10) == 0) {
            rc = add_resource(f);
        }
        if (rc != CAMI_OK)
            return rc;
    }
    for (int k = 0; k < MK_COUNT; k++)
        if (comp.specs[k] == NULL) {
            cami_log(comp.self, CAMI_LOG_ERROR, "the resource %s is not compiled in",
                     measure_kind((enum measure_kind)k)->resource);
            return CAMI_EINVAL;
        }
    return CAMI_OK;
}
