/*
 * a1_4_iterative.c: the strided DDPM loop of sections 1.4-1.9 (see
 * a1_4_iterative.h for the equations).
 */
#include "a1_4_iterative.h"

#include <math.h>
#include <stdlib.h>

#include "a1_6_cfg.h"
#include "a1_7_2_inpaint.h"
#include "a1_8_anagrams.h"
#include "a1_9_hybrids.h"
#include "util/interrupt.h"

int strided_timestep(int i)
{
    return 990 - STRIDE * i;
}

void noise_estimate(Expr *s, Denoiser *d, const Guide *gd,
                    const ts_tensor *x_t, int t, ts_tensor **eps,
                    ts_tensor **v)
{
    switch (gd->rule) {
    case NOISE_ANAGRAM:
        anagram_estimate(s, d, gd, x_t, t, eps, v);
        break;
    case NOISE_HYBRID:
        hybrid_estimate(s, d, gd, x_t, t, eps, v);
        break;
    default:
        cfg_estimate(s, d, x_t, t, gd->a, gd->guidance, eps, v);
        break;
    }
}

ts_tensor *ddpm_sigma(Expr *s, const ts_tensor *v, double ab_t,
                             double ab_prev, double *sigma)
{
    const double beta = 1.0 - ab_t / ab_prev;
    const double beta_tilde = fmax((1.0 - ab_prev) / (1.0 - ab_t) * beta, 1e-20);
    *sigma = sqrt(beta_tilde);
    if (!v)
        return NULL;
    /* log σ² = frac·log β + (1 − frac)·log β̃,  frac = (v + 1)/2 */
    ts_tensor *frac = over(s, plus(s, v, 1.0), 2.0);
    ts_tensor *log_var = plus(s, scale(s, log(beta) - log(beta_tilde), frac),
                              log(beta_tilde));
    return texp(s, scale(s, 0.5, log_var));            /* σ = e^(½ log σ²) */
}

ts_tensor *ddpm_step(Expr *s, const Schedule *sch, const ts_tensor *x_t,
                     const ts_tensor *eps, const ts_tensor *v, int t,
                     int t_prev, ts_generator *g)
{
    const double ab_t = sch->alphas_cumprod[t];
    const double ab_prev = sch->alphas_cumprod[t_prev];
    const double alpha = ab_t / ab_prev, beta = 1.0 - alpha;

    /* x̂0 = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t */
    ts_tensor *x0 = over(s, sub(s, x_t, scale(s, sqrt(1.0 - ab_t), eps)),
                         sqrt(ab_t));
    /* x_t' = √ᾱ_t'·β_t/(1−ᾱ_t)·x̂0 + √α_t·(1−ᾱ_t')/(1−ᾱ_t)·x_t */
    ts_tensor *mean = lerp2(s, sqrt(ab_prev) * beta / (1.0 - ab_t), x0,
                            sqrt(alpha) * (1.0 - ab_prev) / (1.0 - ab_t), x_t);
    /* + σ·z */
    double sigma = 0;
    ts_tensor *sigma_v = ddpm_sigma(s, v, ab_t, ab_prev, &sigma);
    ts_tensor *z = randn_like(s, mean, g);
    return add(s, mean, sigma_v ? mul(s, sigma_v, z) : scale(s, sigma, z));
}

/* Is x N x C x H x W of the denoiser's size?  what: "the image". */
static dk_status check_shape(const Denoiser *d, const ts_tensor *x, int mask,
                             const char *what, DkErr *err)
{
    int64_t sh[TS_MAX_DIMS];
    int nd = 0;
    ts_status st = d->api->tensor_shape(x, sh, TS_MAX_DIMS, &nd);
    if (st != TS_OK)
        return backend_error(d->api, st, err);
    const int64_t want_c = mask ? 1 : d->channels;
    if (nd == 4 && sh[1] == want_c && sh[2] == d->height && sh[3] == d->width)
        return DK_OK;
    dk_err_set(err, DK_ERR_SHAPE, "%s is %s%lldx%lldx%lld but %s takes "
               "%lldx%dx%d", what, nd == 4 ? "" : "not an image batch: ",
               nd == 4 ? (long long)sh[1] : 0LL, nd >= 2 ? (long long)sh[nd - 2] : 0LL,
               nd >= 1 ? (long long)sh[nd - 1] : 0LL, d->name, (long long)want_c,
               d->height, d->width);
    dk_err_hint(err, "resize it to %dx%d (`resize`)%s", d->width, d->height,
                mask ? "" : d->channels == 1 ? " and give one channel"
                                             : "");
    return DK_ERR_SHAPE;
}

dk_status iterative_check(const Denoiser *d, const ts_tensor *x,
                          const DenoiseRun *run, DkErr *err)
{
    const Guide *gd = &run->guide;
    if (run->i_start < 0 || run->i_start > STRIDED_COUNT - 2) {
        dk_err_set(err, DK_ERR_ARG, "i_start=%d is not in 0..%d", run->i_start,
                   STRIDED_COUNT - 2);
        dk_err_hint(err, "i_start indexes the strided timesteps 990, 960, ..., "
                    "30, 0: 0 starts from pure noise (t=990), 10 from t=690");
        return DK_ERR_ARG;
    }
    if (check_shape(d, x, 0, "the image", err) != DK_OK)
        return err->code;
    int64_t sh[TS_MAX_DIMS];
    int nd = 0;
    ts_status st = d->api->tensor_shape(x, sh, TS_MAX_DIMS, &nd);
    if (st != TS_OK)
        return backend_error(d->api, st, err);
    if (denoiser_check(d, gd->a, (int)sh[0], err) != DK_OK)
        return err->code;
    if (gd->rule != NOISE_COND && denoiser_check(d, gd->b, (int)sh[0], err) != DK_OK)
        return err->code;
    if (gd->guidance != 1.0 && !d->conditional) {
        dk_err_set(err, DK_ERR_ARG, "%s has no condition to guide towards, so "
                   "classifier-free guidance does nothing", d->name);
        dk_err_hint(err, "use guidance=1, or a class- or text-conditioned model");
        return DK_ERR_ARG;
    }
    if (gd->guidance != 1.0 && !d->has_null) {
        dk_err_set(err, DK_ERR_ARG, "%s has no unconditional input, so it "
                   "cannot do classifier-free guidance", d->name);
        dk_err_hint(err, "use guidance=1, or a model trained with class "
                    "dropout (p_uncond > 0)");
        return DK_ERR_ARG;
    }
    if (run->mask && check_shape(d, run->mask, 1, "the mask", err) != DK_OK)
        return err->code;
    if (run->x_orig && check_shape(d, run->x_orig, 0, "the original image",
                                   err) != DK_OK)
        return err->code;
    return DK_OK;
}

/* Frames kept so far: a growing array of tensors and their timesteps. */
typedef struct Frames {
    ts_tensor **x;
    int *t;
    int n;
} Frames;

static dk_status keep_frame(Denoiser *d, Frames *f, const ts_tensor *x, int t,
                            DkErr *err)
{
    ts_tensor **xs = realloc(f->x, (size_t)(f->n + 1) * sizeof *xs);
    if (xs)
        f->x = xs;
    int *ts = realloc(f->t, (size_t)(f->n + 1) * sizeof *ts);
    if (ts)
        f->t = ts;
    if (!xs || !ts)
        return dk_err_oom(err);
    ts_tensor *copy = NULL;
    ts_status st = d->api->tensor_axpby(&copy, 1.0, x, 0.0, x);  /* a copy */
    if (st != TS_OK)
        return backend_error(d->api, st, err);
    f->x[f->n] = copy;
    f->t[f->n++] = t;
    return DK_OK;
}

static void free_frames(const TsApi *api, Frames *f)
{
    for (int i = 0; i < f->n; i++)
        api->tensor_free(f->x[i]);
    free(f->x);
    free(f->t);
    *f = (Frames){0};
}

/* One step of the loop: the estimate, the update, the inpainting rule.
 * Hands x_t' out of the scope. */
static ts_tensor *loop_step(Expr *s, Denoiser *d, const DenoiseRun *run,
                            const ts_tensor *x, int t, int t_prev)
{
    ts_tensor *eps = NULL, *v = NULL;
    noise_estimate(s, d, &run->guide, x, t, &eps, &v);
    ts_tensor *next = ddpm_step(s, d->schedule, x, eps, v, t, t_prev, run->g);
    if (run->mask)
        next = repaint(s, d->schedule, next, run->x_orig, run->mask, t_prev,
                       run->g);
    return expr_keep(s, next);
}

dk_status iterative_denoise(Denoiser *d, const ts_tensor *x,
                            const DenoiseRun *run, ts_tensor **out,
                            ts_tensor ***frames, int **frame_t, int *nframes,
                            DkErr *err)
{
    const TsApi *api = d->api;
    *out = NULL;
    if (frames)
        *frames = NULL;
    if (frame_t)
        *frame_t = NULL;
    if (nframes)
        *nframes = 0;
    if (iterative_check(d, x, run, err) != DK_OK)
        return err->code;
    const int steps = STRIDED_COUNT - 1 - run->i_start;
    Frames kept = {0};
    ts_tensor *cur = NULL;
    dk_status rc = DK_OK;
    for (int i = run->i_start; i < STRIDED_COUNT - 1 && rc == DK_OK; i++) {
        const int t = strided_timestep(i), t_prev = strided_timestep(i + 1);
        const ts_tensor *x_t = cur ? cur : x;
        if (dk_interrupted()) {
            rc = dk_err_set(err, DK_ERR_INTERRUPTED, "interrupted by the user "
                            "after %d of %d steps (at t=%d)", i - run->i_start,
                            steps, t);
            break;
        }
        if (frames && run->every > 0 && (i - run->i_start) % run->every == 0)
            rc = keep_frame(d, &kept, x_t, t, err);
        if (rc != DK_OK)
            break;
        Expr s;
        expr_begin(&s, api, err);
        ts_tensor *next = loop_step(&s, d, run, x_t, t, t_prev);
        rc = expr_end(&s);
        if (rc != DK_OK) {
            dk_err_prefix(err, "step t=%d: ", t);
            break;
        }
        api->tensor_free(cur);
        cur = next;
        diff_progress(run->progress, i - run->i_start + 1, steps);
    }
    if (rc != DK_OK) {
        api->tensor_free(cur);
        free_frames(api, &kept);
        return rc;
    }
    *out = cur;
    if (frames) {
        *frames = kept.x;
        *nframes = kept.n;
        if (frame_t)
            *frame_t = kept.t;
        else
            free(kept.t);
    }
    return DK_OK;
}
