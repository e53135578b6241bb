/*
 * storebed.c - a test plugin that drives the store service from HTTP, for
 * tests/integration/test_store.py.
 *
 *   POST /storebed/query  {"sql", "params"}  -> 200 the rows
 *   POST /storebed/exec   {"sql", "params"}  -> 200 {"affected_rows", "insert_id"}
 *   POST /storebed/tx     {"statements": [{"sql", "params", "exec"}...],
 *                          "rollback": bool, "idle_ms": n}
 *        begin, wait idle_ms (to test the idle timeout), run the statements
 *        in order, then commit (or roll back) -> 200 {"results": [...],
 *        "ended": "commit"|"rollback"}; a failing statement rolls back and
 *        answers its error with "at": its index
 *   GET  /storebed/slow?s=N   SELECT SLEEP(N)
 *
 * Errors: {"error": text, "status": store status}, with 503 + Retry-After: 1
 * for CAMI_STORE_EDOWN, 409 duplicate, 422 constraint, 400 invalid, 504
 * timeout, 500 otherwise. Config: migrations = a folder to register.
 */
#include <stdlib.h>
#include <string.h>

#include <cami/cami.h>
#include <cami/store.h>

static const cami_dependency storebed_deps[] = { { "store", 0 }, { NULL, 0 } };

static const cami_config_key storebed_schema[] = {
    { "migrations", CAMI_CONFIG_STRING, NULL, 0, "a migrations folder to register" },
    { NULL, 0, NULL, 0, NULL }
};

static struct {
    cami_plugin *self;
    const cami_store_v1 *db;
} bed;

static int http_status(int status)
{
    switch (status) {
    case CAMI_STORE_EDOWN:
    case CAMI_ESTATE:
        return 503;
    case CAMI_STORE_EDUPLICATE:
        return 409;
    case CAMI_STORE_ECONSTRAINT:
        return 422;
    case CAMI_EINVAL:
        return 400;
    case CAMI_ETIMEDOUT:
        return 504;
    default:
        return 500;
    }
}

/* An error answer; `extra` (stolen, may be NULL) is merged into the body. */
static int answer_error(cami_request *req, int status, const char *error, json_t *extra)
{
    json_t *body = json_pack("{s:s,s:i}", "error", error ? error : "?", "status", status);
    int code = http_status(status);

    if (body != NULL && extra != NULL)
        json_object_update(body, extra);
    json_decref(extra);
    if (code == 503 && cami_resp_header(req, "Retry-After", "1") != CAMI_OK)
        return CAMI_EFAIL;
    return cami_resp_json(req, code, body);
}

static void finish(cami_request *req, int rc)
{
    if (rc != CAMI_OK)
        (void)cami_resp_error(req, 500, "storebed: cannot build the response");
    if (cami_req_finish(req) != CAMI_OK)
        cami_log(bed.self, CAMI_LOG_ERROR, "cami_req_finish failed");
}

/* The JSON body's sql and params (a new reference, or NULL). */
static int read_call(cami_request *req, const char **sql, json_t **params)
{
    json_t *body = cami_req_json(req, NULL);

    *sql = json_string_value(json_object_get(body, "sql"));
    *params = json_object_get(body, "params");
    /* JSON null: no parameters. */
    *params = json_is_null(*params) ? NULL : json_incref(*params);
    if (*sql == NULL) {
        json_decref(*params);
        return -1;
    }
    return 0;
}

/* ---- query, exec, slow ---------------------------------------------------- */

static void answered(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    cami_request *req = ud;

    (void)self;
    if (status == CAMI_OK)
        finish(req, cami_resp_json(req, 200, json_incref(result)));
    else
        finish(req, answer_error(req, status, error, NULL));
}

static int refused(cami_request *req, int rc)
{
    return answer_error(req, rc, "the store refused the call", NULL);
}

static int post_call(cami_request *req, int exec)
{
    const char *sql;
    json_t *params;
    int rc;

    if (read_call(req, &sql, &params) != 0)
        return cami_resp_error(req, 400, "body must be {\"sql\": ..., \"params\": [...]}");
    rc = (exec ? bed.db->exec : bed.db->query)(bed.self, sql, params, answered, req);
    return rc == CAMI_OK ? CAMI_PENDING : refused(req, rc);
}

static int post_query(cami_request *req, void *ud)
{
    (void)ud;
    return post_call(req, 0);
}

static int post_exec(cami_request *req, void *ud)
{
    (void)ud;
    return post_call(req, 1);
}

static int get_slow(cami_request *req, void *ud)
{
    const char *s = cami_req_query(req, "s");
    int rc;

    (void)ud;
    rc = bed.db->query(bed.self, "SELECT SLEEP(?) AS slept",
                       json_pack("[f]", s != NULL ? atof(s) : 1.0), answered, req);
    return rc == CAMI_OK ? CAMI_PENDING : refused(req, rc);
}

/* ---- tx -------------------------------------------------------------------- */

struct txrun {
    cami_request *req;
    json_t *body;          /* the request's body (a reference) */
    json_t *results;
    cami_store_tx *tx;
    size_t next;
    int failed_status;
    json_t *failure;       /* the error answer kept while rolling back */
};

static void txrun_free(struct txrun *t)
{
    json_decref(t->body);
    json_decref(t->results);
    json_decref(t->failure);
    free(t);
}

static void tx_step(struct txrun *t);

static void tx_ended(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct txrun *t = ud;
    int rc;

    (void)self;
    (void)result;
    if (t->failure != NULL)
        rc = answer_error(t->req, t->failed_status,
                          json_string_value(json_object_get(t->failure, "error")),
                          json_pack("{s:O}", "at", json_object_get(t->failure, "at")));
    else if (status != CAMI_OK)
        rc = answer_error(t->req, status, error, json_pack("{s:s}", "at", "end"));
    else
        rc = cami_resp_json(t->req, 200,
                            json_pack("{s:O,s:s}", "results", t->results, "ended",
                                      json_is_true(json_object_get(t->body, "rollback"))
                                          ? "rollback"
                                          : "commit"));
    finish(t->req, rc);
    txrun_free(t);
}

static void tx_end(struct txrun *t, int rollback)
{
    int rc = (rollback ? bed.db->rollback : bed.db->commit)(t->tx, tx_ended, t);

    if (rc != CAMI_OK) {
        finish(t->req, answer_error(t->req, rc, "the store refused to end the transaction",
                                    NULL));
        txrun_free(t);
    }
}

static void tx_answered(cami_plugin *self, int status, json_t *result, const char *error,
                        void *ud)
{
    struct txrun *t = ud;

    (void)self;
    if (status != CAMI_OK) {
        t->failed_status = status;
        t->failure = json_pack("{s:s,s:I}", "error", error ? error : "?", "at",
                               (json_int_t)(t->next - 1));
        tx_end(t, 1);
        return;
    }
    json_array_append(t->results, result);
    tx_step(t);
}

/* A statement's params: a new reference, or NULL for none. */
static json_t *params_of(json_t *st)
{
    json_t *p = json_object_get(st, "params");

    return json_is_null(p) ? NULL : json_incref(p);
}

static void tx_step(struct txrun *t)
{
    json_t *list = json_object_get(t->body, "statements");
    json_t *st = json_array_get(list, t->next);
    const char *sql;
    int rc;

    if (st == NULL) {
        tx_end(t, json_is_true(json_object_get(t->body, "rollback")));
        return;
    }
    t->next++;
    sql = json_string_value(json_object_get(st, "sql"));
    rc = (json_is_true(json_object_get(st, "exec")) ? bed.db->tx_exec : bed.db->tx_query)(
        t->tx, sql != NULL ? sql : "", params_of(st), tx_answered, t);
    if (rc != CAMI_OK) {
        t->failed_status = rc;
        t->failure = json_pack("{s:s,s:I}", "error", "the store refused the statement", "at",
                               (json_int_t)(t->next - 1));
        tx_end(t, 1);
    }
}

static void idle_over(cami_timer *timer, void *ud)
{
    cami_timer_stop(timer);
    tx_step(ud);
}

static void tx_begun(cami_plugin *self, int status, cami_store_tx *tx, const char *error,
                     void *ud)
{
    struct txrun *t = ud;
    json_int_t idle = json_integer_value(json_object_get(t->body, "idle_ms"));

    (void)self;
    if (status != CAMI_OK) {
        finish(t->req, answer_error(t->req, status, error, json_pack("{s:s}", "at", "begin")));
        txrun_free(t);
        return;
    }
    t->tx = tx;
    if (idle > 0 && cami_timer_start(bed.self, (uint64_t)idle, 0, idle_over, t) != NULL)
        return;
    tx_step(t);
}

static int post_tx(cami_request *req, void *ud)
{
    json_t *body = cami_req_json(req, NULL);
    struct txrun *t;
    int rc;

    (void)ud;
    if (!json_is_array(json_object_get(body, "statements")))
        return cami_resp_error(req, 400, "body must be {\"statements\": [...]}");
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return CAMI_ENOMEM;
    t->req = req;
    t->body = json_incref(body);
    t->results = json_array();
    rc = bed.db->begin(bed.self, tx_begun, t);
    if (rc != CAMI_OK) {
        txrun_free(t);
        return refused(req, rc);
    }
    return CAMI_PENDING;
}

/* ---- life cycle ------------------------------------------------------------ */

static int storebed_init(cami_plugin *self)
{
    static const struct {
        const char *method, *path;
        cami_http_handler handler;
    } routes[] = {
        { "POST", "/storebed/query", post_query },
        { "POST", "/storebed/exec", post_exec },
        { "POST", "/storebed/tx", post_tx },
        { "GET", "/storebed/slow", get_slow },
    };
    const char *dir = cami_config_string(self, "migrations");
    size_t size;
    int rc;

    bed.self = self;
    bed.db = cami_service_get(self, CAMI_STORE_SERVICE, CAMI_STORE_VERSION, &size);
    if (bed.db == NULL || !CAMI_STORE_HAS(bed.db, size, migrations))
        return CAMI_ENOENT;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        rc = cami_route_add(self, routes[i].method, routes[i].path, routes[i].handler, NULL);
        if (rc != CAMI_OK)
            return rc;
    }
    if (dir != NULL && (rc = bed.db->migrations(self, dir)) != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot register migrations %s (%d)", dir, rc);
        return rc;
    }
    return CAMI_OK;
}

CAMI_PLUGIN(storebed, "1.0.0", "Drives the store service from HTTP (tests only)",
            .init = storebed_init, .dependencies = storebed_deps,
            .config_schema = storebed_schema);
