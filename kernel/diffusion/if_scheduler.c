/*
 * if_scheduler.c: DeepFloyd IF's DDPM scheduler as diffusers runs it (see
 * if_scheduler.h for the equations).
 */
#include "if_scheduler.h"

#include <math.h>
#include <stdlib.h>

#include "a1_4_iterative.h"

void if_timesteps(int steps, int *ts)
{
    const int ratio = SCHEDULE_T / steps;
    for (int i = 0; i < steps; i++)
        ts[i] = (steps - 1 - i) * ratio;
}

int if_prev_timestep(int t, int steps)
{
    return t - SCHEDULE_T / steps;
}

double if_alpha_bar(const Schedule *sch, int t)
{
    return t >= 0 ? (double)sch->alphas_cumprod[t] : 1.0;
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* torch.quantile(v[0..n), q): linear interpolation between the sorted
 * neighbours of position q·(n − 1).  Sorts v. */
static double quantile(float *v, int64_t n, double q)
{
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    const double pos = q * (double)(n - 1);
    const int64_t lo = (int64_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * ((double)v[hi] - v[lo]);
}

ts_tensor *if_threshold(Expr *s, const ts_tensor *x0, double ratio,
                        double max_value)
{
    if (expr_failed(s) || !x0)
        return NULL;
    ts_dtype dtype = TS_F32;
    ts_status st = s->api->tensor_dtype(x0, &dtype);
    if (st != TS_OK)
        return expr_call(s, st, NULL);
    ts_tensor *x = (ts_tensor *)x0;  /* read only */
    if (dtype != TS_F32 && dtype != TS_F64) {   /* in float32, as diffusers */
        ts_tensor *f = NULL;
        st = s->api->tensor_to_dtype(&f, x0, TS_F32);
        x = expr_call(s, st, f);
    }
    /* s = 1 for every image when the ceiling is 1: a plain clip (stage II). */
    if (max_value <= 1.0) {
        ts_tensor *y = clamp(s, x, -1.0, 1.0);
        if (dtype == TS_F32 || dtype == TS_F64)
            return y;
        ts_tensor *back = NULL;
        st = y ? s->api->tensor_to_dtype(&back, y, dtype) : TS_OK;
        return y ? expr_call(s, st, back) : NULL;
    }
    const int64_t n = dim_size(s, x, 0);
    int64_t sh[TS_MAX_DIMS];
    int nd = 0;
    if (!x || s->api->tensor_shape(x, sh, TS_MAX_DIMS, &nd) != TS_OK)
        return expr_fail(s, DK_ERR_TORCH, "thresholding: no shape");
    int64_t each = 1;
    for (int d = 1; d < nd; d++)
        each *= sh[d];
    float *v = malloc((size_t)(n * each) * sizeof *v);
    if (!v)
        return expr_fail(s, DK_ERR_OOM, "out of memory");
    st = s->api->tensor_to_data(x, v, n * each, TS_F32);
    if (st != TS_OK) {
        free(v);
        return expr_call(s, st, NULL);
    }
    ts_tensor *out = NULL;
    for (int64_t i = 0; i < n; i++) {
        float *row = v + i * each;
        for (int64_t j = 0; j < each; j++)
            row[j] = fabsf(row[j]);
        double q = quantile(row, each, ratio);
        q = fmin(fmax(q, 1.0), max_value);
        q = (double)(float)q;   /* s is a float32 tensor in diffusers */
        /* x̂0 = clamp(x̂0, −s, s)/s */
        ts_tensor *xi = over(s, clamp(s, slice(s, x, 0, i, i + 1), -q, q), q);
        out = out ? cat2(s, out, xi, 0) : xi;
    }
    free(v);
    if (dtype == TS_F32 || dtype == TS_F64 || !out)
        return out;
    ts_tensor *back = NULL;
    st = s->api->tensor_to_dtype(&back, out, dtype);
    return expr_call(s, st, back);
}

ts_tensor *if_step(Expr *s, const Schedule *sch, const ts_tensor *x_t,
                   const ts_tensor *eps, const ts_tensor *v, int t, int t_prev,
                   double max_value, ts_generator *g)
{
    const double ab_t = if_alpha_bar(sch, t), ab_prev = if_alpha_bar(sch, t_prev);
    const double alpha = ab_t / ab_prev, beta = 1.0 - alpha;

    /* x̂0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t, thresholded */
    ts_tensor *x0 = over(s, sub(s, x_t, scale(s, sqrt(1.0 - ab_t), eps)),
                         sqrt(ab_t));
    x0 = if_threshold(s, x0, IF_THRESHOLD_RATIO, max_value);
    /* x_t' = √ᾱ_t'·β_t/(1−ᾱ_t)·x̂0 + √α_t·(1−ᾱ_t')/(1−ᾱ_t)·x_t */
    ts_tensor *mean = lerp2(s, sqrt(ab_prev) * beta / (1.0 - ab_t), x0,
                            sqrt(alpha) * (1.0 - ab_prev) / (1.0 - ab_t), x_t);
    if (t <= 0)
        return mean;                                   /* no noise at t = 0 */
    double sigma = 0;
    ts_tensor *sigma_v = ddpm_sigma(s, v, ab_t, ab_prev, &sigma);
    ts_tensor *z = randn_like(s, mean, g);
    return add(s, mean, sigma_v ? mul(s, sigma_v, z) : scale(s, sigma, z));
}

ts_tensor *if_noise_image(Expr *s, const Schedule *sch, const ts_tensor *x,
                          const ts_tensor *noise, int level)
{
    const double ab = sch->alphas_cumprod[level];
    return lerp2(s, sqrt(ab), x, sqrt(1.0 - ab), noise);
}
