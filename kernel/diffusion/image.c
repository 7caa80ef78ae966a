/*
 * image.c: loading, saving and reshaping DImages (see image.h).
 *
 * Pixels cross between the host and the tensor in two places only:
 * dimage_from_rimage (uint8 HWC -> float NCHW in [-1, 1]) and
 * dimage_to_rimage (float NCHW -> uint8 HWC); everything else is one or two
 * shim calls on the tensor where it lives.
 *
 * Shapes: N images, C channels, H x W pixels.
 */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "render/grid.h"
#include "render/jpeg.h"
#include "render/png.h"

#define MAX_FILE_BYTES ((size_t)64 << 20) /* larger files: surely not photos */

/* Fail with the shim's message when st is not TS_OK. */
#define TRY_TS(api, call)                                                  \
    do {                                                                   \
        ts_status st_ = (call);                                            \
        if (st_ != TS_OK)                                                  \
            return backend_error((api), st_, err);                         \
    } while (0)

dk_status dimage_wrap(const TsApi *api, ts_tensor *t, int mask,
                      DImage **out, DkErr *err)
{
    *out = NULL;
    int64_t d[TS_MAX_DIMS];
    int nd = 0;
    ts_status st = api->tensor_shape(t, d, TS_MAX_DIMS, &nd);
    if (st != TS_OK) {
        api->tensor_free(t);
        return backend_error(api, st, err);
    }
    if (nd != 4) {
        api->tensor_free(t);
        return dk_err_set(err, DK_ERR_SHAPE, "an image needs 4 dims "
                          "(N, C, H, W), not %d", nd);
    }
    DImage *im = malloc(sizeof *im);
    if (!im) {
        api->tensor_free(t);
        return dk_err_oom(err);
    }
    *im = (DImage){api, t, (int)d[0], (int)d[1], (int)d[2], (int)d[3], mask};
    *out = im;
    return DK_OK;
}

void dimage_free(DImage *im)
{
    if (!im)
        return;
    im->api->tensor_free(im->t);
    free(im);
}

const char *dimage_mode(const DImage *im)
{
    switch (im->c) {
    case 1: return im->mask ? "mask" : "gray";
    case 3: return "RGB";
    case 4: return "RGBA";
    default: return "multi-channel";
    }
}

/* ---- host <-> tensor ------------------------------------------------------ */

dk_status dimage_from_rimage(const TsApi *api, const RImage *ri,
                             DImage **out, DkErr *err)
{
    *out = NULL;
    int64_t hwc[3] = {ri->h, ri->w, ri->c};
    const int64_t perm[3] = {2, 0, 1};
    ts_tensor *u8 = NULL, *chw = NULL, *f = NULL, *dev = NULL, *x = NULL;
    ts_status st = api->tensor_from_data(&u8, ri->px, hwc, 3, TS_U8);
    if (st == TS_OK)
        st = api->tensor_permute(&chw, u8, perm, 3);      /* (C, H, W) u8 */
    if (st == TS_OK)
        st = api->tensor_to_dtype(&f, chw, TS_F32);
    if (st == TS_OK)
        st = api->tensor_to_device(&dev, f, TS_DEVICE_DEFAULT);
    /* [0, 255] -> [-1, 1]: x / 127.5 - 1, i.e. 2 (x / 255) - 1 */
    if (st == TS_OK)
        st = api->tensor_div_scalar(&x, dev, 127.5);
    api->tensor_free(u8);
    api->tensor_free(chw);
    api->tensor_free(f);
    api->tensor_free(dev);
    ts_tensor *y = NULL;
    if (st == TS_OK)
        st = api->tensor_sub_scalar(&y, x, 1.0);
    api->tensor_free(x);
    if (st != TS_OK)
        return backend_error(api, st, err);
    int64_t nchw[4] = {1, ri->c, ri->h, ri->w};
    ts_tensor *b = NULL;
    st = api->tensor_reshape(&b, y, nchw, 4);            /* (1, C, H, W) */
    api->tensor_free(y);
    if (st != TS_OK)
        return backend_error(api, st, err);
    return dimage_wrap(api, b, 0, out, err);
}

RImage *dimage_to_rimage(const DImage *im, int i, DkErr *err)
{
    if (i < 0 || i >= im->n) {
        dk_err_set(err, DK_ERR_ARG, "image %d of %d does not exist", i, im->n);
        return NULL;
    }
    const TsApi *api = im->api;
    size_t plane = (size_t)im->h * (size_t)im->w;
    size_t count = (size_t)im->c * plane;
    float *buf = malloc(count * sizeof *buf);
    if (!buf) {
        dk_err_oom(err);
        return NULL;
    }
    ts_tensor *one = NULL;
    ts_status st = api->tensor_select(&one, im->t, 0, i);  /* (C, H, W) */
    if (st == TS_OK)
        st = api->tensor_to_data(one, buf, (int64_t)count, TS_F32);
    api->tensor_free(one);
    if (st != TS_OK) {
        backend_error(api, st, err);
        free(buf);
        return NULL;
    }
    RImage *ri = image_from_float(buf, im->c > 4 ? 3 : im->c, im->h, im->w,
                                  im->mask ? IMAGE_RANGE_01 : IMAGE_RANGE_PM1,
                                  err);
    free(buf);
    return ri;
}

/* ---- files ----------------------------------------------------------------- */

static dk_status read_file(const char *path, uint8_t **data, size_t *len,
                           DkErr *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        dk_err_set(err, DK_ERR_IO, "cannot open %s: %s", path, strerror(e));
        dk_err_hint(err, e == ENOENT ? "check the name; relative paths start "
                    "in the notebook's folder" : "check the file's permissions");
        return DK_ERR_IO;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || n >= MAX_FILE_BYTES)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return dk_err_set(err, DK_ERR_OOM, "out of memory reading %s", path);
    if (bad) {
        free(buf);
        return dk_err_set(err, DK_ERR_IO, "error reading %s", path);
    }
    if (n >= MAX_FILE_BYTES) {
        free(buf);
        return dk_err_set(err, DK_ERR_FORMAT, "%s is larger than %zu MB: not "
                          "a photo this course can use", path,
                          MAX_FILE_BYTES >> 20);
    }
    *data = buf;
    *len = n;
    return DK_OK;
}

static int is_png(const uint8_t *d, size_t n)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return n >= 8 && memcmp(d, sig, 8) == 0;
}

/* Any decoded picture as 3-channel RGB: gray is repeated, alpha dropped
 * (PIL's convert("RGB") drops it the same way). */
static RImage *to_rgb(RImage *ri, DkErr *err)
{
    if (ri->c == 3)
        return ri;
    RImage *rgb = image_new(ri->w, ri->h, 3, err);
    if (rgb) {
        size_t n = (size_t)ri->w * (size_t)ri->h;
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                rgb->px[i * 3 + (size_t)k] =
                    ri->px[i * (size_t)ri->c + (size_t)(ri->c < 3 ? 0 : k)];
    }
    image_free(ri);
    return rgb;
}

dk_status dimage_load(const TsApi *api, const char *path, int size,
                      DImage **out, DkErr *err)
{
    *out = NULL;
    if (size < 0 || size > DIMAGE_MAX_SIZE)
        return dk_err_set(err, DK_ERR_ARG, "size %d is not in 1..%d", size,
                          DIMAGE_MAX_SIZE);
    uint8_t *data = NULL;
    size_t len = 0;
    dk_status rc = read_file(path, &data, &len, err);
    if (rc != DK_OK)
        return rc;
    RImage *ri = NULL;
    if (is_png(data, len)) {
        rc = png_decode(data, len, path, &ri, err);
    } else if (jpeg_sniff(data, len)) {
        rc = jpeg_decode(data, len, path, &ri, err);
    } else {
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s is not a PNG or JPEG image%s",
                        path, len == 0 ? " (the file is empty)" : "");
        dk_err_hint(err, "convert it to .png or .jpg first");
    }
    free(data);
    if (rc != DK_OK)
        return rc;
    ri = to_rgb(ri, err);
    if (!ri)
        return err->code;
    DImage *full = NULL;
    rc = dimage_from_rimage(api, ri, &full, err);
    image_free(ri);
    if (rc != DK_OK || size == 0) {
        *out = full;
        return rc;
    }
    DImage *resized = NULL;
    rc = dimage_resize_short(full, size, &resized, err);
    dimage_free(full);
    if (rc != DK_OK)
        return rc;
    rc = dimage_center_crop(resized, size, size, out, err);
    dimage_free(resized);
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The picture save writes: item 0, or a row of every item of a batch. */
static RImage *picture(const DImage *im, DkErr *err)
{
    if (im->n == 1)
        return dimage_to_rimage(im, 0, err);
    RImage **items = calloc((size_t)im->n, sizeof *items);
    if (!items) {
        dk_err_oom(err);
        return NULL;
    }
    RImage *row = NULL;
    int ok = 1;
    for (int i = 0; i < im->n && ok; i++)
        ok = (items[i] = dimage_to_rimage(im, i, err)) != NULL;
    if (ok) {
        GridOptions o = grid_options_default();
        o.columns = im->n;
        o.scale = 1;
        grid_render((const RImage *const *)items, im->n, NULL, &o, &row, err);
    }
    for (int i = 0; i < im->n; i++)
        image_free(items[i]);
    free(items);
    return row;
}

/* Write bytes to path through path.tmp-XXXXXX in the same folder and a
 * rename, so a reader never sees half a file. */
static dk_status write_atomic(const char *path, const uint8_t *bytes,
                              size_t len, DkErr *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return dk_err_oom(err);
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        dk_err_set(err, DK_ERR_IO, "cannot create %s: %s", path, strerror(e));
        dk_err_hint(err, "check that the folder exists and is writable");
        return DK_ERR_IO;
    }
    FILE *f = fdopen(fd, "wb");
    int ok = f && fwrite(bytes, 1, len, f) == len;
    ok = (f ? fclose(f) == 0 : close(fd) == 0) && ok;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return dk_err_set(err, DK_ERR_IO, "error writing %s: %s", path,
                          strerror(e));
    }
    free(tmp);
    return DK_OK;
}

dk_status dimage_save(const DImage *im, const char *path, DkErr *err)
{
    RImage *ri = picture(im, err);
    if (!ri)
        return err->code;
    uint8_t *bytes = NULL;
    size_t len = 0;
    dk_status rc;
    if (ends_with(path, ".jpg") || ends_with(path, ".jpeg"))
        rc = jpeg_encode(ri, JPEG_QUALITY_DEFAULT, &bytes, &len, err);
    else
        rc = png_encode(ri, PNG_LEVEL_DEFAULT, &bytes, &len, err);
    image_free(ri);
    if (rc == DK_OK)
        rc = write_atomic(path, bytes, len, err);
    free(bytes);
    return rc;
}

/* ---- geometry ----------------------------------------------------------------- */

dk_status dimage_resize(const DImage *im, int h, int w, DImage **out,
                        DkErr *err)
{
    *out = NULL;
    if (h < 1 || w < 1 || h > DIMAGE_MAX_SIZE * 4 || w > DIMAGE_MAX_SIZE * 4)
        return dk_err_set(err, DK_ERR_ARG, "cannot resize to %dx%d pixels",
                          w, h);
    const TsApi *api = im->api;
    ts_tensor *r = NULL, *c = NULL;
    /* (N, C, h, w); bicubic overshoots at edges: clamp like PIL's uint8 */
    TRY_TS(api, api->tensor_interpolate(&r, im->t, h, w, TS_INTERP_BICUBIC,
                                        0, 1));
    ts_status st = api->tensor_clamp(&c, r, im->mask ? 0.0 : -1.0, 1.0);
    api->tensor_free(r);
    if (st != TS_OK)
        return backend_error(api, st, err);
    return dimage_wrap(api, c, im->mask, out, err);
}

dk_status dimage_resize_short(const DImage *im, int size, DImage **out,
                              DkErr *err)
{
    *out = NULL;
    if (size < 1 || size > DIMAGE_MAX_SIZE)
        return dk_err_set(err, DK_ERR_ARG, "size %d is not in 1..%d", size,
                          DIMAGE_MAX_SIZE);
    int shorter = im->h < im->w ? im->h : im->w;
    int longer = im->h < im->w ? im->w : im->h;
    int other = (int)((long long)size * longer / shorter);
    if (im->h <= im->w)
        return dimage_resize(im, size, other, out, err);
    return dimage_resize(im, other, size, out, err);
}

dk_status dimage_crop(const DImage *im, int x, int y, int w, int h,
                      DImage **out, DkErr *err)
{
    *out = NULL;
    if (w < 1 || h < 1 || x < 0 || y < 0 || x + w > im->w || y + h > im->h) {
        dk_err_set(err, DK_ERR_ARG, "the box x=%d y=%d w=%d h=%d is not "
                   "inside the %dx%d image", x, y, w, h, im->w, im->h);
        dk_err_hint(err, "x + w must be at most %d and y + h at most %d",
                    im->w, im->h);
        return DK_ERR_ARG;
    }
    const TsApi *api = im->api;
    ts_tensor *rows = NULL, *box = NULL;
    TRY_TS(api, api->tensor_slice(&rows, im->t, 2, y, y + h, 1)); /* (N,C,h,W) */
    ts_status st = api->tensor_slice(&box, rows, 3, x, x + w, 1); /* (N,C,h,w) */
    api->tensor_free(rows);
    if (st != TS_OK)
        return backend_error(api, st, err);
    return dimage_wrap(api, box, im->mask, out, err);
}

dk_status dimage_center_crop(const DImage *im, int h, int w, DImage **out,
                             DkErr *err)
{
    *out = NULL;
    if (h > im->h || w > im->w) {
        dk_err_set(err, DK_ERR_ARG, "cannot cut %dx%d out of a %dx%d image",
                   w, h, im->w, im->h);
        dk_err_hint(err, "resize it first: resize img %d", h > w ? h : w);
        return DK_ERR_ARG;
    }
    /* torchvision: int(round((H - h) / 2.0)), Python's round: half to even */
    int top = (int)nearbyint((im->h - h) / 2.0);
    int left = (int)nearbyint((im->w - w) / 2.0);
    return dimage_crop(im, left, top, w, h, out, err);
}

dk_status dimage_flip(const DImage *im, int vertical, DImage **out,
                      DkErr *err)
{
    *out = NULL;
    const int64_t dim = vertical ? 2 : 3;  /* H or W of (N, C, H, W) */
    ts_tensor *f = NULL;
    TRY_TS(im->api, im->api->tensor_flip(&f, im->t, &dim, 1));
    return dimage_wrap(im->api, f, im->mask, out, err);
}

dk_status dimage_item(const DImage *im, int i, DImage **out, DkErr *err)
{
    *out = NULL;
    if (i < 0 || i >= im->n)
        return dk_err_set(err, DK_ERR_ARG, "image %d of %d does not exist",
                          i, im->n);
    ts_tensor *s = NULL;
    TRY_TS(im->api, im->api->tensor_slice(&s, im->t, 0, i, i + 1, 1));
    return dimage_wrap(im->api, s, im->mask, out, err);
}

/* ---- masks -------------------------------------------------------------------- */

/* Luma of item 0 in [0, 1] per pixel into m (h * w floats). */
static dk_status luma(const DImage *like, float *m, DkErr *err)
{
    size_t plane = (size_t)like->h * (size_t)like->w;
    float *px = malloc((size_t)like->c * plane * sizeof *px);
    if (!px)
        return dk_err_oom(err);
    ts_tensor *one = NULL;
    ts_status st = like->api->tensor_select(&one, like->t, 0, 0); /* (C,H,W) */
    if (st == TS_OK)
        st = like->api->tensor_to_data(one, px, (int64_t)((size_t)like->c *
                                                          plane), TS_F32);
    like->api->tensor_free(one);
    if (st != TS_OK) {
        free(px);
        return backend_error(like->api, st, err);
    }
    for (size_t i = 0; i < plane; i++) {
        double v;
        if (like->c >= 3)  /* Rec. 601, as PIL's convert("L") */
            v = 0.299 * px[i] + 0.587 * px[plane + i] + 0.114 * px[2 * plane + i];
        else
            v = px[i];
        m[i] = (float)(like->mask ? v : v / 2 + 0.5);
    }
    free(px);
    return DK_OK;
}

dk_status dimage_mask(const DImage *like, const DMaskSpec *spec,
                      DImage **out, DkErr *err)
{
    *out = NULL;
    int h = like->h, w = like->w;
    float *m = calloc((size_t)h * (size_t)w, sizeof *m);  /* (H, W) */
    if (!m)
        return dk_err_oom(err);
    if (spec->shape == DMASK_LUMINANCE) {
        dk_status rc = luma(like, m, err);
        if (rc != DK_OK) {
            free(m);
            return rc;
        }
    }
    for (int j = 0; j < h; j++) {
        for (int i = 0; i < w; i++) {
            double cx = i + 0.5, cy = j + 0.5;
            float *v = &m[(size_t)j * (size_t)w + (size_t)i];
            int in;
            if (spec->shape == DMASK_RECT)
                in = cx >= spec->x && cx < spec->x + spec->w &&
                     cy >= spec->y && cy < spec->y + spec->h;
            else if (spec->shape == DMASK_CIRCLE)
                in = (cx - spec->x) * (cx - spec->x) +
                     (cy - spec->y) * (cy - spec->y) <= spec->r * spec->r;
            else
                in = *v > spec->threshold;
            *v = (float)(in != spec->invert);
        }
    }
    int64_t shape[4] = {1, 1, h, w};
    ts_tensor *cpu = NULL, *dev = NULL;
    ts_status st = like->api->tensor_from_data(&cpu, m, shape, 4, TS_F32);
    free(m);
    if (st == TS_OK)
        st = like->api->tensor_to_device(&dev, cpu, TS_DEVICE_DEFAULT);
    like->api->tensor_free(cpu);
    if (st != TS_OK)
        return backend_error(like->api, st, err);
    return dimage_wrap(like->api, dev, 1, out, err);
}
