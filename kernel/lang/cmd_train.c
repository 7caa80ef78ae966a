/*
 * cmd_train.c: `train`, the Part B training loop as a command, with a live
 * progress bar (step/total, rate, ETA, loss) and a live loss curve, both
 * updated in place with update_display_data.  A thin adapter over
 * diffusion/train.h; see registry.h for the calling convention.
 *
 * Defaults are the hyperparameters CS180 Part B prescribes: the denoiser
 * trains with batch 256, Adam 1e-4, no schedule; the flow models with
 * batch 64, Adam 1e-2 and ExponentialLR 0.1^(1/epochs) per epoch.  A
 * model trained before continues its own plan unless lr= is given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../diffusion/rng.h"
#include "../diffusion/train.h"
#include "../render/plot.h"
#include "../render/progress.h"
#include "../util/array.h"
#include "cmd_data.h"
#include "cmd_model.h"

#define PLOT_EVERY 2.0  /* seconds between loss-curve updates */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The two live displays of one training run. */
typedef struct Live {
    CallCtx *cx;
    Progress *bar;
    int bar_shown;
    char plot_id[64];
    int plot_shown;
    double last_plot;
    const Model *model;
} Live;

static void show(Live *lv, json_t *data, json_t *meta, const char *id, int *shown)
{
    const Outlet *o = lv->cx->out;
    if (o && o->display && data)
        o->display(o->ctx, data, meta, id, *shown);
    *shown = 1;
    json_decref(data);
    json_decref(meta);
}

static void plot_now(Live *lv)
{
    json_t *meta = NULL, *data = model_loss_plot(lv->model, "training loss", &meta);
    if (data)
        show(lv, data, meta, lv->plot_id, &lv->plot_shown);
    lv->last_plot = now();
}

static void on_step(void *ctx, const TrainReport *r)
{
    Live *lv = ctx;
    json_t *bundle = NULL;
    if (progress_update(lv->bar, r->step, r->loss, &bundle))
        show(lv, bundle, progress_metadata(), progress_display_id(lv->bar), &lv->bar_shown);
    if (r->epoch_end || now() - lv->last_plot >= PLOT_EVERY || r->step == r->total)
        plot_now(lv);
}

enum {
    TRAIN_MODEL, TRAIN_DATA, TRAIN_EPOCHS, TRAIN_BATCH, TRAIN_LR,
    TRAIN_SCHEDULE, TRAIN_CLIP, TRAIN_SIGMA, TRAIN_PURE_NOISE, TRAIN_STEPS,
    TRAIN_SUBSET, TRAIN_PLAN,
};
static const ArgSpec train_args[] = {
    [TRAIN_MODEL] = {
        .name = "model",
        .types = VT_OBJECT,
        .doc = "the model to train (changed in place)",
        .objtype = "model",
    },
    [TRAIN_DATA] = {
        .name = "data",
        .types = VT_OBJECT,
        .doc = "the training set (mnist \"train\")",
        .objtype = "dataset",
    },
    [TRAIN_EPOCHS] = {
        .name = "epochs",
        .types = VT_NUMBER,
        .default_src = "1",
        .doc = "epochs to train, 1..1000",
    },
    [TRAIN_BATCH] = {
        .name = "batch",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "batch size: 256 (denoiser) or 64 (flow) when none",
    },
    [TRAIN_LR] = {
        .name = "lr",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "Adam's learning rate: 1e-4 (denoiser) or 1e-2 (flow) for a "
               "new model; none continues a trained model's plan",
    },
    [TRAIN_SCHEDULE] = {
        .name = "schedule",
        .types = VT_STRING | VT_NONE,
        .default_src = "none",
        .doc = "\"exp\" (ExponentialLR, 0.1^(1/epochs) per epoch; flow "
               "default) or \"none\" (constant; denoiser default)",
    },
    [TRAIN_CLIP] = {
        .name = "clip",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "clip the gradients' norm to this (none: no clipping)",
    },
    [TRAIN_SIGMA] = {
        .name = "sigma",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "denoiser: the noise level, 0.5 by default",
    },
    [TRAIN_PURE_NOISE] = {
        .name = "pure_noise",
        .types = VT_BOOL | VT_NONE,
        .default_src = "none",
        .doc = "denoiser: true trains on z = eps alone (section 1.2.3); none "
               "keeps the model's objective",
    },
    [TRAIN_STEPS] = {
        .name = "steps",
        .types = VT_NUMBER,
        .default_src = "0",
        .doc = "stop after this many steps (0: all): quick runs",
    },
    [TRAIN_SUBSET] = {
        .name = "subset",
        .types = VT_NUMBER,
        .default_src = "0",
        .doc = "train on the first N images only (0: all)",
    },
    [TRAIN_PLAN] = {
        .name = "plan",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "the learning-rate plan's length in epochs (none: epochs), "
               "e.g. epochs=1 plan=10 trains the first epoch of the course's "
               "10",
    },
};

/* Argument i as a number > 0, or 0 when none. */
static dk_status pos_arg(CallCtx *cx, Value **args, int i, double lo, double hi,
                         double *out)
{
    *out = 0;
    if (args[i]->kind == VAL_NONE)
        return DK_OK;
    double v = args[i]->as.number;
    if (!(v >= lo && v <= hi))
        return cx_error(cx, i, DK_ERR_ARG, "%s=%g is not in [%g, %g]",
                        cx->cmd->args[i].name, v, lo, hi);
    *out = v;
    return DK_OK;
}

static dk_status cmd_train(CallCtx *cx, Value **args, Value **out)
{
    Model *m = NULL;
    if (partb_model_arg(cx, TRAIN_MODEL, args[TRAIN_MODEL], &m) != DK_OK)
        return cx->err->code;
    Dataset *ds = dataset_of(args[TRAIN_DATA]);
    const int flow = m->cfg.kind != TS_UNET_PLAIN;
    long epochs = 1, batch = flow ? 64 : 256, steps = 0, subset = 0, plan = 0;
    double lr = 0, clip = 0, sigma = 0;
    const int has_sigma = args[TRAIN_SIGMA]->kind != VAL_NONE;
    const int has_pure = args[TRAIN_PURE_NOISE]->kind != VAL_NONE;
    const int has_schedule = args[TRAIN_SCHEDULE]->kind != VAL_NONE;
    dk_status rc = int_arg(cx, TRAIN_EPOCHS, args[TRAIN_EPOCHS], 1, 1000,
                           &epochs);
    if (rc == DK_OK && args[TRAIN_BATCH]->kind != VAL_NONE)
        rc = int_arg(cx, TRAIN_BATCH, args[TRAIN_BATCH], 1, 4096, &batch);
    if (rc == DK_OK)
        rc = pos_arg(cx, args, TRAIN_LR, 1e-8, 10, &lr);
    LrSchedule sched = flow ? LR_EXP : LR_CONSTANT;
    if (rc == DK_OK && has_schedule) {
        const char *s = args[TRAIN_SCHEDULE]->as.str.bytes;
        if (!strcmp(s, "exp"))
            sched = LR_EXP;
        else if (!strcmp(s, "none") || !strcmp(s, "constant"))
            sched = LR_CONSTANT;
        else
            rc = cx_error(cx, TRAIN_SCHEDULE, DK_ERR_ARG, "schedule \"%s\": "
                          "give \"exp\" (ExponentialLR to 0.1x over the "
                          "epochs) or \"none\"", s);
    }
    if (rc == DK_OK)
        rc = pos_arg(cx, args, TRAIN_CLIP, 0, 1e6, &clip);
    if (rc == DK_OK)
        rc = pos_arg(cx, args, TRAIN_SIGMA, 0, 10, &sigma);
    if (rc == DK_OK)
        rc = int_arg(cx, TRAIN_STEPS, args[TRAIN_STEPS], 0, 100000000,
                     &steps);
    if (rc == DK_OK)
        rc = int_arg(cx, TRAIN_SUBSET, args[TRAIN_SUBSET], 0, 100000000,
                     &subset);
    if (rc == DK_OK && args[TRAIN_PLAN]->kind != VAL_NONE)
        rc = int_arg(cx, TRAIN_PLAN, args[TRAIN_PLAN], 1, 1000, &plan);
    if (rc == DK_OK && plan > 0 && plan < epochs)
        rc = cx_error(cx, TRAIN_PLAN, DK_ERR_ARG, "plan=%ld is shorter than "
                      "epochs=%ld: the plan is the whole run's length, give "
                      "plan=%ld or more", plan, epochs, epochs);
    if (rc != DK_OK)
        return rc;
    if (!flow && has_sigma)
        m->sigma = sigma;
    if (!flow && has_pure)
        m->pure_noise = value_truthy(args[TRAIN_PURE_NOISE]);
    if (flow && (has_sigma || has_pure))
        return cx_error(cx, has_sigma ? TRAIN_SIGMA : TRAIN_PURE_NOISE,
                        DK_ERR_ARG, "sigma and pure_noise are for the "
                        "single-step denoiser");
    /* A fresh model, or a new lr, schedule or plan: (re)start the plan. */
    if (lr == 0 && (m->lr0 <= 0 || has_schedule || plan > 0))
        lr = m->lr0 > 0 ? m->lr0 : flow ? 1e-2 : 1e-4;
    const TsApi *api = NULL;
    if ((rc = cmd_api(cx, &api)) != DK_OK)
        return rc;
    uint64_t seed = 0;
    if (!cx_last_seed(cx, &seed))
        seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
    TrainConfig c = {(int)epochs, (int)batch, lr, sched, clip, seed, steps, subset,
                     (int)plan};

    Live lv = {cx, NULL, 0, "", 0, 0, m};
    const long total = train_plan(m, ds->count, &c).total;
    char label[64];
    snprintf(label, sizeof label, "train %s", model_kind_name(m->cfg.kind));
    lv.bar = progress_new(label, total);
    snprintf(lv.plot_id, sizeof lv.plot_id, "%s-loss", lv.bar ? progress_display_id(lv.bar) : "diffuse");
    lv.last_plot = now();
    rc = train_run(m, ds, &c, on_step, &lv, cx->err);
    json_t *bundle = NULL;
    if (lv.bar && progress_finish(lv.bar, rc == DK_OK ? PROGRESS_DONE
                                  : rc == DK_ERR_INTERRUPTED ? PROGRESS_INTERRUPTED
                                  : PROGRESS_ERROR, &bundle))
        show(&lv, bundle, progress_metadata(), progress_display_id(lv.bar), &lv.bar_shown);
    if (m->nlosses > 0)
        plot_now(&lv);
    progress_free(lv.bar);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    (void)out;
    return DK_OK;
}

static const Command commands[] = {
    {
        .name = "train",
        .group = "Models",
        .summary = "Train a model on a dataset, with a live loss curve.",
        .help = "The course's loop: for each epoch a fresh shuffle, for each "
                "batch the objective of the model's kind, MSE, backward, "
                "Adam step. The denoiser learns z = x + σε → x (σ = 0.5; "
                "`pure_noise=true`: z = ε); the flow models learn u(x_t, t) "
                "= x1 − x0 with x_t = (1 − t)x0 + t·x1, t ~ U[0, 1], and the "
                "class model drops the class with probability 0.1. A "
                "progress bar and the loss curve update as it goes. "
                "Interrupting stops after the current step and keeps every "
                "step taken; training again continues at the next batch of "
                "that epoch, which counts as the first of `epochs=` (with "
                "another batch size or subset the epoch starts again). A "
                "trained or loaded model keeps its learning-rate plan, "
                "shuffles and noise unless `lr=` or `plan=` is given, so a "
                "checkpoint saved mid-epoch resumes exactly, and `epochs=1 plan=10` "
                "then `epochs=4` then `epochs=5` is the course's 10-epoch "
                "run with samples after epochs 1, 5 and 10. Shuffles and "
                "noise come from the seed (`seed N`), so a run can be "
                "repeated exactly.",
        .example = "seed 180\n"
                   "train_set = mnist \"train\"\n"
                   "model = unet \"class\" hidden=16\n"
                   "train model train_set batch=64 steps=20\n"
                   "model.loss",
        .args = train_args,
        .nargs = ARRAY_LEN(train_args),
        .fn = cmd_train,
    },
};

const CommandTable cmd_train_table = {commands, ARRAY_LEN(commands)};
