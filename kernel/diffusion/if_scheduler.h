/*
 * if_scheduler.h: DeepFloyd IF's DDPM scheduler as diffusers' stock
 * pipelines run it (IFPipeline for stage I, IFSuperResolutionPipeline for
 * stage II), beside the course's own strided loop (a1_4_iterative.h).
 *
 * Configuration (the checkpoints' scheduler_config.json): the cosine
 * schedule of schedule.h (T = 1000), epsilon prediction, variance_type
 * "learned_range", dynamic thresholding with ratio 0.95 and
 * sample_max_value 1.5 (stage I) or 1.0 (stage II, which is a plain clip
 * to [-1, 1]).  docs/deepfloyd.md restates the equations:
 *
 *   timesteps, set_timesteps(n) with "leading" spacing:
 *     t_i = (n − 1 − i)·⌊1000/n⌋, i = 0..n−1  (10 steps: 900, 800, ..., 0)
 *   previous timestep t' = t − ⌊1000/n⌋, with ᾱ_t' = 1 when t' < 0
 *   x̂0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t, then thresholded (below)
 *   x_t' = √ᾱ_t'·β_t/(1−ᾱ_t)·x̂0 + √α_t·(1−ᾱ_t')/(1−ᾱ_t)·x_t,
 *          α_t = ᾱ_t/ᾱ_t', β_t = 1 − α_t
 *   + σ·z with the learned range (a1_4_iterative.h), except at t = 0
 *   dynamic thresholding: per image, s = the 0.95 quantile of |x̂0|
 *   (linear interpolation), clamped to [1, sample_max_value];
 *   x̂0 = clamp(x̂0, −s, s)/s, in float32.
 *
 * Stage II's image-noising scheduler (same schedule, fixed-small
 * variance) only adds noise to the upscaled low-resolution image:
 *   x = √ᾱ_level·up + √(1 − ᾱ_level)·n.
 *
 * Noise comes from the generator g in the order the pipelines draw it, so
 * one seed gives diffusers' numbers (tests/data/if/make_reference.py).
 * Every tensor returned belongs to the scope.
 */
#ifndef DK_IF_SCHEDULER_H
#define DK_IF_SCHEDULER_H

#include "expr.h"
#include "schedule.h"

#define IF_MAX_STEPS 1000
#define IF_STAGE1_MAX_VALUE 1.5
#define IF_STAGE2_MAX_VALUE 1.0
#define IF_THRESHOLD_RATIO 0.95

/* diffusers' set_timesteps(steps), "leading" spacing: ts[0..steps),
 * largest first.  steps 1..1000. */
void if_timesteps(int steps, int *ts);

/* The timestep after t in a run of `steps` (may be negative: the end). */
int if_prev_timestep(int t, int steps);

/* ᾱ at t, and 1 for t < 0 (the scheduler's `one`). */
double if_alpha_bar(const Schedule *sch, int t);

/* Dynamic thresholding of x̂0 [N, ...]: see above. */
ts_tensor *if_threshold(Expr *s, const ts_tensor *x0, double ratio,
                        double max_value);

/* One scheduler step from t to t_prev (t_prev < 0 at the end): the
 * thresholded posterior mean plus the learned-range noise (none at t = 0;
 * fixed-small √β̃ when v is NULL). */
ts_tensor *if_step(Expr *s, const Schedule *sch, const ts_tensor *x_t,
                   const ts_tensor *eps, const ts_tensor *v, int t, int t_prev,
                   double max_value, ts_generator *g);

/* The image-noising scheduler: √ᾱ_level·x + √(1 − ᾱ_level)·noise. */
ts_tensor *if_noise_image(Expr *s, const Schedule *sch, const ts_tensor *x,
                          const ts_tensor *noise, int level);

#endif
