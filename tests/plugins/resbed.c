/*
 * resbed.c - a test plugin that declares resources through the store's
 * resource engine (store.h, resource_add), for
 * tests/integration/test_resources.py. Its tables come from its own
 * migrations (tests/plugins/resbed-migrations/).
 *
 * Resources:
 *   /api/v1/things/   every field type, filters, ordering, an owner field;
 *                     hooks validate, written and scope
 *   /api/v1/kinds/    the target of things.kind (related); hook written
 *   /api/v1/catalog/  the kinds table again, GET only
 *   /api/v2/memos/    bigint primary key, list_key "memos", return_data,
 *                     default_order ["-at"]; hooks validate, written and
 *                     scope (it declares no owner: scope must never run)
 *
 * Hooks (ud: the resource's name):
 *   validate  logs what it saw; refuses the value "forbidden" in name
 *             (things) or body (memos) with that field's name; refuses a
 *             user_id that is not a JSON integer (the contract hands 64-bit
 *             integers over as integers); sets things.touched (readonly) to
 *             the method, a server-set field
 *   written   logs the method and the object
 *   scope     counts its calls; header X-Owner: none -> no limit, "deny" ->
 *             an error (the client gets 403), else the owner value
 *
 * Routes:
 *   GET    /resbed/log    {"validate": [{resource, method, object}...],
 *                          "written": [{resource, method, object}...],
 *                          "scope": {"<resource>": calls}}
 *   DELETE /resbed/log    empties it: 204
 *   POST   /resbed/late   resource_add after init: 200 {"rc": its code}
 *
 * Config: migrations = the folder to register; extra_spec = a JSON file with
 * one more spec to add without hooks (init fails with resource_add's code,
 * logged as "resource_add(extra_spec) returned <code>").
 */
#include <stdio.h>
#include <string.h>

#include <cami/cami.h>
#include <cami/store.h>

static const cami_dependency resbed_deps[] = { { "store", 0 }, { NULL, 0 } };

static const cami_config_key resbed_schema[] = {
    { "migrations", CAMI_CONFIG_STRING, NULL, 0, "the migrations folder to register" },
    { "extra_spec", CAMI_CONFIG_STRING, NULL, 0, "a JSON file: one more resource spec" },
    { NULL, 0, NULL, 0, NULL }
};

static const char things_spec[] =
    "{\"name\": \"things\", \"table\": \"things\", \"owner\": \"owner\","
    " \"ordering\": [\"id\", \"name\", \"count\", \"ratio\", \"happened\", \"size\"],"
    " \"fields\": {"
    "  \"id\": {\"type\": \"integer\", \"readonly\": true, \"filters\": \"all\","
    "          \"help\": \"the thing's number\"},"
    "  \"name\": {\"type\": \"string\", \"max_length\": 20,"
    "            \"filters\": [\"exact\", \"iexact\", \"in\"], \"help\": \"what it is called\"},"
    "  \"code\": {\"type\": \"string\", \"max_length\": 20, \"nullable\": true,"
    "            \"unique\": true, \"filters\": [\"exact\"]},"
    "  \"size\": {\"type\": \"string\", \"choices\": [\"S\", \"M\", \"L\"], \"default\": \"M\","
    "            \"filters\": [\"exact\", \"in\"]},"
    "  \"count\": {\"type\": \"integer\", \"min\": 0, \"max\": 100, \"default\": 0,"
    "             \"filters\": \"all\"},"
    "  \"user_id\": {\"type\": \"bigint\", \"filter_name\": \"user\", \"filters\": \"all\"},"
    "  \"ratio\": {\"type\": \"float\", \"nullable\": true, \"min\": 0, \"max\": 100,"
    "             \"filters\": [\"exact\", \"gt\", \"gte\", \"lt\", \"lte\"]},"
    "  \"notes\": {\"type\": \"text\", \"max_length\": 200, \"nullable\": true},"
    "  \"active\": {\"type\": \"boolean\", \"default\": true, \"filters\": [\"exact\"]},"
    "  \"happened\": {\"type\": \"datetime\", \"nullable\": true, \"filters\": \"all\"},"
    "  \"extra\": {\"type\": \"json\", \"nullable\": true},"
    "  \"kind\": {\"type\": \"related\", \"resource\": \"kinds\", \"column\": \"kind_id\","
    "            \"nullable\": true, \"filters\": [\"exact\", \"in\"]},"
    "  \"owner\": {\"type\": \"string\", \"max_length\": 40, \"nullable\": true,"
    "             \"filters\": [\"exact\"]},"
    "  \"touched\": {\"type\": \"string\", \"readonly\": true, \"nullable\": true}"
    " }}";

static const char kinds_spec[] =
    "{\"name\": \"kinds\", \"table\": \"kinds\", \"ordering\": [\"label\"],"
    " \"fields\": {"
    "  \"id\": {\"type\": \"integer\", \"readonly\": true, \"filters\": [\"exact\", \"in\"]},"
    "  \"label\": {\"type\": \"string\", \"max_length\": 40, \"unique\": true,"
    "             \"filters\": [\"exact\", \"iexact\"]}"
    " }}";

static const char catalog_spec[] =
    "{\"name\": \"catalog\", \"table\": \"kinds\","
    " \"list_methods\": [\"GET\"], \"detail_methods\": [\"GET\"],"
    " \"fields\": {"
    "  \"id\": {\"type\": \"integer\", \"readonly\": true},"
    "  \"label\": {\"type\": \"string\", \"max_length\": 40}"
    " }}";

static const char memos_spec[] =
    "{\"name\": \"memos\", \"table\": \"memos\", \"prefix\": \"/api/v2/\","
    " \"list_key\": \"memos\", \"return_data\": true, \"default_order\": [\"-at\"],"
    " \"ordering\": [\"at\", \"body\"],"
    " \"fields\": {"
    "  \"id\": {\"type\": \"bigint\", \"readonly\": true, \"filters\": [\"exact\"]},"
    "  \"body\": {\"type\": \"string\", \"max_length\": 100, \"filters\": [\"exact\"]},"
    "  \"at\": {\"type\": \"datetime\", \"filters\": [\"gte\", \"lte\"]}"
    " }}";

static struct {
    cami_plugin *self;
    const cami_store_v1 *db;
    json_t *validated;  /* [{resource, method, object}] */
    json_t *written;    /* [{resource, method, object}] */
    json_t *scoped;     /* {resource: calls} */
} bed;

/* ---- hooks ----------------------------------------------------------------- */

static void log_call(json_t *log, const char *resource, const char *method,
                     const json_t *object)
{
    json_array_append_new(log, json_pack("{s:s,s:s,s:o}", "resource", resource, "method",
                                         method, "object", json_deep_copy(object)));
}

static int refuse(char *field, size_t fieldlen, char *error, size_t errlen, const char *name,
                  const char *why)
{
    snprintf(field, fieldlen, "%s", name);
    snprintf(error, errlen, "%s", why);
    return CAMI_EINVAL;
}

static int validate(cami_plugin *self, cami_request *req, const char *method, json_t *object,
                    char *field, size_t fieldlen, char *error, size_t errlen, void *ud)
{
    const char *resource = ud;
    const char *magic = strcmp(resource, "memos") == 0 ? "body" : "name";
    json_t *user = json_object_get(object, "user_id");
    json_t *forbidden = json_string("forbidden");
    int refused;

    (void)self;
    log_call(bed.validated, resource, method, object);
    if (req == NULL)
        return refuse(field, fieldlen, error, errlen, "", "validate got no request");
    if (!json_is_object(object))
        return refuse(field, fieldlen, error, errlen, "", "validate got no object");
    refused = json_equal(json_object_get(object, magic), forbidden);
    json_decref(forbidden);
    if (refused)
        return refuse(field, fieldlen, error, errlen, magic, "resbed refuses forbidden");
    if (user != NULL && !json_is_integer(user))
        return refuse(field, fieldlen, error, errlen, "user_id",
                      "validate saw a user_id that is not an integer");
    if (strcmp(resource, "things") == 0 &&
        json_object_set_new(object, "touched", json_string(method)) != 0)
        return refuse(field, fieldlen, error, errlen, "", "resbed: out of memory");
    return CAMI_OK;
}

static void written(cami_plugin *self, const char *method, const json_t *object, void *ud)
{
    (void)self;
    log_call(bed.written, ud, method, object);
}

static int scope(cami_plugin *self, cami_request *req, json_t **owner, void *ud)
{
    const char *who = cami_req_header(req, "X-Owner");
    json_int_t calls = json_integer_value(json_object_get(bed.scoped, ud));

    (void)self;
    json_object_set_new(bed.scoped, ud, json_integer(calls + 1));
    if (who == NULL)
        return CAMI_OK;
    if (strcmp(who, "deny") == 0)
        return CAMI_EFAIL;
    *owner = json_string(who);
    return *owner != NULL ? CAMI_OK : CAMI_ENOMEM;
}

/* ---- routes ------------------------------------------------------------------ */

static int get_log(cami_request *req, void *ud)
{
    (void)ud;
    return cami_resp_json(req, 200, json_pack("{s:O,s:O,s:O}", "validate", bed.validated,
                                              "written", bed.written, "scope", bed.scoped));
}

static int delete_log(cami_request *req, void *ud)
{
    (void)ud;
    json_array_clear(bed.validated);
    json_array_clear(bed.written);
    json_object_clear(bed.scoped);
    return cami_resp_status(req, 204);
}

static int post_late(cami_request *req, void *ud)
{
    json_t *spec = json_loads(kinds_spec, 0, NULL);
    int rc;

    (void)ud;
    if (spec == NULL)
        return CAMI_ENOMEM;
    json_object_set_new(spec, "name", json_string("late"));
    rc = bed.db->resource_add(bed.self, spec, NULL, NULL);
    json_decref(spec);
    return cami_resp_json(req, 200, json_pack("{s:i}", "rc", rc));
}

/* ---- life cycle -------------------------------------------------------------- */

static int add(cami_plugin *self, const char *what, json_t *spec,
               const cami_store_resource_hooks *hooks, void *ud)
{
    int rc;

    if (spec == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "%s: not a JSON spec", what);
        return CAMI_EINVAL;
    }
    rc = bed.db->resource_add(self, spec, hooks, ud);
    json_decref(spec);
    if (rc != CAMI_OK)
        cami_log(self, CAMI_LOG_ERROR, "resource_add(%s) returned %d", what, rc);
    return rc;
}

static int setup(cami_plugin *self)
{
    static const cami_store_resource_hooks all = {
        .size = sizeof(cami_store_resource_hooks),
        .validate = validate, .written = written, .scope = scope
    };
    static const cami_store_resource_hooks only_written = {
        .size = sizeof(cami_store_resource_hooks), .written = written
    };
    static const struct {
        const char *text;
        const cami_store_resource_hooks *hooks;
        const char *name;
    } resources[] = {
        { kinds_spec, &only_written, "kinds" },
        { things_spec, &all, "things" },
        { catalog_spec, NULL, "catalog" },
        { memos_spec, &all, "memos" },
    };
    const char *dir = cami_config_string(self, "migrations");
    const char *extra = cami_config_string(self, "extra_spec");
    json_error_t jerr;
    size_t size;
    int rc;

    bed.self = self;
    bed.db = cami_service_get(self, CAMI_STORE_SERVICE, CAMI_STORE_VERSION, &size);
    if (bed.db == NULL || !CAMI_STORE_HAS(bed.db, size, resource_add)) {
        cami_log(self, CAMI_LOG_ERROR, "the store service has no resource_add");
        return CAMI_ENOENT;
    }
    bed.validated = json_array();
    bed.written = json_array();
    bed.scoped = json_object();
    if (bed.validated == NULL || bed.written == NULL || bed.scoped == NULL)
        return CAMI_ENOMEM;
    if (dir != NULL && (rc = bed.db->migrations(self, dir)) != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot register migrations %s (%d)", dir, rc);
        return rc;
    }
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
        rc = add(self, resources[i].name, json_loads(resources[i].text, 0, NULL),
                 resources[i].hooks, (void *)resources[i].name);
        if (rc != CAMI_OK)
            return rc;
    }
    if (extra != NULL) {
        json_t *spec = json_load_file(extra, 0, &jerr);

        if (spec == NULL)
            cami_log(self, CAMI_LOG_ERROR, "extra_spec %s: %s", extra, jerr.text);
        if ((rc = add(self, "extra_spec", spec, NULL, NULL)) != CAMI_OK)
            return rc;
    }
    if ((rc = cami_route_add(self, "GET", "/resbed/log", get_log, NULL)) != CAMI_OK ||
        (rc = cami_route_add(self, "DELETE", "/resbed/log", delete_log, NULL)) != CAMI_OK ||
        (rc = cami_route_add(self, "POST", "/resbed/late", post_late, NULL)) != CAMI_OK)
        return rc;
    return CAMI_OK;
}

static void resbed_fini(cami_plugin *self)
{
    (void)self;
    json_decref(bed.validated);
    json_decref(bed.written);
    json_decref(bed.scoped);
    memset(&bed, 0, sizeof bed);
}

/* The host calls fini only after a successful init: clean up here. */
static int resbed_init(cami_plugin *self)
{
    int rc = setup(self);

    if (rc != CAMI_OK)
        resbed_fini(self);
    return rc;
}

CAMI_PLUGIN(resbed, "1.0.0", "Declares resources through the store's engine (tests only)",
            .init = resbed_init, .fini = resbed_fini, .dependencies = resbed_deps,
            .config_schema = resbed_schema);
