/*
 * a1_7_2_inpaint.h: inpainting by the RePaint rule, CS180 Part A 1.7.2.
 *
 * After every update that produced x_t', the pixels to keep are put back
 * from the original, noised to the same level:
 *
 *   x_t' ← m·x_t' + (1 − m)·forward(x_orig, t')
 *
 * with m = 1 where new content is wanted and 0 where the original stays.
 * The loop starts from pure noise (i_start = 0) with CFG, γ = 7.
 *
 * The last step lands on t' = 0, the finished image.  There the course's
 * forward(x_orig, 0) would still add noise of std √(1−ᾱ_0) ≈ 0.0064 to
 * the pixels meant to be kept; the result's kept pixels are instead the
 * original's own, so "keep" means equal, as a user expects.
 */
#ifndef DK_A1_7_2_INPAINT_H
#define DK_A1_7_2_INPAINT_H

#include "a1_4_iterative.h"

/* The rule above, for x_t' at timestep t_prev; scope-owned result.  m is
 * [1 or N, 1, H, W] in [0, 1] and broadcasts over channels. */
ts_tensor *repaint(Expr *s, const Schedule *sch, const ts_tensor *x_prev,
                   const ts_tensor *x_orig, const ts_tensor *m, int t_prev,
                   ts_generator *g);

/* Inpaint x_orig [N, C, H, W] where mask [1 or N, 1, H, W] is 1: the
 * loop from pure noise (i_start = 0) with the rule above.  run's x_orig
 * and mask are set from the arguments. */
dk_status inpaint(Denoiser *d, const ts_tensor *x_orig, const ts_tensor *mask,
                  const DenoiseRun *run, ts_tensor **out, DkErr *err);

#endif
