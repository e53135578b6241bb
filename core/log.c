/* log.c - see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int g_level = CAMI_LOG_INFO;
static int g_worker = -1;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(int level)
{
    g_level = level;
}

int log_get_level(void)
{
    return g_level;
}

void log_set_worker(int worker)
{
    g_worker = worker;
}

int log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return CAMI_LOG_WARN;
    return -1;
}

void log_timestamp(char *out, size_t len)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

void log_vmsg(const char *who, int level, const char *fmt, va_list ap)
{
    if (level > g_level)
        return;
    if (level < 0)
        level = 0;
    if (level > 3)
        level = 3;
    char line[4096];
    char ts[32];
    char proc[32];
    log_timestamp(ts, sizeof(ts));
    if (g_worker >= 0)
        snprintf(proc, sizeof(proc), "worker %d", g_worker);
    else
        snprintf(proc, sizeof(proc), "main");
    int n = snprintf(line, sizeof(line), "%s camid[%s] %s %s: ", ts, proc, level_names[level],
                     who ? who : "camid");
    if (n < 0)
        return;
    if ((size_t)n < sizeof(line)) {
        int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        if (m > 0)
            n += m;
    }
    if ((size_t)n >= sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    /* One line, one write: strip a caller's trailing newline first. */
    while (n > 0 && line[n - 1] == '\n')
        n--;
    line[n++] = '\n';
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = write(STDERR_FILENO, line + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += w;
    }
}

void log_msg(const char *who, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(who, level, fmt, ap);
    va_end(ap);
}

/* The access log keeps its own buffer and writes only whole lines, so lines
 * of several workers appending to one file never interleave mid-line. */
#define ACCESS_BUF 65536
static int g_access_fd = -1;
static char *g_access_buf;
static size_t g_access_len;

int access_log_open(const char *target)
{
    access_log_close();
    if (!target)
        return 0;
    int fd;
    if (strcmp(target, "-") == 0 || strcmp(target, "on") == 0 || strcmp(target, "stdout") == 0)
        fd = dup(STDOUT_FILENO);
    else
        fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    g_access_buf = malloc(ACCESS_BUF);
    if (!g_access_buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    g_access_fd = fd;
    g_access_len = 0;
    return 0;
}

int access_log_enabled(void)
{
    return g_access_fd >= 0;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a full disk drops access-log lines, never requests */
        p += w;
        n -= (size_t)w;
    }
}

void access_log_write(const char *line, size_t len)
{
    if (g_access_fd < 0)
        return;
    if (g_access_len + len > ACCESS_BUF)
        access_log_flush();
    if (len > ACCESS_BUF) {
        write_all(g_access_fd, line, len);
        return;
    }
    memcpy(g_access_buf + g_access_len, line, len);
    g_access_len += len;
}

void access_log_flush(void)
{
    if (g_access_fd >= 0 && g_access_len) {
        write_all(g_access_fd, g_access_buf, g_access_len);
        g_access_len = 0;
    }
}

void access_log_close(void)
{
    if (g_access_fd < 0)
        return;
    access_log_flush();
    close(g_access_fd);
    g_access_fd = -1;
    free(g_access_buf);
    g_access_buf = NULL;
}
