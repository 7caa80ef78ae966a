/*
 * b2_flow.c: flow matching on MNIST (see b2_flow.h; spec:
 * shared/spec/partB-mnist.md §5.2, Algorithms 1-4).
 *
 * Letters: B images per batch, H = W = 28; t is one time per image.
 */
#include "b2_flow.h"

#include <stdlib.h>

#include "util/interrupt.h"

// ----------------------------------------------------------------------------
// Algorithms 1 and 3: one training batch

dk_status flow_objective(const Model *m, const ts_tensor *x1,
                         const int64_t *labels, ts_generator *g,
                         ts_tensor **input, ts_tensor **t, ts_tensor **c,
                         ts_tensor **mask, ts_tensor **target, DkErr *err)
{
    const TsApi *api = m->api;
    *input = *t = *target = NULL;
    if (c)
        *c = NULL;
    if (mask)
        *mask = NULL;
    int64_t shape[4];
    int nd = 0;
    ts_status st = api->tensor_shape(x1, shape, 4, &nd);
    if (st != TS_OK)
        return backend_error(api, st, err);
    const int64_t B = shape[0];
    int64_t tshape[4] = {B, 1, 1, 1};
    ts_tensor *x0 = NULL, *t4 = NULL, *diff = NULL, *tdiff = NULL, *u = NULL;
    st = api->tensor_randn_like(&x0, x1, g);                   /* x0: [B,1,H,W] */
    if (st == TS_OK)
        st = api->tensor_rand(&t4, tshape, 4, TS_F32, TS_DEVICE_DEFAULT, g); /* [B,1,1,1] */
    if (st == TS_OK)
        st = api->tensor_sub(target, x1, x0);                  /* x1 - x0 */
    if (st == TS_OK)
        st = api->tensor_mul(&tdiff, t4, *target);             /* t (x1 - x0) */
    if (st == TS_OK)
        st = api->tensor_add(input, x0, tdiff);                /* (1-t) x0 + t x1 */
    if (st == TS_OK)
        st = api->tensor_reshape(t, t4, &B, 1);                /* t: [B] */
    api->tensor_free(x0);
    api->tensor_free(t4);
    api->tensor_free(diff);
    api->tensor_free(tdiff);
    api->tensor_free(u);
    if (st == TS_OK && m->cfg.kind == TS_UNET_CLASS && c && mask) {
        /* Class dropout: keep with probability 1 - p_uncond, drawn from
         * the same stream. */
        ts_tensor *r = NULL;
        float *keep = malloc((size_t)B * sizeof *keep);
        float *draws = malloc((size_t)B * sizeof *draws);
        if (!keep || !draws) {
            free(keep);
            free(draws);
            st = TS_OK;
            dk_err_set(err, DK_ERR_OOM, "out of memory");
            goto fail;
        }
        st = api->tensor_rand(&r, &B, 1, TS_F32, TS_CPU, g);
        if (st == TS_OK)
            st = api->tensor_to_data(r, draws, B, TS_F32);
        for (int64_t i = 0; st == TS_OK && i < B; i++)
            keep[i] = draws[i] < m->p_uncond ? 0.0f : 1.0f;
        if (st == TS_OK)
            st = api->tensor_from_data(mask, keep, &B, 1, TS_F32);
        if (st == TS_OK)
            st = api->tensor_from_data(c, labels, &B, 1, TS_I64);
        api->tensor_free(r);
        free(keep);
        free(draws);
    }
    if (st == TS_OK)
        return DK_OK;
    backend_error(api, st, err);
fail:
    api->tensor_free(*input);
    api->tensor_free(*t);
    api->tensor_free(*target);
    *input = *t = *target = NULL;
    if (c) {
        api->tensor_free(*c);
        *c = NULL;
    }
    if (mask) {
        api->tensor_free(*mask);
        *mask = NULL;
    }
    return err->code;
}

// ----------------------------------------------------------------------------
// Algorithms 2 and 4: Euler sampling from t = 0 (noise) to t = 1 (data)

dk_status flow_sample(Model *m, const int64_t *digits, int n, int steps,
                      double guidance, ts_generator *g,
                      const DiffProgress *progress, ts_tensor **out,
                      DkErr *err)
{
    const TsApi *api = m->api;
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
    const int cond = m->cfg.kind == TS_UNET_CLASS && digits != NULL;
    const int cfg = cond && guidance != 1.0;     /* combined 2n batch */
    const int64_t N = cfg ? 2 * (int64_t)n : n;  /* images per forward */
    int64_t xshape[4] = {n, 1, MODEL_SIDE, MODEL_SIDE};
    ts_tensor *x = NULL, *c = NULL, *mask = NULL;
    dk_status rc = DK_OK;
    ts_status st = api->tensor_randn(&x, xshape, 4, TS_F32, TS_DEVICE_DEFAULT, g);
    if (st == TS_OK && cond) {
        /* c: [N] = digits twice; mask: [N] = n ones (conditional half),
         * then n zeros (unconditional half). */
        int64_t *cc = malloc((size_t)N * sizeof *cc);
        float *mm = malloc((size_t)N * sizeof *mm);
        if (!cc || !mm) {
            free(cc);
            free(mm);
            api->tensor_free(x);
            return dk_err_set(err, DK_ERR_OOM, "out of memory");
        }
        for (int64_t i = 0; i < N; i++) {
            cc[i] = digits[i % n];
            mm[i] = i < n ? 1.0f : 0.0f;
        }
        st = api->tensor_from_data(&c, cc, &N, 1, TS_I64);
        if (st == TS_OK)
            st = api->tensor_from_data(&mask, mm, &N, 1, TS_F32);
        free(cc);
        free(mm);
    }
    for (int i = 0; i < steps && st == TS_OK; i++) {
        if (dk_interrupted()) {
            rc = dk_err_set(err, DK_ERR_INTERRUPTED, "interrupted by the user "
                            "after %d of %d steps", i, steps);
            break;
        }
        const double t = (double)i / steps;      /* left endpoint */
        ts_tensor *tt = NULL, *xin = NULL, *u = NULL, *uc = NULL, *uu = NULL,
                  *guided = NULL, *next = NULL;
        const ts_tensor *pair[2] = {x, x};
        st = api->tensor_full(&tt, &N, 1, t, TS_F32, TS_DEVICE_DEFAULT); /* [N] */
        if (st == TS_OK)
            st = cfg ? api->tensor_cat(&xin, pair, 2, 0)        /* [2n,1,H,W] */
                     : api->tensor_reshape(&xin, x, xshape, 4);
        if (st == TS_OK)
            st = api->unet_forward(&u, m->net, xin, tt, c, mask); /* [N,1,H,W] */
        if (st == TS_OK && cfg) {
            st = api->tensor_slice(&uc, u, 0, 0, n, 1);           /* u_cond */
            if (st == TS_OK)
                st = api->tensor_slice(&uu, u, 0, n, 2 * (int64_t)n, 1); /* u_uncond */
            if (st == TS_OK)                                      /* uu + g (uc - uu) */
                st = api->tensor_axpby(&guided, guidance, uc, 1.0 - guidance, uu);
        }
        if (st == TS_OK)                                          /* x + u / T */
            st = api->tensor_axpby(&next, 1.0, x, 1.0 / steps, cfg ? guided : u);
        api->tensor_free(tt);
        api->tensor_free(xin);
        api->tensor_free(u);
        api->tensor_free(uc);
        api->tensor_free(uu);
        api->tensor_free(guided);
        if (st == TS_OK) {
            api->tensor_free(x);
            x = next;
            diff_progress(progress, i + 1, steps);
        }
    }
    api->tensor_free(c);
    api->tensor_free(mask);
    if (st != TS_OK)
        rc = backend_error(api, st, err);
    if (rc != DK_OK) {
        api->tensor_free(x);
        return rc;
    }
    *out = x;
    return DK_OK;
}
