/*
 * denoiser_flow.h: a Part B flow-matching UNet as a Part A denoiser.
 *
 * Part A's algorithms speak the DDPM language: x_t = √ᾱ·x0 + √(1−ᾱ)·ε and
 * a network that estimates ε.  A flow-matching model (b2_flow.h) instead
 * learned the velocity û ≈ x1 − ε on the straight path
 * x'_τ = τ·x1 + (1−τ)·ε.  The two describe the same points up to a change
 * of time and scale: dividing x_t by s = √ᾱ + √(1−ᾱ) gives
 *
 *     x_t / s = τ·x0 + (1−τ)·ε   with   τ = √ᾱ / s,
 *
 * a point of the flow path at time τ.  So the wrapper feeds the UNet
 * x' = x_t / s at time τ and returns ε̂ = x' − τ·û (substitute û = x0 − ε
 * to check).  The shipped class-conditioned model therefore serves every
 * Part A section at once, with no training.
 *
 * Conditions: the class model takes COND_CLASS 0..9 and COND_NONE (its
 * class dropped, which it learned with probability p_uncond; a model
 * trained with p_uncond = 0 has no unconditional input, so CFG refuses
 * it).  The time model takes COND_NONE only.  The single-step denoiser
 * has no time input and is refused.  There are no variance channels: the
 * algorithms use the fixed posterior variance.
 *
 * Pixels: 1 x 28 x 28 in [0, 1] (unit_range).
 */
#ifndef DK_DENOISER_FLOW_H
#define DK_DENOISER_FLOW_H

#include "denoiser.h"
#include "model.h"

/* A denoiser over m (borrowed: it must outlive *out).  DK_ERR_ARG for the
 * single-step denoiser, which has no time input. */
dk_status denoiser_flow_new(Model *m, Denoiser **out, DkErr *err);

/* The flow time τ = √ᾱ / (√ᾱ + √(1−ᾱ)) and scale s = √ᾱ + √(1−ᾱ) of
 * timestep t. */
void denoiser_flow_time(const Schedule *sch, int t, double *tau, double *s);

#endif
