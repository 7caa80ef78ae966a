/*
 * hmac.h: signing and verifying Jupyter messages.
 *
 * The signature is the lowercase hex HMAC of the exact bytes of header,
 * parent_header, metadata and content, in that order.  An empty key turns
 * signing off: messages go out with an empty signature and every incoming
 * message is accepted.  Verification compares in constant time.
 */
#ifndef DK_HMAC_H
#define DK_HMAC_H

#include <stddef.h>

#include "../util/err.h"

typedef struct Signer Signer;

/* A signer for `scheme` ("hmac-sha256"; also any "hmac-<digest>" OpenSSL
 * knows) and `key` (copied).  Returns NULL with err set when the scheme is
 * unknown.  Free with signer_free (NULL-safe). */
Signer *signer_new(const char *scheme, const char *key, DkErr *err);
void signer_free(Signer *s);

/* Non-zero when the key is non-empty. */
int signer_enabled(const Signer *s);

/* Write the hex signature of the n parts into hex (at least 129 bytes),
 * NUL-terminated; "" when signing is off.  Returns the hex length, or -1 on
 * an OpenSSL failure (hex is then ""). */
int signer_sign(Signer *s, const char *const *parts, const size_t *lens,
                int n, char *hex);

/* 1 when sig (siglen bytes, not NUL-terminated) is the signature of the
 * parts, 0 otherwise.  Always 1 when signing is off. */
int signer_verify(Signer *s, const char *const *parts, const size_t *lens,
                  int n, const char *sig, size_t siglen);

#endif
