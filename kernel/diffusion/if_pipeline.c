/*
 * if_pipeline.c: DeepFloyd IF's stock pipelines (see if_pipeline.h).
 */
#include "if_pipeline.h"

#include "a1_6_cfg.h"
#include "denoiser_if.h"
#include "if_scheduler.h"
#include "util/interrupt.h"

static dk_status check_run(const Denoiser *d, const IfRun *run, DkErr *err)
{
    if (run->steps < 1 || run->steps > IF_MAX_STEPS)
        return dk_err_set(err, DK_ERR_ARG, "steps=%d is not in 1..%d",
                          run->steps, IF_MAX_STEPS);
    if (run->noise_level < 0 || run->noise_level >= SCHEDULE_T)
        return dk_err_set(err, DK_ERR_ARG, "noise_level=%d is not in 0..%d",
                          run->noise_level, SCHEDULE_T - 1);
    if (run->size < 8 || run->size > 4096)
        return dk_err_set(err, DK_ERR_ARG, "size=%d is not in 8..4096", run->size);
    return denoiser_check(d, run->conds, run->n, err);
}

/* z ~ N(0, I) [n, 3, size, size] from g, on the chosen device. */
static ts_tensor *noise(Expr *s, const IfRun *run)
{
    const int64_t shape[4] = {run->n, 3, run->size, run->size};
    ts_tensor *z = NULL;
    if (expr_failed(s))
        return NULL;
    ts_status st = s->api->tensor_randn(&z, shape, 4, TS_F32, TS_DEVICE_DEFAULT,
                                        run->g);
    return expr_call(s, st, z);
}

/* The scheduler's loop from x (taken), each step in its own scope. */
static dk_status loop(Denoiser *d, const IfRun *run, double max_value,
                      ts_tensor *x, ts_tensor **out, DkErr *err)
{
    const TsApi *api = d->api;
    int ts[IF_MAX_STEPS];
    if_timesteps(run->steps, ts);
    dk_status rc = DK_OK;
    for (int i = 0; i < run->steps && rc == DK_OK; i++) {
        const int t = ts[i], t_prev = if_prev_timestep(t, run->steps);
        if (dk_interrupted()) {
            rc = dk_err_set(err, DK_ERR_INTERRUPTED, "interrupted by the user "
                            "after %d of %d steps (at t=%d)", i, run->steps, t);
            break;
        }
        Expr s;
        expr_begin(&s, api, err);
        ts_tensor *eps = NULL, *v = NULL;
        cfg_estimate(&s, d, x, t, run->conds, run->guidance > 1.0 ? run->guidance : 1.0,
                     &eps, &v);
        ts_tensor *next = expr_keep(&s, if_step(&s, d->schedule, x, eps, v, t,
                                                t_prev, max_value, run->g));
        rc = expr_end(&s);
        if (rc != DK_OK) {
            dk_err_prefix(err, "step t=%d: ", t);
            break;
        }
        api->tensor_free(x);
        x = next;
        diff_progress(run->progress, i + 1, run->steps);
    }
    if (rc != DK_OK) {
        api->tensor_free(x);
        return rc;
    }
    *out = x;
    return DK_OK;
}

dk_status if_generate(Denoiser *d, const IfRun *run, ts_tensor **out, DkErr *err)
{
    *out = NULL;
    if (check_run(d, run, err) != DK_OK)
        return err->code;
    Expr s;
    expr_begin(&s, d->api, err);
    ts_tensor *x = expr_keep(&s, noise(&s, run));
    if (expr_end(&s) != DK_OK)
        return err->code;
    return loop(d, run, IF_STAGE1_MAX_VALUE, x, out, err);
}

dk_status if_upsample(Denoiser *d, const ts_tensor *low, const IfRun *run,
                      ts_tensor **out, DkErr *err)
{
    *out = NULL;
    if (check_run(d, run, err) != DK_OK)
        return err->code;
    int64_t sh[TS_MAX_DIMS];
    int nd = 0;
    ts_status st = d->api->tensor_shape(low, sh, TS_MAX_DIMS, &nd);
    if (st != TS_OK)
        return backend_error(d->api, st, err);
    if (nd != 4 || sh[0] != run->n || sh[1] != 3) {
        dk_err_set(err, DK_ERR_SHAPE, "the images to upsample are not %d RGB "
                   "image%s", run->n, run->n == 1 ? "" : "s");
        dk_err_hint(err, "give stage I's 64x64 RGB results");
        return DK_ERR_SHAPE;
    }
    Expr s;
    expr_begin(&s, d->api, err);
    ts_tensor *x = expr_keep(&s, noise(&s, run));           /* z first ... */
    ts_tensor *up = NULL;
    if (!expr_failed(&s)) {
        ts_tensor *f = NULL;
        st = d->api->tensor_to_dtype(&f, low, TS_F32);
        f = expr_call(&s, st, f);
        ts_tensor *r = NULL;
        st = f ? d->api->tensor_interpolate(&r, f, run->size, run->size,
                                            TS_INTERP_BILINEAR, 1, 0) : TS_OK;
        up = f ? expr_call(&s, st, r) : NULL;
    }
    ts_tensor *n = randn_like(&s, up, run->g);              /* ... then n */
    ts_tensor *noised = expr_keep(&s, if_noise_image(&s, d->schedule, up, n,
                                                     run->noise_level));
    if (expr_end(&s) != DK_OK) {
        d->api->tensor_free(x);
        return err->code;
    }
    denoiser_if_set_low_res(d, noised, run->noise_level);
    dk_status rc = loop(d, run, IF_STAGE2_MAX_VALUE, x, out, err);
    denoiser_if_set_low_res(d, NULL, 0);
    d->api->tensor_free(noised);
    return rc;
}
