/*
 * a1_2_blur.c: Gaussian blur with torchvision's semantics (see
 * a1_2_blur.h and docs/part-a.md §1.2).
 *
 * Shapes: N images, C channels, H x W pixels, k the kernel size.
 */
#include "a1_2_blur.h"

#include <math.h>
#include <stdlib.h>

dk_status blur_check(int k, double sigma, DkErr *err)
{
    if (k < 1 || k % 2 == 0 || k > BLUR_MAX_KERNEL) {
        dk_err_set(err, DK_ERR_ARG, "kernel size %d must be odd and in 1..%d",
                   k, BLUR_MAX_KERNEL);
        dk_err_hint(err, "odd sizes have a centre pixel: try kernel=%d",
                    k < 1 ? 5 : (k % 2 == 0 ? k + 1 : BLUR_MAX_KERNEL));
        return DK_ERR_ARG;
    }
    if (!(sigma > 0) || !isfinite(sigma)) {
        dk_err_set(err, DK_ERR_ARG, "sigma %g must be a positive number",
                   sigma);
        dk_err_hint(err, "the course uses sigma=1 to 2 with kernel=5");
        return DK_ERR_ARG;
    }
    return DK_OK;
}

dk_status blur_kernel1d(int k, double sigma, float *w, DkErr *err)
{
    dk_status rc = blur_check(k, sigma, err);
    if (rc != DK_OK)
        return rc;
    /* torchvision computes in float32: linspace, exp, sum, divide */
    float half = (float)(k - 1) * 0.5f, sum = 0.0f;
    for (int i = 0; i < k; i++) {
        float x = -half + (float)i;
        float z = x / (float)sigma;
        w[i] = expf(-0.5f * z * z);
        sum += w[i];
    }
    for (int i = 0; i < k; i++)
        w[i] /= sum;
    return DK_OK;
}

/* The depthwise weight (C, 1, kh, kw) holding w in every channel, on the
 * device of x. */
static ts_tensor *weight(Expr *s, const ts_tensor *x, int64_t c,
                         const float *w, int k, int along_h)
{
    size_t n = (size_t)c * (size_t)k;
    float *buf = malloc(n * sizeof *buf);
    if (!buf)
        return expr_fail(s, DK_ERR_OOM, "out of memory");
    for (size_t i = 0; i < n; i++)
        buf[i] = w[i % (size_t)k];
    const int64_t shape[4] = {c, 1, along_h ? k : 1, along_h ? 1 : k};
    ts_tensor *cpu = from_host(s, buf, shape, 4, TS_F32);
    free(buf);
    return to_device_of(s, cpu, x);
}

ts_tensor *lowpass(Expr *s, const ts_tensor *x, int k, double sigma)
{
    float w[BLUR_MAX_KERNEL];
    if (expr_failed(s) || !x)
        return NULL;
    if (blur_kernel1d(k, sigma, w, s->err) != DK_OK) {
        expr_inherit(s, s->err->code);
        return NULL;
    }
    const int64_t c = dim_size(s, x, 1), h = dim_size(s, x, 2),
                  wd = dim_size(s, x, 3), p = k / 2;
    if (!expr_failed(s) && (p >= h || p >= wd))
        return expr_fail(s, DK_ERR_ARG, "kernel size %d is too large for a "
                         "%lldx%lld image (reflect padding needs kernel//2 < "
                         "its height and width)", k, (long long)wd, (long long)h);
    ts_tensor *padded = pad_reflect(s, x, p);                /* (N,C,H+2p,W+2p) */
    ts_tensor *rows = conv2d(s, padded, weight(s, x, c, w, k, 1), c); /* (N,C,H,W+2p) */
    return conv2d(s, rows, weight(s, x, c, w, k, 0), c);               /* (N,C,H,W) */
}

dk_status blur_gaussian(const DImage *x, int k, double sigma, DImage **out,
                        DkErr *err)
{
    *out = NULL;
    if (blur_check(k, sigma, err) != DK_OK)
        return err->code;
    int p = k / 2;
    if (p >= x->h || p >= x->w) {
        dk_err_set(err, DK_ERR_ARG, "kernel size %d is too large for a %dx%d "
                   "image", k, x->w, x->h);
        dk_err_hint(err, "reflect padding needs kernel//2 < the image's "
                    "height and width: use kernel=%d or less",
                    2 * ((x->h < x->w ? x->h : x->w) - 1) + 1);
        return DK_ERR_ARG;
    }
    Expr s;
    expr_begin(&s, x->api, err);
    ts_tensor *y = expr_keep(&s, lowpass(&s, x->t, k, sigma));
    if (expr_end(&s) != DK_OK)
        return err->code;
    return dimage_wrap(x->api, y, x->mask, out, err);
}
