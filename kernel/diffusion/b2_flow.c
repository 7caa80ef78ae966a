/*
 * b2_flow.c: flow matching on MNIST (see b2_flow.h and docs/part-b.md,
 * "Flow matching": Algorithms 1-4).
 *
 * Letters: B images per batch, H = W = 28; t is one time per image.
 */
#include "b2_flow.h"

#include <stdlib.h>

#include "util/interrupt.h"

// ----------------------------------------------------------------------------
// Algorithms 1 and 3: one training batch

/* Class dropout: mask[i] = 0 (drop image i's class) with probability
 * p_uncond, drawn from the same stream as the batch's noise. */
static ts_tensor *class_keep_mask(Expr *s, double p_uncond, int64_t B,
                                  ts_generator *g)
{
    float *keep = malloc((size_t)B * sizeof *keep);
    if (!keep)
        return expr_fail(s, DK_ERR_OOM, "out of memory");
    ts_tensor *r = rand_shape(s, &B, 1, g);
    ts_status st = r ? s->api->tensor_to_data(r, keep, B, TS_F32) : TS_ERR;
    if (st != TS_OK) {
        if (r)
            expr_call(s, st, NULL);
        free(keep);
        return NULL;
    }
    for (int64_t i = 0; i < B; i++)
        keep[i] = keep[i] < p_uncond ? 0.0f : 1.0f;
    ts_tensor *mask = from_host(s, keep, &B, 1, TS_F32);
    free(keep);
    return mask;
}

dk_status flow_objective(const Model *m, const ts_tensor *x1,
                         const int64_t *labels, ts_generator *g,
                         ts_tensor **input, ts_tensor **t, ts_tensor **c,
                         ts_tensor **mask, ts_tensor **target, DkErr *err)
{
    const int classes = m->cfg.kind == TS_UNET_CLASS && c && mask;
    Expr s;
    expr_begin(&s, m->api, err);
    const int64_t B = dim_size(&s, x1, 0);
    const int64_t per_image[4] = {B, 1, 1, 1};

    ts_tensor *x0 = randn_like(&s, x1, g);            /* x0 ~ N(0, I)     */
    ts_tensor *tb = rand_shape(&s, per_image, 4, g);  /* t ~ U[0, 1]      */
    ts_tensor *u = sub(&s, x1, x0);                   /* u = x1 − x0      */
    ts_tensor *x_t = add(&s, x0, mul(&s, tb, u));     /* (1−t)·x0 + t·x1  */

    *target = expr_keep(&s, u);
    *input = expr_keep(&s, x_t);
    *t = expr_keep(&s, reshape(&s, tb, &B, 1));       /* t: [B]           */
    if (classes) {
        *mask = expr_keep(&s, class_keep_mask(&s, m->p_uncond, B, g));
        *c = expr_keep(&s, from_host(&s, labels, &B, 1, TS_I64));
    } else {
        if (c)
            *c = NULL;
        if (mask)
            *mask = NULL;
    }
    if (expr_end(&s) == DK_OK)
        return DK_OK;
    ts_tensor **outs[] = {input, t, target, classes ? c : NULL,
                          classes ? mask : NULL};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
        if (outs[i]) {
            m->api->tensor_free(*outs[i]);
            *outs[i] = NULL;
        }
    return err->code;
}

// ----------------------------------------------------------------------------
// Algorithms 2 and 4: Euler sampling from t = 0 (noise) to t = 1 (data)

/* The class inputs of the combined CFG batch of N = 2n (or n) images:
 * c = the digits twice, mask = n ones (conditional half) then n zeros
 * (unconditional half). */
static void class_inputs(Expr *s, const int64_t *digits, int64_t n,
                         int64_t N, ts_tensor **c, ts_tensor **mask)
{
    int64_t *cc = malloc((size_t)N * sizeof *cc);
    float *mm = malloc((size_t)N * sizeof *mm);
    if (!cc || !mm) {
        expr_fail(s, DK_ERR_OOM, "out of memory");
    } else {
        for (int64_t i = 0; i < N; i++) {
            cc[i] = digits[i % n];
            mm[i] = i < n ? 1.0f : 0.0f;
        }
        *c = from_host(s, cc, &N, 1, TS_I64);
        *mask = from_host(s, mm, &N, 1, TS_F32);
    }
    free(cc);
    free(mm);
}

/* One Euler step, x + u(x, t)/T, with u = u_u + γ(u_c − u_u) under
 * guidance.  The result is handed out of the scope. */
static ts_tensor *euler_step(Expr *s, Model *m, const ts_tensor *x, double t,
                             int steps, int64_t n, int cfg, double guidance,
                             const ts_tensor *c, const ts_tensor *mask)
{
    const int64_t N = cfg ? 2 * n : n;
    ts_tensor *tt = full(s, &N, 1, t);
    ts_tensor *x_in = cfg ? cat2(s, x, x, 0) : (ts_tensor *)x; /* [N,1,H,W] */
    ts_tensor *u = model_forward(s, m, x_in, tt, c, mask);
    if (cfg) {
        ts_tensor *u_c = slice(s, u, 0, 0, n), *u_u = slice(s, u, 0, n, 2 * n);
        u = lerp2(s, guidance, u_c, 1.0 - guidance, u_u);
    }
    return expr_keep(s, lerp2(s, 1.0, x, 1.0 / steps, u));
}

dk_status flow_sample(Model *m, const int64_t *digits, int n, int steps,
                      double guidance, ts_generator *g,
                      const DiffProgress *progress, ts_tensor **out,
                      DkErr *err)
{
    *out = NULL;
    if (m->cfg.kind == TS_UNET_PLAIN)
        return dk_err_set(err, DK_ERR_ARG, "the single-step denoiser does not "
                          "sample: it has no time input (use a \"time\" or "
                          "\"class\" UNet)");
    if (n < 1 || n > FLOW_MAX_BATCH)
        return dk_err_set(err, DK_ERR_ARG, "%d images is not in 1..%d", n,
                          FLOW_MAX_BATCH);
    if (steps < 1 || steps > FLOW_MAX_STEPS)
        return dk_err_set(err, DK_ERR_ARG, "steps=%d is not in 1..%d", steps,
                          FLOW_MAX_STEPS);
    const TsApi *api = m->api;
    const int cond = m->cfg.kind == TS_UNET_CLASS && digits != NULL;
    const int cfg = cond && guidance != 1.0;     /* combined 2n batch */
    const int64_t N = cfg ? 2 * (int64_t)n : n;  /* images per forward */
    int64_t xshape[4] = {n, 1, MODEL_SIDE, MODEL_SIDE};
    ts_tensor *x = NULL, *c = NULL, *mask = NULL;
    Expr inputs;
    expr_begin(&inputs, api, err);
    if (cond)
        class_inputs(&inputs, digits, n, N, &c, &mask);
    ts_status st = api->tensor_randn(&x, xshape, 4, TS_F32, TS_DEVICE_DEFAULT, g);
    if (st != TS_OK)
        expr_call(&inputs, st, NULL);
    for (int i = 0; i < steps && !expr_failed(&inputs); i++) {
        if (dk_interrupted()) {
            expr_fail(&inputs, DK_ERR_INTERRUPTED, "interrupted by the user "
                      "after %d of %d steps", i, steps);
            break;
        }
        Expr s;
        expr_begin(&s, api, err);
        ts_tensor *next = euler_step(&s, m, x, (double)i / steps, steps, n,
                                     cfg, guidance, c, mask);
        expr_inherit(&inputs, expr_end(&s));
        if (expr_failed(&inputs))
            break;
        api->tensor_free(x);
        x = next;
        diff_progress(progress, i + 1, steps);
    }
    if (expr_end(&inputs) != DK_OK) {
        api->tensor_free(x);
        return err->code;
    }
    *out = x;
    return DK_OK;
}
