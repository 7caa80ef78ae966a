/*
 * if_weights.c: a DeepFloyd IF UNet from its Hugging Face folder (see
 * if_weights.h).
 */
#include "if_weights.h"

#include "safetensors.h"
#include "../util/file.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WEIGHTS "diffusion_pytorch_model"

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* The folder holding config.json: <folder>/unet, or <folder> itself. */
static char *unet_dir(const char *folder, DkErr *err)
{
    char *dir = join(folder, "unet");
    char *cfg = dir ? join(dir, "config.json") : NULL;
    if (cfg && is_file(cfg)) {
        free(cfg);
        return dir;
    }
    free(cfg);
    free(dir);
    cfg = join(folder, "config.json");
    if (cfg && is_file(cfg)) {
        free(cfg);
        return strdup(folder);
    }
    free(cfg);
    dk_err_set(err, DK_ERR_IO, "%s has no unet/config.json", folder);
    dk_err_hint(err, "point at the model's folder in the Hugging Face layout (the one "
                     "holding unet/, e.g. a snapshot of DeepFloyd/IF-I-XL-v1.0)");
    return NULL;
}

dk_status if_unet_config(const char *folder, char **json_text, char **path_out,
                         DkErr *err)
{
    *json_text = NULL;
    if (path_out)
        *path_out = NULL;
    char *dir = unet_dir(folder, err);
    if (!dir)
        return err->code;
    char *path = join(dir, "config.json");
    free(dir);
    if (!path)
        return dk_err_oom(err);
    *json_text = dk_read_file(path, NULL, err);
    if (!*json_text) {
        free(path);
        return err->code;
    }
    if (path_out)
        *path_out = path;
    else
        free(path);
    return DK_OK;
}

// ----------------------------------------------------------------------------
// The weight files

typedef struct Files {
    StFile **f;
    int n;
    char *what;      /* the file or index read, relative to the folder */
    int half;        /* the .fp16. variant */
} Files;

static void files_close(Files *fs)
{
    for (int i = 0; i < fs->n; i++)
        st_close(fs->f[i]);
    free(fs->f);
    free(fs->what);
    memset(fs, 0, sizeof *fs);
}

static dk_status files_add(Files *fs, const char *path, DkErr *err)
{
    StFile **p = realloc(fs->f, (size_t)(fs->n + 1) * sizeof *p);
    if (!p)
        return dk_err_oom(err);
    fs->f = p;
    dk_status rc = st_open(path, &fs->f[fs->n], err);
    if (rc == DK_OK)
        fs->n++;
    return rc;
}

/* The shards an index names, opened in the order they first appear;
 * each key's file checked to hold it. */
static dk_status open_index(Files *fs, const char *dir, const char *index, DkErr *err)
{
    char *text = dk_read_file(index, NULL, err);
    if (!text)
        return err->code;
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    free(text);
    json_t *map = json_object_get(root, "weight_map");
    if (!json_is_object(map)) {
        json_decref(root);
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a safetensors index (no \"weight_map\")",
                   index);
        dk_err_hint(err, "download the file again");
        return DK_ERR_FORMAT;
    }
    dk_status rc = DK_OK;
    const char *key;
    json_t *v;
    json_t *opened = json_object();   /* file name -> index into fs */
    json_object_foreach(map, key, v) {
        const char *file = json_string_value(v);
        if (!file || strchr(file, '/') || !strcmp(file, "..")) {
            rc = dk_err_set(err, DK_ERR_FORMAT, "%s: the entry of %s names no file in the "
                            "folder", index, key);
            break;
        }
        json_t *k = json_object_get(opened, file);
        if (!k) {
            char *path = join(dir, file);
            if (!path) {
                rc = dk_err_oom(err);
                break;
            }
            if (!is_file(path)) {
                rc = dk_err_set(err, DK_ERR_IO, "%s names the shard %s, which is missing "
                                "(it holds %s)", index, path, key);
                dk_err_hint(err, "download every diffusion_pytorch_model-*.safetensors "
                                 "shard of the model's unet/ folder");
                free(path);
                break;
            }
            rc = files_add(fs, path, err);
            free(path);
            if (rc != DK_OK)
                break;
            k = json_integer(fs->n - 1);
            json_object_set_new(opened, file, k);
        }
        StFile *f = fs->f[json_integer_value(k)];
        if (!st_find(f, key)) {
            rc = dk_err_set(err, DK_ERR_FORMAT, "missing tensor %s: %s says it is in %s, "
                            "which does not hold it", key, index, st_path(f));
            dk_err_hint(err, "the index and its shards come from different downloads: "
                             "fetch the unet/ folder again");
            break;
        }
    }
    json_decref(opened);
    json_decref(root);
    return rc;
}

/* The weights to read for `dtype`: see if_weights.h for the preference. */
static dk_status open_weights(Files *fs, const char *dir, ts_dtype dtype, DkErr *err)
{
    static const char *const variants[2] = {"", ".fp16"};
    int first = dtype == TS_F32 ? 0 : 1;
    for (int k = 0; k < 2; k++) {
        int v = k == 0 ? first : 1 - first;
        char single[64], index[80];
        snprintf(single, sizeof single, WEIGHTS "%s.safetensors", variants[v]);
        snprintf(index, sizeof index, "%s.index.json", single);
        char *ps = join(dir, single), *pi = join(dir, index);
        if (!ps || !pi) {
            free(ps);
            free(pi);
            return dk_err_oom(err);
        }
        dk_status rc = DK_ERR_IO;
        if (is_file(ps)) {
            rc = files_add(fs, ps, err);
            fs->what = strdup(single);
        } else if (is_file(pi)) {
            rc = open_index(fs, dir, pi, err);
            fs->what = strdup(index);
        }
        free(ps);
        free(pi);
        if (rc != DK_ERR_IO || fs->what) {
            fs->half = v;
            return rc;
        }
    }
    dk_err_set(err, DK_ERR_IO, "%s has no weights: neither " WEIGHTS ".safetensors, its "
               ".fp16. variant, nor a sharded " WEIGHTS "[.fp16].safetensors.index.json",
               dir);
    dk_err_hint(err, "download the unet/ folder's .safetensors files (with "
                     "variant=\"fp16\" the *.fp16.safetensors ones); .bin files are "
                     "not read");
    return DK_ERR_IO;
}

// ----------------------------------------------------------------------------
// Checking and copying

/* Find key across the files. */
static const StEntry *lookup(const Files *fs, json_t *where, const char *key, StFile **in)
{
    json_t *k = json_object_get(where, key);
    if (!k)
        return NULL;
    json_int_t v = json_integer_value(k);
    *in = fs->f[v >> 32];
    return st_entry(*in, (int)(v & 0xffffffff));
}

/* Every tensor of the files against the model: the first problem is the
 * error, with the count of the others. */
static dk_status check(const TsApi *api, ts_module *m, const Files *fs, json_t *where,
                       DkErr *err)
{
    int n = 0;
    ts_status st = api->module_state_count(m, &n);
    if (st != TS_OK)
        return backend_error(api, st, err);
    char first[1024] = "";
    int problems = 0;
    json_t *seen = json_object();
    if (!seen)
        return dk_err_oom(err);
    for (int i = 0; i < n; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        int64_t shape[TS_MAX_DIMS];
        int nd = 0;
        st = api->module_state_get(m, i, &name, &v);
        if (st == TS_OK)
            st = api->tensor_shape(v, shape, TS_MAX_DIMS, &nd);
        api->tensor_free(v);
        if (st != TS_OK) {
            json_decref(seen);
            return backend_error(api, st, err);
        }
        json_object_set_new(seen, name, json_true());
        StFile *f = NULL;
        const StEntry *e = lookup(fs, where, name, &f);
        char want[96], got[96];
        st_shape_text(shape, nd, want, sizeof want);
        if (!e) {
            if (!problems++)
                snprintf(first, sizeof first, "missing tensor %s %s (not in %s)", name, want,
                         fs->what);
        } else if (e->nd != nd || memcmp(e->shape, shape, (size_t)nd * sizeof *shape)) {
            st_shape_text(e->shape, e->nd, got, sizeof got);
            if (!problems++)
                snprintf(first, sizeof first, "tensor %s in %s has shape %s; the config's "
                         "UNet needs %s", name, st_path(f), got, want);
        } else if (e->dtype != TS_F32 && e->dtype != TS_F16 && e->dtype != TS_BF16) {
            if (!problems++)
                snprintf(first, sizeof first, "tensor %s in %s is %s, not a float", name,
                         st_path(f), ts_dtype_name(e->dtype));
        }
    }
    for (int k = 0; k < fs->n; k++)
        for (int i = 0; i < st_count(fs->f[k]); i++) {
            const StEntry *e = st_entry(fs->f[k], i);
            if (!json_object_get(seen, e->name) && !problems++)
                snprintf(first, sizeof first, "unexpected tensor %s in %s (the config's "
                         "UNet has no such parameter)", e->name, st_path(fs->f[k]));
        }
    json_decref(seen);
    if (!problems)
        return DK_OK;
    if (problems > 1) {
        size_t len = strlen(first);
        snprintf(first + len, sizeof first - len, " (and %d more problem%s)", problems - 1,
                 problems > 2 ? "s" : "");
    }
    dk_err_set(err, DK_ERR_FORMAT, "%s", first);
    dk_err_hint(err, "the weights do not match unet/config.json: were they downloaded "
                     "from another model, or edited? Fetch the unet/ folder again");
    return DK_ERR_FORMAT;
}

static dk_status copy_all(const TsApi *api, ts_module *m, const Files *fs, DkErr *err)
{
    for (int k = 0; k < fs->n; k++)
        for (int i = 0; i < st_count(fs->f[k]); i++) {
            const StEntry *e = st_entry(fs->f[k], i);
            ts_tensor *t = NULL;
            dk_status rc = st_read(api, fs->f[k], e, &t, err);
            if (rc != DK_OK)
                return rc;
            ts_status st = api->module_state_set(m, e->name, t);
            api->tensor_free(t);
            if (st != TS_OK)
                return backend_error(api, st, err);
        }
    return DK_OK;
}

dk_status if_unet_load(const TsApi *api, const char *folder, ts_dtype dtype, int device,
                       ts_module **out, char *used, size_t used_cap, DkErr *err)
{
    *out = NULL;
    if (used && used_cap)
        used[0] = '\0';
    if (dtype != TS_F32 && dtype != TS_F16 && dtype != TS_BF16)
        return dk_err_set(err, DK_ERR_ARG, "an IF UNet runs in float32, float16 or "
                          "bfloat16, not %s", ts_dtype_name(dtype));
    char *cfg_path = NULL, *cfg = NULL;
    dk_status rc = if_unet_config(folder, &cfg, &cfg_path, err);
    if (rc != DK_OK)
        return rc;
    char *dir = strdup(cfg_path);
    if (!dir) {
        free(cfg);
        free(cfg_path);
        return dk_err_oom(err);
    }
    *strrchr(dir, '/') = '\0';

    /* 1. the files' headers, indexed by key: (file << 32) | entry */
    Files fs = {0};
    json_t *where = json_object();
    rc = where ? open_weights(&fs, dir, dtype, err) : dk_err_oom(err);
    for (int k = 0; rc == DK_OK && k < fs.n; k++)
        for (int i = 0; rc == DK_OK && i < st_count(fs.f[k]); i++) {
            const StEntry *e = st_entry(fs.f[k], i);
            StFile *other = NULL;
            if (lookup(&fs, where, e->name, &other))
                rc = dk_err_set(err, DK_ERR_FORMAT, "tensor %s is in both %s and %s",
                                e->name, st_path(other), st_path(fs.f[k]));
            else
                json_object_set_new(where, e->name, json_integer(((json_int_t)k << 32) | i));
        }

    /* 2. the model, then every name and shape, then the data */
    ts_module *m = NULL;
    if (rc == DK_OK) {
        ts_status st = api->if_unet_new(&m, cfg, dtype, device);
        if (st != TS_OK) {
            rc = backend_error(api, st, err);
            if (rc == DK_ERR_TORCH && strstr(api->last_error(), "unet/config.json")) {
                err->code = rc = DK_ERR_FORMAT;
                dk_err_prefix(err, "%s: ", cfg_path);
                dk_err_hint(err, "diffuse implements the UNets of DeepFloyd IF's stage I "
                                 "and II checkpoints; is this another model?");
            }
        }
    }
    if (rc == DK_OK)
        rc = check(api, m, &fs, where, err);
    if (rc == DK_OK)
        rc = copy_all(api, m, &fs, err);
    if (rc == DK_OK && used && used_cap) {
        ts_dtype file_dt = fs.n && st_count(fs.f[0]) ? st_entry(fs.f[0], 0)->dtype : dtype;
        snprintf(used, used_cap, "%s%s (%s%s%s)", strcmp(dir, folder) ? "unet/" : "",
                 fs.what, ts_dtype_name(file_dt), file_dt == dtype ? "" : ", converted to ",
                 file_dt == dtype ? "" : ts_dtype_name(dtype));
    }
    json_decref(where);
    files_close(&fs);
    free(dir);
    free(cfg);
    free(cfg_path);
    if (rc != DK_OK) {
        api->module_free(m);
        return rc;
    }
    *out = m;
    return DK_OK;
}
