/*
 * supervisor.h - the main process: binds the listeners, forks the workers,
 * replaces a worker that dies (naming the plugin it was running), and on
 * SIGTERM/SIGINT has every worker drain before it exits.
 *
 * It runs no event loop and no plugin code itself, so a plugin cannot take
 * it down; it waits for signals with sigtimedwait().
 */
#ifndef CORE_SUPERVISOR_H
#define CORE_SUPERVISOR_H

#include "runtime.h"

/* Returns the process exit status: 0 after a clean drain, 1 otherwise. */
int supervisor_run(runtime *rt);

#endif
