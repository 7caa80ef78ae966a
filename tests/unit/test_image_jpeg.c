/*
 * test_image_jpeg.c: JPEG decoding and encoding (render/jpeg.c).
 *
 * The packaged photo notebooks/data/rocket.jpg (from scikit-image's sample
 * data) is decoded and compared with Pillow 13.0's decode of the same
 * file: size, per-channel mean and standard deviation, and four pixels
 * (PIL: Image.open(p).convert("RGB"), numpy .mean/.std over the pixels).
 * Then the failure paths: not a JPEG, a truncated file, an empty one.
 */
#include "check.h"

#include <math.h>
#include <stdlib.h>

#include "render/jpeg.h"

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    return buf;
}

static void stats(const RImage *im, double mean[3], double sd[3])
{
    size_t n = (size_t)im->w * (size_t)im->h;
    for (int k = 0; k < 3; k++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < n; i++) {
            double v = im->px[i * 3 + (size_t)k];
            s += v;
            s2 += v * v;
        }
        mean[k] = s / (double)n;
        sd[k] = sqrt(s2 / (double)n - mean[k] * mean[k]);
    }
}

static void test_rocket(void)
{
    size_t len = 0;
    uint8_t *data = read_all("notebooks/data/rocket.jpg", &len);
    CHECK(data != NULL && len > 1000);
    if (!data)
        return;
    CHECK(jpeg_sniff(data, len));
    RImage *im = NULL;
    DkErr err = {0};
    CHECK(jpeg_decode(data, len, "rocket.jpg", &im, &err) == DK_OK);
    if (!im) {
        fprintf(stderr, "  %s\n", err.msg);
        free(data);
        return;
    }
    CHECK(im->w == 640 && im->h == 427 && im->c == 3);
    const double pil_mean[3] = {52.266, 61.294, 82.271};
    const double pil_sd[3] = {36.436, 30.314, 30.070};
    double mean[3], sd[3];
    stats(im, mean, sd);
    for (int k = 0; k < 3; k++) {
        CHECK(fabs(mean[k] - pil_mean[k]) <= 2.0);
        CHECK(fabs(sd[k] - pil_sd[k]) <= 2.0);
    }
    static const struct { int x, y; int rgb[3]; } px[] = {
        {0, 0, {17, 33, 58}}, {320, 200, {125, 120, 101}},
        {639, 426, {83, 61, 37}}, {100, 300, {83, 102, 134}},
    };
    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++) {
        RColor c = image_get(im, px[i].x, px[i].y);
        int d = abs(c.r - px[i].rgb[0]) + abs(c.g - px[i].rgb[1]) +
                abs(c.b - px[i].rgb[2]);
        CHECK(d <= 6);  /* within 2 per channel */
    }

    /* Encode at quality 90 and decode again: the same picture, roughly. */
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    CHECK(jpeg_encode(im, 90, &enc, &enc_len, &err) == DK_OK);
    RImage *back = NULL;
    CHECK(enc && jpeg_decode(enc, enc_len, "re-encoded", &back, &err) == DK_OK);
    if (back) {
        double m2[3], s2[3];
        CHECK(back->w == 640 && back->h == 427);
        stats(back, m2, s2);
        for (int k = 0; k < 3; k++)
            CHECK(fabs(m2[k] - mean[k]) < 1.5);
    }
    image_free(back);
    free(enc);
    CHECK(jpeg_encode(im, 0, &enc, &enc_len, &err) == DK_ERR_ARG);
    CHECK(enc == NULL);
    dk_err_clear(&err);

    image_free(im);
    im = NULL;

    /* Truncated: half the file must fail, naming the file. */
    CHECK(jpeg_decode(data, len / 2, "half.jpg", &im, &err) == DK_ERR_FORMAT);
    CHECK(im == NULL);
    CHECK(err.msg && strstr(err.msg, "half.jpg") && strstr(err.msg, "truncated"));
    dk_err_clear(&err);
    /* Only the header. */
    CHECK(jpeg_decode(data, 200, "head.jpg", &im, &err) == DK_ERR_FORMAT);
    dk_err_clear(&err);
    /* Garbage after a JPEG signature. */
    uint8_t junk[64] = {0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3};
    CHECK(jpeg_decode(junk, sizeof junk, "junk.jpg", &im, &err) == DK_ERR_FORMAT);
    CHECK(err.msg && strstr(err.msg, "junk.jpg"));
    dk_err_clear(&err);
    /* Not a JPEG at all, and empty. */
    CHECK(jpeg_decode((const uint8_t *)"hello", 5, "a.txt", &im, &err) ==
          DK_ERR_FORMAT);
    CHECK(err.msg && strstr(err.msg, "a.txt") && strstr(err.msg, "not a JPEG"));
    dk_err_clear(&err);
    CHECK(jpeg_decode(data, 0, "empty.jpg", &im, &err) == DK_ERR_FORMAT);
    dk_err_clear(&err);
    free(data);
}

static void test_gray_roundtrip(void)
{
    DkErr err = {0};
    RImage *g = image_new(16, 8, 1, &err);
    for (int i = 0; g && i < 16 * 8; i++)
        g->px[i] = (uint8_t)(i * 2);
    uint8_t *enc = NULL;
    size_t n = 0;
    CHECK(g && jpeg_encode(g, 95, &enc, &n, &err) == DK_OK);
    RImage *back = NULL;
    CHECK(enc && jpeg_decode(enc, n, NULL, &back, &err) == DK_OK);
    CHECK(back && back->c == 1 && back->w == 16 && back->h == 8);
    if (back && g) {
        int worst = 0;
        for (int i = 0; i < 16 * 8; i++)
            worst = abs(back->px[i] - g->px[i]) > worst
                        ? abs(back->px[i] - g->px[i]) : worst;
        CHECK(worst <= 8);
    }
    image_free(back);
    image_free(g);
    free(enc);
}

int main(void)
{
    test_rocket();
    test_gray_roundtrip();
    return check_report("test_image_jpeg");
}
