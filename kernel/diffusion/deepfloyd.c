/*
 * deepfloyd.c: finding, loading and describing DeepFloyd IF (see
 * deepfloyd.h).
 */
#include "deepfloyd.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "if_weights.h"

const char DEEPFLOYD_HOWTO[] =
    "DeepFloyd IF's weights are free but gated: sign in at huggingface.co, "
    "accept the licence on the model card of DeepFloyd/IF-I-XL-v1.0 (this "
    "unlocks every IF model), then download one stage I model "
    "(DeepFloyd/IF-I-XL-v1.0, IF-I-L-v1.0 or the smallest, IF-I-M-v1.0) and "
    "the stage II upscaler DeepFloyd/IF-II-L-v1.0, each with "
    "`huggingface-cli download DeepFloyd/IF-I-M-v1.0 unet/config.json "
    "unet/diffusion_pytorch_model.fp16.safetensors --local-dir "
    "IF/IF-I-M-v1.0` (and the same for IF-II-L-v1.0). Put the course's "
    "prompt_embeds_dict.pth in IF/ too, then `deepfloyd \"IF\"` or set "
    "DIFFUSE_DEEPFLOYD=/path/to/IF before starting Jupyter";

const char DEEPFLOYD_HOWTO_MD[] =
    "1. Sign in at huggingface.co and accept the licence on the model card "
    "of `DeepFloyd/IF-I-XL-v1.0` (free; it unlocks every IF model).\n"
    "2. Download one stage I model (`IF-I-M-v1.0`, the smallest, "
    "`IF-I-L-v1.0` or `IF-I-XL-v1.0`) and the stage II upscaler "
    "`IF-II-L-v1.0`; only two files of each are needed:\n\n"
    "   ```\n"
    "   huggingface-cli login\n"
    "   for m in IF-I-M-v1.0 IF-II-L-v1.0; do\n"
    "     huggingface-cli download DeepFloyd/$m unet/config.json \\\n"
    "       unet/diffusion_pytorch_model.fp16.safetensors --local-dir IF/$m\n"
    "   done\n"
    "   ```\n"
    "3. Put the course's prompt embeddings, `prompt_embeds_dict.pth`, in "
    "`IF/` too.\n"
    "4. Set the environment variable `DIFFUSE_DEEPFLOYD` to the `IF/` "
    "folder before starting Jupyter (`DIFFUSE_DEEPFLOYD=$PWD/IF ./run.sh`; "
    "with docker compose, set `DEEPFLOYD_DIR=$PWD/IF` instead), then run "
    "the notebook again.\n\n"
    "`docs/deepfloyd.md` has the details.";

const char *deepfloyd_env_root(void)
{
    const char *root = getenv(DEEPFLOYD_ENV);
    return root && *root ? root : NULL;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Whether folder holds unet/config.json. */
static int has_unet(const char *folder)
{
    char p[DEEPFLOYD_PATH + 32];
    snprintf(p, sizeof p, "%s/unet/config.json", folder);
    return is_file(p);
}

static int starts(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* "prompt" anywhere in the name, in any case. */
static int has_prompt(const char *name)
{
    for (const char *p = name; *p; p++)
        if (strncasecmp(p, "prompt", 6) == 0)
            return 1;
    return 0;
}

static int ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Sort key for the stage I folders: the biggest model wins. */
static int stage1_rank(const char *name)
{
    return strstr(name, "-XL") ? 3 : strstr(name, "-L") ? 2 : 1;
}

dk_status deepfloyd_find(const char *root, DeepFloydPaths *paths, DkErr *err)
{
    memset(paths, 0, sizeof *paths);
    if (!is_dir(root)) {
        dk_err_set(err, DK_ERR_IO, "no DeepFloyd IF folder at %s", root);
        dk_err_hint(err, "%s", DEEPFLOYD_HOWTO);
        return DK_ERR_IO;
    }
    if (has_unet(root))
        snprintf(paths->stage1, sizeof paths->stage1, "%s", root);
    DIR *dir = opendir(root);
    struct dirent *e;
    int best1 = 0;
    while (dir && (e = readdir(dir))) {
        char p[DEEPFLOYD_PATH];
        if (e->d_name[0] == '.' ||
            snprintf(p, sizeof p, "%s/%s", root, e->d_name) >= (int)sizeof p)
            continue;
        const int two = starts(e->d_name, "IF-II-") || starts(e->d_name, "stage2") ||
                        starts(e->d_name, "stage_2");
        const int one = !two && (starts(e->d_name, "IF-I-") || starts(e->d_name, "stage1") ||
                                 starts(e->d_name, "stage_1"));
        if (one && has_unet(p) && !has_unet(root) && stage1_rank(e->d_name) > best1) {
            best1 = stage1_rank(e->d_name);
            snprintf(paths->stage1, sizeof paths->stage1, "%s", p);
        } else if (two && has_unet(p) && !paths->stage2[0]) {
            snprintf(paths->stage2, sizeof paths->stage2, "%s", p);
        } else if (has_prompt(e->d_name) && is_file(p) &&
                   (ends(e->d_name, ".pth") || ends(e->d_name, ".pt") ||
                    ends(e->d_name, ".safetensors")) && !paths->prompts[0]) {
            snprintf(paths->prompts, sizeof paths->prompts, "%s", p);
        }
    }
    if (dir)
        closedir(dir);
    if (!paths->stage1[0]) {
        dk_err_set(err, DK_ERR_IO, "%s holds no stage I model (a folder "
                   "IF-I-...-v1.0 with unet/config.json)", root);
        dk_err_hint(err, "%s", DEEPFLOYD_HOWTO);
        return DK_ERR_IO;
    }
    return DK_OK;
}

/* What the kernel needs to know of the UNet's inputs, from the shim. */
static dk_status describe(const TsApi *api, IfUnet *u, DkErr *err)
{
    ts_if_unet_info info;
    ts_status st = api->if_unet_describe(u->net, &info);
    if (st != TS_OK)
        return backend_error(api, st, err);
    u->in_channels = info.in_channels;
    u->out_channels = info.out_channels;
    u->sample_size = info.sample_size;
    u->text_width = info.text_dim;
    u->noise_level_input = info.needs_noise_level;
    if (u->in_channels != (u->noise_level_input ? 6 : 3) || u->out_channels != 6 ||
        u->sample_size < 8)
        return dk_err_set(err, DK_ERR_FORMAT, "%s/unet/config.json is not a "
                          "DeepFloyd IF UNet: in_channels %d, out_channels %d, "
                          "sample_size %d (IF has 3, or 6 with a noise level; "
                          "6; 64 or 256)", u->folder, u->in_channels,
                          u->out_channels, u->sample_size);
    return DK_OK;
}

static dk_status load_unet(const TsApi *api, const char *folder, ts_dtype dtype,
                           IfUnet *u, DkErr *err)
{
    snprintf(u->folder, sizeof u->folder, "%s", folder);
    size_t len = strlen(folder);
    while (len > 1 && folder[len - 1] == '/')
        len--;
    const char *base = folder + len;
    while (base > folder && base[-1] != '/')
        base--;
    snprintf(u->name, sizeof u->name, "%.*s", (int)(folder + len - base), base);
    dk_status rc = if_unet_load(api, folder, dtype, TS_DEVICE_DEFAULT, &u->net,
                                u->used, sizeof u->used, err);
    if (rc == DK_OK)
        rc = describe(api, u, err);
    ts_status st = TS_OK;
    if (rc == DK_OK && (st = api->module_param_count(u->net, &u->params)) != TS_OK)
        rc = backend_error(api, st, err);
    return rc;
}

dk_status deepfloyd_load(const TsApi *api, const DeepFloydPaths *paths,
                         ts_dtype dtype, DeepFloyd **out, DkErr *err)
{
    *out = NULL;
    DeepFloyd *m = calloc(1, sizeof *m);
    if (!m)
        return dk_err_oom(err);
    m->api = api;
    m->dtype = dtype;
    snprintf(m->prompts_path, sizeof m->prompts_path, "%s", paths->prompts);
    dk_status rc = DK_OK;
    if (!paths->prompts[0]) {
        rc = dk_err_set(err, DK_ERR_IO, "no prompt embeddings file was given or "
                        "found beside the weights");
        dk_err_hint(err, "give prompts=\"prompt_embeds_dict.pth\" (the course's "
                    "file), or put it in the weights folder");
    }
    if (rc == DK_OK)
        rc = prompts_load(api, paths->prompts, &m->text, err);
    if (rc == DK_OK)
        rc = load_unet(api, paths->stage1, dtype, &m->stage1, err);
    if (rc == DK_OK && paths->stage2[0])
        rc = load_unet(api, paths->stage2, dtype, &m->stage2, err);
    if (rc == DK_OK && m->stage1.text_width != m->text->width)
        rc = dk_err_set(err, DK_ERR_FORMAT, "the embeddings in %s are %lld wide "
                        "but %s takes %lld", paths->prompts,
                        (long long)m->text->width, m->stage1.name,
                        (long long)m->stage1.text_width);
    if (rc == DK_OK && m->stage2.net && m->stage2.text_width != m->text->width)
        rc = dk_err_set(err, DK_ERR_FORMAT, "the embeddings in %s are %lld wide "
                        "but %s takes %lld", paths->prompts,
                        (long long)m->text->width, m->stage2.name,
                        (long long)m->stage2.text_width);
    if (rc != DK_OK) {
        deepfloyd_free(m);
        return rc;
    }
    *out = m;
    return DK_OK;
}

void deepfloyd_free(DeepFloyd *m)
{
    if (!m)
        return;
    m->api->module_free(m->stage1.net);
    m->api->module_free(m->stage2.net);
    text_encoder_free(m->text);
    free(m);
}

static void describe_unet(const IfUnet *u, char *buf, size_t cap)
{
    const double p = (double)u->params;
    if (p >= 1e9)
        snprintf(buf, cap, "%s (%.1f B parameters)", u->name, p / 1e9);
    else if (p >= 1e6)
        snprintf(buf, cap, "%s (%.0f M parameters)", u->name, p / 1e6);
    else
        snprintf(buf, cap, "%s (%.0f parameters)", u->name, p);
}

void deepfloyd_describe(const DeepFloyd *m, char *buf, size_t cap)
{
    char one[192], two[192] = "no stage II";
    describe_unet(&m->stage1, one, sizeof one);
    if (m->stage2.net)
        describe_unet(&m->stage2, two, sizeof two);
    snprintf(buf, cap, "DeepFloyd IF: %s + %s, %s, prompts from %s", one, two,
             ts_dtype_name(m->dtype), m->text ? m->text->source : "?");
}
