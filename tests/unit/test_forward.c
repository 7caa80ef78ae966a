/*
 * test_forward.c: the forward process (diffusion/a1_1_forward.c), the
 * Gaussian blur (a1_2_blur.c) and the seeded noise stream (rng.c).
 *
 *  - x_t's mean and std over many draws match sqrt(ᾱ_t)·x0 and
 *    sqrt(1 - ᾱ_t) within 1e-2; the returned eps reproduces x_t exactly;
 *  - the same seed gives identical tensors, another seed different ones;
 *  - forward_many reports progress per step and stops on an interrupt;
 *  - blur: the 1-D kernel is torchvision's formula, a blurred delta sums to
 *    1 and equals the outer product of the kernel, a constant image stays
 *    constant (reflect padding), bad kernel sizes and sigmas are refused.
 */
#include "torch_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diffusion/a1_1_forward.h"
#include "diffusion/a1_2_blur.h"
#include "diffusion/rng.h"
#include "util/interrupt.h"

static const TsApi *A;
static Rng R; /* the session's stream, as the interpreter holds it */

/* An (1, C, H, W) image filled by fn(c, y, x). */
/* The stream's generator (created on first use). */
static ts_generator *G(void)
{
    DkErr err = {0};
    ts_generator *g = rng_generator(&R, A, &err);
    dk_err_clear(&err);
    return g;
}

static DImage *make(int c, int h, int w, float (*fn)(int, int, int))
{
    size_t n = (size_t)c * (size_t)h * (size_t)w;
    float *buf = malloc(n * sizeof *buf);
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                buf[((size_t)k * (size_t)h + (size_t)y) * (size_t)w +
                    (size_t)x] = fn(k, y, x);
    int64_t shape[4] = {1, c, h, w};
    ts_tensor *t = NULL;
    CHECK(A->tensor_from_data(&t, buf, shape, 4, TS_F32) == TS_OK);
    free(buf);
    DImage *im = NULL;
    DkErr err = {0};
    CHECK(t && dimage_wrap(A, t, 0, &im, &err) == DK_OK);
    return im;
}

static float *pixels(const DImage *im)
{
    size_t n = (size_t)im->n * (size_t)im->c * (size_t)im->h * (size_t)im->w;
    float *buf = malloc(n * sizeof *buf);
    CHECK(A->tensor_to_data(im->t, buf, (int64_t)n, TS_F32) == TS_OK);
    return buf;
}

static float half(int c, int y, int x) { (void)y; (void)x; return c == 0 ? 0.5f : -0.25f; }
static float zero(int c, int y, int x) { (void)c; (void)y; (void)x; return 0.0f; }
static float konst(int c, int y, int x) { (void)y; (void)x; return 0.3f * (float)(c + 1); }
static float delta(int c, int y, int x) { return (c == 1 && y == 10 && x == 12) ? 1.0f : 0.0f; }

static void test_statistics(void)
{
    const Schedule *s = schedule_if();
    DkErr err = {0};
    DImage *x0 = make(2, 128, 128, half);  /* 16384 draws per channel */
    CHECK(rng_seed(&R, A, 7, &err) == DK_OK);
    const int ts[] = {0, 250, 500, 750, 999};
    for (size_t i = 0; x0 && i < sizeof ts / sizeof ts[0]; i++) {
        DImage *xt = NULL, *eps = NULL;
        CHECK(forward_noise(x0, s, ts[i], G(), &xt, &eps, &err) == DK_OK);
        if (!xt || !eps)
            continue;
        CHECK(xt->n == 1 && xt->c == 2 && xt->h == 128 && xt->w == 128);
        float *v = pixels(xt), *e = pixels(eps);
        double ab = s->alphas_cumprod[ts[i]];
        size_t plane = 128 * 128;
        double worst = 0;
        for (int c = 0; c < 2; c++) {
            double x = c == 0 ? 0.5 : -0.25, sum = 0, sum2 = 0;
            for (size_t k = 0; k < plane; k++) {
                double d = v[c * plane + k];
                sum += d;
                sum2 += d * d;
                /* x_t is exactly sqrt(ab) x0 + sqrt(1-ab) eps */
                double want = sqrt(ab) * x + sqrt(1 - ab) * e[c * plane + k];
                worst = fmax(worst, fabs(d - want));
            }
            double mean = sum / plane;
            double sd = sqrt(sum2 / plane - mean * mean);
            CHECK(fabs(mean - sqrt(ab) * x) < 1e-2);
            CHECK(fabs(sd - sqrt(1 - ab)) < 1e-2);
        }
        CHECK(worst < 1e-5);
        free(v);
        free(e);
        dimage_free(xt);
        dimage_free(eps);
    }
    /* Out of range timesteps and masks are refused. */
    DImage *bad = NULL;
    CHECK(forward_noise(x0, s, 1000, G(), &bad, NULL, &err) == DK_ERR_ARG);
    CHECK(bad == NULL && err.msg && strstr(err.msg, "1000"));
    dk_err_clear(&err);
    CHECK(forward_noise(x0, s, -1, G(), &bad, NULL, &err) == DK_ERR_ARG);
    dk_err_clear(&err);
    dimage_free(x0);
}

/* The first n floats of forward(x0, t) right after seed(seed). */
static float *draw(const DImage *x0, uint64_t seed, int t)
{
    DkErr err = {0};
    CHECK(rng_seed(&R, A, seed, &err) == DK_OK);
    DImage *xt = NULL;
    CHECK(forward_noise(x0, schedule_if(), t, G(), &xt, NULL, &err) == DK_OK);
    float *v = xt ? pixels(xt) : NULL;
    dimage_free(xt);
    return v;
}

static void test_seed(void)
{
    DImage *x0 = make(3, 16, 16, zero);
    size_t n = 3 * 16 * 16 * sizeof(float);
    float *a = draw(x0, 100, 500), *b = draw(x0, 100, 500);
    float *c = draw(x0, 101, 500);
    CHECK(a && b && memcmp(a, b, n) == 0);
    CHECK(a && c && memcmp(a, c, n) != 0);
    /* Two draws in a row differ (a stream, not a fixed pattern). */
    DkErr err = {0};
    CHECK(rng_seed(&R, A, 100, &err) == DK_OK);
    DImage *x1 = NULL, *x2 = NULL;
    CHECK(forward_noise(x0, schedule_if(), 500, G(), &x1, NULL, &err) == DK_OK);
    CHECK(forward_noise(x0, schedule_if(), 500, G(), &x2, NULL, &err) == DK_OK);
    float *p1 = pixels(x1), *p2 = pixels(x2);
    CHECK(memcmp(p1, a, n) == 0 && memcmp(p1, p2, n) != 0);
    uint64_t last = 0;
    CHECK(rng_last_seed(&R, &last) && last == 100);
    free(p1);
    free(p2);
    dimage_free(x1);
    dimage_free(x2);
    free(a);
    free(b);
    free(c);
    dimage_free(x0);
}

static long steps_seen, last_total;
static void on_step(void *ctx, long step, long total)
{
    CHECK(ctx == &steps_seen);
    CHECK(step == steps_seen + 1);
    steps_seen = step;
    last_total = total;
}

static void test_many(void)
{
    DImage *x0 = make(3, 8, 8, zero);
    int ts[20];
    for (int i = 0; i < 20; i++)
        ts[i] = i * 50;
    DImage *out[20];
    DiffProgress p = {on_step, &steps_seen};
    DkErr err = {0};
    CHECK(forward_many(x0, schedule_if(), ts, 20, G(), &p, out, &err) == DK_OK);
    CHECK(steps_seen == 20 && last_total == 20);
    for (int i = 0; i < 20; i++) {
        CHECK(out[i] != NULL);
        dimage_free(out[i]);
    }
    /* An interrupt stops the loop and returns nothing. */
    dk_interrupt_raise();
    CHECK(forward_many(x0, schedule_if(), ts, 20, G(), NULL, out, &err) ==
          DK_ERR_INTERRUPTED);
    dk_interrupt_clear();
    for (int i = 0; i < 20; i++)
        CHECK(out[i] == NULL);
    dk_err_clear(&err);
    /* A bad timestep in the middle: error names it, nothing leaks out. */
    ts[7] = 5000;
    CHECK(forward_many(x0, schedule_if(), ts, 20, G(), NULL, out, &err) ==
          DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "t=5000"));
    CHECK(out[0] == NULL && out[19] == NULL);
    dk_err_clear(&err);
    dimage_free(x0);
}

static void test_blur(void)
{
    DkErr err = {0};
    float w[33];
    /* torchvision: x = linspace(-2, 2, 5); exp(-x²/8) normalised. */
    CHECK(blur_kernel1d(5, 2.0, w, &err) == DK_OK);
    double raw[5], sum = 0;
    for (int i = 0; i < 5; i++) {
        double x = i - 2.0;
        raw[i] = exp(-0.5 * (x / 2.0) * (x / 2.0));
        sum += raw[i];
    }
    for (int i = 0; i < 5; i++)
        CHECK(fabs(w[i] - raw[i] / sum) < 1e-7);
    CHECK(w[0] == w[4] && w[1] == w[3] && w[2] > w[1]);

    /* A delta in channel 1 spreads into the outer product of w. */
    DImage *d = make(3, 24, 24, delta), *b = NULL;
    CHECK(blur_gaussian(d, 5, 2.0, &b, &err) == DK_OK);
    if (b) {
        CHECK(b->n == 1 && b->c == 3 && b->h == 24 && b->w == 24);
        float *v = pixels(b);
        double total = 0, other = 0, worst = 0;
        for (int k = 0; k < 3; k++)
            for (int y = 0; y < 24; y++)
                for (int x = 0; x < 24; x++) {
                    double got = v[(k * 24 + y) * 24 + x];
                    if (k != 1) {
                        other += fabs(got);
                        continue;
                    }
                    total += got;
                    int dy = y - 10 + 2, dx = x - 12 + 2;
                    double want = (dy >= 0 && dy < 5 && dx >= 0 && dx < 5)
                                      ? (double)w[dy] * w[dx] : 0.0;
                    worst = fmax(worst, fabs(got - want));
                }
        CHECK(fabs(total - 1.0) < 1e-5);
        CHECK(other == 0.0);
        CHECK(worst < 1e-6);
        free(v);
    }
    dimage_free(b);

    /* A constant image stays constant up to the borders (reflect). */
    DImage *k = make(3, 12, 10, konst), *kb = NULL;
    CHECK(blur_gaussian(k, 7, 1.5, &kb, &err) == DK_OK);
    if (kb) {
        float *v = pixels(kb);
        double worst = 0;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 120; i++)
                worst = fmax(worst, fabs(v[c * 120 + i] - 0.3 * (c + 1)));
        CHECK(worst < 1e-5);
        free(v);
    }
    dimage_free(kb);

    /* Bad arguments. */
    CHECK(blur_gaussian(d, 4, 2.0, &b, &err) == DK_ERR_ARG && b == NULL);
    CHECK(err.msg && strstr(err.msg, "odd") && err.hint);
    dk_err_clear(&err);
    CHECK(blur_gaussian(d, -3, 2.0, &b, &err) == DK_ERR_ARG);
    dk_err_clear(&err);
    CHECK(blur_gaussian(d, 5, 0.0, &b, &err) == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "sigma"));
    dk_err_clear(&err);
    CHECK(blur_gaussian(d, 5, -1.0, &b, &err) == DK_ERR_ARG);
    dk_err_clear(&err);
    CHECK(blur_gaussian(d, 49, 2.0, &b, &err) == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "too large"));
    dk_err_clear(&err);
    CHECK(blur_gaussian(d, 47, 2.0, &b, &err) == DK_OK);
    dimage_free(b);
    dimage_free(d);
    dimage_free(k);
}

int main(void)
{
    A = torch_test_api();
    if (!A)
        return check_report("test_forward (no libtorch: loader error only)");
    test_statistics();
    test_seed();
    test_many();
    test_blur();
    rng_free(&R);
    return check_report("test_forward");
}
