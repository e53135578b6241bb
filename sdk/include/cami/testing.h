/*
 * testing.h - a fake host for unit-testing a plugin's handlers without
 * sockets, threads or a running camid.
 *
 * Link the plugin's sources into a test program together with
 * libcami-testing.a (`pkg-config --cflags --libs cami-testing`). The fake
 * host implements every member of struct cami_host_api in-process: config
 * checked against the plugin's schema, the router (templates with {params},
 * literal segments first, GET answering HEAD, 404, 405 with Allow, 301 to the
 * slashed path), query and percent-decoding, deferred requests, timers on a
 * virtual clock, work, loop posts, services and the bus. Everything runs on the
 * calling (test) thread, so tests are deterministic and instant:
 *
 *   cami_test_host *h = cami_test_host_new(cami_plugin_entry);
 *   cami_test_host_config(h, "greeting", "Bonjour");
 *   assert_int_equal(cami_test_host_start(h), CAMI_OK);
 *   const cami_test_response *r = cami_test_request(h, "GET", "/hello", NULL, NULL, 0);
 *   assert_int_equal(r->status, 200);
 *   cami_test_host_free(h);
 *
 * Beyond what the real host does, the fake host counts breaches of the SDK's
 * contract that a real host would only show as a crash, a hang or a leak in
 * production (a host call from a work function, finishing a request twice,
 * a pending request never finished, a fired one-shot timer never stopped...);
 * each is logged and counted, see cami_test_host_violations().
 *
 * Not part of the plugin ABI: this is a static library for test programs.
 * Thread: the test's thread, except where a function says otherwise.
 * Since SDK 0.1 (ABI 1.0).
 */
#ifndef CAMI_TESTING_H
#define CAMI_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <cami/cami.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The entry point of the plugin linked into the test program (CAMI_PLUGIN
 * defines it). */
const cami_plugin_desc *cami_plugin_entry(const struct cami_host_api *host);

/* A fake host running one plugin. Opaque. */
typedef struct cami_test_host cami_test_host;

/*
 * What the fake host would have sent for one request. Owned by the host,
 * valid until cami_test_host_free(); read-only for the test. The fields are
 * filled in when the request is answered: at once when the handler returns
 * CAMI_OK or fails, later (from cami_test_host_run) for CAMI_PENDING.
 */
typedef struct cami_test_response {
    int finished;          /* 1 once answered; 0 while pending */
    int status;            /* 0 while pending */
    const char *body;      /* NUL-terminated copy; "" when empty or HEAD */
    size_t body_len;
    json_t *json;          /* body parsed when Content-Type is JSON, else
                              NULL; borrowed */
    int handler_result;    /* what the handler returned; CAMI_OK for the
                              host's own answers (404, 405, 301, 400) */
    int aborted;           /* the client went away or the host stopped;
                              a real host would drop this response */
} cami_test_response;

/*
 * cami_test_host_new - call the plugin's entry point with the fake host's
 * table and check the descriptor as camid's loader does (magic, size, ABI,
 * name, init, config schema). Nothing of the plugin runs yet.
 * Returns the host, or NULL with the reason on stderr.
 */
cami_test_host *cami_test_host_new(cami_plugin_entry_fn entry);

/*
 * cami_test_host_config - set a key of the plugin's config section as an
 * admin would write it in [plugin.NAME]; both strings are copied. Setting a
 * key again replaces its value. Keys are checked at start, as the real host
 * does: undeclared keys, badly typed values and missing required keys make
 * cami_test_host_start fail. `module` and `listeners` are accepted and
 * ignored. Errors: CAMI_EINVAL (NULL), CAMI_ESTATE (after start), CAMI_ENOMEM.
 */
int cami_test_host_config(cami_test_host *h, const char *key, const char *value);

/*
 * cami_test_host_provide - offer a service to the plugin under test, as
 * another plugin would (see service.h); lets a test stand in for a
 * dependency. iface is borrowed until cami_test_host_free.
 * Errors: CAMI_EINVAL, CAMI_EEXIST, CAMI_ESTATE (after start), CAMI_ENOMEM.
 */
int cami_test_host_provide(cami_test_host *h, const char *name, uint32_t version,
                           const void *iface, size_t iface_size);

/*
 * cami_test_host_start - check the config against the schema, then call the
 * plugin's init and, if that succeeded, its start. Returns CAMI_OK; the
 * config check's CAMI_EINVAL (the reasons are in the log, nothing of the
 * plugin ran); or what init or start returned. After a failed init neither
 * stop nor fini is called (as in camid); after a failed start, fini is.
 * Errors: CAMI_ESTATE when called twice.
 */
int cami_test_host_start(cami_test_host *h);

/*
 * cami_test_request - run one request through the router and the plugin's
 * handler. method: "GET", "POST", ...; target: path and query as sent,
 * e.g. "/hello/Ada%20Lovelace?x=1"; headers: NULL or a NULL-terminated array
 * of "Name: value" strings; body: len bytes (NULL when len is 0).
 * Returns the response (see above; .finished is 0 when the handler returned
 * CAMI_PENDING: run the loop with cami_test_host_run), or NULL with the
 * reason on stderr when the host is not started or an argument is malformed.
 * The peer address the plugin sees is "127.0.0.1:54321".
 */
const cami_test_response *cami_test_request(cami_test_host *h, const char *method,
                                            const char *target, const char *const *headers,
                                            const void *body, size_t len);

/* A response header (case-insensitive name), e.g. "Content-Type", "Allow",
 * "Location", or NULL. Owned by the host. */
const char *cami_test_response_header(const cami_test_response *r, const char *name);

/* The client of a pending request goes away: cami_req_aborted() turns true
 * for it. The plugin must still finish it. */
void cami_test_request_abort(const cami_test_response *r);

/* How far cami_test_host_run lets the virtual clock go, in ms. */
#define CAMI_TEST_RUN_HORIZON_MS 3600000u

/*
 * cami_test_host_run - run the loop: posted callbacks, submitted work (the
 * work function, then its done callback, both on this thread) and timers,
 * whose deadlines the virtual clock jumps to, and the bus (events, tasks,
 * replies, reply timeouts), until no request is pending, no one-shot timer
 * is armed and no submitter waits for a task's answer. Repeating timers fire
 * only while there is something else to wait for, and never past
 * CAMI_TEST_RUN_HORIZON_MS from the call. Returns the number of requests still pending (0 is the usual
 * expectation).
 */
int cami_test_host_run(cami_test_host *h);

/*
 * cami_test_host_advance - move the virtual clock forward by ms, firing
 * every timer due on the way (repeating ones as often as they are due), and
 * run posted callbacks and work. Returns the number of timer callbacks run.
 */
unsigned cami_test_host_advance(cami_test_host *h, uint64_t ms);

/* The virtual clock, in ms: what cami_now_ms() returns to the plugin. */
uint64_t cami_test_host_now(const cami_test_host *h);

/*
 * cami_test_host_cancel_work - cancel the work that has not run yet, as a
 * host shutting down may (cami_work_submit's CAMI_ESTATE case): each queued
 * item's done callback runs at once with CAMI_ESTATE, without its work
 * function. Returns how many were cancelled.
 */
unsigned cami_test_host_cancel_work(cami_test_host *h);

/*
 * cami_test_host_service - the service `name` the plugin provided, if its
 * version is at least min_version; its size in *iface_size when not NULL.
 * NULL when the plugin provides no such service.
 */
const void *cami_test_host_service(const cami_test_host *h, const char *name,
                                   uint32_t min_version, size_t *iface_size);

/*
 * cami_test_host_stop - stop the plugin as camid's workers do: drain (run
 * the loop until pending requests finish; those still pending then see
 * cami_req_aborted() true and get another run), call the plugin's stop, run
 * the loop again so outstanding work completes, answer every task
 * submitter still waiting with CAMI_ESTATE, call fini, then stop the
 * plugin's remaining timers. A task the plugin's handler never answered is
 * a violation. Returns the number of requests the plugin left
 * unfinished (each also a violation). Calling it again, or before a
 * successful start, returns 0.
 */
int cami_test_host_stop(cami_test_host *h);

/* Stop the plugin if it runs, then free the host, its responses and
 * everything the plugin left with it. NULL is fine. */
void cami_test_host_free(cami_test_host *h);

/*
 * The log: every line the plugin wrote at or above the log level, and the
 * fake host's own complaints, one per line: "LEVEL NAME: message\n", where
 * LEVEL is error, warn, info or debug and NAME the plugin's name, or
 * "fake-host" for the host's lines. NUL-terminated, owned by the host, valid
 * until the next call that may log. Set CAMI_TEST_VERBOSE=1 in the
 * environment to also echo lines to stderr.
 */
const char *cami_test_host_log(const cami_test_host *h);
void cami_test_host_log_clear(cami_test_host *h);
/* Lines less severe than level are dropped and cami_log_enabled() says so.
 * Default CAMI_LOG_DEBUG (everything). */
void cami_test_host_log_level(cami_test_host *h, int level);

/* How many breaches of the SDK's contract the plugin made so far (each is
 * also an "error fake-host: contract: ..." line in the log). Assert it is 0
 * at the end of every test. Thread: any. */
unsigned cami_test_host_violations(const cami_test_host *h);

/* ---- the bus (bus.h), since ABI 1.1 ----------------------------------------
 *
 * The fake host runs an in-process bus as camid does between plugins: an
 * event published by the plugin (or by the test, standing in for another
 * plugin or a partner service) is delivered to every matching subscription
 * by cami_test_host_run/advance, never from inside the publishing call; a
 * task runs in the handler the plugin (or the test) registered, and its
 * answer reaches the submitter's callback from the loop. Reply timeouts
 * count on the virtual clock, so "no answer within 30 s" is instant to test.
 * Defaults are camid's: task_timeout 30000 ms, max_pending_tasks 10000.
 */

/* camid's [bus] task_timeout and max_pending_tasks (both > 0), for the
 * tasks submitted from now on. Errors: CAMI_EINVAL. */
int cami_test_host_bus_limits(cami_test_host *h, uint64_t task_timeout_ms,
                              unsigned max_pending_tasks);

/*
 * cami_test_host_task_handler - handle task `name` in the test, as another
 * plugin would; fn calls cami_task_reply/cami_task_fail like a plugin's
 * handler. Before start only. Errors: CAMI_EINVAL, CAMI_EEXIST, CAMI_ESTATE,
 * CAMI_ENOMEM. A plugin registering the same name then fails its init with
 * CAMI_EEXIST, as camid refuses a task claimed twice.
 */
int cami_test_host_task_handler(cami_test_host *h, const char *name, cami_task_fn fn,
                                void *ud);

/* An event the plugin published. Owned by the host. */
typedef struct cami_test_event {
    const char *topic;
    json_t *payload;       /* borrowed */
} cami_test_event;

/*
 * cami_test_host_events - the events the plugin published so far (through
 * cami_bus_publish, accepted ones only), oldest first: sets *events to the
 * array (NULL when empty) and returns its length. Valid until the plugin
 * publishes again, cami_test_host_events_clear or cami_test_host_free.
 */
size_t cami_test_host_events(const cami_test_host *h, const cami_test_event **events);
void cami_test_host_events_clear(cami_test_host *h);

/*
 * cami_test_host_publish - an event from elsewhere (another plugin, a
 * partner service): delivered to the plugin's matching subscriptions by the
 * next cami_test_host_run or _advance. payload is stolen. Not listed by
 * cami_test_host_events. Errors: CAMI_EINVAL (bad topic, NULL payload),
 * CAMI_ESTATE (not started, or stopped), CAMI_ENOMEM.
 */
int cami_test_host_publish(cami_test_host *h, const char *topic, json_t *payload);

/* What a task submitted by the test got back. Owned by the host, valid until
 * cami_test_host_free. */
typedef struct cami_test_reply {
    int finished;          /* 1 once answered (or timed out, or refused) */
    int status;            /* CAMI_OK; CAMI_ENOENT (no handler), CAMI_EFAIL
                              (the handler failed), CAMI_ETIMEDOUT,
                              CAMI_EBUSY (max_pending_tasks reached),
                              CAMI_ESTATE (the host stopped first) */
    json_t *result;        /* CAMI_OK: the result (JSON null if the handler
                              replied NULL); else NULL. Borrowed. */
    const char *error;     /* else: the error text; NULL for CAMI_OK */
    int handler_result;    /* what the handler returned; 0 if it never ran */
} cami_test_reply;

/*
 * cami_test_task - submit task `name` with args (stolen; NULL means {}), as
 * a partner service or camictl would. The handler runs at once, like a
 * request's (then .finished is 1 when it answered before returning); a
 * deferred answer arrives from cami_test_host_run/advance, or the task times
 * out after timeout_ms of virtual time (0: task_timeout). Returns the reply,
 * or NULL with the reason on stderr when the host is not running or the
 * name is not 1-255 bytes of [A-Za-z0-9._-].
 */
const cami_test_reply *cami_test_task(cami_test_host *h, const char *name, json_t *args,
                                      uint64_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
