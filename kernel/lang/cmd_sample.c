/*
 * cmd_sample.c: using trained Part B models: `generate` (flow matching,
 * Algorithms 2 and 4, with classifier-free guidance) and `unet_denoise`
 * (the single-step denoiser, sections 1.2.1-1.2.3), with the two figures
 * of section 1.2 that need no model: `add_noise` (the noising process)
 * and `mean_digit` (what pure-noise training converges to).  Thin
 * adapters over diffusion/b1_denoiser.h and b2_flow.h; see registry.h for
 * the calling convention.
 *
 * The models work on digits in [0, 1] (ToTensor, no normalisation); image
 * values hold [-1, 1] (cmd_image.h).  The conversion happens here, at the
 * edge: images in are mapped (x + 1)/2, results out are clamped to [0, 1]
 * (the course's display) and mapped 2x - 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../diffusion/b1_denoiser.h"
#include "../diffusion/b2_flow.h"
#include "../diffusion/rng.h"
#include "../util/array.h"
#include "cmd_bar.h"
#include "cmd_data.h"
#include "cmd_image.h"
#include "cmd_model.h"

#define MAX_IMAGES 1024

/* A [0, 1] batch as an image value ([-1, 1]); takes x. */
static dk_status to_image(CallCtx *cx, const TsApi *api, ts_tensor *x, Value **out)
{
    ts_tensor *c = NULL, *y = NULL;
    ts_status st = api->tensor_clamp(&c, x, 0.0, 1.0);
    if (st == TS_OK)
        st = api->tensor_axpby(&y, 2.0, c, 0.0, c);   /* 2x */
    api->tensor_free(c);
    c = NULL;
    if (st == TS_OK)
        st = api->tensor_sub_scalar(&c, y, 1.0);       /* 2x - 1 */
    api->tensor_free(x);
    api->tensor_free(y);
    if (st != TS_OK)
        return backend_error(api, st, cx->err);
    DImage *im = NULL;
    dk_status rc = dimage_wrap(api, c, 0, &im, cx->err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(im);
    return *out ? DK_OK : cx_oom(cx);
}

enum {
    GENERATE_MODEL, GENERATE_DIGITS, GENERATE_PER_DIGIT, GENERATE_COUNT,
    GENERATE_STEPS, GENERATE_GUIDANCE,
};
static const ArgSpec generate_args[] = {
    [GENERATE_MODEL] = {
        .name = "model",
        .types = VT_OBJECT,
        .doc = "a trained \"time\" or \"class\" UNet",
        .objtype = "model",
    },
    [GENERATE_DIGITS] = {
        .name = "digits",
        .types = VT_NUMBER | VT_LIST | VT_NONE | VT_STRING,
        .default_src = "none",
        .doc = "class model: a digit or a list of digits (none: 0..9; "
               "\"none\": unconditional)",
    },
    [GENERATE_PER_DIGIT] = {
        .name = "per_digit",
        .types = VT_NUMBER,
        .default_src = "4",
        .doc = "class model: images of each digit",
    },
    [GENERATE_COUNT] = {
        .name = "count",
        .types = VT_NUMBER,
        .default_src = "40",
        .doc = "time model: how many images",
    },
    [GENERATE_STEPS] = {
        .name = "steps",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "Euler steps T (none: 300 for class, 50 for time)",
    },
    [GENERATE_GUIDANCE] = {
        .name = "guidance",
        .types = VT_NUMBER,
        .default_src = "5",
        .doc = "classifier-free guidance scale γ (1: none)",
    },
};

static dk_status cmd_generate(CallCtx *cx, Value **args, Value **out)
{
    Model *m = NULL;
    if (partb_model_arg(cx, GENERATE_MODEL, args[GENERATE_MODEL], &m) != DK_OK)
        return cx->err->code;
    const Value *dv = args[GENERATE_DIGITS];
    long per = 4, count = 40, steps = 0;
    double guidance = args[GENERATE_GUIDANCE]->as.number;
    if (m->cfg.kind == TS_UNET_PLAIN)
        return cx_error(cx, GENERATE_MODEL, DK_ERR_ARG, "the single-step "
                        "denoiser does not generate: it has no time input "
                        "(use unet_denoise, or a \"time\" or \"class\" UNet)");
    dk_status rc = int_arg(cx, GENERATE_PER_DIGIT, args[GENERATE_PER_DIGIT], 1,
                           MAX_IMAGES, &per);
    if (rc == DK_OK)
        rc = int_arg(cx, GENERATE_COUNT, args[GENERATE_COUNT], 1, MAX_IMAGES,
                     &count);
    if (rc == DK_OK && args[GENERATE_STEPS]->kind != VAL_NONE)
        rc = int_arg(cx, GENERATE_STEPS, args[GENERATE_STEPS], 1,
                     FLOW_MAX_STEPS, &steps);
    if (rc != DK_OK)
        return rc;
    if (!(guidance >= 0 && guidance <= 100))
        return cx_error(cx, GENERATE_GUIDANCE, DK_ERR_ARG, "guidance=%g is "
                        "not in [0, 100]", guidance);
    if (!steps)
        steps = m->cfg.kind == TS_UNET_CLASS ? 300 : 50;
    /* The digits: a number, a list, or none (all ten for the class model). */
    int64_t *digits = NULL;
    long n = count;
    if (m->cfg.kind == TS_UNET_CLASS &&
        !(dv->kind == VAL_STRING && !strcmp(dv->as.str.bytes, "none"))) {
        long nd = dv->kind == VAL_LIST ? (long)dv->as.list.len
                  : dv->kind == VAL_NUMBER ? 1 : 10;
        if (nd < 1)
            return cx_error(cx, GENERATE_DIGITS, DK_ERR_ARG, "the list of "
                            "digits is empty");
        if (nd * per > MAX_IMAGES)
            return cx_error(cx, GENERATE_PER_DIGIT, DK_ERR_ARG, "%ld images "
                            "is more than %d", nd * per, MAX_IMAGES);
        n = nd * per;
        digits = malloc((size_t)n * sizeof *digits);
        if (!digits)
            return cx_oom(cx);
        /* per_digit rows of nd columns: the grid reads 0..9 across */
        for (long i = 0; i < nd && rc == DK_OK; i++) {
            long d = i;
            if (dv->kind == VAL_LIST)
                rc = int_arg(cx, GENERATE_DIGITS, dv->as.list.items[i], 0,
                             m->cfg.num_classes - 1, &d);
            else if (dv->kind == VAL_NUMBER)
                rc = int_arg(cx, GENERATE_DIGITS, dv, 0,
                             m->cfg.num_classes - 1, &d);
            for (long r = 0; r < per; r++)
                digits[r * nd + i] = d;
        }
        if (rc != DK_OK) {
            free(digits);
            return rc;
        }
    } else if (dv->kind != VAL_NONE && m->cfg.kind == TS_UNET_TIME) {
        return cx_error(cx, GENERATE_DIGITS, DK_ERR_ARG, "a time-conditioned "
                        "UNet cannot be told which digit to draw (train unet "
                        "\"class\" for that)");
    }
    const TsApi *api = m->api;
    ts_generator *g = cx_generator(cx, api);
    if (!g) {
        free(digits);
        return cx->err->code;
    }
    CmdBar bar;
    cmdbar_start(&bar, cx, "generate", steps);
    ts_tensor *x = NULL;
    rc = flow_sample(m, digits, (int)n, (int)steps, guidance, g, &bar.hook, &x, cx->err);
    cmdbar_finish(&bar, rc);
    free(digits);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    return to_image(cx, api, x, out);
}

/* The clean digits of argument `arg`: the first `count` of a dataset, or
 * images (1 channel, 28 x 28) mapped to [0, 1].  *x: [n, 1, 28, 28]. */
static dk_status clean_arg(CallCtx *cx, const TsApi *api, int arg,
                           const Value *v, long count, ts_tensor **x)
{
    *x = NULL;
    Dataset *ds = dataset_of(v);
    ts_status st;
    if (ds) {
        long n = count < ds->count ? count : ds->count;
        float *buf = malloc((size_t)n * 784 * sizeof *buf);
        uint32_t *idx = malloc((size_t)n * sizeof *idx);
        if (!buf || !idx) {
            free(buf);
            free(idx);
            return cx_oom(cx);
        }
        for (long i = 0; i < n; i++)
            idx[i] = (uint32_t)i;
        dataset_batch(ds, idx, (int)n, buf, NULL);
        int64_t shape[4] = {n, 1, ds->h, ds->w};
        ts_tensor *cpu = NULL;
        st = api->tensor_from_data(&cpu, buf, shape, 4, TS_F32);
        if (st == TS_OK)
            st = api->tensor_to_device(x, cpu, TS_DEVICE_DEFAULT);
        api->tensor_free(cpu);
        free(buf);
        free(idx);
        return backend_error(api, st, cx->err);
    }
    const DImage *im = image_of(v);
    if (!im || im->c != 1 || im->h != MODEL_SIDE || im->w != MODEL_SIDE)
        return cx_error(cx, arg, DK_ERR_TYPE, "give a dataset or gray 28x28 "
                        "images (the UNet's input)");
    ts_tensor *a = NULL;
    st = api->tensor_add_scalar(&a, im->t, 1.0);
    if (st == TS_OK)
        st = api->tensor_mul_scalar(x, a, 0.5);                /* (x + 1)/2 */
    api->tensor_free(a);
    return backend_error(api, st, cx->err);
}

/* Noise levels from a number or a list of numbers in [0, 10]; *ns of them
 * (1..64) into sig. */
static dk_status sigmas_arg(CallCtx *cx, int arg, const Value *v, double *sig,
                            size_t *ns)
{
    *ns = v->kind == VAL_LIST ? v->as.list.len : 1;
    if (*ns < 1 || *ns > 64)
        return cx_error(cx, arg, DK_ERR_ARG, "give 1..64 noise levels");
    for (size_t i = 0; i < *ns; i++) {
        const Value *s = v->kind == VAL_LIST ? v->as.list.items[i] : v;
        if (s->kind != VAL_NUMBER || !(s->as.number >= 0 && s->as.number <= 10))
            return cx_error(cx, arg, DK_ERR_ARG, "noise levels are numbers in [0, 10]");
        sig[i] = s->as.number;
    }
    return DK_OK;
}

enum { ADD_NOISE_IMAGES, ADD_NOISE_SIGMA, ADD_NOISE_COUNT };
static const ArgSpec add_noise_args[] = {
    [ADD_NOISE_IMAGES] = {
        .name = "images",
        .types = VT_OBJECT,
        .doc = "a dataset (its first `count` digits) or gray 28x28 images",
    },
    [ADD_NOISE_SIGMA] = {
        .name = "sigma",
        .types = VT_NUMBER | VT_LIST,
        .default_src = "[0, 0.2, 0.4, 0.5, 0.6, 0.8, 1]",
        .doc = "the noise levels",
    },
    [ADD_NOISE_COUNT] = {
        .name = "count",
        .types = VT_NUMBER,
        .default_src = "5",
        .doc = "digits taken from a dataset",
    },
};

/* The noising figure: digit i at level j is image i*ns + j, so
 * `show r columns=ns` has a row per digit and a column per sigma. */
static dk_status cmd_add_noise(CallCtx *cx, Value **args, Value **out)
{
    double sig[64];
    size_t ns = 0;
    long count = 5;
    dk_status rc = sigmas_arg(cx, ADD_NOISE_SIGMA, args[ADD_NOISE_SIGMA], sig,
                              &ns);
    if (rc == DK_OK)
        rc = int_arg(cx, ADD_NOISE_COUNT, args[ADD_NOISE_COUNT], 1, MAX_IMAGES,
                     &count);
    if (rc == DK_OK && (size_t)count * ns > MAX_IMAGES)
        rc = cx_error(cx, ADD_NOISE_COUNT, DK_ERR_ARG, "%ld digits at %zu "
                      "levels is more than %d images", count, ns, MAX_IMAGES);
    const TsApi *api = NULL;
    if (rc != DK_OK || (rc = cmd_api(cx, &api)) != DK_OK)
        return rc;
    ts_tensor *x = NULL;
    rc = clean_arg(cx, api, ADD_NOISE_IMAGES, args[ADD_NOISE_IMAGES], count,
                   &x);
    if (rc != DK_OK)
        return rc;
    ts_generator *g = cx_generator(cx, api);
    if (!g) {
        api->tensor_free(x);
        return cx->err->code;
    }
    /* level j of every digit, [n, 1, H, W] each; side by side along the
     * channels, [n, ns, H, W], is digit-major once flattened */
    ts_tensor *zs[64] = {0}, *side = NULL, *z = NULL;
    for (size_t j = 0; j < ns && rc == DK_OK; j++)
        rc = denoiser_noise(api, x, sig[j], g, &zs[j], cx->err);  /* x + sigma*eps */
    int64_t shape[4];
    int nd = 0;
    ts_status st = TS_OK;
    if (rc == DK_OK)
        st = api->tensor_shape(x, shape, 4, &nd);
    if (rc == DK_OK && st == TS_OK)
        st = api->tensor_cat(&side, (const ts_tensor *const *)zs, (int)ns, 1);
    if (rc == DK_OK && st == TS_OK) {
        int64_t flat[4] = {shape[0] * (int64_t)ns, 1, shape[2], shape[3]};
        st = api->tensor_reshape(&z, side, flat, 4);
    }
    if (rc == DK_OK && st != TS_OK)
        rc = backend_error(api, st, cx->err);
    api->tensor_free(x);
    api->tensor_free(side);
    for (size_t j = 0; j < ns; j++)
        api->tensor_free(zs[j]);
    if (rc != DK_OK) {
        api->tensor_free(z);
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    return to_image(cx, api, z, out);
}

enum { MEAN_DIGIT_DATA, MEAN_DIGIT_DIGIT };
static const ArgSpec mean_digit_args[] = {
    [MEAN_DIGIT_DATA] = {
        .name = "data",
        .types = VT_OBJECT,
        .doc = "the dataset to average",
        .objtype = "dataset",
    },
    [MEAN_DIGIT_DIGIT] = {
        .name = "digit",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "average only this digit's images; none: all",
    },
};

/* The average image of a dataset: the fixed point of pure-noise training,
 * since the MSE-optimal answer to an input that says nothing is E[x]. */
static dk_status cmd_mean_digit(CallCtx *cx, Value **args, Value **out)
{
    const Dataset *ds = dataset_of(args[MEAN_DIGIT_DATA]);
    long digit = -1;
    dk_status rc = DK_OK;
    if (args[MEAN_DIGIT_DIGIT]->kind != VAL_NONE)
        rc = int_arg(cx, MEAN_DIGIT_DIGIT, args[MEAN_DIGIT_DIGIT], 0,
                     ds->classes - 1, &digit);
    const TsApi *api = NULL;
    if (rc != DK_OK || (rc = cmd_api(cx, &api)) != DK_OK)
        return rc;
    size_t px = (size_t)ds->h * (size_t)ds->w;
    double *sum = calloc(px, sizeof *sum);
    float *mean = malloc(px * sizeof *mean);
    if (!sum || !mean) {
        free(sum);
        free(mean);
        return cx_oom(cx);
    }
    long n = 0;
    for (int i = 0; i < ds->count; i++) {
        if (digit >= 0 && ds->labels[i] != digit)
            continue;
        const uint8_t *p = ds->pixels + (size_t)i * px;
        for (size_t k = 0; k < px; k++)
            sum[k] += p[k];
        n++;
    }
    for (size_t k = 0; k < px; k++)
        mean[k] = n ? (float)(sum[k] / n / 255.0) : 0.0f;
    free(sum);
    int64_t shape[4] = {1, 1, ds->h, ds->w};
    ts_tensor *cpu = NULL, *x = NULL;
    ts_status st = api->tensor_from_data(&cpu, mean, shape, 4, TS_F32);
    if (st == TS_OK)
        st = api->tensor_to_device(&x, cpu, TS_DEVICE_DEFAULT);
    api->tensor_free(cpu);
    free(mean);
    if (st != TS_OK)
        return backend_error(api, st, cx->err);
    if (n == 0) {
        api->tensor_free(x);
        return cx_error(cx, MEAN_DIGIT_DIGIT, DK_ERR_VALUE, "%s holds no "
                        "image of digit %ld", ds->name, digit);
    }
    return to_image(cx, api, x, out);
}

enum {
    UNET_DENOISE_MODEL, UNET_DENOISE_IMAGES, UNET_DENOISE_SIGMA,
    UNET_DENOISE_COUNT,
};
static const ArgSpec unet_denoise_args[] = {
    [UNET_DENOISE_MODEL] = {
        .name = "model",
        .types = VT_OBJECT,
        .doc = "a single-step denoiser",
        .objtype = "model",
    },
    [UNET_DENOISE_IMAGES] = {
        .name = "images",
        .types = VT_OBJECT,
        .doc = "a dataset (its first `count` digits) or gray 28x28 images",
    },
    [UNET_DENOISE_SIGMA] = {
        .name = "sigma",
        .types = VT_NUMBER | VT_LIST,
        .default_src = "0.5",
        .doc = "the noise level, or a list of them (OOD sweep of one digit)",
    },
    [UNET_DENOISE_COUNT] = {
        .name = "count",
        .types = VT_NUMBER,
        .default_src = "8",
        .doc = "digits taken from a dataset",
    },
};

static dk_status cmd_unet_denoise(CallCtx *cx, Value **args, Value **out)
{
    Model *m = NULL;
    if (partb_model_arg(cx, UNET_DENOISE_MODEL, args[UNET_DENOISE_MODEL], &m) != DK_OK)
        return cx->err->code;
    if (m->cfg.kind != TS_UNET_PLAIN)
        return cx_error(cx, UNET_DENOISE_MODEL, DK_ERR_ARG, "unet_denoise "
                        "needs the single-step denoiser (unet \"denoiser\"), "
                        "not a %s UNet", model_kind_name(m->cfg.kind));
    long count = 8;
    dk_status rc = int_arg(cx, UNET_DENOISE_COUNT, args[UNET_DENOISE_COUNT], 1,
                           MAX_IMAGES, &count);
    if (rc != DK_OK)
        return rc;
    /* sigma: one value, or a list (the OOD sweep of the first image) */
    double sig[64];
    size_t ns = 0;
    rc = sigmas_arg(cx, UNET_DENOISE_SIGMA, args[UNET_DENOISE_SIGMA], sig,
                    &ns);
    if (rc != DK_OK)
        return rc;
    const TsApi *api = NULL;
    if ((rc = cmd_api(cx, &api)) != DK_OK)
        return rc;
    ts_tensor *x = NULL;
    rc = clean_arg(cx, api, UNET_DENOISE_IMAGES, args[UNET_DENOISE_IMAGES],
                   ns > 1 ? 1 : count, &x);
    if (rc != DK_OK)
        return rc;
    ts_generator *g = cx_generator(cx, api);
    ts_tensor *z = NULL, *y = NULL;
    if (!g) {
        api->tensor_free(x);
        return cx->err->code;
    }
    if (ns == 1 || m->pure_noise) {
        /* a pure-noise model gets z = eps, the input it was trained on
         * (section 1.2.3): no sweep, sigma means nothing to it */
        rc = denoiser_input(m, x, sig[0], g, &z, cx->err);       /* [n,1,28,28] */
    } else {
        ts_tensor *zs[64] = {0};
        for (size_t i = 0; i < ns && rc == DK_OK; i++)
            rc = denoiser_noise(api, x, sig[i], g, &zs[i], cx->err); /* [1,1,28,28] */
        if (rc == DK_OK)
            rc = backend_error(api, api->tensor_cat(&z, (const ts_tensor *const *)zs,
                                                    (int)ns, 0), cx->err);
        for (size_t i = 0; i < ns; i++)
            api->tensor_free(zs[i]);
    }
    if (rc == DK_OK)
        rc = denoiser_apply(m, z, &y, cx->err);                      /* D(z) */
    Value *list = rc == DK_OK ? value_list_new(3) : NULL;
    if (rc == DK_OK && !list)
        rc = cx_oom(cx);
    ts_tensor *parts[3] = {x, z, y};
    for (int i = 0; i < 3; i++) {
        Value *v = NULL;
        if (rc == DK_OK)
            rc = to_image(cx, api, parts[i], &v);
        else
            api->tensor_free(parts[i]);
        if (rc == DK_OK)
            value_list_set(list, (size_t)i, v);
    }
    if (rc != DK_OK) {
        value_unref(list);
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    *out = list;
    return DK_OK;
}

static const Command commands[] = {
    {
        .name = "add_noise",
        .group = "Models",
        .summary = "Noise digits at several levels: z = x + σε.",
        .help = "The noising process of section 1.2: each digit with fresh "
                "Gaussian noise at each σ (no clipping; shown clamped to [0, "
                "1]), from the seeded stream (see `seed`). Returns one image "
                "batch with a row per digit and a column per σ: `show r "
                "columns=7`.",
        .example = "seed 180\n"
                   "test_set = mnist \"test\"\n"
                   "r = add_noise test_set count=3\n"
                   "show r columns=7",
        .args = add_noise_args,
        .nargs = ARRAY_LEN(add_noise_args),
        .fn = cmd_add_noise,
    },
    {
        .name = "mean_digit",
        .group = "Models",
        .summary = "The average image of a dataset.",
        .help = "The pixel-wise mean of every image (or every image of one "
                "digit). A denoiser trained on pure noise "
                "(`pure_noise=true`, section 1.2.3) sees inputs that say "
                "nothing about the digit, so the output that minimises its "
                "MSE is this mean: compare the two.",
        .example = "train_set = mnist \"train\"\n"
                   "m = mean_digit train_set\n"
                   "show m",
        .args = mean_digit_args,
        .nargs = ARRAY_LEN(mean_digit_args),
        .fn = cmd_mean_digit,
    },
    {
        .name = "generate",
        .group = "Models",
        .summary = "Draw digits from a flow-matching model.",
        .help = "Algorithm 2 (time) or 4 (class): x ← x0 ~ N(0, I); for t = "
                "0, 1/T, …, (T−1)/T: x ← x + u(x, t)/T, from the seeded "
                "stream (see `seed`). With a class model each step computes "
                "u = u_uncond + γ(u_cond − u_uncond), the conditional and "
                "unconditional halves in ONE forward pass of twice the "
                "images. Returns the batch as an image (clamped to [0, 1] "
                "for display), per_digit rows of the digits.",
        .example = "seed 180\n"
                   "model = unet \"class\" hidden=8\n"
                   "generate model per_digit=1 steps=5",
        .args = generate_args,
        .nargs = ARRAY_LEN(generate_args),
        .fn = cmd_generate,
    },
    {
        .name = "unet_denoise",
        .group = "Models",
        .summary = "Noise digits and denoise them in one step.",
        .help = "z = x + σε (no clipping), then the single-step denoiser "
                "D(z). Returns [clean, noisy, denoised], three image batches "
                "for `show`. With a list of σ the first digit is noised at "
                "each level: the out-of-distribution test of section 1.2.2 "
                "(trained at σ = 0.5). A model trained with "
                "`pure_noise=true` gets z = ε, the input it was trained on "
                "(section 1.2.3).",
        .example = "seed 180\n"
                   "test_set = mnist \"test\"\n"
                   "model = unet \"denoiser\" hidden=8\n"
                   "r = unet_denoise model test_set sigma=[0, 0.2, 0.4, 0.5, "
                   "0.6, 0.8, 1]\n"
                   "show r",
        .args = unet_denoise_args,
        .nargs = ARRAY_LEN(unet_denoise_args),
        .fn = cmd_unet_denoise,
    },
};

const CommandTable cmd_sample_table = {commands, ARRAY_LEN(commands)};
