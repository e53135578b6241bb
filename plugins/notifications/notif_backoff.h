/*
 * notif_backoff.h - when a failed delivery is tried again: exponential
 * backoff with a little jitter, so deliveries that failed together (a
 * receiver down) do not all come back in the same millisecond. Pure;
 * unit-tested in test_notif_unit.c.
 */
#ifndef NOTIF_BACKOFF_H
#define NOTIF_BACKOFF_H

#include <stdint.h>

/*
 * notif_backoff_ms - the wait after the attempts-th failed attempt
 * (attempts >= 1): base * 2^(attempts - 1), at most max, then lowered by
 * up to a tenth by `jitter` (any number; the same jitter gives the same
 * wait). base >= 1 and max >= base (the config checks them).
 */
uint64_t notif_backoff_ms(uint64_t base, uint64_t max, int64_t attempts, uint32_t jitter);

#endif
