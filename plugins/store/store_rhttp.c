/*
 * store_rhttp.c - a resource's routes: list, detail and schema reads, the
 * request context the writes share (store_rwrite.c), and how store
 * statuses become HTTP answers.
 *
 * A list is one pool job on one connection: one statement gives the page
 * (ordered through an index when there is one) with the total in each row;
 * store_rlist.c writes the body on the pool thread too, so the loop only
 * sends it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cami/http.h>
#include <cami/log.h>
#include <mysqld_error.h>

#include "store_resource.h"
#include "store_sbuf.h"
#include "store_job.h"
#include "store_state.h"

/* ---- answers -------------------------------------------------------------- */

int rhttp_bad(cami_request *req, const char *field, const char *error)
{
    json_t *body = json_pack("{s:s}", "error", error);
    if (body != NULL && field != NULL && field[0] != '\0')
        json_object_set_new(body, "field", json_string(field));
    return cami_resp_json(req, 400, body);
}

/* The identifier MariaDB quoted after `marker` in `error` ("`x`" or
 * "'x'"), into out; 0, or -1 when absent. */
static int quoted_after(const char *error, const char *marker, char *out, size_t outlen)
{
    const char *p = strstr(error, marker), *end;
    if (p == NULL)
        return -1;
    p += strlen(marker);
    end = strchr(p, p[-1] == '`' ? '`' : '\'');
    if (end == NULL || (size_t)(end - p) >= outlen)
        return -1;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 0;
}

static const struct rfield *field_of_column(const struct resource *r, const char *column)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].column, column) == 0)
            return &r->fields[i];
    return NULL;
}

/*
 * A constraint the database enforced: answered in the API's words, naming
 * the field where MariaDB's message names its column, without passing on
 * the schema's internals (constraint and table names).
 */
static int constraint_failed(cami_request *req, const struct resource *r, const char *error)
{
    char column[72], text[300];
    const struct rfield *f = NULL;

    if (strstr(error, "delete or update a parent row") != NULL)
        return cami_resp_error(req, 409, "other objects still refer to this one: change or "
                                         "delete them first");
    if (strstr(error, "add or update a child row") != NULL &&
        quoted_after(error, "FOREIGN KEY (`", column, sizeof column) == 0 &&
        (f = field_of_column(r, column)) != NULL) {
        snprintf(text, sizeof text, "'%s' names an object that does not exist", f->name);
    } else if ((quoted_after(error, "for column '", column, sizeof column) == 0 ||
                quoted_after(error, "Column '", column, sizeof column) == 0) &&
               (f = field_of_column(r, column)) != NULL) {
        snprintf(text, sizeof text, "'%s': the database refused the value (%s)", f->name,
                 strstr(error, "too long") != NULL      ? "too long"
                 : strstr(error, "Out of range") != NULL ? "out of range"
                 : strstr(error, "cannot be null") != NULL ? "may not be null"
                                                           : "a constraint failed");
    } else if (quoted_after(error, "CONSTRAINT `", column, sizeof column) == 0) {
        snprintf(text, sizeof text, "the database refused the object: check %s failed", column);
    } else {
        snprintf(text, sizeof text, "the database refused the object: a constraint failed");
    }
    cami_log(r->plugin, CAMI_LOG_DEBUG, "resource %s: %s", r->name, error);
    return rhttp_bad(req, f != NULL ? f->name : NULL, text);
}

/* A unique key refused the write: 409 naming the field when the key is
 * the primary key or a one-column key named after its column (MariaDB's
 * default), without the key's values or internal names. */
static int duplicate(cami_request *req, const struct resource *r, const char *error)
{
    char key[72], text[300];
    const struct rfield *f = NULL;
    json_t *body;

    if (quoted_after(error, "for key '", key, sizeof key) == 0) {
        /* MariaDB 10.5+ writes 'table.key' */
        const char *dot = strrchr(key, '.');
        const char *name = dot != NULL ? dot + 1 : key;
        f = strcmp(name, "PRIMARY") == 0 ? &r->fields[r->pk] : field_of_column(r, name);
    }
    if (f != NULL)
        snprintf(text, sizeof text, "a %s object with this %s exists already", r->name, f->name);
    else
        snprintf(text, sizeof text, "a %s object with these unique values exists already",
                 r->name);
    cami_log(r->plugin, CAMI_LOG_DEBUG, "resource %s: %s", r->name, error);
    body = json_pack("{s:s}", "error", text);
    if (body != NULL && f != NULL)
        json_object_set_new(body, "field", json_string(f->name));
    return cami_resp_json(req, 409, body);
}

int rhttp_fail(cami_request *req, const struct resource *r, int status, const char *error)
{
    char text[600];

    switch (status) {
    case CAMI_STORE_EDOWN:
    case CAMI_ESTATE:
        cami_resp_header(req, "Retry-After", "1");
        snprintf(text, sizeof text, "the database is unavailable: %s",
                 error != NULL ? error : "the store is stopping");
        return cami_resp_error(req, 503, text);
    case CAMI_ETIMEDOUT:
        return cami_resp_error(req, 504, "the database did not answer in time");
    case CAMI_STORE_EDUPLICATE:
        return duplicate(req, r, error != NULL ? error : "");
    case CAMI_STORE_ECONSTRAINT:
        return constraint_failed(req, r, error != NULL ? error : "");
    default:
        if (store_g.migrating) {
            /* a fresh database: the resource's table may not exist yet */
            cami_resp_header(req, "Retry-After", "1");
            return cami_resp_error(req, 503, "the database schema is being brought up to date");
        }
        /* The spec and the table disagree, or worse: the admin's problem,
         * not the client's; the log says which resource and why. */
        cami_log(r->plugin, CAMI_LOG_ERROR, "resource %s: %s (%d)", r->name,
                 error != NULL ? error : "failed", status);
        return cami_resp_error(req, 500, "the store could not run this request; the server log "
                                         "names the cause");
    }
}

/* ---- the request context -------------------------------------------------- */

struct rctx *rctx_new(cami_request *req, struct resource *r, const char *method)
{
    struct rctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->req = req;
    c->r = r;
    c->method = method;
    return c;
}

int rctx_done_sync(struct rctx *c)
{
    json_decref(c->owner);
    json_decref(c->pk);
    json_decref(c->obj);
    json_decref(c->row);
    rquery_free(&c->q);
    sbuf_free(&c->list);
    free(c);
    return CAMI_OK;
}

void rctx_finish(struct rctx *c)
{
    cami_req_finish(c->req);
    rctx_done_sync(c);
}

int rctx_started(struct rctx *c, int rc)
{
    if (rc == CAMI_OK)
        return CAMI_PENDING;
    rhttp_fail(c->req, c->r, rc, NULL);
    return rctx_done_sync(c);
}

void rctx_chained(struct rctx *c, int rc)
{
    if (rc == CAMI_OK)
        return;
    rhttp_fail(c->req, c->r, rc, NULL);
    rctx_finish(c);
}

int rctx_scope(struct rctx *c)
{
    const struct resource *r = c->r;

    if (r->owner < 0 || r->hooks.scope == NULL)
        return 0;
    if (r->hooks.scope(r->plugin, c->req, &c->owner, r->ud) != CAMI_OK) {
        json_decref(c->owner);
        c->owner = NULL;
        cami_resp_error(c->req, 403, "this request may not reach these objects");
        return -1;
    }
    if (c->owner != NULL && json_is_null(c->owner)) {
        json_decref(c->owner);
        c->owner = NULL;
    }
    if (c->owner != NULL) {
        /* compared with what clients send: the same normal form */
        char why[200];
        json_t *norm = rvalue_from_api(&r->fields[r->owner], c->owner, why, sizeof why);
        json_decref(c->owner);
        c->owner = norm;
        if (norm == NULL) {
            cami_log(r->plugin, CAMI_LOG_ERROR, "resource %s: the scope hook gave an owner "
                                                "that is not a valid '%s': %s",
                     r->name, r->fields[r->owner].name, why);
            cami_resp_error(c->req, 403, "this request may not reach these objects");
            return -1;
        }
    }
    return 0;
}

int rctx_pk(struct rctx *c)
{
    const char *text = cami_req_param(c->req, "pk");
    char why[200];

    /* Tastypie matches schema/ before the detail URL, whatever the method:
     * only GET is allowed there. */
    if (text != NULL && strcmp(text, "schema") == 0) {
        cami_resp_error(c->req, 405, "method not allowed: schema/ only answers GET");
        cami_resp_header(c->req, "Allow", "GET");
        return -1;
    }
    c->pk = text != NULL ? rvalue_from_query(&c->r->fields[c->r->pk], text, why, sizeof why)
                         : NULL;
    if (c->pk == NULL || json_is_null(c->pk)) {
        json_decref(c->pk);
        c->pk = NULL;
        cami_resp_error(c->req, 404, "no such object: the key is not a number");
        return -1;
    }
    return 0;
}

char *rctx_row_where(const struct rctx *c, json_t *params)
{
    const struct resource *r = c->r;
    struct sbuf b = { 0 };

    sbuf_addf(&b, " WHERE `%s` = ?", r->fields[r->pk].column);
    json_array_append(params, c->pk);
    if (c->owner != NULL) {
        sbuf_addf(&b, " AND `%s` = ?", r->fields[r->owner].column);
        json_array_append_new(params, rvalue_to_param(&r->fields[r->owner], c->owner));
    }
    return sbuf_take(&b);
}

void rctx_not_found(struct rctx *c)
{
    char text[200];
    snprintf(text, sizeof text, "no %s object with %s %" JSON_INTEGER_FORMAT, c->r->name,
             c->r->fields[c->r->pk].name, json_integer_value(c->pk));
    cami_resp_error(c->req, 404, text);
    rctx_finish(c);
}

static void row_read(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct rctx *c = ud;
    (void)self;

    if (status != CAMI_OK) {
        rhttp_fail(c->req, c->r, status, error);
        rctx_finish(c);
        return;
    }
    json_decref(c->row);
    c->row = json_array_size(result) > 0 ? rvalue_row(c->r, json_array_get(result, 0)) : NULL;
    if (c->row == NULL && !c->missing_ok) {
        rctx_not_found(c);
        return;
    }
    c->next(c);
}

int rctx_read_row(struct rctx *c, int missing_ok, void (*next)(struct rctx *c))
{
    json_t *params = json_array();
    char *where = params != NULL ? rctx_row_where(c, params) : NULL;
    char *sql = NULL;
    int rc = CAMI_ENOMEM;

    c->next = next;
    c->missing_ok = missing_ok;
    if (where != NULL &&
        asprintf(&sql, "SELECT %s FROM `%s`%s", c->r->select_cols, c->r->table, where) >= 0) {
        rc = store_service()->query(c->r->plugin, sql, params, row_read, c);
        params = NULL;
    } else {
        sql = NULL;
    }
    json_decref(params);
    free(where);
    free(sql);
    return rc;
}

/* ---- list ------------------------------------------------------------------ */

static int list_submit(struct rctx *c, int hinted);

static void listed(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct rctx *c = ud;
    (void)self;
    (void)result;   /* null: the body is in c->list */

    /* The hinted index went away (dropped since the store learnt it):
     * forget the table's indexes and run the page again without. */
    if (status != CAMI_OK && c->hinted && c->list_rows == 0 &&
        store_error_code(error) == ER_KEY_DOES_NOT_EXISTS) {
        cami_log(c->r->plugin, CAMI_LOG_INFO, "resource %s: %s; the page runs without the index",
                 c->r->name, error);
        rlearn_forget(c->r);
        sbuf_free(&c->list);
        rctx_chained(c, list_submit(c, 0));
        return;
    }
    if (status != CAMI_OK)
        rhttp_fail(c->req, c->r, status, error);
    else if (cami_resp_status(c->req, 200) != CAMI_OK ||
             cami_resp_body(c->req, c->list.data, c->list.len, "application/json") != CAMI_OK)
        rhttp_fail(c->req, c->r, CAMI_ENOMEM, "out of memory for the list");
    rctx_finish(c);
}

/* Queue the page of c->q (with the ordering index's hint when `hinted`
 * and one is known). CAMI_OK, or the error (nothing queued). */
static int list_submit(struct rctx *c, int hinted)
{
    static const struct store_list_writer writer = {
        .begin = rlist_begin, .row = rlist_row, .finish = rlist_finish
    };
    struct store_list_writer w = writer;
    struct resource *r = c->r;
    char *sql = NULL, *count_sql = NULL, *hint = hinted ? rlearn_hint(r, &c->q) : NULL;
    json_t *params;
    int rc;

    c->hinted = hint != NULL;
    /* The total rides in every row of the page (one round trip; MariaDB
     * runs the uncorrelated subquery once), so its WHERE's parameters come
     * twice: the subquery's first, as they appear in the text. */
    params = json_copy(c->q.params);
    json_array_extend(params, c->q.params);
    json_array_append_new(params, json_integer((json_int_t)c->q.limit));
    json_array_append_new(params, json_integer((json_int_t)c->q.offset));
    if (asprintf(&sql, "SELECT %s, (SELECT COUNT(*) FROM `%s`%s) FROM `%s`%s%s%s LIMIT ? OFFSET ?",
                 r->select_cols, r->table, c->q.where, r->table, hint != NULL ? hint : "",
                 c->q.where, c->q.order) < 0)
        sql = NULL;
    free(hint);
    if (asprintf(&count_sql, "SELECT COUNT(*) AS n FROM `%s`%s", r->table, c->q.where) < 0)
        count_sql = NULL;
    if (sql == NULL || count_sql == NULL || params == NULL) {
        json_decref(params);
        free(sql);
        free(count_sql);
        return CAMI_ENOMEM;
    }
    w.ud = c;
    rc = store_list_submit(r->plugin, sql, params, count_sql, json_copy(c->q.params), c->q.offset,
                           c->q.limit, &w, listed, c);
    free(sql);
    free(count_sql);
    return rc;
}

static int list_get(cami_request *req, void *ud)
{
    struct resource *r = ud;
    struct rctx *c = rctx_new(req, r, "GET");
    char err[300];

    if (c == NULL)
        return CAMI_ENOMEM;
    if (rctx_scope(c) != 0)
        return rctx_done_sync(c);
    if (rquery_parse(r, req, c->owner, &c->q, err, sizeof err) != 0) {
        rhttp_bad(req, NULL, err);
        return rctx_done_sync(c);
    }
    return rctx_started(c, list_submit(c, 1));
}

/* ---- detail and schema ----------------------------------------------------- */

static void detail_answer(struct rctx *c)
{
    cami_resp_json(c->req, 200, json_incref(c->row));
    rctx_finish(c);
}

static int detail_get(cami_request *req, void *ud)
{
    struct rctx *c = rctx_new(req, ud, "GET");

    if (c == NULL)
        return CAMI_ENOMEM;
    if (rctx_scope(c) != 0 || rctx_pk(c) != 0)
        return rctx_done_sync(c);
    return rctx_started(c, rctx_read_row(c, 0, detail_answer));
}

static int schema_get(cami_request *req, void *ud)
{
    return cami_resp_json(req, 200, rschema_build(ud));
}

/* ---- routes ---------------------------------------------------------------- */

int rhttp_register(struct resource *r)
{
    char detail[300], schema[300];
    int rc = CAMI_OK;

    snprintf(detail, sizeof detail, "%s{pk}/", r->base_path);
    snprintf(schema, sizeof schema, "%sschema/", r->base_path);
    if (r->list_methods & RM_GET)
        rc = cami_route_add(r->plugin, "GET", r->base_path, list_get, r);
    if (rc == CAMI_OK && (r->list_methods & RM_POST))
        rc = cami_route_add(r->plugin, "POST", r->base_path, rwrite_post, r);
    if (rc == CAMI_OK)
        rc = cami_route_add(r->plugin, "GET", schema, schema_get, r);
    if (rc == CAMI_OK && (r->detail_methods & RM_GET))
        rc = cami_route_add(r->plugin, "GET", detail, detail_get, r);
    if (rc == CAMI_OK && (r->detail_methods & RM_PUT))
        rc = cami_route_add(r->plugin, "PUT", detail, rwrite_put, r);
    if (rc == CAMI_OK && (r->detail_methods & RM_PATCH))
        rc = cami_route_add(r->plugin, "PATCH", detail, rwrite_patch, r);
    if (rc == CAMI_OK && (r->detail_methods & RM_DELETE))
        rc = cami_route_add(r->plugin, "DELETE", detail, rwrite_delete, r);
    return rc;
}
