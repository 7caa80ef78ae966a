/*
 * image.h: the 8-bit pixel buffer every renderer draws into and reads from.
 *
 * An RImage is w x h pixels of c interleaved channels (1 gray, 3 RGB,
 * 4 RGBA, straight alpha), row-major, no row padding: pixel (x, y) channel
 * k is px[(y * w + x) * c + k].  Tensors arrive as float CHW arrays, so
 * image_from_float converts those (clamping, NaN to 0).  The drawing
 * helpers clip to the image, so callers may draw partly outside it.
 *
 * Limits: 1 <= w, h <= IMAGE_MAX_DIM and w*h*c <= IMAGE_MAX_BYTES, so sizes
 * never overflow an int index computed in size_t.
 *
 * Ownership: image_new/_copy/_from_float/_convert/_scale return a new
 * RImage the caller frees with image_free (NULL is a no-op); on error they
 * return NULL with err set (DK_ERR_ARG for bad sizes or channel counts,
 * DK_ERR_OOM) and leave their inputs untouched.  Other functions borrow.
 */
#ifndef DK_IMAGE_H
#define DK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

#define IMAGE_MAX_DIM 16384
#define IMAGE_MAX_BYTES ((size_t)256 << 20)

typedef struct RImage {
    int w, h, c;
    uint8_t *px;  /* owned; w * h * c bytes */
} RImage;

/* A colour with straight alpha; a = 255 is opaque. */
typedef struct RColor {
    uint8_t r, g, b, a;
} RColor;

/* Which float range maps to 0..255. */
typedef enum {
    IMAGE_RANGE_01,   /* [0, 1]: images, masks */
    IMAGE_RANGE_PM1   /* [-1, 1]: what diffusion models produce */
} ImageRange;

/* A new image with every byte 0 (black, transparent). */
RImage *image_new(int w, int h, int c, DkErr *err);
void image_free(RImage *im);
RImage *image_copy(const RImage *im, DkErr *err);

/* Check an RImage handed in by a caller: px set, c in {1, 3, 4}, sizes in
 * range.  Returns DK_OK or DK_ERR_ARG naming `what` ("frame 3"). */
dk_status image_check(const RImage *im, const char *what, DkErr *err);

/* From c planes of h x w floats (CHW, as tensors store them).  Values
 * outside the range are clamped, NaN becomes the range's low end. */
RImage *image_from_float(const float *chw, int c, int h, int w,
                         ImageRange range, DkErr *err);

/* The same picture with c channels (gray<->RGB uses Rec. 601 luma; adding
 * alpha makes it opaque; dropping alpha composites over black). */
RImage *image_convert(const RImage *im, int c, DkErr *err);

/* Nearest-neighbour upscale by an integer factor 1..64. */
RImage *image_scale(const RImage *im, int factor, DkErr *err);

/* Pixel (x, y) as a colour (gray replicated, alpha 255 without alpha
 * channel).  x, y must be inside. */
RColor image_get(const RImage *im, int x, int y);

/* Blend colour col over pixel (x, y) with extra coverage cov 0..255
 * (anti-aliasing); no-op outside the image. */
void image_blend(RImage *im, int x, int y, RColor col, int cov);

/* Fill the whole image / a clipped rectangle (blending when col.a < 255). */
void image_fill(RImage *im, RColor col);
void image_fill_rect(RImage *im, int x, int y, int w, int h, RColor col);

/* Draw src into dst with its top-left at (x, y), each pixel as a
 * scale x scale block; channels are converted and src alpha composited
 * over dst.  Clipped to dst. */
void image_blit(RImage *dst, const RImage *src, int x, int y, int scale);

#endif
