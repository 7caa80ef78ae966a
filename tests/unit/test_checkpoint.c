/*
 * test_checkpoint.c: Part B checkpoints (kernel/diffusion/checkpoint.c).
 *
 *  - save then load gives byte-identical samples under the same seed, the
 *    same record (kind, D, epochs, steps, losses) and, with the optimizer
 *    state, the same next training step as the original model;
 *  - fp16 files are about half the size and load back within fp16 error;
 *  - int8 files are about a quarter of the size, load back within one
 *    step of each row's scale, and are refused without valid scales;
 *    a model whose weights are not finite is not saved as int8;
 *  - a truncated file, a file that is no checkpoint, and checkpoints whose
 *    keys or shapes do not fit are refused with messages that say so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "torch_test.h"

#include "diffusion/b2_flow.h"
#include "diffusion/checkpoint.h"

static const TsApi *api;
static char dir[] = "/tmp/dk-ckpt-XXXXXX";

static void path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static int sample(Model *m, float *out)
{
    DkErr err = {0};
    ts_generator *g = NULL;
    ts_tensor *x = NULL;
    int64_t digits[4] = {1, 3, 5, 7};
    CHECK(api->generator_new(&g, 11) == TS_OK);
    dk_status rc = flow_sample(m, digits, 4, 4, 5.0, g, NULL, &x, &err);
    int ok = rc == DK_OK && api->tensor_to_data(x, out, 4 * 784, TS_F32) == TS_OK;
    api->tensor_free(x);
    api->generator_free(g);
    dk_err_clear(&err);
    return ok;
}

/* The largest pixel difference between a's and b's samples. */
static double sample_gap(Model *a, Model *b)
{
    static float x[4 * 784], y[4 * 784];
    if (!sample(a, x) || !sample(b, y))
        return INFINITY;
    double worst = 0;
    for (int i = 0; i < 4 * 784; i++)
        worst = fmax(worst, fabs(x[i] - y[i]));
    return worst;
}

/* A few manual training steps on random data (no dataset needed). */
static void steps(Model *m, int n, double *last)
{
    int64_t xs[4] = {8, 1, 28, 28}, ns[1] = {8};
    if (!m->opt)
        CHECK(api->optim_adam_new(&m->opt, m->net, 1e-2) == TS_OK);
    for (int i = 0; i < n; i++) {
        ts_generator *g = NULL;
        ts_tensor *x = NULL, *t = NULL, *y = NULL, *loss = NULL;
        CHECK(api->generator_new(&g, 100 + (uint64_t)m->steps) == TS_OK);
        CHECK(api->tensor_randn(&x, xs, 4, TS_F32, TS_CPU, g) == TS_OK);
        CHECK(api->tensor_rand(&t, ns, 1, TS_F32, TS_CPU, g) == TS_OK);
        CHECK(api->tensor_randn(&y, xs, 4, TS_F32, TS_CPU, g) == TS_OK);
        CHECK(api->train_step(m->net, m->opt, x, t, NULL, NULL, y, 0, &loss) == TS_OK);
        double l = 0;
        CHECK(api->tensor_item(loss, &l) == TS_OK);
        DkErr err = {0};
        CHECK(model_push_loss(m, (float)l, &err) == DK_OK);
        m->steps++;
        *last = l;
        api->tensor_free(x);
        api->tensor_free(t);
        api->tensor_free(y);
        api->tensor_free(loss);
        api->generator_free(g);
    }
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* Rewrite the header of a checkpoint with `from` replaced by `to`. */
static void patch(const char *src, const char *dst, const char *from, const char *to)
{
    FILE *f = fopen(src, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    CHECK(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h |= (uint64_t)(unsigned char)b[i] << (8 * i);
    char *hdr = calloc(1, h + strlen(to) + 16);
    memcpy(hdr, b + 8, h);
    char *at = strstr(hdr, from);
    CHECK(at != NULL);
    if (at) {
        char *rest = strdup(at + strlen(from));
        strcpy(at, to);
        strcat(at, rest);
        free(rest);
    }
    size_t hl = strlen(hdr);
    while (hl % 8)
        hdr[hl++] = ' ';
    unsigned char lb[8];
    for (int i = 0; i < 8; i++)
        lb[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    f = fopen(dst, "wb");
    fwrite(lb, 1, 8, f);
    fwrite(hdr, 1, hl, f);
    fwrite(b + 8 + h, 1, (size_t)(n - 8 - (long)h), f);
    fclose(f);
    free(hdr);
    free(b);
}

static void expect_error(const char *p, const char *what, const char *what2)
{
    DkErr err = {0};
    Model *m = (Model *)1;
    dk_status rc = checkpoint_load(api, p, &m, &err);
    CHECK(rc == DK_ERR_FORMAT && m == NULL);
    CHECK(err.msg && strstr(err.msg, what) != NULL);
    if (what2)
        CHECK(err.msg && strstr(err.msg, what2) != NULL);
    printf("  %s\n", err.msg ? err.msg : "(no message)");
    dk_err_clear(&err);
}

/* Every weight of r within half a quantization step of m's: |w - w8| <=
 * s / 2 with s = max|w| / 127 over the weight's row. */
static void check_int8_weights(Model *m, Model *r)
{
    int n = 0, checked = 0;
    CHECK(api->module_state_count(m->net, &n) == TS_OK);
    for (int i = 0; i < n; i++) {
        const char *name = NULL, *rname = NULL;
        ts_tensor *v = NULL, *u = NULL;
        int64_t shape[TS_MAX_DIMS];
        int nd = 0;
        CHECK(api->module_state_get(m->net, i, &name, &v) == TS_OK);
        CHECK(api->module_state_get(r->net, i, &rname, &u) == TS_OK);
        CHECK(api->tensor_shape(v, shape, TS_MAX_DIMS, &nd) == TS_OK);
        if (nd >= 2 && !strcmp(name, rname)) {
            int64_t numel = 1;
            for (int d = 0; d < nd; d++)
                numel *= shape[d];
            float *a = malloc((size_t)numel * sizeof *a), *b = malloc((size_t)numel * sizeof *b);
            CHECK(api->tensor_to_data(v, a, numel, TS_F32) == TS_OK);
            CHECK(api->tensor_to_data(u, b, numel, TS_F32) == TS_OK);
            int64_t cols = numel / shape[0];
            for (int64_t row = 0; row < shape[0]; row++) {
                float top = 0;
                for (int64_t c = 0; c < cols; c++)
                    top = fmaxf(top, fabsf(a[row * cols + c]));
                for (int64_t c = 0; c < cols; c++)
                    if (fabsf(a[row * cols + c] - b[row * cols + c]) > top / 127 * 0.5001f) {
                        CHECK(!"an int8 weight is off by more than half a step");
                        row = shape[0];
                        break;
                    }
            }
            free(a);
            free(b);
            checked++;
        }
        api->tensor_free(v);
        api->tensor_free(u);
    }
    CHECK(checked > 10);
}

/* A model with a NaN weight is refused as int8, leaving no file. */
static void save_non_finite(Model *m, const char *p8)
{
    ts_tensor *w = NULL;
    static float nan9[8 * 9];
    for (int i = 0; i < 8 * 9; i++)
        nan9[i] = i == 5 ? NAN : 0.1f;
    int64_t shape[4] = {8, 1, 3, 3};
    CHECK(api->tensor_from_data(&w, nan9, shape, 4, TS_F32) == TS_OK);
    CHECK(api->module_state_set(m->net, "conv_in.0.0.weight", w) == TS_OK);
    api->tensor_free(w);
    unlink(p8);
    DkErr err = {0};
    CHECK(checkpoint_save(m, p8, CHECKPOINT_I8, 0, &err) == DK_ERR_VALUE);
    CHECK(err.msg && strstr(err.msg, "conv_in.0.0.weight has weights that are not finite"));
    printf("  %s\n", err.msg ? err.msg : "(no message)");
    dk_err_clear(&err);
    CHECK(access(p8, F_OK) != 0);
}

int main(void)
{
    api = torch_test_api();
    if (!api)
        return check_report("test_checkpoint");
    CHECK(mkdtemp(dir) != NULL);
    DkErr err = {0};
    Model *m = NULL;
    CHECK(api->manual_seed(3) == TS_OK);
    CHECK(model_new(api, TS_UNET_CLASS, 8, &m, &err) == DK_OK);
    double l0 = 0;
    steps(m, 3, &l0);
    m->lr0 = 1e-2;
    m->schedule = LR_EXP;
    m->schedule_epochs = 10;
    m->epochs_done = 2;
    m->seed = 77;
    m->has_seed = 1;
    CHECK(model_mark_epoch(m, &err) == DK_OK);

    char p32[256], p16[256], p8[256], bad[256];
    path(p32, sizeof p32, "class.safetensors");
    path(p16, sizeof p16, "class16.safetensors");
    path(p8, sizeof p8, "class8.safetensors");
    CHECK(checkpoint_save(m, p32, CHECKPOINT_F32, 1, &err) == DK_OK);
    CHECK(checkpoint_save(m, p16, CHECKPOINT_F16, 0, &err) == DK_OK);
    CHECK(checkpoint_save(m, p8, CHECKPOINT_I8, 0, &err) == DK_OK);

    /* round trip: same samples, same record, same next step */
    Model *r = NULL;
    CHECK(checkpoint_load(api, p32, &r, &err) == DK_OK);
    if (r) {
        static float a[4 * 784], b[4 * 784];
        CHECK(sample(m, a) && sample(r, b));
        CHECK(memcmp(a, b, sizeof a) == 0);
        CHECK(r->cfg.kind == TS_UNET_CLASS && r->cfg.hidden == 8 && r->params == m->params);
        CHECK(r->epochs_done == 2 && r->steps == 3 && r->nlosses == 3 && r->seed == 77);
        CHECK(r->nepoch_ends == 1 && r->epoch_ends[0] == 3);
        CHECK(r->lr0 == 1e-2 && r->schedule == LR_EXP && r->schedule_epochs == 10);
        CHECK(memcmp(r->losses, m->losses, 3 * sizeof(float)) == 0);
        CHECK(r->opt != NULL);
        double la = 0, lb = 0;
        steps(m, 1, &la);
        CHECK(api->optim_set_lr(r->opt, 1e-2) == TS_OK); /* m never left 1e-2 */
        steps(r, 1, &lb);
        CHECK(la == lb);
        CHECK(sample(m, a) && sample(r, b));
        CHECK(memcmp(a, b, sizeof a) == 0); /* Adam's moments came back too */
    }
    model_free(r);
    r = NULL;

    /* fp16: smaller, close */
    long s32 = file_size(p32), s16 = file_size(p16);
    printf("  sizes: fp32 %ld bytes (with optimizer), fp16 %ld bytes\n", s32, s16);
    CHECK(s16 > 0 && s16 < s32 / 2);
    Model *exact = NULL;  /* m as it was saved: it has trained a step since */
    CHECK(checkpoint_load(api, p32, &exact, &err) == DK_OK);
    CHECK(checkpoint_load(api, p16, &r, &err) == DK_OK);
    if (r && exact) {
        double worst = sample_gap(exact, r);
        printf("  fp16 round trip: largest sample difference %.2g\n", worst);
        CHECK(worst < 0.01);
        CHECK(r->opt == NULL);
    }
    model_free(r);
    r = NULL;

    /* int8: smaller again, each weight within half a step of its row (at
     * D = 8 the header, biases and scales are a third of the file) */
    long s8 = file_size(p8);
    printf("  int8: %ld bytes\n", s8);
    CHECK(s8 > 0 && s8 < s16 * 7 / 10);
    CHECK(checkpoint_load(api, p8, &r, &err) == DK_OK);
    if (r && exact) {
        CHECK(r->epochs_done == 2 && r->steps == 3 && r->nlosses == 3 && r->opt == NULL);
        check_int8_weights(exact, r);
        double worst = sample_gap(exact, r);
        printf("  int8 round trip: largest sample difference %.2g\n", worst);
        CHECK(worst < 0.01);
    }
    model_free(exact);
    model_free(r);
    path(bad, sizeof bad, "noscale.safetensors");
    patch(p8, bad, "\"_diffuse.scale.conv_in.0.0.weight\"", "\"_diffuse.other\"");
    expect_error(bad, "conv_in.0.0.weight is stored as int8 without its scales", NULL);
    path(bad, sizeof bad, "scale16.safetensors");
    patch(p8, bad, "\"_diffuse.scale.conv_in.0.0.weight\":{\"dtype\":\"F32\"",
          "\"_diffuse.scale.conv_in.0.0.weight\":{\"dtype\":\"I32\"");
    expect_error(bad, "without its scales", NULL);
    save_non_finite(m, p8);

    /* errors */
    path(bad, sizeof bad, "truncated.safetensors");
    FILE *in = fopen(p32, "rb"), *out = fopen(bad, "wb");
    static char buf[200000];
    size_t n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n / 2, out);
    fclose(in);
    fclose(out);
    expect_error(bad, "truncated", NULL);
    path(bad, sizeof bad, "notes.txt");
    out = fopen(bad, "wb");
    fputs("hello, this is no checkpoint\n", out);
    fclose(out);
    expect_error(bad, "not a checkpoint", NULL);
    path(bad, sizeof bad, "kind.safetensors");
    patch(p32, bad, "\"kind\":\"class\"", "\"kind\":\"time\"");
    expect_error(bad, "unexpected keys: fc1_c.0.weight", "and 4 more");
    path(bad, sizeof bad, "hidden.safetensors");
    patch(p32, bad, "\"hidden\":\"8\"", "\"hidden\":\"16\"");
    expect_error(bad, "mis-shaped: conv_in.0.0.weight (file [8, 1, 3, 3], model [16, 1, 3, 3])",
                 "more");
    path(bad, sizeof bad, "format.safetensors");
    patch(p32, bad, "\"format\":\"diffuse-unet\"", "\"format\":\"other\"");
    expect_error(bad, "not a diffuse checkpoint", NULL);
    CHECK(checkpoint_load(api, "/nonexistent/x.safetensors", &r, &err) == DK_ERR_IO);
    dk_err_clear(&err);
    /* saving into a missing folder fails cleanly */
    CHECK(checkpoint_save(m, "/nonexistent/dir/x.safetensors", CHECKPOINT_F32, 0, &err) ==
          DK_ERR_IO);
    dk_err_clear(&err);
    model_free(m);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_checkpoint");
}
