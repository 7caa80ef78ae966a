/*
 * test_base64.c: RFC 4648 vectors, round trips of every length 0..300,
 * whitespace and missing padding on decode, and rejected input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/base64.h"

static void check_vector(const char *plain, const char *coded)
{
    size_t n = 0;
    char *got = base64_encode(plain, strlen(plain), &n);
    CHECK_STR(got, coded);
    CHECK(n == strlen(coded));
    CHECK(base64_encoded_len(strlen(plain)) == strlen(coded));
    free(got);

    uint8_t *back = NULL;
    size_t blen = 0;
    DkErr e = {0};
    CHECK(base64_decode(coded, strlen(coded), &back, &blen, &e) == DK_OK);
    CHECK(blen == strlen(plain));
    CHECK_STR((char *)back, plain);
    free(back);
    dk_err_clear(&e);
}

static void test_rfc4648(void)
{
    check_vector("", "");
    check_vector("f", "Zg==");
    check_vector("fo", "Zm8=");
    check_vector("foo", "Zm9v");
    check_vector("foob", "Zm9vYg==");
    check_vector("fooba", "Zm9vYmE=");
    check_vector("foobar", "Zm9vYmFy");
}

static void test_round_trip(void)
{
    uint8_t data[300];
    for (int i = 0; i < 300; i++)
        data[i] = (uint8_t)(i * 151 + 7);
    int bad = 0;
    for (size_t n = 0; n <= sizeof data; n++) {
        size_t clen = 0, blen = 0;
        char *coded = base64_encode(data, n, &clen);
        uint8_t *back = NULL;
        DkErr e = {0};
        if (!coded || clen != base64_encoded_len(n) || clen % 4 ||
            base64_decode(coded, clen, &back, &blen, &e) != DK_OK ||
            blen != n || memcmp(back, data, n) != 0)
            bad++;
        free(coded);
        free(back);
        dk_err_clear(&e);
    }
    CHECK(bad == 0);
    /* All 256 byte values map to the alphabet's + and / too. */
    char *coded = base64_encode("\xfb\xff\xbf", 3, NULL);
    CHECK_STR(coded, "+/+/");
    free(coded);
}

static void test_lenient_decode(void)
{
    uint8_t *out = NULL;
    size_t n = 0;
    DkErr e = {0};
    const char *wrapped = "Zm9v\nYmFy\r\n  Zg==\n";
    CHECK(base64_decode(wrapped, strlen(wrapped), &out, &n, &e) == DK_OK);
    CHECK(n == 7 && memcmp(out, "foobarf", 7) == 0);
    free(out);
    CHECK(base64_decode("Zm8", 3, &out, &n, &e) == DK_OK);
    CHECK(n == 2 && memcmp(out, "fo", 2) == 0);
    free(out);
    dk_err_clear(&e);
}

static void expect_bad(const char *text)
{
    uint8_t *out = (uint8_t *)"sentinel";
    size_t n = 99;
    DkErr e = {0};
    CHECK(base64_decode(text, strlen(text), &out, &n, &e) == DK_ERR_FORMAT);
    CHECK(out == NULL && n == 0);
    CHECK(e.code == DK_ERR_FORMAT && e.msg && strstr(e.msg, "base64"));
    dk_err_clear(&e);
}

static void test_rejects(void)
{
    expect_bad("Zm9v!mFy");   /* not in the alphabet */
    expect_bad("Zm9vY");      /* a lone sextet cannot make a byte */
    expect_bad("Zg==Zg==");   /* data after padding */
    expect_bad("Zg===");      /* too much padding */
    expect_bad("Z===");
    expect_bad("Zm9v\x80");   /* high byte */
}

int main(void)
{
    test_rfc4648();
    test_round_trip();
    test_lenient_decode();
    test_rejects();
    return check_report("test_base64");
}
