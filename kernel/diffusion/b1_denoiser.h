/*
 * b1_denoiser.h: Part 1 of CS180 Part B, the single-step denoiser
 * (docs/part-b.md, "The single-step denoiser").
 *
 * A plain UNet D maps a noisy digit z = x + sigma*eps (eps ~ N(0, I), x in
 * [0, 1], no clipping) back to x, trained on the MSE ||D(z) - x||^2; with
 * pure_noise the input is z = eps alone and the best D can do is the mean
 * digit.  Training itself is train_run (train.h), which calls
 * denoiser_objective for each batch.
 *
 * Shapes: B images of 1 x 28 x 28 (H = W = 28).
 * Ownership: every ts_tensor ** out-parameter is new and the caller's
 * (NULL on error); inputs are borrowed.
 */
#ifndef DK_B1_DENOISER_H
#define DK_B1_DENOISER_H

#include "model.h"

/* The sigmas of the noising figure (section 1.2) and the OOD sweep. */
#define DENOISER_NSIGMAS 7
extern const double denoiser_sigmas[DENOISER_NSIGMAS];

/* z = x + sigma*eps with eps drawn from g; x: [B, 1, H, W] in [0, 1]. */
dk_status denoiser_noise(const TsApi *api, const ts_tensor *x, double sigma,
                         ts_generator *g, ts_tensor **z, DkErr *err);

/* The input m is trained on, for the clean batch x: z = x + sigma*eps, or
 * z = eps (same shape as x) when m->pure_noise.  *z is new (free with
 * api->tensor_free); NULL on error. */
dk_status denoiser_input(const Model *m, const ts_tensor *x, double sigma,
                         ts_generator *g, ts_tensor **z, DkErr *err);

/* One training batch: (input, target) = (x + sigma*eps, x), or (eps, x)
 * with m->pure_noise. */
dk_status denoiser_objective(const Model *m, const ts_tensor *x,
                             ts_generator *g, ts_tensor **input,
                             ts_tensor **target, DkErr *err);

/* D(z): the denoised batch, [B, 1, H, W]. */
dk_status denoiser_apply(Model *m, const ts_tensor *z, ts_tensor **out,
                         DkErr *err);

#endif
