/*
 * b2_flow.h: Part 2 of CS180 Part B, flow matching with time- and
 * class-conditioned UNets (docs/part-b.md, "Flow matching").
 *
 *   training (Algorithms 1 and 3): x1 a clean batch, x0 ~ N(0, I),
 *     t ~ U[0, 1] per image, x_t = (1 - t) x0 + t x1, target u = x1 - x0;
 *     for the class model each image's class is dropped (zero vector) with
 *     probability p_uncond = 0.1.  train_run (train.h) calls
 *     flow_objective for each batch.
 *   sampling (Algorithms 2 and 4): x <- x0 ~ N(0, I); for i = 0 .. T-1
 *     with t = i/T (left endpoints): x <- x + u(x, t)/T.  With classes and
 *     guidance g: u = u_uncond + g (u_cond - u_uncond), the conditional
 *     and unconditional halves in ONE forward pass of 2B images.
 *
 * Shapes: B images of 1 x 28 x 28.  Ownership as in b1_denoiser.h.
 */
#ifndef DK_B2_FLOW_H
#define DK_B2_FLOW_H

#include "model.h"
#include "progress.h"

#define FLOW_MAX_STEPS 10000
#define FLOW_MAX_BATCH 1024

/* One training batch: input x_t, times t [B], labels c [B] int64 (class
 * model; NULL otherwise) with mask [B] (1 keep, 0 drop), target x1 - x0.
 * labels: the batch's labels (B int64 on the host; class model only). */
dk_status flow_objective(const Model *m, const ts_tensor *x1,
                         const int64_t *labels, ts_generator *g,
                         ts_tensor **input, ts_tensor **t, ts_tensor **c,
                         ts_tensor **mask, ts_tensor **target, DkErr *err);

/* Draw n images with T Euler steps.  digits: n labels 0..9 for the class
 * model (NULL: unconditional), ignored by the time model.  guidance: the
 * CFG scale (1 = conditional only, no combined pass).  progress gets
 * (step, T).  Polls dk_interrupted() between steps.  *out: [n, 1, 28, 28],
 * not clamped. */
dk_status flow_sample(Model *m, const int64_t *digits, int n, int steps,
                      double guidance, ts_generator *g,
                      const DiffProgress *progress, ts_tensor **out,
                      DkErr *err);

#endif
