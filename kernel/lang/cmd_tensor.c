/*
 * cmd_tensor.c: element-wise functions for the formulas of the report:
 * sqrt, abs, clamp, mean, and fresh tensors randn and zeros (see
 * registry.h for the calling convention, tensor_ops.h for the operators).
 *
 * Each takes a number or an image.  On a number it is the plain function,
 * so `sqrt (1 - alpha_bar t)` and `sqrt x` read alike; on an image it is
 * element-wise and returns a new image (mean returns a number).  randn
 * draws from the seeded stream (`seed`, diffusion/rng.h) that forward and
 * iterative_denoise draw from, so a loop written in the language is as
 * reproducible as the built-in commands.
 */
#include <math.h>
#include <string.h>

#include "../diffusion/expr.h"
#include "../diffusion/rng.h"
#include "../util/array.h"
#include "cmd_image.h"

/* ---- helpers ------------------------------------------------------------- */

typedef ts_tensor *(*ImageFn)(Expr *s, const DImage *im, const double *k);

/* fn over the image of argument `arg` as a new image value. */
static dk_status image_apply(CallCtx *cx, const DImage *im, ImageFn fn,
                             const double *k, Value **out)
{
    Expr s;
    expr_begin(&s, im->api, cx->err);
    ts_tensor *kept = expr_keep(&s, fn(&s, im, k));
    if (expr_end(&s) != DK_OK)
        return cx->err->code;
    DImage *res = NULL;
    dk_status rc = dimage_wrap(im->api, kept, 0, &res, cx->err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(res);
    return *out ? DK_OK : cx_oom(cx);
}

static ts_tensor *sqrt_fn(Expr *s, const DImage *im, const double *k)
{
    (void)k;
    return tsqrt(s, im->t);
}

/* |x| = max(x, 0) − min(x, 0): exact, and the shim has no abs. */
static ts_tensor *abs_fn(Expr *s, const DImage *im, const double *k)
{
    (void)k;
    return sub(s, clamp(s, im->t, 0.0, INFINITY),
               clamp(s, im->t, -INFINITY, 0.0));
}

static ts_tensor *clamp_fn(Expr *s, const DImage *im, const double *k)
{
    return clamp(s, im->t, k[0], k[1]);
}

static dk_status number_out(CallCtx *cx, double d, Value **out)
{
    *out = value_number(d);
    return *out ? DK_OK : cx_oom(cx);
}

/* ---- sqrt, abs, clamp ------------------------------------------------------ */

enum { X_X };
static const ArgSpec x_args[] = {
    [X_X] = {.name = "x", .types = VT_NUMBER | VT_OBJECT, .objtype = "image",
             .doc = "a number or an image"},
};

static dk_status cmd_sqrt(CallCtx *cx, Value **args, Value **out)
{
    const DImage *im = image_of(args[X_X]);
    if (im)
        return image_apply(cx, im, sqrt_fn, NULL, out);
    double d = args[X_X]->as.number;
    if (d < 0)
        return cx_error(cx, X_X, DK_ERR_VALUE, "sqrt of a negative number "
                        "(%g)", d);
    return number_out(cx, sqrt(d), out);
}

static dk_status cmd_abs(CallCtx *cx, Value **args, Value **out)
{
    const DImage *im = image_of(args[X_X]);
    if (im)
        return image_apply(cx, im, abs_fn, NULL, out);
    return number_out(cx, fabs(args[X_X]->as.number), out);
}

enum { CLAMP_X, CLAMP_LO, CLAMP_HI };
static const ArgSpec clamp_args[] = {
    [CLAMP_X] = {.name = "x", .types = VT_NUMBER | VT_OBJECT, .objtype = "image",
                 .doc = "a number or an image"},
    [CLAMP_LO] = {.name = "lo", .types = VT_NUMBER | VT_NONE, .default_src = "none",
                  .doc = "the least value (none: no bound below)"},
    [CLAMP_HI] = {.name = "hi", .types = VT_NUMBER | VT_NONE, .default_src = "none",
                  .doc = "the greatest value (none: no bound above)"},
};

static dk_status cmd_clamp(CallCtx *cx, Value **args, Value **out)
{
    double k[2] = {-INFINITY, INFINITY};
    if (args[CLAMP_LO]->kind == VAL_NUMBER)
        k[0] = args[CLAMP_LO]->as.number;
    if (args[CLAMP_HI]->kind == VAL_NUMBER)
        k[1] = args[CLAMP_HI]->as.number;
    if (k[0] > k[1])
        return cx_error(cx, CLAMP_HI, DK_ERR_VALUE, "hi=%g is below lo=%g",
                        k[1], k[0]);
    const DImage *im = image_of(args[CLAMP_X]);
    if (im)
        return image_apply(cx, im, clamp_fn, k, out);
    return number_out(cx, fmin(fmax(args[CLAMP_X]->as.number, k[0]), k[1]), out);
}

/* ---- mean ------------------------------------------------------------------ */

enum { MEAN_X };
static const ArgSpec mean_args[] = {
    [MEAN_X] = {.name = "x", .types = VT_NUMBER | VT_LIST | VT_OBJECT,
                .objtype = "image",
                .doc = "an image (every pixel of every channel) or a list of numbers"},
};

static dk_status list_mean(CallCtx *cx, const Value *v, Value **out)
{
    size_t n = v->as.list.len;
    if (n == 0)
        return cx_error(cx, MEAN_X, DK_ERR_VALUE, "the mean of an empty list");
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const Value *item = v->as.list.items[i];
        if (item->kind != VAL_NUMBER)
            return cx_error(cx, MEAN_X, DK_ERR_TYPE, "item %zu of the list "
                            "is a %s, not a number", i, value_type_name(item));
        sum += item->as.number;
    }
    return number_out(cx, sum / (double)n, out);
}

static dk_status cmd_mean(CallCtx *cx, Value **args, Value **out)
{
    const Value *v = args[MEAN_X];
    if (v->kind == VAL_NUMBER)
        return number_out(cx, v->as.number, out);
    if (v->kind == VAL_LIST)
        return list_mean(cx, v, out);
    const DImage *im = image_of(v);
    Expr s;
    expr_begin(&s, im->api, cx->err);
    ts_tensor *m = NULL;
    ts_status st = im->api->tensor_mean(&m, im->t, NULL, 0, 0);
    m = expr_call(&s, st, m);
    double d = 0;
    if (m) {
        st = im->api->tensor_item(m, &d);
        expr_call(&s, st, NULL);
    }
    if (expr_end(&s) != DK_OK)
        return cx->err->code;
    return number_out(cx, d, out);
}

/* ---- randn and zeros -------------------------------------------------------- */

enum { LIKE_WORD, LIKE_X };
static const ArgSpec like_args[] = {
    [LIKE_WORD] = {.name = "like", .types = VT_WORD | VT_STRING,
                   .doc = "the word like"},
    [LIKE_X] = {.name = "x", .types = VT_OBJECT, .objtype = "image",
                .doc = "the image whose shape and device to take"},
};

static dk_status like_word(CallCtx *cx)
{
    return cx_error(cx, LIKE_WORD, DK_ERR_ARG, "write '%s like x'",
                    cx->cmd->name);
}

static ts_tensor *zeros_fn(Expr *s, const DImage *im, const double *k)
{
    (void)k;
    int64_t shape[4] = {im->n, im->c, im->h, im->w};
    return to_device_of(s, full(s, shape, 4, 0.0), im->t);
}

/* Noise from the session's stream, which the interpreter owns: the
 * generator is fetched here and handed down. */
static dk_status cmd_randn(CallCtx *cx, Value **args, Value **out)
{
    if (strcmp(args[LIKE_WORD]->as.str.bytes, "like") != 0)
        return like_word(cx);
    const DImage *im = image_of(args[LIKE_X]);
    ts_generator *g = cx_generator(cx, im->api);
    if (!g)
        return cx->err->code;
    Expr s;
    expr_begin(&s, im->api, cx->err);
    ts_tensor *kept = expr_keep(&s, randn_like(&s, im->t, g));
    if (expr_end(&s) != DK_OK)
        return cx->err->code;
    DImage *res = NULL;
    dk_status rc = dimage_wrap(im->api, kept, 0, &res, cx->err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(res);
    return *out ? DK_OK : cx_oom(cx);
}

static dk_status cmd_zeros(CallCtx *cx, Value **args, Value **out)
{
    if (strcmp(args[LIKE_WORD]->as.str.bytes, "like") != 0)
        return like_word(cx);
    return image_apply(cx, image_of(args[LIKE_X]), zeros_fn, NULL, out);
}

/* ---- the table --------------------------------------------------------------- */

static const Command commands[] = {
    {.name = "sqrt", .group = "Tensors",
     .summary = "Take the square root of a number, or of every pixel of an image.",
     .help = "With `alpha_bar`, the coefficients of the report's formulas: "
             "`sqrt (alpha_bar t)`.",
     .example = "sqrt 2", .args = x_args, .nargs = ARRAY_LEN(x_args),
     .fn = cmd_sqrt},
    {.name = "abs", .group = "Tensors",
     .summary = "Take the absolute value of a number, or of every pixel of an image.",
     .help = "Drops the sign: `abs -3` is 3. `mean (abs (a - b))` is the "
             "mean absolute difference of two images.",
     .example = "abs -3", .args = x_args, .nargs = ARRAY_LEN(x_args),
     .fn = cmd_abs},
    {.name = "clamp", .group = "Tensors",
     .summary = "Limit a number, or every pixel of an image, to lo..hi.",
     .help = "A bound left out (none) is open: `clamp x lo=0` only cuts "
             "below. Images hold -1..1, so `clamp x -1 1` keeps a result "
             "showable.",
     .example = "clamp 1.5 -1 1", .args = clamp_args,
     .nargs = ARRAY_LEN(clamp_args), .fn = cmd_clamp},
    {.name = "mean", .group = "Tensors",
     .summary = "Average every pixel of an image, or the numbers of a list.",
     .help = "Returns a number. An image's mean is over its whole batch "
             "and every channel.",
     .example = "mean [1, 2, 3, 4]", .args = mean_args,
     .nargs = ARRAY_LEN(mean_args), .fn = cmd_mean},
    {.name = "randn", .group = "Tensors",
     .summary = "Draw Gaussian noise N(0, I) of an image's shape.",
     .help = "Written `randn like x`. The noise comes from the stream `seed` "
             "seeds, the one forward and iterative_denoise draw from, so a "
             "loop written with it is reproducible.",
     .example = "seed 0\nx = load \"notebooks/data/rocket.jpg\" size=8\neps = randn like x\nmean eps",
     .args = like_args, .nargs = ARRAY_LEN(like_args), .fn = cmd_randn},
    {.name = "zeros", .group = "Tensors",
     .summary = "Make an image of zeros of another image's shape.",
     .help = "Written `zeros like x`. A zero image in -1..1 is mid gray.",
     .example = "x = load \"notebooks/data/rocket.jpg\" size=8\nz = zeros like x\nmean z",
     .args = like_args, .nargs = ARRAY_LEN(like_args), .fn = cmd_zeros},
};

const CommandTable cmd_tensor_table = {commands, ARRAY_LEN(commands)};
