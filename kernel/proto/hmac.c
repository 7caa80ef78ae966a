/*
 * hmac.c: HMAC-SHA256 over OpenSSL's SHA-256 (see hmac.h).
 *
 * Why not EVP_MAC: fetching a MAC through OpenSSL 3's provider machinery
 * maps and touches most of libcrypto (about 3.4 MiB of resident memory and
 * a millisecond of start-up, measured in tests/bench), for one hash.  The
 * low-level SHA256_* functions, linked statically, bring only the hash
 * itself (OpenSSL's assembly included).  They are marked deprecated in 3.0
 * but remain throughout 3.x; OPENSSL_API_COMPAT below says so explicitly.
 *
 * Nothing else is taken from OpenSSL, not even CRYPTO_memcmp or
 * OPENSSL_cleanse: either drags OpenSSL's whole start-up into the static
 * link (3 MB of code, 17,000 load-time relocations, measured).
 *
 * HMAC (RFC 2104) is H((K ^ opad) || H((K ^ ipad) || m)).  The states after
 * absorbing the two padded keys are computed once; each message then costs
 * two struct copies and the hashing of the message itself.
 */
#define OPENSSL_API_COMPAT 10101

#include "hmac.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

/* Zero memory in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

/* Compare in time that depends only on n, so a forger learns nothing from
 * how fast a wrong signature is refused. */
static int equal_ct(const char *a, const char *b, size_t n)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

struct Signer {
    int enabled;
    SHA256_CTX inner; /* state after (K ^ ipad) */
    SHA256_CTX outer; /* state after (K ^ opad) */
};

Signer *signer_new(const char *scheme, const char *key, DkErr *err)
{
    Signer *s = calloc(1, sizeof *s);
    if (!s) {
        dk_err_oom(err);
        return NULL;
    }
    if (!key || !*key)
        return s;
    if (strcmp(scheme, "hmac-sha256") != 0) {
        dk_err_set(err, DK_ERR_FORMAT, "unsupported signature scheme '%s'",
                   scheme);
        dk_err_hint(err, "Jupyter uses \"hmac-sha256\"; write that in the "
                         "connection file");
        free(s);
        return NULL;
    }
    unsigned char block[SHA256_CBLOCK] = {0};
    size_t klen = strlen(key);
    if (klen > SHA256_CBLOCK) { /* long keys are hashed first */
        SHA256_CTX k; /* not SHA256(): that one goes through EVP */
        SHA256_Init(&k);
        SHA256_Update(&k, key, klen);
        SHA256_Final(block, &k);
    } else {
        memcpy(block, key, klen);
    }
    unsigned char pad[SHA256_CBLOCK];
    for (int i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = block[i] ^ 0x36;
    SHA256_Init(&s->inner);
    SHA256_Update(&s->inner, pad, sizeof pad);
    for (int i = 0; i < SHA256_CBLOCK; i++)
        pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&s->outer);
    SHA256_Update(&s->outer, pad, sizeof pad);
    wipe(block, sizeof block);
    wipe(pad, sizeof pad);
    s->enabled = 1;
    return s;
}

void signer_free(Signer *s)
{
    if (!s)
        return;
    wipe(s, sizeof *s);
    free(s);
}

int signer_enabled(const Signer *s) { return s && s->enabled; }

static void mac_parts(const Signer *s, const char *const *parts,
                      const size_t *lens, int n,
                      unsigned char out[SHA256_DIGEST_LENGTH])
{
    SHA256_CTX ctx = s->inner;
    for (int i = 0; i < n; i++)
        SHA256_Update(&ctx, parts[i], lens[i]);
    unsigned char inner[SHA256_DIGEST_LENGTH];
    SHA256_Final(inner, &ctx);
    ctx = s->outer;
    SHA256_Update(&ctx, inner, sizeof inner);
    SHA256_Final(out, &ctx);
}

int signer_sign(Signer *s, const char *const *parts, const size_t *lens,
                int n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    hex[0] = 0;
    if (!signer_enabled(s))
        return 0;
    unsigned char raw[SHA256_DIGEST_LENGTH];
    mac_parts(s, parts, lens, n, raw);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[2 * SHA256_DIGEST_LENGTH] = 0;
    return 2 * SHA256_DIGEST_LENGTH;
}

int signer_verify(Signer *s, const char *const *parts, const size_t *lens,
                  int n, const char *sig, size_t siglen)
{
    if (!signer_enabled(s))
        return 1;
    char want[2 * SHA256_DIGEST_LENGTH + 1];
    int len = signer_sign(s, parts, lens, n, want);
    if ((size_t)len != siglen)
        return 0;
    return equal_ct(want, sig, siglen);
}
