/*
 * train.c: the training loop of Part B (see train.h).
 */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b1_denoiser.h"
#include "b2_flow.h"
#include "util/interrupt.h"

/* The seed of epoch e's noise generator (splitmix64 of seed and e). */
static uint64_t epoch_seed(uint64_t seed, uint64_t e)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (e + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The first n images of ds as a new Dataset (NULL when out of memory). */
static Dataset *subset(const Dataset *ds, int n)
{
    const size_t px = (size_t)ds->h * (size_t)ds->w;
    Dataset *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    *s = *ds;
    s->refs = 1;
    s->count = n;
    snprintf(s->name, sizeof s->name, "%.16s[:%d]", ds->name, n);
    s->pixels = malloc((size_t)n * px);
    s->labels = malloc((size_t)n);
    s->images_path = strdup(ds->images_path ? ds->images_path : "");
    if (!s->pixels || !s->labels || !s->images_path) {
        free(s->pixels);
        free(s->labels);
        free(s->images_path);
        free(s);
        return NULL;
    }
    memcpy(s->pixels, ds->pixels, (size_t)n * px);
    memcpy(s->labels, ds->labels, (size_t)n);
    return s;
}

/* Loss tensors not read yet. */
typedef struct Pending {
    ts_tensor *loss[TRAIN_READ_EVERY];
    int n;
} Pending;

/* Read the pending losses into the history. */
static dk_status flush(Model *m, Pending *p, DkErr *err)
{
    dk_status rc = DK_OK;
    for (int i = 0; i < p->n; i++) {
        double l = NAN;
        ts_status st = rc == DK_OK ? m->api->tensor_item(p->loss[i], &l) : TS_OK;
        if (st != TS_OK)
            rc = backend_error(m->api, st, err);
        if (rc == DK_OK)
            rc = model_push_loss(m, (float)l, err);
        m->api->tensor_free(p->loss[i]);
    }
    p->n = 0;
    return rc;
}

/* A batch's training pair: the objective's inputs and its target. */
typedef struct Batch {
    ts_tensor *in, *t, *c, *mask, *target;
} Batch;

static void batch_free(const TsApi *api, Batch *b)
{
    api->tensor_free(b->in);
    api->tensor_free(b->t);
    api->tensor_free(b->c);
    api->tensor_free(b->mask);
    api->tensor_free(b->target);
    *b = (Batch){0};
}

/* The pair for the images x1h (host floats [B,1,H,W]) with labels y,
 * drawing the noise from g. */
static dk_status make_batch(const Model *m, const float *x1h, const int64_t *y,
                            int B, ts_generator *g, Batch *b, DkErr *err)
{
    const TsApi *api = m->api;
    int64_t shape[4] = {B, 1, MODEL_SIDE, MODEL_SIDE};
    ts_tensor *cpu = NULL, *x1 = NULL;
    *b = (Batch){0};
    ts_status st = api->tensor_from_data(&cpu, x1h, shape, 4, TS_F32);
    if (st == TS_OK)
        st = api->tensor_to_device(&x1, cpu, TS_DEVICE_DEFAULT);  /* [B,1,H,W] */
    api->tensor_free(cpu);
    if (st != TS_OK)
        return backend_error(api, st, err);
    dk_status rc = m->cfg.kind == TS_UNET_PLAIN
                       ? denoiser_objective(m, x1, g, &b->in, &b->target, err)
                       : flow_objective(m, x1, y, g, &b->in, &b->t, &b->c,
                                        &b->mask, &b->target, err);
    api->tensor_free(x1);
    return rc;
}

/* One step on the images x1h with labels y. */
static dk_status step(Model *m, const float *x1h, const int64_t *y, int B,
                      ts_generator *g, double clip, ts_tensor **loss,
                      DkErr *err)
{
    Batch b;
    dk_status rc = make_batch(m, x1h, y, B, g, &b, err);
    if (rc == DK_OK)
        rc = backend_error(m->api, m->api->train_step(m->net, m->opt, b.in, b.t,
                                                      b.c, b.mask, b.target,
                                                      clip, loss), err);
    batch_free(m->api, &b);
    return rc;
}

/* Deal the first n batches of the epoch and draw their noise, without
 * training: the loader and g are then where an uninterrupted run would
 * have them at batch n. */
static dk_status skip_batches(const Model *m, DataLoader *l, int n, float *x,
                              int64_t *y, ts_generator *g, DkErr *err)
{
    dk_status rc = DK_OK;
    for (int i = 0; i < n && rc == DK_OK; i++) {
        int B = loader_next(l, x, y, NULL);
        Batch b;
        rc = make_batch(m, x, y, B, g, &b, err);
        batch_free(m->api, &b);
    }
    return rc;
}

TrainPlan train_plan(const Model *m, int images, const TrainConfig *c)
{
    TrainPlan p = {0, 0, 0};
    if (c->max_images > 0 && c->max_images < images)
        images = (int)c->max_images;
    if (c->batch < 1 || images < 1)
        return p;
    p.per_epoch = (images + c->batch - 1) / c->batch;
    if (m->epoch_batch > 0 && m->epoch_batch < p.per_epoch &&
        m->epoch_batches == p.per_epoch && m->batch == c->batch)
        p.first_batch = m->epoch_batch;
    p.total = (long)p.per_epoch * c->epochs - p.first_batch;
    if (c->max_steps > 0 && c->max_steps < p.total)
        p.total = c->max_steps;
    return p;
}

dk_status train_run(Model *m, Dataset *ds, const TrainConfig *c,
                    TrainProgressFn fn, void *ctx, DkErr *err)
{
    const TsApi *api = m->api;
    if (c->epochs < 1)
        return dk_err_set(err, DK_ERR_ARG, "epochs=%d: train at least one epoch",
                          c->epochs);
    if (c->batch < 1 || c->batch > 4096)
        return dk_err_set(err, DK_ERR_ARG, "batch=%d is not in 1..4096", c->batch);
    if (ds->h != MODEL_SIDE || ds->w != MODEL_SIDE)
        return dk_err_set(err, DK_ERR_ARG, "the UNet takes %dx%d images, %s has "
                          "%dx%d", MODEL_SIDE, MODEL_SIDE, ds->name, ds->h, ds->w);
    if (m->cfg.kind == TS_UNET_CLASS && ds->classes > m->cfg.num_classes)
        return dk_err_set(err, DK_ERR_ARG, "%s has %d classes, the UNet %d",
                          ds->name, ds->classes, m->cfg.num_classes);
    if (c->lr > 0) {
        m->lr0 = c->lr;
        m->schedule = c->schedule;
        m->schedule_epochs = m->epochs_done +
                             (c->plan_epochs > 0 ? c->plan_epochs : c->epochs);
    } else if (m->lr0 <= 0) {
        return dk_err_set(err, DK_ERR_ARG, "the model has no learning rate yet: "
                          "give lr=");
    }
    const TrainPlan plan = train_plan(m, ds->count, c);
    m->clip = c->clip;
    m->batch = c->batch;
    if (!m->has_seed) {
        m->seed = c->seed;
        m->has_seed = 1;
    }
    if (!m->opt) {
        ts_status st = api->optim_adam_new(&m->opt, m->net, model_lr_at(m, m->epochs_done));
        if (st != TS_OK)
            return backend_error(api, st, err);
    }

    /* A subset: the first max_images of the data, as a Dataset of its
     * own (a copy of those bytes). */
    Dataset *data = dataset_ref(ds);
    if (c->max_images > 0 && c->max_images < ds->count) {
        dataset_unref(data);
        data = subset(ds, (int)c->max_images);
        if (!data)
            return dk_err_oom(err);
    }
    DataLoader *loader = NULL;
    dk_status rc = c->batch > data->count
                       ? dk_err_set(err, DK_ERR_ARG, "batch=%d is larger than the "
                                    "%d images", c->batch, data->count)
                       : loader_new(data, c->batch, 1, m->seed, &loader, err);
    dataset_unref(data); /* the loader holds its own reference */
    if (rc != DK_OK)
        return rc;
    const int per_epoch = plan.per_epoch;
    const long total = plan.total;
    int first = plan.first_batch;
    float *x = malloc((size_t)c->batch * MODEL_SIDE * MODEL_SIDE * sizeof *x);
    int64_t *y = malloc((size_t)c->batch * sizeof *y);
    if (!x || !y) {
        rc = dk_err_oom(err);
        goto done;
    }
    m->epoch_batch = first;  /* 0: an interrupted epoch starts again */
    Pending pend = {{0}, 0};
    long done_steps = 0;
    for (int e = 0; e < c->epochs && rc == DK_OK && done_steps < total; e++) {
        const int epoch = m->epochs_done;
        const double lr = model_lr_at(m, epoch);
        ts_generator *g = NULL;
        ts_status st = api->optim_set_lr(m->opt, lr);
        if (st == TS_OK)
            st = api->generator_new(&g, epoch_seed(m->seed, (uint64_t)epoch));
        if (st != TS_OK) {
            rc = backend_error(api, st, err);
            break;
        }
        loader_set_epoch(loader, (uint64_t)epoch);
        int B, b = first;
        rc = skip_batches(m, loader, first, x, y, g, err);
        first = 0;
        while (rc == DK_OK && done_steps < total &&
               (B = loader_next(loader, x, y, NULL)) > 0) {
            if (dk_interrupted()) {
                rc = dk_err_set(err, DK_ERR_INTERRUPTED, "interrupted by the user "
                                "at step %ld of %ld (epoch %d, batch %d of %d); the "
                                "model keeps the %ld steps taken", done_steps, total,
                                epoch + 1, b + 1, per_epoch, done_steps);
                break;
            }
            ts_tensor *loss = NULL;
            rc = step(m, x, y, B, g, c->clip, &loss, err);
            if (rc != DK_OK) {
                dk_err_prefix(err, "epoch %d, batch %d: ", epoch + 1, b + 1);
                if (rc == DK_ERR_OOM)
                    dk_err_hint(err, "out of memory: train with a smaller batch= "
                                "(the model is unchanged by the failed step)");
                break;
            }
            m->steps++;
            done_steps++;
            b++;
            m->epoch_batch = b;
            m->epoch_batches = per_epoch;
            pend.loss[pend.n++] = loss;
            const int last = b == per_epoch || done_steps == total;
            if (pend.n == TRAIN_READ_EVERY || fn || last)
                rc = flush(m, &pend, err);
            if (rc == DK_OK && b == per_epoch) {
                m->epochs_done++;
                m->epoch_batch = 0;
                rc = model_mark_epoch(m, err);
            }
            if (rc == DK_OK && fn) {
                TrainReport r = {done_steps, total, epoch, b == per_epoch,
                                 m->losses[m->nlosses - 1], lr, m};
                fn(ctx, &r);
            }
        }
        dk_status frc = flush(m, &pend, rc == DK_OK ? err : NULL);
        if (rc == DK_OK)
            rc = frc;
        api->generator_free(g);
    }
done:
    free(x);
    free(y);
    loader_free(loader);
    return rc;
}
