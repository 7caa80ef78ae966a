/*
 * train.h: the training loop shared by the Part B models.
 *
 *   for epoch e = epochs_done .. epochs_done + epochs - 1:
 *       lr = lr0 * gamma^e                 (ExponentialLR; constant: lr0)
 *       for each batch (x1 [B,1,28,28] in [0,1], labels [B]) of a fresh
 *       permutation of the data (depends only on (seed, e)):
 *           (input, t, c, mask, target) = objective(x1)   b1 or b2
 *           loss = train_step(...)         zero_grad, MSE, backward,
 *                                          optional clip, Adam
 *
 * Noise of epoch e comes from a generator seeded from (seed, e) alone, so
 * resuming at epoch e from a checkpoint (with the optimizer state) replays
 * exactly what an uninterrupted run would have done.
 *
 * Partial epochs: a run that stops inside an epoch (max_steps, an
 * interrupt) leaves the model at batch epoch_batch of it.  The next run
 * continues there: it deals the skipped batches again and draws their
 * noise without training on them, so batch epoch_batch gets the images
 * and noise it would have got, and steps saved mid-epoch resume exactly
 * too.  The first of its epochs is the rest of that one.  A run with
 * another batch size or data (another epoch length) starts the epoch
 * again instead.
 *
 * Interrupts: dk_interrupted() is checked between steps; an interrupt
 * stops after the current step with DK_ERR_INTERRUPTED, and the model
 * keeps every step taken.
 *
 * Losses: every step's loss is appended to the model's history; the loss
 * tensors are read on the host in groups of TRAIN_READ_EVERY steps (each
 * read waits for the device) and before every progress report.
 */
#ifndef DK_TRAIN_H
#define DK_TRAIN_H

#include "mnist.h"
#include "model.h"

#define TRAIN_READ_EVERY 8

typedef struct TrainConfig {
    int epochs;          /* more epochs to train, >= 1 */
    int batch;           /* B, 1..4096 */
    double lr;           /* > 0: (re)start the plan at this rate;
                            0: keep the model's plan (resume) */
    LrSchedule schedule; /* used when lr > 0 */
    double clip;         /* gradient-norm clip; 0: none */
    uint64_t seed;       /* used when the model has none yet */
    long max_steps;      /* stop after this many steps (0: no limit): the
                            quick profile, tests */
    long max_images;     /* use only the first max_images of the data (0:
                            all): tiny subsets for tests */
    int plan_epochs;     /* with lr > 0: the plan's length in epochs, so a
                            10-epoch decay can be trained one epoch at a
                            time (0: epochs) */
} TrainConfig;

/* What a progress callback sees after each step. */
typedef struct TrainReport {
    long step, total;    /* steps done in this run, and planned */
    int epoch;           /* current epoch, 0-based over all runs */
    int epoch_end;       /* 1 after the last step of an epoch */
    double loss;         /* this step's loss (read now) */
    double lr;
    const Model *model;  /* the history so far: model->losses */
} TrainReport;

typedef void (*TrainProgressFn)(void *ctx, const TrainReport *r);

/* Where a run of c on `images` images starts: the batches per epoch, the
 * batch of the first epoch it starts at, and the steps it will take. */
typedef struct TrainPlan {
    int per_epoch;
    int first_batch;
    long total;
} TrainPlan;

TrainPlan train_plan(const Model *m, int images, const TrainConfig *c);

/* Train m on ds as described above.  fn (may be NULL) is called after
 * every step, with ctx.  Errors: DK_ERR_ARG (bad config, data of another
 * shape), DK_ERR_INTERRUPTED, DK_ERR_OOM (hint: smaller batch),
 * DK_ERR_TORCH; the model stays usable after each. */
dk_status train_run(Model *m, Dataset *ds, const TrainConfig *c,
                    TrainProgressFn fn, void *ctx, DkErr *err);

#endif
