/*
 * notif_devices.c - where pushes go: the original app's two ways to
 * register a phone, and its "send the last one again" button.
 *
 *   POST /api/v1/mobile-notification-key/   {"mobile_key", "mobile_os",
 *        "recipient_type"}: a key that names no person (the first app);
 *        table notification_mobile_key
 *   POST /api/v1/push-notification-subscribe/   {"registration_id",
 *        "service_type", "user_id"}: a person's device (the later app);
 *        the store's store_pushnotificationdevice
 *   GET  /api/v1/mobile-notification-key/resend/   queue the newest
 *        caregiver notification's deliveries again; answers {}
 *
 * Registrations are get-or-create, as the original's: registering a known
 * token again answers 201 with the same id (and makes the device active
 * again; a push-notification token moves to the person who registers it
 * last: a phone changes hands with its app). Bad bodies are 400 naming the
 * field; nothing is written for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notif_state.h"

static const char key_sql[] =
    "INSERT INTO notification_mobile_key (mobile_key, mobile_os, recipient_type) "
    "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), active = 1";

static const char subscribe_sql[] =
    "INSERT INTO store_pushnotificationdevice (user_id, type, registration_id, active) "
    "VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), active = 1, "
    "user_id = VALUES(user_id)";

static const char newest_sql[] =
    "SELECT id, user_id, recipient_type, type, severity, timestamp, message, description "
    "FROM notification WHERE recipient_type = 'caregiver' ORDER BY timestamp DESC, id DESC "
    "LIMIT 1";

struct reg {
    cami_request *req;
    json_t *body;          /* the checked body */
    int subscribe;         /* push-notification-subscribe (else mobile-notification-key) */
};

static void finish(cami_request *req, int rc)
{
    if (rc != CAMI_OK)
        cami_resp_error(req, 500, "internal error: the answer could not be built");
    cami_req_finish(req);
}

static int bad(cami_request *req, const char *field, const char *error)
{
    json_t *body = json_pack("{s:s}", "error", error);

    if (body != NULL && field != NULL && field[0] != '\0')
        json_object_set_new(body, "field", json_string(field));
    return cami_resp_json(req, 400, body);
}

/* A store failure as an HTTP answer (the same statuses as the resources). */
static int store_failed(cami_request *req, int status, const char *error, const char *what)
{
    switch (status) {
    case CAMI_STORE_EDOWN:
    case CAMI_ESTATE:
        cami_resp_header(req, "Retry-After", "1");
        return cami_resp_error(req, 503, "the database is unavailable; try again");
    case CAMI_ETIMEDOUT:
        return cami_resp_error(req, 504, "the database did not answer in time");
    default:
        cami_log(notif.self, CAMI_LOG_ERROR, "%s failed (%d): %s [request %s]", what, status,
                 error != NULL ? error : "(no reason)", cami_req_id(req));
        return cami_resp_error(req, 500, "the request could not be stored; the server log "
                                         "names the cause");
    }
}

/* ---- registrations ------------------------------------------------------------- */

static void registered(cami_plugin *self, int status, json_t *result, const char *error,
                       void *ud)
{
    struct reg *g = ud;
    json_int_t id = json_integer_value(json_object_get(result, "insert_id"));
    json_t *out;
    char uri[80], user[24];
    int rc;

    (void)self;
    if (status == CAMI_STORE_ECONSTRAINT && g->subscribe) {
        rc = bad(g->req, "user_id", "'user_id': no person with this id in the store");
    } else if (status != CAMI_OK) {
        rc = store_failed(g->req, status, error, g->subscribe ? "push-notification-subscribe"
                                                             : "mobile-notification-key");
    } else if (g->subscribe) {
        snprintf(uri, sizeof uri, "/api/v1/pushnotificationdevice/%" JSON_INTEGER_FORMAT "/", id);
        snprintf(user, sizeof user, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(g->body, "user_id")));
        out = json_pack("{s:I,s:O,s:O,s:s,s:s}", "id", id, "registration_id",
                        json_object_get(g->body, "registration_id"), "service_type",
                        json_object_get(g->body, "service_type"), "user_id", user,
                        "resource_uri", uri);
        rc = cami_resp_json(g->req, 201, out);
    } else {
        out = json_deep_copy(g->body);
        if (out != NULL)
            json_object_set_new(out, "id", json_integer(id));
        rc = cami_resp_json(g->req, 201, out);
    }
    finish(g->req, rc);
    json_decref(g->body);
    free(g);
}

static int post_registration(cami_request *req, int subscribe)
{
    json_error_t jerr;
    json_t *body = cami_req_json(req, &jerr), *checked;
    char field[64], why[400];
    struct reg *g;
    size_t len;
    int rc;

    if (body == NULL) {
        cami_req_body(req, &len);
        snprintf(why, sizeof why, "the body must be a JSON object%s%s",
                 len == 0 ? " and is empty" : ": ", len == 0 ? "" : jerr.text);
        return bad(req, NULL, why);
    }
    checked = subscribe ? notif_push_subscribe_check(body, field, sizeof field, why, sizeof why)
                        : notif_mobile_key_check(body, field, sizeof field, why, sizeof why);
    if (checked == NULL)
        return bad(req, field, why);
    g = calloc(1, sizeof *g);
    if (g == NULL) {
        json_decref(checked);
        return CAMI_ENOMEM;
    }
    g->req = req;
    g->body = checked;
    g->subscribe = subscribe;
    if (subscribe)
        rc = notif.db->exec(notif.self, subscribe_sql,
                            json_pack("[O,O,O]", json_object_get(checked, "user_id"),
                                      json_object_get(checked, "service_type"),
                                      json_object_get(checked, "registration_id")),
                            registered, g);
    else
        rc = notif.db->exec(notif.self, key_sql,
                            json_pack("[O,O,O]", json_object_get(checked, "mobile_key"),
                                      json_object_get(checked, "mobile_os"),
                                      json_object_get(checked, "recipient_type")),
                            registered, g);
    if (rc != CAMI_OK) {
        json_decref(checked);
        free(g);
        return rc == CAMI_ESTATE ? store_failed(req, rc, NULL, "registration") : rc;
    }
    return CAMI_PENDING;
}

static int post_mobile_key(cami_request *req, void *ud)
{
    (void)ud;
    return post_registration(req, 0);
}

static int post_subscribe(cami_request *req, void *ud)
{
    (void)ud;
    return post_registration(req, 1);
}

/* ---- resend --------------------------------------------------------------------- */

static void resent(int status, void *ud)
{
    cami_request *req = ud;

    finish(req, status == CAMI_OK ? cami_resp_json(req, 200, json_object())
                                  : store_failed(req, status, NULL, "resend"));
}

static void got_newest(cami_plugin *self, int status, json_t *rows, const char *error, void *ud)
{
    cami_request *req = ud;
    json_t *row = json_array_get(rows, 0);
    int rc;

    (void)self;
    if (status != CAMI_OK) {
        finish(req, store_failed(req, status, error, "resend"));
        return;
    }
    if (row == NULL) { /* nothing to send: as the original, an empty answer */
        finish(req, cami_resp_json(req, 200, json_object()));
        return;
    }
    cami_log(notif.self, CAMI_LOG_INFO, "resending notification %" JSON_INTEGER_FORMAT
             " [request %s]", json_integer_value(json_object_get(row, "id")), cami_req_id(req));
    rc = fanout_start(json_deep_copy(row), 0, "resend", resent, req);
    if (rc != CAMI_OK)
        finish(req, store_failed(req, rc, NULL, "resend"));
}

static int get_resend(cami_request *req, void *ud)
{
    int rc;

    (void)ud;
    rc = notif.db->query(notif.self, newest_sql, NULL, got_newest, req);
    if (rc == CAMI_ESTATE)
        return store_failed(req, rc, NULL, "resend");
    return rc == CAMI_OK ? CAMI_PENDING : rc;
}

int devices_add(void)
{
    int rc = cami_route_add(notif.self, "POST", "/api/v1/mobile-notification-key/",
                            post_mobile_key, NULL);

    if (rc == CAMI_OK)
        rc = cami_route_add(notif.self, "POST", "/api/v1/push-notification-subscribe/",
                            post_subscribe, NULL);
    if (rc == CAMI_OK)
        rc = cami_route_add(notif.self, "GET", "/api/v1/mobile-notification-key/resend/",
                            get_resend, NULL);
    return rc;
}
