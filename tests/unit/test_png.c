/*
 * test_png.c: PNG round trips are bit-exact for every channel count and
 * awkward sizes; every colour type/depth in tests/data decodes to the
 * expected 8-bit pixels; empty, foreign, truncated and corrupted bytes give
 * a DkErr (never a crash) that names the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "render/image.h"
#include "render/png.h"

static uint32_t rng = 12345;

static uint8_t next_byte(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (uint8_t)(rng >> 24);
}

static RImage *random_image(int w, int h, int c)
{
    RImage *im = image_new(w, h, c, NULL);
    for (size_t i = 0; im && i < (size_t)w * h * c; i++)
        im->px[i] = (i % 7 == 0) ? next_byte() : (uint8_t)(i * 3);
    return im;
}

static void round_trip(int w, int h, int c, int level)
{
    RImage *im = random_image(w, h, c), *back = NULL;
    uint8_t *png = NULL;
    size_t len = 0;
    DkErr e = {0};
    CHECK(im != NULL);
    CHECK(png_encode(im, level, &png, &len, &e) == DK_OK);
    CHECK(png && len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(png_decode(png, len, "round trip", &back, &e) == DK_OK);
    int same = back && back->w == w && back->h == h && back->c == c &&
               memcmp(back->px, im->px, (size_t)w * h * c) == 0;
    if (!same)
        fprintf(stderr, "round trip %dx%dx%d level %d differs\n", w, h, c,
                level);
    CHECK(same);
    free(png);
    image_free(im);
    image_free(back);
    dk_err_clear(&e);
}

static void test_round_trips(void)
{
    static const int sizes[][2] = {{1, 1}, {28, 28}, {257, 3}, {3, 257},
                                   {64, 64}, {2, 1}};
    for (int c = 1; c <= 4; c++) {
        if (c == 2)
            continue;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            round_trip(sizes[i][0], sizes[i][1], c, PNG_LEVEL_DEFAULT);
    }
    round_trip(31, 17, 3, 0);
    round_trip(31, 17, 4, 9);
}

static RImage *load(const char *path, int w, int h, int c)
{
    RImage *im = NULL;
    DkErr e = {0};
    CHECK(png_load_file(path, &im, &e) == DK_OK);
    if (e.msg)
        fprintf(stderr, "%s\n", e.msg);
    dk_err_clear(&e);
    CHECK(im && im->w == w && im->h == h && im->c == c);
    if (im && (im->w != w || im->h != h || im->c != c)) {
        image_free(im);
        return NULL;
    }
    return im;
}

static int pixels_are(const RImage *im, const uint8_t *want, size_t n)
{
    return im && memcmp(im->px, want, n) == 0;
}

static void test_normalized_decode(void)
{
    RImage *im = load("tests/data/gray16.png", 4, 1, 1);
    CHECK(pixels_are(im, (const uint8_t[]){0, 128, 18, 255}, 4));
    image_free(im);

    im = load("tests/data/rgba16.png", 2, 1, 4);
    CHECK(pixels_are(im, (const uint8_t[]){255, 0, 128, 255,
                                           0, 1, 254, 127}, 8));
    image_free(im);

    im = load("tests/data/gray_alpha.png", 2, 2, 4);
    CHECK(pixels_are(im, (const uint8_t[]){10, 10, 10, 255, 20, 20, 20, 0,
                                           30, 30, 30, 128,
                                           40, 40, 40, 64}, 16));
    image_free(im);

    im = load("tests/data/palette_trns.png", 3, 1, 4);
    CHECK(pixels_are(im, (const uint8_t[]){255, 0, 0, 255, 0, 255, 0, 7,
                                           0, 0, 255, 255}, 12));
    image_free(im);

    im = load("tests/data/palette.png", 2, 1, 3);
    CHECK(pixels_are(im, (const uint8_t[]){1, 2, 3, 250, 251, 252}, 6));
    image_free(im);

    im = load("tests/data/gray1.png", 8, 1, 1);
    CHECK(pixels_are(im, (const uint8_t[]){255, 0, 255, 255, 0, 0, 0, 255},
                     8));
    image_free(im);
}

/* Decoding must fail with DK_ERR_FORMAT, leave *out NULL and name the
 * input in the message. */
static void expect_format_error(const uint8_t *data, size_t len,
                                const char *what)
{
    RImage *im = (RImage *)&rng;  /* must be overwritten with NULL */
    DkErr e = {0};
    dk_status rc = png_decode(data, len, "sample.png", &im, &e);
    CHECK(rc == DK_ERR_FORMAT);
    CHECK(im == NULL);
    CHECK(e.msg && strstr(e.msg, "sample.png"));
    if (rc != DK_ERR_FORMAT)
        fprintf(stderr, "%s: decoded anyway\n", what);
    image_free(im == (RImage *)&rng ? NULL : im);
    dk_err_clear(&e);
}

static void test_bad_input(void)
{
    expect_format_error(NULL, 0, "NULL");
    expect_format_error((const uint8_t *)"", 0, "empty");
    expect_format_error((const uint8_t *)"GIF89a\x01\x00\x01\x00", 10, "gif");
    expect_format_error((const uint8_t *)"\x89PNG", 4, "short signature");

    RImage *im = random_image(20, 9, 3);
    uint8_t *png = NULL;
    size_t len = 0;
    DkErr e = {0};
    CHECK(png_encode(im, PNG_LEVEL_DEFAULT, &png, &len, &e) == DK_OK);
    image_free(im);

    /* Every strict prefix is a truncated file. */
    int decoded = 0;
    for (size_t n = 0; n < len; n++) {
        RImage *out = NULL;
        if (png_decode(png, n, "prefix", &out, &e) == DK_OK)
            decoded++;
        image_free(out);
        dk_err_clear(&e);
    }
    CHECK(decoded == 0);
    expect_format_error(png, len - 12, "no IEND");
    expect_format_error(png, len / 2, "half");

    /* Flip one byte at a time past the signature: a CRC or zlib error
     * must be reported, never a crash or a silently wrong image of the
     * wrong size. */
    int crashes_or_wrong = 0;
    for (size_t i = 8; i < len; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, png, len);
        copy[i] ^= 0x5A;
        RImage *out = NULL;
        dk_status rc = png_decode(copy, len, "flipped", &out, &e);
        if (rc == DK_OK && (out->w != 20 || out->h != 9))
            crashes_or_wrong++;
        if (rc != DK_OK && (out || !e.msg))
            crashes_or_wrong++;
        image_free(out);
        free(copy);
        dk_err_clear(&e);
    }
    CHECK(crashes_or_wrong == 0);
    free(png);
}

static void test_files(void)
{
    RImage *im = NULL;
    DkErr e = {0};
    CHECK(png_load_file("/nonexistent/dir/x.png", &im, &e) == DK_ERR_IO);
    CHECK(im == NULL && e.msg && strstr(e.msg, "/nonexistent/dir/x.png"));
    dk_err_clear(&e);

    /* A truncated file on disk names the file. */
    const char *path = "/tmp/dk_test_png_truncated.png";
    RImage *src = random_image(5, 5, 1);
    CHECK(png_save_file(path, src, &e) == DK_OK);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        CHECK(truncate(path, size - 20) == 0);
    }
    CHECK(png_load_file(path, &im, &e) == DK_ERR_FORMAT);
    CHECK(im == NULL && e.msg && strstr(e.msg, path));
    CHECK(e.hint != NULL);
    dk_err_clear(&e);
    remove(path);
    image_free(src);

    CHECK(png_save_file("/nonexistent/dir/y.png", NULL, &e)
          == DK_ERR_ARG);
    dk_err_clear(&e);
}

static void test_encode_args(void)
{
    DkErr e = {0};
    uint8_t *png = (uint8_t *)"x";
    RImage bad = {4, 4, 2, (uint8_t[32]){0}};
    CHECK(png_encode(&bad, PNG_LEVEL_DEFAULT, &png, NULL, &e) == DK_ERR_ARG);
    CHECK(png == NULL);
    dk_err_clear(&e);
    RImage ok = {1, 1, 1, (uint8_t[1]){7}};
    CHECK(png_encode(&ok, 10, &png, NULL, &e) == DK_ERR_ARG);
    dk_err_clear(&e);
    RImage empty = {0, 4, 1, (uint8_t[1]){0}};
    CHECK(png_encode(&empty, 3, &png, NULL, &e) == DK_ERR_ARG);
    dk_err_clear(&e);
}

int main(void)
{
    test_round_trips();
    test_normalized_decode();
    test_bad_input();
    test_files();
    test_encode_args();
    return check_report("test_png");
}
