/*
 * a1_6_cfg.c: classifier-free guidance (see a1_6_cfg.h).
 */
#include "a1_6_cfg.h"

#include <stdlib.h>

void cfg_estimate(Expr *s, Denoiser *d, const ts_tensor *x_t, int t,
                  const Cond *conds, double gamma, ts_tensor **eps,
                  ts_tensor **v)
{
    *eps = *v = NULL;
    if (gamma == 1.0) {
        if (!expr_failed(s))
            d->ops->predict(d, s, x_t, t, conds, eps, v);
        return;
    }
    const int64_t n = dim_size(s, x_t, 0);
    Cond *both = conds_join(conds, NULL, n);  /* [conditional; unconditional] */
    if (!both) {
        expr_fail(s, DK_ERR_OOM, "out of memory");
        return;
    }
    ts_tensor *e = NULL, *var = NULL;
    if (!expr_failed(s))
        d->ops->predict(d, s, cat2(s, x_t, x_t, 0), t, both, &e, &var);
    free(both);
    ts_tensor *e_c = slice(s, e, 0, 0, n), *e_u = slice(s, e, 0, n, 2 * n);
    *eps = add(s, e_u, scale(s, gamma, sub(s, e_c, e_u)));  /* ε_u + γ(ε_c − ε_u) */
    *v = var ? slice(s, var, 0, 0, n) : NULL;              /* conditional v */
}
