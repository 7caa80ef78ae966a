/*
 * image.c: creating, converting and drawing into 8-bit RImages.
 *
 * Everything goes through image_get / a private put so channel counts are
 * handled in one place; the renderers' images are small (at most a few
 * megapixels) so per-pixel calls cost nothing that matters.
 */
#include "image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t image_bytes(const RImage *im)
{
    return (size_t)im->w * (size_t)im->h * (size_t)im->c;
}

static dk_status check_size(int w, int h, int c, DkErr *err)
{
    if (c != 1 && c != 3 && c != 4)
        return dk_err_set(err, DK_ERR_ARG, "an image needs 1, 3 or 4 "
                          "channels, not %d", c);
    if (w < 1 || h < 1 || w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM) {
        dk_err_set(err, DK_ERR_ARG, "image size %dx%d is out of range",
                   w, h);
        dk_err_hint(err, "width and height must be 1 to %d", IMAGE_MAX_DIM);
        return DK_ERR_ARG;
    }
    if ((size_t)w * (size_t)h * (size_t)c > IMAGE_MAX_BYTES) {
        dk_err_set(err, DK_ERR_ARG, "image %dx%dx%d is larger than %zu MiB",
                   w, h, c, IMAGE_MAX_BYTES >> 20);
        return DK_ERR_ARG;
    }
    return DK_OK;
}

dk_status image_check(const RImage *im, const char *what, DkErr *err)
{
    if (!im || !im->px)
        return dk_err_set(err, DK_ERR_ARG, "%s: no image", what);
    if (check_size(im->w, im->h, im->c, err) != DK_OK) {
        dk_err_prefix(err, "%s: ", what);
        return DK_ERR_ARG;
    }
    return DK_OK;
}

RImage *image_new(int w, int h, int c, DkErr *err)
{
    if (check_size(w, h, c, err) != DK_OK)
        return NULL;
    RImage *im = malloc(sizeof *im);
    uint8_t *px = calloc((size_t)w * (size_t)h, (size_t)c);
    if (!im || !px) {
        free(im);
        free(px);
        dk_err_set(err, DK_ERR_OOM, "out of memory for a %dx%d image", w, h);
        return NULL;
    }
    *im = (RImage){w, h, c, px};
    return im;
}

void image_free(RImage *im)
{
    if (!im)
        return;
    free(im->px);
    free(im);
}

RImage *image_copy(const RImage *im, DkErr *err)
{
    if (image_check(im, "image_copy", err) != DK_OK)
        return NULL;
    RImage *out = image_new(im->w, im->h, im->c, err);
    if (out)
        memcpy(out->px, im->px, image_bytes(im));
    return out;
}

static uint8_t to_byte(float v, ImageRange range)
{
    if (range == IMAGE_RANGE_PM1)
        v = (v + 1.0f) * 0.5f;
    if (!(v > 0.0f))  /* also catches NaN */
        return 0;
    if (v >= 1.0f)
        return 255;
    return (uint8_t)lrintf(v * 255.0f);
}

RImage *image_from_float(const float *chw, int c, int h, int w,
                         ImageRange range, DkErr *err)
{
    if (!chw) {
        dk_err_set(err, DK_ERR_ARG, "image_from_float: no data");
        return NULL;
    }
    RImage *im = image_new(w, h, c, err);
    if (!im)
        return NULL;
    size_t plane = (size_t)w * (size_t)h;
    for (int k = 0; k < c; k++)
        for (size_t i = 0; i < plane; i++)
            im->px[i * (size_t)c + (size_t)k] =
                to_byte(chw[(size_t)k * plane + i], range);
    return im;
}

RColor image_get(const RImage *im, int x, int y)
{
    const uint8_t *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) *
                                (size_t)im->c;
    switch (im->c) {
    case 1: return (RColor){p[0], p[0], p[0], 255};
    case 3: return (RColor){p[0], p[1], p[2], 255};
    default: return (RColor){p[0], p[1], p[2], p[3]};
    }
}

static uint8_t luma(RColor col)
{
    return (uint8_t)((col.r * 299u + col.g * 587u + col.b * 114u + 500u) /
                     1000u);
}

/* Store col at (x, y) as is (no blending). */
static void put(RImage *im, int x, int y, RColor col)
{
    uint8_t *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) *
                          (size_t)im->c;
    switch (im->c) {
    case 1: p[0] = luma(col); break;
    case 3: p[0] = col.r; p[1] = col.g; p[2] = col.b; break;
    default: p[0] = col.r; p[1] = col.g; p[2] = col.b; p[3] = col.a;
    }
}

static uint8_t mix(uint8_t under, uint8_t over, unsigned a)
{
    return (uint8_t)((over * a + under * (255u - a) + 127u) / 255u);
}

void image_blend(RImage *im, int x, int y, RColor col, int cov)
{
    if (x < 0 || y < 0 || x >= im->w || y >= im->h || cov <= 0)
        return;
    unsigned a = (unsigned)col.a * (unsigned)(cov > 255 ? 255 : cov) / 255u;
    if (a >= 255) {
        put(im, x, y, (RColor){col.r, col.g, col.b, 255});
        return;
    }
    RColor d = image_get(im, x, y);
    /* Porter-Duff "over" with straight alpha. */
    unsigned da = d.a * (255u - a) / 255u, oa = a + da;
    RColor o = {0, 0, 0, (uint8_t)oa};
    if (oa > 0) {
        o.r = (uint8_t)((col.r * a + d.r * da + oa / 2) / oa);
        o.g = (uint8_t)((col.g * a + d.g * da + oa / 2) / oa);
        o.b = (uint8_t)((col.b * a + d.b * da + oa / 2) / oa);
    }
    put(im, x, y, o);
}

void image_fill_rect(RImage *im, int x, int y, int w, int h, RColor col)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > im->w ? im->w : x + w;
    int y1 = y + h > im->h ? im->h : y + h;
    for (int yy = y0; yy < y1; yy++)
        for (int xx = x0; xx < x1; xx++)
            image_blend(im, xx, yy, col, 255);
}

void image_fill(RImage *im, RColor col)
{
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            put(im, x, y, col);
}

void image_blit(RImage *dst, const RImage *src, int x, int y, int scale)
{
    if (scale < 1)
        scale = 1;
    for (int sy = 0; sy < src->h; sy++)
        for (int sx = 0; sx < src->w; sx++) {
            RColor col = image_get(src, sx, sy);
            for (int dy = 0; dy < scale; dy++)
                for (int dx = 0; dx < scale; dx++)
                    image_blend(dst, x + sx * scale + dx,
                                y + sy * scale + dy, col, 255);
        }
}

RImage *image_convert(const RImage *im, int c, DkErr *err)
{
    if (image_check(im, "image_convert", err) != DK_OK)
        return NULL;
    RImage *out = image_new(im->w, im->h, c, err);
    if (!out)
        return NULL;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++) {
            RColor col = image_get(im, x, y);
            if (c != 4 && col.a < 255) {
                /* Dropping alpha: composite over black. */
                col.r = mix(0, col.r, col.a);
                col.g = mix(0, col.g, col.a);
                col.b = mix(0, col.b, col.a);
            }
            put(out, x, y, col);
        }
    return out;
}

RImage *image_scale(const RImage *im, int factor, DkErr *err)
{
    if (image_check(im, "image_scale", err) != DK_OK)
        return NULL;
    if (factor < 1 || factor > 64) {
        dk_err_set(err, DK_ERR_ARG, "scale factor %d is out of range",
                   factor);
        dk_err_hint(err, "use a whole number from 1 to 64");
        return NULL;
    }
    RImage *out = image_new(im->w * factor, im->h * factor, im->c, err);
    if (!out)
        return NULL;
    size_t c = (size_t)im->c;
    for (int y = 0; y < out->h; y++) {
        const uint8_t *srow = im->px + (size_t)(y / factor) * im->w * c;
        uint8_t *drow = out->px + (size_t)y * out->w * c;
        for (int x = 0; x < out->w; x++)
            memcpy(drow + (size_t)x * c, srow + (size_t)(x / factor) * c, c);
    }
    return out;
}
