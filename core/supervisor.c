/* supervisor.c - see supervisor.h. */
#include "build-config.h"

#include "supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "worker.h"

typedef struct slot {
    pid_t pid;
    time_t started;
    time_t respawn_at;     /* 0: not waiting */
    unsigned backoff;      /* seconds before the next restart after a quick crash */
} slot;

static int bind_all(runtime *rt)
{
    for (size_t i = 0; i < rt->nlisteners; i++) {
        char err[512];
        if (listener_bind(rt->listeners[i], rt->workers, 511, err, sizeof(err)) < 0) {
            log_error("%s", err);
            return -1;
        }
    }
    return 0;
}

/* A dead worker's sockets would keep queueing connections nobody accepts
 * (for up to the restart back-off): close them so the kernel sends those
 * clients to the other workers (or refuses them), and bind afresh for the
 * replacement. */
static void close_slot(runtime *rt, unsigned i)
{
    for (size_t k = 0; k < rt->nlisteners; k++)
        listener_close_slot(rt->listeners[k], i);
}

static int rebind_slot(runtime *rt, unsigned i)
{
    for (size_t k = 0; k < rt->nlisteners; k++) {
        char err[512];
        if (listener_rebind_slot(rt->listeners[k], i, 511, err, sizeof(err)) < 0) {
            log_error("%s; worker %u will be retried", err, i);
            return -1;
        }
    }
    return 0;
}

static void close_all_sockets(runtime *rt)
{
    for (size_t k = 0; k < rt->nlisteners; k++)
        listener_close_fds(rt->listeners[k], -1);
}

static pid_t spawn(runtime *rt, unsigned i)
{
    pid_t pid = fork();
    if (pid < 0) {
        log_error("cannot start worker %u: %s", i, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* A worker must not outlive its supervisor. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* Signals stay blocked until the worker's handlers are installed, so
         * a SIGTERM during start-up is a drain, not a kill. */
        exit(worker_run(rt, i));
    }
    return pid;
}

static void describe_exit(runtime *rt, unsigned i, pid_t pid, int status, int restarting)
{
    int pi = metrics_running_plugin(i);
    char where[160] = "";
    if (pi >= 0 && (size_t)pi < rt->plugins.count)
        snprintf(where, sizeof(where), " while running code of plugin '%s' (%s)",
                 rt->plugins.items[pi]->name, rt->plugins.items[pi]->path);
    if (WIFSIGNALED(status))
        log_error("worker %u (pid %d) was killed by signal %d (%s)%s%s", i, (int)pid,
                  WTERMSIG(status), strsignal(WTERMSIG(status)), where,
                  restarting ? "; starting a new one" : "");
    else
        log_error("worker %u (pid %d) exited with status %d%s%s", i, (int)pid, WEXITSTATUS(status),
                  where, restarting ? "; starting a new one" : "");
}

static int live_workers(const slot *slots, unsigned n)
{
    int live = 0;
    for (unsigned i = 0; i < n; i++)
        live += slots[i].pid > 0;
    return live;
}

int supervisor_run(runtime *rt)
{
    unsigned n = rt->workers;
    if (bind_all(rt) < 0)
        return 1;
    if (metrics_init(n) < 0) {
        log_error("cannot map shared memory for metrics: %s", strerror(errno));
        return 1;
    }
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);

    slot *slots = calloc(n, sizeof(*slots));
    if (!slots) {
        log_error("out of memory");
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        slots[i].pid = spawn(rt, i);
        slots[i].started = time(NULL);
        slots[i].backoff = 1;
        if (slots[i].pid < 0) {
            n = i;
            break;
        }
    }
    log_info("camid %s started %u worker(s)", PACKAGE_VERSION, n);

    int stopping = 0, status_out = 0;
    while (n && (!stopping || live_workers(slots, n))) {
        struct timespec ts = {1, 0};
        siginfo_t info;
        int sig = sigtimedwait(&set, &info, &ts);
        time_t now = time(NULL);
        if (sig == SIGTERM || sig == SIGINT) {
            if (!stopping)
                log_info("%s: asking %d worker(s) to drain", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                         live_workers(slots, n));
            stopping = 1;
            /* New connections are refused from now on rather than queued
             * for workers that are leaving. */
            close_all_sockets(rt);
            for (unsigned i = 0; i < n; i++)
                if (slots[i].pid > 0)
                    kill(slots[i].pid, SIGTERM);
        } else if (sig == SIGHUP) {
            log_warn("SIGHUP: reloading is not supported by this version; restart camid to apply "
                     "a new configuration (check it first with camid -t)");
        }
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
            for (unsigned i = 0; i < n; i++) {
                if (slots[i].pid != pid)
                    continue;
                slots[i].pid = 0;
                if (stopping) {
                    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                        describe_exit(rt, i, pid, st, 0);
                        status_out = 1;
                    }
                } else if (WIFEXITED(st) && WEXITSTATUS(st) == WORKER_EXIT_CONFIG) {
                    log_error("worker %u could not start its plugins (see above); stopping camid", i);
                    stopping = 1;
                    status_out = 1;
                    close_all_sockets(rt);
                    for (unsigned k = 0; k < n; k++)
                        if (slots[k].pid > 0)
                            kill(slots[k].pid, SIGTERM);
                } else {
                    describe_exit(rt, i, pid, st, 1);
                    close_slot(rt, i);
                    /* Crash loops back off: 1 s, 2 s, ... up to 30 s. */
                    if (now - slots[i].started < 10) {
                        slots[i].respawn_at = now + slots[i].backoff;
                        slots[i].backoff = slots[i].backoff * 2 > 30 ? 30 : slots[i].backoff * 2;
                    } else {
                        slots[i].respawn_at = now;
                        slots[i].backoff = 1;
                    }
                }
            }
        }
        for (unsigned i = 0; i < n && !stopping; i++) {
            if (slots[i].pid == 0 && slots[i].respawn_at && now >= slots[i].respawn_at) {
                slots[i].respawn_at = 0;
                if (rebind_slot(rt, i) < 0) {
                    slots[i].respawn_at = now + slots[i].backoff;
                    continue;
                }
                slots[i].pid = spawn(rt, i);
                slots[i].started = now;
                if (slots[i].pid < 0) {
                    slots[i].pid = 0;
                    slots[i].respawn_at = now + slots[i].backoff;
                }
            }
        }
    }
    free(slots);
    sigprocmask(SIG_SETMASK, &old, NULL);
    log_info("stopped");
    return status_out;
}
