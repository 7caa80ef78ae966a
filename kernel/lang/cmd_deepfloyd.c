/*
 * cmd_deepfloyd.c: DeepFloyd IF in the language: the `deepfloyd` command
 * that loads it (a model value every Part A command takes), and Part 0's
 * stock pipelines, `stage1` (text to 64 px images, as diffusers'
 * IFPipeline) and `upsample` (64 px to 256 px with stage II, as the
 * course's helper).  Thin adapters over diffusion/deepfloyd.h,
 * denoiser_if.h and if_pipeline.h; see registry.h for the calling
 * convention.
 *
 * The model value's type is named "model" like the Part B UNets', so the
 * Part A commands (whose model argument asks for a "model") take either;
 * deepfloyd_of tells them apart.
 */
#include "cmd_deepfloyd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../diffusion/denoiser_if.h"
#include "../diffusion/if_pipeline.h"
#include "../util/array.h"
#include "cmd_bar.h"
#include "cmd_denoise.h"
#include "cmd_image.h"

#define MAX_IMAGES 64

// ---- the value type ---------------------------------------------------------

static void df_free(void *data)
{
    deepfloyd_free(data);
}

static char *df_text(const void *data)
{
    char buf[1024];
    deepfloyd_describe(data, buf, sizeof buf);
    return strdup(buf);
}

static Value *string_value(const char *s)
{
    return value_string(s, strlen(s));
}

static dk_status df_field(const void *data, const char *name, Value **out,
                          DkErr *err)
{
    const DeepFloyd *m = data;
    if (!strcmp(name, "prompts")) {
        const int n = prompts_count(m->text);
        *out = value_list_new((size_t)n);
        for (int i = 0; *out && i < n; i++)
            value_list_set(*out, (size_t)i, string_value(prompts_key(m->text, i)));
    } else if (!strcmp(name, "stage1")) {
        *out = string_value(m->stage1.name);
    } else if (!strcmp(name, "stage2")) {
        *out = m->stage2.net ? string_value(m->stage2.name) : value_none();
    } else if (!strcmp(name, "params")) {
        *out = value_number((double)(m->stage1.params + m->stage2.params));
    } else if (!strcmp(name, "dtype")) {
        *out = string_value(ts_dtype_name(m->dtype));
    } else if (!strcmp(name, "size")) {
        *out = value_number(m->stage1.sample_size);
    } else {
        dk_err_set(err, DK_ERR_NAME, "DeepFloyd IF has no field '%s'", name);
        dk_err_hint(err, "fields: prompts, stage1, stage2, params, dtype, size");
        return DK_ERR_NAME;
    }
    return *out ? DK_OK : dk_err_oom(err);
}

static const ObjType deepfloyd_objtype = {
    "model", df_free, df_text, NULL, df_field, NULL, NULL,
};

DeepFloyd *deepfloyd_of(const Value *v)
{
    if (v->kind != VAL_OBJECT || v->as.obj.type != &deepfloyd_objtype)
        return NULL;
    return v->as.obj.data;
}

// ---- deepfloyd --------------------------------------------------------------

enum { DF_PATH, DF_STAGE2, DF_PROMPTS, DF_DTYPE };
static const ArgSpec deepfloyd_args[] = {
    [DF_PATH] = {.name = "path", .types = VT_STRING | VT_NONE, .default_src = "none",
                 .doc = "the folder with the IF-I-... and IF-II-... folders and the "
                        "embeddings (none: $DIFFUSE_DEEPFLOYD)"},
    [DF_STAGE2] = {.name = "stage2", .types = VT_STRING | VT_NONE, .default_src = "none",
                   .doc = "the stage II folder, when it is elsewhere"},
    [DF_PROMPTS] = {.name = "prompts", .types = VT_STRING | VT_NONE, .default_src = "none",
                    .doc = "the prompt embeddings (.pth or .safetensors), when elsewhere"},
    [DF_DTYPE] = {.name = "dtype", .types = VT_STRING | VT_NONE, .default_src = "none",
                  .doc = "\"float16\", \"bfloat16\" or \"float32\" (none: float16 on "
                         "a GPU, float32 on a CPU)"},
};

static dk_status dtype_arg(CallCtx *cx, const TsApi *api, const Value *v,
                           ts_dtype *out)
{
    if (v->kind == VAL_NONE) {
        ts_device_info info;
        ts_status st = api->info(&info);
        if (st != TS_OK)
            return backend_error(api, st, cx->err);
        *out = info.device == TS_CPU ? TS_F32 : TS_F16;
        return DK_OK;
    }
    const char *s = v->as.str.bytes;
    if (!strcmp(s, "float16") || !strcmp(s, "fp16"))
        *out = TS_F16;
    else if (!strcmp(s, "bfloat16") || !strcmp(s, "bf16"))
        *out = TS_BF16;
    else if (!strcmp(s, "float32") || !strcmp(s, "fp32"))
        *out = TS_F32;
    else
        return cx_error(cx, DF_DTYPE, DK_ERR_ARG, "dtype=\"%s\": give \"float16\", "
                        "\"bfloat16\" or \"float32\"", s);
    return DK_OK;
}

static dk_status cmd_deepfloyd(CallCtx *cx, Value **args, Value **out)
{
    const char *root = args[DF_PATH]->kind == VAL_STRING ? args[DF_PATH]->as.str.bytes
                                                          : deepfloyd_env_root();
    if (!root || !*root) {
        dk_err_set(cx->err, DK_ERR_IO, "no DeepFloyd IF weights: give their folder, "
                   "or set DIFFUSE_DEEPFLOYD");
        dk_err_hint(cx->err, "%s", DEEPFLOYD_HOWTO);
        dk_err_at(cx->err, cx->span);
        return DK_ERR_IO;
    }
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    DeepFloydPaths paths;
    if (rc == DK_OK && (rc = deepfloyd_find(root, &paths, cx->err)) != DK_OK)
        dk_err_at(cx->err, cx->arg_spans[DF_PATH]);
    if (rc == DK_OK && args[DF_STAGE2]->kind == VAL_STRING)
        snprintf(paths.stage2, sizeof paths.stage2, "%s", args[DF_STAGE2]->as.str.bytes);
    if (rc == DK_OK && args[DF_PROMPTS]->kind == VAL_STRING)
        snprintf(paths.prompts, sizeof paths.prompts, "%s", args[DF_PROMPTS]->as.str.bytes);
    ts_dtype dtype = TS_F32;
    if (rc == DK_OK)
        rc = dtype_arg(cx, api, args[DF_DTYPE], &dtype);
    DeepFloyd *m = NULL;
    if (rc == DK_OK && (rc = deepfloyd_load(api, &paths, dtype, &m, cx->err)) != DK_OK)
        dk_err_at(cx->err, cx->span);
    if (rc != DK_OK)
        return rc;
    char line[1100];
    deepfloyd_describe(m, line, sizeof line - 1);
    strcat(line, "\n");
    cx_stream(cx, "stdout", line, strlen(line));
    *out = value_object(&deepfloyd_objtype, m);
    return *out ? DK_OK : cx_oom(cx);
}

// ---- stage1 and upsample ----------------------------------------------------

static dk_status model_arg(CallCtx *cx, int arg, const Value *v, DeepFloyd **m)
{
    *m = deepfloyd_of(v);
    if (*m)
        return DK_OK;
    dk_status rc = cx_error(cx, arg, DK_ERR_TYPE, "this takes DeepFloyd IF, not a "
                            "Part B UNet");
    dk_err_hint(cx->err, "load it with `model = deepfloyd \"/path/to/IF\"`");
    return rc;
}

static dk_status count_of(CallCtx *cx, int arg, const Value *v, int *n)
{
    long k = 1;
    dk_status rc = int_arg(cx, arg, v, 1, MAX_IMAGES, &k);
    *n = (int)k;
    return rc;
}

static dk_status result(CallCtx *cx, const TsApi *api, ts_tensor *x, Value **out)
{
    DImage *im = NULL;
    dk_status rc = dimage_wrap(api, x, 0, &im, cx->err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(im);
    return *out ? DK_OK : cx_oom(cx);
}

/* Run stage 1 (low NULL) or 2 with a progress bar. */
static dk_status run(CallCtx *cx, DeepFloyd *m, int stage, const ts_tensor *low,
                     IfRun *r, Value **out)
{
    Denoiser *d = NULL;
    dk_status rc = denoiser_if_new(m, stage, &d, cx->err);
    if (rc == DK_OK && !(r->g = cx_generator(cx, m->api)))
        rc = cx->err->code;
    ts_tensor *x = NULL;
    if (rc == DK_OK) {
        CmdBar bar;
        cmdbar_start(&bar, cx, stage == 1 ? "stage I" : "stage II", r->steps);
        r->progress = &bar.hook;
        rc = stage == 1 ? if_generate(d, r, &x, cx->err)
                        : if_upsample(d, low, r, &x, cx->err);
        cmdbar_finish(&bar, rc);
    }
    denoiser_free(d);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    return result(cx, m->api, x, out);
}

enum { S1_MODEL, S1_PROMPT, S1_STEPS, S1_GUIDANCE, S1_N };
static const ArgSpec stage1_args[] = {
    [S1_MODEL] = {.name = "model", .types = VT_OBJECT, .objtype = "model",
                  .doc = "DeepFloyd IF (`deepfloyd`)"},
    [S1_PROMPT] = {.name = "prompt", .types = VT_STRING | VT_LIST,
                   .doc = "a prompt of the embeddings file, or one per image"},
    [S1_STEPS] = {.name = "steps", .types = VT_NUMBER, .default_src = "100",
                  .doc = "num_inference_steps (diffusers' default 100; Part 0 tries "
                         "10, 20, 40)"},
    [S1_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "7",
                     .doc = "the CFG scale (against the \"\" prompt)"},
    [S1_N] = {.name = "n", .types = VT_NUMBER, .default_src = "1",
              .doc = "images for a single prompt"},
};

static dk_status cmd_stage1(CallCtx *cx, Value **args, Value **out)
{
    DeepFloyd *m = NULL;
    IfRun r = {.guidance = args[S1_GUIDANCE]->as.number};
    long steps = 0;
    Cond *conds = NULL;
    dk_status rc = model_arg(cx, S1_MODEL, args[S1_MODEL], &m);
    if (rc == DK_OK)
        rc = int_arg(cx, S1_STEPS, args[S1_STEPS], 1, 1000, &steps);
    if (rc == DK_OK)
        rc = args[S1_PROMPT]->kind == VAL_LIST
                 ? count_of(cx, S1_PROMPT, &(Value){.kind = VAL_NUMBER,
                            .as.number = (double)args[S1_PROMPT]->as.list.len}, &r.n)
                 : count_of(cx, S1_N, args[S1_N], &r.n);
    if (rc == DK_OK && !(r.guidance >= 0 && r.guidance <= 100))
        rc = cx_error(cx, S1_GUIDANCE, DK_ERR_ARG, "guidance=%g is not in 0..100",
                      r.guidance);
    if (rc == DK_OK)
        rc = conds_arg(cx, S1_PROMPT, args[S1_PROMPT], r.n, &conds);
    if (rc == DK_OK) {
        r.steps = (int)steps;
        r.conds = conds;
        r.size = m->stage1.sample_size;
        rc = run(cx, m, 1, NULL, &r, out);
    }
    free(conds);
    return rc;
}

enum { UP_MODEL, UP_IMAGES, UP_PROMPT, UP_STEPS, UP_GUIDANCE, UP_NOISE_LEVEL };
static const ArgSpec upsample_args[] = {
    [UP_MODEL] = {.name = "model", .types = VT_OBJECT, .objtype = "model",
                  .doc = "DeepFloyd IF with its stage II (`deepfloyd`)"},
    [UP_IMAGES] = {.name = "images", .types = VT_OBJECT, .objtype = "image",
                   .doc = "stage I's 64 px images"},
    [UP_PROMPT] = {.name = "prompt", .types = VT_STRING | VT_LIST,
                   .doc = "the prompt they were made with, or one per image"},
    [UP_STEPS] = {.name = "steps", .types = VT_NUMBER, .default_src = "30",
                  .doc = "num_inference_steps (the course's helper: 30)"},
    [UP_GUIDANCE] = {.name = "guidance", .types = VT_NUMBER, .default_src = "4",
                     .doc = "the CFG scale (stage II's default 4)"},
    [UP_NOISE_LEVEL] = {.name = "noise_level", .types = VT_NUMBER, .default_src = "250",
                        .doc = "how much noise the upscaled image gets first (0..999)"},
};

static dk_status cmd_upsample(CallCtx *cx, Value **args, Value **out)
{
    DeepFloyd *m = NULL;
    const DImage *im = image_of(args[UP_IMAGES]);
    IfRun r = {.guidance = args[UP_GUIDANCE]->as.number, .n = im->n};
    long steps = 0, level = 0;
    Cond *conds = NULL;
    dk_status rc = model_arg(cx, UP_MODEL, args[UP_MODEL], &m);
    if (rc == DK_OK)
        rc = int_arg(cx, UP_STEPS, args[UP_STEPS], 1, 1000, &steps);
    if (rc == DK_OK)
        rc = int_arg(cx, UP_NOISE_LEVEL, args[UP_NOISE_LEVEL], 0, 999, &level);
    if (rc == DK_OK && !(r.guidance >= 0 && r.guidance <= 100))
        rc = cx_error(cx, UP_GUIDANCE, DK_ERR_ARG, "guidance=%g is not in 0..100",
                      r.guidance);
    if (rc == DK_OK && (im->c != 3 || im->mask))
        rc = cx_error(cx, UP_IMAGES, DK_ERR_SHAPE, "upsample takes RGB images, not "
                      "%s ones", im->mask ? "mask" : dimage_mode(im));
    if (rc == DK_OK && !m->stage2.net) {
        rc = cx_error(cx, UP_MODEL, DK_ERR_ARG, "the stage II upscaler is not loaded");
        dk_err_hint(cx->err, "%s", DEEPFLOYD_HOWTO);
    }
    if (rc == DK_OK)
        rc = conds_arg(cx, UP_PROMPT, args[UP_PROMPT], r.n, &conds);
    if (rc == DK_OK) {
        r.steps = (int)steps;
        r.noise_level = (int)level;
        r.conds = conds;
        r.size = m->stage2.sample_size;
        rc = run(cx, m, 2, im->t, &r, out);
    }
    free(conds);
    return rc;
}

// ---- the table ----------------------------------------------------------------

#define LOAD_IF "model = deepfloyd \"tests/data/if/tiny\"\n"

static const Command commands[] = {
    {.name = "deepfloyd", .group = "Part A",
     .summary = "Load DeepFloyd IF from its Hugging Face folders.",
     .help = "The course's model: stage I (64 px, IF-I-XL, -L or -M) and the "
             "stage II upscaler (256 px, IF-II-L), from one folder holding "
             "`IF-I-...-v1.0/` and `IF-II-...-v1.0/` (each with "
             "`unet/config.json` and its safetensors) and the course's prompt "
             "embeddings (`prompt_embeds_dict.pth`); no text encoder runs. "
             "With no path it reads the folder from the environment variable "
             "DIFFUSE_DEEPFLOYD. The result is a model every Part A command "
             "takes, with prompts (strings) as conditions; `stage1` and "
             "`upsample` are Part 0's pipelines. Without the weights the "
             "error says how to get them (a free licence on Hugging Face).",
     .example = LOAD_IF "model.prompts",
     .args = deepfloyd_args, .nargs = ARRAY_LEN(deepfloyd_args), .fn = cmd_deepfloyd},
    {.name = "stage1", .group = "Part A",
     .summary = "Draw 64 px images from a prompt as diffusers' IF pipeline does.",
     .help = "Part 0: IFPipeline's sampling: `steps` evenly spaced timesteps "
             "(\"leading\": 10 steps are 900, 800, ..., 0), classifier-free "
             "guidance against the \"\" prompt, the learned variance, and "
             "dynamic thresholding of x̂0 (its 95th percentile of |x̂0|, at "
             "most 1.5). With the same `seed` it draws the noise diffusers "
             "draws from `torch.Generator().manual_seed(seed)`.",
     .example = LOAD_IF "seed 100\nstage1 model \"a high quality photo\" steps=10",
     .args = stage1_args, .nargs = ARRAY_LEN(stage1_args), .fn = cmd_stage1},
    {.name = "upsample", .group = "Part A",
     .summary = "Upscale 64 px images to 256 px with IF's stage II.",
     .help = "As the course's `upsample` helper calls diffusers' "
             "IFSuperResolutionPipeline: the image is resized bilinearly "
             "(align_corners) to 256 px and noised to `noise_level` (250), "
             "then stage II denoises a fresh sample for `steps` (30) steps "
             "with that image beside it and guidance 4, clipping x̂0 to "
             "[-1, 1].",
     .example = LOAD_IF "seed 100\nlow = stage1 model \"a rocket ship\" steps=5\n"
                "show low (upsample model low \"a rocket ship\" steps=5)",
     .args = upsample_args, .nargs = ARRAY_LEN(upsample_args), .fn = cmd_upsample},
};

const CommandTable cmd_deepfloyd_table = {commands, ARRAY_LEN(commands)};
