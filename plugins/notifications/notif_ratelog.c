/*
 * notif_ratelog.c - log lines that could repeat for every event or every
 * poll (a partner sending bad payloads, the database away) are held to one
 * per 10 seconds per kind, and the next line says how many were held back:
 * the log stays readable and the count stays true.
 */
#include <stdarg.h>
#include <stdio.h>

#include "notif_state.h"

#define RATELOG_MS 10000

static struct {
    uint64_t last_ms;
    uint64_t held;
    int used;
} slots[RL_COUNT];

void ratelog(enum ratelog_slot slot, int level, const char *fmt, ...)
{
    uint64_t now = cami_now_ms(notif.self);
    char text[900];
    va_list ap;

    if (slots[slot].used && now - slots[slot].last_ms < RATELOG_MS) {
        slots[slot].held++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (slots[slot].held > 0)
        cami_log(notif.self, level, "%s (%llu more like it held back since the last one)",
                 text, (unsigned long long)slots[slot].held);
    else
        cami_log(notif.self, level, "%s", text);
    slots[slot].used = 1;
    slots[slot].last_ms = now;
    slots[slot].held = 0;
}
