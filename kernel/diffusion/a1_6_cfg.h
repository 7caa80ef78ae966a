/*
 * a1_6_cfg.h: classifier-free guidance, CS180 Part A 1.6.
 *
 *   ε̂ = ε̂_u + γ·(ε̂_c − ε̂_u)
 *
 * with ε̂_c under each image's condition and ε̂_u under the model's
 * unconditional input (the "" prompt, a dropped class); the course uses
 * γ = 7 and keeps the conditional variance channels.  Both halves run as
 * one batch of 2N images.  γ = 1 is the conditional estimate alone, one
 * pass of N (sections 1.4 and 1.5).
 */
#ifndef DK_A1_6_CFG_H
#define DK_A1_6_CFG_H

#include "denoiser.h"

/* ε̂ and v (scope-owned; v NULL without variance channels) for x_t
 * [N, ...] with conds[0..N) and guidance γ. */
void cfg_estimate(Expr *s, Denoiser *d, const ts_tensor *x_t, int t,
                  const Cond *conds, double gamma, ts_tensor **eps,
                  ts_tensor **v);

#endif
