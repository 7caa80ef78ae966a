/*
 * test_train.c: the Part B training loop and samplers (kernel/diffusion/
 * train.c, b1_denoiser.c, b2_flow.c) on a small scale.
 *
 *  - the sigma = 0.5 denoiser (D = 16, batch 32, Adam 2e-3) lowers the
 *    loss by at least 3x within 24 steps on MNIST (or on synthetic blobs
 *    when the MNIST files are not installed);
 *  - the class-conditioned flow model (D = 8) trains (loss falls by 30%), and sampling
 *    under a seed is byte-identical twice, with and without CFG;
 *  - an interrupt raised from another thread after K steps stops training
 *    with DK_ERR_INTERRUPTED after exactly the steps taken, and the model
 *    still samples and trains;
 *  - a run cut inside an epoch, saved, loaded and trained on, takes the
 *    same steps with the same losses and ends with the same weights as
 *    one uninterrupted run; another batch size starts that epoch again,
 *    and a checkpoint whose place lies past its epoch loads as none.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "torch_test.h"

#include "diffusion/b1_denoiser.h"
#include "diffusion/b2_flow.h"
#include "diffusion/checkpoint.h"
#include "diffusion/train.h"
#include "util/interrupt.h"

/* Steps of the denoiser test: few, because a step of even a D = 16 UNet
 * costs ~0.1-0.4 s on the 2-core CI machine (Debian libtorch 1.13). */
#define DENOISE_STEPS 24

static const TsApi *api;

/* MNIST's training split, or 2,000 synthetic "digits" (a blob whose place
 * depends on the label) when the files are missing. */
static Dataset *data(void)
{
    Dataset *ds = NULL;
    DkErr err = {0};
    if (mnist_open("train", &ds, &err) == DK_OK)
        return ds;
    printf("  (MNIST not installed: %s; using synthetic data)\n", err.msg);
    dk_err_clear(&err);
    ds = calloc(1, sizeof *ds);
    ds->refs = 1;
    snprintf(ds->name, sizeof ds->name, "blobs");
    ds->count = 2000;
    ds->h = ds->w = 28;
    ds->classes = 10;
    ds->pixels = malloc((size_t)ds->count * 784);
    ds->labels = malloc((size_t)ds->count);
    ds->images_path = strdup("synthetic");
    for (int i = 0; i < ds->count; i++) {
        int k = i % 10;
        ds->labels[i] = (uint8_t)k;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) {
                double dx = x - 6 - (k % 5) * 4 - (i / 10) % 3, dy = y - 9 - (k / 5) * 10;
                ds->pixels[i * 784 + y * 28 + x] =
                    (uint8_t)(255 * exp(-(dx * dx + dy * dy) / 12.0));
            }
    }
    return ds;
}

static double mean(const float *v, long a, long b)
{
    double s = 0;
    for (long i = a; i < b; i++)
        s += v[i];
    return s / (double)(b - a);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_denoiser(Dataset *ds)
{
    DkErr err = {0};
    Model *m = NULL;
    CHECK(api->manual_seed(1) == TS_OK);
    CHECK(model_new(api, TS_UNET_PLAIN, 16, &m, &err) == DK_OK);
    if (!m)
        return;
    TrainConfig c = {.epochs = 1, .batch = 32, .lr = 2e-3, .schedule = LR_CONSTANT,
                     .seed = 5, .max_steps = DENOISE_STEPS};
    double t0 = now();
    dk_status rc = train_run(m, ds, &c, NULL, NULL, &err);
    double dt = now() - t0;
    CHECK(rc == DK_OK);
    if (rc != DK_OK)
        fprintf(stderr, "  %s\n", err.msg);
    CHECK(m->nlosses == DENOISE_STEPS && m->steps == DENOISE_STEPS);
    if (m->nlosses == DENOISE_STEPS) {
        double first = mean(m->losses, 0, 5);
        double last = mean(m->losses, DENOISE_STEPS - 5, DENOISE_STEPS);
        printf("  denoiser D=16: loss %.4f -> %.4f in %d steps (%.1fx), %.0f ms/step, "
               "%.0f images/s\n", first, last, DENOISE_STEPS, first / last,
               dt * 1e3 / DENOISE_STEPS, DENOISE_STEPS * 32 / dt);
        CHECK(last * 3 < first);
    }
    /* Applying it to a noisy batch gives the batch's shape. */
    int64_t shape[4] = {3, 1, 28, 28};
    ts_tensor *x = NULL, *z = NULL, *y = NULL;
    CHECK(api->tensor_zeros(&x, shape, 4, TS_F32, TS_CPU) == TS_OK);
    CHECK(denoiser_noise(api, x, 0.5, NULL, &z, &err) == DK_OK);
    CHECK(denoiser_apply(m, z, &y, &err) == DK_OK);
    int nd = 0;
    int64_t dims[8];
    CHECK(y && api->tensor_shape(y, dims, 8, &nd) == TS_OK && nd == 4 && dims[0] == 3);
    /* A denoiser does not sample. */
    ts_tensor *s = NULL;
    CHECK(flow_sample(m, NULL, 4, 5, 1, NULL, NULL, &s, &err) == DK_ERR_ARG && !s);
    api->tensor_free(x);
    api->tensor_free(z);
    api->tensor_free(y);
    model_free(m);
    dk_err_clear(&err);
}

/* Sample 10 digits (0..9) with a fresh generator seeded 42. */
static int sample(Model *m, double guidance, float *out)
{
    DkErr err = {0};
    ts_generator *g = NULL;
    ts_tensor *x = NULL;
    int64_t digits[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(api->generator_new(&g, 42) == TS_OK);
    dk_status rc = flow_sample(m, digits, 10, 8, guidance, g, NULL, &x, &err);
    CHECK(rc == DK_OK);
    if (rc != DK_OK)
        fprintf(stderr, "  %s\n", err.msg);
    int ok = x && api->tensor_to_data(x, out, 10 * 784, TS_F32) == TS_OK;
    api->tensor_free(x);
    api->generator_free(g);
    dk_err_clear(&err);
    return ok;
}

static atomic_long steps_seen;

static void count_steps(void *ctx, const TrainReport *r)
{
    (void)ctx;
    atomic_store(&steps_seen, r->step);
}

static void *raiser(void *arg)
{
    long k = *(long *)arg;
    while (atomic_load(&steps_seen) < k)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    dk_interrupt_raise();
    return NULL;
}

static void test_flow(Dataset *ds)
{
    DkErr err = {0};
    Model *m = NULL;
    CHECK(api->manual_seed(2) == TS_OK);
    CHECK(model_new(api, TS_UNET_CLASS, 8, &m, &err) == DK_OK);
    if (!m)
        return;
    TrainConfig c = {.epochs = 1, .batch = 16, .lr = 1e-2, .schedule = LR_EXP,
                     .seed = 9, .max_steps = 30};
    double t0 = now();
    dk_status rc = train_run(m, ds, &c, NULL, NULL, &err);
    double dt = now() - t0;
    CHECK(rc == DK_OK && m->nlosses == 30);
    if (m->nlosses == 30) {
        double first = mean(m->losses, 0, 5), last = mean(m->losses, 25, 30);
        printf("  class flow D=8: loss %.3f -> %.3f in 30 steps, %.0f ms/step\n", first,
               last, dt * 1e3 / 30);
        CHECK(last < first * 0.7);
    }
    /* Same seed, same bytes; CFG changes them. */
    static float a[10 * 784], b[10 * 784], cf[10 * 784];
    CHECK(sample(m, 5.0, a) && sample(m, 5.0, b));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(sample(m, 1.0, cf));
    CHECK(memcmp(a, cf, sizeof a) != 0);

    /* Interrupt from another thread after K = 3 steps. */
    long k = 3;
    atomic_store(&steps_seen, 0);
    dk_interrupt_clear();
    pthread_t th;
    pthread_create(&th, NULL, raiser, &k);
    long before = m->steps;
    c.max_steps = 200;
    c.lr = 0;  /* keep the plan */
    rc = train_run(m, ds, &c, count_steps, NULL, &err);
    pthread_join(th, NULL);
    CHECK(rc == DK_ERR_INTERRUPTED);
    CHECK(err.msg && strstr(err.msg, "interrupted") != NULL);
    printf("  interrupted after %ld steps (raised at %ld)\n", m->steps - before, k);
    CHECK(m->steps - before >= k && m->steps - before <= k + 2);
    CHECK(m->nlosses == m->steps);
    dk_interrupt_clear();
    dk_err_clear(&err);
    /* ... and the model still samples and trains. */
    CHECK(sample(m, 5.0, a));
    c.max_steps = 2;
    CHECK(train_run(m, ds, &c, NULL, NULL, &err) == DK_OK);
    /* plan_epochs: the first epoch of a 10-epoch decay ends at 0.1^(1/10). */
    c.lr = 1e-2;
    c.plan_epochs = 10;
    c.max_steps = 0;
    c.max_images = 32;
    int done = m->epochs_done;
    CHECK(train_run(m, ds, &c, NULL, NULL, &err) == DK_OK);
    CHECK(m->epochs_done == done + 1 && m->schedule_epochs == done + 10);
    CHECK(fabs(model_lr_at(m, m->epochs_done) - 1e-2 * pow(0.1, 0.1)) < 1e-9);
    /* Bad arguments. */
    c.batch = 0;
    CHECK(train_run(m, ds, &c, NULL, NULL, &err) == DK_ERR_ARG);
    dk_err_clear(&err);
    model_free(m);
}

/* Copy src to dst with the first `from` replaced by `to` (same length). */
static int replace_in_file(const char *src, const char *dst, const char *from,
                           const char *to)
{
    FILE *f = fopen(src, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    int ok = b && fread(b, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    char *at = NULL;
    for (long i = 0; ok && !at && i + (long)strlen(from) <= n; i++)
        if (!memcmp(b + i, from, strlen(from)))
            at = b + i;
    if (at && (f = fopen(dst, "wb"))) {
        memcpy(at, to, strlen(to));
        ok = fwrite(b, 1, (size_t)n, f) == (size_t)n;
        fclose(f);
    } else {
        ok = 0;
    }
    free(b);
    return ok;
}

static Model *class_model(int hidden)
{
    DkErr err = {0};
    Model *m = NULL;
    CHECK(api->manual_seed(3) == TS_OK);
    CHECK(model_new(api, TS_UNET_CLASS, hidden, &m, &err) == DK_OK);
    return m;
}

/* Two epochs of 6 batches in one run, against 4 steps, a checkpoint, and
 * the rest: the cut run continues at batch 5 of epoch 1. */
static void test_resume_mid_epoch(Dataset *ds)
{
    DkErr err = {0};
    Model *whole = class_model(8), *cut = class_model(8), *again = NULL;
    if (!whole || !cut)
        return;
    TrainConfig c = {.epochs = 2, .batch = 16, .lr = 1e-2, .schedule = LR_EXP,
                     .seed = 4, .max_images = 96, .plan_epochs = 2};
    CHECK(train_run(whole, ds, &c, NULL, NULL, &err) == DK_OK);
    c.max_steps = 4;
    CHECK(train_run(cut, ds, &c, NULL, NULL, &err) == DK_OK);
    CHECK(cut->epochs_done == 0 && cut->epoch_batch == 4 && cut->epoch_batches == 6);

    char dir[] = "/tmp/dk-resume-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/cut.safetensors", dir);
    CHECK(checkpoint_save(cut, path, CHECKPOINT_F32, 1, &err) == DK_OK);
    CHECK(checkpoint_load(api, path, &again, &err) == DK_OK);
    /* A place past the epoch's end (an edited file) loads as none. */
    Model *edited = NULL;
    char edited_path[80];
    snprintf(edited_path, sizeof edited_path, "%s/edited.safetensors", dir);
    CHECK(replace_in_file(path, edited_path, "\"epoch_batch\":\"4\"",
                          "\"epoch_batch\":\"7\""));
    CHECK(checkpoint_load(api, edited_path, &edited, &err) == DK_OK);
    CHECK(edited && edited->epoch_batch == 0 && edited->epoch_batches == 6);
    model_free(edited);
    remove(edited_path);
    remove(path);
    rmdir(dir);
    if (!again) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    c.lr = 0;  /* the model's plan */
    c.plan_epochs = 0;
    c.max_steps = 0;
    TrainPlan p = train_plan(again, ds->count, &c);
    CHECK(p.per_epoch == 6 && p.first_batch == 4 && p.total == 8);
    CHECK(train_run(again, ds, &c, NULL, NULL, &err) == DK_OK);
    CHECK(again->epochs_done == 2 && again->epoch_batch == 0);
    CHECK(again->steps == 12 && again->nlosses == 12 && whole->nlosses == 12);
    CHECK(again->nepoch_ends == 2 && again->epoch_ends[0] == 6 &&
          again->epoch_ends[1] == 12);
    if (again->nlosses == 12 && whole->nlosses == 12) {
        long same = 0;
        for (int i = 0; i < 12; i++)
            same += again->losses[i] == whole->losses[i];
        printf("  resumed at batch 5 of 6: %ld of 12 losses equal the whole run's\n",
               same);
        CHECK(same == 12);
    }
    static float a[10 * 784], b[10 * 784];
    CHECK(sample(whole, 5.0, a) && sample(again, 5.0, b));
    CHECK(memcmp(a, b, sizeof a) == 0);

    /* Batches of 32 deal another epoch: it starts again. */
    c.batch = 32;
    p = train_plan(cut, ds->count, &c);
    CHECK(p.per_epoch == 3 && p.first_batch == 0 && p.total == 6);
    model_free(whole);
    model_free(cut);
    model_free(again);
    dk_err_clear(&err);
}

int main(void)
{
    api = torch_test_api();
    if (!api)
        return check_report("test_train");
    Dataset *ds = data();
    test_denoiser(ds);
    test_flow(ds);
    test_resume_mid_epoch(ds);
    dataset_unref(ds);
    return check_report("test_train");
}
