/*
 * date.h - the HTTP Date header value (RFC 9110 IMF-fixdate), formatted once
 * per second instead of once per response.
 */
#ifndef CORE_HTTP_DATE_H
#define CORE_HTTP_DATE_H

#include <stddef.h>

#define HTTP_DATE_LEN 29   /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* The current date, NUL-terminated, HTTP_DATE_LEN chars. Loop thread only. */
const char *http_date_now(void);
/* Format an arbitrary time (for tests). out must hold HTTP_DATE_LEN + 1. */
void http_date_format(long long unix_seconds, char *out);

#endif
