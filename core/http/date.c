/* date.c - see date.h. */
#include "date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void http_date_format(long long unix_seconds, char *out)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    /* strftime's %a/%b follow the locale; HTTP wants English names. */
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT", wday[tm.tm_wday], tm.tm_mday,
             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, tmp, HTTP_DATE_LEN);
    out[HTTP_DATE_LEN] = '\0';
}

const char *http_date_now(void)
{
    static char cached[HTTP_DATE_LEN + 1];
    static time_t cached_at = -1;
    time_t now = time(NULL);
    if (now != cached_at) {
        http_date_format((long long)now, cached);
        cached_at = now;
    }
    return cached;
}
