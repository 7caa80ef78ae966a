/*
 * test_unet.c: the Part B UNets of the shim (kernel/shim/unet.cpp).
 *
 * Checks the parameter counts against docs/part-b.md ("The UNets"), the
 * state_dict names, forward shapes and argument checks, and that a few
 * dozen Adam steps of the fused training step fit a fixed batch (the
 * loss falls by at least 5x), with and without gradient clipping.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "torch_test.h"

static const TsApi *api;

static ts_module *make(ts_unet_kind kind, int hidden)
{
    ts_unet_config cfg = {kind, 1, hidden, 10};
    ts_module *m = NULL;
    CHECK(api->unet_new(&m, &cfg, TS_CPU) == TS_OK);
    return m;
}

static int64_t params(ts_module *m)
{
    int64_t n = -1;
    CHECK(api->module_param_count(m, &n) == TS_OK);
    return n;
}

static int has_key(ts_module *m, const char *key, const int64_t *shape, int nd)
{
    int n = 0;
    CHECK(api->module_state_count(m, &n) == TS_OK);
    for (int i = 0; i < n; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        if (api->module_state_get(m, i, &name, &v) != TS_OK)
            return 0;
        int found = strcmp(name, key) == 0;
        if (found) {
            int64_t dims[8];
            int got = 0;
            CHECK(api->tensor_shape(v, dims, 8, &got) == TS_OK);
            found = got == nd &&
                    (nd == 0 || memcmp(dims, shape, (size_t)nd * sizeof *dims) == 0);
        }
        api->tensor_free(v);
        if (found)
            return 1;
    }
    return 0;
}

static void test_counts(void)
{
    ts_module *a = make(TS_UNET_PLAIN, 128), *b = make(TS_UNET_PLAIN, 64);
    ts_module *c = make(TS_UNET_TIME, 64), *d = make(TS_UNET_CLASS, 64);
    CHECK(params(a) == 7891073);
    CHECK(params(b) == 1975361);
    CHECK(params(c) == 1996417);
    CHECK(params(d) == 2019201);
    printf("  parameters: %lld %lld %lld %lld\n", (long long)params(a),
           (long long)params(b), (long long)params(c), (long long)params(d));
    /* The keys documented in unet.cpp's header. */
    CHECK(has_key(d, "conv_in.0.0.weight", (int64_t[]){64, 1, 3, 3}, 4));
    CHECK(has_key(d, "down2.1.1.1.running_var", (int64_t[]){128}, 1));
    CHECK(has_key(d, "unflatten.0.weight", (int64_t[]){128, 128, 7, 7}, 4));
    CHECK(has_key(d, "up1.0.0.weight", (int64_t[]){256, 64, 4, 4}, 4));
    CHECK(has_key(d, "out.weight", (int64_t[]){1, 64, 3, 3}, 4));
    CHECK(has_key(d, "fc1_c.0.weight", (int64_t[]){128, 10}, 2));
    CHECK(has_key(d, "fc2_t.2.bias", (int64_t[]){64}, 1));
    CHECK(has_key(d, "down1.0.1.num_batches_tracked", NULL, 0));
    CHECK(!has_key(c, "fc1_c.0.weight", (int64_t[]){128, 10}, 2));
    ts_unet_config cfg;
    CHECK(api->module_config(d, &cfg) == TS_OK && cfg.kind == TS_UNET_CLASS &&
          cfg.hidden == 64 && cfg.num_classes == 10);
    api->module_free(a);
    api->module_free(b);
    api->module_free(c);
    api->module_free(d);
    /* Bad configurations are refused with a message. */
    ts_unet_config bad = {TS_UNET_CLASS, 1, 0, 10};
    ts_module *m = (ts_module *)1;
    CHECK(api->unet_new(&m, &bad, TS_CPU) == TS_ERR && m == NULL);
    CHECK(strstr(api->last_error(), "hidden 0") != NULL);
    bad = (ts_unet_config){(ts_unet_kind)7, 1, 8, 10};
    CHECK(api->unet_new(&m, &bad, TS_CPU) == TS_ERR);
}

static void test_forward(void)
{
    ts_module *m = make(TS_UNET_CLASS, 8);
    int64_t xs[] = {4, 1, 28, 28}, ns[] = {4};
    ts_tensor *x = NULL, *t = NULL, *u = NULL, *u2 = NULL;
    CHECK(api->tensor_randn(&x, xs, 4, TS_F32, TS_CPU, NULL) == TS_OK);
    CHECK(api->tensor_rand(&t, ns, 1, TS_F32, TS_CPU, NULL) == TS_OK);
    int64_t labels[] = {0, 3, 9, 1};
    float keep[] = {1, 1, 0, 1};
    ts_tensor *c = NULL, *mask = NULL;
    CHECK(api->tensor_from_data(&c, labels, ns, 1, TS_I64) == TS_OK);
    CHECK(api->tensor_from_data(&mask, keep, ns, 1, TS_F32) == TS_OK);
    CHECK(api->unet_forward(&u, m, x, t, c, mask) == TS_OK);
    int64_t dims[8];
    int nd = 0;
    CHECK(api->tensor_shape(u, dims, 8, &nd) == TS_OK && nd == 4 && dims[0] == 4 &&
          dims[1] == 1 && dims[2] == 28 && dims[3] == 28);
    /* Inference is deterministic. */
    CHECK(api->unet_forward(&u2, m, x, t, c, mask) == TS_OK);
    float a[4 * 784], b[4 * 784];
    CHECK(api->tensor_to_data(u, a, 4 * 784, TS_F32) == TS_OK);
    CHECK(api->tensor_to_data(u2, b, 4 * 784, TS_F32) == TS_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    api->tensor_free(u2);
    u2 = NULL;
    /* A dropped class is the same as no class: item 2 (mask 0) equals an
     * unconditional forward of item 2. */
    CHECK(api->unet_forward(&u2, m, x, t, NULL, NULL) == TS_OK);
    CHECK(api->tensor_to_data(u2, b, 4 * 784, TS_F32) == TS_OK);
    CHECK(memcmp(a + 2 * 784, b + 2 * 784, 784 * sizeof(float)) == 0);
    CHECK(memcmp(a, b, 784 * sizeof(float)) != 0);
    api->tensor_free(u2);
    u2 = NULL;
    /* Wrong inputs give messages, not crashes. */
    CHECK(api->unet_forward(&u2, m, x, NULL, c, NULL) == TS_ERR && !u2);
    CHECK(strstr(api->last_error(), "t is required") != NULL);
    int64_t bad_labels[] = {0, 3, 10, 1};
    ts_tensor *cb = NULL;
    CHECK(api->tensor_from_data(&cb, bad_labels, ns, 1, TS_I64) == TS_OK);
    CHECK(api->unet_forward(&u2, m, x, t, cb, NULL) == TS_ERR);
    CHECK(strstr(api->last_error(), "0..9") != NULL);
    int64_t s32[] = {4, 1, 32, 32};
    ts_tensor *x32 = NULL;
    CHECK(api->tensor_zeros(&x32, s32, 4, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->unet_forward(&u2, m, x32, t, c, NULL) == TS_ERR);
    CHECK(strstr(api->last_error(), "28 x 28") != NULL);
    api->tensor_free(x32);
    api->tensor_free(cb);
    api->tensor_free(x);
    api->tensor_free(t);
    api->tensor_free(c);
    api->tensor_free(mask);
    api->tensor_free(u);
    api->module_free(m);
}

/* Fit one fixed batch of 16 noisy blobs with the plain UNet (D = 16):
 * 20 Adam steps at lr 1e-2 must lower the MSE by at least 5x (measured:
 * about 35x; the spec's D = 128 is too slow for a unit test on a CPU). */
#define FIT_STEPS 20

static void test_fit(double clip)
{
    CHECK(api->manual_seed(7) == TS_OK);
    ts_module *m = make(TS_UNET_PLAIN, 16);
    ts_optim *o = NULL;
    CHECK(api->optim_adam_new(&o, m, 1e-2) == TS_OK);
    int64_t xs[] = {16, 1, 28, 28};
    static float clean[16 * 784];
    for (int i = 0; i < 16; i++)
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) {
                double dx = x - 8 - i % 4 * 4, dy = y - 8 - i / 4 * 4;
                clean[i * 784 + y * 28 + x] = (float)exp(-(dx * dx + dy * dy) / 18.0);
            }
    ts_tensor *x1 = NULL, *eps = NULL, *z = NULL;
    CHECK(api->tensor_from_data(&x1, clean, xs, 4, TS_F32) == TS_OK);
    CHECK(api->tensor_randn(&eps, xs, 4, TS_F32, TS_CPU, NULL) == TS_OK);
    CHECK(api->tensor_axpby(&z, 1.0, x1, 0.5, eps) == TS_OK);
    double first = 0, last = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int step = 0; step < FIT_STEPS; step++) {
        ts_tensor *loss = NULL;
        if (api->train_step(m, o, z, NULL, NULL, NULL, x1, clip, &loss) != TS_OK) {
            CHECK(!"train_step failed");
            fprintf(stderr, "  %s\n", api->last_error());
            break;
        }
        double l = 0;
        CHECK(api->tensor_item(loss, &l) == TS_OK);
        if (step == 0)
            first = l;
        last = l;
        api->tensor_free(loss);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("  fit (clip %g): loss %.4f -> %.4f in %d steps, %.1f ms/step\n", clip,
           first, last, FIT_STEPS,
           ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / FIT_STEPS);
    CHECK(isfinite(last) && last * 5 < first);
    /* A wrong target shape is an error, and the model still works. */
    int64_t ss[] = {16, 1, 14, 14};
    ts_tensor *small = NULL, *u = NULL;
    CHECK(api->tensor_zeros(&small, ss, 4, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->train_step(m, o, z, NULL, NULL, NULL, small, 0, NULL) == TS_ERR);
    CHECK(strstr(api->last_error(), "target") != NULL);
    CHECK(api->unet_forward(&u, m, z, NULL, NULL, NULL) == TS_OK);
    /* set_lr accepts positive rates only. */
    CHECK(api->optim_set_lr(o, 1e-3) == TS_OK);
    CHECK(api->optim_set_lr(o, 0) == TS_ERR);
    api->tensor_free(u);
    api->tensor_free(small);
    api->tensor_free(x1);
    api->tensor_free(eps);
    api->tensor_free(z);
    api->optim_free(o);
    api->module_free(m);
}

int main(void)
{
    api = torch_test_api();
    if (!api)
        return check_report("test_unet");
    test_counts();
    test_forward();
    test_fit(0);
    test_fit(1.0);
    return check_report("test_unet");
}
