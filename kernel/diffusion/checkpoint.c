/*
 * checkpoint.c: Part B models as safetensors files (see checkpoint.h).
 */
#include "checkpoint.h"
#include "../util/file.h"

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

static const struct {
    ts_dtype dtype;
    const char *name;
    int size;
} dtypes[] = {
    {TS_F32, "F32", 4}, {TS_F16, "F16", 2}, {TS_BF16, "BF16", 2},
    {TS_F64, "F64", 8}, {TS_I64, "I64", 8}, {TS_I32, "I32", 4},
    {TS_U8, "U8", 1},   {TS_BOOL, "BOOL", 1},
};

static int dtype_index(ts_dtype d)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == d)
            return (int)i;
    return -1;
}

static int dtype_by_name(const char *s)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dtypes[i].name, s))
            return (int)i;
    return -1;
}

// ----------------------------------------------------------------------------
// Saving

/* One tensor to write: its header entry and its bytes. */
typedef struct Blob {
    char *name;      /* owned */
    int dtype;       /* index into dtypes */
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

/* The model's state as blobs (float parameters as F16 with fp16). */
static dk_status collect(const Model *m, int fp16, int with_opt, Blob **out,
                         int *nout, DkErr *err)
{
    const TsApi *api = m->api;
    int n = 0;
    ts_status st = api->module_state_count(m->net, &n);
    if (st != TS_OK)
        return backend_error(api, st, err);
    Blob *b = calloc((size_t)n + 3, sizeof *b);
    if (!b)
        return dk_err_oom(err);
    int k = 0;
    for (int i = 0; i < n && st == TS_OK; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        ts_dtype dt = TS_F32;
        st = api->module_state_get(m->net, i, &name, &v);
        if (st == TS_OK)
            st = api->tensor_dtype(v, &dt);
        if (st == TS_OK)
            st = api->tensor_shape(v, b[k].shape, TS_MAX_DIMS, &b[k].nd);
        if (st == TS_OK) {
            /* running statistics keep float32: fp16 is for weights */
            if (fp16 && dt == TS_F32 && !strstr(name, "running_"))
                dt = TS_F16;
            int64_t numel = 1;
            for (int d = 0; d < b[k].nd; d++)
                numel *= b[k].shape[d];
            b[k].dtype = dtype_index(dt);
            b[k].len = (size_t)numel * (size_t)dtypes[b[k].dtype].size;
            b[k].data = malloc(b[k].len ? b[k].len : 1);
            b[k].name = strdup(name);
            if (!b[k].data || !b[k].name) {
                api->tensor_free(v);
                k++;
                blobs_free(b, k);
                return dk_err_oom(err);
            }
            st = api->tensor_to_data(v, b[k].data, numel, dt);
        }
        api->tensor_free(v);
        k++;
    }
    if (st != TS_OK) {
        blobs_free(b, k);
        return backend_error(api, st, err);
    }
    /* the loss history and the epoch marks */
    b[k].name = strdup(RESERVED "losses");
    b[k].dtype = dtype_index(TS_F32);
    b[k].nd = 1;
    b[k].shape[0] = m->nlosses;
    b[k].len = (size_t)m->nlosses * sizeof(float);
    b[k].data = malloc(b[k].len ? b[k].len : 1);
    if (b[k].data && b[k].len)
        memcpy(b[k].data, m->losses, b[k].len);
    k++;
    b[k].name = strdup(RESERVED "epoch_ends");
    b[k].dtype = dtype_index(TS_I64);
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
        b[k].dtype = dtype_index(TS_U8);
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

dk_status checkpoint_save(const Model *m, const char *path, int fp16,
                          int with_optimizer, DkErr *err)
{
    Blob *b = NULL;
    int n = 0;
    dk_status rc = collect(m, fp16, with_optimizer, &b, &n, err);
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
                                      dtypes[b[i].dtype].name, "shape", shape,
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

static const char *meta_str(json_t *meta, const char *key)
{
    const char *s = json_string_value(json_object_get(meta, key));
    return s ? s : "";
}

static double meta_num(json_t *meta, const char *key, double dflt)
{
    const char *s = json_string_value(json_object_get(meta, key));
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

static char *read_file(const char *path, size_t *len, DkErr *err)
{
    char *buf = dk_read_file(path, len, err);
    if (!buf && err && err->code == DK_ERR_IO)
        dk_err_hint(err, "check the path; checkpoints are written by save_model");
    return buf;
}

/* An entry of the header, checked against the file. */
typedef struct Entry {
    int dtype;
    int64_t shape[TS_MAX_DIMS];
    int nd;
    const char *data;
    size_t len;
} Entry;

static dk_status entry(const char *path, const char *key, json_t *v, const char *body,
                       size_t body_len, Entry *e, DkErr *err)
{
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
           *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs) ||
        json_array_size(offs) != 2 || json_array_size(shape) > TS_MAX_DIMS)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: the entry for %s is malformed",
                          path, key);
    e->dtype = dtype_by_name(json_string_value(dt));
    if (e->dtype < 0)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has dtype %s, which diffuse "
                          "does not read", path, key, json_string_value(dt));
    e->nd = (int)json_array_size(shape);
    int64_t numel = 1;
    for (int d = 0; d < e->nd; d++) {
        json_int_t s = json_integer_value(json_array_get(shape, (size_t)d));
        if (!json_is_integer(json_array_get(shape, (size_t)d)) || s < 0 || s > (1ll << 40))
            return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has a bad shape", path, key);
        e->shape[d] = s;
        numel *= s;
    }
    json_int_t b0 = json_integer_value(json_array_get(offs, 0)),
               b1 = json_integer_value(json_array_get(offs, 1));
    if (b0 < 0 || b1 < b0 || (uint64_t)b1 > body_len ||
        (uint64_t)(b1 - b0) != (uint64_t)numel * (uint64_t)dtypes[e->dtype].size)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: the data of %s lies outside the "
                          "file or has the wrong size (truncated or corrupt file?)",
                          path, key);
    e->data = body + b0;
    e->len = (size_t)(b1 - b0);
    return DK_OK;
}

static dk_status load_into(Model *m, const char *path, json_t *hdr, const char *body,
                           size_t body_len, DkErr *err)
{
    const TsApi *api = m->api;
    int n = 0;
    ts_status st = api->module_state_count(m->net, &n);
    if (st != TS_OK)
        return backend_error(api, st, err);
    /* 1. compare keys and shapes before touching anything */
    char missing[512] = "", shapes[768] = "", unexpected[512] = "";
    int nmiss = 0, nshape = 0, nunexp = 0;
    for (int i = 0; i < n; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        int64_t shape[TS_MAX_DIMS];
        int nd = 0;
        st = api->module_state_get(m->net, i, &name, &v);
        if (st == TS_OK)
            st = api->tensor_shape(v, shape, TS_MAX_DIMS, &nd);
        api->tensor_free(v);
        if (st != TS_OK)
            return backend_error(api, st, err);
        json_t *jv = json_object_get(hdr, name);
        if (!jv) {
            note(missing, sizeof missing, &nmiss, "%s%s%s", name, "");
            continue;
        }
        Entry e;
        dk_status rc = entry(path, name, jv, body, body_len, &e, err);
        if (rc != DK_OK)
            return rc;
        if (e.nd != nd || memcmp(e.shape, shape, (size_t)nd * sizeof *shape)) {
            char what[96] = "";
            size_t o = 0;
            o += (size_t)snprintf(what + o, sizeof what - o, " (file [");
            for (int d = 0; d < e.nd && o < sizeof what; d++)
                o += (size_t)snprintf(what + o, sizeof what - o, "%s%lld", d ? ", " : "",
                                      (long long)e.shape[d]);
            if (o < sizeof what)
                o += (size_t)snprintf(what + o, sizeof what - o, "], model [");
            for (int d = 0; d < nd && o < sizeof what; d++)
                o += (size_t)snprintf(what + o, sizeof what - o, "%s%lld", d ? ", " : "",
                                      (long long)shape[d]);
            if (o < sizeof what)
                snprintf(what + o, sizeof what - o, "])");
            note(shapes, sizeof shapes, &nshape, "%s%s%s", name, what);
        }
    }
    const char *key;
    json_t *jv;
    json_object_foreach(hdr, key, jv) {
        if (!strcmp(key, "__metadata__") || !strncmp(key, RESERVED, strlen(RESERVED)))
            continue;
        int found = 0;
        for (int i = 0; i < n && !found; i++) {
            const char *name = NULL;
            ts_tensor *v = NULL;
            if (api->module_state_get(m->net, i, &name, &v) == TS_OK)
                found = !strcmp(name, key);
            api->tensor_free(v);
        }
        if (!found)
            note(unexpected, sizeof unexpected, &nunexp, "%s%s%s", key, "");
    }
    if (nmiss || nshape || nunexp) {
        more(missing, sizeof missing, nmiss);
        more(shapes, sizeof shapes, nshape);
        more(unexpected, sizeof unexpected, nunexp);
        char model[160];
        model_describe(m, model, sizeof model);
        dk_err_set(err, DK_ERR_FORMAT, "%s does not fit a %s:%s%s%s%s%s%s%s%s%s", path,
                   model, nmiss ? " missing keys: " : "", missing,
                   nmiss && (nshape || nunexp) ? ";" : "",
                   nshape ? " mis-shaped: " : "", shapes,
                   nshape && nunexp ? ";" : "",
                   nunexp ? " unexpected keys: " : "", unexpected, "");
        dk_err_hint(err, "was it written for another model, or edited? Save it "
                         "again from the model it came from");
        return DK_ERR_FORMAT;
    }
    /* 2. copy */
    for (int i = 0; i < n; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL, *src = NULL;
        st = api->module_state_get(m->net, i, &name, &v);
        api->tensor_free(v);
        if (st != TS_OK)
            return backend_error(api, st, err);
        Entry e;
        dk_status rc = entry(path, name, json_object_get(hdr, name), body, body_len,
                             &e, err);
        if (rc != DK_OK)
            return rc;
        st = api->tensor_from_data(&src, e.data, e.shape, e.nd, dtypes[e.dtype].dtype);
        if (st == TS_OK)
            st = api->module_state_set(m->net, name, src);
        api->tensor_free(src);
        if (st != TS_OK)
            return backend_error(api, st, err);
    }
    return DK_OK;
}

/* The history and the optimizer, when stored. */
static dk_status load_extras(Model *m, const char *path, json_t *hdr, const char *body,
                             size_t body_len, DkErr *err)
{
    Entry e;
    json_t *jv = json_object_get(hdr, RESERVED "losses");
    if (jv) {
        dk_status rc = entry(path, RESERVED "losses", jv, body, body_len, &e, err);
        if (rc != DK_OK)
            return rc;
        if (dtypes[e.dtype].dtype != TS_F32 || e.nd != 1)
            return dk_err_set(err, DK_ERR_FORMAT, "%s: bad loss history", path);
        for (int64_t i = 0; i < e.shape[0]; i++) {
            float l;
            memcpy(&l, e.data + i * 4, 4);
            if (model_push_loss(m, l, err) != DK_OK)
                return err->code;
        }
    }
    jv = json_object_get(hdr, RESERVED "epoch_ends");
    if (jv) {
        dk_status rc = entry(path, RESERVED "epoch_ends", jv, body, body_len, &e, err);
        if (rc != DK_OK)
            return rc;
        if (dtypes[e.dtype].dtype != TS_I64 || e.nd != 1)
            return dk_err_set(err, DK_ERR_FORMAT, "%s: bad epoch marks", path);
        for (int64_t i = 0; i < e.shape[0]; i++) {
            int64_t v;
            memcpy(&v, e.data + i * 8, 8);
            long save = m->nlosses;
            m->nlosses = v < 0 || v > save ? save : (long)v;
            dk_status mrc = model_mark_epoch(m, err);
            m->nlosses = save;
            if (mrc != DK_OK)
                return mrc;
        }
    }
    jv = json_object_get(hdr, RESERVED "optimizer");
    if (jv) {
        dk_status rc = entry(path, RESERVED "optimizer", jv, body, body_len, &e, err);
        if (rc != DK_OK)
            return rc;
        const TsApi *api = m->api;
        ts_status st = api->optim_adam_new(&m->opt, m->net,
                                           m->lr0 > 0 ? model_lr_at(m, m->epochs_done) : 1e-3);
        if (st == TS_OK)
            st = api->optim_load(m->opt, e.data, e.len);
        if (st != TS_OK) {
            backend_error(api, st, err);
            dk_err_prefix(err, "%s: the optimizer state does not load: ", path);
            return err->code;
        }
    }
    return DK_OK;
}

dk_status checkpoint_load(const TsApi *api, const char *path, Model **out,
                          DkErr *err)
{
    *out = NULL;
    size_t len = 0;
    char *buf = read_file(path, &len, err);
    if (!buf)
        return err->code;
    uint64_t hlen = 0;
    for (int i = 0; i < 8 && len >= 8; i++)
        hlen |= (uint64_t)(unsigned char)buf[i] << (8 * i);
    if (len > 8 && buf[8] == '{' && hlen >= 2 && hlen <= CHECKPOINT_MAX_HEADER &&
        hlen > len - 8) {
        free(buf);
        dk_err_set(err, DK_ERR_FORMAT, "%s is truncated or corrupt: its header "
                   "alone should be %llu bytes, the file has %zu", path,
                   (unsigned long long)hlen, len);
        dk_err_hint(err, "save the model again; a copy may have stopped half-way");
        return DK_ERR_FORMAT;
    }
    if (len < 8 || hlen < 2 || hlen > CHECKPOINT_MAX_HEADER || hlen > len - 8 ||
        buf[8] != '{') {
        free(buf);
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a checkpoint (no safetensors "
                   "header)", path);
        dk_err_hint(err, "load_model reads the files save_model writes");
        return DK_ERR_FORMAT;
    }
    json_error_t jerr;
    json_t *hdr = json_loadb(buf + 8, (size_t)hlen, 0, &jerr);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        free(buf);
        return dk_err_set(err, DK_ERR_FORMAT, "%s: the header is not valid JSON "
                          "(%s): a corrupt or truncated file", path, jerr.text);
    }
    json_t *meta = json_object_get(hdr, "__metadata__");
    dk_status rc = DK_OK;
    Model *m = NULL;
    int kind = model_kind_parse(meta_str(meta, "kind"));
    if (!json_is_object(meta) || strcmp(meta_str(meta, "format"), CHECKPOINT_FORMAT)) {
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s is a safetensors file but not a "
                        "diffuse checkpoint (no \"format\": \"%s\" in its metadata)",
                        path, CHECKPOINT_FORMAT);
    } else if ((int)meta_num(meta, "version", 0) != CHECKPOINT_VERSION) {
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s is version %s of the checkpoint "
                        "format; this kernel reads version %d", path,
                        meta_str(meta, "version"), CHECKPOINT_VERSION);
    } else if (kind < 0 || (int)meta_num(meta, "in_channels", 1) != 1) {
        rc = dk_err_set(err, DK_ERR_FORMAT, "%s: unknown model kind \"%s\"", path,
                        meta_str(meta, "kind"));
    } else {
        rc = model_new(api, (ts_unet_kind)kind, (int)meta_num(meta, "hidden", 0), &m, err);
        if (rc != DK_OK)
            dk_err_prefix(err, "%s: ", path);
    }
    if (rc == DK_OK) {
        m->sigma = meta_num(meta, "sigma", 0.5);
        m->pure_noise = (int)meta_num(meta, "pure_noise", 0);
        m->p_uncond = meta_num(meta, "p_uncond", m->p_uncond);
        m->lr0 = meta_num(meta, "lr0", 0);
        m->schedule = !strcmp(meta_str(meta, "schedule"), "exp") ? LR_EXP : LR_CONSTANT;
        m->schedule_epochs = (int)meta_num(meta, "schedule_epochs", 0);
        m->clip = meta_num(meta, "clip", 0);
        m->batch = (int)meta_num(meta, "batch", 0);
        m->seed = strtoull(meta_str(meta, "seed"), NULL, 10);
        m->has_seed = (int)meta_num(meta, "has_seed", 0);
        m->epochs_done = (int)meta_num(meta, "epochs_done", 0);
        m->steps = (long)meta_num(meta, "steps", 0);
        const char *body = buf + 8 + hlen;
        size_t body_len = len - 8 - (size_t)hlen;
        rc = load_into(m, path, hdr, body, body_len, err);
        if (rc == DK_OK)
            rc = load_extras(m, path, hdr, body, body_len, err);
    }
    json_decref(hdr);
    free(buf);
    if (rc != DK_OK) {
        model_free(m);
        return rc;
    }
    *out = m;
    return DK_OK;
}
