/*
 * log.h - the host's log (stderr) and access log.
 *
 * Log lines: "2026-11-27T21:30:00.123Z camid[worker 0] info hello: text".
 * Each line is written with one write(2), so lines from workers and pool
 * threads never interleave.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>
#include <stdio.h>

#include <cami/log.h>

/* Global settings; set once at start-up (before workers fork). */
void log_set_level(int level);
int log_get_level(void);
/* -1 for the supervisor, else the worker slot. */
void log_set_worker(int worker);
/* Parse "error|warn|info|debug"; -1 when unknown. */
int log_level_parse(const char *s);

/* `who`: a plugin name, or NULL for the host itself. */
void log_msg(const char *who, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_vmsg(const char *who, int level, const char *fmt, va_list ap);

#define log_error(...) log_msg(NULL, CAMI_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(NULL, CAMI_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(NULL, CAMI_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(NULL, CAMI_LOG_DEBUG, __VA_ARGS__)

/* Access log: NULL target disables it; "-" or "on" is stdout; else a file
 * opened for appending. Returns 0, or -1 with errno when the file cannot be
 * opened. Lines are buffered and written, whole, by access_log_flush(), which
 * the worker calls once per loop iteration. */
int access_log_open(const char *target);
int access_log_enabled(void);
/* Queue one complete line (with its newline). */
void access_log_write(const char *line, size_t len);
void access_log_flush(void);
void access_log_close(void);

/* Format the current wall-clock time as ISO 8601 UTC with milliseconds into
 * out (at least 25 bytes). */
void log_timestamp(char *out, size_t len);

#endif
