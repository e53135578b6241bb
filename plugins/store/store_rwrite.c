/*
 * store_rwrite.c - a resource's writes: POST, PUT, PATCH and DELETE with
 * Tastypie's statuses (201 + Location, 204/202, 202, 204).
 *
 * A body is checked whole before anything is written: every member must be
 * a field (resource_uri and read-only fields are ignored, as Tastypie did),
 * every value valid for its field, every required field present, and then
 * the plugin's validate hook has the last word. The first problem is the
 * 400, naming its field; nothing is written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cami/http.h>
#include <cami/log.h>

#include "store_resource.h"
#include "store_sbuf.h"

enum wmode { W_POST, W_PUT, W_PATCH };

static const char *const mode_method[] = { "POST", "PUT", "PATCH" };

/* ---- the body ---------------------------------------------------------- */

static int refuse(struct rctx *c, const char *field, const char *fmt, ...) CAMI_PRINTF(3, 4);
static int refuse(struct rctx *c, const char *field, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    rhttp_bad(c->req, field, text);
    return -1;
}

/* c->obj[key] = val in the field's normal form: 0, or -1 after a 400. */
static int set_normal(struct rctx *c, const struct rfield *f, const char *key, json_t *val)
{
    char why[300];
    json_t *norm = rvalue_from_api(f, val, why, sizeof why);

    if (norm == NULL)
        return refuse(c, key, "'%s': %s", key, why);
    json_object_set_new(c->obj, key, norm);
    return 0;
}

/* Normalise the members of `body` into c->obj. */
static int take_members(struct rctx *c, json_t *body)
{
    const char *key;
    json_t *val;

    json_object_foreach(body, key, val) {
        const struct rfield *f;

        if (strcmp(key, "resource_uri") == 0)
            continue;
        f = resource_field(c->r, key, 0, NULL);
        if (f == NULL)
            return refuse(c, key, "'%s' is not a field of this resource", key);
        if (!f->readonly && set_normal(c, f, key, val) != 0)
            return -1;
    }
    return 0;
}

/* What a POST or PUT writes for the fields it left out. */
static int fill_missing(struct rctx *c, enum wmode mode)
{
    for (size_t i = 0; i < c->r->nfields; i++) {
        const struct rfield *f = &c->r->fields[i];

        if (f->readonly || json_object_get(c->obj, f->name) != NULL)
            continue;
        if ((long)i == c->r->owner && c->owner != NULL)
            continue; /* the scope fills it in */
        if (mode == W_PUT && i == c->r->pk)
            continue; /* the URL gives it */
        if (f->deflt != NULL)
            json_object_set(c->obj, f->name, f->deflt);
        else if (f->required)
            return refuse(c, f->name, "'%s' is required", f->name);
        else if (mode == W_PUT && f->nullable)
            json_object_set_new(c->obj, f->name, json_null());
    }
    return 0;
}

/* The scope's owner: written into a new row, and no write may change it. */
static int apply_scope(struct rctx *c, enum wmode mode)
{
    const struct rfield *f;
    json_t *sent;

    if (c->owner == NULL)
        return 0;
    f = &c->r->fields[c->r->owner];
    sent = json_object_get(c->obj, f->name);
    if (sent != NULL && !json_equal(sent, c->owner))
        return refuse(c, f->name, "'%s' may only name the owner this request acts for", f->name);
    if (sent == NULL && mode != W_PATCH)
        json_object_set(c->obj, f->name, c->owner);
    return 0;
}

static int run_validate(struct rctx *c, enum wmode mode)
{
    const struct resource *r = c->r;
    char field[128] = "", error[300] = "";
    const char *key;
    json_t *val;

    if (r->hooks.validate == NULL)
        return 0;
    if (r->hooks.validate(r->plugin, c->req, mode_method[mode], c->obj, field, sizeof field,
                          error, sizeof error, r->ud) != CAMI_OK) {
        field[sizeof field - 1] = '\0';
        error[sizeof error - 1] = '\0';
        rhttp_bad(c->req, field, error[0] != '\0' ? error : "refused by the resource's checks");
        return -1;
    }
    /* The hook may have changed members: they go through the same checks. */
    json_object_foreach(c->obj, key, val) {
        const struct rfield *f = resource_field(r, key, 0, NULL);
        if (f == NULL) {
            cami_log(r->plugin, CAMI_LOG_ERROR, "resource %s: the validate hook added '%s', "
                                                "which is not a field", r->name, key);
            return refuse(c, key, "'%s' is not a field of this resource", key);
        }
        if (set_normal(c, f, key, val) != 0)
            return -1;
    }
    return 0;
}

static int read_body(struct rctx *c, enum wmode mode)
{
    json_error_t jerr;
    json_t *body = cami_req_json(c->req, &jerr);
    char text[300];

    if (body == NULL) {
        size_t len;
        cami_req_body(c->req, &len);
        snprintf(text, sizeof text, "the body must be a JSON object%s%s",
                 len == 0 ? " and is empty" : ": ", len == 0 ? "" : jerr.text);
        rhttp_bad(c->req, NULL, text);
        return -1;
    }
    if (!json_is_object(body))
        return refuse(c, NULL, "the body must be a JSON object, %s", "not another JSON value");
    c->obj = json_object();
    if (c->obj == NULL)
        return refuse(c, NULL, "%s", "out of memory");
    if (take_members(c, body) != 0 || (mode != W_PATCH && fill_missing(c, mode) != 0) ||
        apply_scope(c, mode) != 0 || run_validate(c, mode) != 0)
        return -1;
    return 0;
}

/* ---- answers after a write ----------------------------------------------- */

static void tell_written(struct rctx *c, const char *method)
{
    if (c->r->hooks.written != NULL && c->row != NULL)
        c->r->hooks.written(c->r->plugin, method, c->row, c->r->ud);
}

static int wants_row(const struct resource *r)
{
    return r->return_data || r->hooks.written != NULL;
}

static void set_location(struct rctx *c)
{
    char loc[400];
    snprintf(loc, sizeof loc, "%s%" JSON_INTEGER_FORMAT "/", c->r->base_path,
             json_integer_value(c->pk));
    cami_resp_header(c->req, "Location", loc);
}

/* 201 for a new row, else PUT 204 / PATCH 202; with the object when the
 * resource returns data. */
static void answer_written(struct rctx *c)
{
    int status;

    if (c->created) {
        set_location(c);
        status = 201;
    } else {
        status = strcmp(c->method, "PATCH") == 0 || c->r->return_data ? 202 : 204;
    }
    if (c->r->return_data && c->row != NULL)
        cami_resp_json(c->req, status, json_incref(c->row));
    else
        cami_resp_status(c->req, status);
    tell_written(c, c->method);
    rctx_finish(c);
}

static void after_write(struct rctx *c)
{
    if (wants_row(c->r))
        rctx_chained(c, rctx_read_row(c, 1, answer_written));
    else
        answer_written(c);
}

/* ---- INSERT (POST, and PUT of a missing row) ------------------------------ */

static void inserted(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct rctx *c = ud;
    (void)self;

    if (status == CAMI_STORE_EDUPLICATE && strcmp(c->method, "PUT") == 0 && c->owner != NULL) {
        rctx_not_found(c); /* it exists, outside this request's scope */
        return;
    }
    if (status != CAMI_OK) {
        rhttp_fail(c->req, c->r, status, error);
        rctx_finish(c);
        return;
    }
    if (c->pk == NULL) {
        json_t *pk = json_object_get(c->obj, c->r->fields[c->r->pk].name);
        c->pk = pk != NULL ? json_incref(pk)
                           : json_incref(json_object_get(result, "insert_id"));
    }
    c->created = 1;
    after_write(c);
}

static int insert_row(struct rctx *c)
{
    struct sbuf cols = { 0 }, marks = { 0 };
    json_t *params = json_array();
    const char *key;
    json_t *val;
    char *a, *b, *sql = NULL;
    int rc = CAMI_ENOMEM;

    if (c->pk != NULL) /* PUT: the URL's key */
        json_object_set(c->obj, c->r->fields[c->r->pk].name, c->pk);
    json_object_foreach(c->obj, key, val) {
        const struct rfield *f = resource_field(c->r, key, 0, NULL);
        sbuf_addf(&cols, "%s`%s`", cols.len ? ", " : "", f->column);
        sbuf_add(&marks, marks.len ? ", ?" : "?");
        json_array_append_new(params, rvalue_to_param(f, val));
    }
    a = sbuf_take(&cols);
    b = sbuf_take(&marks);
    if (a != NULL && b != NULL && params != NULL &&
        asprintf(&sql, "INSERT INTO `%s` (%s) VALUES (%s)", c->r->table, a, b) >= 0) {
        rc = store_service()->exec(c->r->plugin, sql, params, inserted, c);
        params = NULL;
        free(sql);
    }
    json_decref(params);
    free(a);
    free(b);
    return rc;
}

int rwrite_post(cami_request *req, void *ud)
{
    struct rctx *c = rctx_new(req, ud, "POST");

    if (c == NULL)
        return CAMI_ENOMEM;
    if (rctx_scope(c) != 0 || read_body(c, W_POST) != 0)
        return rctx_done_sync(c);
    return rctx_started(c, insert_row(c));
}

/* ---- UPDATE (PUT, PATCH) ---------------------------------------------------- */

static void put_checked(struct rctx *c)
{
    if (c->row != NULL) {   /* it exists, unchanged by the UPDATE */
        answer_written(c);
        return;
    }
    if (strcmp(c->method, "PATCH") == 0) {
        rctx_not_found(c);
        return;
    }
    rctx_chained(c, insert_row(c));
}

static void updated(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct rctx *c = ud;
    json_t *n = json_object_get(result, "affected_rows");
    (void)self;

    if (status != CAMI_OK) {
        rhttp_fail(c->req, c->r, status, error);
        rctx_finish(c);
        return;
    }
    if (json_is_integer(n) && json_integer_value(n) > 0)
        after_write(c);
    else /* no row changed: missing, or written with the values it had */
        rctx_chained(c, rctx_read_row(c, 1, put_checked));
}

static int update_row(struct rctx *c)
{
    const struct rfield *pkf = &c->r->fields[c->r->pk];
    struct sbuf set = { 0 };
    json_t *params = json_array();
    const char *key;
    json_t *val;
    char *a, *where = NULL, *sql = NULL;
    int rc = CAMI_ENOMEM;

    json_object_foreach(c->obj, key, val) {
        const struct rfield *f = resource_field(c->r, key, 0, NULL);
        if (f == pkf)
            continue;
        sbuf_addf(&set, "%s`%s` = ?", set.len ? ", " : "", f->column);
        json_array_append_new(params, rvalue_to_param(f, val));
    }
    if (set.len == 0 && !set.failed) { /* nothing to change: does it exist? */
        json_decref(params);
        return rctx_read_row(c, 1, put_checked);
    }
    a = sbuf_take(&set);
    if (a != NULL && params != NULL)
        where = rctx_row_where(c, params);
    if (where != NULL && asprintf(&sql, "UPDATE `%s` SET %s%s", c->r->table, a, where) >= 0) {
        rc = store_service()->exec(c->r->plugin, sql, params, updated, c);
        params = NULL;
        free(sql);
    }
    json_decref(params);
    free(a);
    free(where);
    return rc;
}

static int change(cami_request *req, void *ud, enum wmode mode)
{
    struct rctx *c = rctx_new(req, ud, mode_method[mode]);
    json_t *sent_pk;

    if (c == NULL)
        return CAMI_ENOMEM;
    if (rctx_scope(c) != 0 || rctx_pk(c) != 0 || read_body(c, mode) != 0)
        return rctx_done_sync(c);
    sent_pk = json_object_get(c->obj, c->r->fields[c->r->pk].name);
    if (sent_pk != NULL && !json_equal(sent_pk, c->pk)) {
        refuse(c, c->r->fields[c->r->pk].name, "'%s' does not match the URL",
               c->r->fields[c->r->pk].name);
        return rctx_done_sync(c);
    }
    return rctx_started(c, update_row(c));
}

int rwrite_put(cami_request *req, void *ud)
{
    return change(req, ud, W_PUT);
}

int rwrite_patch(cami_request *req, void *ud)
{
    return change(req, ud, W_PATCH);
}

/* ---- DELETE -------------------------------------------------------------- */

static void deleted(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct rctx *c = ud;
    json_t *n = json_object_get(result, "affected_rows");
    (void)self;

    if (status != CAMI_OK) {
        rhttp_fail(c->req, c->r, status, error);
        rctx_finish(c);
        return;
    }
    if (!json_is_integer(n) || json_integer_value(n) == 0) {
        rctx_not_found(c);
        return;
    }
    cami_resp_status(c->req, 204);
    tell_written(c, "DELETE");
    rctx_finish(c);
}

static int delete_row(struct rctx *c)
{
    json_t *params = json_array();
    char *where = params != NULL ? rctx_row_where(c, params) : NULL, *sql = NULL;
    int rc = CAMI_ENOMEM;

    if (where != NULL && asprintf(&sql, "DELETE FROM `%s`%s", c->r->table, where) >= 0) {
        rc = store_service()->exec(c->r->plugin, sql, params, deleted, c);
        params = NULL;
        free(sql);
    }
    json_decref(params);
    free(where);
    return rc;
}

/* The written hook sees the row as it was: read it first. */
static void delete_after_read(struct rctx *c)
{
    rctx_chained(c, delete_row(c));
}

int rwrite_delete(cami_request *req, void *ud)
{
    struct rctx *c = rctx_new(req, ud, "DELETE");

    if (c == NULL)
        return CAMI_ENOMEM;
    if (rctx_scope(c) != 0 || rctx_pk(c) != 0)
        return rctx_done_sync(c);
    if (c->r->hooks.written != NULL)
        return rctx_started(c, rctx_read_row(c, 0, delete_after_read));
    return rctx_started(c, delete_row(c));
}
