/*
 * cmd_denoise.c: the commands of CS180 Part A, sections 1.3-1.9, over the
 * denoiser interface (diffusion/denoiser.h): one_step, iterative_denoise,
 * sample, sdedit, inpaint, anagram and hybrid, with turn (an anagram's
 * second view), gray and draw (a sketch from strokes, for 1.7.1).  Thin
 * adapters over the a1_*.c files; see registry.h for the calling
 * convention.
 *
 * The model argument is a flow-matching model value (the shipped MNIST
 * model serves every section on a CPU) or DeepFloyd IF (`deepfloyd`, its
 * stage I); a denoiser is made from it per call.  Images hold [-1, 1]; a denoiser that works on [0, 1] (the MNIST
 * models) gets (x + 1)/2 and its results come back clamped to [0, 1] and
 * mapped 2x - 1, as in Part B's commands.
 *
 * Conditions (cond=, a=, b=, low=, high=): a digit 0..9 for a class model,
 * a prompt string for a text-conditioned model, none for the model's
 * unconditional input, or a list with one per image.
 *
 * seeds=: none draws from the session's seeded stream (`seed`); a number k
 * runs k times from the seeds s, s+1, ..., s+k-1 (s: the last `seed`, or
 * 0) and a list runs once per listed seed.  The results come back as one
 * batch, shown as a grid: the course tried about 20 seeds for hybrids.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../diffusion/a1_2_blur.h"
#include "../diffusion/a1_3_one_step.h"
#include "../diffusion/a1_5_sampling.h"
#include "../diffusion/a1_7_2_inpaint.h"
#include "../diffusion/a1_7_sdedit.h"
#include "../diffusion/a1_8_anagrams.h"
#include "../diffusion/denoiser_flow.h"
#include "../diffusion/denoiser_if.h"
#include "../diffusion/rng.h"
#include "../render/progression.h"
#include "../render/sketch.h"
#include "../util/array.h"
#include "cmd_bar.h"
#include "cmd_deepfloyd.h"
#include "cmd_denoise.h"
#include "cmd_image.h"
#include "cmd_model.h"

#define MAX_SEEDS 256
#define MAX_IMAGES 256

/* ---- arguments ------------------------------------------------------------ */

/* The denoiser of a model value (new; denoiser_free it). */
dk_status denoiser_arg(CallCtx *cx, int arg, const Value *v,
                              Denoiser **d)
{
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    DeepFloyd *df = deepfloyd_of(v);
    rc = df ? denoiser_if_new(df, 1, d, cx->err)
            : denoiser_flow_new(model_of(v), d, cx->err);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->arg_spans[arg]);
    return rc;
}

/* One condition from a value: a whole number (a class), a string (a
 * prompt, borrowed from v), or none. */
static dk_status cond_of(CallCtx *cx, int arg, const Value *v, Cond *c)
{
    if (v->kind == VAL_NONE) {
        *c = COND_NULL;
        return DK_OK;
    }
    if (v->kind == VAL_STRING) {
        *c = (Cond){.kind = COND_PROMPT, .prompt = v->as.str.bytes};
        return DK_OK;
    }
    if (v->kind == VAL_NUMBER) {
        long cls = 0;
        dk_status rc = int_arg(cx, arg, v, -1000000, 1000000, &cls);
        *c = (Cond){.kind = COND_CLASS, .cls = (int)cls};
        return rc;
    }
    return cx_error(cx, arg, DK_ERR_TYPE, "a condition is a class (a number), "
                    "a prompt (a string) or none, not a %s", value_type_name(v));
}

/* n conditions: one value for all, or a list of n.  *conds is malloc'd. */
dk_status conds_arg(CallCtx *cx, int arg, const Value *v, int n,
                           Cond **conds)
{
    *conds = calloc((size_t)n, sizeof **conds);
    if (!*conds)
        return cx_oom(cx);
    if (v->kind == VAL_LIST && (int)v->as.list.len != n) {
        cx_error(cx, arg, DK_ERR_ARG, "%zu conditions for %d images",
                 v->as.list.len, n);
        dk_err_hint(cx->err, "give one condition for all, or one per image");
        return DK_ERR_ARG;
    }
    for (int i = 0; i < n; i++) {
        const Value *item = v->kind == VAL_LIST ? v->as.list.items[i] : v;
        dk_status rc = cond_of(cx, arg, item, &(*conds)[i]);
        if (rc != DK_OK)
            return rc;
    }
    return DK_OK;
}

/* Guidance γ from a number: 0..100. */
static dk_status guidance_arg(CallCtx *cx, int arg, const Value *v, double *g)
{
    *g = v->as.number;
    if (!(*g >= 0 && *g <= 100))
        return cx_error(cx, arg, DK_ERR_ARG, "guidance=%g is not in 0..100", *g);
    return DK_OK;
}

/* i_start: an index into the strided timesteps, 0..32. */
static dk_status i_start_arg(CallCtx *cx, int arg, const Value *v, long *i)
{
    dk_status rc = int_arg(cx, arg, v, 0, STRIDED_COUNT - 2, i);
    if (rc != DK_OK)
        dk_err_hint(cx->err, "i_start indexes the strided timesteps 990, 960, "
                    "..., 30, 0: 0 starts from pure noise (t=990), 10 from "
                    "t=690, 32 from t=30");
    return rc;
}

/* The seeds to run: none (the session stream: *n = 0), a count or a
 * list.  *seeds is malloc'd (NULL when *n = 0). */
static dk_status seeds_arg(CallCtx *cx, int arg, const Value *v,
                           uint64_t **seeds, int *n)
{
    *seeds = NULL;
    *n = 0;
    if (v->kind == VAL_NONE)
        return DK_OK;
    long count = v->kind == VAL_LIST ? (long)v->as.list.len : 0;
    if (v->kind == VAL_NUMBER) {
        dk_status rc = int_arg(cx, arg, v, 1, MAX_SEEDS, &count);
        if (rc != DK_OK)
            return rc;
    } else if (count < 1 || count > MAX_SEEDS) {
        return cx_error(cx, arg, DK_ERR_ARG, "%ld seeds: give 1..%d",
                        count, MAX_SEEDS);
    }
    uint64_t first = 0;
    cx_last_seed(cx, &first);
    *seeds = malloc((size_t)count * sizeof **seeds);
    if (!*seeds)
        return cx_oom(cx);
    for (long i = 0; i < count; i++) {
        long s = (long)(first + (uint64_t)i);
        if (v->kind == VAL_LIST) {
            dk_status rc = int_arg(cx, arg, v->as.list.items[i], 0, 0x7fffffffL, &s);
            if (rc != DK_OK)
                return rc;
        }
        (*seeds)[i] = (uint64_t)s;
    }
    *n = (int)count;
    return DK_OK;
}

/* ---- pixels between the language and the denoiser ---------------------- */

/* im's tensor in the denoiser's range: a new tensor. */
static dk_status to_model(CallCtx *cx, const Denoiser *d, const DImage *im,
                          ts_tensor **out)
{
    Expr s;
    expr_begin(&s, d->api, cx->err);
    /* [-1, 1] -> [0, 1]: (x + 1)/2 */
    ts_tensor *x = d->unit_range ? plus(&s, scale(&s, 0.5, im->t), 0.5)
                                 : scale(&s, 1.0, im->t);
    *out = expr_keep(&s, x);
    return expr_end(&s);
}

/* A result in the denoiser's range as a new image (takes x). */
static dk_status to_image(CallCtx *cx, const Denoiser *d, ts_tensor *x,
                          DImage **out)
{
    Expr s;
    expr_begin(&s, d->api, cx->err);
    expr_adopt(&s, x);
    /* [0, 1] -> [-1, 1]: 2x - 1, clamped as Part B shows digits */
    ts_tensor *y = d->unit_range ? plus(&s, scale(&s, 2.0, clamp(&s, x, 0.0, 1.0)), -1.0)
                                 : x;
    ts_tensor *kept = expr_keep(&s, y);
    if (expr_end(&s) != DK_OK)
        return cx->err->code;
    return dimage_wrap(d->api, kept, 0, out, cx->err);
}

static dk_status image_result(CallCtx *cx, const Denoiser *d, ts_tensor *x,
                              Value **out)
{
    DImage *im = NULL;
    dk_status rc = to_image(cx, d, x, &im);
    if (rc != DK_OK)
        return rc;
    *out = image_value(im);
    return *out ? DK_OK : cx_oom(cx);
}

/* A list value of the given images (taken over). */
static dk_status list_result(CallCtx *cx, DImage **ims, size_t n, Value **out)
{
    Value *list = value_list_new(n);
    for (size_t i = 0; i < n; i++) {
        Value *v = list ? image_value(ims[i]) : NULL;
        if (!v) {
            for (size_t k = list ? i + 1 : i; k < n; k++)
                dimage_free(ims[k]);
            value_unref(list);
            return cx_oom(cx);
        }
        value_list_set(list, i, v);
    }
    *out = list;
    return DK_OK;
}

/* ---- running once per seed --------------------------------------------- */

/* One run of an algorithm on generator g: *out is its batch. */
typedef dk_status (*RunFn)(void *ctx, Denoiser *d, ts_generator *g,
                           const DiffProgress *progress, ts_tensor **out,
                           DkErr *err);

/* One bar over several runs: a run's step k is step base + k overall. */
typedef struct RunProgress {
    DiffProgress hook;
    const DiffProgress *bar;
    long base, total;
} RunProgress;

static void run_step(void *ctx, long step, long run_total)
{
    const RunProgress *p = ctx;
    (void)run_total;
    diff_progress(p->bar, p->base + step, p->total);
}

/* Run fn on the session stream (no seeds) or once per seed, joining the
 * batches; one progress bar over every step. */
static dk_status run_seeds(CallCtx *cx, Denoiser *d, const char *label,
                           long steps, const uint64_t *seeds, int nseeds,
                           RunFn fn, void *ctx, ts_tensor **out)
{
    const TsApi *api = d->api;
    const int runs = nseeds ? nseeds : 1;
    CmdBar bar;
    cmdbar_start(&bar, cx, label, steps * runs);
    ts_tensor *all = NULL;
    dk_status rc = DK_OK;
    for (int i = 0; i < runs && rc == DK_OK; i++) {
        ts_generator *own = NULL, *g = NULL;
        if (nseeds) {
            ts_status st = api->generator_new(&own, seeds[i]);
            g = own;
            if (st != TS_OK)
                rc = backend_error(api, st, cx->err);
        } else {
            g = cx_generator(cx, api);
            rc = g ? DK_OK : cx->err->code;
        }
        /* this run's steps count after the runs before it */
        RunProgress rp = {{run_step, &rp}, &bar.hook, (long)i * steps,
                          steps * runs};
        ts_tensor *x = NULL;
        if (rc == DK_OK)
            rc = fn(ctx, d, g, &rp.hook, &x, cx->err);
        api->generator_free(own);
        if (rc != DK_OK && nseeds)
            dk_err_prefix(cx->err, "seed %llu: ", (unsigned long long)seeds[i]);
        if (rc != DK_OK)
            break;
        if (!all) {
            all = x;
            continue;
        }
        Expr s;
        expr_begin(&s, api, cx->err);
        ts_tensor *joined = expr_keep(&s, cat2(&s, all, x, 0));
        rc = expr_end(&s);
        api->tensor_free(all);
        api->tensor_free(x);
        all = joined;
    }
    cmdbar_finish(&bar, rc);
    if (rc != DK_OK) {
        api->tensor_free(all);
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    *out = all;
    return DK_OK;
}

/* The progression of a run: frame i of the batch's first image at its
 * timestep, then the final image at t = 0. */
static dk_status show_progression(CallCtx *cx, const Denoiser *d,
                                  ts_tensor **frames, const int *ts, int n,
                                  const ts_tensor *final, const char *title)
{
    RImage **pics = calloc((size_t)n + 1, sizeof *pics);
    int *steps = calloc((size_t)n + 1, sizeof *steps);
    dk_status rc = pics && steps ? DK_OK : cx_oom(cx);
    int made = 0;
    for (int i = 0; rc == DK_OK && i <= n; i++) {
        ts_tensor *copy = NULL;
        const ts_tensor *src = i < n ? frames[i] : final;
        ts_status st = d->api->tensor_axpby(&copy, 1.0, src, 0.0, src);
        DImage *im = NULL;
        rc = st == TS_OK ? to_image(cx, d, copy, &im) : backend_error(d->api, st, cx->err);
        if (rc == DK_OK) {
            pics[made] = dimage_to_rimage(im, 0, cx->err);
            rc = pics[made] ? DK_OK : cx->err->code;
            steps[made] = i < n ? ts[i] : 0;
            made += pics[made] != NULL;
        }
        dimage_free(im);
    }
    json_t *data = NULL, *meta = NULL;
    if (rc == DK_OK)
        rc = progression_bundle((const RImage *const *)pics, steps, made, title,
                                0, &data, &meta, cx->err);
    if (rc == DK_OK)
        cx_display(cx, data, meta);
    for (int i = 0; i < made; i++)
        image_free(pics[i]);
    free(pics);
    free(steps);
    return rc;
}

static void free_tensors(const TsApi *api, ts_tensor **ts, int n)
{
    for (int i = 0; ts && i < n; i++)
        api->tensor_free(ts[i]);
    free(ts);
}

/* ---- 1.3 one_step ---------------------------------------------------------- */

enum { ONE_MODEL, ONE_IMAGES, ONE_T, ONE_COND, ONE_GUIDANCE };
static const ArgSpec one_step_args[] = {
    [ONE_MODEL] = {.name = "model", .types = VT_OBJECT,
                   .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [ONE_IMAGES] = {.name = "images", .types = VT_OBJECT | VT_LIST,
                    .doc = "a noisy image x_t, or a list of them"},
    [ONE_T] = {.name = "t", .types = VT_NUMBER | VT_LIST,
               .doc = "the timestep of each image (one for all, or a list)"},
    [ONE_COND] = {.name = "cond", .types = VT_ANY, .default_src = "none",
                  .doc = "the condition: a class, a prompt or none"},
    [ONE_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "1",
                      .doc = "the CFG scale γ (1: none, as the course)"},
};

static dk_status one_step_image(CallCtx *cx, Denoiser *d, const DImage *im,
                                int t, const Value *cond, double gamma,
                                DImage **out)
{
    Cond *conds = NULL;
    ts_tensor *x_t = NULL, *x0 = NULL;
    dk_status rc = conds_arg(cx, ONE_COND, cond, im->n, &conds);
    if (rc == DK_OK)
        rc = to_model(cx, d, im, &x_t);
    if (rc == DK_OK)
        rc = one_step_denoise(d, x_t, t, conds, gamma, &x0, cx->err);
    if (rc == DK_OK)
        rc = to_image(cx, d, x0, out);
    d->api->tensor_free(x_t);
    free(conds);
    return rc;
}

static dk_status cmd_one_step(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    const DImage **ims = NULL;
    size_t n = 0;
    double gamma = 1;
    const Value *tv = args[ONE_T];
    dk_status rc = denoiser_arg(cx, ONE_MODEL, args[ONE_MODEL], &d);
    if (rc == DK_OK)
        rc = guidance_arg(cx, ONE_GUIDANCE, args[ONE_GUIDANCE], &gamma);
    if (rc == DK_OK)
        rc = images_arg(cx, ONE_IMAGES, args[ONE_IMAGES], &ims, &n);
    if (rc == DK_OK && tv->kind == VAL_LIST && tv->as.list.len != n) {
        cx_error(cx, ONE_T, DK_ERR_ARG, "%zu timesteps for %zu images",
                 tv->as.list.len, n);
        dk_err_hint(cx->err, "give one t for all, or one per image");
        rc = DK_ERR_ARG;
    }
    DImage **res = rc == DK_OK ? calloc(n, sizeof *res) : NULL;
    if (rc == DK_OK && !res)
        rc = cx_oom(cx);
    for (size_t i = 0; rc == DK_OK && i < n; i++) {
        long t = 0;
        rc = int_arg(cx, ONE_T, tv->kind == VAL_LIST ? tv->as.list.items[i] : tv,
                     0, SCHEDULE_T - 1, &t);
        if (rc == DK_OK)
            rc = one_step_image(cx, d, ims[i], (int)t, args[ONE_COND], gamma, &res[i]);
        if (rc != DK_OK && n > 1)
            dk_err_prefix(cx->err, "image %zu: ", i);
    }
    if (rc == DK_OK && image_of(args[ONE_IMAGES])) {
        *out = image_value(res[0]);
        rc = *out ? DK_OK : cx_oom(cx);
    } else if (rc == DK_OK) {
        rc = list_result(cx, res, n, out);
    } else {
        for (size_t i = 0; res && i < n; i++)
            dimage_free(res[i]);
        dk_err_at(cx->err, cx->span);
    }
    free(res);
    free(ims);
    denoiser_free(d);
    return rc;
}

/* ---- 1.4 iterative_denoise ------------------------------------------------- */

enum { IT_MODEL, IT_IMAGE, IT_I_START, IT_COND, IT_GUIDANCE, IT_EVERY, IT_TITLE };
static const ArgSpec iterative_args[] = {
    [IT_MODEL] = {.name = "model", .types = VT_OBJECT,
                  .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [IT_IMAGE] = {.name = "image", .types = VT_OBJECT, .objtype = "image",
                  .doc = "the noisy image at the timestep of i_start"},
    [IT_I_START] = {.name = "i_start", .types = VT_NUMBER, .default_src = "10",
                    .doc = "where to start in 990, 960, ..., 0 (10: t=690)"},
    [IT_COND] = {.name = "cond", .types = VT_ANY, .default_src = "none",
                 .doc = "the condition: a class, a prompt or none"},
    [IT_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "1",
                     .doc = "the CFG scale γ (1: none)"},
    [IT_EVERY] = {.name = "every", .types = VT_NUMBER, .default_src = "5",
                  .doc = "show x_t every this many steps as a progression (0: no)"},
    [IT_TITLE] = {.name = "title", .types = VT_STRING, .default_src = "\"\"",
                  .doc = "the progression's title"},
};

static dk_status cmd_iterative_denoise(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    const DImage *im = image_of(args[IT_IMAGE]);
    long i_start = 0, every = 0;
    Cond *conds = NULL;
    ts_tensor *x = NULL, *res = NULL, **frames = NULL;
    int *frame_t = NULL, nframes = 0;
    DenoiseRun run = {.guide = {.rule = NOISE_COND}};
    dk_status rc = denoiser_arg(cx, IT_MODEL, args[IT_MODEL], &d);
    if (rc == DK_OK)
        rc = i_start_arg(cx, IT_I_START, args[IT_I_START], &i_start);
    if (rc == DK_OK)
        rc = int_arg(cx, IT_EVERY, args[IT_EVERY], 0, STRIDED_COUNT, &every);
    if (rc == DK_OK)
        rc = guidance_arg(cx, IT_GUIDANCE, args[IT_GUIDANCE], &run.guide.guidance);
    if (rc == DK_OK)
        rc = conds_arg(cx, IT_COND, args[IT_COND], im->n, &conds);
    if (rc == DK_OK && !(run.g = cx_generator(cx, d->api)))
        rc = cx->err->code;
    if (rc == DK_OK)
        rc = to_model(cx, d, im, &x);
    if (rc == DK_OK) {
        CmdBar bar;
        run.i_start = (int)i_start;
        run.every = (int)every;
        run.guide.a = conds;
        run.progress = &bar.hook;
        cmdbar_start(&bar, cx, "iterative_denoise", STRIDED_COUNT - 1 - i_start);
        rc = iterative_denoise(d, x, &run, &res, every ? &frames : NULL,
                               &frame_t, &nframes, cx->err);
        cmdbar_finish(&bar, rc);
        if (rc != DK_OK)
            dk_err_at(cx->err, cx->span);
    }
    if (rc == DK_OK && every)
        rc = show_progression(cx, d, frames, frame_t, nframes, res,
                              args[IT_TITLE]->as.str.bytes);
    if (rc == DK_OK) {
        rc = image_result(cx, d, res, out);
        res = NULL;
    }
    if (d) {
        d->api->tensor_free(x);
        d->api->tensor_free(res);
        free_tensors(d->api, frames, nframes);
    }
    free(frame_t);
    free(conds);
    denoiser_free(d);
    return rc;
}

/* ---- the guided runs: 1.5-1.9 ------------------------------------------------ */

typedef enum { START_NOISE, START_SDEDIT, START_INPAINT } Start;

/* One run of a section's algorithm, for run_seeds. */
typedef struct GuidedRun {
    DenoiseRun run;      /* the guide, i_start, the mask */
    Start start;
    int n;               /* images drawn from noise */
    const ts_tensor *x;  /* SDEdit's image, inpainting's original */
} GuidedRun;

static dk_status guided_run(void *ctx, Denoiser *d, ts_generator *g,
                            const DiffProgress *progress, ts_tensor **out,
                            DkErr *err)
{
    const GuidedRun *r = ctx;
    DenoiseRun run = r->run;
    run.g = g;
    run.progress = progress;
    switch (r->start) {
    case START_SDEDIT:
        return sdedit(d, r->x, &run, out, err);
    case START_INPAINT:
        return inpaint(d, r->x, r->run.mask, &run, out, err);
    default:
        return sample_from_noise(d, r->n, &run, out, NULL, NULL, NULL, err);
    }
}

/* Run r per seed and return the batch as an image value. */
static dk_status guided_result(CallCtx *cx, Denoiser *d, GuidedRun *r,
                               const char *label, const Value *seedv,
                               int seeds_arg_index, Value **out)
{
    uint64_t *seeds = NULL;
    int nseeds = 0;
    ts_tensor *x = NULL;
    dk_status rc = seeds_arg(cx, seeds_arg_index, seedv, &seeds, &nseeds);
    if (rc == DK_OK && r->start != START_NOISE)  /* noise runs check at once */
        rc = iterative_check(d, r->x, &r->run, cx->err);
    if (rc != DK_OK) {
        free(seeds);
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    rc = run_seeds(cx, d, label, STRIDED_COUNT - 1 - r->run.i_start, seeds,
                   nseeds, guided_run, r, &x);
    free(seeds);
    return rc == DK_OK ? image_result(cx, d, x, out) : rc;
}

/* A count of images per run, 1..MAX_IMAGES. */
static dk_status count_arg(CallCtx *cx, int arg, const Value *v, int *n)
{
    long k = 0;
    dk_status rc = int_arg(cx, arg, v, 1, MAX_IMAGES, &k);
    *n = (int)k;
    return rc;
}

/* 1.5 and 1.6: sample */
enum { SAMPLE_MODEL, SAMPLE_N, SAMPLE_COND, SAMPLE_GUIDANCE, SAMPLE_SEEDS };
static const ArgSpec sample_args[] = {
    [SAMPLE_MODEL] = {.name = "model", .types = VT_OBJECT,
                      .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [SAMPLE_N] = {.name = "n", .types = VT_NUMBER, .default_src = "5",
                  .doc = "images per seed"},
    [SAMPLE_COND] = {.name = "cond", .types = VT_ANY, .default_src = "none",
                     .doc = "the condition: a class, a prompt, none, or a list"},
    [SAMPLE_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "1",
                         .doc = "the CFG scale γ (1: none; the course's 1.6 uses 7)"},
    [SAMPLE_SEEDS] = {.name = "seeds", .types = VT_NONE | VT_NUMBER | VT_LIST,
                      .default_src = "none",
                      .doc = "none (the session's stream), a count, or a list of seeds"},
};

static dk_status cmd_sample(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    Cond *conds = NULL;
    GuidedRun r = {.start = START_NOISE, .run.guide.rule = NOISE_COND};
    dk_status rc = denoiser_arg(cx, SAMPLE_MODEL, args[SAMPLE_MODEL], &d);
    if (rc == DK_OK)
        rc = count_arg(cx, SAMPLE_N, args[SAMPLE_N], &r.n);
    if (rc == DK_OK)
        rc = guidance_arg(cx, SAMPLE_GUIDANCE, args[SAMPLE_GUIDANCE],
                          &r.run.guide.guidance);
    if (rc == DK_OK)
        rc = conds_arg(cx, SAMPLE_COND, args[SAMPLE_COND], r.n, &conds);
    r.run.guide.a = conds;
    if (rc == DK_OK)
        rc = guided_result(cx, d, &r, "sample", args[SAMPLE_SEEDS], SAMPLE_SEEDS, out);
    free(conds);
    denoiser_free(d);
    return rc;
}

/* 1.7: sdedit */
enum { SDEDIT_MODEL, SDEDIT_IMAGE, SDEDIT_I_START, SDEDIT_COND, SDEDIT_GUIDANCE };
static const ArgSpec sdedit_args[] = {
    [SDEDIT_MODEL] = {.name = "model", .types = VT_OBJECT,
                      .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [SDEDIT_IMAGE] = {.name = "image", .types = VT_OBJECT, .objtype = "image",
                      .doc = "the image to edit, of the model's size"},
    [SDEDIT_I_START] = {.name = "i_start", .types = VT_NUMBER | VT_LIST,
                        .default_src = "[1, 3, 5, 7, 10, 20]",
                        .doc = "the noise level(s) as indices into 990, 960, ..., 0"},
    [SDEDIT_COND] = {.name = "cond", .types = VT_ANY, .default_src = "none",
                     .doc = "the condition: a class, a prompt or none"},
    [SDEDIT_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "7",
                         .doc = "the CFG scale γ"},
};

static dk_status cmd_sdedit(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    Cond *conds = NULL;
    ts_tensor *x = NULL;
    const DImage *im = image_of(args[SDEDIT_IMAGE]);
    const Value *iv = args[SDEDIT_I_START];
    const size_t n = iv->kind == VAL_LIST ? iv->as.list.len : 1;
    GuidedRun r = {.start = START_SDEDIT, .run.guide.rule = NOISE_COND};
    DImage **res = calloc(n ? n : 1, sizeof *res);
    dk_status rc = res ? denoiser_arg(cx, SDEDIT_MODEL, args[SDEDIT_MODEL], &d)
                       : cx_oom(cx);
    if (rc == DK_OK && n == 0)
        rc = cx_error(cx, SDEDIT_I_START, DK_ERR_ARG, "the list of i_start is empty");
    if (rc == DK_OK)
        rc = guidance_arg(cx, SDEDIT_GUIDANCE, args[SDEDIT_GUIDANCE],
                          &r.run.guide.guidance);
    if (rc == DK_OK)
        rc = conds_arg(cx, SDEDIT_COND, args[SDEDIT_COND], im->n, &conds);
    if (rc == DK_OK)
        rc = to_model(cx, d, im, &x);
    r.x = x;
    r.run.guide.a = conds;
    /* every level's i_start first, so a typo in the list costs no work */
    long *levels = rc == DK_OK ? calloc(n, sizeof *levels) : NULL;
    if (rc == DK_OK && !levels)
        rc = cx_oom(cx);
    for (size_t i = 0; rc == DK_OK && i < n; i++)
        rc = i_start_arg(cx, SDEDIT_I_START,
                         iv->kind == VAL_LIST ? iv->as.list.items[i] : iv, &levels[i]);
    for (size_t i = 0; rc == DK_OK && i < n; i++) {
        ts_tensor *y = NULL;
        r.run.i_start = (int)levels[i];
        rc = iterative_check(d, x, &r.run, cx->err);
        if (rc == DK_OK)
            rc = run_seeds(cx, d, "sdedit", STRIDED_COUNT - 1 - r.run.i_start,
                           NULL, 0, guided_run, &r, &y);
        if (rc == DK_OK)
            rc = to_image(cx, d, y, &res[i]);
        if (rc != DK_OK) {
            dk_err_prefix(cx->err, "i_start=%ld: ", levels[i]);
            dk_err_at(cx->err, cx->span);
        }
    }
    if (rc == DK_OK && iv->kind != VAL_LIST) {
        *out = image_value(res[0]);
        rc = *out ? DK_OK : cx_oom(cx);
    } else if (rc == DK_OK) {
        rc = list_result(cx, res, n, out);
    } else {
        for (size_t i = 0; res && i < n; i++)
            dimage_free(res[i]);
    }
    free(levels);
    free(res);
    free(conds);
    if (d)
        d->api->tensor_free(x);
    denoiser_free(d);
    return rc;
}

/* 1.7.2: inpaint */
enum { INPAINT_MODEL, INPAINT_IMAGE, INPAINT_MASK, INPAINT_COND, INPAINT_GUIDANCE,
       INPAINT_SEEDS };
static const ArgSpec inpaint_args[] = {
    [INPAINT_MODEL] = {.name = "model", .types = VT_OBJECT,
                       .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [INPAINT_IMAGE] = {.name = "image", .types = VT_OBJECT, .objtype = "image",
                       .doc = "the original image, of the model's size"},
    [INPAINT_MASK] = {.name = "mask", .types = VT_OBJECT, .objtype = "image",
                      .doc = "1 where new content goes, 0 where the image stays (`mask`)"},
    [INPAINT_COND] = {.name = "cond", .types = VT_ANY, .default_src = "none",
                      .doc = "the condition: a class, a prompt or none"},
    [INPAINT_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "7",
                          .doc = "the CFG scale γ"},
    [INPAINT_SEEDS] = {.name = "seeds", .types = VT_NONE | VT_NUMBER | VT_LIST,
                       .default_src = "none",
                       .doc = "none (the session's stream), a count, or a list of seeds"},
};

static dk_status cmd_inpaint(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    Cond *conds = NULL;
    ts_tensor *x = NULL;
    const DImage *im = image_of(args[INPAINT_IMAGE]);
    const DImage *m = image_of(args[INPAINT_MASK]);
    GuidedRun r = {.start = START_INPAINT, .run.guide.rule = NOISE_COND};
    dk_status rc = denoiser_arg(cx, INPAINT_MODEL, args[INPAINT_MODEL], &d);
    if (rc == DK_OK && !m->mask)
        rc = cx_error(cx, INPAINT_MASK, DK_ERR_ARG, "the mask is a picture, "
                      "not a mask: make one with `mask` (1 = new content)");
    if (rc == DK_OK)
        rc = guidance_arg(cx, INPAINT_GUIDANCE, args[INPAINT_GUIDANCE],
                          &r.run.guide.guidance);
    if (rc == DK_OK)
        rc = conds_arg(cx, INPAINT_COND, args[INPAINT_COND], im->n, &conds);
    if (rc == DK_OK)
        rc = to_model(cx, d, im, &x);
    r.x = x;
    r.run.mask = m->t;
    r.run.x_orig = x;
    r.run.guide.a = conds;
    if (rc == DK_OK)
        rc = guided_result(cx, d, &r, "inpaint", args[INPAINT_SEEDS], INPAINT_SEEDS, out);
    free(conds);
    if (d)
        d->api->tensor_free(x);
    denoiser_free(d);
    return rc;
}

/* 1.8 and 1.9: two conditions, from noise */
static dk_status two_conds(CallCtx *cx, int arg_a, int arg_b, Value **args,
                           int n, Cond **a, Cond **b)
{
    dk_status rc = conds_arg(cx, arg_a, args[arg_a], n, a);
    return rc == DK_OK ? conds_arg(cx, arg_b, args[arg_b], n, b) : rc;
}

enum { ANA_MODEL, ANA_A, ANA_B, ANA_VIEW, ANA_GUIDANCE, ANA_N, ANA_SEEDS };
static const ArgSpec anagram_args[] = {
    [ANA_MODEL] = {.name = "model", .types = VT_OBJECT,
                   .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [ANA_A] = {.name = "a", .types = VT_ANY, .doc = "what the image shows as it is"},
    [ANA_B] = {.name = "b", .types = VT_ANY, .doc = "what it shows seen through the view"},
    [ANA_VIEW] = {.name = "view", .types = VT_STRING, .default_src = "\"flip\"",
                  .doc = "\"flip\" (upside down, the course) or \"rot180\""},
    [ANA_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "7",
                      .doc = "the CFG scale γ"},
    [ANA_N] = {.name = "n", .types = VT_NUMBER, .default_src = "1",
               .doc = "images per seed"},
    [ANA_SEEDS] = {.name = "seeds", .types = VT_NONE | VT_NUMBER | VT_LIST,
                   .default_src = "none",
                   .doc = "none (the session's stream), a count, or a list of seeds"},
};

static dk_status view_arg(CallCtx *cx, int arg, const Value *v, AnagramView *view)
{
    int k = anagram_view_parse(v->as.str.bytes);
    if (k < 0) {
        cx_error(cx, arg, DK_ERR_ARG, "unknown view \"%s\"", v->as.str.bytes);
        dk_err_hint(cx->err, "view=\"flip\" (upside down) or \"rot180\" (half a turn)");
        return DK_ERR_ARG;
    }
    *view = (AnagramView)k;
    return DK_OK;
}

static dk_status cmd_anagram(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    Cond *a = NULL, *b = NULL;
    GuidedRun r = {.start = START_NOISE, .run.guide.rule = NOISE_ANAGRAM};
    dk_status rc = denoiser_arg(cx, ANA_MODEL, args[ANA_MODEL], &d);
    if (rc == DK_OK)
        rc = view_arg(cx, ANA_VIEW, args[ANA_VIEW], &r.run.guide.view);
    if (rc == DK_OK)
        rc = count_arg(cx, ANA_N, args[ANA_N], &r.n);
    if (rc == DK_OK)
        rc = guidance_arg(cx, ANA_GUIDANCE, args[ANA_GUIDANCE], &r.run.guide.guidance);
    if (rc == DK_OK)
        rc = two_conds(cx, ANA_A, ANA_B, args, r.n, &a, &b);
    r.run.guide.a = a;
    r.run.guide.b = b;
    if (rc == DK_OK)
        rc = guided_result(cx, d, &r, "anagram", args[ANA_SEEDS], ANA_SEEDS, out);
    free(a);
    free(b);
    denoiser_free(d);
    return rc;
}

enum { HYB_MODEL, HYB_LOW, HYB_HIGH, HYB_KERNEL, HYB_SIGMA, HYB_GUIDANCE, HYB_N,
       HYB_SEEDS };
static const ArgSpec hybrid_args[] = {
    [HYB_MODEL] = {.name = "model", .types = VT_OBJECT,
                   .doc = "the denoiser: a flow-matching model or DeepFloyd IF", .objtype = "model"},
    [HYB_LOW] = {.name = "low", .types = VT_ANY,
                 .doc = "what the image shows from afar (low frequencies)"},
    [HYB_HIGH] = {.name = "high", .types = VT_ANY,
                  .doc = "what it shows close up (high frequencies)"},
    [HYB_KERNEL] = {.name = "kernel", .types = VT_NONE | VT_NUMBER, .default_src = "none",
                    .doc = "the low-pass kernel size (none: 33 at 64 px, scaled)"},
    [HYB_SIGMA] = {.name = "sigma", .types = VT_NONE | VT_NUMBER, .default_src = "none",
                   .doc = "the low-pass σ in pixels (none: 2 at 64 px, scaled)"},
    [HYB_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "7",
                      .doc = "the CFG scale γ"},
    [HYB_N] = {.name = "n", .types = VT_NUMBER, .default_src = "1",
               .doc = "images per seed"},
    [HYB_SEEDS] = {.name = "seeds", .types = VT_NONE | VT_NUMBER | VT_LIST,
                   .default_src = "none",
                   .doc = "none (the session's stream), a count, or a list of seeds"},
};

/* The course's low-pass (kernel 33, σ 2 at 64 px) scaled to a width:
 * σ in proportion, the kernel the odd size nearest 33·width/64. */
static void hybrid_defaults(int width, int *kernel, double *sigma)
{
    const double f = width / 64.0;
    int k = (int)lround(33.0 * f);
    *kernel = k % 2 ? k : k + 1;
    *sigma = 2.0 * f;
}

static dk_status cmd_hybrid(CallCtx *cx, Value **args, Value **out)
{
    Denoiser *d = NULL;
    Cond *a = NULL, *b = NULL;
    GuidedRun r = {.start = START_NOISE, .run.guide.rule = NOISE_HYBRID};
    dk_status rc = denoiser_arg(cx, HYB_MODEL, args[HYB_MODEL], &d);
    if (rc == DK_OK) {
        long k = 0;
        hybrid_defaults(d->width, &r.run.guide.kernel, &r.run.guide.sigma);
        if (args[HYB_KERNEL]->kind == VAL_NUMBER) {
            rc = int_arg(cx, HYB_KERNEL, args[HYB_KERNEL], 1, BLUR_MAX_KERNEL, &k);
            r.run.guide.kernel = (int)k;
        }
        if (args[HYB_SIGMA]->kind == VAL_NUMBER)
            r.run.guide.sigma = args[HYB_SIGMA]->as.number;
    }
    if (rc == DK_OK && blur_check(r.run.guide.kernel, r.run.guide.sigma, cx->err) != DK_OK) {
        rc = DK_ERR_ARG;
        dk_err_at(cx->err, cx->span);
    }
    if (rc == DK_OK && r.run.guide.kernel / 2 >= d->width)
        rc = cx_error(cx, HYB_KERNEL, DK_ERR_ARG, "kernel=%d is too large for "
                      "%dx%d images", r.run.guide.kernel, d->width, d->height);
    if (rc == DK_OK)
        rc = count_arg(cx, HYB_N, args[HYB_N], &r.n);
    if (rc == DK_OK)
        rc = guidance_arg(cx, HYB_GUIDANCE, args[HYB_GUIDANCE], &r.run.guide.guidance);
    if (rc == DK_OK)
        rc = two_conds(cx, HYB_LOW, HYB_HIGH, args, r.n, &a, &b);
    r.run.guide.a = a;
    r.run.guide.b = b;
    if (rc == DK_OK)
        rc = guided_result(cx, d, &r, "hybrid", args[HYB_SEEDS], HYB_SEEDS, out);
    free(a);
    free(b);
    denoiser_free(d);
    return rc;
}

/* ---- turn, gray, draw ----------------------------------------------------- */

enum { TURN_IMAGE, TURN_VIEW };
static const ArgSpec turn_args[] = {
    [TURN_IMAGE] = {.name = "image", .types = VT_OBJECT, .objtype = "image",
                    .doc = "an image or batch"},
    [TURN_VIEW] = {.name = "view", .types = VT_STRING, .default_src = "\"rot180\"",
                   .doc = "\"flip\" (upside down) or \"rot180\" (half a turn)"},
};

static dk_status cmd_turn(CallCtx *cx, Value **args, Value **out)
{
    const DImage *im = image_of(args[TURN_IMAGE]);
    AnagramView view = VIEW_ROT180;
    dk_status rc = view_arg(cx, TURN_VIEW, args[TURN_VIEW], &view);
    if (rc != DK_OK)
        return rc;
    Expr s;
    expr_begin(&s, im->api, cx->err);
    ts_tensor *t = expr_keep(&s, anagram_view(&s, im->t, view));
    DImage *res = NULL;
    if (expr_end(&s) == DK_OK)
        rc = dimage_wrap(im->api, t, im->mask, &res, cx->err);
    else
        rc = cx->err->code;
    if (rc != DK_OK)
        return rc;
    *out = image_value(res);
    return *out ? DK_OK : cx_oom(cx);
}

enum { GRAY_IMAGE };
static const ArgSpec gray_args[] = {
    [GRAY_IMAGE] = {.name = "image", .types = VT_OBJECT, .objtype = "image",
                    .doc = "an RGB image or batch"},
};

static dk_status cmd_gray(CallCtx *cx, Value **args, Value **out)
{
    const DImage *im = image_of(args[GRAY_IMAGE]);
    if (im->c != 3 && im->c != 1)
        return cx_error(cx, GRAY_IMAGE, DK_ERR_ARG, "a %s image has no gray "
                        "version here: give RGB", dimage_mode(im));
    Expr s;
    expr_begin(&s, im->api, cx->err);
    ts_tensor *y = im->t;
    if (im->c == 3) {
        /* Rec. 601 luma: Y = 0.299 R + 0.587 G + 0.114 B */
        ts_tensor *r = slice(&s, im->t, 1, 0, 1), *g = slice(&s, im->t, 1, 1, 2),
                  *b = slice(&s, im->t, 1, 2, 3);
        y = add(&s, lerp2(&s, 0.299, r, 0.587, g), scale(&s, 0.114, b));
    } else {
        y = scale(&s, 1.0, y);
    }
    ts_tensor *kept = expr_keep(&s, y);
    if (expr_end(&s) != DK_OK)
        return cx->err->code;
    DImage *res = NULL;
    dk_status rc = dimage_wrap(im->api, kept, 0, &res, cx->err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(res);
    return *out ? DK_OK : cx_oom(cx);
}

enum { DRAW_STROKES, DRAW_SIZE, DRAW_WIDTH, DRAW_CHANNELS, DRAW_INVERT };
static const ArgSpec draw_args[] = {
    [DRAW_STROKES] = {.name = "strokes", .types = VT_LIST,
                      .doc = "a list of strokes, each a list x0, y0, x1, y1, ... in pixels"},
    [DRAW_SIZE] = {.name = "size", .types = VT_NUMBER, .default_src = "28",
                   .doc = "the square canvas's side in pixels"},
    [DRAW_WIDTH] = {.name = "width", .types = VT_NUMBER, .default_src = "3",
                    .doc = "the pen's width in pixels"},
    [DRAW_CHANNELS] = {.name = "channels", .types = VT_NUMBER, .default_src = "1",
                       .doc = "1 (gray, for MNIST) or 3 (RGB)"},
    [DRAW_INVERT] = {.name = "invert", .types = VT_BOOL, .default_src = "false",
                     .doc = "black ink on white instead of white on black"},
};

/* The strokes' points into one array (xy, malloc'd) with counts. */
static dk_status strokes_arg(CallCtx *cx, const Value *v, double **xy,
                             int **counts)
{
    size_t total = 0, n = v->as.list.len;
    *xy = NULL;
    *counts = calloc(n ? n : 1, sizeof **counts);
    if (!*counts)
        return cx_oom(cx);
    for (size_t i = 0; i < n; i++) {
        const Value *st = v->as.list.items[i];
        if (st->kind != VAL_LIST || st->as.list.len < 2 || st->as.list.len % 2) {
            cx_error(cx, DRAW_STROKES, DK_ERR_ARG, "stroke %zu is not a list of "
                     "x, y pairs", i);
            dk_err_hint(cx->err, "a stroke is [x0, y0, x1, y1, ...], e.g. "
                        "draw [[6, 6, 22, 22], [22, 6, 6, 22]]");
            return DK_ERR_ARG;
        }
        total += st->as.list.len;
        (*counts)[i] = (int)(st->as.list.len / 2);
    }
    *xy = malloc((total ? total : 1) * sizeof **xy);
    if (!*xy)
        return cx_oom(cx);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const Value *st = v->as.list.items[i];
        for (size_t j = 0; j < st->as.list.len; j++) {
            const Value *c = st->as.list.items[j];
            if (c->kind != VAL_NUMBER || !isfinite(c->as.number))
                return cx_error(cx, DRAW_STROKES, DK_ERR_ARG, "stroke %zu, item "
                                "%zu is not a number", i, j);
            (*xy)[k++] = c->as.number;
        }
    }
    return DK_OK;
}

static dk_status cmd_draw(CallCtx *cx, Value **args, Value **out)
{
    const TsApi *api = NULL;
    long size = 0, channels = 0;
    double *xy = NULL;
    int *counts = NULL;
    RImage *pic = NULL, *rgb = NULL;
    DImage *res = NULL;
    dk_status rc = int_arg(cx, DRAW_SIZE, args[DRAW_SIZE], 1, SKETCH_MAX_SIZE, &size);
    if (rc == DK_OK)
        rc = int_arg(cx, DRAW_CHANNELS, args[DRAW_CHANNELS], 1, 3, &channels);
    if (rc == DK_OK && channels == 2)
        rc = cx_error(cx, DRAW_CHANNELS, DK_ERR_ARG, "channels=2: give 1 or 3");
    if (rc == DK_OK)
        rc = strokes_arg(cx, args[DRAW_STROKES], &xy, &counts);
    if (rc == DK_OK && !(pic = sketch_draw(xy, counts, (int)args[DRAW_STROKES]->as.list.len,
                                          (int)size, args[DRAW_WIDTH]->as.number, cx->err)))
        rc = cx->err->code;
    if (rc == DK_OK && args[DRAW_INVERT]->as.boolean)
        for (size_t i = 0; i < (size_t)pic->w * (size_t)pic->h; i++)
            pic->px[i] = (uint8_t)(255 - pic->px[i]);
    if (rc == DK_OK && channels == 3 && !(rgb = image_convert(pic, 3, cx->err)))
        rc = cx->err->code;
    if (rc == DK_OK)
        rc = cmd_api(cx, &api);
    if (rc == DK_OK)
        rc = dimage_from_rimage(api, rgb ? rgb : pic, &res, cx->err);
    if (rc == DK_OK && !(*out = image_value(res)))
        rc = cx_oom(cx);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->span);
    image_free(pic);
    image_free(rgb);
    free(xy);
    free(counts);
    return rc;
}

/* ---- the table ------------------------------------------------------------ */

#define LOAD_MODEL "model = load_model \"models/mnist-class-cpu.safetensors\"\n"

static const Command commands[] = {
    {.name = "one_step", .group = "Part A",
     .summary = "Denoise in one step: x̂0 from x_t and the model's noise estimate.",
     .help = "Section 1.3. The denoiser estimates the noise ε̂ in x_t and the "
             "forward process is solved for the clean image: "
             "x̂0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t, with no clipping. Takes an image "
             "or a list (one t for all, or one per image) and returns the same. "
             "The model is a flow-matching model (the shipped MNIST model "
             "serves on a CPU; images 28x28 gray) or DeepFloyd IF "
             "(`deepfloyd`: 64x64 RGB images, prompts as conditions).",
     .example = LOAD_MODEL "seed 180\ndigit = digits (mnist \"test\")\n"
                "noisy = forward digit t=[250, 500, 750]\n"
                "show noisy (one_step model noisy t=[250, 500, 750])",
     .args = one_step_args, .nargs = ARRAY_LEN(one_step_args), .fn = cmd_one_step},
    {.name = "iterative_denoise", .group = "Part A",
     .summary = "Denoise step by step over the strided timesteps 990, 960, ..., 0.",
     .help = "Section 1.4. From x_t at ts[i_start], each step estimates x̂0 and "
             "moves to the next strided timestep by the DDPM posterior mean "
             "plus noise of the model's learned variance (or the fixed "
             "posterior variance β̃ for models without one). Shows x_t every "
             "`every` steps as a progression (with the final image last) and "
             "returns the image at t = 0. guidance > 1 turns on "
             "classifier-free guidance (1.6).",
     .example = LOAD_MODEL "seed 180\ndigit = digits (mnist \"test\")\n"
                "x = forward digit t=690\nclean = iterative_denoise model x i_start=10",
     .args = iterative_args, .nargs = ARRAY_LEN(iterative_args),
     .fn = cmd_iterative_denoise},
    {.name = "sample", .group = "Part A",
     .summary = "Draw images from pure noise with the strided loop.",
     .help = "Sections 1.5 and 1.6: x_990 ~ N(0, I), then the loop of "
             "`iterative_denoise` from i_start = 0. With guidance=7 and a "
             "condition this is classifier-free guidance: ε̂ = ε̂_u + "
             "γ(ε̂_c − ε̂_u), both halves in one batch. seeds= runs once per "
             "seed and returns every image as one batch (a grid).",
     .example = LOAD_MODEL "seed 7\nsample model n=5 cond=[0, 1, 2, 3, 4] guidance=7",
     .args = sample_args, .nargs = ARRAY_LEN(sample_args), .fn = cmd_sample},
    {.name = "sdedit", .group = "Part A",
     .summary = "Edit an image by noising it and denoising it again (SDEdit).",
     .help = "Section 1.7: x = forward(image, ts[i_start]), then the guided "
             "loop from i_start. A list of i_start (the course's 1, 3, 5, 7, "
             "10, 20) returns a list of edits, the noisiest first: the lower "
             "i_start, the further the edit strays from the image. Works on "
             "drawings (`draw`, 1.7.1) and with a real condition (1.7.3).",
     .example = LOAD_MODEL "seed 1\nsketch = draw [[14, 4, 14, 24]]\n"
                "show sketch (sdedit model sketch i_start=[5, 20] cond=1)",
     .args = sdedit_args, .nargs = ARRAY_LEN(sdedit_args), .fn = cmd_sdedit},
    {.name = "inpaint", .group = "Part A",
     .summary = "Fill the masked part of an image, keeping the rest (RePaint).",
     .help = "Section 1.7.2: from pure noise with guidance; after every step "
             "x_t' ← m·x_t' + (1 − m)·forward(image, t'), so the pixels where "
             "the mask is 0 end as the image's own, and new content grows "
             "where it is 1.",
     .example = LOAD_MODEL "seed 3\ndigit = digits (mnist \"test\")\n"
                "hole = mask digit shape=\"rect\" x=0 y=0 w=28 h=12\n"
                "show digit hole (inpaint model digit hole cond=7)",
     .args = inpaint_args, .nargs = ARRAY_LEN(inpaint_args), .fn = cmd_inpaint},
    {.name = "anagram", .group = "Part A",
     .summary = "Draw a visual anagram: one image that reads as a, and as b when turned.",
     .help = "Section 1.8: ε̂ = (ε̂(x, a) + view(ε̂(view(x), b)))/2 at each "
             "step, with guidance. view=\"flip\" turns upside down as the "
             "course does; \"rot180\" turns half a circle, which makes 6 and 9 "
             "a pair. Show the other reading with `turn`.",
     .example = LOAD_MODEL "seed 5\nx = anagram model 6 9 view=\"rot180\"\n"
                "show x (turn x) captions=[\"6\", \"turned: 9\"]",
     .args = anagram_args, .nargs = ARRAY_LEN(anagram_args), .fn = cmd_anagram},
    {.name = "hybrid", .group = "Part A",
     .summary = "Draw a hybrid image: low frequencies of one condition, high of another.",
     .help = "Section 1.9 (factorized diffusion): ε̂ = lowpass(ε̂(x, low)) + "
             "highpass(ε̂(x, high)), highpass = identity − lowpass, with the "
             "Gaussian blur of 1.2. The course's kernel 33 and σ 2 are for "
             "64 px; by default both scale with the image (kernel 15, σ 0.875 "
             "at 28 px). seeds=20 tries twenty seeds in one grid. On 28 px "
             "digits the low condition dominates: a digit is its coarse "
             "shape (docs/part-a.md has the measurements).",
     .example = LOAD_MODEL "seed 2\nhybrid model 0 1 seeds=4",
     .args = hybrid_args, .nargs = ARRAY_LEN(hybrid_args), .fn = cmd_hybrid},
    {.name = "turn", .group = "Part A",
     .summary = "Turn an image as an anagram's view does.",
     .help = "view=\"rot180\" turns it half a circle (both axes reversed); "
             "\"flip\" turns it upside down (rows reversed). Both undo "
             "themselves.",
     .example = "img = load \"notebooks/data/rocket.jpg\" size=64\nshow img (turn img)",
     .args = turn_args, .nargs = ARRAY_LEN(turn_args), .fn = cmd_turn},
    {.name = "gray", .group = "Images",
     .summary = "Make an RGB image gray (Rec. 601 luma).",
     .help = "Y = 0.299 R + 0.587 G + 0.114 B, one channel, as MNIST models "
             "take. A gray image comes back as it is.",
     .example = "img = load \"notebooks/data/rocket.jpg\" size=28\nshow img (gray img)",
     .args = gray_args, .nargs = ARRAY_LEN(gray_args), .fn = cmd_gray},
    {.name = "draw", .group = "Images",
     .summary = "Draw an image from strokes: a sketch with no other program.",
     .help = "Each stroke is a list x0, y0, x1, y1, ... of points in pixels "
             "of the square canvas (x right, y down), drawn as a round pen of "
             "`width` pixels with smooth edges: white on black like MNIST, or "
             "black on white with invert=true. The course's hand-drawn images "
             "of section 1.7.1.",
     .example = "draw [[8, 6, 20, 6, 20, 14, 8, 14, 8, 22, 20, 22]]",
     .args = draw_args, .nargs = ARRAY_LEN(draw_args), .fn = cmd_draw},
};

const CommandTable cmd_denoise_table = {commands, ARRAY_LEN(commands)};
