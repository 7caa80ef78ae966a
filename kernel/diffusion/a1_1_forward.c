/*
 * a1_1_forward.c: the forward process (see a1_1_forward.h and
 * docs/part-a.md §1.1).  The course's version:
 *
 *     def forward(im, t):
 *         ab = alphas_cumprod[t]
 *         return sqrt(ab) * im + sqrt(1 - ab) * torch.randn_like(im)
 *
 * Shapes: N images, C channels, H x W pixels.
 */
#include "a1_1_forward.h"

#include <math.h>
#include <stdlib.h>

#include "expr.h"
#include "util/interrupt.h"

dk_status forward_noise(const DImage *x0, const Schedule *s, int t,
                        ts_generator *g, DImage **out, DImage **eps,
                        DkErr *err)
{
    *out = NULL;
    if (eps)
        *eps = NULL;
    if (t < 0 || t >= s->T)
        return dk_err_set(err, DK_ERR_ARG, "timestep %d is not in 0..%d", t,
                          s->T - 1);
    if (x0->mask)
        return dk_err_set(err, DK_ERR_ARG, "a mask cannot be noised: it is "
                          "not a picture");
    const double ab = (double)s->alphas_cumprod[t];
    Expr e;
    expr_begin(&e, x0->api, err);
    ts_tensor *noise = randn_like(&e, x0->t, g);              /* ε ~ N(0, I) */
    ts_tensor *x_t = lerp2(&e, sqrt(ab), x0->t,               /* √ᾱ·x0 + */
                           sqrt(1.0 - ab), noise);            /* √(1−ᾱ)·ε */
    ts_tensor *xt = expr_keep(&e, x_t);
    ts_tensor *kept_noise = eps ? expr_keep(&e, noise) : NULL;
    if (expr_end(&e) != DK_OK)
        return err->code;
    dk_status rc = dimage_wrap(x0->api, xt, 0, out, err);
    if (rc == DK_OK && eps)
        return dimage_wrap(x0->api, kept_noise, 0, eps, err);
    x0->api->tensor_free(kept_noise);
    return rc;
}

dk_status forward_many(const DImage *x0, const Schedule *s, const int *ts,
                       int n, ts_generator *g, const DiffProgress *progress,
                       DImage **out, DkErr *err)
{
    for (int i = 0; i < n; i++)
        out[i] = NULL;
    dk_status rc = DK_OK;
    for (int i = 0; i < n && rc == DK_OK; i++) {
        if (dk_interrupted()) {
            rc = dk_err_set(err, DK_ERR_INTERRUPTED, "interrupted by the user "
                            "after %d of %d timesteps", i, n);
            break;
        }
        rc = forward_noise(x0, s, ts[i], g, &out[i], NULL, err);
        if (rc != DK_OK)
            dk_err_prefix(err, "t=%d: ", ts[i]);
        else
            diff_progress(progress, i + 1, n);
    }
    if (rc == DK_OK)
        return DK_OK;
    for (int i = 0; i < n; i++) {
        dimage_free(out[i]);
        out[i] = NULL;
    }
    return rc;
}
