/*
 * hmac_nossl.c: EXPERIMENT for the benchmark only, not used by the kernel.
 * kernel/proto/hmac.h implemented with a built-in SHA-256 (FIPS 180-4) and
 * HMAC (RFC 2104) instead of OpenSSL, so that `diffuse-proto-nossl` shows
 * what dropping libcrypto would save in start-up, CPU per message and RSS.
 * Only "hmac-sha256" is accepted.
 */
#include "proto/hmac.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint32_t h[8]; uint64_t len; unsigned char buf[64]; size_t n; } Sha;

static const uint32_t K[64] = {
    0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(Sha *s, const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4*i] << 24 | (uint32_t)p[4*i+1] << 16 | (uint32_t)p[4*i+2] << 8 | p[4*i+3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i-15], 7) ^ ROR(w[i-15], 18) ^ (w[i-15] >> 3);
        uint32_t s1 = ROR(w[i-2], 17) ^ ROR(w[i-2], 19) ^ (w[i-2] >> 10);
        w[i] = w[i-16] + s0 + w[i-7] + s1;
    }
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
    e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha_init(Sha *s)
{
    static const uint32_t iv[8] = {0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,
                                   0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->n = 0;
}

static void sha_update(Sha *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->len += len;
    if (s->n) {
        size_t take = 64 - s->n < len ? 64 - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take; p += take; len -= take;
        if (s->n < 64)
            return;
        sha_block(s, s->buf);
        s->n = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        sha_block(s, p);
    memcpy(s->buf, p, len);
    s->n = len;
}

static void sha_final(Sha *s, unsigned char out[32])
{
    uint64_t bits = s->len * 8;
    unsigned char pad[72] = {0x80};
    size_t padlen = (s->n < 56 ? 56 : 120) - s->n;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4*i] = (unsigned char)(s->h[i] >> 24); out[4*i+1] = (unsigned char)(s->h[i] >> 16);
        out[4*i+2] = (unsigned char)(s->h[i] >> 8); out[4*i+3] = (unsigned char)s->h[i];
    }
}

struct Signer { int on; Sha inner, outer; }; /* key-absorbed states */

Signer *signer_new(const char *scheme, const char *key, DkErr *err)
{
    Signer *s = calloc(1, sizeof *s);
    if (!s) {
        dk_err_set(err, DK_ERR_OOM, "out of memory");
        return NULL;
    }
    if (!key || !*key)
        return s;
    if (strcmp(scheme, "hmac-sha256") != 0) {
        dk_err_set(err, DK_ERR_FORMAT, "unknown signature scheme '%s'", scheme);
        free(s);
        return NULL;
    }
    unsigned char k[64] = {0}, ipad[64], opad[64];
    size_t klen = strlen(key);
    if (klen > 64) {
        Sha t; sha_init(&t); sha_update(&t, key, klen); sha_final(&t, k);
    } else {
        memcpy(k, key, klen);
    }
    for (int i = 0; i < 64; i++) { ipad[i] = k[i] ^ 0x36; opad[i] = k[i] ^ 0x5c; }
    sha_init(&s->inner); sha_update(&s->inner, ipad, 64);
    sha_init(&s->outer); sha_update(&s->outer, opad, 64);
    s->on = 1;
    return s;
}

void signer_free(Signer *s) { free(s); }

int signer_enabled(const Signer *s) { return s && s->on; }

int signer_sign(Signer *s, const char *const *parts, const size_t *lens, int n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    hex[0] = 0;
    if (!signer_enabled(s))
        return 0;
    Sha c = s->inner;
    unsigned char mid[32], raw[32];
    for (int i = 0; i < n; i++)
        sha_update(&c, parts[i], lens[i]);
    sha_final(&c, mid);
    c = s->outer;
    sha_update(&c, mid, 32);
    sha_final(&c, raw);
    for (int i = 0; i < 32; i++) {
        hex[2*i] = digits[raw[i] >> 4];
        hex[2*i+1] = digits[raw[i] & 15];
    }
    hex[64] = 0;
    return 64;
}

int signer_verify(Signer *s, const char *const *parts, const size_t *lens, int n,
                  const char *sig, size_t siglen)
{
    if (!signer_enabled(s))
        return 1;
    char want[65];
    signer_sign(s, parts, lens, n, want);
    if (siglen != 64)
        return 0;
    unsigned char diff = 0;
    for (int i = 0; i < 64; i++)
        diff |= (unsigned char)(want[i] ^ sig[i]);
    return diff == 0;
}
