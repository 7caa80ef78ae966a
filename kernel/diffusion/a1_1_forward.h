/*
 * a1_1_forward.h: the forward process, CS180 Part A 1.1.
 *
 * docs/part-a.md §1.1: a clean image x0 is noised to
 * timestep t in one jump,
 *     x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) eps,   eps ~ N(0, I),
 * with ᾱ_t from the cosine schedule (schedule.h) and eps drawn from g,
 * the session's seeded stream (rng.h), one fresh draw per timestep.
 *
 * Ownership: x0 and the schedule are borrowed; results are new DImages
 * (image.h).  Errors: DK_ERR_ARG (t outside 0..999, or x0 a mask),
 * DK_ERR_INTERRUPTED (forward_many stopped by the user; nothing is
 * returned), DK_ERR_OOM, DK_ERR_TORCH.
 */
#ifndef DK_A1_1_FORWARD_H
#define DK_A1_1_FORWARD_H

#include "image.h"
#include "progress.h"
#include "schedule.h"

/* x0 (N, C, H, W) noised to timestep t: *out (N, C, H, W).  eps (may be
 * NULL) receives the noise that was added, as a new DImage. */
dk_status forward_noise(const DImage *x0, const Schedule *s, int t,
                        ts_generator *g, DImage **out, DImage **eps,
                        DkErr *err);

/* The same for n timesteps, in order: out[0..n) receive new DImages (all
 * NULL on error).  Reports each step through progress (may be NULL) and
 * polls dk_interrupted() between steps. */
dk_status forward_many(const DImage *x0, const Schedule *s, const int *ts,
                       int n, ts_generator *g, const DiffProgress *progress,
                       DImage **out, DkErr *err);

#endif
