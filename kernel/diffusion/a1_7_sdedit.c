/*
 * a1_7_sdedit.c: SDEdit (see a1_7_sdedit.h).
 */
#include "a1_7_sdedit.h"

#include <math.h>

dk_status sdedit(Denoiser *d, const ts_tensor *im, const DenoiseRun *run,
                 ts_tensor **out, DkErr *err)
{
    *out = NULL;
    if (iterative_check(d, im, run, err) != DK_OK)
        return err->code;
    const double ab = d->schedule->alphas_cumprod[strided_timestep(run->i_start)];
    Expr s;
    expr_begin(&s, d->api, err);
    /* x_t = √ᾱ_t·im + √(1−ᾱ_t)·ε */
    ts_tensor *x_t = expr_keep(&s, lerp2(&s, sqrt(ab), im, sqrt(1.0 - ab),
                                         randn_like(&s, im, run->g)));
    if (expr_end(&s) != DK_OK)
        return err->code;
    dk_status rc = iterative_denoise(d, x_t, run, out, NULL, NULL, NULL, err);
    d->api->tensor_free(x_t);
    return rc;
}
