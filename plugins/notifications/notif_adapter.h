/*
 * notif_adapter.h - the delivery interface: how one queued delivery
 * reaches its target. The queue (notif_queue.c) claims a delivery, hands
 * it to the adapter its row names, and marks it from the adapter's
 * answer: delivered, or failed (retried with backoff). An adapter for a
 * push service (APNs over HTTP/2, FCM) is one more of these structs: it
 * gets the device's service and token in the job, sends, and answers.
 *
 * Contract: send() returns CAMI_OK and then calls done exactly once, on
 * the loop thread, possibly before send() returns; or it returns an
 * error and never calls done. `job` stays valid until done has run. An
 * adapter that cannot tell whether the target got the message answers
 * failed: the queue sends again with the same delivery id, which the
 * receiver can use to drop the second copy. Loop thread only.
 */
#ifndef NOTIF_ADAPTER_H
#define NOTIF_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include <cami/cami.h>

struct notif_job {
    int64_t delivery_id;          /* unique in the database: the idempotency key */
    int64_t attempt;              /* 1 for the first */
    const char *kind;             /* "webhook", "device", "mobile_key" */
    const char *service;          /* device and mobile_key: "APNS", "FCM", "GCM", "WNS" */
    const char *target;           /* device and mobile_key: the push token */
    const char *payload;          /* the notification as GET shows it, compact JSON */
    size_t payload_len;
};

/* delivered: 1 when the target has it; else error says why (copied). */
typedef void (*notif_done_fn)(const struct notif_job *job, int delivered, const char *error,
                              void *ud);

struct notif_adapter {
    const char *name;             /* as in the delivery rows' adapter column */
    int (*send)(const struct notif_job *job, notif_done_fn done, void *ud);
    /* abort sends in flight: their done runs now, as failed; NULL: nothing
     * to do */
    void (*shutdown)(void);
};

/* The adapters built in. */
extern const struct notif_adapter notif_adapter_log;
extern const struct notif_adapter notif_adapter_webhook;

/* notif_adapter_webhook.c: set up with the config's URL and timeout
 * (in start; CAMI_OK or the reason logged). */
int webhook_start(cami_plugin *self, const char *url, long timeout_ms);

#endif
