/*
 * abi.h - ABI version, return codes and the opaque handle types.
 * Since ABI 1.0.
 */
#ifndef CAMI_ABI_H
#define CAMI_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this SDK describes. A host loads a plugin when the plugin's major
 * equals the host's and the plugin's minor is not newer than the host's. */
#define CAMI_ABI_MAJOR 1
#define CAMI_ABI_MINOR 2

/* "CAMI" in ASCII: the first field of every plugin descriptor. */
#define CAMI_PLUGIN_MAGIC 0x43414D49u

/* The one symbol a plugin exports; see CAMI_PLUGIN() in plugin.h. */
#define CAMI_PLUGIN_ENTRY_SYMBOL "cami_plugin_entry"

#if defined(__GNUC__)
#define CAMI_EXPORT __attribute__((visibility("default")))
#define CAMI_HIDDEN __attribute__((visibility("hidden")))
#define CAMI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CAMI_EXPORT
#define CAMI_HIDDEN
#define CAMI_PRINTF(f, a)
#endif

/* Return codes shared by every host call that returns int. Zero is success;
 * errors are negative. Since ABI 1.0. */
enum cami_status {
    CAMI_OK = 0,
    CAMI_PENDING = 1,      /* handler: "I will answer later" (see http.h) */
    CAMI_EINVAL = -22,     /* a bad argument: NULL, malformed name, bad type */
    CAMI_ENOMEM = -12,     /* allocation failed */
    CAMI_EEXIST = -17,     /* already registered (route, service, ...) */
    CAMI_ENOENT = -2,      /* no such key, service, parameter */
    CAMI_ESTATE = -77,     /* called in the wrong lifecycle phase or thread */
    CAMI_ENOTSUP = -95,    /* the host does not offer this service */
    CAMI_EFAIL = -1,       /* anything else; the host has logged why */
    CAMI_ETIMEDOUT = -110, /* no answer in time (bus, since ABI 1.1) */
    CAMI_EBUSY = -16       /* a queue is full; try again later (bus, since ABI 1.1) */
};

/* Opaque handles. Their layout is the host's business and never public.
 *   cami_plugin  - the calling plugin's identity; passed to every host call so
 *                  the host can attribute logs, counters and errors to it.
 *   cami_request - one HTTP exchange: the request and the response being built.
 *   cami_timer   - a timer started with cami_timer_start().
 * Since ABI 1.0. */
typedef struct cami_plugin cami_plugin;
typedef struct cami_request cami_request;
typedef struct cami_timer cami_timer;
/* One task being handled on the bus, and one event being delivered (see
 * bus.h). Since ABI 1.1. */
typedef struct cami_task cami_task;
typedef struct cami_event cami_event;
/* A file descriptor watched on the loop (see async.h). Since ABI 1.2. */
typedef struct cami_fd_watch cami_fd_watch;

/* What a watched descriptor is ready for (bits). Since ABI 1.2. */
enum cami_fd_events {
    CAMI_FD_READ = 1,
    CAMI_FD_WRITE = 2,
    CAMI_FD_ERROR = 4      /* only reported, never asked for */
};

#ifdef __cplusplus
}
#endif
#endif
