/*
 * cmd_image.h: the `image` value type, shared by the command files that
 * make or take images (cmd_image.c, cmd_diffusion.c, cmd_backend.c).
 *
 * An image value wraps a diffusion-layer DImage (diffusion/image.h): a
 * float32 tensor (N, C, H, W) in [-1, 1] on the chosen device, or a mask
 * in [0, 1].  It shows as its picture (image/png of the exact pixels, an
 * upscaled text/html <img> for small ones, a grid for a batch) with the
 * text/plain "image 64x64 RGB"; fields: width, height, channels, count,
 * mode, device, mean, std.
 *
 * Ownership: image_value takes the DImage (freed on OOM too) and returns a
 * new reference; image_of and images_arg borrow from the Value they are
 * given, valid while it lives.
 */
#ifndef DK_CMD_IMAGE_H
#define DK_CMD_IMAGE_H

#include "../diffusion/image.h"
#include "registry.h"

extern const ObjType image_objtype;

/* A new image value owning im; NULL when out of memory. */
Value *image_value(DImage *im);
/* The DImage inside an image value, or NULL for any other value. */
const DImage *image_of(const Value *v);

/* Load the libtorch backend (first use: a second or two), reporting a
 * failure as an error of the whole call. */
dk_status cmd_api(CallCtx *cx, const TsApi **api);

/* Argument `arg` as a list of images: one image, or a list of images (a
 * list nested one level deeper is flattened, so `show noisy blurred`
 * works).  *out is malloc'd (free it), items borrowed from the value;
 * *n >= 1.  DK_ERR_TYPE naming the argument and the bad item otherwise. */
dk_status images_arg(CallCtx *cx, int arg, const Value *v,
                     const DImage ***out, size_t *n);

/* Argument `arg` as an integer in lo..hi; DK_ERR_ARG naming it otherwise. */
dk_status int_arg(CallCtx *cx, int arg, const Value *v, long lo, long hi,
                  long *out);

#endif
