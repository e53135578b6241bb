/*
 * frames.h - the bus's wire format on partner endpoints (docs/BUS.md),
 * as pure functions over frames, so it is unit-tested without sockets.
 *
 *   event:         [topic][payload JSON]
 *   task request:  [identity] [""]? [name][args JSON]     (as a ROUTER sees it)
 *   task reply:    [identity] [""]? ["ok"][result JSON]
 *                  [identity] [""]? ["error"][{"error": text, "code": code}]
 */
#ifndef CORE_BUS_FRAMES_H
#define CORE_BUS_FRAMES_H

#include <stddef.h>

#include <jansson.h>

typedef struct frame {
    const char *data;
    size_t len;
} frame;

/* Check an incoming event: two frames, a valid topic, a payload that is
 * one JSON value (checked, not parsed: see jsoncheck.h). 0, or -1 with a
 * reason in err. */
int frames_check_event(const frame *f, size_t n, char *err, size_t errlen);

/* Split a task request as received by a ROUTER. On success returns 0 and
 * sets *has_delim, *name (frame index of the name) and *args (new reference).
 * On failure returns -1 with a reason in err, and *has_delim is still set
 * when the envelope itself was readable (so an error reply can be sent);
 * returns -2 when not even an identity frame is there (no reply possible). */
int frames_parse_task(const frame *f, size_t n, int *has_delim, size_t *name, json_t **args,
                      char *err, size_t errlen);

/* The error reply's second frame: {"error": text, "code": code}, compact.
 * Caller frees. NULL when out of memory. */
char *frames_error_body(const char *code, const char *text);

#endif
