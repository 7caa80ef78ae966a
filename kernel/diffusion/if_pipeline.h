/*
 * if_pipeline.h: DeepFloyd IF's stock pipelines over the denoiser
 * interface: stage I as diffusers' IFPipeline samples (Part 0 of the
 * course), and stage II as IFSuperResolutionPipeline upscales 64 px
 * images to 256 px (the course's `upsample` helper: 30 steps, guidance 4,
 * noise level 250).  The scheduler is if_scheduler.h's.
 *
 * Stage I (if_generate):
 *   x = z ~ N(0, I) [N, 3, size, size]
 *   for t in set_timesteps(steps):            (leading spacing)
 *       ε̂, v = CFG(x, t, prompt, γ)         (the conditional v)
 *       x = if_step(x, ε̂, v, t, t', 1.5)      (dynamic thresholding)
 *
 * Stage II (if_upsample):
 *   x = z ~ N(0, I) [N, 3, size, size]
 *   up = bilinear(low, size × size, align_corners = true)
 *   up = √ᾱ_level·up + √(1 − ᾱ_level)·n     (the image-noising scheduler)
 *   for t in set_timesteps(steps):
 *       ε̂, v = CFG([x, up], t, prompt, γ, class = level)
 *       x = if_step(x, ε̂, v, t, t', 1.0)      (a clip to [-1, 1])
 *
 * Noise is drawn from g in diffusers' order (z, then n for stage II, then
 * one draw per step but the last), so a seed gives diffusers' images.
 *
 * Ownership: inputs borrowed; *out is a new float32 tensor the caller
 * frees.  Errors: DK_ERR_ARG (steps, a condition the denoiser refuses),
 * DK_ERR_SHAPE (a low-resolution image that is not N x 3 x H x W),
 * DK_ERR_INTERRUPTED (checked before every step), DK_ERR_OOM,
 * DK_ERR_TORCH.
 */
#ifndef DK_IF_PIPELINE_H
#define DK_IF_PIPELINE_H

#include "denoiser.h"
#include "progress.h"

typedef struct IfRun {
    int steps;                 /* num_inference_steps, 1..1000 */
    double guidance;           /* γ; CFG when > 1, as diffusers */
    const Cond *conds;         /* one per image */
    int n;                     /* images */
    int size;                  /* output side in pixels */
    int noise_level;           /* stage II: 0..999 */
    ts_generator *g;
    const DiffProgress *progress;
} IfRun;

/* Stage I: n images from noise. */
dk_status if_generate(Denoiser *d, const IfRun *run, ts_tensor **out,
                      DkErr *err);

/* Stage II: low [n, 3, h, w] in [-1, 1] upscaled to size x size.  d must
 * be a stage II denoiser (denoiser_if_new(m, 2, ...)). */
dk_status if_upsample(Denoiser *d, const ts_tensor *low, const IfRun *run,
                      ts_tensor **out, DkErr *err);

#endif
