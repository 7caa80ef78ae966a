/*
 * cmd_model.c: the `model` value type (cmd_model.h) and the commands that
 * make, save and load Part B UNets: unet, save_model, load_model.  Thin
 * adapters over kernel/diffusion (model.h, checkpoint.h); see registry.h
 * for the calling convention.
 */
#include "cmd_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../diffusion/checkpoint.h"
#include "../render/plot.h"
#include "../util/array.h"

// ---- the value type ---------------------------------------------------------

static void model_free_data(void *data)
{
    model_free(data);
}

static char *model_text(const void *data)
{
    char buf[256];
    model_describe(data, buf, sizeof buf);
    return strdup(buf);
}

json_t *model_loss_plot(const Model *m, const char *title, json_t **meta)
{
    *meta = NULL;
    if (m->nlosses < 1)
        return NULL;
    double *y = malloc((size_t)m->nlosses * sizeof *y);
    PlotEpoch *ep = plot_epochs_new(m->nepoch_ends);
    if (!y || !ep) {
        free(y);
        free(ep);
        return NULL;
    }
    for (long i = 0; i < m->nlosses; i++)
        y[i] = m->losses[i];
    for (int i = 0; i < m->nepoch_ends; i++)
        ep[i].x = (double)m->epoch_ends[i];
    PlotSeries s = {"loss", NULL, y, (int)(m->nlosses > 2000000000 ? 2000000000 : m->nlosses)};
    PlotSpec spec = {title, "step", "MSE loss", &s, 1, ep, m->nepoch_ends, 1, 0, 0};
    json_t *data = NULL;
    DkErr err = {0};
    if (plot_bundle(&spec, &data, meta, &err) != DK_OK)
        data = NULL;
    dk_err_clear(&err);
    free(y);
    free(ep);
    return data;
}

static json_t *model_bundle(const void *data)
{
    const Model *m = data;
    char *text = model_text(m);
    json_t *meta = NULL, *b = model_loss_plot(m, "training loss", &meta);
    json_decref(meta);
    if (!b)
        b = json_object();
    if (b && text)
        json_object_set_new(b, "text/plain", json_string(text));
    free(text);
    return b;
}

static dk_status model_field(const void *data, const char *name, Value **out,
                             DkErr *err)
{
    const Model *m = data;
    if (!strcmp(name, "kind"))
        *out = value_string(model_kind_name(m->cfg.kind),
                            strlen(model_kind_name(m->cfg.kind)));
    else if (!strcmp(name, "hidden"))
        *out = value_number(m->cfg.hidden);
    else if (!strcmp(name, "params"))
        *out = value_number((double)m->params);
    else if (!strcmp(name, "epochs"))
        *out = value_number(m->epochs_done);
    else if (!strcmp(name, "steps"))
        *out = value_number((double)m->steps);
    else if (!strcmp(name, "loss"))
        *out = m->nlosses ? value_number(m->losses[m->nlosses - 1]) : value_none();
    else if (!strcmp(name, "lr"))
        *out = value_number(model_lr_at(m, m->epochs_done));
    else if (!strcmp(name, "seed"))
        *out = m->has_seed ? value_number((double)m->seed) : value_none();
    else if (!strcmp(name, "losses")) {
        *out = value_list_new((size_t)m->nlosses);
        for (long i = 0; *out && i < m->nlosses; i++)
            value_list_set(*out, (size_t)i, value_number(m->losses[i]));
    } else if (!strcmp(name, "epoch_ends")) {
        *out = value_list_new((size_t)m->nepoch_ends);
        for (int i = 0; *out && i < m->nepoch_ends; i++)
            value_list_set(*out, (size_t)i, value_number((double)m->epoch_ends[i]));
    } else {
        dk_err_set(err, DK_ERR_NAME, "a model has no field '%s'", name);
        dk_err_hint(err, "fields: kind, hidden, params, epochs, steps, losses, "
                    "epoch_ends, loss, lr, seed");
        return DK_ERR_NAME;
    }
    return *out ? DK_OK : dk_err_oom(err);
}

const ObjType model_objtype = {
    "model", model_free_data, model_text, model_bundle, model_field,
    NULL, NULL, /* a model has no items */
};

Value *model_value(Model *m)
{
    return value_object(&model_objtype, m);
}

Model *model_of(const Value *v)
{
    if (v->kind != VAL_OBJECT || v->as.obj.type != &model_objtype)
        return NULL;
    return v->as.obj.data;
}

dk_status partb_model_arg(CallCtx *cx, int arg, const Value *v, Model **m)
{
    *m = model_of(v);
    if (*m)
        return DK_OK;
    dk_status rc = cx_error(cx, arg, DK_ERR_TYPE, "this is DeepFloyd IF; this "
                            "command takes a Part B UNet");
    dk_err_hint(cx->err, "make one with `unet \"class\"` or `load_model "
                "\"models/mnist-class-cpu.safetensors\"`");
    return rc;
}

// ---- commands ---------------------------------------------------------------

static void say(CallCtx *cx, const Model *m, const char *verb)
{
    char buf[300], line[360];
    model_describe(m, buf, sizeof buf);
    int n = snprintf(line, sizeof line, "%s%s\n", verb, buf);
    cx_stream(cx, "stdout", line, n > 0 && (size_t)n < sizeof line ? (size_t)n : strlen(line));
}

enum { UNET_KIND, UNET_HIDDEN, UNET_P_UNCOND };
static const ArgSpec unet_args[] = {
    [UNET_KIND] = {
        .name = "kind",
        .types = VT_STRING,
        .doc = "\"denoiser\" (single-step), \"time\" or \"class\"",
    },
    [UNET_HIDDEN] = {
        .name = "hidden",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "the width D: 128 for the denoiser, 64 for flow matching when "
               "none",
    },
    [UNET_P_UNCOND] = {
        .name = "p_uncond",
        .types = VT_NUMBER,
        .default_src = "0.1",
        .doc = "class model: how often training drops the class, which "
               "teaches the unconditional input CFG needs (0: never)",
    },
};

static dk_status cmd_unet(CallCtx *cx, Value **args, Value **out)
{
    const char *kname = args[UNET_KIND]->as.str.bytes;
    int kind = model_kind_parse(kname);
    if (kind < 0)
        return cx_error(cx, UNET_KIND, DK_ERR_ARG, "unknown UNet kind \"%s\": "
                        "give \"denoiser\", \"time\" or \"class\"", kname);
    long hidden = kind == TS_UNET_PLAIN ? 128 : 64;
    if (args[UNET_HIDDEN]->kind != VAL_NONE) {
        dk_status rc = int_arg(cx, UNET_HIDDEN, args[UNET_HIDDEN], 1,
                               MODEL_MAX_HIDDEN, &hidden);
        if (rc != DK_OK)
            return rc;
    }
    const double p_uncond = args[UNET_P_UNCOND]->as.number;
    if (!(p_uncond >= 0 && p_uncond < 1))
        return cx_error(cx, UNET_P_UNCOND, DK_ERR_ARG, "p_uncond=%g is not in "
                        "[0, 1)", p_uncond);
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    Model *m = NULL;
    rc = model_new(api, (ts_unet_kind)kind, (int)hidden, &m, cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    if (kind == TS_UNET_CLASS)
        m->p_uncond = p_uncond;
    say(cx, m, "");
    *out = model_value(m);
    return *out ? DK_OK : cx_oom(cx);
}

enum {
    SAVE_MODEL_MODEL, SAVE_MODEL_PATH, SAVE_MODEL_FP16, SAVE_MODEL_INT8,
    SAVE_MODEL_OPTIMIZER,
};
static const ArgSpec save_model_args[] = {
    [SAVE_MODEL_MODEL] = {
        .name = "model",
        .types = VT_OBJECT,
        .doc = "the model to save",
        .objtype = "model",
    },
    [SAVE_MODEL_PATH] = {
        .name = "path",
        .types = VT_STRING,
        .doc = "the file to write (.safetensors)",
    },
    [SAVE_MODEL_FP16] = {
        .name = "fp16",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "store weights as float16 (half the size)",
    },
    [SAVE_MODEL_INT8] = {
        .name = "int8",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "store weight matrices as int8 with a scale per row (a quarter of "
               "the size), the rest as float16",
    },
    [SAVE_MODEL_OPTIMIZER] = {
        .name = "optimizer",
        .types = VT_BOOL,
        .default_src = "true",
        .doc = "include Adam's state, for an exact resume",
    },
};

static dk_status cmd_save_model(CallCtx *cx, Value **args, Value **out)
{
    Model *m = NULL;
    const char *path = args[SAVE_MODEL_PATH]->as.str.bytes;
    dk_status rc = partb_model_arg(cx, SAVE_MODEL_MODEL, args[SAVE_MODEL_MODEL], &m);
    if (rc != DK_OK)
        return rc;
    int fp16 = value_truthy(args[SAVE_MODEL_FP16]);
    int int8 = value_truthy(args[SAVE_MODEL_INT8]);
    if (fp16 && int8) {
        dk_err_set(cx->err, DK_ERR_ARG, "save_model: fp16=true and int8=true both ask "
                   "how to store the weights");
        dk_err_hint(cx->err, "choose one: int8 is the smaller, fp16 the closer");
        dk_err_at(cx->err, cx->arg_spans[SAVE_MODEL_INT8]);
        return DK_ERR_ARG;
    }
    rc = checkpoint_save(m, path,
                         int8 ? CHECKPOINT_I8 : fp16 ? CHECKPOINT_F16 : CHECKPOINT_F32,
                         value_truthy(args[SAVE_MODEL_OPTIMIZER]), cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->arg_spans[SAVE_MODEL_PATH]);
        return rc;
    }
    (void)out;
    return DK_OK;
}

enum { LOAD_MODEL_PATH };
static const ArgSpec load_model_args[] = {
    [LOAD_MODEL_PATH] = {
        .name = "path",
        .types = VT_STRING,
        .doc = "a file written by save_model",
    },
};

static dk_status cmd_load_model(CallCtx *cx, Value **args, Value **out)
{
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    Model *m = NULL;
    rc = checkpoint_load(api, args[LOAD_MODEL_PATH]->as.str.bytes, &m,
                         cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->arg_spans[LOAD_MODEL_PATH]);
        return rc;
    }
    say(cx, m, "loaded: ");
    *out = model_value(m);
    return *out ? DK_OK : cx_oom(cx);
}

static const Command commands[] = {
    {
        .name = "unet",
        .group = "Models",
        .summary = "Make a fresh Part B UNet.",
        .help = "The UNets of CS180 Part B, built as in the spec's figures: "
                "`\"denoiser\"` is the unconditional UNet of the single-step "
                "denoiser (D = 128 by default: 7,891,073 parameters), "
                "`\"time\"` adds the two FCBlocks of t (unflatten·t1, "
                "up1·t2; D = 64: 1,996,417) and `\"class\"` the two of the "
                "one-hot class as well (c1·unflatten + t1, c2·up1 + t2; "
                "2,019,201). Weights start from PyTorch's default "
                "initialisation drawn from the seeded generator (see "
                "`seed`). Prints the parameter count. A model's fields: "
                "`kind`, `hidden`, `params`, `epochs`, `steps`, `losses` "
                "(one per training step), `epoch_ends` (the step count at "
                "the end of each epoch), `loss` (the last), `lr` and "
                "`seed`; a checkpoint keeps them all.",
        .example = "seed 180\n"
                   "model = unet \"class\"\n"
                   "model.params",
        .args = unet_args,
        .nargs = ARRAY_LEN(unet_args),
        .fn = cmd_unet,
    },
    {
        .name = "save_model",
        .group = "Models",
        .summary = "Save a model with its training record to a file.",
        .help = "Writes a safetensors file whose keys are the UNet's "
                "state_dict keys (readable by Python's safetensors), with "
                "the kind, width, objective, learning-rate plan, seed, "
                "epochs, steps and loss history in its metadata, and Adam's "
                "state for an exact resume (`optimizer=false` leaves it "
                "out). `fp16=true` stores weights as float16; `int8=true` "
                "stores each weight matrix as int8 with one float32 scale "
                "per row (w = s·q, s = max|w|/127) and the other weights as "
                "float16: a quarter of float32, half of fp16, and the "
                "course's models' test loss moves by under 0.3% "
                "(models/README.md); the shipped models are saved so. The file is written under a temporary name, "
                "synced and renamed: never half-written.",
        .example = "seed 180\n"
                   "model = unet \"time\" hidden=16\n"
                   "save_model model \"/tmp/time16.safetensors\"",
        .args = save_model_args,
        .nargs = ARRAY_LEN(save_model_args),
        .fn = cmd_save_model,
    },
    {
        .name = "load_model",
        .group = "Models",
        .summary = "Load a model saved with save_model.",
        .help = "Needs no arguments but the path: the file says what UNet it "
                "holds. A file that is not a checkpoint, is truncated, or "
                "whose keys or shapes do not fit the UNet it describes is "
                "refused with the missing, unexpected and mis-shaped keys. "
                "Training a loaded model resumes where it stopped (same "
                "shuffles, noise and learning rate plan).",
        .example = "seed 180\n"
                   "model = unet \"time\" hidden=16\n"
                   "save_model model \"/tmp/t16.safetensors\"\n"
                   "again = load_model \"/tmp/t16.safetensors\"\n"
                   "again.params",
        .args = load_model_args,
        .nargs = ARRAY_LEN(load_model_args),
        .fn = cmd_load_model,
    },
};

const CommandTable cmd_model_table = {commands, ARRAY_LEN(commands)};
