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
#include "cmd_image.h" /* cmd_api, int_arg */

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
    PlotEpoch *ep = calloc((size_t)m->nepoch_ends + 1, sizeof *ep);
    char (*labels)[24] = calloc((size_t)m->nepoch_ends + 1, sizeof *labels);
    if (!y || !ep || !labels) {
        free(y);
        free(ep);
        free(labels);
        return NULL;
    }
    for (long i = 0; i < m->nlosses; i++)
        y[i] = m->losses[i];
    for (int i = 0; i < m->nepoch_ends; i++) {
        snprintf(labels[i], sizeof labels[i], "epoch %d", i + 1);
        ep[i] = (PlotEpoch){(double)m->epoch_ends[i], labels[i]};
    }
    PlotSeries s = {"loss", NULL, y, (int)(m->nlosses > 2000000000 ? 2000000000 : m->nlosses)};
    PlotSpec spec = {title, "step", "MSE loss", &s, 1, ep, m->nepoch_ends, 1, 0, 0};
    json_t *data = NULL;
    DkErr err = {0};
    if (plot_bundle(&spec, &data, meta, &err) != DK_OK)
        data = NULL;
    dk_err_clear(&err);
    free(y);
    free(ep);
    free(labels);
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
    } else {
        dk_err_set(err, DK_ERR_NAME, "a model has no field '%s'", name);
        dk_err_hint(err, "fields: kind, hidden, params, epochs, steps, losses, loss, "
                    "lr, seed");
        return DK_ERR_NAME;
    }
    return *out ? DK_OK : dk_err_set(err, DK_ERR_OOM, "out of memory");
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

// ---- commands ---------------------------------------------------------------

static void say(CallCtx *cx, const Model *m, const char *verb)
{
    char buf[300], line[360];
    model_describe(m, buf, sizeof buf);
    int n = snprintf(line, sizeof line, "%s%s\n", verb, buf);
    cx_stream(cx, "stdout", line, n > 0 && (size_t)n < sizeof line ? (size_t)n : strlen(line));
}

static dk_status cmd_unet(CallCtx *cx, Value **args, Value **out)
{
    const char *kname = args[0]->as.str.bytes;
    int kind = model_kind_parse(kname);
    if (kind < 0)
        return cx_error(cx, 0, DK_ERR_ARG, "unknown UNet kind \"%s\": give "
                        "\"denoiser\", \"time\" or \"class\"", kname);
    long hidden = kind == TS_UNET_PLAIN ? 128 : 64;
    if (args[1]->kind != VAL_NONE) {
        dk_status rc = int_arg(cx, 1, args[1], 1, MODEL_MAX_HIDDEN, &hidden);
        if (rc != DK_OK)
            return rc;
    }
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
    say(cx, m, "");
    *out = model_value(m);
    return *out ? DK_OK : cx_error(cx, -1, DK_ERR_OOM, "out of memory");
}

static dk_status cmd_save_model(CallCtx *cx, Value **args, Value **out)
{
    const Model *m = model_of(args[0]);
    const char *path = args[1]->as.str.bytes;
    dk_status rc = checkpoint_save(m, path, value_truthy(args[2]),
                                   value_truthy(args[3]), cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->arg_spans[1]);
        return rc;
    }
    (void)out;
    return DK_OK;
}

static dk_status cmd_load_model(CallCtx *cx, Value **args, Value **out)
{
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    Model *m = NULL;
    rc = checkpoint_load(api, args[0]->as.str.bytes, &m, cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->arg_spans[0]);
        return rc;
    }
    say(cx, m, "loaded: ");
    *out = model_value(m);
    return *out ? DK_OK : cx_error(cx, -1, DK_ERR_OOM, "out of memory");
}

static const ArgSpec unet_args[] = {
    {"kind", VT_STRING, NULL, "\"denoiser\" (single-step), \"time\" or \"class\"", NULL},
    {"hidden", VT_NUMBER | VT_NONE, "none",
     "the width D: 128 for the denoiser, 64 for flow matching when none", NULL},
};
static const ArgSpec save_model_args[] = {
    {"model", VT_OBJECT, NULL, "the model to save", "model"},
    {"path", VT_STRING, NULL, "the file to write (.safetensors)", NULL},
    {"fp16", VT_BOOL, "false", "store weights as float16 (half the size)", NULL},
    {"optimizer", VT_BOOL, "true", "include Adam's state, for an exact resume", NULL},
};
static const ArgSpec load_model_args[] = {
    {"path", VT_STRING, NULL, "a file written by save_model", NULL},
};

static const Command commands[] = {
    {"unet", "Models", "Make a fresh Part B UNet.",
     "The UNets of CS180 Part B, built as in the spec's figures: "
     "`\"denoiser\"` is the unconditional UNet of the single-step denoiser "
     "(D = 128 by default: 7,891,073 parameters), `\"time\"` adds the two "
     "FCBlocks of t (unflatten·t1, up1·t2; D = 64: 1,996,417) and "
     "`\"class\"` the two of the one-hot class as well (c1·unflatten + t1, "
     "c2·up1 + t2; 2,019,201). Weights start from PyTorch's default "
     "initialisation drawn from the seeded generator (see `seed`). Prints "
     "the parameter count.",
     "seed 180\nmodel = unet \"class\"\nmodel.params",
     unet_args, 2, 0, cmd_unet, 0},
    {"save_model", "Models", "Save a model with its training record to a file.",
     "Writes a safetensors file whose keys are the UNet's state_dict keys "
     "(readable by Python's safetensors), with the kind, width, objective, "
     "learning-rate plan, seed, epochs, steps and loss history in its "
     "metadata, and Adam's state for an exact resume (`optimizer=false` "
     "leaves it out). `fp16=true` stores weights as float16. The file is "
     "written under a temporary name, synced and renamed: never half-written.",
     "seed 180\nmodel = unet \"time\" hidden=16\nsave_model model \"/tmp/time16.safetensors\"",
     save_model_args, 4, 0, cmd_save_model, 0},
    {"load_model", "Models", "Load a model saved with save_model.",
     "Needs no arguments but the path: the file says what UNet it holds. "
     "A file that is not a checkpoint, is truncated, or whose keys or shapes "
     "do not fit the UNet it describes is refused with the missing, "
     "unexpected and mis-shaped keys. Training a loaded model resumes where "
     "it stopped (same shuffles, noise and learning rate plan).",
     "seed 180\nmodel = unet \"time\" hidden=16\nsave_model model \"/tmp/t16.safetensors\"\n"
     "again = load_model \"/tmp/t16.safetensors\"\nagain.params",
     load_model_args, 1, 0, cmd_load_model, 0},
};

const CommandTable cmd_model_table = {commands, sizeof commands / sizeof commands[0]};
