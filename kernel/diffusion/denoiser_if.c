/*
 * denoiser_if.c: DeepFloyd IF's UNets as Part A denoisers (see
 * denoiser_if.h).
 */
#include "denoiser_if.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct IfState {
    DeepFloyd *m;             /* borrowed */
    IfUnet *unet;             /* stage 1 or 2 of m */
    const ts_tensor *low_res; /* stage II: borrowed */
    int level;
} IfState;

/* The prompt a condition stands for ("" for the unconditional input). */
static const char *prompt_of(const Cond *c)
{
    return c->kind == COND_PROMPT && c->prompt ? c->prompt : "";
}

/* [N, L, D]: the embeddings of conds[0..n), scope-owned. */
static ts_tensor *text_batch(Expr *s, TextEncoder *enc, const Cond *conds,
                             int64_t n)
{
    ts_tensor *all = NULL;
    for (int64_t i = 0; i < n && !expr_failed(s); i++) {
        ts_tensor *e = NULL;
        if (text_encode(enc, prompt_of(&conds[i]), &e, s->err) != DK_OK) {
            expr_inherit(s, s->err->code);
            return NULL;
        }
        e = expr_adopt(s, e);
        all = all ? cat2(s, all, e, 0) : e;
    }
    return all;
}

/* x_t with the stage II image beside it: [x_t, up] along the channels,
 * up repeated to x_t's batch. */
static ts_tensor *with_low_res(Expr *s, const IfState *st, const ts_tensor *x_t)
{
    if (!st->unet->noise_level_input)
        return (ts_tensor *)x_t;  /* read only */
    if (!st->low_res)
        return expr_fail(s, DK_ERR_INTERNAL, "stage II ran without its "
                         "low-resolution image");
    const int64_t n = dim_size(s, x_t, 0), k = dim_size(s, st->low_res, 0);
    if (k <= 0 || n % k)
        return expr_fail(s, DK_ERR_SHAPE, "%lld images for %lld low-resolution "
                         "ones", (long long)n, (long long)k);
    ts_tensor *up = (ts_tensor *)st->low_res;
    for (int64_t have = k; have < n; have += k)
        up = cat2(s, up, st->low_res, 0);
    return cat2(s, x_t, to_device_of(s, up, x_t), 1);
}

static void if_predict(Denoiser *d, Expr *s, const ts_tensor *x_t, int t,
                       const Cond *conds, ts_tensor **eps, ts_tensor **v)
{
    IfState *st = d->self;
    const TsApi *api = d->api;
    *eps = *v = NULL;
    const int64_t n = dim_size(s, x_t, 0);
    int64_t *steps = malloc((size_t)(n > 0 ? n : 1) * sizeof *steps);
    int64_t *levels = malloc((size_t)(n > 0 ? n : 1) * sizeof *levels);
    if (!steps || !levels) {
        free(steps);
        free(levels);
        expr_fail(s, DK_ERR_OOM, "out of memory");
        return;
    }
    for (int64_t i = 0; i < n; i++)
        steps[i] = t, levels[i] = st->level;
    ts_tensor *tt = from_host(s, steps, &n, 1, TS_I64);
    ts_tensor *lv = st->unet->noise_level_input ? from_host(s, levels, &n, 1, TS_I64)
                                                : NULL;
    free(steps);
    free(levels);
    ts_tensor *text = text_batch(s, st->m->text, conds, n);
    ts_tensor *x = with_low_res(s, st, x_t);
    if (expr_failed(s) || !tt || !text || !x)
        return;
    ts_tensor *out = NULL;
    ts_status rc = api->if_unet_forward(&out, st->unet->net, x, tt, text, lv);
    out = expr_call(s, rc, out);
    *eps = slice(s, out, 1, 0, 3);   /* ε̂: channels 0-2 */
    *v = slice(s, out, 1, 3, 6);     /* v: channels 3-5 */
}

static dk_status if_check(const Denoiser *d, const Cond *c, DkErr *err)
{
    const IfState *st = d->self;
    if (c->kind == COND_CLASS) {
        dk_err_set(err, DK_ERR_ARG, "%s takes a text prompt, not class %d",
                   d->name, c->cls);
        dk_err_hint(err, "give a prompt of the embeddings file as a string, "
                    "e.g. cond=\"a high quality photo\"");
        return DK_ERR_ARG;
    }
    if (prompts_has(st->m->text, prompt_of(c)) != 0)
        return DK_OK;
    /* The encoder's own error names the close prompts. */
    ts_tensor *e = NULL;
    dk_status rc = text_encode(st->m->text, prompt_of(c), &e, err);
    d->api->tensor_free(e);
    return rc;
}

static void if_release(Denoiser *d)
{
    free(d->self);
}

static const DenoiserOps if_ops = {
    .predict = if_predict,
    .check = if_check,
    .release = if_release,
};

dk_status denoiser_if_new(DeepFloyd *m, int stage, Denoiser **out, DkErr *err)
{
    *out = NULL;
    IfUnet *u = stage == 2 ? &m->stage2 : &m->stage1;
    if (!u->net) {
        dk_err_set(err, DK_ERR_ARG, "the stage II upscaler is not loaded");
        dk_err_hint(err, "%s", DEEPFLOYD_HOWTO);
        return DK_ERR_ARG;
    }
    Denoiser *d = calloc(1, sizeof *d);
    IfState *st = calloc(1, sizeof *st);
    if (!d || !st) {
        free(d);
        free(st);
        return dk_err_oom(err);
    }
    *st = (IfState){.m = m, .unet = u};
    *d = (Denoiser){
        .ops = &if_ops,
        .api = m->api,
        .schedule = schedule_if(),
        .channels = 3,
        .height = u->sample_size,
        .width = u->sample_size,
        .unit_range = 0,
        .learned_variance = u->out_channels == 6,
        .conditional = 1,
        .has_null = prompts_has(m->text, "") != 0,
        .self = st,
    };
    snprintf(d->name, sizeof d->name, "DeepFloyd %.80s", u->name);
    *out = d;
    return DK_OK;
}

void denoiser_if_set_low_res(Denoiser *d, const ts_tensor *up, int level)
{
    IfState *st = d->self;
    st->low_res = up;
    st->level = level;
}
