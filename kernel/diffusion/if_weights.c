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

/* The folder holding config.json: <folder>/unet, or <folder> itself. */
static char *unet_dir(const char *folder, DkErr *err)
{
    char *dir = dk_path_join(folder, "unet");
    char *cfg = dir ? dk_path_join(dir, "config.json") : NULL;
    if (cfg && is_file(cfg)) {
        free(cfg);
        return dir;
    }
    free(cfg);
    free(dir);
    cfg = dk_path_join(folder, "config.json");
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
    char *path = dk_path_join(dir, "config.json");
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
    dk_status rc = st_open(path, &fs->f[fs->n], NULL, err);
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
            char *path = dk_path_join(dir, file);
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
        char *ps = dk_path_join(dir, single), *pi = dk_path_join(dir, index);
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

/* The first mismatch, worded for an IF folder, and how many there are. */
typedef struct First {
    const char *what;    /* the weights file or index read */
    char text[1024];
    int problems;
} First;

static void first_mismatch(void *ctx, const StMatch *mm)
{
    First *fm = ctx;
    char want[96], got[96];
    if (fm->problems++)
        return;
    if (mm->kind == ST_MISSING) {
        st_shape_text(mm->shape, mm->nd, want, sizeof want);
        snprintf(fm->text, sizeof fm->text, "missing tensor %s %s (not in %s)", mm->name,
                 want, fm->what);
    } else if (mm->kind == ST_MISSHAPED) {
        st_shape_text(mm->shape, mm->nd, want, sizeof want);
        st_shape_text(mm->entry->shape, mm->entry->nd, got, sizeof got);
        snprintf(fm->text, sizeof fm->text, "tensor %s in %s has shape %s; the config's "
                 "UNet needs %s", mm->name, st_path(mm->file), got, want);
    } else {
        snprintf(fm->text, sizeof fm->text, "unexpected tensor %s in %s (the config's "
                 "UNet has no such parameter)", mm->name, st_path(mm->file));
    }
}

/* Every tensor of the files against the model, and each a float: the
 * first problem is the error, with the count of the others. */
static dk_status check(const TsApi *api, ts_module *m, const Files *fs, DkErr *err)
{
    First fm = {.what = fs->what};
    if (st_match_module(api, m, fs->f, fs->n, NULL, first_mismatch, &fm, err) < 0)
        return err->code;
    for (int k = 0; k < fs->n; k++)
        for (int i = 0; i < st_count(fs->f[k]); i++) {
            const StEntry *e = st_entry(fs->f[k], i);
            if (e->dtype != TS_F32 && e->dtype != TS_F16 && e->dtype != TS_BF16 &&
                !fm.problems++)
                snprintf(fm.text, sizeof fm.text, "tensor %s in %s is %s, not a float",
                         e->name, st_path(fs->f[k]), ts_dtype_name(e->dtype));
        }
    if (!fm.problems)
        return DK_OK;
    if (fm.problems > 1) {
        size_t len = strlen(fm.text);
        snprintf(fm.text + len, sizeof fm.text - len, " (and %d more problem%s)",
                 fm.problems - 1, fm.problems > 2 ? "s" : "");
    }
    dk_err_set(err, DK_ERR_FORMAT, "%s", fm.text);
    dk_err_hint(err, "the weights do not match unet/config.json: were they downloaded "
                     "from another model, or edited? Fetch the unet/ folder again");
    return DK_ERR_FORMAT;
}

/* No tensor in two files of a sharded checkpoint. */
static dk_status check_shards(const Files *fs, DkErr *err)
{
    for (int k = 1; k < fs->n; k++)
        for (int i = 0; i < st_count(fs->f[k]); i++) {
            const StEntry *e = st_entry(fs->f[k], i);
            for (int j = 0; j < k; j++)
                if (st_find(fs->f[j], e->name))
                    return dk_err_set(err, DK_ERR_FORMAT, "tensor %s is in both %s and %s",
                                      e->name, st_path(fs->f[j]), st_path(fs->f[k]));
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

    /* 1. the files' headers */
    Files fs = {0};
    rc = open_weights(&fs, dir, dtype, err);
    if (rc == DK_OK)
        rc = check_shards(&fs, err);

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
        rc = check(api, m, &fs, err);
    for (int k = 0; rc == DK_OK && k < fs.n; k++)
        rc = st_copy_into(api, fs.f[k], m, NULL, err);
    if (rc == DK_OK && used && used_cap) {
        ts_dtype file_dt = fs.n && st_count(fs.f[0]) ? st_entry(fs.f[0], 0)->dtype : dtype;
        snprintf(used, used_cap, "%s%s (%s%s%s)", strcmp(dir, folder) ? "unet/" : "",
                 fs.what, ts_dtype_name(file_dt), file_dt == dtype ? "" : ", converted to ",
                 file_dt == dtype ? "" : ts_dtype_name(dtype));
    }
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
