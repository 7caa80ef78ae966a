/*
 * denoiser_flow.c: a flow-matching UNet seen as an ε-predictor (see
 * denoiser_flow.h for the change of variables).
 */
#include "denoiser_flow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void denoiser_flow_time(const Schedule *sch, int t, double *tau, double *s)
{
    const double ab = (double)sch->alphas_cumprod[t];
    *s = sqrt(ab) + sqrt(1.0 - ab);
    *tau = sqrt(ab) / *s;
}

/* The class inputs of a batch: c[i] the class (0 when dropped) and
 * mask[i] 1 to keep it, 0 for the unconditional input. */
static void class_inputs(Expr *s, const Cond *conds, int64_t n,
                         ts_tensor **c, ts_tensor **mask)
{
    int64_t *cc = malloc((size_t)n * sizeof *cc);
    float *mm = malloc((size_t)n * sizeof *mm);
    if (!cc || !mm) {
        expr_fail(s, DK_ERR_OOM, "out of memory");
    } else {
        for (int64_t i = 0; i < n; i++) {
            const int keep = conds[i].kind == COND_CLASS;
            cc[i] = keep ? conds[i].cls : 0;
            mm[i] = keep ? 1.0f : 0.0f;
        }
        *c = from_host(s, cc, &n, 1, TS_I64);
        *mask = from_host(s, mm, &n, 1, TS_F32);
    }
    free(cc);
    free(mm);
}

static void flow_predict(Denoiser *d, Expr *s, const ts_tensor *x_t, int t,
                         const Cond *conds, ts_tensor **eps, ts_tensor **v)
{
    Model *m = d->self;
    double tau, scale_t;
    denoiser_flow_time(d->schedule, t, &tau, &scale_t);
    const int64_t n = dim_size(s, x_t, 0);
    ts_tensor *c = NULL, *mask = NULL;
    if (m->cfg.kind == TS_UNET_CLASS)
        class_inputs(s, conds, n, &c, &mask);

    ts_tensor *x = over(s, x_t, scale_t);              /* x' = x_t / s     */
    ts_tensor *u = model_forward(s, m, x, full(s, &n, 1, tau), c, mask);
    *eps = sub(s, x, scale(s, tau, u));                /* ε̂ = x' − τ·û    */
    *v = NULL;                                         /* no variance      */
}

static dk_status flow_check(const Denoiser *d, const Cond *c, DkErr *err)
{
    const Model *m = d->self;
    if (c->kind == COND_PROMPT) {
        dk_err_set(err, DK_ERR_ARG, "%s takes no text prompt", d->name);
        dk_err_hint(err, "give a digit 0..9 as the class, or none");
        return DK_ERR_ARG;
    }
    if (c->kind == COND_CLASS && m->cfg.kind != TS_UNET_CLASS) {
        dk_err_set(err, DK_ERR_ARG, "%s has no class input", d->name);
        dk_err_hint(err, "use a class-conditioned model (`unet \"class\"`), "
                    "or leave the class out");
        return DK_ERR_ARG;
    }
    if (c->kind == COND_CLASS && (c->cls < 0 || c->cls >= m->cfg.num_classes)) {
        dk_err_set(err, DK_ERR_ARG, "class %d is not one of the model's "
                   "classes 0..%d", c->cls, m->cfg.num_classes - 1);
        return DK_ERR_ARG;
    }
    return DK_OK;
}

static const DenoiserOps flow_ops = {
    .predict = flow_predict,
    .check = flow_check,
    .release = NULL,
};

dk_status denoiser_flow_new(Model *m, Denoiser **out, DkErr *err)
{
    *out = NULL;
    if (m->cfg.kind == TS_UNET_PLAIN) {
        dk_err_set(err, DK_ERR_ARG, "the single-step denoiser has no time "
                   "input, so it cannot denoise step by step");
        dk_err_hint(err, "use a flow-matching model: \"time\" or \"class\" "
                    "(e.g. load_model \"models/mnist-class-cpu.safetensors\")");
        return DK_ERR_ARG;
    }
    Denoiser *d = calloc(1, sizeof *d);
    if (!d)
        return dk_err_oom(err);
    *d = (Denoiser){
        .ops = &flow_ops,
        .api = m->api,
        .schedule = schedule_if(),
        .channels = m->cfg.in_channels,
        .height = MODEL_SIDE,
        .width = MODEL_SIDE,
        .unit_range = 1,
        .learned_variance = 0,
        .conditional = m->cfg.kind == TS_UNET_CLASS,
        .has_null = m->cfg.kind == TS_UNET_TIME || m->p_uncond > 0,
        .self = m,
    };
    snprintf(d->name, sizeof d->name, "the MNIST %s model",
             m->cfg.kind == TS_UNET_CLASS ? "class-conditioned" : "time-conditioned");
    *out = d;
    return DK_OK;
}
