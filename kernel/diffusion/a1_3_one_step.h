/*
 * a1_3_one_step.h: one-step denoising, CS180 Part A 1.3.
 *
 * From a noisy x_t and its timestep, one call of the denoiser estimates
 * the noise, and the forward process is solved for the clean image:
 *
 *   x̂0 = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t        (no clipping)
 *
 * The course conditions on "a high quality photo", without CFG (γ = 1).
 */
#ifndef DK_A1_3_ONE_STEP_H
#define DK_A1_3_ONE_STEP_H

#include "denoiser.h"

/* x̂0 for x_t [N, C, H, W] at t (0..999) under conds[0..N) with guidance
 * γ (1: none).  *x0 is a new tensor.  Errors as iterative_denoise's. */
dk_status one_step_denoise(Denoiser *d, const ts_tensor *x_t, int t,
                           const Cond *conds, double gamma, ts_tensor **x0,
                           DkErr *err);

#endif
