/*
 * model.h: a Part B UNet with its training record, as the C side holds it.
 *
 * A Model owns the shim's network (ts_module) and, once trained or loaded
 * with it, its Adam optimizer (ts_optim), plus everything a checkpoint
 * must remember so that loading needs no arguments and training can
 * resume where it stopped: the kind and sizes, the objective, the learning
 * rate plan, epochs and steps done, the shuffling seed and the per-step
 * loss history.
 *
 * Kinds (docs/part-b.md, "The UNets"):
 *   "denoiser"  TS_UNET_PLAIN, D = 128: the single-step denoiser of Part 1
 *               (objective z = x + sigma*eps, or z = eps with pure_noise);
 *   "time"      TS_UNET_TIME, D = 64: time-conditioned flow matching;
 *   "class"     TS_UNET_CLASS, D = 64: class-conditioned flow matching.
 *
 * Ownership: model_new / checkpoint_load return a Model the caller frees
 * with model_free (NULL is a no-op).  The TsApi is borrowed (static).
 */
#ifndef DK_MODEL_H
#define DK_MODEL_H

#include <stdint.h>

#include "backend/backend.h"
#include "expr.h"
#include "util/err.h"

#define MODEL_SIDE 28       /* MNIST images are 28 x 28 */
#define MODEL_CLASSES 10
#define MODEL_MAX_HIDDEN 512

typedef enum {
    LR_CONSTANT = 0,    /* constant learning rate */
    LR_EXP              /* ExponentialLR, gamma = 0.1^(1/schedule_epochs),
                           stepped once per epoch */
} LrSchedule;

typedef struct Model {
    const TsApi *api;     /* borrowed */
    ts_module *net;       /* owned */
    ts_optim *opt;        /* owned; NULL until the first training step */
    ts_unet_config cfg;   /* kind, in_channels 1, hidden D, classes */
    int64_t params;       /* trainable parameters */

    /* the objective (kept across resumes) */
    double sigma;         /* denoiser: z = x + sigma*eps (0.5) */
    int pure_noise;       /* denoiser: z = eps (section 1.2.3) */
    double p_uncond;      /* class: probability of dropping the class (0.1) */

    /* the training plan and record */
    double lr0;           /* the learning rate at epoch 0 (0: not trained) */
    LrSchedule schedule;
    int schedule_epochs;  /* the decay's horizon: lr = lr0 * 0.1^(e/this) */
    double clip;          /* gradient-norm clip; 0 = none */
    int batch;            /* batch size used */
    uint64_t seed;        /* shuffling and noise seed of every epoch */
    int has_seed;         /* seed is fixed (set by the first training run) */
    int epochs_done;      /* whole epochs finished */
    int epoch_batch;      /* batches of epoch epochs_done taken (0: none,
                             the last epoch ended) */
    int epoch_batches;    /* that epoch's length in batches, which a run
                             must share to continue it */
    long steps;           /* optimizer steps taken, all epochs */
    float *losses;        /* owned; per-step losses, nlosses of them */
    long nlosses, cap;
    long *epoch_ends;     /* owned; nlosses at the end of each epoch */
    int nepoch_ends;
} Model;

/* "denoiser", "time", "class". */
const char *model_kind_name(ts_unet_kind kind);
/* The kind for a name (also "plain", "unconditional"); -1 when unknown. */
int model_kind_parse(const char *name);

/* A freshly initialised model (libtorch's global generator: `seed` first
 * for a reproducible start) on the chosen device.  hidden 1..512. */
dk_status model_new(const TsApi *api, ts_unet_kind kind, int hidden,
                    Model **out, DkErr *err);
void model_free(Model *m);

/* Append one loss to the history (grows it). */
dk_status model_push_loss(Model *m, float loss, DkErr *err);
/* Mark the end of an epoch in the history. */
dk_status model_mark_epoch(Model *m, DkErr *err);

/* The learning rate of epoch e (0-based, over all runs). */
double model_lr_at(const Model *m, int epoch);

/* u = UNet(x, t, c, mask) inside an expression scope (ts_unet_forward's
 * arguments; t, c and mask may be NULL as it allows).  The result belongs
 * to the scope; NULL once the scope has failed. */
ts_tensor *model_forward(Expr *s, const Model *m, const ts_tensor *x,
                         const ts_tensor *t, const ts_tensor *c,
                         const ts_tensor *mask);

/* "class-conditioned UNet, D=64, 2,019,201 parameters, 10 epochs" into
 * buf. */
void model_describe(const Model *m, char *buf, size_t cap);

#endif
