/*
 * buf.c: the growable byte buffer (see buf.h for the contract).
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int buf_reserve(Buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void buf_append(Buf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(Buf *b, char ch)
{
    buf_append(b, &ch, 1);
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

int buf_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int n;
    unsigned cp;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1Fu;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0Fu;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07u;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if (!utf8_is_cont(p[i]))
            return 0;  /* also stops at the NUL */
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return n;
}

void buf_put_utf8(Buf *b, const char *s)
{
    while (*s) {
        int n = buf_utf8_len(s);
        if (n == 0) {
            buf_putc(b, '?');
            s++;
            continue;
        }
        buf_append(b, s, (size_t)n);
        s += n;
    }
}

void buf_put_xml(Buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80) {
            int n = buf_utf8_len((const char *)p);
            if (n == 0) {
                buf_putc(b, '?');
            } else {
                buf_append(b, p, (size_t)n);
                p += n - 1;
            }
            continue;
        }
        switch (*p) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default:
            /* XML 1.0 forbids most C0 controls even as references. */
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                buf_putc(b, '?');
            else
                buf_putc(b, (char)*p);
        }
    }
}

char *buf_detach(Buf *b, size_t *len_out)
{
    if (b->oom) {
        buf_free(b);
        return NULL;
    }
    if (!b->data && buf_reserve(b, 0) != 0) {
        buf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *out = b->data;
    if (len_out)
        *len_out = b->len;
    *b = (Buf){0};
    return out;
}

void buf_free(Buf *b)
{
    free(b->data);
    *b = (Buf){0};
}
