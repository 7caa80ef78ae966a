/*
 * denoiser_if.h: DeepFloyd IF's UNets as Part A denoisers.
 *
 * Stage I is what every Part A section runs: x_t [N, 3, 64, 64] in
 * [-1, 1], an integer t of the cosine schedule, one prompt per image.
 * Each prompt becomes its embedding (the model's TextEncoder); COND_NONE
 * is the "" prompt, the unconditional input of classifier-free guidance.
 * The UNet's 6 output channels split into ε̂ (0-2) and the learned-range
 * values v (3-5).
 *
 * Stage II (the 256 px upscaler) is the same denoiser with one more input:
 * the upscaled, noised low-resolution image, concatenated to x_t along the
 * channels, and its noise level, the UNet's class input.  Set both with
 * denoiser_if_set_low_res before predicting (if_pipeline.c does).
 *
 * The loop keeps x in float32; predict hands x to the UNet, which runs in
 * its own dtype (float16 on a GPU) and returns float32.
 *
 * Ownership: the denoiser borrows the DeepFloyd (it must outlive it); the
 * low-resolution image is borrowed too, until the next set or free.
 */
#ifndef DK_DENOISER_IF_H
#define DK_DENOISER_IF_H

#include "deepfloyd.h"
#include "denoiser.h"

/* A denoiser over stage 1 or 2 of m.  DK_ERR_ARG when stage 2 was not
 * loaded. */
dk_status denoiser_if_new(DeepFloyd *m, int stage, Denoiser **out,
                          DkErr *err);

/* Stage II: the conditioning image [N, 3, 256, 256] (borrowed) and its
 * noise level.  A batch of k·N images (CFG's two halves) repeats it. */
void denoiser_if_set_low_res(Denoiser *d, const ts_tensor *up, int level);

#endif
