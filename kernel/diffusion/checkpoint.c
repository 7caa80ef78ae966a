/*
 * checkpoint.c: Part B models as safetensors files (see checkpoint.h).
 */
#include "checkpoint.h"
#include "safetensors.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESERVED "_diffuse."
#define LIST_MAX 4   /* keys named per kind of mismatch */

// ----------------------------------------------------------------------------
// Saving

/* One tensor to write: its header entry and its bytes. */
typedef struct Blob {
    char *name;      /* owned */
    ts_dtype dtype;
    int64_t shape[TS_MAX_DIMS];
    int nd;
    void *data;      /* owned */
    size_t len;
} Blob;

static void set_meta(json_t *meta, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_meta(json_t *meta, const char *key, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_object_set_new(meta, key, json_string(buf));
}

static json_t *metadata(const Model *m)
{
    json_t *meta = json_object();
    if (!meta)
        return NULL;
    float lmin = INFINITY;
    for (long i = 0; i < m->nlosses; i++)
        if (m->losses[i] < lmin)
            lmin = m->losses[i];
    set_meta(meta, "format", "%s", CHECKPOINT_FORMAT);
    set_meta(meta, "version", "%d", CHECKPOINT_VERSION);
    set_meta(meta, "kind", "%s", model_kind_name(m->cfg.kind));
    set_meta(meta, "in_channels", "%d", m->cfg.in_channels);
    set_meta(meta, "hidden", "%d", m->cfg.hidden);
    set_meta(meta, "num_classes", "%d", m->cfg.num_classes);
    set_meta(meta, "param_count", "%lld", (long long)m->params);
    set_meta(meta, "sigma", "%.17g", m->sigma);
    set_meta(meta, "pure_noise", "%d", m->pure_noise);
    set_meta(meta, "p_uncond", "%.17g", m->p_uncond);
    set_meta(meta, "lr0", "%.17g", m->lr0);
    set_meta(meta, "schedule", "%s", m->schedule == LR_EXP ? "exp" : "none");
    set_meta(meta, "schedule_epochs", "%d", m->schedule_epochs);
    set_meta(meta, "clip", "%.17g", m->clip);
    set_meta(meta, "batch", "%d", m->batch);
    set_meta(meta, "seed", "%llu", (unsigned long long)m->seed);
    set_meta(meta, "has_seed", "%d", m->has_seed);
    set_meta(meta, "epochs_done", "%d", m->epochs_done);
    set_meta(meta, "epoch_batch", "%d", m->epoch_batch);
    set_meta(meta, "epoch_batches", "%d", m->epoch_batches);
    set_meta(meta, "steps", "%ld", m->steps);
    set_meta(meta, "loss_last", "%.9g", m->nlosses ? m->losses[m->nlosses - 1] : NAN);
    set_meta(meta, "loss_min", "%.9g", m->nlosses ? lmin : NAN);
    return meta;
}

static void blobs_free(Blob *b, int n)
{
    for (int i = 0; i < n; i++) {
        free(b[i].name);
        free(b[i].data);
    }
    free(b);
}

/* w as int8 rows: q = round(w / s) with s = max|w| / 127 over each of
 * the `rows` slices of its first axis, so each slice's largest weight is
 * exactly 127 s.  Returns 0 when a weight is not finite. */
static int quantize_rows(const float *w, int64_t rows, int64_t cols, int8_t *q,
                         float *s)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *row = w + r * cols;
        float top = 0;
        for (int64_t c = 0; c < cols; c++) {
            if (!isfinite(row[c]))
                return 0;
            top = fmaxf(top, fabsf(row[c]));
        }
        s[r] = top > 0 ? top / 127 : 1;
        for (int64_t c = 0; c < cols; c++)
            q[r * cols + c] = (int8_t)lrintf(row[c] / s[r]);
    }
    return 1;
}

/* How a state entry is stored: running statistics keep float32 (the
 * smaller formats are for weights), and only a weight of two or more
 * dimensions becomes int8. */
static ts_dtype stored_dtype(CheckpointWeights weights, const char *name, ts_dtype dt,
                             int nd)
{
    if (dt != TS_F32 || weights == CHECKPOINT_F32 || strstr(name, "running_"))
        return dt;
    return weights == CHECKPOINT_I8 && nd >= 2 ? TS_I8 : TS_F16;
}

/* Blob b gets v's values in its dtype; an int8 blob's row scales go to
 * `scale`, a new blob. */
static dk_status fill(const TsApi *api, const ts_tensor *v, Blob *b, int64_t numel,
                      Blob *scale, DkErr *err)
{
    if (b->dtype != TS_I8)
        return backend_error(api, api->tensor_to_data(v, b->data, numel, b->dtype), err);
    int64_t rows = b->shape[0], cols = rows ? numel / rows : 0;
    float *w = malloc((size_t)(numel ? numel : 1) * sizeof *w);
    scale->name = malloc(strlen(RESERVED "scale.") + strlen(b->name) + 1);
    scale->dtype = TS_F32;
    scale->nd = 1;
    scale->shape[0] = rows;
    scale->len = (size_t)rows * sizeof(float);
    scale->data = malloc(scale->len ? scale->len : 1);
    if (!w || !scale->name || !scale->data) {
        free(w);
        return dk_err_oom(err);
    }
    sprintf(scale->name, RESERVED "scale.%s", b->name);
    dk_status rc = backend_error(api, api->tensor_to_data(v, w, numel, TS_F32), err);
    if (rc == DK_OK && !quantize_rows(w, rows, cols, b->data, scale->data)) {
        rc = dk_err_set(err, DK_ERR_VALUE, "%s has weights that are not finite "
                        "numbers, which int8 cannot store", b->name);
        dk_err_hint(err, "the training diverged: keep it with fp16=true, or load an "
                         "earlier checkpoint");
    }
    free(w);
    return rc;
}

/* The model's state as blobs, the weights stored as `weights` says. */
static dk_status collect(const Model *m, CheckpointWeights weights, int with_opt,
                         Blob **out, int *nout, DkErr *err)
{
    const TsApi *api = m->api;
    int n = 0;
    ts_status st = api->module_state_count(m->net, &n);
    if (st != TS_OK)
        return backend_error(api, st, err);
    Blob *b = calloc(2 * (size_t)n + 3, sizeof *b);  /* room for a scale each */
    if (!b)
        return dk_err_oom(err);
    int k = 0;
    dk_status rc = DK_OK;
    for (int i = 0; i < n && rc == DK_OK; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        ts_dtype dt = TS_F32;
        st = api->module_state_get(m->net, i, &name, &v);
        if (st == TS_OK)
            st = api->tensor_dtype(v, &dt);
        if (st == TS_OK)
            st = api->tensor_shape(v, b[k].shape, TS_MAX_DIMS, &b[k].nd);
        rc = backend_error(api, st, err);
        if (rc == DK_OK) {
            dt = stored_dtype(weights, name, dt, b[k].nd);
            int64_t numel = 1;
            for (int d = 0; d < b[k].nd; d++)
                numel *= b[k].shape[d];
            b[k].dtype = dt;
            b[k].len = (size_t)numel * (size_t)st_dtype_size(dt);
            b[k].data = malloc(b[k].len ? b[k].len : 1);
            b[k].name = strdup(name);
            if (!st_dtype_size(dt))
                rc = dk_err_set(err, DK_ERR_INTERNAL, "%s is a %s tensor, which a "
                                "safetensors file cannot hold", name, ts_dtype_name(dt));
            else if (!b[k].data || !b[k].name)
                rc = dk_err_oom(err);
            else
                rc = fill(api, v, &b[k], numel, &b[k + 1], err);
            k += dt == TS_I8 ? 2 : 1;
        }
        api->tensor_free(v);
    }
    if (rc != DK_OK) {
        blobs_free(b, k);
        return rc;
    }
    /* the loss history and the epoch marks */
    b[k].name = strdup(RESERVED "losses");
    b[k].dtype = TS_F32;
    b[k].nd = 1;
    b[k].shape[0] = m->nlosses;
    b[k].len = (size_t)m->nlosses * sizeof(float);
    b[k].data = malloc(b[k].len ? b[k].len : 1);
    if (b[k].data && b[k].len)
        memcpy(b[k].data, m->losses, b[k].len);
    k++;
    b[k].name = strdup(RESERVED "epoch_ends");
    b[k].dtype = TS_I64;
    b[k].nd = 1;
    b[k].shape[0] = m->nepoch_ends;
    b[k].len = (size_t)m->nepoch_ends * sizeof(int64_t);
    b[k].data = malloc(b[k].len ? b[k].len : 1);
    for (int i = 0; b[k].data && i < m->nepoch_ends; i++)
        ((int64_t *)b[k].data)[i] = m->epoch_ends[i];
    k++;
    if (with_opt && m->opt) {
        void *bytes = NULL;
        size_t len = 0;
        st = api->optim_save(m->opt, &bytes, &len);
        if (st != TS_OK) {
            blobs_free(b, k);
            return backend_error(api, st, err);
        }
        b[k].name = strdup(RESERVED "optimizer");
        b[k].dtype = TS_U8;
        b[k].nd = 1;
        b[k].shape[0] = (int64_t)len;
        b[k].len = len;
        b[k].data = bytes;
        k++;
    }
    for (int i = 0; i < k; i++)
        if (!b[i].name || !b[i].data) {
            blobs_free(b, k);
            return dk_err_oom(err);
        }
    *out = b;
    *nout = k;
    return DK_OK;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

dk_status checkpoint_save(const Model *m, const char *path,
                          CheckpointWeights weights, int with_optimizer,
                          DkErr *err)
{
    Blob *b = NULL;
    int n = 0;
    dk_status rc = collect(m, weights, with_optimizer, &b, &n, err);
    if (rc != DK_OK)
        return rc;
    json_t *hdr = json_object(), *meta = metadata(m);
    if (!hdr || !meta) {
        json_decref(hdr);
        json_decref(meta);
        blobs_free(b, n);
        return dk_err_oom(err);
    }
    json_object_set_new(hdr, "__metadata__", meta);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        json_t *shape = json_array();
        for (int d = 0; d < b[i].nd; d++)
            json_array_append_new(shape, json_integer(b[i].shape[d]));
        json_object_set_new(hdr, b[i].name,
                            json_pack("{s:s, s:o, s:[I, I]}", "dtype",
                                      st_dtype_name(b[i].dtype), "shape", shape,
                                      "data_offsets", (json_int_t)off,
                                      (json_int_t)(off + b[i].len)));
        off += b[i].len;
    }
    char *text = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(hdr);
    if (!text) {
        blobs_free(b, n);
        return dk_err_oom(err);
    }
    /* pad the header with spaces to a multiple of 8 (as safetensors does) */
    size_t hlen = strlen(text), padded = (hlen + 7) / 8 * 8;
    unsigned char lenbuf[8];
    for (int i = 0; i < 8; i++)
        lenbuf[i] = (unsigned char)((uint64_t)padded >> (8 * i));

    /* tmp file in the same folder, then fsync and rename */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(text);
        blobs_free(b, n);
        return dk_err_oom(err);
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = dk_err_set(err, DK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        dk_err_hint(err, "does the folder exist and is it writable?");
    } else {
        int bad = write_all(fd, lenbuf, 8) || write_all(fd, text, hlen) ||
                  write_all(fd, "        ", padded - hlen);
        for (int i = 0; !bad && i < n; i++)
            bad = write_all(fd, b[i].data, b[i].len);
        if (!bad)
            bad = fsync(fd);
        int saved = errno;
        if (close(fd) != 0 && !bad) {
            bad = 1;
            saved = errno;
        }
        if (!bad && chmod(tmp, 0644) == 0 && rename(tmp, path) == 0) {
            rc = DK_OK;
        } else {
            if (!bad)
                saved = errno;
            unlink(tmp);
            rc = dk_err_set(err, DK_ERR_IO, "cannot write %s: %s", path,
                            strerror(saved));
            dk_err_hint(err, "is the disk full, or the folder read-only?");
        }
    }
    free(tmp);
    free(text);
    blobs_free(b, n);
    return rc;
}

// ----------------------------------------------------------------------------
// Loading

static const char *meta_str(const StFile *f, const char *key)
{
    const char *s = st_meta(f, key);
    return s ? s : "";
}

static double meta_num(const StFile *f, const char *key, double dflt)
{
    const char *s = st_meta(f, key);
    if (!s || !*s)
        return dflt;
    char *end = NULL;
    double v = strtod(s, &end);
    return end && *end == '\0' ? v : dflt;
}

/* Append "name" to a list text when there is room, counting all. */
static void note(char *buf, size_t cap, int *count, const char *fmt, const char *name,
                 const char *extra)
{
    if (*count < LIST_MAX) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, fmt, len ? ", " : "", name, extra);
    }
    (*count)++;
}

static void more(char *buf, size_t cap, int count)
{
    if (count > LIST_MAX) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, " and %d more", count - LIST_MAX);
    }
}

/* The file's header, checked by the shared reader; its messages reworded
 * where a checkpoint knows better what went wrong. */
static dk_status open_checkpoint(const char *path, StFile **f, DkErr *err)
{
    StProblem why = ST_FINE;
    dk_status rc = st_open(path, f, &why, err);
    if (why == ST_NOT_SAFETENSORS) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a checkpoint (no safetensors header)",
                   path);
        dk_err_hint(err, "load_model reads the files save_model writes");
    } else if (why == ST_TRUNCATED) {
        dk_err_hint(err, "save the model again; a copy may have stopped half-way");
    } else if (rc == DK_ERR_IO) {
        dk_err_hint(err, "check the path; checkpoints are written by save_model");
    }
    return rc;
}

/* The mismatches of a checkpoint, listed by kind (a few of each). */
typedef struct Lists {
    char missing[512], shapes[768], unexpected[512];
    int nmiss, nshape, nunexp;
} Lists;

static void list_mismatch(void *ctx, const StMatch *mm)
{
    Lists *l = ctx;
    char file[48], model[48], what[112];
    switch (mm->kind) {
    case ST_MISSING:
        note(l->missing, sizeof l->missing, &l->nmiss, "%s%s%s", mm->name, "");
        break;
    case ST_MISSHAPED:
        st_shape_text(mm->entry->shape, mm->entry->nd, file, sizeof file);
        st_shape_text(mm->shape, mm->nd, model, sizeof model);
        snprintf(what, sizeof what, " (file %s, model %s)", file, model);
        note(l->shapes, sizeof l->shapes, &l->nshape, "%s%s%s", mm->name, what);
        break;
    case ST_UNEXPECTED:
        note(l->unexpected, sizeof l->unexpected, &l->nunexp, "%s%s%s", mm->name, "");
        break;
    }
}

/* Every key and shape of the model against the file, before touching
 * anything: the missing, mis-shaped and unexpected keys in one message. */
static dk_status check_keys(Model *m, StFile *f, DkErr *err)
{
    Lists l = {.missing = ""};
    int bad = st_match_module(m->api, m->net, &f, 1, RESERVED, list_mismatch, &l, err);
    if (bad <= 0)
        return bad < 0 ? err->code : DK_OK;
    more(l.missing, sizeof l.missing, l.nmiss);
    more(l.shapes, sizeof l.shapes, l.nshape);
    more(l.unexpected, sizeof l.unexpected, l.nunexp);
    char model[160];
    model_describe(m, model, sizeof model);
    dk_err_set(err, DK_ERR_FORMAT, "%s does not fit a %s:%s%s%s%s%s%s%s%s", st_path(f),
               model, l.nmiss ? " missing keys: " : "", l.missing,
               l.nmiss && (l.nshape || l.nunexp) ? ";" : "",
               l.nshape ? " mis-shaped: " : "", l.shapes,
               l.nshape && l.nunexp ? ";" : "",
               l.nunexp ? " unexpected keys: " : "", l.unexpected);
    dk_err_hint(err, "was it written for another model, or edited? Save it "
                     "again from the model it came from");
    return DK_ERR_FORMAT;
}

/* The reserved entry `name` as bytes when present (*bytes NULL when not),
 * checked to be a vector of `dtype` unless dtype is TS_U8 (any bytes). */
static dk_status extra(StFile *f, const char *name, ts_dtype dtype, const char *what,
                       void **bytes, int64_t *count, DkErr *err)
{
    *bytes = NULL;
    *count = 0;
    const StEntry *e = st_find(f, name);
    if (!e)
        return DK_OK;
    if (dtype != TS_U8 && (e->dtype != dtype || e->nd != 1))
        return dk_err_set(err, DK_ERR_FORMAT, "%s: bad %s", st_path(f), what);
    *count = dtype == TS_U8 ? (int64_t)e->len : e->shape[0];
    return st_read_bytes(f, e, bytes, err);
}

/* The history and the optimizer, when stored. */
static dk_status load_extras(Model *m, StFile *f, DkErr *err)
{
    void *bytes = NULL;
    int64_t count = 0;
    dk_status rc = extra(f, RESERVED "losses", TS_F32, "loss history", &bytes, &count, err);
    for (int64_t i = 0; rc == DK_OK && i < count; i++) {
        float l;
        memcpy(&l, (char *)bytes + i * 4, 4);
        rc = model_push_loss(m, l, err);
    }
    free(bytes);
    if (rc == DK_OK)
        rc = extra(f, RESERVED "epoch_ends", TS_I64, "epoch marks", &bytes, &count, err);
    for (int64_t i = 0; rc == DK_OK && i < count; i++) {
        int64_t v;
        memcpy(&v, (char *)bytes + i * 8, 8);
        long save = m->nlosses;
        m->nlosses = v < 0 || v > save ? save : (long)v;
        rc = model_mark_epoch(m, err);
        m->nlosses = save;
    }
    free(bytes);
    bytes = NULL;
    if (rc == DK_OK)
        rc = extra(f, RESERVED "optimizer", TS_U8, "optimizer state", &bytes, &count, err);
    if (rc == DK_OK && bytes) {
        const TsApi *api = m->api;
        ts_status st = api->optim_adam_new(&m->opt, m->net,
                                           m->lr0 > 0 ? model_lr_at(m, m->epochs_done) : 1e-3);
        if (st == TS_OK)
            st = api->optim_load(m->opt, bytes, (size_t)count);
        if (st != TS_OK) {
            backend_error(api, st, err);
            dk_err_prefix(err, "%s: the optimizer state does not load: ", st_path(f));
            rc = err->code;
        }
    }
    free(bytes);
    return rc;
}

/* An int8 entry as float32 weights: w = s * q, each slice of its first
 * axis times its scale from "_diffuse.scale.NAME". */
static dk_status dequantize(const TsApi *api, StFile *f, const StEntry *e,
                            ts_tensor **out, DkErr *err)
{
    char key[320];
    snprintf(key, sizeof key, RESERVED "scale.%s", e->name);
    const StEntry *se = st_find(f, key);
    int64_t rows = e->nd ? e->shape[0] : 0, numel = (int64_t)e->len;
    if (!se || se->dtype != TS_F32 || se->nd != 1 || se->shape[0] != rows || rows == 0)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s is stored as int8 without its "
                          "scales (%s: float32, one per slice of its first axis)",
                          st_path(f), e->name, key);
    int8_t *q = NULL;
    float *s = NULL, *w = malloc((size_t)numel * sizeof *w);
    dk_status rc = w ? st_read_bytes(f, e, (void **)&q, err) : dk_err_oom(err);
    if (rc == DK_OK)
        rc = st_read_bytes(f, se, (void **)&s, err);
    for (int64_t r = 0; rc == DK_OK && r < rows; r++)
        if (!isfinite(s[r]) || s[r] < 0)
            rc = dk_err_set(err, DK_ERR_FORMAT, "%s: %s has a scale that is not a "
                            "finite number >= 0", st_path(f), key);
    int64_t cols = numel / rows;
    for (int64_t i = 0; rc == DK_OK && i < numel; i++)
        w[i] = s[i / cols] * (float)q[i];
    if (rc == DK_OK)
        rc = backend_error(api, api->tensor_from_data(out, w, e->shape, e->nd, TS_F32),
                           err);
    free(q);
    free(s);
    free(w);
    return rc;
}

/* Every entry of the UNet into m (checked by check_keys first). */
static dk_status copy_weights(Model *m, StFile *f, DkErr *err)
{
    const TsApi *api = m->api;
    for (int i = 0; i < st_count(f); i++) {
        const StEntry *e = st_entry(f, i);
        if (!strncmp(e->name, RESERVED, strlen(RESERVED)))
            continue;
        ts_tensor *t = NULL;
        dk_status rc = e->dtype == TS_I8 ? dequantize(api, f, e, &t, err)
                                         : st_read(api, f, e, &t, err);
        if (rc == DK_OK)
            rc = backend_error(api, api->module_state_set(m->net, e->name, t), err);
        api->tensor_free(t);
        if (rc != DK_OK)
            return rc;
    }
    return DK_OK;
}

/* A model of the kind the metadata names, with its plan and record. */
static dk_status model_from_meta(const TsApi *api, StFile *f, Model **out, DkErr *err)
{
    const char *path = st_path(f);
    int kind = model_kind_parse(meta_str(f, "kind"));
    if (strcmp(meta_str(f, "format"), CHECKPOINT_FORMAT))
        return dk_err_set(err, DK_ERR_FORMAT, "%s is a safetensors file but not a "
                          "diffuse checkpoint (no \"format\": \"%s\" in its metadata)",
                          path, CHECKPOINT_FORMAT);
    if ((int)meta_num(f, "version", 0) != CHECKPOINT_VERSION)
        return dk_err_set(err, DK_ERR_FORMAT, "%s is version %s of the checkpoint "
                          "format; this kernel reads version %d", path,
                          meta_str(f, "version"), CHECKPOINT_VERSION);
    if (kind < 0 || (int)meta_num(f, "in_channels", 1) != 1)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: unknown model kind \"%s\"", path,
                          meta_str(f, "kind"));
    dk_status rc = model_new(api, (ts_unet_kind)kind, (int)meta_num(f, "hidden", 0), out,
                             err);
    if (rc != DK_OK) {
        dk_err_prefix(err, "%s: ", path);
        return rc;
    }
    Model *m = *out;
    m->sigma = meta_num(f, "sigma", 0.5);
    m->pure_noise = (int)meta_num(f, "pure_noise", 0);
    m->p_uncond = meta_num(f, "p_uncond", m->p_uncond);
    m->lr0 = meta_num(f, "lr0", 0);
    m->schedule = !strcmp(meta_str(f, "schedule"), "exp") ? LR_EXP : LR_CONSTANT;
    m->schedule_epochs = (int)meta_num(f, "schedule_epochs", 0);
    m->clip = meta_num(f, "clip", 0);
    m->batch = (int)meta_num(f, "batch", 0);
    m->seed = strtoull(meta_str(f, "seed"), NULL, 10);
    m->has_seed = (int)meta_num(f, "has_seed", 0);
    m->epochs_done = (int)meta_num(f, "epochs_done", 0);
    m->epoch_batch = (int)meta_num(f, "epoch_batch", 0);
    m->epoch_batches = (int)meta_num(f, "epoch_batches", 0);
    if (m->epoch_batch < 0 || m->epoch_batch >= m->epoch_batches)
        m->epoch_batch = 0;  /* no place inside an epoch (an edited file) */
    m->steps = (long)meta_num(f, "steps", 0);
    return DK_OK;
}

dk_status checkpoint_load(const TsApi *api, const char *path, Model **out,
                          DkErr *err)
{
    *out = NULL;
    StFile *f = NULL;
    dk_status rc = open_checkpoint(path, &f, err);
    if (rc != DK_OK)
        return rc;
    Model *m = NULL;
    rc = model_from_meta(api, f, &m, err);
    if (rc == DK_OK)
        rc = check_keys(m, f, err);
    if (rc == DK_OK)
        rc = copy_weights(m, f, err);
    if (rc == DK_OK)
        rc = load_extras(m, f, err);
    st_close(f);
    if (rc != DK_OK) {
        model_free(m);
        return rc;
    }
    *out = m;
    return DK_OK;
}
