/*
 * a1_4_iterative.h: iterative denoising, CS180 Part A 1.4, and the loop
 * every later section runs (1.5 sampling, 1.6 CFG, 1.7 SDEdit and
 * inpainting, 1.8 anagrams, 1.9 hybrids): only the noise estimate and an
 * optional rule after each step change.
 *
 * The strided timesteps are 990, 960, ..., 30, 0 (stride 30, 34 entries);
 * i_start indexes them (i_start = 10 is t = 690).  For i = i_start .. 32,
 * with t = ts[i] and t' = ts[i+1] (docs/part-a.md §1.4):
 *
 *   ᾱ_t, ᾱ_t', α_t = ᾱ_t / ᾱ_t', β_t = 1 − α_t       (the strided α)
 *   ε̂, v = the noise estimate at (x_t, t)              (Guide below)
 *   x̂0 = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t                    (no clipping)
 *   x_t' = √ᾱ_t'·β_t/(1−ᾱ_t) · x̂0 + √α_t·(1−ᾱ_t')/(1−ᾱ_t) · x_t
 *   x_t' += σ·z, z ~ N(0, I), with
 *     β̃ = (1−ᾱ_t')/(1−ᾱ_t)·β_t (at least 1e-20) and
 *     log σ² = frac·log β_t + (1−frac)·log β̃, frac = (v+1)/2
 *                          (DeepFloyd's learned range, from v), or
 *     σ² = β̃              (the fixed posterior variance: no v)
 *   with inpainting, x_t' ← m·x_t' + (1−m)·forward(x_orig, t')  (1.7.2)
 *
 * The variance is added on every step, the last one (30 -> 0) too, as the
 * course's add_variance does.  Returns x at t = 0.
 *
 * Ownership: inputs borrowed; *out and the frames are new tensors the
 * caller frees.  Errors: DK_ERR_ARG (i_start, a condition the model does
 * not take, CFG without an unconditional input), DK_ERR_SHAPE (an image
 * or mask of the wrong size), DK_ERR_INTERRUPTED (checked before every
 * step), DK_ERR_OOM, DK_ERR_TORCH.
 */
#ifndef DK_A1_4_ITERATIVE_H
#define DK_A1_4_ITERATIVE_H

#include "denoiser.h"
#include "progress.h"

#define STRIDE 30
#define STRIDED_COUNT 34   /* 990, 960, ..., 30, 0 */

/* ts[i] = 990 - 30 i for i = 0..33. */
int strided_timestep(int i);

typedef enum {
    NOISE_COND,     /* ε̂ under condition a (1.4, 1.5), or CFG when γ ≠ 1 */
    NOISE_ANAGRAM,  /* (ε̂(x, a) + view⁻¹(ε̂(view(x), b))) / 2    (1.8) */
    NOISE_HYBRID    /* lowpass(ε̂(x, a)) + highpass(ε̂(x, b))      (1.9) */
} NoiseRule;

typedef enum {
    VIEW_FLIP = 0,  /* upside down: the height axis reversed (the course) */
    VIEW_ROT180     /* turned half a circle: both axes (6 <-> 9) */
} AnagramView;

/* How the noise estimate is formed at each step.  a and b hold one
 * condition per image of the batch (b only for anagrams and hybrids). */
typedef struct Guide {
    NoiseRule rule;
    const Cond *a, *b;
    double guidance;     /* γ of classifier-free guidance; 1 = none */
    AnagramView view;    /* anagrams */
    int kernel;          /* hybrids: the low-pass Gaussian's size ... */
    double sigma;        /* ... and σ in pixels */
} Guide;

typedef struct DenoiseRun {
    int i_start;               /* index into the strided timesteps, 0..32 */
    Guide guide;
    const ts_tensor *x_orig;   /* inpainting: the original image ... */
    const ts_tensor *mask;     /* ... and the mask (1 = new content); both
                                  NULL otherwise */
    int every;                 /* keep x_t every `every` steps (0: none) */
    ts_generator *g;           /* the noise stream */
    const DiffProgress *progress; /* gets (steps done, steps) */
} DenoiseRun;

/* Check a run before any work: i_start in range, the conditions, CFG's
 * unconditional input, x's shape (N x C x H x W of the denoiser's size),
 * the mask's and original's shapes. */
dk_status iterative_check(const Denoiser *d, const ts_tensor *x,
                          const DenoiseRun *run, DkErr *err);

/* ε̂ and v at (x_t, t) by the guide's rule (scope-owned). */
void noise_estimate(Expr *s, Denoiser *d, const Guide *gd,
                    const ts_tensor *x_t, int t, ts_tensor **eps,
                    ts_tensor **v);

/* σ of a step between ᾱ_t and ᾱ_t': the learned range from v (a tensor
 * like v, scope-owned), or, when v is NULL, NULL with √β̃ in *sigma (set
 * either way). */
ts_tensor *ddpm_sigma(Expr *s, const ts_tensor *v, double ab_t,
                      double ab_prev, double *sigma);

/* One strided DDPM step from t to t_prev (the update and the variance). */
ts_tensor *ddpm_step(Expr *s, const Schedule *sch, const ts_tensor *x_t,
                     const ts_tensor *eps, const ts_tensor *v, int t,
                     int t_prev, ts_generator *g);

/* Run the loop on x = x_{ts[i_start]}.  When run->every > 0, *frames
 * (may be NULL to skip) receives a malloc'd array of *nframes tensors:
 * x_t at i_start, i_start + every, ... (each a new tensor), and their
 * timesteps in frame_t (malloc'd, may be NULL). */
dk_status iterative_denoise(Denoiser *d, const ts_tensor *x,
                            const DenoiseRun *run, ts_tensor **out,
                            ts_tensor ***frames, int **frame_t, int *nframes,
                            DkErr *err);

#endif
