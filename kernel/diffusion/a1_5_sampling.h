/*
 * a1_5_sampling.h: sampling from pure noise, CS180 Part A 1.5 (and with
 * guidance, 1.6; anagrams 1.8 and hybrids 1.9 start the same way).
 *
 *   x_990 = z ~ N(0, I),  then the loop of 1.4 from i_start = 0.
 */
#ifndef DK_A1_5_SAMPLING_H
#define DK_A1_5_SAMPLING_H

#include "a1_4_iterative.h"

/* n images of the denoiser's size, drawn from run->g and denoised by run
 * (its i_start is taken as 0).  Results as iterative_denoise's. */
dk_status sample_from_noise(Denoiser *d, int n, const DenoiseRun *run,
                            ts_tensor **out, ts_tensor ***frames,
                            int **frame_t, int *nframes, DkErr *err);

#endif
