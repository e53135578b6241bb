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

#endif
