/*
 * notif_adapter_log.c - the `log` adapter: writes each delivery to
 * camid's log (info) and counts it delivered. For a deployment without a
 * push service yet, and to see what would be pushed where; it never
 * fails, so its deliveries are sent once.
 */
#include <inttypes.h>
#include <string.h>

#include "notif_adapter.h"
#include "notif_state.h"

/* A token is a credential of sorts: the log shows its first characters. */
#define TOKEN_SHOWN 8

static int log_send(const struct notif_job *job, notif_done_fn done, void *ud)
{
    const char *t = job->target != NULL ? job->target : "";

    cami_log(notif.self, CAMI_LOG_INFO, "delivery %" PRId64 " (attempt %" PRId64 ") to %s%s%s "
             "%.*s%s: %.*s", job->delivery_id, job->attempt,
             job->service != NULL ? job->service : "", job->service != NULL ? " " : "",
             job->kind, TOKEN_SHOWN, t, strlen(t) > TOKEN_SHOWN ? "..." : "",
             (int)job->payload_len, job->payload);
    done(job, 1, NULL, ud);
    return CAMI_OK;
}

const struct notif_adapter notif_adapter_log = { "log", log_send, NULL };
