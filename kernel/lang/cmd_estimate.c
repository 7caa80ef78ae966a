/*
 * cmd_estimate.c: the model as a building block, so a cell can write the
 * Part A loops itself (docs/part-a.md): noise_estimate (the denoiser's ε̂
 * for x_t, t and a condition, with classifier-free guidance) and
 * strided_timesteps (990, 960, ..., 0).  See registry.h for the calling
 * convention.
 *
 * Pixels: noise_estimate takes x and gives ε̂ in the model's own range,
 * as the algorithms of kernel/diffusion see them.  The MNIST models work
 * on [0, 1] (denoiser.h, unit_range), so a loop converts a -1..1 image
 * with (img + 1)/2 on the way in and clamp(x, 0, 1)*2 - 1 on the way
 * out: exactly what iterative_denoise does at its edges (cmd_denoise.c's
 * to_model and to_image), which is why a loop written this way agrees
 * with it.  Converting inside the command instead would hide an affine
 * map under every step, and the report's formulas would no longer hold
 * for the x the loop carries.
 */
#include <stdlib.h>

#include "../diffusion/a1_4_iterative.h"
#include "../diffusion/denoiser_flow.h"
#include "../util/array.h"
#include "cmd_denoise.h"
#include "cmd_image.h"
#include "cmd_model.h"

/* ---- noise_estimate ------------------------------------------------------- */

enum { NE_MODEL, NE_X, NE_T, NE_COND, NE_GUIDANCE, NE_VARIANCE };
static const ArgSpec estimate_args[] = {
    [NE_MODEL] = {.name = "model", .types = VT_OBJECT, .objtype = "model",
                  .doc = "the denoiser: a flow-matching model or DeepFloyd IF"},
    [NE_X] = {.name = "x", .types = VT_OBJECT, .objtype = "image",
              .doc = "x_t, in the model's pixel range ([0, 1] for MNIST)"},
    [NE_T] = {.name = "t", .types = VT_NUMBER,
              .doc = "the timestep of x, 0..999"},
    [NE_COND] = {.name = "cond", .types = VT_ANY, .default_src = "none",
                 .doc = "the condition: a class, a prompt, none, or a list "
                        "with one per image"},
    [NE_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "1",
                     .doc = "the CFG scale γ (1: none)"},
    [NE_VARIANCE] = {.name = "variance", .types = VT_BOOL,
                     .default_src = "false",
                     .doc = "give the variance channels v instead of ε̂"},
};

/* Everything a call checks before the network runs. */
static dk_status estimate_check(CallCtx *cx, Value **args, Denoiser *d,
                                DenoiseRun *run, long *t)
{
    const DImage *im = image_of(args[NE_X]);
    dk_status rc = int_arg(cx, NE_T, args[NE_T], 0, 999, t);
    double g = args[NE_GUIDANCE]->as.number;
    if (rc == DK_OK && !(g >= 0 && g <= 100))
        rc = cx_error(cx, NE_GUIDANCE, DK_ERR_ARG, "guidance=%g is not in "
                      "0..100", g);
    run->guide.guidance = g;
    Cond *conds = NULL;
    if (rc == DK_OK)
        rc = conds_arg(cx, NE_COND, args[NE_COND], im->n, &conds);
    run->guide.a = conds;
    if (rc == DK_OK && iterative_check(d, im->t, run, cx->err) != DK_OK)
        rc = cx_error(cx, NE_X, cx->err->code, "%s", cx->err->msg);
    if (rc == DK_OK && args[NE_VARIANCE]->as.boolean && !d->learned_variance)
        rc = cx_error(cx, NE_VARIANCE, DK_ERR_ARG, "%s has no variance "
                      "channels", d->name);
    return rc;
}

static dk_status cmd_noise_estimate(CallCtx *cx, Value **args, Value **out)
{
    const DImage *im = image_of(args[NE_X]);
    Denoiser *d = NULL;
    DenoiseRun run = {.guide = {.rule = NOISE_COND, .guidance = 1}};
    long t = 0;
    dk_status rc = denoiser_arg(cx, NE_MODEL, args[NE_MODEL], &d);
    if (rc == DK_OK)
        rc = estimate_check(cx, args, d, &run, &t);
    if (rc == DK_OK) {
        Expr s;
        ts_tensor *eps = NULL, *v = NULL;
        expr_begin(&s, d->api, cx->err);
        noise_estimate(&s, d, &run.guide, im->t, (int)t, &eps, &v);
        ts_tensor *kept = expr_keep(&s, args[NE_VARIANCE]->as.boolean ? v : eps);
        rc = expr_end(&s);
        DImage *res = NULL;
        if (rc == DK_OK)
            rc = dimage_wrap(d->api, kept, 0, &res, cx->err);
        if (rc == DK_OK && !(*out = image_value(res)))
            rc = cx_oom(cx);
    }
    free((void *)run.guide.a);
    denoiser_free(d);
    return rc;
}

/* ---- strided_timesteps ----------------------------------------------------- */

static dk_status cmd_strided_timesteps(CallCtx *cx, Value **args, Value **out)
{
    *out = value_list_new(STRIDED_COUNT);
    for (int i = 0; *out && i < STRIDED_COUNT; i++) {
        Value *v = value_number(strided_timestep(i));
        if (!v) {
            value_unref(*out);
            *out = NULL;
            break;
        }
        value_list_set(*out, (size_t)i, v);
    }
    return *out ? DK_OK : cx_oom(cx);
}

/* ---- the table ------------------------------------------------------------- */

#define LOAD_MODEL "model = load_model \"models/mnist-class-cpu.safetensors\"\n"

static const Command commands[] = {
    {.name = "noise_estimate", .group = "Part A",
     .summary = "Ask the denoiser for its noise estimate ε̂ of an image at timestep t.",
     .help = "The building block of sections 1.3-1.9: the UNet's ε̂ for x_t "
             "at timestep t under a condition, with classifier-free guidance "
             "when guidance ≠ 1 (ε̂ = ε̂_u + γ(ε̂_c − ε̂_u)). x and ε̂ are in "
             "the model's own pixel range: the MNIST models work on [0, 1], "
             "so convert an image with `(img + 1) / 2` first and the result "
             "back with `clamp(x, 0, 1) * 2 - 1`, as iterative_denoise does. "
             "variance=true gives the model's variance channels v instead "
             "(DeepFloyd only; the MNIST models have none).",
     .example = LOAD_MODEL "seed 0\ndigit = digits (mnist \"test\")\n"
                "noisy = forward digit t=690\nx = (noisy + 1) / 2\n"
                "eps = noise_estimate model x 690 cond=7\n"
                "x0 = (x - sqrt(1 - alpha_bar 690) * eps) / sqrt(alpha_bar 690)\n"
                "show (clamp(x0, 0, 1) * 2 - 1)",
     .args = estimate_args, .nargs = ARRAY_LEN(estimate_args),
     .fn = cmd_noise_estimate},
    {.name = "strided_timesteps", .group = "Part A",
     .summary = "List the strided timesteps 990, 960, ..., 30, 0 of section 1.4.",
     .help = "The 34 timesteps iterative_denoise walks, stride 30; i_start "
             "indexes them (10 is t = 690). The same as `990..0 by -30`.",
     .example = "ts = strided_timesteps\nprint ts[10] len ts",
     .fn = cmd_strided_timesteps},
};

const CommandTable cmd_estimate_table = {commands, ARRAY_LEN(commands)};
