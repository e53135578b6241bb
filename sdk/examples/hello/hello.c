/*
 * hello.c - the example camid plugin: a model to copy.
 *
 *   GET  /hello              {"message":"Hello, World!"}
 *   GET  /hello/{name}       {"message":"Hello, <name>!"}
 *   POST /hello/echo         the JSON body it was sent
 *   GET  /hello/slow?ms=N    the greeting, N ms later (a timer; no thread waits)
 *   GET  /hello/work         a computation run on the host's thread pool
 *
 * and on the bus (docs/BUS.md):
 *   task  hello.greet        {"name": "Ada"} -> {"message": "Hello, Ada!"}
 *   event hello.greeted      the same payload, published each time the task runs
 *
 * Build it against an installed SDK with the Makefile next to this file;
 * docs/PLUGIN-GUIDE.md walks through it.
 */
#define _POSIX_C_SOURCE 200809L   /* strncasecmp */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cami/cami.h>

/* An hour: a longer wait is a mistake in the config, not a wish. */
#define SLOW_LIMIT_MS 3600000

/* Admins set these in [plugin.hello]; the host checks types before init. */
static const cami_config_key hello_schema[] = {
    { "greeting", CAMI_CONFIG_STRING, "Hello", 0, "word the greetings start with" },
    { "slow_max_ms", CAMI_CONFIG_INT, "10000", 0, "largest delay /hello/slow accepts, in ms" },
    { NULL, 0, NULL, 0, NULL }
};

/* One loaded plugin per worker process, so file-scope state is per plugin. */
static struct {
    cami_plugin *self;
    const char *greeting;   /* owned by the host until fini */
    int64_t slow_max_ms;
    char *world;            /* the answer to GET /hello, built once at init */
    size_t world_len;
} hello;

/* Every message is built by jansson (no buffer to overflow); a NULL from it
 * reaches cami_resp_json, which answers CAMI_ENOMEM, so the handler fails. */
static CAMI_PRINTF(3, 4) int reply_error(cami_request *req, int status, const char *fmt, ...)
{
    va_list ap;
    json_t *msg;

    va_start(ap, fmt);
    msg = json_vsprintf(fmt, ap);
    va_end(ap);
    return cami_resp_json(req, status, json_pack("{s:o}", "error", msg));
}

static int greet(cami_request *req, const char *name)
{
    json_t *msg = json_sprintf("%s, %s!", hello.greeting, name);

    /* JSON strings are UTF-8; init checked the greeting, so it is the name. */
    if (msg == NULL)
        return cami_resp_error(req, 400, "the name is not valid UTF-8");
    return cami_resp_json(req, 200, json_pack("{s:o}", "message", msg));
}

/* A deferred request must always be finished, or the client waits forever:
 * if building its answer failed, send a 500 instead. */
static void finish(cami_request *req, int rc)
{
    if (rc != CAMI_OK && cami_resp_error(req, 500, "internal error") != CAMI_OK)
        cami_log(hello.self, CAMI_LOG_ERROR, "cannot build a response (%d)", rc);
    rc = cami_req_finish(req);
    if (rc != CAMI_OK)
        cami_log(hello.self, CAMI_LOG_ERROR, "cami_req_finish failed (%d)", rc);
}

/* ---- GET /hello, GET /hello/{name} ---------------------------------------- */

/* The answer never changes: send the bytes built at init (no JSON work). */
static int send_world(cami_request *req)
{
    return cami_resp_body(req, hello.world, hello.world_len, "application/json");
}

static int get_hello(cami_request *req, void *ud)
{
    return send_world(req);
}

static int get_hello_name(cami_request *req, void *ud)
{
    return greet(req, cami_req_param(req, "name"));
}

/* ---- POST /hello/echo ---------------------------------------------------- */

/* "application/json", parameters such as "; charset=utf-8" allowed. */
static int is_json(const char *type)
{
    static const char json[] = "application/json";
    size_t n = sizeof json - 1;

    return strncasecmp(type, json, n) == 0 &&
           (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

static int post_echo(cami_request *req, void *ud)
{
    const char *type = cami_req_header(req, "Content-Type");
    json_error_t err;
    json_t *body;

    /* A missing Content-Type is accepted (raw clients often send none);
     * note that curl -d sends a form type: add -H 'Content-Type: application/json'. */
    if (type != NULL && !is_json(type))
        return cami_resp_error(req, 415, "Content-Type must be application/json");
    body = cami_req_json(req, &err);
    if (body == NULL && err.line > 0)
        return reply_error(req, 400, "invalid JSON: %s (line %d, column %d)", err.text,
                           err.line, err.column);
    if (body == NULL)   /* e.g. an empty body: there is no position to give */
        return reply_error(req, 400, "invalid JSON: %s", err.text);
    /* The request owns body; the response takes a reference of its own. */
    return cami_resp_json(req, 200, json_incref(body));
}

/* ---- GET /hello/slow?ms=N: a deferred answer from a timer ------------------- */

/* Digits only, so "-1", "1e3" and " 5" are refused rather than misread. */
static int parse_ms(const char *s, int64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > (uint64_t)max)
            return -1;
    }
    *out = v;
    return 0;
}

static void slow_elapsed(cami_timer *timer, void *ud)
{
    cami_request *req = ud;

    /* A one-shot timer is freed only when stopped, even after it fired. */
    cami_timer_stop(timer);
    finish(req, send_world(req));
}

static int get_slow(cami_request *req, void *ud)
{
    const char *arg = cami_req_query(req, "ms");
    uint64_t ms = 100;

    if (arg != NULL && parse_ms(arg, hello.slow_max_ms, &ms) != 0)
        return reply_error(req, 400, "ms must be an integer from 0 to %lld",
                           (long long)hello.slow_max_ms);
    /* The request stays valid until cami_req_finish, so it can be the ud. */
    if (cami_timer_start(hello.self, ms, 0, slow_elapsed, req) == NULL)
        return CAMI_ENOMEM;
    return CAMI_PENDING;
}

/* ---- GET /hello/work: blocking work on the host's thread pool -------------- */

#define PRIME_LIMIT 100000u

struct prime_job {
    cami_request *req;
    unsigned count;
};

/* Runs on a pool thread: it may touch only its job, never the request. */
static void count_primes(void *ud)
{
    struct prime_job *job = ud;

    job->count = 0;
    for (unsigned n = 2; n < PRIME_LIMIT; n++) {
        unsigned d = 2;

        while (d * d <= n && n % d != 0)
            d++;
        job->count += d * d > n;
    }
}

/* Back on the loop thread: now the request may be answered. */
static void primes_counted(void *ud, int status)
{
    struct prime_job *job = ud;
    int rc;

    if (status == CAMI_OK)
        rc = cami_resp_json(job->req, 200, json_pack("{s:I,s:I}", "below",
                                                     (json_int_t)PRIME_LIMIT, "primes",
                                                     (json_int_t)job->count));
    else    /* the host is shutting down and cancelled the work */
        rc = cami_resp_error(job->req, 503, "shutting down");
    finish(job->req, rc);
    free(job);
}

static int get_work(cami_request *req, void *ud)
{
    struct prime_job *job = malloc(sizeof *job);
    int rc;

    if (job == NULL)
        return CAMI_ENOMEM;
    job->req = req;
    rc = cami_work_submit(hello.self, count_primes, primes_counted, job);
    if (rc != CAMI_OK) {
        free(job);
        return rc;
    }
    return CAMI_PENDING;
}

/* ---- task hello.greet, event hello.greeted ---------------------------------- */

/* Partners, camictl and other plugins call it; args are borrowed. The
 * answer is given before returning, so the handler returns CAMI_OK (a handler
 * that answers later, from a timer or work, returns CAMI_PENDING). */
static int task_greet(cami_task *task, json_t *args, void *ud)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    json_t *greeting;
    int rc;

    if (name == NULL)
        return cami_task_fail(task, "args must be an object with a string \"name\", "
                                    "e.g. {\"name\": \"Ada\"}");
    /* jansson strings are valid UTF-8, so only memory can fail here. */
    greeting = json_pack("{s:o}", "message", json_sprintf("%s, %s!", hello.greeting, name));
    if (greeting == NULL)
        return CAMI_ENOMEM;
    /* Everyone listening hears what the caller gets. Both calls steal a
     * reference: one for the event, one for the reply. Nobody modifies a
     * payload (subscribers borrow it), so they can share the object. A lost
     * event does not undo the greeting: log it and still answer. */
    rc = cami_bus_publish(hello.self, "hello.greeted", json_incref(greeting));
    if (rc != CAMI_OK)
        cami_log(hello.self, CAMI_LOG_WARN, "cannot publish hello.greeted (%d)", rc);
    return cami_task_reply(task, greeting);
}

/* ---- life cycle ---------------------------------------------------------- */

static int hello_init(cami_plugin *self)
{
    static const struct {
        const char *method, *path;
        cami_http_handler handler;
    } routes[] = {
        { "GET", "/hello", get_hello },
        { "GET", "/hello/{name}", get_hello_name },
        { "POST", "/hello/echo", post_echo },
        { "GET", "/hello/slow", get_slow },   /* literal segments beat {name} */
        { "GET", "/hello/work", get_work },
    };
    json_t *world;
    int rc;

    hello.self = self;
    /* Both keys have defaults: these fail only if code and schema disagree. */
    hello.greeting = cami_config_string(self, "greeting");
    rc = cami_config_int(self, "slow_max_ms", &hello.slow_max_ms);
    if (hello.greeting == NULL || rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "config schema and code disagree (%d)", rc);
        return CAMI_EINVAL;
    }
    if (hello.slow_max_ms < 0 || hello.slow_max_ms > SLOW_LIMIT_MS) {
        cami_log(self, CAMI_LOG_ERROR, "slow_max_ms must be from 0 to %d", SLOW_LIMIT_MS);
        return CAMI_EINVAL;
    }
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        rc = cami_route_add(self, routes[i].method, routes[i].path, routes[i].handler, NULL);
        if (rc != CAMI_OK) {
            cami_log(self, CAMI_LOG_ERROR, "cannot add route %s %s (%d)", routes[i].method,
                     routes[i].path, rc);
            return rc;
        }
    }
    /* A second plugin claiming the name makes the host refuse to load. */
    rc = cami_task_register(self, "hello.greet", task_greet, NULL);
    if (rc != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot register task hello.greet (%d)", rc);
        return rc;
    }
    /* Allocate last: after a failed init the host calls no fini to free it.
     * A greeting jansson cannot send is refused now, not on every request. */
    world = json_sprintf("%s, World!", hello.greeting);
    if (world == NULL) {
        cami_log(self, CAMI_LOG_ERROR, "greeting must be valid UTF-8 text");
        return CAMI_EINVAL;
    }
    world = json_pack("{s:o}", "message", world);
    hello.world = world != NULL ? json_dumps(world, JSON_COMPACT) : NULL;
    json_decref(world);
    if (hello.world == NULL)
        return CAMI_ENOMEM;
    hello.world_len = strlen(hello.world);
    cami_log(self, CAMI_LOG_DEBUG, "greeting is \"%s\"", hello.greeting);
    return CAMI_OK;
}

static void hello_fini(cami_plugin *self)
{
    free(hello.world);
    hello.world = NULL;
}

CAMI_PLUGIN(hello, "1.0.0", "Greets people; an example for plugin authors",
            .init = hello_init, .fini = hello_fini, .config_schema = hello_schema);
