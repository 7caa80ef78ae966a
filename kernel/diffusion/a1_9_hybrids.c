/*
 * a1_9_hybrids.c: hybrid images (see a1_9_hybrids.h).
 */
#include "a1_9_hybrids.h"

#include <stdlib.h>

#include "a1_2_blur.h"
#include "a1_6_cfg.h"

void hybrid_estimate(Expr *s, Denoiser *d, const Guide *gd,
                     const ts_tensor *x_t, int t, ts_tensor **eps,
                     ts_tensor **v)
{
    *eps = *v = NULL;
    const int64_t n = dim_size(s, x_t, 0);
    Cond *ab = conds_join(gd->a, gd->b, n);              /* [a; b] */
    if (!ab) {
        expr_fail(s, DK_ERR_OOM, "out of memory");
        return;
    }
    ts_tensor *e = NULL, *var = NULL;
    cfg_estimate(s, d, cat2(s, x_t, x_t, 0), t, ab, gd->guidance, &e, &var);
    free(ab);
    ts_tensor *e1 = slice(s, e, 0, 0, n), *e2 = slice(s, e, 0, n, 2 * n);
    ts_tensor *low1 = lowpass(s, e1, gd->kernel, gd->sigma);
    ts_tensor *high2 = sub(s, e2, lowpass(s, e2, gd->kernel, gd->sigma));
    *eps = add(s, low1, high2);              /* lowpass(ε̂1) + highpass(ε̂2) */
    *v = var ? slice(s, var, 0, 0, n) : NULL;
}
