/*
 * notif_health.c - GET /api/v1/healthcheck/ in the original's shape:
 *
 *   {"healthcheck": [{"message_queue": "ok"|"failed", "mysql": "ok"|"failed",
 *                     "status": "ok"|"failed"}]}
 *
 * from the real state, asked anew for every request and both at once:
 * mysql is a `SELECT 1` through the store that answers within
 * healthcheck_timeout; message_queue is a round trip on the bus (an event
 * on the private topic notifications.healthcheck, which this plugin
 * subscribes to, carrying a token that must come back within the same
 * time). status is ok when both are. Like the original the answer is 200
 * either way: monitors read the body (this keeps clients that only accept
 * 200 working; docs/API.md says so).
 *
 * A check outlives its request when the database answers after the
 * timeout: it is freed when both its request is answered and the store's
 * callback has run (the store calls back exactly once).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notif_state.h"

#define PROBE_TOPIC "notifications.healthcheck"

enum answer { A_WAITING, A_OK, A_FAILED };

struct check {
    cami_request *req;          /* NULL once answered */
    cami_timer *timer;
    char token[64];
    enum answer mysql, bus;
    int refs;                   /* the request, the store's callback */
    struct check *next;         /* checks waiting for their bus token */
};

static struct check *waiting;
static uint64_t probes;

static void unref(struct check *c)
{
    if (--c->refs == 0)
        free(c);
}

static void unlink_waiting(struct check *c)
{
    for (struct check **p = &waiting; *p != NULL; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            return;
        }
}

static const char *word(enum answer a)
{
    return a == A_OK ? "ok" : "failed";
}

/* Answer with what is known (a question still open counts as failed). */
static void answer(struct check *c)
{
    int rc;

    if (c->req == NULL)
        return;
    if (c->timer != NULL) {
        cami_timer_stop(c->timer);
        c->timer = NULL;
    }
    unlink_waiting(c);
    if (c->mysql != A_OK || c->bus != A_OK)
        cami_log(notif.self, CAMI_LOG_WARN, "healthcheck: mysql %s, message queue %s%s "
                 "[request %s]", word(c->mysql), word(c->bus),
                 c->mysql == A_WAITING || c->bus == A_WAITING ? " (no answer in time)" : "",
                 cami_req_id(c->req));
    cami_resp_header(c->req, "Cache-Control", "no-store");
    rc = cami_resp_json(c->req, 200,
                        json_pack("{s:[{s:s,s:s,s:s}]}", "healthcheck", "message_queue",
                                  word(c->bus), "mysql", word(c->mysql), "status",
                                  word(c->mysql == A_OK && c->bus == A_OK ? A_OK : A_FAILED)));
    if (rc != CAMI_OK)
        cami_resp_error(c->req, 500, "internal error: the answer could not be built");
    cami_req_finish(c->req);
    c->req = NULL;
    unref(c);
}

static void maybe_answer(struct check *c)
{
    if (c->mysql != A_WAITING && c->bus != A_WAITING)
        answer(c);
}

static void timed_out(cami_timer *timer, void *ud)
{
    struct check *c = ud;

    (void)timer;
    answer(c); /* stops the timer */
}

static void db_answered(cami_plugin *self, int status, json_t *rows, const char *error,
                        void *ud)
{
    struct check *c = ud;

    (void)self;
    if (c->req != NULL) {
        c->mysql = status == CAMI_OK && json_array_size(rows) == 1 ? A_OK : A_FAILED;
        if (c->mysql == A_FAILED)
            cami_log(notif.self, CAMI_LOG_WARN, "healthcheck: SELECT 1 failed (%d): %s", status,
                     error != NULL ? error : "(no reason)");
        maybe_answer(c);
    }
    unref(c);
}

static int on_probe(cami_plugin *self, const cami_event *event, void *ud)
{
    const char *token = json_string_value(json_object_get(cami_event_json(event, NULL), "token"));

    (void)self;
    (void)ud;
    if (token == NULL)
        return CAMI_OK; /* not one of ours (another host's probe has a token too) */
    for (struct check *c = waiting; c != NULL; c = c->next)
        if (strcmp(c->token, token) == 0) {
            c->bus = A_OK;
            maybe_answer(c);
            break;
        }
    return CAMI_OK;
}

static int get_health(cami_request *req, void *ud)
{
    struct check *c = calloc(1, sizeof *c);
    int rc;

    (void)ud;
    if (c == NULL)
        return CAMI_ENOMEM;
    c->req = req;
    c->refs = 1;
    /* unique across workers and hosts sharing a bus: pid, counter, time */
    snprintf(c->token, sizeof c->token, "%ld-%" PRIu64 "-%" PRIu64, (long)getpid(), ++probes,
             cami_now_ms(notif.self));
    c->timer = cami_timer_start(notif.self, (uint64_t)notif.cfg.healthcheck_timeout_ms, 0,
                                timed_out, c);
    if (c->timer == NULL) {
        free(c);
        return CAMI_ENOMEM;
    }
    c->next = waiting;
    waiting = c;
    rc = cami_bus_publish(notif.self, PROBE_TOPIC, json_pack("{s:s}", "token", c->token));
    if (rc != CAMI_OK) {
        cami_log(notif.self, CAMI_LOG_WARN, "healthcheck: cannot publish the bus probe (%d)", rc);
        c->bus = A_FAILED;
    }
    c->refs++;
    rc = notif.db->query(notif.self, "SELECT 1 AS ok", NULL, db_answered, c);
    if (rc != CAMI_OK) { /* the store is stopping; the bus or the timer answers */
        c->refs--;
        c->mysql = A_FAILED;
    }
    return CAMI_PENDING;
}

int health_add(void)
{
    int rc = cami_bus_subscribe(notif.self, PROBE_TOPIC, on_probe, NULL);

    if (rc == CAMI_OK)
        rc = cami_route_add(notif.self, "GET", "/api/v1/healthcheck/", get_health, NULL);
    return rc;
}
