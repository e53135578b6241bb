/*
 * compliance_intake.c - readings from outside: the later original's HTTP
 * insertion gateway (POST /api/v1/insertion/measurements/, one reading or
 * a list) and partner services' events on measurement.<type>.
 *
 * Each reading is checked whole before anything is stored (a bad one is
 * 400 naming its field, or a refused event: logged and counted by the
 * host), then stored with a plain INSERT: the table's unique key (person,
 * time, source) turns a resend into CAMI_STORE_EDUPLICATE, which is
 * reported and not broadcast or judged again. A list is stored one
 * reading after another, so each weight is compared with the one stored
 * before it.
 *
 * Events that carry an "id" are broadcasts of readings already stored
 * (this plugin's own, or another host's): they are not stored again.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compliance_state.h"

/* The most readings one POST may carry: a day of minute-by-minute steps
 * is 1440, a week of hourly ones 168; more is a client's loop gone wrong. */
#define INTAKE_MAX 1000

#define TOPIC_PREFIX "measurement."

/* ---- HTTP --------------------------------------------------------------------- */

struct batch {
    cami_request *req;
    struct measurement *m;
    size_t n, next;
    size_t stored, duplicates;
    json_t *results;             /* one entry per reading, in order */
};

static void batch_free(struct batch *b)
{
    json_decref(b->results);
    free(b->m);
    free(b);
}

static int bad_request(cami_request *req, const char *field, long index, const char *error)
{
    json_t *body = json_pack("{s:s}", "error", error);

    if (body != NULL && field != NULL && field[0] != '\0')
        json_object_set_new(body, "field", json_string(field));
    if (body != NULL && index >= 0)
        json_object_set_new(body, "index", json_integer(index));
    return cami_resp_json(req, 400, body);
}

static void batch_finish(struct batch *b)
{
    int rc = cami_resp_json(b->req, b->stored > 0 ? 201 : 200,
                            json_pack("{s:I,s:I,s:O}", "stored", (json_int_t)b->stored,
                                      "duplicates", (json_int_t)b->duplicates, "measurements",
                                      b->results));
    if (rc != CAMI_OK)
        cami_resp_error(b->req, 500, "out of memory");
    cami_req_finish(b->req);
    batch_free(b);
}

/* A store failure part-way: what was stored stays (a retry of the whole
 * request stores the rest and reports the others as duplicates). */
static void batch_fail(struct batch *b, int status, const char *error)
{
    json_t *body;
    int code;

    switch (status) {
    case CAMI_STORE_EDOWN:
    case CAMI_ESTATE:
        code = 503;
        cami_resp_header(b->req, "Retry-After", "1");
        body = json_pack("{s:s}", "error", "the database is unavailable; send the request "
                                           "again (readings already stored are recognised)");
        break;
    case CAMI_ETIMEDOUT:
        code = 504;
        body = json_pack("{s:s}", "error", "the database did not answer in time");
        break;
    case CAMI_STORE_ECONSTRAINT:
        code = 400;
        body = json_pack("{s:s+}", "error", "refused by the database: ",
                         error != NULL ? error : "a constraint failed");
        break;
    default:
        code = 500;
        cami_log(comp.self, CAMI_LOG_ERROR, "storing a reading failed (%d): %s [request %s]",
                 status, error != NULL ? error : "(no reason)", cami_req_id(b->req));
        body = json_pack("{s:s}", "error", "the reading could not be stored; the server log "
                                           "names the cause");
        break;
    }
    if (body != NULL) {
        json_object_set_new(body, "stored", json_integer((json_int_t)b->stored));
        json_object_set_new(body, "index", json_integer((json_int_t)b->next));
    }
    if (cami_resp_json(b->req, code, body) != CAMI_OK)
        cami_resp_error(b->req, 500, "out of memory");
    cami_req_finish(b->req);
    batch_free(b);
}

static int insert_next(struct batch *b);

static void inserted(cami_plugin *self, int status, json_t *result, const char *error, void *ud)
{
    struct batch *b = ud;
    struct measurement *m = &b->m[b->next];
    json_t *entry;
    int rc;

    (void)self;
    if (status == CAMI_OK) {
        m->id = json_integer_value(json_object_get(result, "insert_id"));
        entry = json_pack("{s:s,s:I,s:o,s:b}", "type", measure_kind(m->kind)->type, "id",
                          (json_int_t)m->id, "resource_uri", measure_uri(m), "duplicate", 0);
        b->stored++;
        publish_new_measurement(m);
    } else if (status == CAMI_STORE_EDUPLICATE) {
        entry = json_pack("{s:s,s:b}", "type", measure_kind(m->kind)->type, "duplicate", 1);
        b->duplicates++;
    } else {
        batch_fail(b, status, error);
        return;
    }
    if (entry == NULL || json_array_append_new(b->results, entry) != 0) {
        batch_fail(b, CAMI_ENOMEM, "out of memory");
        return;
    }
    if (++b->next == b->n) {
        batch_finish(b);
        return;
    }
    rc = insert_next(b);
    if (rc != CAMI_OK)
        batch_fail(b, rc, "cannot queue the statement");
}

static int insert_next(struct batch *b)
{
    json_t *params;
    const char *sql = measure_insert(&b->m[b->next], &params);

    if (sql == NULL)
        return CAMI_ENOMEM;
    return comp.db->exec(comp.self, sql, params, inserted, b);
}

static int post_measurements(cami_request *req, void *ud)
{
    json_error_t jerr;
    json_t *body = cami_req_json(req, &jerr);
    int single = json_is_object(body);
    size_t n = single ? 1 : json_array_size(body);
    char field[128], error[300], text[400];
    struct batch *b;
    int rc;

    (void)ud;
    if (body == NULL) {
        size_t len;
        cami_req_body(req, &len);
        snprintf(text, sizeof text, "the body must be a measurement (a JSON object) or a list "
                 "of them%s%s", len == 0 ? ", and is empty" : ": ", len == 0 ? "" : jerr.text);
        return bad_request(req, NULL, -1, text);
    }
    if (!single && !json_is_array(body))
        return bad_request(req, NULL, -1, "the body must be a measurement (a JSON object) or a "
                                          "list of them");
    if (n == 0)
        return bad_request(req, NULL, -1, "the list of measurements is empty");
    if (n > INTAKE_MAX) {
        snprintf(text, sizeof text, "at most %d measurements per request (this one has %zu)",
                 INTAKE_MAX, n);
        return bad_request(req, NULL, -1, text);
    }
    b = calloc(1, sizeof *b);
    if (b == NULL || (b->m = calloc(n, sizeof *b->m)) == NULL ||
        (b->results = json_array()) == NULL) {
        if (b != NULL)
            batch_free(b);
        return CAMI_ENOMEM;
    }
    b->req = req;
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = single ? body : json_array_get(body, i);
        if (measure_parse(item, NULL, (const json_t *const *)comp.specs, &b->m[i], field,
                          sizeof field, error, sizeof error) != 0) {
            batch_free(b);
            return bad_request(req, field, single ? -1 : (long)i, error);
        }
    }
    rc = insert_next(b);
    if (rc != CAMI_OK) {
        batch_free(b);
        return rc == CAMI_ESTATE ? cami_resp_error(req, 503, "the store is stopping") : rc;
    }
    return CAMI_PENDING;
}

/* ---- the bus ------------------------------------------------------------------ */

static void event_stored(cami_plugin *self, int status, json_t *result, const char *error,
                         void *ud)
{
    struct measurement *m = ud;

    if (status == CAMI_OK) {
        m->id = json_integer_value(json_object_get(result, "insert_id"));
        publish_new_measurement(m);
    } else if (status == CAMI_STORE_EDUPLICATE) {
        cami_log(self, CAMI_LOG_DEBUG, "%s of user %" PRId64 " at %" PRId64 " from %s: stored "
                 "already", measure_topic(m->kind), m->user_id, m->timestamp, m->input_source);
    } else {
        cami_log(self, CAMI_LOG_ERROR, "%s of user %" PRId64 " at %" PRId64 " was not stored "
                 "(%d): %s", measure_topic(m->kind), m->user_id, m->timestamp, status,
                 error != NULL ? error : "(no reason)");
    }
    free(m);
}

static int on_measurement(cami_plugin *self, const cami_event *event, void *ud)
{
    const char *topic = cami_event_topic(event);
    json_error_t jerr;
    json_t *payload = cami_event_json(event, &jerr), *params;
    char field[128], error[300];
    struct measurement *m;
    const char *sql;
    int rc;

    (void)ud;
    if (payload == NULL) {
        cami_log(self, CAMI_LOG_WARN, "%s refused: the payload is not JSON: %s", topic,
                 jerr.text);
        return CAMI_EINVAL;
    }
    if (json_is_object(payload) && json_object_get(payload, "id") != NULL)
        return CAMI_OK; /* a broadcast of a stored reading */
    m = malloc(sizeof *m);
    if (m == NULL)
        return CAMI_ENOMEM;
    if (measure_parse(payload, topic + strlen(TOPIC_PREFIX), (const json_t *const *)comp.specs,
                      m, field, sizeof field, error, sizeof error) != 0) {
        cami_log(self, CAMI_LOG_WARN, "%s refused, nothing stored: %s", topic, error);
        free(m);
        return CAMI_EINVAL;
    }
    sql = measure_insert(m, &params);
    rc = sql != NULL ? comp.db->exec(self, sql, params, event_stored, m) : CAMI_ENOMEM;
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "%s of user %" PRId64 " was not stored (%d)", topic,
                 m->user_id, rc);
        free(m);
        return rc;
    }
    return CAMI_OK;
}

int intake_add(void)
{
    int rc = cami_route_add(comp.self, "POST", "/api/v1/insertion/measurements/",
                            post_measurements, NULL);

    /* the gateway's clients used both spellings; a 301 would turn a POST
     * into a GET in most clients */
    if (rc == CAMI_OK)
        rc = cami_route_add(comp.self, "POST", "/api/v1/insertion/measurements",
                            post_measurements, NULL);
    if (rc == CAMI_OK)
        rc = cami_bus_subscribe(comp.self, TOPIC_PREFIX, on_measurement, NULL);
    if (rc != CAMI_OK)
        cami_log(comp.self, CAMI_LOG_ERROR, "cannot add the intake's routes or subscription "
                 "(%d)", rc);
    return rc;
}
