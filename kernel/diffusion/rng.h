/*
 * rng.h: the one random stream every draw of this layer comes from.
 *
 * Reproducibility is a course requirement: "report your seed".  `seed N`
 * calls rng_seed, which seeds libtorch's global generators (anything that
 * draws without a generator) and replaces this layer's private ts_generator
 * with a fresh one seeded N.  Noise is drawn on the CPU in float32 (see
 * ts_generator_new), so a seed gives the same images on every machine with
 * the same libtorch, whatever the device.  Before any `seed` the stream is
 * seeded from /dev/urandom (a fresh picture each run, as in PyTorch).
 *
 * State is process-wide, used from the shell thread only.
 */
#ifndef DK_RNG_H
#define DK_RNG_H

#include <stdint.h>

#include "backend/backend.h"
#include "util/err.h"

/* Seed libtorch's global generators and this layer's stream.  On failure
 * the previous stream is kept and err says why (DK_ERR_TORCH). */
dk_status rng_seed(const TsApi *api, uint64_t seed, DkErr *err);

/* The stream to draw from (borrowed; valid until the next rng_seed).
 * Created on first use; NULL with err set when the shim refuses. */
ts_generator *rng_generator(const TsApi *api, DkErr *err);

/* 1 and *seed set when `seed` was called, else 0. */
int rng_last_seed(uint64_t *seed);

#endif
