/*
 * utf8.c: code point and byte offsets (see utf8.h).
 */
#include "utf8.h"

size_t utf8_byte_offset(const char *s, size_t cp)
{
    size_t i = 0;
    for (; s[i]; i++) {
        if (!utf8_is_cont((unsigned char)s[i])) {
            if (cp == 0)
                return i;
            cp--;
        }
    }
    return i;
}

size_t utf8_codepoints(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes && s[i]; i++)
        n += !utf8_is_cont((unsigned char)s[i]);
    return n;
}
