/*
 * model.c: a Part B UNet with its training record (see model.h).
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *model_kind_name(ts_unet_kind kind)
{
    switch (kind) {
    case TS_UNET_PLAIN: return "denoiser";
    case TS_UNET_TIME: return "time";
    case TS_UNET_CLASS: return "class";
    default: return "?";
    }
}

int model_kind_parse(const char *name)
{
    if (!strcmp(name, "denoiser") || !strcmp(name, "plain") ||
        !strcmp(name, "unconditional"))
        return TS_UNET_PLAIN;
    if (!strcmp(name, "time"))
        return TS_UNET_TIME;
    if (!strcmp(name, "class"))
        return TS_UNET_CLASS;
    return -1;
}

dk_status model_new(const TsApi *api, ts_unet_kind kind, int hidden,
                    Model **out, DkErr *err)
{
    *out = NULL;
    if (hidden < 1 || hidden > MODEL_MAX_HIDDEN)
        return dk_err_set(err, DK_ERR_ARG, "hidden=%d is not in 1..%d", hidden,
                          MODEL_MAX_HIDDEN);
    Model *m = calloc(1, sizeof *m);
    if (!m)
        return dk_err_oom(err);
    m->api = api;
    m->cfg = (ts_unet_config){kind, 1, hidden,
                              kind == TS_UNET_CLASS ? MODEL_CLASSES : 0};
    ts_status st = api->unet_new(&m->net, &m->cfg, TS_DEVICE_DEFAULT);
    if (st == TS_OK)
        st = api->module_param_count(m->net, &m->params);
    if (st != TS_OK) {
        backend_error(api, st, err);
        model_free(m);
        return err->code;
    }
    m->sigma = 0.5;
    m->p_uncond = kind == TS_UNET_CLASS ? 0.1 : 0.0;
    *out = m;
    return DK_OK;
}

void model_free(Model *m)
{
    if (!m)
        return;
    if (m->api) {
        m->api->optim_free(m->opt);
        m->api->module_free(m->net);
    }
    free(m->losses);
    free(m->epoch_ends);
    free(m);
}

dk_status model_push_loss(Model *m, float loss, DkErr *err)
{
    if (m->nlosses == m->cap) {
        long cap = m->cap ? m->cap * 2 : 1024;
        float *p = realloc(m->losses, (size_t)cap * sizeof *p);
        if (!p)
            return dk_err_oom(err);
        m->losses = p;
        m->cap = cap;
    }
    m->losses[m->nlosses++] = loss;
    return DK_OK;
}

dk_status model_mark_epoch(Model *m, DkErr *err)
{
    long *p = realloc(m->epoch_ends, (size_t)(m->nepoch_ends + 1) * sizeof *p);
    if (!p)
        return dk_err_oom(err);
    m->epoch_ends = p;
    m->epoch_ends[m->nepoch_ends++] = m->nlosses;
    return DK_OK;
}

double model_lr_at(const Model *m, int epoch)
{
    if (m->schedule != LR_EXP || m->schedule_epochs <= 0)
        return m->lr0;
    /* ExponentialLR: lr0 * gamma^e with gamma = 0.1^(1/epochs). */
    return m->lr0 * pow(pow(0.1, 1.0 / m->schedule_epochs), epoch);
}

/* 2019201 -> "2,019,201". */
static void commas(int64_t n, char *buf, size_t cap)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)n);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 2 < cap)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

void model_describe(const Model *m, char *buf, size_t cap)
{
    static const char *const what[] = {"single-step denoiser UNet",
                                       "time-conditioned UNet",
                                       "class-conditioned UNet"};
    char p[32];
    commas(m->params, p, sizeof p);
    const char *kind = (unsigned)m->cfg.kind < 3 ? what[m->cfg.kind] : "UNet";
    int n = snprintf(buf, cap, "%s, D=%d, %s parameters, %d epoch%s", kind,
                     m->cfg.hidden, p, m->epochs_done,
                     m->epochs_done == 1 ? "" : "s");
    if (n > 0 && (size_t)n < cap && m->epoch_batch > 0)
        n += snprintf(buf + n, cap - (size_t)n, " and %d of %d batches",
                      m->epoch_batch, m->epoch_batches);
    if (n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " trained");
    if (n > 0 && (size_t)n < cap && m->steps > 0)
        snprintf(buf + n, cap - (size_t)n, " (%ld steps, last loss %.4g)",
                 m->steps, m->nlosses ? m->losses[m->nlosses - 1] : NAN);
}

ts_tensor *model_forward(Expr *s, const Model *m, const ts_tensor *x,
                         const ts_tensor *t, const ts_tensor *c,
                         const ts_tensor *mask)
{
    ts_tensor *u = NULL;
    if (expr_failed(s) || !x)
        return NULL;
    ts_status st = m->api->unet_forward(&u, m->net, x, t, c, mask);
    return expr_call(s, st, u);
}
