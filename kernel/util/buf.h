/*
 * buf.h: a growable byte buffer for building strings, PNG files, SVG and
 * HTML text without a realloc per character.
 *
 * The buffer doubles its capacity when it fills, so n appends cost O(n).
 * Out of memory is sticky, like SQLite's StrAccum: the first failed growth
 * sets `oom`, every later append is a no-op, and the builder checks once at
 * the end (buf_detach returns NULL) instead of after each call.
 *
 * Ownership: a Buf owns `data`.  buf_free releases it; buf_detach hands it
 * to the caller (who frees it with free()) and leaves the Buf empty.  The
 * data is always NUL-terminated when len > 0 or after buf_detach, so text
 * builders can use it as a C string.  A zeroed Buf ({0}) is a valid empty
 * buffer.
 */
#ifndef DK_BUF_H
#define DK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
    char *data;  /* owned; NULL until the first append */
    size_t len;  /* bytes used, not counting the terminating NUL */
    size_t cap;  /* bytes allocated */
    int oom;     /* non-zero once an allocation failed */
} Buf;

/* Make room for at least `extra` more bytes (plus a NUL).  Returns 0, or -1
 * (and sets oom) when memory runs out or the size would overflow. */
int buf_reserve(Buf *b, size_t extra);

/* Append bytes, a C string, one byte, or printf-formatted text.  On out of
 * memory they set oom and leave the contents as they were. */
void buf_append(Buf *b, const void *data, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char ch);
void buf_printf(Buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);

/* Append `s` with the five XML/HTML special characters escaped (& < > "
 * ').  Bytes that are not valid in XML 1.0 (control characters other than
 * tab, newline and return, and malformed UTF-8) become '?', so the result
 * always parses. */
void buf_put_xml(Buf *b, const char *s);

/* Append `s` with each malformed UTF-8 byte replaced by '?', so the result
 * is valid UTF-8 (jansson refuses anything else). */
void buf_put_utf8(Buf *b, const char *s);

/* Length of the well-formed UTF-8 sequence starting at p (1 to 4), or 0
 * when p does not start one.  p must be NUL-terminated. */
int buf_utf8_len(const char *p);

/* Give the NUL-terminated contents to the caller (free with free()) and
 * reset the Buf.  Returns NULL when oom was set (the partial data is freed
 * then) and "" (malloc'd) for an empty buffer.  *len_out, when non-NULL,
 * receives the length. */
char *buf_detach(Buf *b, size_t *len_out);

/* Free the contents and zero the Buf.  Safe on a zeroed Buf. */
void buf_free(Buf *b);

#endif
