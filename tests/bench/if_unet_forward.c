/*
 * if_unet_forward.c: the diffuse side of bench_if_unet.py.
 *
 * Loads an IF UNet folder through kernel/diffusion/if_weights.c, reads the
 * inputs and diffusers' output from io.safetensors (x, t, text, out), runs
 * one untimed forward and `repeat` timed ones, and prints one JSON line:
 * the median and every time in ms, the load time, and the largest
 * difference from diffusers' output.
 *
 * Usage: if_unet_forward FOLDER IO DTYPE(f32|bf16) REPEAT THREADS
 * (built by bench_if_unet.py with gcc against the build tree's libraries;
 * DIFFUSE_BACKEND names libdiffuse_torch.so)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "diffusion/if_weights.h"
#include "diffusion/safetensors.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, DkErr *err)
{
    fprintf(stderr, "%s: %s\n", what, err && err->msg ? err->msg : "failed");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s FOLDER IO f32|bf16 REPEAT THREADS\n", argv[0]);
        return 2;
    }
    ts_dtype dt = strcmp(argv[3], "bf16") ? TS_F32 : TS_BF16;
    int repeat = atoi(argv[4]);
    const TsApi *api = NULL;
    DkErr err = {0};
    if (backend_get(&api, &err) != DK_OK)
        die("backend", &err);
    int threads = 0;
    if (api->set_threads(atoi(argv[5]), &threads) != TS_OK)
        die("threads", NULL);
    double t0 = now_ms();
    ts_module *m = NULL;
    char used[256];
    if (if_unet_load(api, argv[1], dt, TS_CPU, &m, used, sizeof used, &err) != DK_OK)
        die("load", &err);
    double load_ms = now_ms() - t0;
    StFile *f = NULL;
    if (st_open(argv[2], &f, NULL, &err) != DK_OK)
        die("io", &err);
    ts_tensor *x = NULL, *t = NULL, *text = NULL, *ref = NULL, *y = NULL;
    if (st_load(api, f, "x", &x, &err) || st_load(api, f, "t", &t, &err) ||
        st_load(api, f, "text", &text, &err) || st_load(api, f, "out", &ref, &err))
        die("io", &err);
    double *ms = calloc((size_t)repeat + 1, sizeof *ms);
    for (int i = 0; i <= repeat; i++) {
        api->tensor_free(y);
        y = NULL;
        double s = now_ms();
        if (api->if_unet_forward(&y, m, x, t, text, NULL) != TS_OK) {
            fprintf(stderr, "forward: %s\n", api->last_error());
            return 1;
        }
        double v = 0;   /* wait for the result (a no-op on the CPU) */
        ts_tensor *one = NULL;
        if (api->tensor_mean(&one, y, NULL, 0, 0) != TS_OK ||
            api->tensor_item(one, &v) != TS_OK)
            return 1;
        api->tensor_free(one);
        ms[i] = now_ms() - s;
    }
    int64_t n = 1, shape[8];
    int nd = 0;
    if (api->tensor_shape(y, shape, 8, &nd) != TS_OK)
        return 1;
    for (int d = 0; d < nd; d++)
        n *= shape[d];
    float *a = malloc((size_t)n * 4), *b = malloc((size_t)n * 4);
    double diff = 0, scale = 0;
    if (api->tensor_to_data(y, a, n, TS_F32) == TS_OK &&
        api->tensor_to_data(ref, b, n, TS_F32) == TS_OK)
        for (int64_t i = 0; i < n; i++) {
            double e = fabs((double)a[i] - b[i]);
            diff = e > diff ? e : diff;
            scale = fabs(b[i]) > scale ? fabs(b[i]) : scale;
        }
    double *timed = ms + 1;
    qsort(timed, (size_t)repeat, sizeof *timed, cmp);
    printf("{\"side\": \"diffuse\", \"threads\": %d, \"dtype\": \"%s\", "
           "\"weights\": \"%s\", "
           "\"load_ms\": %.1f, \"warmup_ms\": %.1f, \"median_ms\": %.1f, \"ms\": [",
           threads, argv[3], used, load_ms, ms[0], timed[repeat / 2]);
    for (int i = 0; i < repeat; i++)
        printf("%s%.1f", i ? ", " : "", timed[i]);
    printf("], \"max_abs_diff\": %.3g, \"max_abs_out\": %.3g}\n", diff, scale);
    free(a);
    free(b);
    free(ms);
    api->tensor_free(x);
    api->tensor_free(t);
    api->tensor_free(text);
    api->tensor_free(ref);
    api->tensor_free(y);
    st_close(f);
    api->module_free(m);
    return 0;
}
