/*
 * log.h: the kernel's own diagnostics, for the person running Jupyter.
 *
 * Lines go to stderr (which Jupyter shows in its server log), prefixed with
 * "[diffuse] " and a level.  Never used for anything a notebook user must
 * see: errors in a cell go to the notebook as `error` messages.  The level
 * comes from DIFFUSE_LOG (error, warn, info, debug; default warn).
 */
#ifndef DK_LOG_H
#define DK_LOG_H

typedef enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } LogLevel;

/* Read DIFFUSE_LOG once; safe to call again. */
void log_init(void);

/* printf-style; a newline is added.  Thread-safe (one write per line). */
void log_msg(LogLevel level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
