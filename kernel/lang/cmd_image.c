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
#include "strbuf.h"

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
    return *out ? DK_OK : dk_err_set(err, DK_ERR_OOM, "out of memory");
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
        return *out ? DK_OK : dk_err_set(err, DK_ERR_OOM, "out of memory");
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
    return *out ? DK_OK : dk_err_set(err, DK_ERR_OOM, "out of memory");
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
        return dk_err_set(err, DK_ERR_OOM, "out of memory");
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

/* ---- shared helpers ------------------------------------------------------- */

dk_status cmd_api(CallCtx *cx, const TsApi **api)
{
    dk_status rc = backend_get(api, cx->err);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->span);
    return rc;
}

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
                return cx_error(cx, arg, DK_ERR_OOM, "out of memory");
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

dk_status int_arg(CallCtx *cx, int arg, const Value *v, long lo, long hi,
                  long *out)
{
    const char *name = cx->cmd->args[arg].name;
    if (v->kind != VAL_NUMBER || v->as.number != floor(v->as.number))
        return cx_error(cx, arg, DK_ERR_ARG, "%s must be a whole number, "
                        "not %s", name, value_type_name(v));
    if (v->as.number < (double)lo || v->as.number > (double)hi)
        return cx_error(cx, arg, DK_ERR_ARG, "%s=%g is not in %ld..%ld", name,
                        v->as.number, lo, hi);
    *out = (long)v->as.number;
    return DK_OK;
}

/* Wrap a new DImage as the command's result. */
static dk_status image_out(CallCtx *cx, dk_status rc, DImage *im, Value **out)
{
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    *out = image_value(im);
    return *out ? DK_OK : cx_error(cx, -1, DK_ERR_OOM, "out of memory");
}

/* ---- load and save ------------------------------------------------------------ */

static dk_status cmd_load(CallCtx *cx, Value **args, Value **out)
{
    long size = 0;
    if (args[1]->kind != VAL_NONE) {
        dk_status rc = int_arg(cx, 1, args[1], 1, DIMAGE_MAX_SIZE, &size);
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
    rc = dimage_load(api, args[0]->as.str.bytes, (int)size, &im, cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->arg_spans[0]);
        return rc;
    }
    return image_out(cx, rc, im, out);
}

static dk_status cmd_save(CallCtx *cx, Value **args, Value **out)
{
    const char *path = args[1]->as.str.bytes;
    if (!*path)
        return cx_error(cx, 1, DK_ERR_ARG, "the file name is empty");
    dk_status rc = dimage_save(image_of(args[0]), path, cx->err);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->arg_spans[1]);
    return rc;
}

/* ---- geometry ------------------------------------------------------------------ */

static dk_status cmd_flip(CallCtx *cx, Value **args, Value **out)
{
    DImage *im = NULL;
    dk_status rc = dimage_flip(image_of(args[0]), value_truthy(args[1]), &im,
                               cx->err);
    return image_out(cx, rc, im, out);
}

static dk_status cmd_resize(CallCtx *cx, Value **args, Value **out)
{
    const DImage *src = image_of(args[0]);
    const Value *s = args[1];
    long h = 0, w = 0;
    DImage *im = NULL;
    dk_status rc;
    if (s->kind == VAL_NUMBER) {
        rc = int_arg(cx, 1, s, 1, DIMAGE_MAX_SIZE, &h);
        if (rc != DK_OK)
            return rc;
        rc = dimage_resize_short(src, (int)h, &im, cx->err);
        return image_out(cx, rc, im, out);
    }
    if (s->as.list.len != 2) {
        cx_error(cx, 1, DK_ERR_ARG, "size must be a number (the shorter side) "
                 "or [height, width], not a list of %zu", s->as.list.len);
        return DK_ERR_ARG;
    }
    rc = int_arg(cx, 1, s->as.list.items[0], 1, DIMAGE_MAX_SIZE, &h);
    if (rc == DK_OK)
        rc = int_arg(cx, 1, s->as.list.items[1], 1, DIMAGE_MAX_SIZE, &w);
    if (rc != DK_OK)
        return rc;
    rc = dimage_resize(src, (int)h, (int)w, &im, cx->err);
    return image_out(cx, rc, im, out);
}

static dk_status cmd_crop(CallCtx *cx, Value **args, Value **out)
{
    const DImage *src = image_of(args[0]);
    long v[5] = {0, 0, 0, 0, 0};  /* size, x, y, w, h */
    for (int i = 1; i <= 5; i++) {
        if (args[i]->kind == VAL_NONE)
            continue;
        dk_status rc = int_arg(cx, i, args[i], 0, IMAGE_MAX_DIM, &v[i - 1]);
        if (rc != DK_OK)
            return rc;
    }
    DImage *im = NULL;
    dk_status rc;
    if (args[1]->kind != VAL_NONE) {
        rc = dimage_center_crop(src, (int)v[0], (int)v[0], &im, cx->err);
        return image_out(cx, rc, im, out);
    }
    if (args[4]->kind == VAL_NONE || args[5]->kind == VAL_NONE) {
        cx_error(cx, -1, DK_ERR_ARG, "crop needs a size (a centred square) "
                 "or a box w=.. h=.. (with x=.. y=.., default 0)");
        return DK_ERR_ARG;
    }
    rc = dimage_crop(src, (int)v[1], (int)v[2], (int)v[3], (int)v[4], &im,
                     cx->err);
    return image_out(cx, rc, im, out);
}

/* ---- masks ---------------------------------------------------------------------- */

static dk_status cmd_mask(CallCtx *cx, Value **args, Value **out)
{
    const DImage *like = image_of(args[0]);
    const char *shape = args[1]->as.str.bytes;
    DMaskSpec spec = {0};
    spec.threshold = args[7]->as.number;
    spec.invert = value_truthy(args[8]);
    int need[5] = {0};  /* x, y, w, h, r */
    if (strcmp(shape, "rect") == 0) {
        spec.shape = DMASK_RECT;
        need[0] = need[1] = need[2] = need[3] = 1;
    } else if (strcmp(shape, "circle") == 0) {
        spec.shape = DMASK_CIRCLE;
        need[0] = need[1] = need[4] = 1;
    } else if (strcmp(shape, "luminance") == 0) {
        spec.shape = DMASK_LUMINANCE;
    } else {
        cx_error(cx, 1, DK_ERR_ARG, "unknown mask shape \"%s\"", shape);
        dk_err_hint(cx->err, "shape=\"rect\" (x y w h), \"circle\" (x y r) "
                    "or \"luminance\" (threshold)");
        return DK_ERR_ARG;
    }
    double *dst[5] = {&spec.x, &spec.y, &spec.w, &spec.h, &spec.r};
    for (int i = 0; i < 5; i++) {
        const Value *v = args[2 + i];
        if (!need[i])
            continue;
        if (v->kind != VAL_NUMBER) {
            cx_error(cx, 2 + i, DK_ERR_ARG, "shape \"%s\" needs %s=..", shape,
                     cx->cmd->args[2 + i].name);
            return DK_ERR_ARG;
        }
        *dst[i] = v->as.number;
    }
    if (!(spec.threshold >= 0 && spec.threshold <= 1))
        return cx_error(cx, 7, DK_ERR_ARG, "threshold=%g is not in 0..1",
                        spec.threshold);
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
        return cx_error(cx, arg, DK_ERR_OOM, "out of memory");
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
        return cx_error(cx, -1, DK_ERR_OOM, "out of memory");
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

static dk_status cmd_show(CallCtx *cx, Value **args, Value **out)
{
    const DImage **ims = NULL;
    size_t n = 0, total = 0;
    RImage **frames = NULL;
    const char **caps = NULL;
    char (*numbuf)[32] = NULL;
    json_t *data = NULL, *meta = NULL;
    long columns = 0;
    dk_status rc = images_arg(cx, 3, args[3], &ims, &n);
    if (rc == DK_OK && args[2]->kind != VAL_NONE)
        rc = int_arg(cx, 2, args[2], 1, 100, &columns);
    if (rc == DK_OK)
        rc = pictures(cx, ims, n, &frames, &total);
    if (rc == DK_OK && total > GRID_MAX_IMAGES)
        rc = cx_error(cx, 3, DK_ERR_ARG, "%zu images is more than a grid "
                      "shows (%d)", total, GRID_MAX_IMAGES);
    if (rc == DK_OK && !(numbuf = calloc(total, sizeof *numbuf)))
        rc = cx_error(cx, -1, DK_ERR_OOM, "out of memory");
    if (rc == DK_OK)
        rc = captions_arg(cx, 1, args[1], total, &caps, numbuf);
    if (rc == DK_OK) {
        GridOptions o = grid_options_default();
        o.title = args[0]->as.str.bytes;
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

static dk_status cmd_progression(CallCtx *cx, Value **args, Value **out)
{
    const DImage **ims = NULL;
    size_t n = 0, total = 0;
    RImage **frames = NULL;
    int *ts = NULL;
    json_t *data = NULL, *meta = NULL;
    const Value *tv = args[1];
    dk_status rc = images_arg(cx, 0, args[0], &ims, &n);
    if (rc == DK_OK)
        rc = pictures(cx, ims, n, &frames, &total);
    if (rc == DK_OK && tv->as.list.len != total) {
        cx_error(cx, 1, DK_ERR_ARG, "%zu timesteps for %zu frames",
                 tv->as.list.len, total);
        dk_err_hint(cx->err, "give one timestep per frame, in order");
        rc = DK_ERR_ARG;
    }
    if (rc == DK_OK && !(ts = calloc(total, sizeof *ts)))
        rc = cx_error(cx, -1, DK_ERR_OOM, "out of memory");
    for (size_t i = 0; rc == DK_OK && i < total; i++) {
        long t = 0;
        rc = int_arg(cx, 1, tv->as.list.items[i], 0, 100000, &t);
        ts[i] = (int)t;
    }
    if (rc == DK_OK) {
        rc = progression_bundle((const RImage *const *)frames, ts, (int)total,
                                args[2]->as.str.bytes, 0, &data, &meta,
                                cx->err);
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

static const ArgSpec load_args[] = {
    {"path", VT_STRING, NULL, "a PNG or JPEG file, relative to the notebook's folder", NULL},
    {"size", VT_NUMBER | VT_NONE, "64", "resize the shorter side to this, then centre-crop a size x size square; none keeps the picture as it is", NULL},
};
static const ArgSpec save_args[] = {
    {"image", VT_OBJECT, NULL, "the image to write", "image"},
    {"path", VT_STRING, NULL, "the file: .jpg/.jpeg writes JPEG (quality 90), anything else PNG", NULL},
};
static const ArgSpec flip_args[] = {
    {"image", VT_OBJECT, NULL, "the image to mirror", "image"},
    {"vertical", VT_BOOL, "false", "true: upside down instead of left-right", NULL},
};
static const ArgSpec resize_args[] = {
    {"image", VT_OBJECT, NULL, "the image to resize", "image"},
    {"size", VT_NUMBER | VT_LIST, NULL, "the shorter side's new length (aspect kept), or [height, width]", NULL},
};
static const ArgSpec crop_args[] = {
    {"image", VT_OBJECT, NULL, "the image to cut from", "image"},
    {"size", VT_NUMBER | VT_NONE, "none", "a centred size x size square", NULL},
    {"x", VT_NUMBER | VT_NONE, "0", "left edge of the box, in pixels", NULL},
    {"y", VT_NUMBER | VT_NONE, "0", "top edge of the box, in pixels", NULL},
    {"w", VT_NUMBER | VT_NONE, "none", "width of the box", NULL},
    {"h", VT_NUMBER | VT_NONE, "none", "height of the box", NULL},
};
static const ArgSpec mask_args[] = {
    {"like", VT_OBJECT, NULL, "the image whose size the mask takes (and whose brightness, for \"luminance\")", "image"},
    {"shape", VT_STRING, "\"rect\"", "\"rect\", \"circle\" or \"luminance\"", NULL},
    {"x", VT_NUMBER | VT_NONE, "none", "rect: left edge; circle: centre, in pixels", NULL},
    {"y", VT_NUMBER | VT_NONE, "none", "rect: top edge; circle: centre, in pixels", NULL},
    {"w", VT_NUMBER | VT_NONE, "none", "rect: width in pixels", NULL},
    {"h", VT_NUMBER | VT_NONE, "none", "rect: height in pixels", NULL},
    {"r", VT_NUMBER | VT_NONE, "none", "circle: radius in pixels", NULL},
    {"threshold", VT_NUMBER, "0.5", "luminance: 1 where brightness (0..1) is above this", NULL},
    {"invert", VT_BOOL, "false", "swap the inside (1) and the outside (0)", NULL},
};
static const ArgSpec show_args[] = {
    {"title", VT_STRING, "\"\"", "a title above the grid", NULL},
    {"captions", VT_LIST | VT_NONE, "none", "one caption per image", NULL},
    {"columns", VT_NUMBER | VT_NONE, "none", "images per row (default: up to 10)", NULL},
    {"images", VT_OBJECT | VT_LIST, NULL, "images, or lists of images", NULL},
};
static const ArgSpec progression_args[] = {
    {"frames", VT_OBJECT | VT_LIST, NULL, "the images of a run, in order", NULL},
    {"timesteps", VT_LIST, NULL, "the timestep of each frame", NULL},
    {"title", VT_STRING, "\"\"", "a title", NULL},
};

static const Command commands[] = {
    {"load", "Images", "Read a PNG or JPEG photo as an image in [-1, 1].",
     "Reads the file, converts it to RGB and maps its pixels from [0, 1] to "
     "[-1, 1] (2x - 1), the range DeepFloyd's UNet works in. As in the "
     "course's notebook, the shorter side is then resized to `size` and the "
     "centre size x size square is cut out (torchvision Resize + "
     "CenterCrop). The resize is **bicubic with antialiasing** (PIL's "
     "filter), clamped to [-1, 1] like PIL's 8-bit output. The image lives "
     "on the chosen device (see `device`).",
     "img = load \"notebooks/data/rocket.jpg\" size=64\nimg",
     load_args, 2, 0, cmd_load, 0},
    {"save", "Images", "Write an image to a PNG or JPEG file.",
     "Shows pixels as the notebook does (x/2 + 0.5, clipped) and writes "
     "them. The file is written under a temporary name and renamed, so it "
     "is never left half-written. A batch is saved as one row of images.",
     "img = load \"notebooks/data/chelsea.png\"\nsave img \"/tmp/cat64.png\"",
     save_args, 2, 0, cmd_save, 0},
    {"flip", "Images", "Mirror an image left-right, or upside down.",
     "Left-right by default; `vertical=true` turns it upside down (the "
     "flip of the visual anagrams, section 1.8).",
     "img = load \"notebooks/data/rocket.jpg\"\nshow img (flip img) "
     "(flip img vertical=true)",
     flip_args, 2, 0, cmd_flip, 0},
    {"resize", "Images", "Resize an image (bicubic, antialiased).",
     "With a number the shorter side gets that length and the aspect ratio "
     "is kept (torchvision's Resize); with [height, width] the image gets "
     "exactly that size.",
     "img = load \"notebooks/data/rocket.jpg\" size=none\nsmall = resize img 64\n"
     "print small.width small.height",
     resize_args, 2, 0, cmd_resize, 0},
    {"crop", "Images", "Cut a square or a box out of an image.",
     "`crop img 64` cuts the centred 64 x 64 square (torchvision's "
     "CenterCrop); `crop img x=8 y=0 w=32 h=48` cuts that box.",
     "img = load \"notebooks/data/rocket.jpg\"\ncrop img x=16 y=0 w=32 h=32",
     crop_args, 6, 0, cmd_crop, 0},
    {"mask", "Images", "Make a mask (1 inside, 0 outside) the size of an image.",
     "A mask is an image of one channel holding 0 or 1: 1 where inpainting "
     "should paint new content, 0 where the original stays (section 1.7.2). "
     "Shapes: `\"rect\"` with `x y w h`, `\"circle\"` with centre `x y` and "
     "radius `r`, `\"luminance\"` where the image is brighter than "
     "`threshold`. A pixel counts as inside when its centre is.",
     "img = load \"notebooks/data/rocket.jpg\"\n"
     "m = mask img shape=\"rect\" x=24 y=2 w=18 h=18\nshow img m",
     mask_args, 9, 0, cmd_mask, 0},
    {"show", "Images", "Show images side by side, with a title and captions.",
     "Takes any number of images or lists of images (a batch counts as its "
     "images) and shows them as one grid, small images upscaled with crisp "
     "pixels. The output carries HTML, a PNG of the whole grid and a text "
     "summary.",
     "img = load \"notebooks/data/rocket.jpg\"\n"
     "show img (flip img) title=\"mirror\" captions=[\"original\", \"flipped\"]",
     show_args, 4, 1, cmd_show, 0},
    {"progression", "Images", "Show the frames of a denoising run with their timesteps.",
     "Shows a strip of the frames captioned t=..., and, in JupyterLab with "
     "the diffuse extension, a scrubber over every frame.",
     "img = load \"notebooks/data/rocket.jpg\"\nts = [0, 250, 500, 750]\n"
     "progression (forward img t=ts) ts title=\"forward process\"",
     progression_args, 3, 0, cmd_progression, 0},
};

const CommandTable cmd_image_table = {commands,
                                      sizeof commands / sizeof commands[0]};
