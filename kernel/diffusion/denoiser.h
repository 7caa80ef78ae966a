/*
 * denoiser.h: the one interface every Part A algorithm sees.
 *
 * Given a batch x_t, an integer timestep t on the 1000-step cosine
 * schedule (schedule.h) and one condition per image (a class, a prompt,
 * or none: the model's unconditional input), a denoiser returns the noise
 * estimate ε̂ and, where the model has them, the variance channels v
 * (DeepFloyd IF's learned-range interpolation values, in [-1, 1]).  The
 * algorithms of sections 1.3-1.9 (a1_*.c) see nothing else, so a new
 * model is one more implementation of DenoiserOps:
 *
 *   denoiser_flow.c  a Part B flow-matching UNet (time or class), turned
 *                    into an ε-predictor by a change of time and scale;
 *                    runs on a CPU with the shipped MNIST model.
 *
 * Pixels: a denoiser works on images of one size and one value range.
 * DeepFloyd's UNet takes [-1, 1], the MNIST models [0, 1] (unit_range);
 * callers convert at the edge (the language's image values hold [-1, 1]).
 *
 * Ownership: a Denoiser is made by its constructor and freed with
 * denoiser_free; it borrows what it wraps (a Model), which must outlive
 * it.  predict's tensors belong to the Expr scope it is given.
 */
#ifndef DK_DENOISER_H
#define DK_DENOISER_H

#include "expr.h"
#include "schedule.h"

typedef enum {
    COND_NONE = 0, /* the unconditional input (class dropped, "" prompt) */
    COND_CLASS,    /* a class label: cls */
    COND_PROMPT    /* a text prompt: prompt (its embedding is the model's) */
} CondKind;

typedef struct Cond {
    CondKind kind;
    int cls;            /* COND_CLASS */
    const char *prompt; /* COND_PROMPT; borrowed */
} Cond;

#define COND_NULL ((Cond){.kind = COND_NONE})

typedef struct Denoiser Denoiser;

typedef struct DenoiserOps {
    /* ε̂ (and v, or NULL when the model has no variance channels) for
     * x_t [N, C, H, W] at timestep t with conds[0..N).  Both belong to
     * the scope; on failure the scope holds the error. */
    void (*predict)(Denoiser *d, Expr *s, const ts_tensor *x_t, int t,
                    const Cond *conds, ts_tensor **eps, ts_tensor **v);
    /* DK_OK when the model accepts c, else DK_ERR_ARG saying why (an
     * unknown class or prompt, a condition this model has no input for)
     * with a hint listing what it takes. */
    dk_status (*check)(const Denoiser *d, const Cond *c, DkErr *err);
    /* Free what the implementation allocated (self). */
    void (*release)(Denoiser *d);
} DenoiserOps;

struct Denoiser {
    const DenoiserOps *ops;
    const TsApi *api;          /* borrowed */
    const Schedule *schedule;  /* ᾱ_t for t = 0..999 (borrowed, static) */
    char name[96];             /* "MNIST class flow model (ε via t')" */
    int channels, height, width; /* the images it takes */
    int unit_range;            /* pixels in [0, 1] rather than [-1, 1] */
    int learned_variance;      /* predict returns v */
    int conditional;           /* takes a class or prompt (CFG has a target) */
    int has_null;              /* COND_NONE is a real input (CFG works) */
    void *self;                /* the implementation's own state */
};

/* Free d (NULL is a no-op). */
void denoiser_free(Denoiser *d);

/* Check every condition of conds[0..n); the first problem wins, its
 * message prefixed with the condition when n > 1. */
dk_status denoiser_check(const Denoiser *d, const Cond *conds, int n,
                         DkErr *err);

/* The conditions of a joined batch of 2n images: a[0..n) then b[0..n),
 * or the unconditional input for the second half when b is NULL.
 * malloc'd (free it); NULL when out of memory. */
Cond *conds_join(const Cond *a, const Cond *b, int64_t n);

/* "class 3", "\"a rocket ship\"", "unconditional" into buf. */
void cond_describe(const Cond *c, char *buf, size_t cap);

#endif
