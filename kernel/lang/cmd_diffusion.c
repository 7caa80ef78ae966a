/*
 * cmd_diffusion.c: the commands of CS180 Part A's first sections: the
 * noise schedule (alpha_bar), the forward process (forward, 1.1) and
 * classical denoising by Gaussian blur (blur, 1.2).  Thin adapters over
 * kernel/diffusion (see registry.h for the calling convention).
 *
 * `forward img t=[250, 500, 750]` returns a LIST of images, one per
 * timestep, rather than one batch: the list is what `show`, `len`, `xs[i]`
 * and captions already work with, each item reads as "the image at t",
 * and a later one-step denoiser takes (x_t, t) pairs one at a time as the
 * course does.  A single `t=500` returns a single image.
 */
#include <stdlib.h>

#include "../diffusion/a1_1_forward.h"
#include "../diffusion/a1_2_blur.h"
#include "../diffusion/schedule.h"
#include "../util/array.h"
#include "../util/interrupt.h"
#include "cmd_bar.h"
#include "cmd_image.h"

/* Timesteps from a number or a list of numbers, each in 0..999.  *ts is
 * malloc'd. */
static dk_status timesteps_arg(CallCtx *cx, int arg, const Value *v, int **ts,
                               size_t *n)
{
    size_t count = v->kind == VAL_LIST ? v->as.list.len : 1;
    *ts = NULL;
    *n = 0;
    if (count == 0)
        return cx_error(cx, arg, DK_ERR_ARG, "the list of timesteps is empty");
    int *out = malloc(count * sizeof *out);
    if (!out)
        return cx_oom(cx);
    for (size_t i = 0; i < count; i++) {
        const Value *item = v->kind == VAL_LIST ? v->as.list.items[i] : v;
        long t = 0;
        dk_status rc = int_arg(cx, arg, item, 0, SCHEDULE_T - 1, &t);
        if (rc != DK_OK) {
            dk_err_hint(cx->err, "timesteps run from 0 (clean) to %d (pure "
                        "noise)", SCHEDULE_T - 1);
            free(out);
            return rc;
        }
        out[i] = (int)t;
    }
    *ts = out;
    *n = count;
    return DK_OK;
}

/* A list value of n new images (taken over, all freed on failure). */
static dk_status image_list_out(CallCtx *cx, DImage **ims, size_t n,
                                Value **out)
{
    Value *list = value_list_new(n);
    for (size_t i = 0; i < n; i++) {
        Value *v = list ? image_value(ims[i]) : NULL;
        if (!v) {
            if (!list)
                dimage_free(ims[i]);
            for (size_t k = i + 1; k < n; k++)
                dimage_free(ims[k]);
            value_unref(list);
            return cx_oom(cx);
        }
        value_list_set(list, i, v);
    }
    *out = list;
    return DK_OK;
}

enum { ALPHA_BAR_T };
static const ArgSpec alpha_bar_args[] = {
    [ALPHA_BAR_T] = {
        .name = "t",
        .types = VT_NUMBER | VT_LIST,
        .doc = "a timestep 0..999, or a list of them",
    },
};

static dk_status cmd_alpha_bar(CallCtx *cx, Value **args, Value **out)
{
    int *ts = NULL;
    size_t n = 0;
    dk_status rc = timesteps_arg(cx, ALPHA_BAR_T, args[ALPHA_BAR_T], &ts, &n);
    if (rc != DK_OK)
        return rc;
    const Schedule *s = schedule_if();
    if (args[ALPHA_BAR_T]->kind == VAL_NUMBER) {
        *out = value_number((double)s->alphas_cumprod[ts[0]]);
    } else {
        *out = value_list_new(n);
        for (size_t i = 0; *out && i < n; i++)
            value_list_set(*out, i,
                           value_number((double)s->alphas_cumprod[ts[i]]));
    }
    free(ts);
    return *out ? DK_OK : cx_oom(cx);
}

enum { FORWARD_IMAGE, FORWARD_T };
static const ArgSpec forward_args[] = {
    [FORWARD_IMAGE] = {
        .name = "image",
        .types = VT_OBJECT,
        .doc = "the clean image x0, in [-1, 1]",
        .objtype = "image",
    },
    [FORWARD_T] = {
        .name = "t",
        .types = VT_NUMBER | VT_LIST,
        .doc = "a timestep 0..999, or a list of them",
    },
};

static dk_status cmd_forward(CallCtx *cx, Value **args, Value **out)
{
    const DImage *x0 = image_of(args[FORWARD_IMAGE]);
    if (x0->mask)
        return cx_error(cx, FORWARD_IMAGE, DK_ERR_ARG, "a mask cannot be "
                        "noised: give a picture");
    int *ts = NULL;
    size_t n = 0;
    dk_status rc = timesteps_arg(cx, FORWARD_T, args[FORWARD_T], &ts, &n);
    if (rc != DK_OK)
        return rc;
    ts_generator *g = cx_generator(cx, x0->api);
    DImage **noisy = g ? calloc(n, sizeof *noisy) : NULL;
    if (!noisy) {
        free(ts);
        return g ? cx_oom(cx) : cx->err->code;
    }
    CmdBar bar;
    cmdbar_start(&bar, cx, "forward", (long)n);
    rc = forward_many(x0, schedule_if(), ts, (int)n, g,
                      &bar.hook, noisy, cx->err);
    cmdbar_finish(&bar, rc);
    free(ts);
    if (rc != DK_OK) {
        free(noisy);
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    if (args[FORWARD_T]->kind == VAL_NUMBER) {
        *out = image_value(noisy[0]);
        free(noisy);
        return *out ? DK_OK : cx_oom(cx);
    }
    rc = image_list_out(cx, noisy, n, out);
    free(noisy);
    return rc;
}

enum { BLUR_IMAGES, BLUR_KERNEL, BLUR_SIGMA };
static const ArgSpec blur_args[] = {
    [BLUR_IMAGES] = {
        .name = "images",
        .types = VT_OBJECT | VT_LIST,
        .doc = "an image or a list of images",
    },
    [BLUR_KERNEL] = {
        .name = "kernel",
        .types = VT_NUMBER,
        .default_src = "5",
        .doc = "the kernel's size in pixels: odd, 1..255",
    },
    [BLUR_SIGMA] = {
        .name = "sigma",
        .types = VT_NUMBER,
        .default_src = "2",
        .doc = "the Gaussian's standard deviation in pixels",
    },
};

static dk_status cmd_blur(CallCtx *cx, Value **args, Value **out)
{
    long k = 0;
    double sigma = args[BLUR_SIGMA]->as.number;
    dk_status rc = int_arg(cx, BLUR_KERNEL, args[BLUR_KERNEL], -1000000,
                           1000000, &k);
    if (rc != DK_OK)
        return rc;
    if (blur_check((int)k, sigma, cx->err) != DK_OK) {
        int bad = k % 2 == 0 || k < 1 || k > BLUR_MAX_KERNEL ? BLUR_KERNEL
                                                             : BLUR_SIGMA;
        dk_err_at(cx->err, cx->arg_spans[bad]);
        return cx->err->code;
    }
    const DImage **ims = NULL;
    size_t n = 0;
    rc = images_arg(cx, BLUR_IMAGES, args[BLUR_IMAGES], &ims, &n);
    if (rc != DK_OK)
        return rc;
    DImage **blurred = calloc(n, sizeof *blurred);
    if (!blurred) {
        free(ims);
        return cx_oom(cx);
    }
    CmdBar bar;
    cmdbar_start(&bar, cx, "blur", (long)n);
    for (size_t i = 0; i < n && rc == DK_OK; i++) {
        if (dk_interrupted()) {
            rc = cx_error(cx, -1, DK_ERR_INTERRUPTED, "interrupted by the "
                          "user after %zu of %zu images", i, n);
            break;
        }
        rc = blur_gaussian(ims[i], (int)k, sigma, &blurred[i], cx->err);
        if (rc == DK_OK)
            cmdbar_step(&bar, (long)i + 1, (long)n);
        else if (n > 1)
            dk_err_prefix(cx->err, "image %zu: ", i);
    }
    cmdbar_finish(&bar, rc);
    free(ims);
    if (rc != DK_OK) {
        for (size_t i = 0; i < n; i++)
            dimage_free(blurred[i]);
        free(blurred);
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    if (image_of(args[BLUR_IMAGES])) {
        *out = image_value(blurred[0]);
        rc = *out ? DK_OK : cx_oom(cx);
    } else {
        rc = image_list_out(cx, blurred, n, out);
    }
    free(blurred);
    return rc;
}

static const Command commands[] = {
    {
        .name = "alpha_bar",
        .group = "Diffusion",
        .summary = "Look up ᾱ_t in DeepFloyd's noise schedule.",
        .help = "ᾱ_t (alphas_cumprod[t]) is the share of the clean image's "
                "variance left at timestep t: x_t = sqrt(ᾱ_t) x0 + sqrt(1 - "
                "ᾱ_t) eps. The schedule is DeepFloyd IF's cosine "
                "(\"squaredcos_cap_v2\") over 1000 steps, in float32 as "
                "diffusers stores it.",
        .example = "alpha_bar [0, 250, 500, 750, 990]",
        .args = alpha_bar_args,
        .nargs = ARRAY_LEN(alpha_bar_args),
        .fn = cmd_alpha_bar,
    },
    {
        .name = "forward",
        .group = "Diffusion",
        .summary = "Add noise to an image: the forward process.",
        .help = "Computes x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) eps with eps ~ "
                "N(0, I) drawn from the seeded stream (see `seed`), a fresh "
                "draw per timestep (section 1.1). One timestep gives one "
                "image; a list gives a list of images in the same order, "
                "ready for `show` and `blur`. Long lists show a progress bar.",
        .example = "seed 180\n"
                   "img = load \"notebooks/data/rocket.jpg\"\n"
                   "noisy = forward img t=[250, 500, 750]\n"
                   "show img noisy captions=[\"x0\", \"t=250\", \"t=500\", "
                   "\"t=750\"]",
        .args = forward_args,
        .nargs = ARRAY_LEN(forward_args),
        .fn = cmd_forward,
    },
    {
        .name = "blur",
        .group = "Diffusion",
        .summary = "Blur images with a Gaussian (classical denoising).",
        .help = "torchvision's gaussian_blur: a normalised 1-D Gaussian on "
                "linspace(-(k-1)/2, (k-1)/2, k), applied to each channel "
                "along rows and columns, with reflect padding of k//2 so the "
                "size stays (section 1.2). Takes an image or a list of "
                "images and returns the same.",
        .example = "seed 180\n"
                   "img = load \"notebooks/data/rocket.jpg\"\n"
                   "noisy = forward img t=[250, 500, 750]\n"
                   "show (blur noisy kernel=5 sigma=2)",
        .args = blur_args,
        .nargs = ARRAY_LEN(blur_args),
        .fn = cmd_blur,
    },
};

const CommandTable cmd_diffusion_table = {commands, ARRAY_LEN(commands)};
