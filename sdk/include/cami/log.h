/*
 * log.h - logging attributed to the calling plugin.
 *
 * Lines go to the host's log with the plugin's name, the worker and the level,
 * so an admin can tell which plugin said what. Since ABI 1.0.
 */
#ifndef CAMI_LOG_H
#define CAMI_LOG_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Levels, most severe first. The admin's `log_level` hides less severe ones. */
enum cami_log_level {
    CAMI_LOG_ERROR = 0,
    CAMI_LOG_WARN = 1,
    CAMI_LOG_INFO = 2,
    CAMI_LOG_DEBUG = 3
};

/*
 * cami_log - write one log line as `self`.
 * Thread: any (the host serialises lines). Errors: none; a line that cannot be
 * written is dropped. A trailing newline in fmt is not needed.
 * Since ABI 1.0.
 */
static inline CAMI_PRINTF(3, 4) void
cami_log(cami_plugin *self, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cami_host_->logv(self, level, fmt, ap);
    va_end(ap);
}

/*
 * cami_log_enabled - whether a line at `level` would be written; use it to skip
 * expensive formatting. Thread: any. Since ABI 1.0.
 */
static inline int cami_log_enabled(const cami_plugin *self, int level)
{
    return cami_host_->log_enabled(self, level);
}

/*
 * cami_plugin_name - the plugin's name as the host knows it (its descriptor
 * name). Owned by the host, valid while the plugin is loaded. Thread: any.
 * Since ABI 1.0.
 */
static inline const char *cami_plugin_name(const cami_plugin *self)
{
    return cami_host_->plugin_name(self);
}

#ifdef __cplusplus
}
#endif
#endif
