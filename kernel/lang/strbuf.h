/*
 * strbuf.h: a growable byte string for building messages, reprs and
 * markdown inside the language layer.
 *
 * A StrBuf is a value type: zero it (or strbuf_init) and append.  When an
 * allocation fails the buffer remembers it (oom) and ignores later appends,
 * so callers check once at the end instead of after every append.
 *
 * Ownership: the buffer owns s.  strbuf_take hands s to the caller (who
 * frees it) and leaves the buffer empty; strbuf_free releases it.
 */
#ifndef DK_STRBUF_H
#define DK_STRBUF_H

#include <stddef.h>

typedef struct StrBuf {
    char *s;     /* NUL-terminated once anything was appended; may be NULL */
    size_t len;  /* bytes, without the NUL */
    size_t cap;
    int oom;     /* an allocation failed; content is truncated */
} StrBuf;

void strbuf_init(StrBuf *b);
void strbuf_free(StrBuf *b);
void strbuf_add(StrBuf *b, const char *p, size_t n);
void strbuf_puts(StrBuf *b, const char *p);
void strbuf_addc(StrBuf *b, char c);
/* Append `n` copies of c. */
void strbuf_fill(StrBuf *b, char c, size_t n);
void strbuf_printf(StrBuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The content as a malloc'd NUL-terminated string the caller frees ("" when
 * nothing was appended), or NULL when an allocation failed.  Empties b. */
char *strbuf_take(StrBuf *b);

/* The content, never NULL; valid until the next append or free. */
const char *strbuf_cstr(const StrBuf *b);

#endif
