/*
 * utf8.h: converting between byte offsets and code-point offsets, and
 * telling the bytes of UTF-8 apart.
 *
 * Jupyter counts cursor positions in Unicode code points; the kernel's
 * language works in bytes of UTF-8.  Invalid bytes count as one code point
 * each, so the conversions never fail.
 */
#ifndef DK_UTF8_H
#define DK_UTF8_H

#include <stddef.h>

/* A continuation byte (10xxxxxx): it continues a code point and never
 * starts one. */
static inline int utf8_is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Byte offset of code point `cp` in s (clamped to strlen(s)). */
size_t utf8_byte_offset(const char *s, size_t cp);

/* Number of code points in the first `bytes` bytes of s. */
size_t utf8_codepoints(const char *s, size_t bytes);

#endif
