/*
 * a1_3_one_step.c: one-step denoising (see a1_3_one_step.h).
 */
#include "a1_3_one_step.h"

#include <math.h>

#include "a1_4_iterative.h"
#include "a1_6_cfg.h"

dk_status one_step_denoise(Denoiser *d, const ts_tensor *x_t, int t,
                           const Cond *conds, double gamma, ts_tensor **x0,
                           DkErr *err)
{
    *x0 = NULL;
    if (t < 0 || t >= SCHEDULE_T)
        return dk_err_set(err, DK_ERR_ARG, "timestep %d is not in 0..%d", t,
                          SCHEDULE_T - 1);
    const DenoiseRun check = {.guide = {.rule = NOISE_COND, .a = conds,
                                        .guidance = gamma}};
    if (iterative_check(d, x_t, &check, err) != DK_OK)
        return err->code;
    const double ab = d->schedule->alphas_cumprod[t];
    Expr s;
    expr_begin(&s, d->api, err);
    ts_tensor *eps = NULL, *v = NULL;
    cfg_estimate(&s, d, x_t, t, conds, gamma, &eps, &v);
    /* x̂0 = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t */
    *x0 = expr_keep(&s, over(&s, sub(&s, x_t, scale(&s, sqrt(1.0 - ab), eps)),
                             sqrt(ab)));
    return expr_end(&s);
}
