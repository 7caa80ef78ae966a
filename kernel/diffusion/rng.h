/*
 * rng.h: a seeded random stream, the one every draw of a session comes from.
 *
 * Reproducibility is a course requirement: "report your seed".  `seed N`
 * calls rng_seed, which seeds libtorch's global generators (anything that
 * draws without a generator) and replaces the stream's ts_generator with a
 * fresh one seeded N.  Noise is drawn on the CPU in float32 (see
 * ts_generator_new), so a seed gives the same images on every machine with
 * the same libtorch, whatever the device.  Before any `seed` the stream is
 * seeded from /dev/urandom (a fresh picture each run, as in PyTorch).
 *
 * An Rng is a plain struct owned by whoever holds the session's state: the
 * interpreter (lang/eval.h), so there is no process-wide random state in
 * this layer.  Functions that draw take the ts_generator as an argument.
 * Zero-initialise it; rng_free releases its generator.
 */
#ifndef DK_RNG_H
#define DK_RNG_H

#include <stdint.h>

#include "backend/backend.h"
#include "util/err.h"

typedef struct Rng {
    ts_generator *g;     /* owned; NULL until first use */
    const TsApi *api;    /* the backend g belongs to */
    uint64_t last_seed;  /* the last `seed` */
    int seeded;          /* `seed` was called */
} Rng;

/* Seed libtorch's global generators and r's stream.  On failure the
 * previous stream is kept and err says why (DK_ERR_TORCH). */
dk_status rng_seed(Rng *r, const TsApi *api, uint64_t seed, DkErr *err);

/* The stream to draw from (borrowed from r; valid until the next
 * rng_seed or rng_free).  Created on first use; NULL with err set when
 * the shim refuses. */
ts_generator *rng_generator(Rng *r, const TsApi *api, DkErr *err);

/* 1 and *seed set when `seed` was called, else 0. */
int rng_last_seed(const Rng *r, uint64_t *seed);

/* Release r's generator and zero it. */
void rng_free(Rng *r);

#endif
