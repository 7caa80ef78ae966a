/*
 * image.h: images as the diffusion code sees them: float tensors.
 *
 * A DImage is a float32 tensor of shape (N, C, H, W) on the chosen device
 * (N images of C channels, H rows, W columns; N is usually 1).  Pixel
 * values follow the course's convention (docs/part-a.md,
 * "The schedule"): photographs are mapped from [0, 1] to [-1, 1] by 2x - 1, which is
 * what DeepFloyd's UNet expects, and shown as x/2 + 0.5 clipped to [0, 1].
 * A mask (DImage.mask = 1) instead holds values in [0, 1] with C = 1:
 * 1 where new content is wanted, 0 where the original is kept (§4.9).
 *
 * Loading follows the course's notebook helper: RGB, Resize(size) on the
 * shorter side, CenterCrop(size).  The resize is bicubic with
 * antialiasing (PIL's filter, as torchvision applies it to PIL images),
 * done by libtorch's interpolate, and clamped to the value range as PIL's
 * 8-bit output is.  Crop offsets use Python's round() (half to even), as
 * torchvision's CenterCrop does.
 *
 * Ownership: every DImage ** out-parameter receives a new DImage the caller
 * frees with dimage_free (NULL is a no-op); on error it is NULL, err says
 * why and the inputs are unchanged.  Input DImages are borrowed.  Errors:
 * DK_ERR_IO (a file cannot be read or written), DK_ERR_FORMAT (not a
 * PNG/JPEG, truncated, corrupt: the message names the file), DK_ERR_ARG
 * (a size or box outside the image), DK_ERR_OOM, DK_ERR_TORCH.
 */
#ifndef DK_DIMAGE_H
#define DK_DIMAGE_H

#include <stdint.h>

#include "backend/backend.h"
#include "render/image.h"
#include "util/err.h"

#define DIMAGE_MAX_SIZE 4096  /* the largest `size` load accepts */

typedef struct DImage {
    const TsApi *api;  /* the backend that owns t (borrowed, static) */
    ts_tensor *t;      /* (N, C, H, W) float32, owned */
    int n, c, h, w;
    int mask;          /* 1: a mask with values in [0, 1]; 0: [-1, 1] */
} DImage;

/* Wrap t (taken over, freed on error too): reads its shape, which must be
 * 4-D.  mask as in DImage. */
dk_status dimage_wrap(const TsApi *api, ts_tensor *t, int mask,
                      DImage **out, DkErr *err);
void dimage_free(DImage *im);

/* The channels' name for messages: "gray", "RGB", "RGBA", "4-channel". */
const char *dimage_mode(const DImage *im);

/* One 8-bit picture (N = 1) to a (1, C, H, W) tensor in [-1, 1] on the
 * chosen device. */
dk_status dimage_from_rimage(const TsApi *api, const RImage *ri,
                             DImage **out, DkErr *err);

/* Item i of the batch as 8-bit pixels for display (x/2 + 0.5 clipped;
 * masks: x clipped).  New RImage or NULL with err set. */
RImage *dimage_to_rimage(const DImage *im, int i, DkErr *err);

/* Read a PNG or JPEG file (told apart by content, not name) as RGB in
 * [-1, 1]; size > 0 resizes the shorter side to size and centre-crops
 * size x size; size == 0 keeps the picture as it is. */
dk_status dimage_load(const TsApi *api, const char *path, int size,
                      DImage **out, DkErr *err);

/* Write item 0 (or, for a batch, a row of all items) to path, as JPEG
 * when the name ends in .jpg/.jpeg and PNG otherwise, atomically: a
 * temporary file in the same folder renamed over path. */
dk_status dimage_save(const DImage *im, const char *path, DkErr *err);

/* Resize to exactly h x w (bicubic, antialiased, clamped). */
dk_status dimage_resize(const DImage *im, int h, int w, DImage **out,
                        DkErr *err);
/* Resize so the shorter side is `size`, the longer one size*long/short
 * rounded down (torchvision's Resize(int)). */
dk_status dimage_resize_short(const DImage *im, int size, DImage **out,
                              DkErr *err);
/* The box of h x w pixels whose top-left corner is (x, y); it must lie
 * inside the image. */
dk_status dimage_crop(const DImage *im, int x, int y, int w, int h,
                      DImage **out, DkErr *err);
/* The centred h x w box (torchvision's CenterCrop; no padding: the box
 * must fit). */
dk_status dimage_center_crop(const DImage *im, int h, int w, DImage **out,
                             DkErr *err);
/* Mirror left-right (vertical = 0) or upside down (vertical = 1). */
dk_status dimage_flip(const DImage *im, int vertical, DImage **out,
                      DkErr *err);

/* Masks, (1, 1, h, w) in {0, 1} on the chosen device. */
typedef enum {
    DMASK_RECT,      /* 1 inside the box x, y, w, h */
    DMASK_CIRCLE,    /* 1 within radius r of the centre (x, y) */
    DMASK_LUMINANCE  /* 1 where like's Rec. 601 luma (0..1) > threshold */
} DMaskShape;

typedef struct DMaskSpec {
    DMaskShape shape;
    double x, y, w, h, r;  /* pixels; (x, y) top-left for rect, centre for
                              circle; pixel (i, j) counts as inside when its
                              centre (i + 0.5, j + 0.5) is */
    double threshold;      /* luminance cut in [0, 1] */
    int invert;            /* swap 0 and 1 */
} DMaskSpec;

/* A mask of like's height and width (item 0 of like for DMASK_LUMINANCE). */
dk_status dimage_mask(const DImage *like, const DMaskSpec *spec,
                      DImage **out, DkErr *err);

/* Item i as a (1, C, H, W) image. */
dk_status dimage_item(const DImage *im, int i, DImage **out, DkErr *err);

#endif
