/*
 * notif_resources.c - the plugin's tables and its REST resource, compiled
 * in (notif_builtin.c, generated from migrations/ and resources/ by
 * scripts/embed.sh) and handed to the store: the migrations with
 * migration_add, /api/v1/notifications/ with resource_add.
 *
 * The store's engine checks types, ranges, lengths and choices from the
 * spec (an unknown recipient type or a message over 512 characters is a
 * 400 naming the field); the validate hook adds what a spec cannot say (no
 * blank message or type). A notification POSTed to the resource is new
 * like one from the bus: the written hook writes its journal entries,
 * queues its deliveries and publishes notification.created. PUT, PATCH
 * and DELETE are corrections: nothing is sent for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notif_builtin.h"
#include "notif_state.h"

static int refuse(char *field, size_t fieldlen, char *error, size_t errlen, const char *name,
                  const char *text)
{
    snprintf(field, fieldlen, "%s", name);
    snprintf(error, errlen, "'%s': %s", name, text);
    return CAMI_EINVAL;
}

static int blank(const json_t *object, const char *name)
{
    const char *s = json_string_value(json_object_get(object, name));
    return s != NULL && s[strspn(s, " \t\r\n")] == '\0';
}

static int validate(cami_plugin *self, cami_request *req, const char *method, json_t *object,
                    char *field, size_t fieldlen, char *error, size_t errlen, void *ud)
{
    (void)self;
    (void)req;
    (void)method; /* PATCH: only what was sent is here, and only that is checked */
    (void)ud;
    if (blank(object, "message"))
        return refuse(field, fieldlen, error, errlen, "message", "may not be empty");
    if (blank(object, "type"))
        return refuse(field, fieldlen, error, errlen, "type", "may not be empty");
    return CAMI_OK;
}

static void written(cami_plugin *self, const char *method, const json_t *object, void *ud)
{
    json_t *row;
    int rc;

    (void)ud;
    if (strcmp(method, "POST") != 0)
        return;
    row = notif_row_from_object(object);
    if (row == NULL) {
        char *text = json_dumps(object, JSON_COMPACT);
        cami_log(self, CAMI_LOG_ERROR, "a notification POSTed to the resource has an "
                 "unexpected shape; nothing is delivered for it: %s", text != NULL ? text : "?");
        free(text);
        return;
    }
    rc = fanout_start(row, FAN_JOURNAL | FAN_PUBLISH, "a POST to /api/v1/notifications/", NULL,
                      NULL);
    if (rc != CAMI_OK)
        cami_log(self, CAMI_LOG_ERROR, "notification %lld: its deliveries cannot be queued "
                 "(%d)", (long long)json_integer_value(json_object_get(object, "id")), rc);
}

static const cami_store_resource_hooks hooks = {
    .size = sizeof(cami_store_resource_hooks),
    .validate = validate,
    .written = written,
};

static int add_spec(const struct embedded_file *f)
{
    json_error_t jerr;
    json_t *spec = json_loads(f->text, 0, &jerr);
    char why[200];
    int rc;

    if (spec == NULL) {
        cami_log(notif.self, CAMI_LOG_ERROR, "%s:%d: %s", f->name, jerr.line, jerr.text);
        return CAMI_EINVAL;
    }
    if (notif_limits_from_spec(spec, &notif.limits, why, sizeof why) != 0) {
        cami_log(notif.self, CAMI_LOG_ERROR, "%s: %s", f->name, why);
        json_decref(spec);
        return CAMI_EINVAL;
    }
    rc = notif.db->resource_add(notif.self, spec, &hooks, NULL);
    if (rc != CAMI_OK) {
        cami_log(notif.self, CAMI_LOG_ERROR, "%s: the store refused the resource (%d)", f->name,
                 rc);
        json_decref(spec);
        return rc;
    }
    notif.spec = spec; /* the limits borrow from it */
    return CAMI_OK;
}

int resources_add(void)
{
    int rc;

    for (const struct embedded_file *f = notif_builtin; f->name != NULL; f++) {
        rc = CAMI_OK;
        if (strncmp(f->name, "migrations/", 11) == 0) {
            rc = notif.db->migration_add(notif.self, f->name + 11, f->text);
            if (rc != CAMI_OK)
                cami_log(notif.self, CAMI_LOG_ERROR, "%s: the store refused the migration (%d)",
                         f->name, rc);
        } else if (strcmp(f->name, NOTIF_SPEC_ENTRY) == 0) {
            rc = add_spec(f);
        }
        if (rc != CAMI_OK)
            return rc;
    }
    if (notif.spec == NULL) {
        cami_log(notif.self, CAMI_LOG_ERROR, "%s is not compiled in", NOTIF_SPEC_ENTRY);
        return CAMI_EINVAL;
    }
    return CAMI_OK;
}
