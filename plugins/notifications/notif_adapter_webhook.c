/*
 * notif_adapter_webhook.c - the `webhook` adapter: POSTs the notification
 * (the JSON object GET /api/v1/notifications/<id>/ shows) to the URL of
 * config key webhook_url. A 2xx answer is delivered; any other status, a
 * refused connection or no answer within webhook_timeout is a failure the
 * queue retries.
 *
 * Every POST carries the delivery's id as Idempotency-Key and
 * X-CAMI-Delivery (and the attempt as X-CAMI-Attempt): if camid stops
 * between the receiver's 2xx and marking the row sent, the delivery is
 * sent again with the same id, and the receiver drops it. That is what
 * makes delivery exactly-once as far as the receiver can tell.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notif_adapter.h"
#include "notif_http.h"
#include "notif_state.h"

#define ERROR_BODY_SHOWN 120

static struct {
    struct http_client *http;
    const char *url;
    long timeout_ms;
} wh;

struct send {
    const struct notif_job *job;
    notif_done_fn done;
    void *ud;
};

static void answered(const struct http_result *res, void *ud)
{
    struct send *s = ud;
    char why[300];

    if (res->ok && res->status >= 200 && res->status < 300) {
        s->done(s->job, 1, NULL, s->ud);
    } else {
        if (res->ok)
            snprintf(why, sizeof why, "the webhook answered HTTP %ld%s%.*s", res->status,
                     res->body[0] != '\0' ? ": " : "", ERROR_BODY_SHOWN, res->body);
        else
            snprintf(why, sizeof why, "the webhook could not be reached: %s", res->error);
        s->done(s->job, 0, why, s->ud);
    }
    free(s);
}

static int webhook_send(const struct notif_job *job, notif_done_fn done, void *ud)
{
    char id[64], key[64], attempt[48];
    const char *headers[] = { "Content-Type: application/json", "Accept: application/json",
                              key, id, attempt, "Expect:", NULL };
    struct send *s;
    int rc;

    if (wh.http == NULL || wh.url == NULL)
        return CAMI_ESTATE;
    s = malloc(sizeof *s);
    if (s == NULL)
        return CAMI_ENOMEM;
    s->job = job;
    s->done = done;
    s->ud = ud;
    snprintf(key, sizeof key, "Idempotency-Key: %" PRId64, job->delivery_id);
    snprintf(id, sizeof id, "X-CAMI-Delivery: %" PRId64, job->delivery_id);
    snprintf(attempt, sizeof attempt, "X-CAMI-Attempt: %" PRId64, job->attempt);
    rc = http_post(wh.http, wh.url, headers, job->payload, job->payload_len, wh.timeout_ms,
                   answered, s);
    if (rc != CAMI_OK)
        free(s);
    return rc;
}

static void webhook_shutdown(void)
{
    http_client_free(wh.http);
    wh.http = NULL;
}

int webhook_start(cami_plugin *self, const char *url, long timeout_ms)
{
    wh.http = http_client_new(self); /* logs why it cannot */
    if (wh.http == NULL)
        return CAMI_EFAIL;
    wh.url = url;
    wh.timeout_ms = timeout_ms;
    return CAMI_OK;
}

const struct notif_adapter notif_adapter_webhook = { "webhook", webhook_send, webhook_shutdown };
