/*
 * err.c: recording errors with their message, hint and location.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

dk_status dk_err_set(DkErr *e, dk_status code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    free(e->msg);
    free(e->hint);
    e->msg = msg;
    e->hint = NULL;
    e->code = code;
    e->span = (Span){0, 0, 0};
    return code;
}

void dk_err_hint(DkErr *e, const char *fmt, ...)
{
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *hint = vformat(fmt, ap);
    va_end(ap);
    free(e->hint);
    e->hint = hint;
}

void dk_err_prefix(DkErr *e, const char *fmt, ...)
{
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *pre = vformat(fmt, ap);
    va_end(ap);
    if (!pre)
        return;
    const char *old = e->msg ? e->msg : "";
    size_t n = strlen(pre) + strlen(old) + 1;
    char *joined = malloc(n);
    if (joined) {
        snprintf(joined, n, "%s%s", pre, old);
        free(e->msg);
        e->msg = joined;
    }
    free(pre);
}

void dk_err_at(DkErr *e, Span span)
{
    if (e && e->span.line == 0)
        e->span = span;
}

dk_status dk_err_oom(DkErr *e)
{
    return dk_err_set(e, DK_ERR_OOM, "out of memory");
}

void dk_err_clear(DkErr *e)
{
    if (!e)
        return;
    free(e->msg);
    free(e->hint);
    memset(e, 0, sizeof *e);
}

const char *dk_status_name(dk_status code)
{
    switch (code) {
    case DK_OK:              return "OK";
    case DK_ERR_SYNTAX:      return "SyntaxError";
    case DK_ERR_NAME:        return "NameError";
    case DK_ERR_TYPE:        return "TypeError";
    case DK_ERR_ARG:         return "ArgumentError";
    case DK_ERR_VALUE:       return "ValueError";
    case DK_ERR_IO:          return "FileError";
    case DK_ERR_FORMAT:      return "FormatError";
    case DK_ERR_SHAPE:       return "ShapeError";
    case DK_ERR_OOM:         return "OutOfMemoryError";
    case DK_ERR_INTERRUPTED: return "KeyboardInterrupt";
    case DK_ERR_TORCH:       return "TorchError";
    case DK_ERR_ASSERT:      return "AssertionError";
    case DK_ERR_STDIN:       return "StdinNotImplementedError";
    case DK_ERR_INTERNAL:    return "InternalError";
    case DK_END:             return "CellEnded";
    }
    return "Error";
}
