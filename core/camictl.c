/*
 * camictl.c - the admin's command for the bus: publish an event or submit a
 * task to a running camid from the shell, through the partner endpoints of
 * the [bus] section of camid's own config (docs/BUS.md has the wire format).
 *
 *   camictl [-c FILE] [-t MS] publish TOPIC JSON
 *   camictl [-c FILE] [-t MS] task NAME JSON
 *
 * Exit status: 0 done (a task's result is printed on stdout); 1 camid said
 * no or did not answer (the reason on stderr: a task's error reply as JSON,
 * else a sentence); 2 a bad command line or config, so nothing was sent.
 */
#include "build-config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zmq.h>

#include "config.h"
#include "diag.h"

#define DEFAULT_CONFIG CAMI_SYSCONFDIR "/camid/camid.conf"
#define DEFAULT_TIMEOUT_MS 10000
/* camid's SUB announces its subscriptions as soon as we connect; if none
 * came within this, no camid listens there. */
#define SUBSCRIBE_WAIT_MS 2000
/* The subscriptions come in one burst: after this much quiet, that was all. */
#define SUBSCRIBE_QUIET_MS 200
/* How long closing waits for an event to be handed to camid. */
#define PUBLISH_LINGER_MS 2000
#define NAME_MAX_LEN 255
/* [""] [status] [body], and room to notice a reply that has more. */
#define REPLY_FRAMES 4

enum { EXIT_NO = 1, EXIT_USAGE = 2 };

/* A [bus] endpoint as camictl connects to it, and where it was set. */
typedef struct endpoint {
    const char *key;
    char *address;
    const char *file;
    int line;
} endpoint;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: camictl [-c FILE] [-t MS] publish TOPIC JSON\n"
            "       camictl [-c FILE] [-t MS] task NAME JSON\n"
            "       camictl --version | -h\n"
            "\n"
            "Sends an event or a task to a running camid through the partner endpoints\n"
            "of the [bus] section of its config (events_in, tasks_in).\n"
            "\n"
            "  publish TOPIC JSON   publish JSON (any JSON value) on TOPIC; refused when\n"
            "                       camid does not accept TOPIC ([bus] events_in_topics)\n"
            "  task NAME JSON       run task NAME with args JSON; print its result\n"
            "\n"
            "  -c, --config FILE    camid's config (default " DEFAULT_CONFIG ")\n"
            "  -t, --timeout MS     how long to wait for a task's reply (default %d)\n"
            "  -V, --version        print the version\n"
            "  -h, --help           this text\n"
            "\n"
            "Options come before the command. Exit status: 0 done; 1 camid refused, failed\n"
            "or did not answer (a task's error reply is printed on stderr as JSON);\n"
            "2 bad command line or config (nothing sent). Docs: docs/BUS.md.\n",
            DEFAULT_TIMEOUT_MS);
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Topics and task names: 1-255 bytes of [A-Za-z0-9._-] (docs/BUS.md). */
static int valid_name(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n <= NAME_MAX_LEN &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The argument must be JSON before anything is sent: say where it breaks. */
static int check_json(const char *what, const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);

    if (v != NULL) {
        json_decref(v);
        return 0;
    }
    fprintf(stderr, "camictl: invalid JSON in the %s: %s (line %d, column %d, position %d)\n",
            what, err.text, err.line, err.column, err.position);
    return -1;
}

/* camid binds; camictl connects: a wildcard bind address means this host. */
static char *connect_address(const char *bound)
{
    static const struct {
        const char *bind, *connect;
    } wild[] = {
        { "tcp://*:", "tcp://127.0.0.1:" },
        { "tcp://0.0.0.0:", "tcp://127.0.0.1:" },
        { "tcp://[::]:", "tcp://[::1]:" },
    };
    char *out;

    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        size_t n = strlen(wild[i].bind);

        if (strncmp(bound, wild[i].bind, n) == 0) {
            out = malloc(strlen(wild[i].connect) + strlen(bound + n) + 1);
            if (out != NULL) {
                strcpy(out, wild[i].connect);
                strcat(out, bound + n);
            }
            return out;
        }
    }
    return strdup(bound);
}

static int find_endpoint(const conf *c, const char *path, const char *key, endpoint *ep)
{
    const conf_section *s = conf_section_get(c, "bus");
    const conf_entry *e = s != NULL ? conf_entry_get(s, key) : NULL;

    if (e == NULL || e->value[0] == '\0') {
        fprintf(stderr, "camictl: %s (with its includes) sets no [bus] %s, so camid opens no "
                        "such endpoint; see docs/BUS.md\n", path, key);
        return -1;
    }
    ep->key = key;
    ep->file = e->file;
    ep->line = e->line;
    ep->address = connect_address(e->value);
    if (ep->address == NULL) {
        fprintf(stderr, "camictl: out of memory\n");
        return -1;
    }
    return 0;
}

/* A socket connected to ep, or NULL after saying why (file:line of the key). */
static void *open_socket(void *ctx, int type, const endpoint *ep, int linger_ms)
{
    void *s = zmq_socket(ctx, type);
    int one = 1;

    if (s == NULL) {
        fprintf(stderr, "camictl: cannot create a ZeroMQ socket: %s\n", zmq_strerror(zmq_errno()));
        return NULL;
    }
    if (zmq_setsockopt(s, ZMQ_LINGER, &linger_ms, sizeof linger_ms) != 0 ||
        zmq_setsockopt(s, ZMQ_IPV6, &one, sizeof one) != 0 || zmq_connect(s, ep->address) != 0) {
        fprintf(stderr, "camictl: %s:%d: %s = %s: cannot connect: %s\n", ep->file, ep->line,
                ep->key, ep->address, zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Wait until s is readable or the deadline passes: 1, 0, or -1 on error. */
static int wait_readable(void *s, long long deadline)
{
    for (;;) {
        zmq_pollitem_t item = { s, 0, ZMQ_POLLIN, 0 };
        long long left = deadline - now_ms();
        int rc;

        if (left <= 0)
            return 0;
        rc = zmq_poll(&item, 1, (long)left);
        if (rc > 0)
            return 1;
        if (rc < 0 && zmq_errno() != EINTR) {
            fprintf(stderr, "camictl: zmq_poll: %s\n", zmq_strerror(zmq_errno()));
            return -1;
        }
    }
}

/* ---- publish --------------------------------------------------------------- */

/* Note a subscription notice ("\1prefix") in the list ("'a.', 'b.'", for
 * the message when none admits the topic); 1 when it admits topic. */
static int note_subscription(char *list, size_t size, zmq_msg_t *msg, const char *topic)
{
    const char *data = zmq_msg_data(msg);
    size_t len = zmq_msg_size(msg), used = strlen(list);

    if (len == 0 || data[0] != 1)   /* an unsubscription: camid never sends one */
        return 0;
    if (used < size)
        (void)snprintf(list + used, size - used, "%s'%.*s'", used > 0 ? ", " : "",
                       (int)(len - 1), data + 1);
    return strlen(topic) >= len - 1 && memcmp(topic, data + 1, len - 1) == 0;
}

/*
 * An XPUB socket hears the subscriptions of the SUB it connects to, so
 * camictl knows whether camid accepts the topic before it publishes, and
 * only publishes once camid's SUB is connected (a PUB would drop the event
 * while the connection is still being made).
 */
static int publish(void *ctx, const endpoint *ep, const char *topic, const char *json,
                   long timeout_ms)
{
    long long start = now_ms(), deadline;
    char prefixes[1024] = "";
    int admitted = 0, heard = 0, rc = EXIT_NO;
    void *s = open_socket(ctx, ZMQ_XPUB, ep, PUBLISH_LINGER_MS);

    if (s == NULL)
        return EXIT_USAGE;
    deadline = start + (timeout_ms < SUBSCRIBE_WAIT_MS ? timeout_ms : SUBSCRIBE_WAIT_MS);
    while (!admitted && wait_readable(s, deadline) > 0) {
        zmq_msg_t msg;

        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) >= 0) {
            admitted = note_subscription(prefixes, sizeof prefixes, &msg, topic);
            deadline = now_ms() + SUBSCRIBE_QUIET_MS;
            heard = 1;
        }
        zmq_msg_close(&msg);
    }
    if (!heard) {
        fprintf(stderr, "camictl: no camid listens on %s ([bus] %s, %s:%d): nothing subscribed "
                        "within %lld ms; is camid running with this config?\n", ep->address,
                ep->key, ep->file, ep->line, now_ms() - start);
    } else if (!admitted) {
        fprintf(stderr, "camictl: camid does not accept topic '%s' on %s; it accepts topics "
                        "starting with %s ([bus] events_in_topics)\n", topic, ep->address,
                prefixes);
    } else if (zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE) < 0 ||
               zmq_send(s, json, strlen(json), 0) < 0) {
        fprintf(stderr, "camictl: cannot send the event to %s: %s\n", ep->address,
                zmq_strerror(zmq_errno()));
    } else {
        rc = 0;
    }
    /* The linger set above lets zmq_ctx_term hand the event over first. */
    zmq_close(s);
    return rc;
}

/* ---- task -------------------------------------------------------------------- */

/* Print JSON text (jansson's one-line form) to out; 0, or -1 if it is not JSON. */
static int print_json(FILE *out, const char *data, size_t len)
{
    json_t *v = json_loadb(data, len, JSON_DECODE_ANY, NULL);
    char *text = v != NULL ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

    json_decref(v);
    if (text == NULL)
        return -1;
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}

/* [""] ["ok"|"error"][JSON] (docs/BUS.md). */
static int show_reply(zmq_msg_t *f, size_t n)
{
    size_t i = n > 0 && zmq_msg_size(&f[0]) == 0 ? 1 : 0;
    const char *status, *body;
    size_t slen, blen;

    if (n - i != 2)
        goto bad;
    status = zmq_msg_data(&f[i]);
    slen = zmq_msg_size(&f[i]);
    body = zmq_msg_data(&f[i + 1]);
    blen = zmq_msg_size(&f[i + 1]);
    if (slen == 2 && memcmp(status, "ok", 2) == 0 && print_json(stdout, body, blen) == 0)
        return 0;
    if (slen == 5 && memcmp(status, "error", 5) == 0 && print_json(stderr, body, blen) == 0)
        return EXIT_NO;
bad:
    fprintf(stderr, "camictl: camid's reply is not [\"ok\"|\"error\"][JSON] (%zu frames)\n", n);
    return EXIT_NO;
}

static int recv_reply(void *s)
{
    zmq_msg_t f[REPLY_FRAMES];
    size_t n = 0, total = 0;
    int more = 1, rc;

    while (more) {
        zmq_msg_t scratch, *m = n < REPLY_FRAMES ? &f[n] : &scratch;

        zmq_msg_init(m);
        if (zmq_msg_recv(m, s, 0) < 0) {
            fprintf(stderr, "camictl: receiving the reply: %s\n", zmq_strerror(zmq_errno()));
            zmq_msg_close(m);
            for (size_t i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            return EXIT_NO;
        }
        more = zmq_msg_more(m);
        total++;
        if (m == &scratch)
            zmq_msg_close(m);
        else
            n++;
    }
    rc = show_reply(f, total == n ? n : REPLY_FRAMES + 1);
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
    return rc;
}

/* A DEALER that sends the empty delimiter a REQ would: the reply comes back
 * with it, and a late reply after a timeout cannot confuse anyone. */
static int task(void *ctx, const endpoint *ep, const char *name, const char *json,
                long timeout_ms)
{
    void *s = open_socket(ctx, ZMQ_DEALER, ep, 0);
    int rc;

    if (s == NULL)
        return EXIT_USAGE;
    if (zmq_send(s, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(s, name, strlen(name), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(s, json, strlen(json), ZMQ_DONTWAIT) < 0) {
        fprintf(stderr, "camictl: cannot send the task to %s: %s\n", ep->address,
                zmq_strerror(zmq_errno()));
        zmq_close(s);
        return EXIT_NO;
    }
    rc = wait_readable(s, now_ms() + timeout_ms);
    if (rc > 0)
        rc = recv_reply(s);
    else if (rc == 0) {
        fprintf(stderr, "camictl: no reply from camid at %s ([bus] %s, %s:%d) within %ld ms; "
                        "is camid running with this config? (--timeout MS waits longer)\n",
                ep->address, ep->key, ep->file, ep->line, timeout_ms);
        rc = EXIT_NO;
    } else {
        rc = EXIT_NO;
    }
    zmq_close(s);
    return rc;
}

/* ---- main ------------------------------------------------------------------------- */

static int parse_timeout(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > 86400000L)
        return -1;
    *out = v;
    return 0;
}

/* Check the command line, load the config, send. */
static int run(const char *config, long timeout_ms, const char *cmd, const char *name,
               const char *json)
{
    int is_task = strcmp(cmd, "task") == 0;
    endpoint ep = { NULL, NULL, NULL, 0 };
    void *ctx;
    conf *c;
    diag d;
    int rc;

    if (!valid_name(name)) {
        fprintf(stderr, "camictl: %s '%s' is not 1-255 characters of A-Z a-z 0-9 . _ -\n",
                is_task ? "task name" : "topic", name);
        return EXIT_USAGE;
    }
    if (check_json(is_task ? "task's args" : "event's payload", json) != 0)
        return EXIT_USAGE;
    diag_init(&d);
    c = conf_load(config, &d);
    if (c == NULL) {
        diag_print(&d, stderr, "camictl: ");
        diag_free(&d);
        return EXIT_USAGE;
    }
    diag_free(&d);
    /* The conf stays loaded: ep.file points into it. */
    if (find_endpoint(c, config, is_task ? "tasks_in" : "events_in", &ep) != 0) {
        conf_free(c);
        return EXIT_USAGE;
    }
    ctx = zmq_ctx_new();
    if (ctx == NULL) {
        fprintf(stderr, "camictl: cannot create a ZeroMQ context: %s\n",
                zmq_strerror(zmq_errno()));
        rc = EXIT_NO;
    } else {
        if (is_task)
            rc = task(ctx, &ep, name, json, timeout_ms);
        else
            rc = publish(ctx, &ep, name, json, timeout_ms);
        zmq_ctx_term(ctx);
    }
    free(ep.address);
    conf_free(c);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "timeout", required_argument, NULL, 't' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *config = DEFAULT_CONFIG;
    long timeout_ms = DEFAULT_TIMEOUT_MS;
    int ch;

    /* "+": options end at the command, so a JSON argument like -1 is data. */
    while ((ch = getopt_long(argc, argv, "+c:t:Vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 't':
            if (parse_timeout(optarg, &timeout_ms) != 0) {
                fprintf(stderr, "camictl: --timeout '%s': expected milliseconds, 1 to 86400000\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'V':
            printf("camictl %s (camid's bus, docs/BUS.md)\n", PACKAGE_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 3 ||
        (strcmp(argv[optind], "publish") != 0 && strcmp(argv[optind], "task") != 0)) {
        if (argc - optind >= 1 && strcmp(argv[optind], "publish") != 0 &&
            strcmp(argv[optind], "task") != 0)
            fprintf(stderr, "camictl: unknown command '%s' (publish or task)\n", argv[optind]);
        else
            fprintf(stderr, "camictl: expected: publish TOPIC JSON, or task NAME JSON\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    return run(config, timeout_ms, argv[optind], argv[optind + 1], argv[optind + 2]);
}
