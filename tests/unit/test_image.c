/*
 * test_image.c: DImages (diffusion/image.c): loading photos with the
 * course's preprocessing, the [-1, 1] convention, save (atomic, round
 * trip), flip, resize, crop, masks, and every load failure naming the file.
 *
 * The 64 x 64 load of notebooks/data/rocket.jpg is compared with Pillow
 * 13.0's resize(95 x 64, BICUBIC) + centre crop of the same file: channel
 * means (57.865, 67.098, 89.281) within 2 levels.
 */
#include "torch_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diffusion/image.h"
#include "render/png.h"

static const TsApi *A;

static float *pixels(const DImage *im)
{
    size_t n = (size_t)im->n * (size_t)im->c * (size_t)im->h * (size_t)im->w;
    float *buf = malloc(n * sizeof *buf);
    CHECK(A->tensor_to_data(im->t, buf, (int64_t)n, TS_F32) == TS_OK);
    return buf;
}

static void test_load(void)
{
    DkErr err = {0};
    DImage *im = NULL;
    CHECK(dimage_load(A, "notebooks/data/rocket.jpg", 64, &im, &err) == DK_OK);
    if (!im) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK(im->n == 1 && im->c == 3 && im->h == 64 && im->w == 64 && !im->mask);
    float *v = pixels(im);
    const double pil[3] = {57.865, 67.098, 89.281};
    double lo = 1, hi = -1;
    for (int c = 0; c < 3; c++) {
        double s = 0;
        for (int i = 0; i < 64 * 64; i++) {
            double x = v[c * 4096 + i];
            lo = fmin(lo, x);
            hi = fmax(hi, x);
            s += (x + 1) * 127.5;  /* [-1, 1] -> [0, 255] */
        }
        CHECK(fabs(s / 4096 - pil[c]) < 2.0);
    }
    CHECK(lo >= -1.0 && hi <= 1.0);  /* clamped like PIL's uint8 */
    free(v);

    /* The display mapping x/2 + 0.5: 8-bit pixels come back. */
    RImage *ri = dimage_to_rimage(im, 0, &err);
    CHECK(ri && ri->w == 64 && ri->h == 64 && ri->c == 3);
    image_free(ri);
    dimage_free(im);

    /* size=0 keeps the original; a PNG loads too (as RGB). */
    CHECK(dimage_load(A, "notebooks/data/rocket.jpg", 0, &im, &err) == DK_OK);
    CHECK(im && im->w == 640 && im->h == 427);
    dimage_free(im);
    CHECK(dimage_load(A, "notebooks/data/chelsea.png", 32, &im, &err) == DK_OK);
    CHECK(im && im->w == 32 && im->h == 32 && im->c == 3);
    dimage_free(im);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
    }
}

static void expect_fail(const char *path, int size, dk_status code,
                        const char *needle)
{
    DkErr err = {0};
    DImage *im = (DImage *)1;
    CHECK(dimage_load(A, path, size, &im, &err) == code);
    CHECK(im == NULL);
    CHECK(err.msg && strstr(err.msg, needle));
    if (!(err.msg && strstr(err.msg, needle)))
        fprintf(stderr, "  %s: %s\n", path, err.msg ? err.msg : "(none)");
    dk_err_clear(&err);
}

static void test_load_errors(void)
{
    char dir[] = "/tmp/test_image-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char text[64], trunc[64], half_png[64], empty[64];
    snprintf(text, sizeof text, "%s/notes.jpg", dir);
    snprintf(trunc, sizeof trunc, "%s/cut.jpg", dir);
    snprintf(half_png, sizeof half_png, "%s/cut.png", dir);
    snprintf(empty, sizeof empty, "%s/empty.png", dir);
    write_file(text, "not a picture\n", 14);
    write_file(empty, "", 0);
    /* the first 40% of real files */
    FILE *f = fopen("notebooks/data/rocket.jpg", "rb");
    static uint8_t buf[200000];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    write_file(trunc, buf, n * 2 / 5);
    f = fopen("notebooks/data/chelsea.png", "rb");
    n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    write_file(half_png, buf, n * 2 / 5);

    expect_fail("/nonexistent/photo.jpg", 64, DK_ERR_IO, "/nonexistent/photo.jpg");
    expect_fail(text, 64, DK_ERR_FORMAT, "notes.jpg");
    expect_fail(trunc, 64, DK_ERR_FORMAT, "cut.jpg");
    expect_fail(half_png, 64, DK_ERR_FORMAT, "cut.png");
    expect_fail(empty, 64, DK_ERR_FORMAT, "empty");
    expect_fail("notebooks/data/rocket.jpg", -1, DK_ERR_ARG, "size");
    expect_fail("notebooks/data/rocket.jpg", DIMAGE_MAX_SIZE + 1, DK_ERR_ARG,
                "size");
    unlink(text);
    unlink(trunc);
    unlink(half_png);
    unlink(empty);
    rmdir(dir);
}

static void test_geometry(void)
{
    DkErr err = {0};
    DImage *im = NULL, *a = NULL, *b = NULL;
    CHECK(dimage_load(A, "notebooks/data/coffee.jpg", 0, &im, &err) == DK_OK);
    if (!im)
        return;
    CHECK(im->w == 300 && im->h == 200);
    /* shorter side to 50: 75 x 50 */
    CHECK(dimage_resize_short(im, 50, &a, &err) == DK_OK);
    CHECK(a && a->w == 75 && a->h == 50);
    dimage_free(a);
    CHECK(dimage_resize(im, 20, 30, &a, &err) == DK_OK);
    CHECK(a && a->h == 20 && a->w == 30);
    dimage_free(a);

    /* crop picks the right pixels */
    CHECK(dimage_crop(im, 10, 20, 5, 4, &a, &err) == DK_OK);
    float *full = pixels(im), *box = a ? pixels(a) : NULL;
    CHECK(a && a->w == 5 && a->h == 4);
    if (box)
        CHECK(box[0] == full[20 * 300 + 10] &&
              box[4 * 5 * 2 + 3 * 5 + 4] == full[2 * 60000 + 23 * 300 + 14]);
    free(box);
    dimage_free(a);
    CHECK(dimage_crop(im, 290, 0, 20, 10, &a, &err) == DK_ERR_ARG);
    CHECK(a == NULL && err.msg && strstr(err.msg, "not inside"));
    dk_err_clear(&err);
    /* centre crop: (300-101)/2 = 99.5 rounds half to even: 100 */
    CHECK(dimage_center_crop(im, 200, 101, &a, &err) == DK_OK);
    box = a ? pixels(a) : NULL;
    if (box)
        CHECK(box[0] == full[100]);
    free(box);
    dimage_free(a);
    CHECK(dimage_center_crop(im, 201, 10, &a, &err) == DK_ERR_ARG);
    dk_err_clear(&err);

    /* flip: mirrored pixels, and twice is the identity */
    CHECK(dimage_flip(im, 0, &a, &err) == DK_OK);
    CHECK(a && dimage_flip(a, 0, &b, &err) == DK_OK);
    float *fa = a ? pixels(a) : NULL, *fb = b ? pixels(b) : NULL;
    if (fa && fb) {
        CHECK(fa[5 * 300 + 0] == full[5 * 300 + 299]);
        CHECK(memcmp(fb, full, 3 * 60000 * sizeof(float)) == 0);
    }
    free(fa);
    free(fb);
    dimage_free(a);
    dimage_free(b);
    CHECK(dimage_flip(im, 1, &a, &err) == DK_OK);
    fa = a ? pixels(a) : NULL;
    if (fa)
        CHECK(fa[0 * 300 + 7] == full[199 * 300 + 7]);
    free(fa);
    dimage_free(a);
    free(full);
    dimage_free(im);
}

static void test_masks(void)
{
    DkErr err = {0};
    DImage *im = NULL, *m = NULL;
    CHECK(dimage_load(A, "notebooks/data/rocket.jpg", 64, &im, &err) == DK_OK);
    if (!im)
        return;
    DMaskSpec rect = {DMASK_RECT, 24, 2, 18, 18, 0, 0.5, 0};
    CHECK(dimage_mask(im, &rect, &m, &err) == DK_OK);
    CHECK(m && m->mask && m->c == 1 && m->h == 64 && m->w == 64);
    float *v = m ? pixels(m) : NULL;
    double ones = 0;
    for (int i = 0; v && i < 4096; i++)
        ones += v[i];
    CHECK(ones == 18 * 18);
    if (v)
        CHECK(v[2 * 64 + 24] == 1 && v[1 * 64 + 24] == 0 && v[2 * 64 + 42] == 0);
    free(v);
    dimage_free(m);

    DMaskSpec circle = {DMASK_CIRCLE, 32, 32, 0, 0, 10, 0.5, 1};
    CHECK(dimage_mask(im, &circle, &m, &err) == DK_OK);
    v = m ? pixels(m) : NULL;
    ones = 0;
    for (int i = 0; v && i < 4096; i++)
        ones += v[i];
    /* inverted: everything but about pi r^2 = 314 pixels */
    CHECK(fabs((4096 - ones) - 314.16) < 20);
    if (v)
        CHECK(v[32 * 64 + 32] == 0 && v[0] == 1);
    free(v);
    dimage_free(m);

    DMaskSpec lum = {DMASK_LUMINANCE, 0, 0, 0, 0, 0, 0.5, 0};
    CHECK(dimage_mask(im, &lum, &m, &err) == DK_OK);
    float *px = pixels(im);
    v = m ? pixels(m) : NULL;
    int agree = 1;
    for (int i = 0; v && i < 4096; i++) {
        double l = 0.299 * px[i] + 0.587 * px[4096 + i] + 0.114 * px[8192 + i];
        if ((l / 2 + 0.5 > 0.5) != (v[i] == 1))
            agree = 0;
    }
    CHECK(agree);
    free(v);
    free(px);
    dimage_free(m);
    dimage_free(im);
}

static void test_save(void)
{
    DkErr err = {0};
    DImage *im = NULL;
    CHECK(dimage_load(A, "notebooks/data/rocket.jpg", 64, &im, &err) == DK_OK);
    if (!im)
        return;
    char path[] = "/tmp/test_image_save-XXXXXX";
    CHECK(mkdtemp(path) != NULL);
    char png[64], jpg[64], bad[80];
    snprintf(png, sizeof png, "%s/out.png", path);
    snprintf(jpg, sizeof jpg, "%s/out.jpg", path);
    snprintf(bad, sizeof bad, "%s/no/such/dir/out.png", path);
    CHECK(dimage_save(im, png, &err) == DK_OK);
    CHECK(dimage_save(im, jpg, &err) == DK_OK);
    /* the PNG holds exactly the displayed pixels */
    RImage *want = dimage_to_rimage(im, 0, &err), *got = NULL;
    CHECK(png_load_file(png, &got, &err) == DK_OK);
    CHECK(want && got && got->w == 64 && got->c == 3 &&
          memcmp(want->px, got->px, 64 * 64 * 3) == 0);
    image_free(got);
    image_free(want);
    DImage *back = NULL;
    CHECK(dimage_load(A, jpg, 0, &back, &err) == DK_OK);
    CHECK(back && back->w == 64 && back->h == 64);
    dimage_free(back);
    /* no temporary files are left behind */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", path);
    CHECK(system(cmd) == 0);
    CHECK(dimage_save(im, bad, &err) == DK_ERR_IO);
    CHECK(err.msg && strstr(err.msg, "out.png"));
    dk_err_clear(&err);
    unlink(png);
    unlink(jpg);
    rmdir(path);
    dimage_free(im);
}

int main(void)
{
    A = torch_test_api();
    if (!A)
        return check_report("test_image (no libtorch: loader error only)");
    test_load();
    test_load_errors();
    test_geometry();
    test_masks();
    test_save();
    return check_report("test_image");
}
