/*
 * notif_backoff.c - the retry schedule of a delivery (notif_backoff.h).
 */
#include "notif_backoff.h"

uint64_t notif_backoff_ms(uint64_t base, uint64_t max, int64_t attempts, uint32_t jitter)
{
    uint64_t wait = base;

    /* double until the cap: stop early so the shift never overflows */
    for (int64_t i = 1; i < attempts && wait < max; i++)
        wait = wait > max / 2 ? max : wait * 2;
    if (wait > max)
        wait = max;
    /* up to 10% less: a tenth of the wait, scaled by jitter / 2^32 */
    return wait - (wait / 10) * (uint64_t)jitter / UINT64_C(4294967296);
}
