/*
 * test_shim.c: the libtorch backend, loaded the way the kernel loads it.
 *
 * Built with DK_TEST_BACKEND (the path of the libdiffuse_torch.so just
 * built) when CMake found libtorch: then it checks the loader, the device
 * and BLAS report, seeded noise, data in and out, the error path, a Gaussian
 * blur by conv2d, the forward process's statistics and the shape ops.
 * Without libtorch it checks that loading fails with a message and a hint.
 */
#include "check.h"

#include "backend/backend.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Under -fsanitize=address (DK_SANITIZE): LeakSanitizer crashes at exit
 * scanning the dynamic TLS of the dlopen'd libtorch ("Tracer caught signal
 * 11", GCC 12's libsanitizer), so skip TLS, and suppress what glibc's loader,
 * dlerror and libtorch's own dependencies keep for the life of the process.
 * Leaks in the shim and the loader are still reported. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_LSAN_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_LSAN_HOOKS 1
#endif
#endif
#ifdef TEST_LSAN_HOOKS
const char *__lsan_default_options(void);
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void)
{
    return "use_tls=0";
}
const char *__lsan_default_suppressions(void)
{
    return "leak:_dl_\n"
           "leak:_dlerror_run\n"
           "leak:__cxa_thread_atexit_impl\n"
           "leak:libglib-2.0.so\n"
           "leak:libtorch_cpu.so\n"
           "leak:libc10.so\n";
}
#endif

/* One bad path first: the loader must say what is wrong and recover. */
static void test_loader_errors(void)
{
    const TsApi *api = (const TsApi *)1;
    DkErr err = {0};
    setenv(BACKEND_ENV, "/nonexistent/libdiffuse_torch.so", 1);
    CHECK(backend_get(&api, &err) == DK_ERR_TORCH);
    CHECK(api == NULL);
    CHECK(err.msg && strstr(err.msg, BACKEND_ENV) && strstr(err.msg, "/nonexistent"));
    CHECK(err.hint != NULL);
    CHECK(backend_path() == NULL);
    dk_err_clear(&err);

    /* A file that is not a shared library at all. */
    setenv(BACKEND_ENV, "tests/unit/check.h", 1);
    CHECK(backend_get(&api, &err) == DK_ERR_TORCH);
    CHECK(err.msg && strstr(err.msg, "could not be loaded"));
    CHECK(err.hint != NULL);
    dk_err_clear(&err);
    unsetenv(BACKEND_ENV);
}

#ifndef DK_TEST_BACKEND

int main(void)
{
    test_loader_errors();
    const TsApi *api = NULL;
    DkErr err = {0};
    /* Nothing was built next to this executable. */
    CHECK(backend_get(&api, &err) == DK_ERR_TORCH);
    CHECK(err.msg && strstr(err.msg, "not installed"));
    CHECK(err.hint && strstr(err.hint, "run.sh"));
    dk_err_clear(&err);
    return check_report("test_shim (no libtorch: loader errors only)");
}

#else

static const TsApi *A;

/* A float tensor from values and a shape; NULL (and a failed CHECK) if the
 * shim refused. */
static ts_tensor *tensor(const float *v, const int64_t *shape, int ndim)
{
    ts_tensor *t = NULL;
    ts_status st = A->tensor_from_data(&t, v, shape, ndim, TS_F32);
    CHECK(st == TS_OK);
    if (st != TS_OK)
        fprintf(stderr, "  tensor_from_data: %s\n", A->last_error());
    return t;
}

/* Copy n floats out of t; 1 on success. */
static int floats(const ts_tensor *t, float *buf, int64_t n)
{
    ts_status st = A->tensor_to_data(t, buf, n, TS_F32);
    if (st != TS_OK)
        fprintf(stderr, "  tensor_to_data: %s\n", A->last_error());
    return st == TS_OK;
}

static int ok(ts_status st, const char *what)
{
    if (st != TS_OK)
        fprintf(stderr, "  %s failed: %s\n", what, A->last_error());
    return st == TS_OK;
}

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

static void test_load(void)
{
    DkErr err = {0};
    const TsApi *api = NULL;
    setenv(BACKEND_ENV, DK_TEST_BACKEND, 1);
    CHECK(backend_get(&api, &err) == DK_OK);
    if (!api) {
        fprintf(stderr, "  backend_get: %s (%s)\n", err.msg, err.hint ? err.hint : "");
        dk_err_clear(&err);
        return;
    }
    A = api;
    CHECK(api->version == TS_API_VERSION);
    CHECK_STR(backend_path(), DK_TEST_BACKEND);
    CHECK(backend_load_ms() > 0.0);
    /* Loaded once: the second call is the same table and costs nothing. */
    const TsApi *again = NULL;
    CHECK(backend_get(&again, &err) == DK_OK && again == api);
    printf("backend %s (libtorch %s) loaded in %.1f ms\n", backend_path(),
           api->torch_version, backend_load_ms());
}

/* Which libblas.so.3 the alternatives system selects, "" if unknown. */
static void selected_blas(char *buf, size_t cap)
{
    ssize_t n = readlink("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", buf, cap - 1);
    buf[n > 0 ? n : 0] = '\0';
}

static void test_info(void)
{
    ts_device_info d;
    CHECK(ok(A->info(&d), "info"));
    printf("torch %d.%d.%d, cuda %d (%d: %s), device %d, threads %d of %d cores, "
           "BLAS %s (build: %s) %s\n",
           d.torch_major, d.torch_minor, d.torch_patch, d.cuda_available, d.cuda_count,
           d.cuda_name, d.device, d.threads, d.cores, d.blas_name, d.blas_build,
           d.blas_path);
    CHECK(d.torch_major >= 1);
    /* The chosen device is the GPU when there is one, else the CPU. */
    CHECK(d.device == (d.cuda_available ? 0 : TS_CPU));
    CHECK(d.cuda_available || (d.cuda_count == 0 && d.cuda_name[0] == '\0'));
    /* backend_get set one thread per core. */
    CHECK(d.cores >= 1 && d.threads == d.cores);

    /* Forcing the CPU, and a GPU that does not exist. */
    CHECK(ok(A->set_device(TS_CPU), "set_device"));
    CHECK(ok(A->info(&d), "info") && d.device == TS_CPU);
    CHECK(A->set_device(d.cuda_count + 3) == TS_ERR);
    CHECK(strstr(A->last_error(), "no CUDA device") != NULL);
    int got = 0;
    CHECK(ok(A->set_threads(1, &got), "set_threads") && got == 1);
    CHECK(ok(A->set_threads(0, &got), "set_threads") && got == d.cores);

    /* A libtorch built for a "generic" BLAS (Debian's) loads the
     * libblas.so.3 the alternatives system selects; the official builds
     * carry MKL inside. */
    char sel[512];
    selected_blas(sel, sizeof sel);
    if (strcmp(d.blas_build, "generic") != 0) {
        printf("libtorch brings its own BLAS (%s): reported as %s\n", d.blas_build,
               d.blas_name);
        CHECK(strcmp(d.blas_build, "mkl") != 0 || strcmp(d.blas_name, "MKL") == 0);
    } else if (strstr(sel, "openblas")) {
        CHECK_STR(d.blas_name, "OpenBLAS");
        CHECK(strstr(d.blas_path, "openblas") != NULL);
    } else if (strstr(sel, "/blas/")) {
        CHECK_STR(d.blas_name, "reference BLAS");
    } else {
        printf("libblas.so.3 alternative not found (%s): BLAS check skipped\n", sel);
    }
}

static void test_seed(void)
{
    const int64_t shape[] = {2, 3, 8, 8};
    const int64_t n = 2 * 3 * 8 * 8;
    float a[2 * 3 * 8 * 8], b[2 * 3 * 8 * 8], c[2 * 3 * 8 * 8];
    ts_generator *g1 = NULL, *g2 = NULL, *g3 = NULL;
    ts_tensor *ta = NULL, *tb = NULL, *tc = NULL, *tl = NULL;
    CHECK(ok(A->generator_new(&g1, 180), "generator_new"));
    CHECK(ok(A->generator_new(&g2, 180), "generator_new"));
    CHECK(ok(A->generator_new(&g3, 181), "generator_new"));
    CHECK(ok(A->tensor_randn(&ta, shape, 4, TS_F32, TS_CPU, g1), "randn"));
    CHECK(ok(A->tensor_randn(&tb, shape, 4, TS_F32, TS_CPU, g2), "randn"));
    CHECK(ok(A->tensor_randn(&tc, shape, 4, TS_F32, TS_CPU, g3), "randn"));
    if (ta && tb && tc && floats(ta, a, n) && floats(tb, b, n) && floats(tc, c, n)) {
        CHECK(memcmp(a, b, sizeof a) == 0); /* same seed, same bytes */
        CHECK(memcmp(a, c, sizeof a) != 0); /* another seed, other noise */
    }
    /* The stream moves on: the next draw from g1 differs from the first. */
    CHECK(ok(A->tensor_randn_like(&tl, ta, g1), "randn_like"));
    if (tl && floats(tl, c, n))
        CHECK(memcmp(a, c, sizeof a) != 0);
    A->tensor_free(tl);
    tl = NULL;

    /* The global generator: manual_seed twice gives the same draw. */
    A->tensor_free(ta);
    A->tensor_free(tb);
    ta = tb = NULL;
    CHECK(ok(A->manual_seed(7), "manual_seed"));
    CHECK(ok(A->tensor_randn(&ta, shape, 4, TS_F32, TS_CPU, NULL), "randn"));
    CHECK(ok(A->manual_seed(7), "manual_seed"));
    CHECK(ok(A->tensor_randn(&tb, shape, 4, TS_F32, TS_CPU, NULL), "randn"));
    if (ta && tb && floats(ta, a, n) && floats(tb, b, n))
        CHECK(memcmp(a, b, sizeof a) == 0);

    /* Noise needs a floating type. */
    CHECK(A->tensor_randn(&tl, shape, 4, TS_I64, TS_CPU, g1) == TS_ERR && tl == NULL);
    A->tensor_free(ta);
    A->tensor_free(tb);
    A->tensor_free(tc);
    A->generator_free(g1);
    A->generator_free(g2);
    A->generator_free(g3);
    A->generator_free(NULL);
    A->tensor_free(NULL);
}

static void test_round_trip(void)
{
    const float v[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f};
    const int64_t shape[] = {2, 3};
    ts_tensor *t = tensor(v, shape, 2);
    if (!t)
        return;
    int64_t dims[TS_MAX_DIMS];
    int nd = 0;
    CHECK(ok(A->tensor_shape(t, dims, TS_MAX_DIMS, &nd), "shape"));
    CHECK(nd == 2 && dims[0] == 2 && dims[1] == 3);
    CHECK(A->tensor_shape(t, dims, 1, &nd) == TS_ERR && nd == 2);
    ts_dtype dt = TS_U8;
    int dev = 99;
    CHECK(ok(A->tensor_dtype(t, &dt), "dtype") && dt == TS_F32);
    CHECK(ok(A->tensor_device(t, &dev), "device") && dev == TS_CPU);
    float back[6];
    CHECK(floats(t, back, 6) && memcmp(v, back, sizeof v) == 0);
    /* Copying into the wrong size is refused. */
    CHECK(A->tensor_to_data(t, back, 5, TS_F32) == TS_ERR);
    CHECK(strstr(A->last_error(), "5") != NULL);
    /* Converting on the way out. */
    int64_t as_int[6];
    CHECK(ok(A->tensor_to_data(t, as_int, 6, TS_I64), "to_data int64"));
    CHECK(as_int[0] == 1 && as_int[2] == 3 && as_int[5] == -7);

    /* Bytes in (an 8-bit image), through float16 and back. */
    const uint8_t px[4] = {0, 17, 128, 255};
    const int64_t s4[] = {4};
    ts_tensor *u = NULL, *h = NULL, *f = NULL;
    CHECK(ok(A->tensor_from_data(&u, px, s4, 1, TS_U8), "from_data u8"));
    CHECK(ok(A->tensor_to_dtype(&h, u, TS_F16), "to_dtype f16"));
    CHECK(ok(A->tensor_to_dtype(&f, h, TS_F32), "to_dtype f32"));
    float fv[4];
    if (f && floats(f, fv, 4))
        CHECK(fv[0] == 0.0f && fv[1] == 17.0f && fv[2] == 128.0f && fv[3] == 255.0f);
    CHECK(ok(A->tensor_dtype(h, &dt), "dtype") && dt == TS_F16);

    /* A scalar (0-d) tensor and item. */
    const float one = 0.25f;
    ts_tensor *s = tensor(&one, NULL, 0);
    double item = 0;
    CHECK(s && ok(A->tensor_item(s, &item), "item") && item == 0.25);
    CHECK(A->tensor_item(t, &item) == TS_ERR); /* six elements */
    A->tensor_free(s);
    A->tensor_free(u);
    A->tensor_free(h);
    A->tensor_free(f);
    A->tensor_free(t);
}

static void test_errors(void)
{
    const float v[8] = {0};
    const int64_t s23[] = {2, 3}, s24[] = {2, 4};
    ts_tensor *a = tensor(v, s23, 2), *b = tensor(v, s24, 2);
    static int sentinel;
    ts_tensor *out = (ts_tensor *)&sentinel; /* must be reset to NULL */
    CHECK(A->tensor_add(&out, a, b) == TS_ERR);
    CHECK(out == NULL);
    const char *msg = A->last_error();
    printf("shape error reads: %s\n", msg);
    CHECK(strstr(msg, "add(") == msg);
    CHECK(strstr(msg, "[2, 3] float32") && strstr(msg, "[2, 4] float32"));
    CHECK(strchr(msg, '\n') == NULL);           /* one line */
    CHECK(strstr(msg, "Exception raised") == NULL); /* no C++ backtrace */
    /* A success clears the message. */
    CHECK(ok(A->tensor_add(&out, a, a), "add") && A->last_error()[0] == '\0');
    A->tensor_free(out);
    out = NULL;
    /* NULL arguments are refused, not dereferenced. */
    CHECK(A->tensor_mul(&out, a, NULL) == TS_ERR && out == NULL);
    CHECK(strstr(A->last_error(), "NULL") != NULL);
    CHECK(A->tensor_sqrt(NULL, a) == TS_ERR);
    /* A bad enum value and a bad rank. */
    CHECK(A->tensor_zeros(&out, s23, 2, (ts_dtype)42, TS_CPU) == TS_ERR);
    CHECK(strstr(A->last_error(), "dtype") != NULL);
    CHECK(A->tensor_zeros(&out, s23, TS_MAX_DIMS + 1, TS_F32, TS_CPU) == TS_ERR);
    CHECK(A->tensor_ones(&out, s23, 2, (ts_dtype)-1, TS_CPU) == TS_ERR && out == NULL);
    CHECK(A->tensor_pad(&out, a, s23, 2, (ts_pad_mode)9, 0.0) == TS_ERR && out == NULL);
    CHECK(strstr(A->last_error(), "pad mode") != NULL);
    CHECK(A->tensor_select(&out, a, 0, 5) == TS_ERR && out == NULL);
    /* backend_error maps it into the kernel's error. */
    DkErr err = {0};
    CHECK(backend_error(A, A->tensor_matmul(&out, a, a), &err) == DK_ERR_TORCH);
    CHECK(err.msg && strstr(err.msg, "matmul("));
    dk_err_clear(&err);
    A->tensor_free(a);
    A->tensor_free(b);
}

/* A normalized k x k Gaussian as (C, 1, k, k) for a depthwise conv:
 * torchvision's 1-D kernel exp(-x^2/(2 s^2)) over x = -(k-1)/2 .. (k-1)/2,
 * normalized, and its outer product. */
static ts_tensor *gaussian(int k, double sigma, int channels)
{
    float g1[33], *w = malloc(sizeof(float) * (size_t)(channels * k * k));
    double sum = 0;
    for (int i = 0; i < k; i++) {
        double x = i - (k - 1) / 2.0;
        g1[i] = (float)exp(-0.5 * (x / sigma) * (x / sigma));
        sum += g1[i];
    }
    for (int i = 0; i < k; i++)
        g1[i] = (float)(g1[i] / sum);
    for (int c = 0; c < channels; c++)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                w[(c * k + i) * k + j] = g1[i] * g1[j];
    const int64_t shape[] = {channels, 1, k, k};
    ts_tensor *t = tensor(w, shape, 4);
    free(w);
    return t;
}

static void test_blur(void)
{
    /* A delta in the middle of a 15x15 image: the blur sums to 1. */
    enum { H = 15 };
    float img[H * H] = {0};
    img[7 * H + 7] = 1.0f;
    const int64_t shape[] = {1, 1, H, H};
    ts_tensor *x = tensor(img, shape, 4), *w = gaussian(5, 1.5, 1), *y = NULL;
    const int64_t stride[2] = {1, 1}, pad[2] = {2, 2};
    CHECK(ok(A->tensor_conv2d(&y, x, w, NULL, stride, pad, 1), "conv2d"));
    float out[H * H];
    if (y && floats(y, out, H * H)) {
        double sum = 0;
        for (int i = 0; i < H * H; i++)
            sum += out[i];
        CHECK(near(sum, 1.0, 1e-5));
        CHECK(out[7 * H + 7] > out[7 * H + 8] && near(out[7 * H + 8], out[7 * H + 6], 1e-7));
        CHECK(out[0] == 0.0f); /* beyond the kernel's reach */
    }
    A->tensor_free(y);
    y = NULL;

    /* torchvision's gaussian_blur: reflect padding, one kernel per channel
     * (groups = C).  A constant image stays constant, edges included. */
    ts_tensor *c = NULL, *p = NULL, *w3 = gaussian(5, 2.0, 3);
    const int64_t s3[] = {1, 3, 8, 8}, pads[4] = {2, 2, 2, 2}, nopad[2] = {0, 0};
    CHECK(ok(A->tensor_full(&c, s3, 4, 0.5, TS_F32, TS_CPU), "full"));
    CHECK(ok(A->tensor_pad(&p, c, pads, 4, TS_PAD_REFLECT, 0.0), "pad"));
    CHECK(ok(A->tensor_conv2d(&y, p, w3, NULL, stride, nopad, 3), "conv2d groups"));
    float o3[3 * 8 * 8];
    int64_t dims[4];
    int nd = 0;
    CHECK(y && ok(A->tensor_shape(y, dims, 4, &nd), "shape") && nd == 4 &&
          dims[1] == 3 && dims[2] == 8 && dims[3] == 8);
    if (y && floats(y, o3, 3 * 8 * 8)) {
        double worst = 0;
        for (int i = 0; i < 3 * 8 * 8; i++)
            worst = fmax(worst, fabs(o3[i] - 0.5));
        CHECK(worst < 1e-6);
    }
    /* A bias adds per output channel. */
    const float bias_v[3] = {1, 2, 3};
    const int64_t s3b[] = {3};
    ts_tensor *bias = tensor(bias_v, s3b, 1), *yb = NULL;
    CHECK(ok(A->tensor_conv2d(&yb, p, w3, bias, stride, nopad, 3), "conv2d bias"));
    if (yb && floats(yb, o3, 3 * 8 * 8))
        CHECK(near(o3[0], 1.5, 1e-6) && near(o3[64], 2.5, 1e-6) && near(o3[128], 3.5, 1e-6));
    A->tensor_free(yb);
    A->tensor_free(bias);
    A->tensor_free(c);
    A->tensor_free(p);
    A->tensor_free(w3);
    A->tensor_free(x);
    A->tensor_free(w);
    A->tensor_free(y);
}

/* The forward process of DDPM, x_t = sqrt(ab) x + sqrt(1 - ab) eps, drawn N
 * times for one image: per pixel, the mean is sqrt(ab) x and the standard
 * deviation sqrt(1 - ab).  With N = 100000 the standard errors are 0.0026
 * (mean) and 0.0019 (std), so 1e-2 is a 4-5 sigma bound. */
static void test_forward_process(void)
{
    enum { C = 3, S = 4, P = C * S * S };
    const int64_t n = 100000;
    const double ab = 0.3;
    float img[P];
    for (int i = 0; i < P; i++)
        img[i] = -1.0f + 2.0f * (float)i / (P - 1); /* a ramp over [-1, 1] */
    const int64_t ishape[] = {1, C, S, S}, nshape[] = {n, C, S, S}, d0[] = {0};
    ts_tensor *x = tensor(img, ishape, 4), *eps = NULL, *xt = NULL, *mean = NULL,
              *sd = NULL, *abt = NULL, *root = NULL;
    ts_generator *g = NULL;
    CHECK(ok(A->generator_new(&g, 2024), "generator_new"));
    /* sqrt through the shim, to use it once. */
    const int64_t one[] = {1};
    double s_ab = 0;
    CHECK(ok(A->tensor_full(&abt, one, 1, ab, TS_F64, TS_CPU), "full"));
    CHECK(ok(A->tensor_sqrt(&root, abt), "sqrt") && ok(A->tensor_item(root, &s_ab), "item"));
    CHECK(near(s_ab, sqrt(ab), 1e-12));

    CHECK(ok(A->tensor_randn(&eps, nshape, 4, TS_F32, TS_CPU, g), "randn"));
    CHECK(ok(A->tensor_axpby(&xt, sqrt(ab), x, sqrt(1 - ab), eps), "axpby"));
    CHECK(ok(A->tensor_mean(&mean, xt, d0, 1, 0), "mean"));
    CHECK(ok(A->tensor_std(&sd, xt, d0, 1, 0), "std"));
    float m[P], s[P];
    if (mean && sd && floats(mean, m, P) && floats(sd, s, P)) {
        double worst_m = 0, worst_s = 0;
        for (int i = 0; i < P; i++) {
            worst_m = fmax(worst_m, fabs(m[i] - sqrt(ab) * img[i]));
            worst_s = fmax(worst_s, fabs(s[i] - sqrt(1 - ab)));
        }
        printf("forward process, %lld draws: worst |mean - sqrt(ab) x| = %.4f, "
               "worst |std - sqrt(1-ab)| = %.4f\n", (long long)n, worst_m, worst_s);
        CHECK(worst_m < 1e-2);
        CHECK(worst_s < 1e-2);
    }
    /* And over everything: eps is standard normal. */
    ts_tensor *all_m = NULL, *all_s = NULL;
    double em = 1, es = 0;
    CHECK(ok(A->tensor_mean(&all_m, eps, NULL, 0, 0), "mean all") &&
          ok(A->tensor_item(all_m, &em), "item"));
    CHECK(ok(A->tensor_std(&all_s, eps, NULL, 0, 0), "std all") &&
          ok(A->tensor_item(all_s, &es), "item"));
    CHECK(fabs(em) < 1e-3 && fabs(es - 1) < 1e-3);
    A->tensor_free(all_m);
    A->tensor_free(all_s);
    A->tensor_free(abt);
    A->tensor_free(root);
    A->tensor_free(x);
    A->tensor_free(eps);
    A->tensor_free(xt);
    A->tensor_free(mean);
    A->tensor_free(sd);
    A->generator_free(g);
}

static void test_arithmetic(void)
{
    const float av[4] = {1, 2, 3, 4}, bv[4] = {2, 2, 2, 2};
    const int64_t s[] = {2, 2};
    ts_tensor *a = tensor(av, s, 2), *b = tensor(bv, s, 2), *r = NULL;
    float o[4];
#define EXPECT(call, w0, w1, w2, w3)                                       \
    do {                                                                   \
        r = NULL;                                                          \
        CHECK(ok(call, #call));                                            \
        if (r && floats(r, o, 4))                                          \
            CHECK(near(o[0], w0, 1e-6) && near(o[1], w1, 1e-6) &&          \
                  near(o[2], w2, 1e-6) && near(o[3], w3, 1e-6));           \
        A->tensor_free(r);                                                 \
    } while (0)
    EXPECT(A->tensor_add(&r, a, b), 3, 4, 5, 6);
    EXPECT(A->tensor_sub(&r, a, b), -1, 0, 1, 2);
    EXPECT(A->tensor_mul(&r, a, b), 2, 4, 6, 8);
    EXPECT(A->tensor_div(&r, a, b), 0.5, 1, 1.5, 2);
    EXPECT(A->tensor_add_scalar(&r, a, 1), 2, 3, 4, 5);
    EXPECT(A->tensor_sub_scalar(&r, a, 1), 0, 1, 2, 3);
    EXPECT(A->tensor_mul_scalar(&r, a, -2), -2, -4, -6, -8);
    EXPECT(A->tensor_div_scalar(&r, a, 4), 0.25, 0.5, 0.75, 1);
    EXPECT(A->tensor_axpby(&r, 2, a, -1, b), 0, 2, 4, 6);
    EXPECT(A->tensor_sqrt(&r, b), sqrt(2), sqrt(2), sqrt(2), sqrt(2));
    EXPECT(A->tensor_clamp(&r, a, 1.5, 3.5), 1.5, 2, 3, 3.5);
    EXPECT(A->tensor_clamp(&r, a, -INFINITY, 2.5), 1, 2, 2.5, 2.5);
    EXPECT(A->tensor_clamp(&r, a, -INFINITY, INFINITY), 1, 2, 3, 4);
    EXPECT(A->tensor_matmul(&r, a, b), 6, 6, 14, 14); /* [[1,2],[3,4]] @ 2s */
    const int64_t dim1[] = {1}, swap[] = {1, 0}, flat[] = {-1}, dim0[] = {0};
    EXPECT(A->tensor_flip(&r, a, dim1, 1), 2, 1, 4, 3);
    EXPECT(A->tensor_permute(&r, a, swap, 2), 1, 3, 2, 4);
    EXPECT(A->tensor_reshape(&r, a, flat, 1), 1, 2, 3, 4);
    EXPECT(A->tensor_slice(&r, a, 1, 0, 2, 1), 1, 2, 3, 4);
    EXPECT(A->tensor_zeros(&r, s, 2, TS_F32, TS_DEVICE_DEFAULT), 0, 0, 0, 0);
    EXPECT(A->tensor_ones(&r, s, 2, TS_F32, TS_CPU), 1, 1, 1, 1);
    EXPECT(A->tensor_full(&r, s, 2, -3.5, TS_F32, TS_CPU), -3.5, -3.5, -3.5, -3.5);
#undef EXPECT

    /* mean over dim 0 with keepdim has shape (1, 2): two values. */
    ts_tensor *m = NULL;
    int64_t dims[2];
    int nd = 0;
    CHECK(ok(A->tensor_mean(&m, a, dim0, 1, 1), "mean keepdim"));
    CHECK(m && ok(A->tensor_shape(m, dims, 2, &nd), "shape") && nd == 2 && dims[0] == 1 &&
          dims[1] == 2);
    if (m && floats(m, o, 2))
        CHECK(o[0] == 2 && o[1] == 3);
    A->tensor_free(m);
    m = NULL;
    /* std of 1, 2, 3, 4 (unbiased): sqrt(5/3). */
    double v = 0;
    CHECK(ok(A->tensor_std(&m, a, NULL, 0, 0), "std") && ok(A->tensor_item(m, &v), "item"));
    CHECK(near(v, sqrt(5.0 / 3.0), 1e-6));
    A->tensor_free(m);
    A->tensor_free(a);
    A->tensor_free(b);
}

static void test_shape_ops(void)
{
    const float av[4] = {1, 2, 3, 4}, bv[4] = {5, 6, 7, 8};
    const int64_t s[] = {2, 2};
    ts_tensor *a = tensor(av, s, 2), *b = tensor(bv, s, 2), *r = NULL;
    const ts_tensor *pair[2] = {a, b};
    int64_t dims[TS_MAX_DIMS];
    int nd = 0;
    float o[8];

    CHECK(ok(A->tensor_cat(&r, pair, 2, 0), "cat"));
    CHECK(r && ok(A->tensor_shape(r, dims, TS_MAX_DIMS, &nd), "shape") && nd == 2 &&
          dims[0] == 4 && dims[1] == 2);
    if (r && floats(r, o, 8))
        CHECK(o[0] == 1 && o[3] == 4 && o[4] == 5 && o[7] == 8);
    A->tensor_free(r);
    r = NULL;

    CHECK(ok(A->tensor_cat(&r, pair, 2, 1), "cat dim 1"));
    if (r && floats(r, o, 8))
        CHECK(o[0] == 1 && o[1] == 2 && o[2] == 5 && o[3] == 6 && o[4] == 3);
    A->tensor_free(r);
    r = NULL;

    CHECK(ok(A->tensor_stack(&r, pair, 2, 0), "stack"));
    CHECK(r && ok(A->tensor_shape(r, dims, TS_MAX_DIMS, &nd), "shape") && nd == 3 &&
          dims[0] == 2 && dims[1] == 2 && dims[2] == 2);
    ts_tensor *second = NULL, *row = NULL, *col = NULL;
    CHECK(ok(A->tensor_select(&second, r, 0, -1), "select"));
    if (second && floats(second, o, 4))
        CHECK(o[0] == 5 && o[3] == 8);
    CHECK(ok(A->tensor_select(&row, second, 0, 1), "select row"));
    if (row && floats(row, o, 2))
        CHECK(o[0] == 7 && o[1] == 8);
    CHECK(ok(A->tensor_slice(&col, r, 2, 1, 2, 1), "slice"));
    if (col && floats(col, o, 4))
        CHECK(o[0] == 2 && o[1] == 4 && o[2] == 6 && o[3] == 8);
    A->tensor_free(second);
    A->tensor_free(row);
    A->tensor_free(col);
    A->tensor_free(r);
    r = NULL;

    /* Bad lists. */
    const ts_tensor *holes[2] = {a, NULL};
    CHECK(A->tensor_cat(&r, holes, 2, 0) == TS_ERR && r == NULL);
    CHECK(A->tensor_stack(&r, pair, 0, 0) == TS_ERR && r == NULL);
    const float cv[3] = {1, 2, 3};
    const int64_t s13[] = {1, 3};
    ts_tensor *c = tensor(cv, s13, 2);
    const ts_tensor *mixed[2] = {a, c};
    CHECK(A->tensor_cat(&r, mixed, 2, 0) == TS_ERR && r == NULL);
    A->tensor_free(c);

    /* to_device on the CPU is the same values. */
    CHECK(ok(A->tensor_to_device(&r, a, TS_CPU), "to_device"));
    if (r && floats(r, o, 4))
        CHECK(o[0] == 1 && o[3] == 4);
    A->tensor_free(r);
    A->tensor_free(a);
    A->tensor_free(b);
}

static void test_interpolate(void)
{
    /* Nearest x2 of [[1, 2], [3, 4]] repeats each pixel in a 2x2 block. */
    const float v[4] = {1, 2, 3, 4};
    const int64_t s[] = {1, 1, 2, 2};
    ts_tensor *x = tensor(v, s, 4), *r = NULL;
    float o[64];
    CHECK(ok(A->tensor_interpolate(&r, x, 4, 4, TS_INTERP_NEAREST, 0, 0), "nearest"));
    if (r && floats(r, o, 16))
        CHECK(o[0] == 1 && o[1] == 1 && o[2] == 2 && o[4] == 1 && o[8] == 3 && o[15] == 4);
    A->tensor_free(r);
    r = NULL;
    /* Bilinear with align_corners keeps the corners. */
    CHECK(ok(A->tensor_interpolate(&r, x, 3, 3, TS_INTERP_BILINEAR, 1, 0), "bilinear"));
    if (r && floats(r, o, 9))
        CHECK(o[0] == 1 && o[2] == 2 && o[6] == 3 && o[8] == 4 && near(o[4], 2.5, 1e-6));
    A->tensor_free(r);
    r = NULL;

    /* Shrinking a 1-pixel checkerboard by 4: antialiasing averages it to a
     * flat 0.5 (like PIL); bicubic antialias exists in this libtorch too. */
    float cb[64];
    for (int i = 0; i < 64; i++)
        cb[i] = (float)(((i / 8) + (i % 8)) % 2);
    const int64_t s8[] = {1, 1, 8, 8};
    ts_tensor *board = tensor(cb, s8, 4);
    CHECK(ok(A->tensor_interpolate(&r, board, 2, 2, TS_INTERP_BILINEAR, 0, 1), "bilinear aa"));
    if (r && floats(r, o, 4))
        CHECK(near(o[0], 0.5, 0.05) && near(o[3], 0.5, 0.05));
    A->tensor_free(r);
    r = NULL;
    CHECK(ok(A->tensor_interpolate(&r, board, 2, 2, TS_INTERP_BICUBIC, 0, 1), "bicubic aa"));
    if (r && floats(r, o, 4))
        CHECK(near(o[0], 0.5, 0.1) && near(o[3], 0.5, 0.1));
    A->tensor_free(r);
    r = NULL;
    /* A 3-D input is refused. */
    const int64_t s3[] = {1, 2, 2};
    ts_tensor *flat = tensor(v, s3, 3);
    CHECK(A->tensor_interpolate(&r, flat, 4, 4, TS_INTERP_BILINEAR, 0, 0) == TS_ERR);
    A->tensor_free(flat);
    A->tensor_free(board);
    A->tensor_free(x);
}

int main(void)
{
    test_loader_errors();
    test_load();
    if (!A)
        return check_report("test_shim");
    test_info();
    test_seed();
    test_round_trip();
    test_errors();
    test_blur();
    test_forward_process();
    test_arithmetic();
    test_shape_ops();
    test_interpolate();
    return check_report("test_shim");
}

#endif
