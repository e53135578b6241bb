/* frames.c - see frames.h. */
#include "bus/frames.h"

#include <stdio.h>
#include <string.h>

#include "bus/jsoncheck.h"
#include "bus/topic.h"

static json_t *parse_json(const frame *f, const char *what, char *err, size_t errlen)
{
    json_error_t e;
    json_t *v = json_loadb(f->data, f->len, JSON_DECODE_ANY, &e);
    if (!v)
        snprintf(err, errlen, "%s is not JSON: %s (line %d, column %d)", what, e.text, e.line,
                 e.column);
    return v;
}

int frames_check_event(const frame *f, size_t n, char *err, size_t errlen)
{
    if (n != 2) {
        snprintf(err, errlen, "an event is 2 frames [topic][payload], got %zu", n);
        return -1;
    }
    if (!bus_name_valid(f[0].data, f[0].len)) {
        snprintf(err, errlen, "the topic is not 1-255 bytes of A-Z a-z 0-9 . _ -");
        return -1;
    }
    size_t where = 0;
    const char *why = NULL;
    if (json_check(f[1].data, f[1].len, &where, &why) < 0) {
        snprintf(err, errlen, "the payload is not JSON: %s (at byte %zu)", why, where);
        return -1;
    }
    return 0;
}

int frames_parse_task(const frame *f, size_t n, int *has_delim, size_t *name, json_t **args,
                      char *err, size_t errlen)
{
    *has_delim = 0;
    *args = NULL;
    if (n < 1 || f[0].len == 0) {
        snprintf(err, errlen, "no identity frame");
        return -2;
    }
    size_t i = 1;
    if (i < n && f[i].len == 0) {
        *has_delim = 1;
        i++;
    }
    if (n - i != 2) {
        snprintf(err, errlen, "a task request is 2 frames [name][args JSON] (after an optional "
                              "empty delimiter), got %zu", n - i);
        return -1;
    }
    if (!bus_name_valid(f[i].data, f[i].len)) {
        snprintf(err, errlen, "the task name is not 1-255 bytes of A-Z a-z 0-9 . _ -");
        return -1;
    }
    *name = i;
    *args = parse_json(&f[i + 1], "the arguments frame", err, errlen);
    return *args ? 0 : -1;
}

char *frames_error_body(const char *code, const char *text)
{
    json_t *o = json_pack("{s:s, s:s}", "error", text ? text : "error", "code", code);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}
