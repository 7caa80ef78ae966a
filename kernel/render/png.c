/*
 * png.c: PNG encode/decode over libpng's full API (see png.h).
 *
 * Why not libpng's simplified png_image API: it treats 16-bit files as
 * linear light and gamma-encodes them when reducing to 8 bits (0x8080
 * reads back as 186, not 128), and it offers no zlib level.  The full API
 * needs setjmp; each libpng call sequence runs inside one small function
 * (decode_run, encode_run) that keeps all its state in a PngCtx, so no
 * local variable is live across the longjmp.
 */
#include "png.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

/* The level behind PNG_LEVEL_DEFAULT; see the timing note in MIME.md. */
#define LEVEL_DEFAULT 4

typedef struct PngCtx {
    const uint8_t *data;  /* decode: the input, borrowed */
    size_t len, pos;
    Buf out;              /* encode: the PNG bytes being built */
    RImage *im;           /* decode: the image being filled, owned */
    png_bytep *rows;      /* decode: row pointers into im, owned */
    int oom;              /* the failure was out of memory */
    char msg[160];        /* libpng's error message */
} PngCtx;

static void on_error(png_structp png, png_const_charp msg)
{
    PngCtx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

/* libpng's default prints warnings to stderr; the notebook should not see
 * "iCCP: known incorrect sRGB profile" for a file that decodes fine. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* ---- decoding --------------------------------------------------------- */

static void read_fn(png_structp png, png_bytep dst, size_t n)
{
    PngCtx *ctx = png_get_io_ptr(png);
    if (n > ctx->len - ctx->pos) {
        snprintf(ctx->msg, sizeof ctx->msg, "truncated: the data ends after "
                 "%zu bytes", ctx->len);
        png_longjmp(png, 1);
    }
    memcpy(dst, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

/* Ask libpng for 8-bit gray, RGB or RGBA whatever the file holds. */
static void set_transforms(png_structp png, png_infop info)
{
    int type = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
        if (type == PNG_COLOR_TYPE_GRAY)
            png_set_gray_to_rgb(png);  /* gray + tRNS becomes RGBA */
    }
    if (depth == 16)
        png_set_scale_16(png);
    if (type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
}

static int decode_run(png_structp png, png_infop info, PngCtx *ctx)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_set_read_fn(png, ctx, read_fn);
    png_set_user_limits(png, IMAGE_MAX_DIM, IMAGE_MAX_DIM);
    png_read_info(png, info);
    set_transforms(png, info);
    png_read_update_info(png, info);
    int w = (int)png_get_image_width(png, info);
    int h = (int)png_get_image_height(png, info);
    int c = png_get_channels(png, info);
    DkErr e = {0};
    ctx->im = image_new(w, h, c, &e);
    ctx->oom = e.code == DK_ERR_OOM;
    if (!ctx->im) {
        snprintf(ctx->msg, sizeof ctx->msg, "%s", e.msg ? e.msg : "?");
        dk_err_clear(&e);
        return -1;
    }
    ctx->rows = malloc(sizeof *ctx->rows * (size_t)h);
    if (!ctx->rows) {
        ctx->oom = 1;
        png_error(png, "out of memory");
    }
    for (int y = 0; y < h; y++)
        ctx->rows[y] = ctx->im->px + (size_t)y * (size_t)w * (size_t)c;
    png_read_image(png, ctx->rows);
    png_read_end(png, NULL);
    return 0;
}

dk_status png_decode(const uint8_t *data, size_t len, const char *name,
                     RImage **image, DkErr *err)
{
    *image = NULL;
    if (!name)
        name = "PNG data";
    if (!data || len == 0)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: empty, not a PNG image",
                          name);
    if (len < 8 || png_sig_cmp(data, 0, 8) != 0) {
        dk_err_set(err, DK_ERR_FORMAT, "%s: not a PNG image (it does not "
                   "start with the PNG signature)", name);
        dk_err_hint(err, "only PNG files can be read here; convert other "
                    "formats to PNG first");
        return DK_ERR_FORMAT;
    }
    PngCtx ctx = {.data = data, .len = len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx,
                                             on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return dk_err_set(err, DK_ERR_OOM, "%s: out of memory", name);
    }
    int rc = decode_run(png, info, &ctx);
    png_destroy_read_struct(&png, &info, NULL);
    free(ctx.rows);
    if (rc != 0) {
        image_free(ctx.im);
        dk_err_set(err, ctx.oom ? DK_ERR_OOM : DK_ERR_FORMAT,
                   "%s: corrupt PNG: %s", name, ctx.msg);
        if (!ctx.oom)
            dk_err_hint(err, "the file may be damaged or incomplete; "
                        "re-create or re-download it");
        return ctx.oom ? DK_ERR_OOM : DK_ERR_FORMAT;
    }
    *image = ctx.im;
    return DK_OK;
}

/* ---- encoding --------------------------------------------------------- */

static void write_fn(png_structp png, png_bytep src, size_t n)
{
    PngCtx *ctx = png_get_io_ptr(png);
    buf_append(&ctx->out, src, n);
    if (ctx->out.oom) {
        ctx->oom = 1;
        png_error(png, "out of memory");
    }
}

static void flush_fn(png_structp png)
{
    (void)png;
}

static int encode_run(png_structp png, png_infop info, const RImage *im,
                      int level, PngCtx *ctx)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, 0,
                                 PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
    png_set_write_fn(png, ctx, write_fn, flush_fn);
    png_set_compression_level(png, level);
    /* Adaptive filtering among the three that pay off on photos and
     * renders; "Avg" rarely wins and costs time. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE,
                   PNG_FILTER_SUB | PNG_FILTER_UP | PNG_FILTER_PAETH);
    png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h, 8,
                 types[im->c], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
                 PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);
    size_t stride = (size_t)im->w * (size_t)im->c;
    for (int y = 0; y < im->h; y++)
        png_write_row(png, im->px + (size_t)y * stride);
    png_write_end(png, info);
    return 0;
}

dk_status png_encode(const RImage *im, int level, uint8_t **out,
                     size_t *out_len, DkErr *err)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (image_check(im, "png_encode", err) != DK_OK)
        return DK_ERR_ARG;
    if (level == PNG_LEVEL_DEFAULT)
        level = LEVEL_DEFAULT;
    if (level < 0 || level > 9)
        return dk_err_set(err, DK_ERR_ARG, "PNG compression level %d is "
                          "not 0..9", level);
    PngCtx ctx = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx,
                                              on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return dk_err_set(err, DK_ERR_OOM, "out of memory encoding a PNG");
    }
    /* Reserve roughly the raw size so the buffer rarely grows. */
    buf_reserve(&ctx.out, (size_t)im->w * (size_t)im->h * (size_t)im->c / 2
                          + 1024);
    int rc = encode_run(png, info, im, level, &ctx);
    png_destroy_write_struct(&png, &info);
    if (rc != 0) {
        buf_free(&ctx.out);
        return dk_err_set(err, ctx.oom ? DK_ERR_OOM : DK_ERR_INTERNAL,
                          "PNG encoding failed: %s", ctx.msg);
    }
    size_t n = 0;
    *out = (uint8_t *)buf_detach(&ctx.out, &n);
    if (!*out)
        return dk_err_set(err, DK_ERR_OOM, "out of memory encoding a PNG");
    if (out_len)
        *out_len = n;
    return DK_OK;
}

/* ---- files ------------------------------------------------------------ */

static dk_status read_all(const char *path, uint8_t **data, size_t *len,
                          DkErr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        dk_err_set(err, DK_ERR_IO, "cannot open %s", path);
        dk_err_hint(err, "check the path and that the file is readable");
        return DK_ERR_IO;
    }
    Buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        buf_free(&b);
        return dk_err_set(err, DK_ERR_IO, "error reading %s", path);
    }
    *data = (uint8_t *)buf_detach(&b, len);
    if (!*data)
        return dk_err_set(err, DK_ERR_OOM, "out of memory reading %s", path);
    return DK_OK;
}

dk_status png_load_file(const char *path, RImage **image, DkErr *err)
{
    *image = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    dk_status rc = read_all(path, &data, &len, err);
    if (rc != DK_OK)
        return rc;
    rc = png_decode(data, len, path, image, err);
    free(data);
    return rc;
}

dk_status png_save_file(const char *path, const RImage *im, DkErr *err)
{
    uint8_t *png = NULL;
    size_t len = 0;
    dk_status rc = png_encode(im, PNG_LEVEL_DEFAULT, &png, &len, err);
    if (rc != DK_OK)
        return rc;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(png);
        dk_err_set(err, DK_ERR_IO, "cannot create %s", path);
        dk_err_hint(err, "check that the folder exists and is writable");
        return DK_ERR_IO;
    }
    int ok = fwrite(png, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    free(png);
    if (!ok)
        return dk_err_set(err, DK_ERR_IO, "error writing %s (disk full?)",
                          path);
    return DK_OK;
}
