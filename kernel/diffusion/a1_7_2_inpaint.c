/*
 * a1_7_2_inpaint.c: the RePaint rule (see a1_7_2_inpaint.h).
 */
#include "a1_7_2_inpaint.h"

#include <math.h>

#include "a1_5_sampling.h"

ts_tensor *repaint(Expr *s, const Schedule *sch, const ts_tensor *x_prev,
                   const ts_tensor *x_orig, const ts_tensor *m, int t_prev,
                   ts_generator *g)
{
    const double ab = sch->alphas_cumprod[t_prev];
    /* forward(x_orig, t') = √ᾱ_t'·x_orig + √(1−ᾱ_t')·ε; at t' = 0, the
     * result itself, x_orig (see the header) */
    ts_tensor *known = t_prev == 0 ? (ts_tensor *)x_orig
                                   : lerp2(s, sqrt(ab), x_orig, sqrt(1.0 - ab),
                                           randn_like(s, x_orig, g));
    ts_tensor *one_minus_m = plus(s, scale(s, -1.0, m), 1.0);
    /* m·x_t' + (1 − m)·forward(x_orig, t') */
    return add(s, mul(s, m, x_prev), mul(s, one_minus_m, known));
}

dk_status inpaint(Denoiser *d, const ts_tensor *x_orig, const ts_tensor *mask,
                  const DenoiseRun *run, ts_tensor **out, DkErr *err)
{
    *out = NULL;
    DenoiseRun with_mask = *run;
    with_mask.x_orig = x_orig;
    with_mask.mask = mask;
    with_mask.i_start = 0;
    if (iterative_check(d, x_orig, &with_mask, err) != DK_OK)
        return err->code;
    int64_t sh[TS_MAX_DIMS];
    int nd = 0;
    ts_status st = d->api->tensor_shape(x_orig, sh, TS_MAX_DIMS, &nd);
    if (st != TS_OK)
        return backend_error(d->api, st, err);
    return sample_from_noise(d, (int)sh[0], &with_mask, out, NULL, NULL, NULL,
                             err);
}
