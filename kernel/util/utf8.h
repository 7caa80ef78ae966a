/*
 * utf8.h: converting between byte offsets and code-point offsets.
 *
 * Jupyter counts cursor positions in Unicode code points; the kernel's
 * language works in bytes of UTF-8.  Invalid bytes count as one code point
 * each, so the conversions never fail.
 */
#ifndef DK_UTF8_H
#define DK_UTF8_H

#include <stddef.h>

/* Byte offset of code point `cp` in s (clamped to strlen(s)). */
size_t utf8_byte_offset(const char *s, size_t cp);

/* Number of code points in the first `bytes` bytes of s. */
size_t utf8_codepoints(const char *s, size_t bytes);

#endif
