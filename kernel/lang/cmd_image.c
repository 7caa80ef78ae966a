/*
 * cmd_image.c: the `image` value type and the commands that make, change,
 * save and show images: load, save, flip, resize, crop, mask, show and
 * progression (see registry.h for the calling convention, cmd_image.h for
 * the type).  Each handler checks its arguments and calls one function of
 * diffusion/image.c or render/.
 */
#include "cmd_image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../render/grid.h"
#include "../render/mime.h"
#include "../render/progression.h"
#include "../util/array.h"
#include "strbuf.h"
#include "suggest.h"

#define HTML_MIN_WIDTH 256 /* small images are shown upscaled to this */

/* ---- the image type ---------------------------------------------------- */

static void image_free_data(void *data)
{
    dimage_free(data);
}

static char *image_describe(const void *data)
{
    const DImage *im = data;
    char buf[96];
    const char *kind = im->mask ? "mask" : "image";
    if (im->n == 1)
        snprintf(buf, sizeof buf, "%s %dx%d %s", kind, im->w, im->h,
                 im->mask ? "(0..1)" : dimage_mode(im));
    else
        snprintf(buf, sizeof buf, "%d %ss %dx%d %s", im->n, kind, im->w,
                 im->h, im->mask ? "(0..1)" : dimage_mode(im));
    return strdup(buf);
}

/* One picture: its exact pixels as image/png, and an <img> upscaled with
 * crisp pixels so a 64x64 image is not a speck. */
static json_t *single_bundle(const DImage *im, DkErr *err)
{
    RImage *ri = dimage_to_rimage(im, 0, err);
    if (!ri)
        return NULL;
    json_t *data = mime_object();
    char *uri = data ? mime_png_data_uri(ri, err) : NULL;
    int ok = uri && mime_add_png(data, NULL, ri, 0, 0, err) == DK_OK;
    if (ok) {
        int scale = ri->w >= HTML_MIN_WIDTH ? 1
                  : (HTML_MIN_WIDTH + ri->w - 1) / ri->w;
        StrBuf b;
        strbuf_init(&b);
        strbuf_printf(&b, "<img src=\"%s\" width=\"%d\" height=\"%d\" "
                      "style=\"image-rendering: pixelated\" alt=\"image "
                      "%dx%d\"/>", uri, ri->w * scale, ri->h * scale, ri->w,
                      ri->h);
        ok = !b.oom && mime_add_text(data, "text/html", strbuf_cstr(&b),
                                     err) == DK_OK;
        strbuf_free(&b);
    }
    free(uri);
    image_free(ri);
    if (!ok) {
        json_decref(data);
        return NULL;
    }
    return data;
}

static json_t *batch_bundle(const DImage *im, DkErr *err)
{
    RImage **items = calloc((size_t)im->n, sizeof *items);
    if (!items)
        return NULL;
    json_t *data = NULL, *meta = NULL;
    int ok = 1;
    for (int i = 0; i < im->n && ok; i++)
        ok = (items[i] = dimage_to_rimage(im, i, err)) != NULL;
    if (ok) {
        GridOptions o = grid_options_default();
        grid_bundle((const RImage *const *)items, im->n, NULL, &o, &data,
                    &meta, err);
    }
    for (int i = 0; i < im->n; i++)
        image_free(items[i]);
    free(items);
    json_decref(meta);
    return data;
}

static json_t *image_bundle(const void *data)
{
    const DImage *im = data;
    DkErr err = {0};
    json_t *b = im->n == 1 ? single_bundle(im, &err) : batch_bundle(im, &err);
    dk_err_clear(&err);  /* the text/plain summary still shows */
    return b;
}

static dk_status stat_field(const DImage *im, int std, Value **out,
                            DkErr *err)
{
    ts_tensor *r = NULL;
    double v = 0;
    ts_status st = std ? im->api->tensor_std(&r, im->t, NULL, 0, 0)
                       : im->api->tensor_mean(&r, im->t, NULL, 0, 0);
    if (st == TS_OK)
        st = im->api->tensor_item(r, &v);
    im->api->tensor_free(r);
    if (st != TS_OK)
        return backend_error(im->api, st, err);
    *out = value_number(v);
    return *out ? DK_OK : dk_err_oom(err);
}

static dk_status image_field(const void *data, const char *name, Value **out,
                             DkErr *err)
{
    const DImage *im = data;
    int num = -1;
    if (strcmp(name, "width") == 0)
        num = im->w;
    else if (strcmp(name, "height") == 0)
        num = im->h;
    else if (strcmp(name, "channels") == 0)
        num = im->c;
    else if (strcmp(name, "count") == 0)
        num = im->n;
    if (num >= 0) {
        *out = value_number(num);
        return *out ? DK_OK : dk_err_oom(err);
    }
    if (strcmp(name, "mean") == 0 || strcmp(name, "std") == 0)
        return stat_field(im, name[0] == 's', out, err);
    char text[32];
    if (strcmp(name, "mode") == 0) {
        snprintf(text, sizeof text, "%s", dimage_mode(im));
    } else if (strcmp(name, "device") == 0) {
        int dev = TS_CPU;
        ts_status st = im->api->tensor_device(im->t, &dev);
        if (st != TS_OK)
            return backend_error(im->api, st, err);
        if (dev == TS_CPU)
            snprintf(text, sizeof text, "cpu");
        else
            snprintf(text, sizeof text, "cuda:%d", dev);
    } else {
        dk_err_set(err, DK_ERR_NAME, "an image has no field '%s'", name);
        dk_err_hint(err, "fields: width, height, channels, count, mode, "
                    "device, mean, std");
        return DK_ERR_NAME;
    }
    *out = value_string(text, strlen(text));
    return *out ? DK_OK : dk_err_oom(err);
}

static long image_count(const void *data)
{
    return ((const DImage *)data)->n;
}

/* `samples[i]`: one image of a batch, so each can be shown or saved. */
static dk_status image_item(const void *data, long i, Value **out, DkErr *err)
{
    DImage *one = NULL;
    dk_status st = dimage_item(data, (int)i, &one, err);
    if (st)
        return st;
    *out = image_value(one);
    if (!*out) {
        dimage_free(one);
        return dk_err_oom(err);
    }
    return DK_OK;
}

const ObjType image_objtype = {
    "image", image_free_data, image_describe, image_bundle, image_field,
    image_count, image_item,
};

Value *image_value(DImage *im)
{
    return value_object(&image_objtype, im);
}

const DImage *image_of(const Value *v)
{
    if (v->kind != VAL_OBJECT || v->as.obj.type != &image_objtype)
        return NULL;
    return v->as.obj.data;
}

/* ---- images_arg (registry.h) ------------------------------------------- */

/* Append v's images to out (grown as needed); depth 0 is the argument. */
static dk_status collect(CallCtx *cx, int arg, const Value *v, int depth,
                         const DImage ***out, size_t *n, size_t *cap)
{
    const DImage *im = image_of(v);
    if (im) {
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 8;
            const DImage **g = realloc(*out, c * sizeof *g);
            if (!g)
                return cx_oom(cx);
            *out = g;
            *cap = c;
        }
        (*out)[(*n)++] = im;
        return DK_OK;
    }
    if (v->kind == VAL_LIST && depth < 2) {
        for (size_t i = 0; i < v->as.list.len; i++) {
            dk_status rc = collect(cx, arg, v->as.list.items[i], depth + 1,
                                   out, n, cap);
            if (rc != DK_OK)
                return rc;
        }
        return DK_OK;
    }
    const char *name = cx->cmd->args[arg].name;
    cx_error(cx, arg, DK_ERR_TYPE, "%s must hold images, not a %s", name,
             value_type_name(v));
    dk_err_hint(cx->err, "make images with load, forward or blur");
    return DK_ERR_TYPE;
}

dk_status images_arg(CallCtx *cx, int arg, const Value *v,
                     const DImage ***out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    dk_status rc = collect(cx, arg, v, 0, out, n, &cap);
    if (rc == DK_OK && *n == 0)
        rc = cx_error(cx, arg, DK_ERR_ARG, "%s holds no images",
                      cx->cmd->args[arg].name);
    if (rc != DK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Wrap a new DImage as the command's result. */
static dk_status image_out(CallCtx *cx, dk_status rc, DImage *im, Value **out)
{
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    *out = image_value(im);
    return *out ? DK_OK : cx_oom(cx);
}

/* ---- load and save ------------------------------------------------------------ */

enum { LOAD_PATH, LOAD_SIZE };
static const ArgSpec load_args[] = {
    [LOAD_PATH] = {
        .name = "path",
        .types = VT_STRING,
        .doc = "a PNG or JPEG file, relative to the notebook's folder",
    },
    [LOAD_SIZE] = {
        .name = "size",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "64",
        .doc = "resize the shorter side to this, then centre-crop a size x "
               "size square; none keeps the picture as it is",
    },
};

static dk_status cmd_load(CallCtx *cx, Value **args, Value **out)
{
    long size = 0;
    if (args[LOAD_SIZE]->kind != VAL_NONE) {
        dk_status rc = int_arg(cx, LOAD_SIZE, args[LOAD_SIZE], 1,
                               DIMAGE_MAX_SIZE, &size);
        if (rc != DK_OK) {
            dk_err_hint(cx->err, "size=64 for the course's 64x64 images, "
                        "size=none to keep the picture's own size");
            return rc;
        }
    }
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    DImage *im = NULL;
    rc = dimage_load(api, args[LOAD_PATH]->as.str.bytes, (int)size, &im,
                     cx->err);
    char near[4096];
    if (rc == DK_ERR_IO && suggest_file(args[LOAD_PATH]->as.str.bytes, near,
                                        sizeof near))
        dk_err_hint(cx->err, "did you mean \"%s\"?", near);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->arg_spans[LOAD_PATH]);
        return rc;
    }
    return image_out(cx, rc, im, out);
}

enum { SAVE_IMAGE, SAVE_PATH };
static const ArgSpec save_args[] = {
    [SAVE_IMAGE] = {
        .name = "image",
        .types = VT_OBJECT,
        .doc = "the image to write",
        .objtype = "image",
    },
    [SAVE_PATH] = {
        .name = "path",
        .types = VT_STRING,
        .doc = "the file: .jpg/.jpeg writes JPEG (quality 90), anything else "
               "PNG",
    },
};

static dk_status cmd_save(CallCtx *cx, Value **args, Value **out)
{
    const char *path = args[SAVE_PATH]->as.str.bytes;
    if (!*path)
        return cx_error(cx, SAVE_PATH, DK_ERR_ARG, "the file name is empty");
    dk_status rc = dimage_save(image_of(args[SAVE_IMAGE]), path, cx->err);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->arg_spans[SAVE_PATH]);
    return rc;
}

/* ---- geometry ------------------------------------------------------------------ */

enum { FLIP_IMAGE, FLIP_VERTICAL };
static const ArgSpec flip_args[] = {
    [FLIP_IMAGE] = {
        .name = "image",
        .types = VT_OBJECT,
        .doc = "the image to mirror",
        .objtype = "image",
    },
    [FLIP_VERTICAL] = {
        .name = "vertical",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "true: upside down instead of left-right",
    },
};

static dk_status cmd_flip(CallCtx *cx, Value **args, Value **out)
{
    DImage *im = NULL;
    dk_status rc = dimage_flip(image_of(args[FLIP_IMAGE]),
                               value_truthy(args[FLIP_VERTICAL]), &im,
                               cx->err);
    return image_out(cx, rc, im, out);
}

enum { RESIZE_IMAGE, RESIZE_SIZE };
static const ArgSpec resize_args[] = {
    [RESIZE_IMAGE] = {
        .name = "image",
        .types = VT_OBJECT,
        .doc = "the image to resize",
        .objtype = "image",
    },
    [RESIZE_SIZE] = {
        .name = "size",
        .types = VT_NUMBER | VT_LIST,
        .doc = "the shorter side's new length (aspect kept), or [height, "
               "width]",
    },
};

static dk_status cmd_resize(CallCtx *cx, Value **args, Value **out)
{
    const DImage *src = image_of(args[RESIZE_IMAGE]);
    const Value *s = args[RESIZE_SIZE];
    long h = 0, w = 0;
    DImage *im = NULL;
    dk_status rc;
    if (s->kind == VAL_NUMBER) {
        rc = int_arg(cx, RESIZE_SIZE, s, 1, DIMAGE_MAX_SIZE, &h);
        if (rc != DK_OK)
            return rc;
        rc = dimage_resize_short(src, (int)h, &im, cx->err);
        return image_out(cx, rc, im, out);
    }
    if (s->as.list.len != 2) {
        cx_error(cx, RESIZE_SIZE, DK_ERR_ARG, "size must be a number (the "
                 "shorter side) or [height, width], not a list of %zu",
                 s->as.list.len);
        return DK_ERR_ARG;
    }
    rc = int_arg(cx, RESIZE_SIZE, s->as.list.items[0], 1, DIMAGE_MAX_SIZE,
                 &h);
    if (rc == DK_OK)
        rc = int_arg(cx, RESIZE_SIZE, s->as.list.items[1], 1, DIMAGE_MAX_SIZE,
                     &w);
    if (rc != DK_OK)
        return rc;
    rc = dimage_resize(src, (int)h, (int)w, &im, cx->err);
    return image_out(cx, rc, im, out);
}

enum { CROP_IMAGE, CROP_SIZE, CROP_X, CROP_Y, CROP_W, CROP_H };
static const ArgSpec crop_args[] = {
    [CROP_IMAGE] = {
        .name = "image",
        .types = VT_OBJECT,
        .doc = "the image to cut from",
        .objtype = "image",
    },
    [CROP_SIZE] = {
        .name = "size",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "a centred size x size square",
    },
    [CROP_X] = {
        .name = "x",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "0",
        .doc = "left edge of the box, in pixels",
    },
    [CROP_Y] = {
        .name = "y",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "0",
        .doc = "top edge of the box, in pixels",
    },
    [CROP_W] = {
        .name = "w",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "width of the box",
    },
    [CROP_H] = {
        .name = "h",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "height of the box",
    },
};

static dk_status cmd_crop(CallCtx *cx, Value **args, Value **out)
{
    const DImage *src = image_of(args[CROP_IMAGE]);
    long v[CROP_H + 1] = {0};  /* by argument: size, x, y, w, h */
    for (int i = CROP_SIZE; i <= CROP_H; i++) {
        if (args[i]->kind == VAL_NONE)
            continue;
        dk_status rc = int_arg(cx, i, args[i], 0, IMAGE_MAX_DIM, &v[i]);
        if (rc != DK_OK)
            return rc;
    }
    DImage *im = NULL;
    dk_status rc;
    if (args[CROP_SIZE]->kind != VAL_NONE) {
        rc = dimage_center_crop(src, (int)v[CROP_SIZE], (int)v[CROP_SIZE], &im,
                                cx->err);
        return image_out(cx, rc, im, out);
    }
    if (args[CROP_W]->kind == VAL_NONE || args[CROP_H]->kind == VAL_NONE) {
        cx_error(cx, -1, DK_ERR_ARG, "crop needs a size (a centred square) "
                 "or a box w=.. h=.. (with x=.. y=.., default 0)");
        return DK_ERR_ARG;
    }
    rc = dimage_crop(src, (int)v[CROP_X], (int)v[CROP_Y], (int)v[CROP_W],
                     (int)v[CROP_H], &im, cx->err);
    return image_out(cx, rc, im, out);
}

/* ---- masks ---------------------------------------------------------------------- */

enum {
    MASK_LIKE, MASK_SHAPE, MASK_X, MASK_Y, MASK_W, MASK_H, MASK_R,
    MASK_THRESHOLD, MASK_INVERT,
};
static const ArgSpec mask_args[] = {
    [MASK_LIKE] = {
        .name = "like",
        .types = VT_OBJECT,
        .doc = "the image whose size the mask takes (and whose brightness, "
               "for \"luminance\")",
        .objtype = "image",
    },
    [MASK_SHAPE] = {
        .name = "shape",
        .types = VT_STRING,
        .default_src = "\"rect\"",
        .doc = "\"rect\", \"circle\" or \"luminance\"",
    },
    [MASK_X] = {
        .name = "x",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "rect: left edge; circle: centre, in pixels",
    },
    [MASK_Y] = {
        .name = "y",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "rect: top edge; circle: centre, in pixels",
    },
    [MASK_W] = {
        .name = "w",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "rect: width in pixels",
    },
    [MASK_H] = {
        .name = "h",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "rect: height in pixels",
    },
    [MASK_R] = {
        .name = "r",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "circle: radius in pixels",
    },
    [MASK_THRESHOLD] = {
        .name = "threshold",
        .types = VT_NUMBER,
        .default_src = "0.5",
        .doc = "luminance: 1 where brightness (0..1) is above this",
    },
    [MASK_INVERT] = {
        .name = "invert",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "swap the inside (1) and the outside (0)",
    },
};

static dk_status cmd_mask(CallCtx *cx, Value **args, Value **out)
{
    const DImage *like = image_of(args[MASK_LIKE]);
    const char *shape = args[MASK_SHAPE]->as.str.bytes;
    DMaskSpec spec = {0};
    spec.threshold = args[MASK_THRESHOLD]->as.number;
    spec.invert = value_truthy(args[MASK_INVERT]);
    int need[MASK_R + 1] = {0};  /* by argument: x, y, w, h, r */
    if (strcmp(shape, "rect") == 0) {
        spec.shape = DMASK_RECT;
        need[MASK_X] = need[MASK_Y] = need[MASK_W] = need[MASK_H] = 1;
    } else if (strcmp(shape, "circle") == 0) {
        spec.shape = DMASK_CIRCLE;
        need[MASK_X] = need[MASK_Y] = need[MASK_R] = 1;
    } else if (strcmp(shape, "luminance") == 0) {
        spec.shape = DMASK_LUMINANCE;
    } else {
        cx_error(cx, MASK_SHAPE, DK_ERR_ARG, "unknown mask shape \"%s\"",
                 shape);
        dk_err_hint(cx->err, "shape=\"rect\" (x y w h), \"circle\" (x y r) "
                    "or \"luminance\" (threshold)");
        return DK_ERR_ARG;
    }
    double *dst[MASK_R + 1] = {
        [MASK_X] = &spec.x, [MASK_Y] = &spec.y, [MASK_W] = &spec.w,
        [MASK_H] = &spec.h, [MASK_R] = &spec.r,
    };
    for (int i = MASK_X; i <= MASK_R; i++) {
        const Value *v = args[i];
        if (!need[i])
            continue;
        if (v->kind != VAL_NUMBER) {
            cx_error(cx, i, DK_ERR_ARG, "shape \"%s\" needs %s=..", shape,
                     cx->cmd->args[i].name);
            return DK_ERR_ARG;
        }
        *dst[i] = v->as.number;
    }
    if (!(spec.threshold >= 0 && spec.threshold <= 1))
        return cx_error(cx, MASK_THRESHOLD, DK_ERR_ARG, "threshold=%g is not "
                        "in 0..1", spec.threshold);
    DImage *m = NULL;
    dk_status rc = dimage_mask(like, &spec, &m, cx->err);
    return image_out(cx, rc, m, out);
}

/* ---- showing -------------------------------------------------------------------- */

/* Captions as C strings: a list of strings (or numbers) of the images'
 * count, or none.  *caps is malloc'd; its items are borrowed or point
 * into numbuf. */
static dk_status captions_arg(CallCtx *cx, int arg, const Value *v, size_t n,
                              const char ***caps, char (*numbuf)[32])
{
    *caps = NULL;
    if (v->kind == VAL_NONE)
        return DK_OK;
    if (v->as.list.len != n) {
        cx_error(cx, arg, DK_ERR_ARG, "%zu captions for %zu images",
                 v->as.list.len, n);
        dk_err_hint(cx->err, "give one caption per image, or none");
        return DK_ERR_ARG;
    }
    const char **c = calloc(n, sizeof *c);
    if (!c)
        return cx_oom(cx);
    for (size_t i = 0; i < n; i++) {
        const Value *item = v->as.list.items[i];
        if (item->kind == VAL_STRING) {
            c[i] = item->as.str.bytes;
        } else if (item->kind == VAL_NUMBER) {
            value_format_number(item->as.number, numbuf[i], 32);
            c[i] = numbuf[i];
        } else if (item->kind != VAL_NONE) {
            free(c);
            return cx_error(cx, arg, DK_ERR_TYPE, "caption %zu is a %s; "
                            "captions are strings", i, value_type_name(item));
        }
    }
    *caps = c;
    return DK_OK;
}

/* Every item of every image, as 8-bit pictures (frames[0..total)). */
static dk_status pictures(CallCtx *cx, const DImage **ims, size_t n,
                          RImage ***frames, size_t *total)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += (size_t)ims[i]->n;
    *total = 0;
    *frames = calloc(count, sizeof **frames);
    if (!*frames)
        return cx_oom(cx);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < ims[i]->n; k++) {
            RImage *ri = dimage_to_rimage(ims[i], k, cx->err);
            if (!ri) {
                dk_err_at(cx->err, cx->span);
                return cx->err->code;
            }
            (*frames)[(*total)++] = ri;
        }
    }
    return DK_OK;
}

static void free_pictures(RImage **frames, size_t n)
{
    for (size_t i = 0; frames && i < n; i++)
        image_free(frames[i]);
    free(frames);
}

enum { SHOW_TITLE, SHOW_CAPTIONS, SHOW_COLUMNS, SHOW_IMAGES };
static const ArgSpec show_args[] = {
    [SHOW_TITLE] = {
        .name = "title",
        .types = VT_STRING,
        .default_src = "\"\"",
        .doc = "a title above the grid",
    },
    [SHOW_CAPTIONS] = {
        .name = "captions",
        .types = VT_LIST | VT_NONE,
        .default_src = "none",
        .doc = "one caption per image",
    },
    [SHOW_COLUMNS] = {
        .name = "columns",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "images per row (default: up to 10)",
    },
    [SHOW_IMAGES] = {
        .name = "images",
        .types = VT_OBJECT | VT_LIST,
        .doc = "images, or lists of images",
    },
};

static dk_status cmd_show(CallCtx *cx, Value **args, Value **out)
{
    const DImage **ims = NULL;
    size_t n = 0, total = 0;
    RImage **frames = NULL;
    const char **caps = NULL;
    char (*numbuf)[32] = NULL;
    json_t *data = NULL, *meta = NULL;
    long columns = 0;
    dk_status rc = images_arg(cx, SHOW_IMAGES, args[SHOW_IMAGES], &ims, &n);
    if (rc == DK_OK && args[SHOW_COLUMNS]->kind != VAL_NONE)
        rc = int_arg(cx, SHOW_COLUMNS, args[SHOW_COLUMNS], 1, 100, &columns);
    if (rc == DK_OK)
        rc = pictures(cx, ims, n, &frames, &total);
    if (rc == DK_OK && total > GRID_MAX_IMAGES)
        rc = cx_error(cx, SHOW_IMAGES, DK_ERR_ARG, "%zu images is more than "
                      "a grid shows (%d)", total, GRID_MAX_IMAGES);
    if (rc == DK_OK && !(numbuf = calloc(total, sizeof *numbuf)))
        rc = cx_oom(cx);
    if (rc == DK_OK)
        rc = captions_arg(cx, SHOW_CAPTIONS, args[SHOW_CAPTIONS], total,
                          &caps, numbuf);
    if (rc == DK_OK) {
        GridOptions o = grid_options_default();
        o.title = args[SHOW_TITLE]->as.str.bytes;
        o.columns = (int)columns;
        rc = grid_bundle((const RImage *const *)frames, (int)total, caps, &o,
                         &data, &meta, cx->err);
        if (rc != DK_OK)
            dk_err_at(cx->err, cx->span);
    }
    if (rc == DK_OK)
        cx_display(cx, data, meta);
    free(caps);
    free(numbuf);
    free_pictures(frames, total);
    free(ims);
    return rc;
}

enum { PROGRESSION_FRAMES, PROGRESSION_TIMESTEPS, PROGRESSION_TITLE };
static const ArgSpec progression_args[] = {
    [PROGRESSION_FRAMES] = {
        .name = "frames",
        .types = VT_OBJECT | VT_LIST,
        .doc = "the images of a run, in order",
    },
    [PROGRESSION_TIMESTEPS] = {
        .name = "timesteps",
        .types = VT_LIST,
        .doc = "the timestep of each frame",
    },
    [PROGRESSION_TITLE] = {
        .name = "title",
        .types = VT_STRING,
        .default_src = "\"\"",
        .doc = "a title",
    },
};

static dk_status cmd_progression(CallCtx *cx, Value **args, Value **out)
{
    const DImage **ims = NULL;
    size_t n = 0, total = 0;
    RImage **frames = NULL;
    int *ts = NULL;
    json_t *data = NULL, *meta = NULL;
    const Value *tv = args[PROGRESSION_TIMESTEPS];
    dk_status rc = images_arg(cx, PROGRESSION_FRAMES,
                              args[PROGRESSION_FRAMES], &ims, &n);
    if (rc == DK_OK)
        rc = pictures(cx, ims, n, &frames, &total);
    if (rc == DK_OK && tv->as.list.len != total) {
        cx_error(cx, PROGRESSION_TIMESTEPS, DK_ERR_ARG, "%zu timesteps for "
                 "%zu frames", tv->as.list.len, total);
        dk_err_hint(cx->err, "give one timestep per frame, in order");
        rc = DK_ERR_ARG;
    }
    if (rc == DK_OK && !(ts = calloc(total, sizeof *ts)))
        rc = cx_oom(cx);
    for (size_t i = 0; rc == DK_OK && i < total; i++) {
        long t = 0;
        rc = int_arg(cx, PROGRESSION_TIMESTEPS, tv->as.list.items[i], 0,
                     100000, &t);
        ts[i] = (int)t;
    }
    if (rc == DK_OK) {
        rc = progression_bundle((const RImage *const *)frames, ts, (int)total,
                                args[PROGRESSION_TITLE]->as.str.bytes, 0,
                                &data, &meta, cx->err);
        if (rc != DK_OK)
            dk_err_at(cx->err, cx->span);
    }
    if (rc == DK_OK)
        cx_display(cx, data, meta);
    free(ts);
    free_pictures(frames, total);
    free(ims);
    return rc;
}

/* ---- the table -------------------------------------------------------------------- */

static const Command commands[] = {
    {
        .name = "load",
        .group = "Images",
        .summary = "Read a PNG or JPEG photo as an image in [-1, 1].",
        .help = "Reads the file, converts it to RGB and maps its pixels from "
                "[0, 1] to [-1, 1] (2x - 1), the range DeepFloyd's UNet "
                "works in. As in the course's notebook, the shorter side is "
                "then resized to `size` and the centre size x size square is "
                "cut out (torchvision Resize + CenterCrop). The resize is "
                "**bicubic with antialiasing** (PIL's filter), clamped to "
                "[-1, 1] like PIL's 8-bit output. The image lives on the "
                "chosen device (see `device`).",
        .example = "img = load \"notebooks/data/rocket.jpg\" size=64\n"
                   "img",
        .args = load_args,
        .nargs = ARRAY_LEN(load_args),
        .fn = cmd_load,
    },
    {
        .name = "save",
        .group = "Images",
        .summary = "Write an image to a PNG or JPEG file.",
        .help = "Shows pixels as the notebook does (x/2 + 0.5, clipped) and "
                "writes them. The file is written under a temporary name and "
                "renamed, so it is never left half-written. A batch is saved "
                "as one row of images.",
        .example = "img = load \"notebooks/data/chelsea.png\"\n"
                   "save img \"/tmp/cat64.png\"",
        .args = save_args,
        .nargs = ARRAY_LEN(save_args),
        .fn = cmd_save,
    },
    {
        .name = "flip",
        .group = "Images",
        .summary = "Mirror an image left-right, or upside down.",
        .help = "Left-right by default; `vertical=true` turns it upside down "
                "(the flip of the visual anagrams, section 1.8).",
        .example = "img = load \"notebooks/data/rocket.jpg\"\n"
                   "show img (flip img) (flip img vertical=true)",
        .args = flip_args,
        .nargs = ARRAY_LEN(flip_args),
        .fn = cmd_flip,
    },
    {
        .name = "resize",
        .group = "Images",
        .summary = "Resize an image (bicubic, antialiased).",
        .help = "With a number the shorter side gets that length and the "
                "aspect ratio is kept (torchvision's Resize); with [height, "
                "width] the image gets exactly that size.",
        .example = "img = load \"notebooks/data/rocket.jpg\" size=none\n"
                   "small = resize img 64\n"
                   "print small.width small.height",
        .args = resize_args,
        .nargs = ARRAY_LEN(resize_args),
        .fn = cmd_resize,
    },
    {
        .name = "crop",
        .group = "Images",
        .summary = "Cut a square or a box out of an image.",
        .help = "`crop img 64` cuts the centred 64 x 64 square "
                "(torchvision's CenterCrop); `crop img x=8 y=0 w=32 h=48` "
                "cuts that box.",
        .example = "img = load \"notebooks/data/rocket.jpg\"\n"
                   "crop img x=16 y=0 w=32 h=32",
        .args = crop_args,
        .nargs = ARRAY_LEN(crop_args),
        .fn = cmd_crop,
    },
    {
        .name = "mask",
        .group = "Images",
        .summary = "Make a mask (1 inside, 0 outside) the size of an image.",
        .help = "A mask is an image of one channel holding 0 or 1: 1 where "
                "inpainting should paint new content, 0 where the original "
                "stays (section 1.7.2). Shapes: `\"rect\"` with `x y w h`, "
                "`\"circle\"` with centre `x y` and radius `r`, "
                "`\"luminance\"` where the image is brighter than "
                "`threshold`. A pixel counts as inside when its centre is.",
        .example = "img = load \"notebooks/data/rocket.jpg\"\n"
                   "m = mask img shape=\"rect\" x=24 y=2 w=18 h=18\n"
                   "show img m",
        .args = mask_args,
        .nargs = ARRAY_LEN(mask_args),
        .fn = cmd_mask,
    },
    {
        .name = "show",
        .group = "Images",
        .summary = "Show images side by side, with a title and captions.",
        .help = "Takes any number of images or lists of images (a batch "
                "counts as its images) and shows them as one grid, small "
                "images upscaled with crisp pixels. The output carries HTML, "
                "a PNG of the whole grid and a text summary.",
        .example = "img = load \"notebooks/data/rocket.jpg\"\n"
                   "show img (flip img) title=\"mirror\" "
                   "captions=[\"original\", \"flipped\"]",
        .args = show_args,
        .nargs = ARRAY_LEN(show_args),
        .variadic = 1,
        .fn = cmd_show,
    },
    {
        .name = "progression",
        .group = "Images",
        .summary = "Show the frames of a denoising run with their timesteps.",
        .help = "Shows a strip of the frames captioned t=..., and, in "
                "JupyterLab with the diffuse extension, a scrubber over "
                "every frame.",
        .example = "img = load \"notebooks/data/rocket.jpg\"\n"
                   "ts = [0, 250, 500, 750]\n"
                   "progression (forward img t=ts) ts title=\"forward "
                   "process\"",
        .args = progression_args,
        .nargs = ARRAY_LEN(progression_args),
        .fn = cmd_progression,
    },
};

const CommandTable cmd_image_table = {commands, ARRAY_LEN(commands)};
