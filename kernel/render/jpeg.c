/*
 * jpeg.c: JPEG decode/encode over libjpeg(-turbo) (see jpeg.h).
 *
 * libjpeg's error manager must not return from error_exit, so each libjpeg
 * call sequence runs inside one small function (decode_run, encode_run)
 * behind a setjmp, with all its state in a JpegCtx: no local variable is
 * live across the longjmp.  jerror.h's JWRN_JPEG_EOF ("premature end of
 * data") is the one warning made fatal; the others (extraneous bytes and
 * the like) are common in camera files that every viewer shows.
 */
#include "jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* Photographs larger than this are surely a mistake for this course. */
#define JPEG_MAX_PIXELS ((size_t)100 << 20)

typedef struct JpegCtx {
    struct jpeg_error_mgr pub;  /* first: libjpeg casts err back to this */
    jmp_buf jump;
    RImage *im;                 /* decode: the image being filled, owned */
    unsigned char *buf;         /* encode: jpeg_mem_dest's buffer, owned */
    unsigned long buf_len;
    int oom;
    char msg[JMSG_LENGTH_MAX];
} JpegCtx;

static void on_error_exit(j_common_ptr cinfo)
{
    JpegCtx *ctx = (JpegCtx *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, ctx->msg);
    longjmp(ctx->jump, 1);
}

/* Level -1 is a warning: only a truncated file is fatal (see above);
 * trace messages (level >= 0) are dropped instead of printed. */
static void on_message(j_common_ptr cinfo, int level)
{
    JpegCtx *ctx = (JpegCtx *)cinfo->err;
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        snprintf(ctx->msg, sizeof ctx->msg,
                 "truncated: the data ends before the picture does");
        longjmp(ctx->jump, 1);
    }
}

static void ctx_init(JpegCtx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    jpeg_std_error(&ctx->pub);
    ctx->pub.error_exit = on_error_exit;
    ctx->pub.emit_message = on_message;
}

int jpeg_sniff(const uint8_t *data, size_t len)
{
    return len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

/* ---- decoding --------------------------------------------------------- */

/* Returns 0 on success (ctx->im filled), -1 with ctx->msg on failure. */
static int decode_run(struct jpeg_decompress_struct *d, JpegCtx *ctx,
                      const uint8_t *data, size_t len)
{
    if (setjmp(ctx->jump))
        return -1;
    jpeg_create_decompress(d);
    jpeg_mem_src(d, data, (unsigned long)len);
    jpeg_read_header(d, TRUE);
    if (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK) {
        snprintf(ctx->msg, sizeof ctx->msg, "CMYK JPEGs are not supported");
        return -1;
    }
    d->out_color_space = d->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(d);
    size_t pixels = (size_t)d->output_width * d->output_height;
    if (d->output_width > IMAGE_MAX_DIM || d->output_height > IMAGE_MAX_DIM ||
        pixels > JPEG_MAX_PIXELS) {
        snprintf(ctx->msg, sizeof ctx->msg, "%ux%u pixels is too large",
                 d->output_width, d->output_height);
        return -1;
    }
    DkErr e = {0};
    ctx->im = image_new((int)d->output_width, (int)d->output_height,
                        d->output_components, &e);
    if (!ctx->im) {
        ctx->oom = e.code == DK_ERR_OOM;
        snprintf(ctx->msg, sizeof ctx->msg, "%s", e.msg ? e.msg : "no memory");
        dk_err_clear(&e);
        return -1;
    }
    size_t stride = (size_t)ctx->im->w * (size_t)ctx->im->c;
    while (d->output_scanline < d->output_height) {
        JSAMPROW row = ctx->im->px + (size_t)d->output_scanline * stride;
        jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
    return 0;
}

dk_status jpeg_decode(const uint8_t *data, size_t len, const char *name,
                      RImage **image, DkErr *err)
{
    *image = NULL;
    const char *what = name ? name : "the data";
    if (!jpeg_sniff(data, len)) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a JPEG file", what);
        return DK_ERR_FORMAT;
    }
    JpegCtx ctx;
    ctx_init(&ctx);
    struct jpeg_decompress_struct d;
    memset(&d, 0, sizeof d);
    d.err = &ctx.pub;
    int rc = decode_run(&d, &ctx, data, len);
    jpeg_destroy_decompress(&d);
    if (rc != 0) {
        image_free(ctx.im);
        if (ctx.oom)
            return dk_err_set(err, DK_ERR_OOM, "out of memory decoding %s",
                              what);
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a readable JPEG: %s", what,
                   ctx.msg);
        dk_err_hint(err, "open it in an image viewer; re-save or re-download "
                    "it if it looks cut off");
        return DK_ERR_FORMAT;
    }
    *image = ctx.im;
    return DK_OK;
}

/* ---- encoding --------------------------------------------------------- */

static int encode_run(struct jpeg_compress_struct *c, JpegCtx *ctx,
                      const RImage *im, int quality, uint8_t *rgb)
{
    if (setjmp(ctx->jump))
        return -1;
    jpeg_create_compress(c);
    jpeg_mem_dest(c, &ctx->buf, &ctx->buf_len);
    c->image_width = (JDIMENSION)im->w;
    c->image_height = (JDIMENSION)im->h;
    c->input_components = im->c == 1 ? 1 : 3;
    c->in_color_space = im->c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(c);
    jpeg_set_quality(c, quality, TRUE);
    jpeg_start_compress(c, TRUE);
    const uint8_t *src = rgb ? rgb : im->px;
    size_t stride = (size_t)im->w * (size_t)c->input_components;
    while (c->next_scanline < c->image_height) {
        JSAMPROW row = (JSAMPROW)(src + (size_t)c->next_scanline * stride);
        jpeg_write_scanlines(c, &row, 1);
    }
    jpeg_finish_compress(c);
    return 0;
}

dk_status jpeg_encode(const RImage *im, int quality, uint8_t **out,
                      size_t *out_len, DkErr *err)
{
    *out = NULL;
    *out_len = 0;
    if (image_check(im, "image", err) != DK_OK)
        return DK_ERR_ARG;
    if (quality < 1 || quality > 100)
        return dk_err_set(err, DK_ERR_ARG, "JPEG quality %d is not in 1..100",
                          quality);
    /* JPEG has no alpha: drop it (as PIL's convert("RGB") does). */
    uint8_t *rgb = NULL;
    if (im->c == 4) {
        size_t n = (size_t)im->w * (size_t)im->h;
        rgb = malloc(n * 3);
        if (!rgb)
            return dk_err_oom(err);
        for (size_t i = 0; i < n; i++)
            memcpy(rgb + i * 3, im->px + i * 4, 3);
    }
    JpegCtx ctx;
    ctx_init(&ctx);
    struct jpeg_compress_struct c;
    memset(&c, 0, sizeof c);
    c.err = &ctx.pub;
    int rc = encode_run(&c, &ctx, im, quality, rgb);
    jpeg_destroy_compress(&c);
    free(rgb);
    if (rc != 0) {
        free(ctx.buf);
        return dk_err_set(err, DK_ERR_FORMAT, "JPEG encoding failed: %s",
                          ctx.msg);
    }
    /* jpeg_mem_dest's buffer is malloc'd by libjpeg-turbo: ours to free. */
    *out = ctx.buf;
    *out_len = ctx.buf_len;
    return DK_OK;
}
