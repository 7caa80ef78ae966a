/*
 * hmac.c: HMAC signing over OpenSSL 3's EVP_MAC (see hmac.h).
 *
 * The MAC context is keyed once; each message works on a duplicate of it, so
 * a signature costs one context copy and the digest itself.
 */
#include "hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

struct Signer {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed; /* NULL when signing is off */
};

Signer *signer_new(const char *scheme, const char *key, DkErr *err)
{
    Signer *s = calloc(1, sizeof *s);
    if (!s) {
        dk_err_set(err, DK_ERR_OOM, "out of memory");
        return NULL;
    }
    if (!key || !*key)
        return s;
    if (strncmp(scheme, "hmac-", 5) != 0 || !EVP_get_digestbyname(scheme + 5)) {
        dk_err_set(err, DK_ERR_FORMAT, "unknown signature scheme '%s'", scheme);
        dk_err_hint(err, "use \"hmac-sha256\" in the connection file");
        free(s);
        return NULL;
    }
    char digest[32];
    strncpy(digest, scheme + 5, sizeof digest - 1);
    digest[sizeof digest - 1] = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()};
    s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    s->keyed = s->mac ? EVP_MAC_CTX_new(s->mac) : NULL;
    if (!s->keyed || !EVP_MAC_init(s->keyed, (const unsigned char *)key,
                                   strlen(key), params)) {
        dk_err_set(err, DK_ERR_INTERNAL, "OpenSSL could not set up %s", scheme);
        signer_free(s);
        return NULL;
    }
    return s;
}

void signer_free(Signer *s)
{
    if (!s)
        return;
    EVP_MAC_CTX_free(s->keyed);
    EVP_MAC_free(s->mac);
    free(s);
}

int signer_enabled(const Signer *s) { return s && s->keyed; }

/* Raw MAC of the parts into out; returns its length or 0 on failure. */
static size_t mac_parts(Signer *s, const char *const *parts,
                        const size_t *lens, int n, unsigned char *out,
                        size_t cap)
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(s->keyed);
    size_t len = 0;
    int ok = ctx != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = EVP_MAC_update(ctx, (const unsigned char *)parts[i], lens[i]);
    if (ok)
        ok = EVP_MAC_final(ctx, out, &len, cap);
    EVP_MAC_CTX_free(ctx);
    return ok ? len : 0;
}

int signer_sign(Signer *s, const char *const *parts, const size_t *lens,
                int n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    hex[0] = 0;
    if (!signer_enabled(s))
        return 0;
    unsigned char raw[EVP_MAX_MD_SIZE];
    size_t len = mac_parts(s, parts, lens, n, raw, sizeof raw);
    if (!len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[2 * len] = 0;
    return (int)(2 * len);
}

int signer_verify(Signer *s, const char *const *parts, const size_t *lens,
                  int n, const char *sig, size_t siglen)
{
    if (!signer_enabled(s))
        return 1;
    char want[2 * EVP_MAX_MD_SIZE + 1];
    int len = signer_sign(s, parts, lens, n, want);
    if (len <= 0 || (size_t)len != siglen)
        return 0;
    /* Constant time, so a forger learns nothing from response timing. */
    return CRYPTO_memcmp(want, sig, siglen) == 0;
}
