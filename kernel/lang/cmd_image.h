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
 * new reference; image_of borrows from the Value it is given, valid while
 * it lives.
 *
 * The helpers handlers share (cmd_api, int_arg, images_arg) are
 * declared with cx_error in registry.h.
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

#endif
