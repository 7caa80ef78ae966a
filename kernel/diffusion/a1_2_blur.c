/*
 * a1_2_blur.c: Gaussian blur with torchvision's semantics (see
 * a1_2_blur.h; spec: shared/spec/partA-deepfloyd.md §4.3).
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
static ts_status weight(const DImage *x, const float *w, int k, int along_h,
                        ts_tensor **out)
{
    const TsApi *api = x->api;
    size_t n = (size_t)x->c * (size_t)k;
    float *buf = malloc(n * sizeof *buf);
    if (!buf)
        return TS_OOM;
    for (size_t i = 0; i < n; i++)
        buf[i] = w[i % (size_t)k];
    int64_t shape[4] = {x->c, 1, along_h ? k : 1, along_h ? 1 : k};
    int device = TS_CPU;
    ts_tensor *cpu = NULL;
    ts_status st = api->tensor_from_data(&cpu, buf, shape, 4, TS_F32);
    free(buf);
    if (st == TS_OK)
        st = api->tensor_device(x->t, &device);
    if (st == TS_OK)
        st = api->tensor_to_device(out, cpu, device);
    api->tensor_free(cpu);
    return st;
}

dk_status blur_gaussian(const DImage *x, int k, double sigma, DImage **out,
                        DkErr *err)
{
    *out = NULL;
    float w[BLUR_MAX_KERNEL];
    dk_status rc = blur_kernel1d(k, sigma, w, err);
    if (rc != DK_OK)
        return rc;
    int p = k / 2;
    if (p >= x->h || p >= x->w) {
        dk_err_set(err, DK_ERR_ARG, "kernel size %d is too large for a %dx%d "
                   "image", k, x->w, x->h);
        dk_err_hint(err, "reflect padding needs kernel//2 < the image's "
                    "height and width: use kernel=%d or less",
                    2 * ((x->h < x->w ? x->h : x->w) - 1) + 1);
        return DK_ERR_ARG;
    }
    const TsApi *api = x->api;
    const int64_t pads[4] = {p, p, p, p};
    const int64_t stride[2] = {1, 1}, nopad[2] = {0, 0};
    ts_tensor *wh = NULL, *ww = NULL, *padded = NULL, *rows = NULL, *y = NULL;
    ts_status st = weight(x, w, k, 1, &wh);                  /* (C,1,k,1) */
    if (st == TS_OK)
        st = weight(x, w, k, 0, &ww);                        /* (C,1,1,k) */
    if (st == TS_OK)                                   /* (N,C,H+2p,W+2p) */
        st = api->tensor_pad(&padded, x->t, pads, 4, TS_PAD_REFLECT, 0.0);
    if (st == TS_OK)                                     /* (N,C,H,W+2p) */
        st = api->tensor_conv2d(&rows, padded, wh, NULL, stride, nopad, x->c);
    if (st == TS_OK)                                         /* (N,C,H,W) */
        st = api->tensor_conv2d(&y, rows, ww, NULL, stride, nopad, x->c);
    api->tensor_free(wh);
    api->tensor_free(ww);
    api->tensor_free(padded);
    api->tensor_free(rows);
    if (st != TS_OK)
        return backend_error(api, st, err);
    return dimage_wrap(api, y, x->mask, out, err);
}
