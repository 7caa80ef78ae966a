/*
 * test_render_progression.c: the progression bundle carries every frame
 * and timestep in the custom type (sampled evenly past the cap), a strip
 * of at most 10 captioned frames as PNG and HTML, and a plain summary;
 * frames of different sizes are refused.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render/png.h"
#include "render/progression.h"
#include "util/base64.h"

static RImage *frame(int i, int w, int h)
{
    RImage *im = image_new(w, h, 3, NULL);
    for (size_t k = 0; im && k < (size_t)w * h * 3; k++)
        im->px[k] = (uint8_t)(k * 7 + (size_t)i * 13);
    return im;
}

static void test_pick(void)
{
    int idx[300];
    CHECK(progression_pick(5, 10, idx) == 5 && idx[0] == 0 && idx[4] == 4);
    CHECK(progression_pick(1000, 10, idx) == 10);
    CHECK(idx[0] == 0 && idx[9] == 999);
    int increasing = 1;
    for (int i = 1; i < 10; i++)
        increasing &= idx[i] > idx[i - 1];
    CHECK(increasing);
    CHECK(progression_pick(11, 10, idx) == 10 && idx[9] == 10);
    for (int i = 1; i < 10; i++)
        increasing &= idx[i] > idx[i - 1];
    CHECK(increasing);
    CHECK(progression_pick(7, 1, idx) == 1 && idx[0] == 6);
    CHECK(progression_pick(0, 10, idx) == 0);
}

static void check_frames_decode(json_t *frames, int w, int h, RImage **src,
                                int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const char *b64 = json_string_value(json_array_get(frames, i));
        uint8_t *png = NULL;
        size_t len = 0;
        RImage *im = NULL;
        if (!b64 || base64_decode(b64, strlen(b64), &png, &len, NULL) ||
            png_decode(png, len, "frame", &im, NULL) || im->w != w ||
            im->h != h || memcmp(im->px, src[i]->px, (size_t)w * h * 3))
            bad++;
        free(png);
        image_free(im);
    }
    CHECK(bad == 0);
}

static void test_bundle(void)
{
    enum { N = 12 };
    RImage *fr[N];
    int ts[N];
    for (int i = 0; i < N; i++) {
        fr[i] = frame(i, 16, 12);
        ts[i] = 990 - 90 * i;
    }
    json_t *data = NULL, *meta = NULL;
    DkErr e = {0};
    CHECK(progression_bundle((const RImage *const *)fr, ts, N, "Denoise", 0,
                             &data, &meta, &e) == DK_OK);
    json_t *p = json_object_get(data, PROGRESSION_MIME);
    CHECK(json_is_object(p));
    CHECK(json_array_size(json_object_get(p, "frames")) == N);
    json_t *jts = json_object_get(p, "timesteps");
    CHECK(json_array_size(jts) == N);
    CHECK(json_integer_value(json_array_get(jts, 0)) == 990);
    CHECK(json_integer_value(json_array_get(jts, N - 1)) == 0);
    CHECK(json_integer_value(json_object_get(p, "width")) == 16);
    CHECK(json_integer_value(json_object_get(p, "height")) == 12);
    CHECK(json_integer_value(json_object_get(p, "version")) == 1);
    CHECK_STR(json_string_value(json_object_get(p, "title")), "Denoise");
    check_frames_decode(json_object_get(p, "frames"), 16, 12, fr, N);
    CHECK(json_is_string(json_object_get(data, "image/png")));
    CHECK(json_is_object(json_object_get(meta, "image/png")));
    CHECK_STR(json_string_value(json_object_get(data, "text/plain")),
              "Denoise: 12 frames (16x12), t=990..0");
    const char *html = json_string_value(json_object_get(data, "text/html"));
    int imgs = 0;
    for (const char *q = html; q && (q = strstr(q, "<img ")); q++)
        imgs++;
    CHECK(imgs == PROGRESSION_STRIP_FRAMES);
    CHECK(html && strstr(html, ">t=990<") && strstr(html, ">t=0<"));
    /* The strip: one row of 10 cells, 16 px frames auto-scaled 8x. */
    const char *b64 = json_string_value(json_object_get(data, "image/png"));
    uint8_t *png = NULL;
    size_t len = 0;
    RImage *strip = NULL;
    CHECK(b64 && base64_decode(b64, strlen(b64), &png, &len, &e) == DK_OK);
    CHECK(png_decode(png, len, "strip", &strip, &e) == DK_OK);
    CHECK(strip && strip->w == 8 + 10 * (128 + 8));
    CHECK(json_integer_value(json_object_get(json_object_get(meta,
          "image/png"), "width")) == (strip ? strip->w : -1));
    png_save_file("/tmp/dk_sample_progression.png", strip, &e);
    free(png);
    image_free(strip);
    json_decref(data);
    json_decref(meta);

    /* Different sizes are refused with a shape error. */
    RImage *odd = frame(0, 8, 8);
    RImage *saved = fr[5];
    fr[5] = odd;
    CHECK(progression_bundle((const RImage *const *)fr, ts, N, NULL, 0,
                             &data, &meta, &e) == DK_ERR_SHAPE);
    CHECK(data == NULL && meta == NULL && e.msg && strstr(e.msg, "frame 5"));
    dk_err_clear(&e);
    fr[5] = saved;
    image_free(odd);
    CHECK(progression_bundle((const RImage *const *)fr, ts, 0, NULL, 0,
                             &data, &meta, &e) == DK_ERR_ARG);
    dk_err_clear(&e);
    for (int i = 0; i < N; i++)
        image_free(fr[i]);
}

static void test_cap(void)
{
    enum { N = 300 };
    RImage *one = frame(0, 4, 4);
    const RImage *fr[N];
    int ts[N];
    for (int i = 0; i < N; i++) {
        fr[i] = one;
        ts[i] = N - 1 - i;
    }
    json_t *data = NULL, *meta = NULL;
    CHECK(progression_bundle(fr, ts, N, "", 0, &data, &meta, NULL) == DK_OK);
    json_t *p = json_object_get(data, PROGRESSION_MIME);
    json_t *jts = json_object_get(p, "timesteps");
    CHECK(json_array_size(json_object_get(p, "frames")) ==
          PROGRESSION_MAX_FRAMES);
    CHECK(json_array_size(jts) == PROGRESSION_MAX_FRAMES);
    CHECK(json_integer_value(json_array_get(jts, 0)) == N - 1);
    CHECK(json_integer_value(json_array_get(jts, PROGRESSION_MAX_FRAMES - 1))
          == 0);
    CHECK_STR(json_string_value(json_object_get(p, "title")), "");
    json_decref(data);
    json_decref(meta);
    image_free(one);
}

int main(void)
{
    test_pick();
    test_bundle();
    test_cap();
    return check_report("test_render_progression");
}
