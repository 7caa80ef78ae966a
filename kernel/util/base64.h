/*
 * base64.h: RFC 4648 base64 (standard alphabet, '=' padding), used to put
 * PNG bytes into MIME bundles ("image/png" values are base64 text) and data
 * URIs, and to read them back in tests and from data URIs.
 *
 * Both directions size their output once up front: no per-character
 * realloc.  Ownership: every returned buffer is malloc'd and belongs to the
 * caller, who frees it with free().
 */
#ifndef DK_BASE64_H
#define DK_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Characters needed to encode n bytes, not counting the NUL; SIZE_MAX when
 * that does not fit in a size_t. */
size_t base64_encoded_len(size_t n);

/* Encode n bytes of data as NUL-terminated base64 text (no line breaks).
 * data may be NULL when n == 0 (gives "").  *out_len, when non-NULL,
 * receives the text length.  Returns NULL only when out of memory. */
char *base64_encode(const void *data, size_t n, size_t *out_len);

/* Decode base64 text of length len.  ASCII whitespace is skipped (old
 * notebooks wrap "image/png" at 76 columns) and the final '=' padding may
 * be absent.  On DK_OK *out is a malloc'd buffer of *out_len bytes (plus a
 * NUL the length does not count, so decoded text can be printed); the
 * caller frees it.  On error (DK_ERR_FORMAT: a character outside the
 * alphabet with its offset, misplaced padding, a truncated final group;
 * DK_ERR_OOM) *out is NULL and err says which. */
dk_status base64_decode(const char *text, size_t len, uint8_t **out,
                        size_t *out_len, DkErr *err);

#endif
