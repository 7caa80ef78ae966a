/*
 * a1_7_sdedit.h: image-to-image translation (SDEdit), CS180 Part A 1.7,
 * 1.7.1 and 1.7.3.
 *
 *   x = forward(im, ts[i_start]),  then the loop of 1.4 from i_start
 *
 * with CFG (γ = 7) under a weak condition ("a high quality photo"; 1.7.3
 * a real prompt).  The course sweeps i_start over 1, 3, 5, 7, 10, 20:
 * the lower i_start, the more noise, and the further the edit strays
 * from the input.
 */
#ifndef DK_A1_7_SDEDIT_H
#define DK_A1_7_SDEDIT_H

#include "a1_4_iterative.h"

/* The edit of im [N, C, H, W] (the denoiser's pixel range) from
 * run->i_start.  *out is a new tensor. */
dk_status sdedit(Denoiser *d, const ts_tensor *im, const DenoiseRun *run,
                 ts_tensor **out, DkErr *err);

#endif
