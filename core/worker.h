/*
 * worker.h - one worker process: a libuv loop serving the listeners with
 * every plugin initialised and started in it.
 */
#ifndef CORE_WORKER_H
#define CORE_WORKER_H

#include "runtime.h"

/* Exit status of a worker whose plugins refused to start: the supervisor
 * then stops instead of restarting it (EX_CONFIG from sysexits.h). */
#define WORKER_EXIT_CONFIG 78

/* Run until SIGTERM/SIGINT has drained it. Returns the process exit status. */
int worker_run(runtime *rt, unsigned slot);

/*
 * One-shot: start every plugin in this process without listeners or partner
 * endpoints, run bus task `name` with `args` (JSON text, NULL: {}), print
 * its result on stdout (or its error on stderr), stop the plugins. For admin
 * jobs such as `camid --migrate` (task store.migrate). Returns 0 when the
 * task answered a result, 1 otherwise.
 */
int worker_run_task(runtime *rt, const char *name, const char *args, uint64_t timeout_ms);

#endif
