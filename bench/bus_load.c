/*
 * bus_load.c - the load side of bench/bus.sh, and the plain libzmq pairs it
 * compares camid with. Built by the script itself:
 *   cc -O2 -o bus_load bench/bus_load.c $(pkg-config --cflags --libs libzmq)
 *
 *   bus_load pub ENDPOINT N     N events [bench.x][payload] to camid's
 *                               events_in; waits for camid's subscription
 *                               first (an XPUB hears it), never drops one
 *   bus_load tasks ENDPOINT N W N bench.echo tasks to camid's tasks_in from
 *                               a DEALER keeping W outstanding; prints
 *                               "tasks_per_s X"
 *   bus_load pair N             the same N events through a plain PUSH/PULL
 *                               pair over TCP loopback (two threads, two
 *                               contexts); prints "events_per_s X", measured
 *                               at the receiver from the first to the last
 *   bus_load echo N W           the tasks client against a plain ROUTER that
 *                               echoes; prints "tasks_per_s X"
 *
 * Every figure is measured as camid's is: from the first message handled to
 * the last. Exit status 1 on any failure, with a message on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#define TOPIC "bench.x"
#define TASK "bench.echo"
/* A small measurement, like the original CAMI's broadcast of a weight. */
#define PAYLOAD "{\"user\":42,\"kind\":\"weight\",\"value\":71.5}"
/* camid's default send_hwm/recv_hwm: the pairs get the same buffers. */
#define HWM 10000

static void die(const char *what)
{
    fprintf(stderr, "bus_load: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long count_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v <= 0) {
        fprintf(stderr, "bus_load: '%s' is not a positive number\n", s);
        exit(2);
    }
    return v;
}

static void *socket_with_hwm(void *ctx, int type)
{
    void *s = zmq_socket(ctx, type);
    int hwm = HWM, linger = 5000;

    if (s == NULL || zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0)
        die("zmq_socket");
    return s;
}

static void pause_us(long us)
{
    struct timespec ts = { 0, us * 1000 };

    nanosleep(&ts, NULL);
}

/* ---- events into camid --------------------------------------------------------- */

static int pub(const char *endpoint, long n)
{
    void *ctx = zmq_ctx_new();
    void *s = socket_with_hwm(ctx, ZMQ_XPUB);
    int one = 1;
    char sub[256];

    /* At the high-water mark, wait instead of dropping: every event counts. */
    if (zmq_setsockopt(s, ZMQ_XPUB_NODROP, &one, sizeof one) != 0 ||
        zmq_connect(s, endpoint) != 0)
        die(endpoint);
    /* camid's SUB sends its subscription once connected: before that, a
     * publisher would send into the void. */
    if (zmq_recv(s, sub, sizeof sub, 0) < 0)
        die("waiting for camid's subscription");
    for (long i = 0; i < n; i++) {
        while (zmq_send(s, TOPIC, sizeof TOPIC - 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            if (zmq_errno() != EAGAIN)
                die("zmq_send");
            pause_us(20);   /* camid is behind: let it read */
        }
        if (zmq_send(s, PAYLOAD, sizeof PAYLOAD - 1, 0) < 0)
            die("zmq_send");
    }
    zmq_close(s);   /* the linger hands the rest over */
    zmq_ctx_term(ctx);
    return 0;
}

/* ---- the tasks client (camid or the plain echo) ---------------------------------- */

static void send_task(void *s)
{
    if (zmq_send(s, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(s, TASK, sizeof TASK - 1, ZMQ_SNDMORE) < 0 ||
        zmq_send(s, PAYLOAD, sizeof PAYLOAD - 1, 0) < 0)
        die("sending a task");
}

/* One reply: [""]["ok"][result]; anything else is a failure. */
static void recv_reply(void *s)
{
    char buf[512];
    int frames = 0, more = 1, ok = 0;
    size_t len = sizeof more;

    while (more) {
        int n = zmq_recv(s, buf, sizeof buf, 0);

        if (n < 0)
            die("receiving a reply");
        if (frames == 1)
            ok = n == 2 && memcmp(buf, "ok", 2) == 0;
        frames++;
        if (zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len) != 0)
            die("ZMQ_RCVMORE");
    }
    if (frames != 3 || !ok) {
        fprintf(stderr, "bus_load: a task failed (%d frames, ok=%d)\n", frames, ok);
        exit(1);
    }
}

static double run_tasks(void *ctx, const char *endpoint, long n, long window)
{
    void *s = socket_with_hwm(ctx, ZMQ_DEALER);
    long sent = 0, done = 0;
    double t0;

    if (zmq_connect(s, endpoint) != 0)
        die(endpoint);
    /* One round trip first, so connecting is not measured. */
    send_task(s);
    recv_reply(s);
    t0 = now_s();
    for (; sent < window && sent < n; sent++)
        send_task(s);
    while (done < n) {
        recv_reply(s);
        done++;
        if (sent < n) {
            send_task(s);
            sent++;
        }
    }
    t0 = (double)n / (now_s() - t0);
    zmq_close(s);
    return t0;
}

static int tasks(const char *endpoint, long n, long window)
{
    void *ctx = zmq_ctx_new();

    printf("tasks_per_s %.0f\n", run_tasks(ctx, endpoint, n, window));
    zmq_ctx_term(ctx);
    return 0;
}

/* ---- the plain pairs --------------------------------------------------------------- */

struct peer {
    char endpoint[128];
    long n;
};

static void *push_events(void *arg)
{
    const struct peer *p = arg;
    void *ctx = zmq_ctx_new();
    void *s = socket_with_hwm(ctx, ZMQ_PUSH);

    if (zmq_connect(s, p->endpoint) != 0)
        die(p->endpoint);
    for (long i = 0; i < p->n; i++)
        if (zmq_send(s, TOPIC, sizeof TOPIC - 1, ZMQ_SNDMORE) < 0 ||
            zmq_send(s, PAYLOAD, sizeof PAYLOAD - 1, 0) < 0)
            die("zmq_send");
    zmq_close(s);
    zmq_ctx_term(ctx);
    return NULL;
}

static void bind_any(void *s, struct peer *p)
{
    size_t len = sizeof p->endpoint;

    if (zmq_bind(s, "tcp://127.0.0.1:*") != 0 ||
        zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, p->endpoint, &len) != 0)
        die("binding on loopback");
}

static int pair(long n)
{
    void *ctx = zmq_ctx_new();
    void *s = socket_with_hwm(ctx, ZMQ_PULL);
    struct peer p = { "", n };
    char topic[64], payload[256];
    double first = 0, last = 0;
    pthread_t t;

    bind_any(s, &p);
    if (pthread_create(&t, NULL, push_events, &p) != 0) {
        fprintf(stderr, "bus_load: pthread_create failed\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        if (zmq_recv(s, topic, sizeof topic, 0) < 0 || zmq_recv(s, payload, sizeof payload, 0) < 0)
            die("zmq_recv");
        last = now_s();
        if (i == 0)
            first = last;
    }
    pthread_join(t, NULL);
    printf("events_per_s %.0f\n", n > 1 ? (double)(n - 1) / (last - first) : 0.0);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

/* A ROUTER that answers every [id][""][name][args] with [id][""]["ok"][args],
 * until a message with the name "stop". */
static void *echo_server(void *arg)
{
    void *s = arg;

    for (;;) {
        zmq_msg_t f[4];
        int more = 1, n = 0;

        while (more) {
            zmq_msg_t scratch, *m = n < 4 ? &f[n] : &scratch;

            zmq_msg_init(m);
            if (zmq_msg_recv(m, s, 0) < 0)
                die("echo: zmq_msg_recv");
            more = zmq_msg_more(m);
            if (m == &scratch)
                zmq_msg_close(m);
            else
                n++;
        }
        if (n == 4 && zmq_msg_size(&f[2]) == 4 && memcmp(zmq_msg_data(&f[2]), "stop", 4) == 0) {
            for (int i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            return NULL;
        }
        if (n != 4 || zmq_msg_send(&f[0], s, ZMQ_SNDMORE) < 0 ||
            zmq_msg_send(&f[1], s, ZMQ_SNDMORE) < 0 || zmq_send(s, "ok", 2, ZMQ_SNDMORE) < 0 ||
            zmq_msg_send(&f[3], s, 0) < 0)
            die("echo: a bad request or a failed send");
        zmq_msg_close(&f[2]);
    }
}

static int echo(long n, long window)
{
    void *ctx = zmq_ctx_new();
    void *router = socket_with_hwm(ctx, ZMQ_ROUTER);
    void *stop;
    struct peer p = { "", n };
    double rate;
    pthread_t t;

    bind_any(router, &p);
    if (pthread_create(&t, NULL, echo_server, router) != 0) {
        fprintf(stderr, "bus_load: pthread_create failed\n");
        return 1;
    }
    rate = run_tasks(ctx, p.endpoint, n, window);
    stop = socket_with_hwm(ctx, ZMQ_DEALER);
    if (zmq_connect(stop, p.endpoint) != 0 || zmq_send(stop, "", 0, ZMQ_SNDMORE) < 0 ||
        zmq_send(stop, "stop", 4, ZMQ_SNDMORE) < 0 || zmq_send(stop, "{}", 2, 0) < 0)
        die("stopping the echo server");
    pthread_join(t, NULL);
    printf("tasks_per_s %.0f\n", rate);
    zmq_close(stop);
    zmq_close(router);
    zmq_ctx_term(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "pub") == 0)
        return pub(argv[2], count_arg(argv[3]));
    if (argc == 5 && strcmp(argv[1], "tasks") == 0)
        return tasks(argv[2], count_arg(argv[3]), count_arg(argv[4]));
    if (argc == 3 && strcmp(argv[1], "pair") == 0)
        return pair(count_arg(argv[2]));
    if (argc == 4 && strcmp(argv[1], "echo") == 0)
        return echo(count_arg(argv[2]), count_arg(argv[3]));
    fprintf(stderr, "usage: bus_load pub ENDPOINT N | tasks ENDPOINT N WINDOW | pair N | "
                    "echo N WINDOW\n");
    return 2;
}
