/*
 * a1_2_blur.h: classical denoising by Gaussian blur, CS180 Part A 1.2.
 *
 * docs/part-a.md §1.2, torchvision's gaussian_blur:
 *   x = linspace(-(k-1)/2, (k-1)/2, k), w = exp(-x²/(2σ²)), w /= sum(w);
 *   the k x k kernel is w wᵀ, applied to each channel on its own after
 *   reflect padding of k//2 on every side, so the output has the input's
 *   size.  The kernel is separable, so it runs as two 1-D depthwise
 *   convolutions (k + k multiplies per pixel instead of k²).
 *
 * Ownership: inputs borrowed; *out is a new DImage.  Errors: DK_ERR_ARG
 * for an even or non-positive kernel size, a non-positive sigma, or a
 * kernel too large for the image (reflect padding needs k//2 < H and W),
 * DK_ERR_OOM, DK_ERR_TORCH.
 */
#ifndef DK_A1_2_BLUR_H
#define DK_A1_2_BLUR_H

#include "expr.h"
#include "image.h"

#define BLUR_MAX_KERNEL 255

/* Check a kernel size and sigma; DK_OK or DK_ERR_ARG with a hint. */
dk_status blur_check(int k, double sigma, DkErr *err);

/* The normalised 1-D kernel w[0..k) (float32, like torchvision's). */
dk_status blur_kernel1d(int k, double sigma, float *w, DkErr *err);

/* x (N, C, H, W) blurred inside a scope (the low-pass of hybrid images):
 * a scope-owned (N, C, H, W) tensor, or NULL with the scope failed (a bad
 * kernel or sigma, a kernel too large for the image). */
ts_tensor *lowpass(Expr *s, const ts_tensor *x, int k, double sigma);

/* x (N, C, H, W) blurred: *out (N, C, H, W). */
dk_status blur_gaussian(const DImage *x, int k, double sigma, DImage **out,
                        DkErr *err);

#endif
