/*
 * log.c: leveled log lines on stderr (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static LogLevel threshold = LOG_WARN;

void log_init(void)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    const char *env = getenv("DIFFUSE_LOG");
    if (!env)
        return;
    for (int i = 0; i < 4; i++)
        if (strcmp(env, names[i]) == 0)
            threshold = (LogLevel)i;
}

void log_msg(LogLevel level, const char *fmt, ...)
{
    static const char *tags[] = {"error", "warning", "info", "debug"};
    if (level > threshold)
        return;
    char line[1024];
    int n = snprintf(line, sizeof line, "[diffuse] %s: ", tags[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write() per line keeps lines whole across threads. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
