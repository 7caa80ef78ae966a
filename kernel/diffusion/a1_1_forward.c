/*
 * a1_1_forward.c: the forward process (see a1_1_forward.h; spec:
 * shared/spec/partA-deepfloyd.md §4.2).  The course's version:
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

#include "rng.h"
#include "util/interrupt.h"

dk_status forward_noise(const DImage *x0, const Schedule *s, int t,
                        DImage **out, DImage **eps, DkErr *err)
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
    const TsApi *api = x0->api;
    ts_generator *g = rng_generator(api, err);
    if (!g)
        return err->code;
    double ab = (double)s->alphas_cumprod[t];
    ts_tensor *noise = NULL, *xt = NULL;
    ts_status st = api->tensor_randn_like(&noise, x0->t, g); /* (N,C,H,W) */
    if (st == TS_OK)                                          /* (N,C,H,W) */
        st = api->tensor_axpby(&xt, sqrt(ab), x0->t, sqrt(1.0 - ab), noise);
    if (st != TS_OK) {
        api->tensor_free(noise);
        return backend_error(api, st, err);
    }
    dk_status rc = dimage_wrap(api, xt, 0, out, err);
    if (rc == DK_OK && eps)
        return dimage_wrap(api, noise, 0, eps, err);
    api->tensor_free(noise);
    return rc;
}

dk_status forward_many(const DImage *x0, const Schedule *s, const int *ts,
                       int n, const DiffProgress *progress, DImage **out,
                       DkErr *err)
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
        rc = forward_noise(x0, s, ts[i], &out[i], NULL, err);
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
