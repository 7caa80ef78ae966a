/*
 * a1_9_hybrids.h: hybrid images by factorized diffusion, CS180 Part A 1.9.
 *
 *   ε̂1 = CFG(x_t, t, a),  ε̂2 = CFG(x_t, t, b)
 *   ε̂  = lowpass(ε̂1) + highpass(ε̂2),  highpass(e) = e − lowpass(e)
 *
 * lowpass is a Gaussian blur (a1_2_blur.h); the course uses kernel 33 and
 * σ 2 at 64 px.  From afar the image reads as a (low frequencies), close
 * up as b.  The variance channels are a's.  One batch of 2N (4N with
 * CFG).
 */
#ifndef DK_A1_9_HYBRIDS_H
#define DK_A1_9_HYBRIDS_H

#include "a1_4_iterative.h"

/* ε̂ and v by the rule above (guide: a, b, γ, kernel, sigma). */
void hybrid_estimate(Expr *s, Denoiser *d, const Guide *gd,
                     const ts_tensor *x_t, int t, ts_tensor **eps,
                     ts_tensor **v);

#endif
