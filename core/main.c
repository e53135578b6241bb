/*
 * main.c - camid's command line.
 *
 *   camid [-c FILE]              run (supervisor + workers)
 *   camid -t [-c FILE]           check the config and every plugin, then exit
 *   camid --plugin-info PATH.so  describe a plugin without running it
 *   camid --version | -h
 */
#include "build-config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bus/bus.h"
#include "host_api.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "runtime.h"
#include "supervisor.h"
#include "worker.h"

#define DEFAULT_CONFIG CAMI_SYSCONFDIR "/camid/camid.conf"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: camid [-c FILE]              serve, as the config says\n"
            "       camid -t [-c FILE]           check the config and its plugins, then exit\n"
            "       camid --plugin-info PATH.so  describe a plugin without running it\n"
            "       camid --migrate [-c FILE]    apply pending database migrations, then exit\n"
            "       camid --run-task NAME [JSON] [-c FILE]  run one bus task, print its result\n"
            "       camid --version | -h\n"
            "\n"
            "  -c, --config FILE    main config file (default " DEFAULT_CONFIG ")\n"
            "  -t, --test           load everything, run the plugins' init, report problems\n"
            "                       with file:line, exit 0 when all is well, else 1\n"
            "      --plugin-info    print name, version, ABI, dependencies, config schema\n"
            "      --migrate        start the plugins without listeners, run the task\n"
            "                       store.migrate (the store plugin's migrations), stop\n"
            "      --run-task NAME  the same for any bus task; JSON (default {}) is its args\n"
            "  -V, --version        print the version and the plugin ABI\n"
            "  -h, --help           this text\n"
            "\n"
            "Signals: SIGTERM/SIGINT drain in-flight requests and exit 0.\n"
            "Docs: docs/ADMIN.md (config), docs/PLUGIN-GUIDE.md (writing plugins).\n");
}

static const char *type_name(cami_config_type t)
{
    switch (t) {
    case CAMI_CONFIG_STRING: return "string";
    case CAMI_CONFIG_INT: return "integer";
    case CAMI_CONFIG_BOOL: return "boolean";
    case CAMI_CONFIG_DOUBLE: return "number";
    case CAMI_CONFIG_LIST: return "list";
    }
    return "?";
}

static int plugin_info(const char *path)
{
    diag d;
    diag_init(&d);
    struct cami_plugin *p = loader_open(path, &host_api_table, &d);
    if (!p) {
        diag_print(&d, stderr, "camid: ");
        diag_free(&d);
        return 1;
    }
    const cami_plugin_desc *ds = &p->desc;
    printf("name:         %s\n", ds->name);
    printf("version:      %s\n", ds->version);
    printf("description:  %s\n", ds->description ? ds->description : "");
    printf("abi:          %u.%u (this camid: %u.%u)\n", ds->abi_major, ds->abi_minor,
           CAMI_ABI_MAJOR, CAMI_ABI_MINOR);
    printf("file:         %s\n", p->path);
    printf("dependencies:");
    int any = 0;
    for (const cami_dependency *dep = ds->dependencies; dep && dep->name; dep++) {
        printf(" %s%s", dep->name, dep->optional ? " (optional)" : "");
        any = 1;
    }
    printf("%s\n", any ? "" : " none");
    printf("config:       [plugin.%s]%s\n", ds->name,
           ds->config_schema && ds->config_schema->key ? "" : " (no keys of its own)");
    for (const cami_config_key *k = ds->config_schema; k && k->key; k++)
        printf("  %-22s %-8s %s%s%s%s  %s\n", k->key, type_name(k->type),
               k->required ? "required" : "default ", k->required ? "" : "\"",
               k->required ? "" : (k->default_value ? k->default_value : ""),
               k->required ? "" : "\"", k->doc ? k->doc : "");
    printf("  %-22s %-8s %s  %s\n", "module", "string", "default \"<name>\"",
           "(host) plugin file: a name in plugin_dir or a path");
    printf("  %-22s %-8s %s  %s\n", "listeners", "list", "default all",
           "(host) listeners this plugin's routes are served on");
    loader_close(p);
    diag_free(&d);
    return 0;
}

/* Each connection is a descriptor: take the hard limit, and say so when
 * max_connections cannot be reached under it. */
static void raise_fd_limit(const runtime *rt)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rt->limits.max_connections + 64 > rl.rlim_cur)
        log_warn("max_connections = %u but the descriptor limit is %llu: beyond about %llu "
                 "connections per worker, accepts fail; raise the limit (ulimit -n, systemd "
                 "LimitNOFILE) or lower max_connections",
                 rt->limits.max_connections, (unsigned long long)rl.rlim_cur,
                 (unsigned long long)(rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 0));
}

/* Load the config and plugins; with check_only, also run init to catch
 * refused registrations, then fini. */
static int prepare(runtime *rt, const char *path, int check_only)
{
    diag d;
    diag_init(&d);
    conf *c = conf_load(path, &d);
    int problems = 0;
    if (!c) {
        problems = d.count ? (int)d.count : 1;
        if (!d.count)
            diag_add(&d, "%s: cannot be read", path);
    } else {
        problems += runtime_configure(rt, c, &d);
        log_set_level(rt->log_level);
        if (!problems)
            problems += runtime_load_plugins(rt, &d);
        if (!problems && check_only) {
            if (metrics_init(1) < 0)
                diag_add(&d, "cannot map shared memory for metrics");
            bus_init(NULL, &rt->bus);
            problems += runtime_init_plugins(rt, &d);
            runtime_fini_plugins(rt);
            bus_free();
        }
    }
    diag_print(&d, stderr, "camid: ");
    diag_free(&d);
    return problems;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"test", no_argument, NULL, 't'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"plugin-info", required_argument, NULL, 'P'},
                                         {"migrate", no_argument, NULL, 'M'},
                                         {"run-task", required_argument, NULL, 'R'},
                                         {NULL, 0, NULL, 0}};
    const char *config = DEFAULT_CONFIG;
    int test = 0, ch;
    const char *task = NULL;
    while ((ch = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': config = optarg; break;
        case 't': test = 1; break;
        case 'V':
            printf("camid %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, CAMI_ABI_MAJOR, CAMI_ABI_MINOR);
            return 0;
        case 'h': usage(stdout); return 0;
        case 'P': return plugin_info(optarg);
        case 'M': task = "store.migrate"; break;
        case 'R': task = optarg; break;
        default: usage(stderr); return 1;
        }
    }
    const char *task_args = NULL;
    if (task && strcmp(task, "store.migrate") != 0 && optind < argc)
        task_args = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "camid: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 1;
    }
    /* A client that goes away must not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    if (!test && !task) {
        /* From the first instruction on, SIGTERM/SIGINT mean "drain", also
         * while plugins load: the supervisor takes them with sigtimedwait(). */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);
    }

    runtime rt;
    memset(&rt, 0, sizeof(rt));
    int problems = prepare(&rt, config, test);
    if (task && !test) {
        int status = problems ? 1 : worker_run_task(&rt, task, task_args, 600000);
        runtime_free(&rt);
        return status;
    }
    if (!problems && !test)
        raise_fd_limit(&rt);
    if (test) {
        if (problems)
            fprintf(stderr, "camid: %s: %d problem(s) found\n", config, problems);
        else
            printf("camid: %s: configuration OK (%zu listener(s), %zu plugin(s), %zu route(s))\n",
                   config, rt.nlisteners, rt.plugins.count, runtime_route_count(&rt));
        runtime_free(&rt);
        metrics_shutdown();
        return problems ? 1 : 0;
    }
    if (problems) {
        fprintf(stderr, "camid: not started: fix the problems above (camid -t -c %s checks)\n",
                config);
        runtime_free(&rt);
        return 1;
    }
    int status = supervisor_run(&rt);
    runtime_free(&rt);
    metrics_shutdown();
    return status;
}
