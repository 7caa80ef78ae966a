/*
 * base64.c: RFC 4648 base64 with table lookups, four characters per three
 * bytes, output sized once.
 */
#include "base64.h"

#include <stdlib.h>
#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Reverse table: 0..63 for the alphabet, SKIP for whitespace, PAD for '=',
 * BAD for everything else.  Built from `alphabet` on first use; building
 * it twice from two threads writes the same bytes, so no lock is needed. */
enum { BAD = 0xFF, SKIP = 0xFE, PAD = 0xFD };
static unsigned char rev[256];
static int rev_ready;

static void rev_build(void)
{
    memset(rev, BAD, sizeof rev);
    for (int i = 0; i < 64; i++)
        rev[(unsigned char)alphabet[i]] = (unsigned char)i;
    rev[' '] = rev['\t'] = rev['\n'] = rev['\r'] = rev['\f'] = rev['\v'] = SKIP;
    rev['='] = PAD;
    rev_ready = 1;
}

size_t base64_encoded_len(size_t n)
{
    size_t groups = n / 3 + (n % 3 != 0);
    if (groups > (SIZE_MAX - 1) / 4)
        return SIZE_MAX;
    return groups * 4;
}

char *base64_encode(const void *data, size_t n, size_t *out_len)
{
    size_t len = base64_encoded_len(n);
    if (len == SIZE_MAX)
        return NULL;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    const unsigned char *in = data;
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = '=';
    }
    *o = '\0';
    if (out_len)
        *out_len = len;
    return out;
}

/* Flush a final group of k sextets (2 or 3) into bytes. */
static size_t flush_tail(const unsigned char *q, int k, uint8_t *o)
{
    uint32_t v = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12;
    if (k == 3)
        v |= (uint32_t)q[2] << 6;
    o[0] = (uint8_t)(v >> 16);
    if (k == 3)
        o[1] = (uint8_t)(v >> 8);
    return (size_t)k - 1;
}

/* The error for a character that cannot stand at offset i. */
static dk_status bad_char(const char *text, size_t i, int not_alphabet,
                          DkErr *err)
{
    if (not_alphabet)
        dk_err_set(err, DK_ERR_FORMAT, "invalid base64: byte 0x%02x at "
                   "offset %zu is not in the alphabet",
                   (unsigned char)text[i], i);
    else
        dk_err_set(err, DK_ERR_FORMAT, "invalid base64: data after the '=' "
                   "padding at offset %zu", i);
    dk_err_hint(err, "base64 uses A-Z a-z 0-9 + / and '=' only at the end");
    return DK_ERR_FORMAT;
}

dk_status base64_decode(const char *text, size_t len, uint8_t **out,
                        size_t *out_len, DkErr *err)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!rev_ready)
        rev_build();
    uint8_t *buf = malloc(len / 4 * 3 + 4);
    if (!buf)
        return dk_err_set(err, DK_ERR_OOM, "out of memory decoding %zu "
                          "base64 characters", len);
    unsigned char q[4];
    int k = 0, pads = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char v = rev[(unsigned char)text[i]];
        if (v == SKIP)
            continue;
        if (v == PAD) {
            pads++;
            continue;
        }
        if (v == BAD || pads) {
            free(buf);
            return bad_char(text, i, v == BAD, err);
        }
        q[k++] = v;
        if (k == 4) {
            uint32_t w = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12 |
                         (uint32_t)q[2] << 6 | q[3];
            buf[n++] = (uint8_t)(w >> 16);
            buf[n++] = (uint8_t)(w >> 8);
            buf[n++] = (uint8_t)w;
            k = 0;
        }
    }
    if (k == 1 || pads > 2 || (pads && k + pads != 4)) {
        free(buf);
        dk_err_set(err, DK_ERR_FORMAT, "invalid base64: the text ends in a "
                   "broken group (%d characters, %d '=')", k, pads);
        dk_err_hint(err, "was the text cut short?");
        return DK_ERR_FORMAT;
    }
    if (k)
        n += flush_tail(q, k, buf + n);
    buf[n] = 0;
    *out = buf;
    if (out_len)
        *out_len = n;
    return DK_OK;
}
