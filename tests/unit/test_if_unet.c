/*
 * test_if_unet.c: DeepFloyd IF's UNet (kernel/shim/if_unet.cpp) loaded from
 * Hugging Face folders (kernel/diffusion/if_weights.c), against diffusers.
 *
 * The fixtures in tests/data/deepfloyd/ come from tests/deepfloyd/
 * make_fixtures.py: tiny random UNets with the block types of IF's stage I
 * (IF-I-XL) and stage II (IF-II-L) configs, their inputs, and diffusers
 * 0.27.2's outputs.  Checked here:
 *  - stage I (the .fp16. variant alone, read into a float32 model: fp16 ->
 *    fp32 is exact) and stage II (float32, three shards and an index)
 *    match diffusers running the same weights in float32 within 1e-4,
 *    with a prompt and with the null (zero) prompt, at timesteps 999, 690,
 *    250 and 0 (one per image) and, for stage II, noise levels 250, 0,
 *    500, 999; so does a third UNet (one float32 file) with the config
 *    options IF's checkpoints leave at one value;
 *  - which file: a float32 model prefers the float32 file (written here
 *    from stage I, next to its variant) and matches as well; a bfloat16
 *    model prefers the variant, within a tolerance argued below;
 *  - broken checkpoints (a renamed key, a mis-shaped tensor, a truncated
 *    file, a bad header, a missing shard, a config the kernel does not
 *    implement, no config) are refused with messages that name the problem;
 *  - the real IF-I-XL and IF-II-L configs give diffusers' parameter counts
 *    (counted on the meta device: no memory);
 *  - loading a model of some tens of MB never holds two copies of it: the
 *    peak resident memory while loading stays under 1.5 model sizes.
 */
#include <jansson.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "torch_test.h"

#include "diffusion/if_weights.h"
#include "diffusion/safetensors.h"

#define DATA "tests/data/deepfloyd"
#define VARIANT "diffusion_pytorch_model.fp16.safetensors"
#define STAGE1 DATA "/stage1/unet/" VARIANT

static const TsApi *api;
static char tmp[] = "/tmp/dk-ifunet-XXXXXX";

static ts_tensor *io(StFile *f, const char *name)
{
    DkErr err = {0};
    ts_tensor *t = NULL;
    CHECK(st_load(api, f, name, &t, &err) == DK_OK);
    if (err.msg)
        fprintf(stderr, "  %s\n", err.msg);
    dk_err_clear(&err);
    return t;
}

/* max |a - b| and max |b| over all elements (float32); *rel_rms (may be
 * NULL) gets rms(a - b) / rms(b). */
static double max_diff2(ts_tensor *a, ts_tensor *b, double *scale, double *rel_rms)
{
    int64_t sa[8], sb[8];
    int na = 0, nb = 0;
    if (!a || !b || api->tensor_shape(a, sa, 8, &na) != TS_OK ||
        api->tensor_shape(b, sb, 8, &nb) != TS_OK || na != nb ||
        memcmp(sa, sb, (size_t)na * sizeof *sa))
        return INFINITY;
    int64_t n = 1;
    for (int i = 0; i < na; i++)
        n *= sa[i];
    float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4);
    double d = INFINITY, s = 0, se = 0, sy = 0;
    if (x && y && api->tensor_to_data(a, x, n, TS_F32) == TS_OK &&
        api->tensor_to_data(b, y, n, TS_F32) == TS_OK) {
        d = 0;
        for (int64_t i = 0; i < n; i++) {
            double e = fabs((double)x[i] - y[i]);
            d = isnan(e) || d == INFINITY ? INFINITY : (e > d ? e : d);
            s = fabs(y[i]) > s ? fabs(y[i]) : s;
            se += e * e;
            sy += (double)y[i] * y[i];
        }
    }
    free(x);
    free(y);
    if (scale)
        *scale = s;
    if (rel_rms)
        *rel_rms = sy > 0 && d < INFINITY ? sqrt(se / sy) : INFINITY;
    return d;
}

static double max_diff(ts_tensor *a, ts_tensor *b, double *scale)
{
    return max_diff2(a, b, scale, NULL);
}

static ts_module *load(const char *folder, ts_dtype dt, char *used, size_t cap)
{
    DkErr err = {0};
    ts_module *m = NULL;
    dk_status rc = if_unet_load(api, folder, dt, TS_CPU, &m, used, cap, &err);
    CHECK(rc == DK_OK && m);
    if (rc != DK_OK)
        fprintf(stderr, "  load %s: %s (%s)\n", folder, err.msg, err.hint ? err.hint : "");
    dk_err_clear(&err);
    return m;
}

/* Run the fixture's inputs through m with `cond` ("text" or "null"). */
static ts_tensor *forward(ts_module *m, StFile *f, const char *cond, int stage2)
{
    ts_tensor *x = io(f, "x"), *t = io(f, "t"), *c = io(f, cond),
              *lv = stage2 ? io(f, "noise_level") : NULL, *out = NULL;
    ts_status st = api->if_unet_forward(&out, m, x, t, c, lv);
    CHECK(st == TS_OK);
    if (st != TS_OK)
        fprintf(stderr, "  forward: %s\n", api->last_error());
    api->tensor_free(x);
    api->tensor_free(t);
    api->tensor_free(c);
    api->tensor_free(lv);
    return out;
}

/* The fixture of `stage` against diffusers, both conditions, 1e-4. */
static void match(const char *stage, ts_module *m, int stage2, const char *want_text,
                  int with_null)
{
    char path[256];
    snprintf(path, sizeof path, DATA "/%s/io.safetensors", stage);
    DkErr err = {0};
    StFile *f = NULL;
    CHECK(st_open(path, &f, NULL, &err) == DK_OK);
    dk_err_clear(&err);
    if (!f || !m)
        return;
    const char *conds[2] = {"text", "null"}, *wants[2] = {want_text, "out_null"};
    for (int i = 0; i < (with_null ? 2 : 1); i++) {
        ts_tensor *y = forward(m, f, conds[i], stage2), *ref = io(f, wants[i]);
        double d = max_diff(y, ref, NULL);
        printf("  %s %s vs diffusers %s: max |diff| %.3g\n", stage, conds[i], wants[i], d);
        CHECK(d <= 1e-4);
        api->tensor_free(y);
        api->tensor_free(ref);
    }
    st_close(f);
}

static int has_param(ts_module *m, const char *key, ts_dtype want)
{
    int n = 0, found = 0;
    CHECK(api->module_state_count(m, &n) == TS_OK);
    for (int i = 0; i < n && !found; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        ts_dtype dt = TS_F64;
        if (api->module_state_get(m, i, &name, &v) == TS_OK && !strcmp(name, key))
            found = api->tensor_dtype(v, &dt) == TS_OK && dt == want;
        api->tensor_free(v);
    }
    return found;
}

static void test_stage1(void)
{
    char used[256];
    /* a float32 model falls back to the variant, and says so */
    ts_module *m = load(DATA "/stage1", TS_F32, used, sizeof used);
    CHECK_STR(used, "unet/diffusion_pytorch_model.fp16.safetensors (float16, converted "
                    "to float32)");
    CHECK(m && has_param(m, "down_blocks.1.attentions.0.to_k.weight", TS_F32));
    CHECK(m && has_param(m, "add_embedding.pool.positional_embedding", TS_F32));
    CHECK(m && has_param(m, "up_blocks.3.resnets.1.conv_shortcut.weight", TS_F32));
    match("stage1", m, 0, "out_text", 1);
    ts_if_unet_info info;
    CHECK(m && api->if_unet_describe(m, &info) == TS_OK);
    CHECK(m && info.in_channels == 3 && info.needs_noise_level == 0 &&
          info.size_multiple == 8 && info.sample_size == 16);

    /* argument checks: a stage I UNet takes no noise level; shapes */
    ts_tensor *x = NULL, *t = NULL, *c = NULL, *out = NULL;
    int64_t xs[4] = {1, 3, 12, 16}, ts1[1] = {1}, cs[3] = {1, 4, 64};
    CHECK(api->tensor_zeros(&x, xs, 4, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->tensor_zeros(&t, ts1, 1, TS_I64, TS_CPU) == TS_OK);
    CHECK(api->tensor_zeros(&c, cs, 3, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->if_unet_forward(&out, m, x, t, c, NULL) == TS_ERR && !out);
    CHECK(strstr(api->last_error(), "multiples of 8"));
    api->tensor_free(x);
    xs[2] = 16;
    CHECK(api->tensor_zeros(&x, xs, 4, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->if_unet_forward(&out, m, x, t, c, t) == TS_ERR);
    CHECK(strstr(api->last_error(), "takes no noise level"));
    CHECK(api->if_unet_forward(&out, m, x, t, c, NULL) == TS_OK && out);
    api->tensor_free(out);
    api->tensor_free(x);
    api->tensor_free(t);
    api->tensor_free(c);
    api->module_free(m);
}

static void test_stage2(void)
{
    char used[256];
    ts_module *m = load(DATA "/stage2", TS_F32, used, sizeof used);
    CHECK_STR(used, "unet/diffusion_pytorch_model.safetensors.index.json (float32)");
    CHECK(m && has_param(m, "class_embedding.linear_2.weight", TS_F32));
    match("stage2", m, 1, "out_text", 1);
    ts_if_unet_info info;
    CHECK(m && api->if_unet_describe(m, &info) == TS_OK);
    CHECK(m && info.in_channels == 6 && info.out_channels == 6 && info.text_dim == 64 &&
          info.needs_noise_level == 1 && info.size_multiple == 16 && info.sample_size == 32);
    /* the noise level is required */
    ts_tensor *x = NULL, *t = NULL, *c = NULL, *out = NULL;
    int64_t xs[4] = {1, 6, 16, 16}, ts1[1] = {1}, cs[3] = {1, 4, 64};
    CHECK(api->tensor_zeros(&x, xs, 4, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->tensor_zeros(&t, ts1, 1, TS_I64, TS_CPU) == TS_OK);
    CHECK(api->tensor_zeros(&c, cs, 3, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->if_unet_forward(&out, m, x, t, c, NULL) == TS_ERR);
    CHECK(strstr(api->last_error(), "needs the noise level"));
    api->tensor_free(x);
    api->tensor_free(t);
    api->tensor_free(c);
    api->module_free(m);
}

/* The config options IF's checkpoints leave at one value: plain time
 * addition, SiLU, no norm on the prompt tokens, a centred input, lists of
 * layers and head widths per block, three levels. */
static void test_variants(void)
{
    char used[256];
    ts_module *m = load(DATA "/variants", TS_F32, used, sizeof used);
    CHECK(m && has_param(m, "down_blocks.1.attentions.1.add_v_proj.bias", TS_F32));
    CHECK(m && !has_param(m, "down_blocks.1.attentions.0.norm_cross.weight", TS_F32));
    match("variants", m, 0, "out_text", 1);
    api->module_free(m);
}

static int copy_file(const char *from, const char *to, long cut)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    if (ok) {
        fseek(a, 0, SEEK_END);
        long n = ftell(a) - cut;
        fseek(a, 0, SEEK_SET);
        char buf[65536];
        while (n > 0) {
            size_t r = fread(buf, 1, n < (long)sizeof buf ? (size_t)n : sizeof buf, a);
            if (r == 0 || fwrite(buf, 1, r, b) != r) {
                ok = 0;
                break;
            }
            n -= (long)r;
        }
    }
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        ok = 0;
    return ok;
}

/* A folder <tmp>/<name>/unet with stage I's config (or `config`). */
static void make_dir(char *dir, size_t cap, const char *name, const char *config)
{
    char p[512];
    snprintf(dir, cap, "%s/%s", tmp, name);
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/unet", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/unet/config.json", dir);
    if (config) {
        FILE *f = fopen(p, "w");
        CHECK(f && fputs(config, f) >= 0);
        if (f)
            fclose(f);
    } else {
        CHECK(copy_file(DATA "/stage1/unet/config.json", p, 0));
    }
}

/* Stage I's weights with the header edited by `edit` (or the 8-byte length
 * replaced by `bad_len` when nonzero), into dir/unet. */
static void write_edited(const char *dir, void (*edit)(json_t *), uint64_t bad_len)
{
    FILE *f = fopen(STAGE1, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    unsigned char lb[8];
    CHECK(fread(lb, 1, 8, f) == 8);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++)
        hlen |= (uint64_t)lb[i] << (8 * i);
    char *h = malloc(hlen + 1);
    CHECK(h && fread(h, 1, hlen, f) == hlen);
    h[hlen] = '\0';
    json_t *hdr = json_loads(h, 0, NULL);
    free(h);
    if (edit)
        edit(hdr);
    char *text = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(hdr);
    char p[512];
    snprintf(p, sizeof p, "%s/unet/" VARIANT, dir);
    FILE *o = fopen(p, "wb");
    uint64_t n = bad_len ? bad_len : strlen(text);
    for (int i = 0; i < 8; i++)
        lb[i] = (unsigned char)(n >> (8 * i));
    CHECK(o && fwrite(lb, 1, 8, o) == 8 && fputs(text, o) >= 0);
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0)
        CHECK(fwrite(buf, 1, r, o) == r);
    fclose(f);
    if (o)
        fclose(o);
    free(text);
}

static void rename_key(json_t *hdr)
{
    json_t *v = json_object_get(hdr, "conv_in.weight");
    json_object_set(hdr, "conv_in.weights", v);
    json_object_del(hdr, "conv_in.weight");
}

static void reshape_key(json_t *hdr)
{
    /* [6, 8, 3, 3] -> [6, 8, 9, 1]: the same bytes, the wrong shape */
    json_t *v = json_object_get(hdr, "conv_out.weight");
    json_object_set_new(v, "shape", json_pack("[iiii]", 6, 8, 9, 1));
}

/* Load dir and expect failure `code` with every one of want[] in the
 * message (and a hint). */
static void refused(const char *dir, dk_status code, const char *const *want, int n)
{
    DkErr err = {0};
    ts_module *m = NULL;
    dk_status rc = if_unet_load(api, dir, TS_F32, TS_CPU, &m, NULL, 0, &err);
    CHECK(rc == code && !m && err.msg && err.hint);
    int all = err.msg != NULL;
    for (int i = 0; i < n && all; i++)
        all = strstr(err.msg, want[i]) != NULL;
    CHECK(all);
    printf("  refused: %s\n", err.msg ? err.msg : "(no message)");
    if (!all || rc != code)
        fprintf(stderr, "  wanted code %d, got %d: %s\n", code, rc, err.msg);
    dk_err_clear(&err);
    api->module_free(m);
}

static void test_broken(void)
{
    char dir[256], p[512], q[512];

    make_dir(dir, sizeof dir, "renamed", NULL);
    write_edited(dir, rename_key, 0);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"missing tensor conv_in.weight",
                                                      "and 1 more problem"}, 2);

    make_dir(dir, sizeof dir, "misshaped", NULL);
    write_edited(dir, reshape_key, 0);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"tensor conv_out.weight",
                                                      "has shape [6, 8, 9, 1]",
                                                      "needs [6, 8, 3, 3]"}, 3);

    make_dir(dir, sizeof dir, "truncated", NULL);
    snprintf(p, sizeof p, "%s/unet/" VARIANT, dir);
    CHECK(copy_file(STAGE1, p, 5000));
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"is truncated: tensor", VARIANT}, 2);

    make_dir(dir, sizeof dir, "badlen", NULL);
    write_edited(dir, NULL, 1ull << 40);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"not a safetensors file",
                                                      "bad header length"}, 2);

    make_dir(dir, sizeof dir, "badjson", NULL);
    write_edited(dir, NULL, 0);
    snprintf(p, sizeof p, "%s/unet/" VARIANT, dir);
    FILE *f = fopen(p, "r+b");
    CHECK(f && fseek(f, 9, SEEK_SET) == 0 && fputc('#', f) == '#');
    if (f)
        fclose(f);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"header is not a JSON object"}, 1);

    /* a shard the index names is missing */
    make_dir(dir, sizeof dir, "noshard", NULL);
    snprintf(p, sizeof p, "%s/unet/diffusion_pytorch_model.safetensors.index.json", dir);
    FILE *ix = fopen(p, "w");
    CHECK(ix && fputs("{\"weight_map\": {\"conv_in.weight\": "
                      "\"diffusion_pytorch_model-00001-of-00002.safetensors\"}}", ix) >= 0);
    if (ix)
        fclose(ix);
    refused(dir, DK_ERR_IO, (const char *const[]){"names the shard",
                                                  "00001-of-00002", "missing"}, 3);

    /* no weights at all, no config */
    make_dir(dir, sizeof dir, "noweights", NULL);
    refused(dir, DK_ERR_IO, (const char *const[]){"has no weights"}, 1);
    snprintf(q, sizeof q, "%s/nothing", tmp);
    mkdir(q, 0755);
    refused(q, DK_ERR_IO, (const char *const[]){"has no unet/config.json"}, 1);

    /* configs asking for what the kernel does not implement */
    make_dir(dir, sizeof dir, "cfg1", "{\"_class_name\": \"UNet2DConditionModel\", "
             "\"down_block_types\": [\"CrossAttnDownBlock2D\"], \"up_block_types\": "
             "[\"UpBlock2D\"], \"block_out_channels\": [32]}");
    write_edited(dir, NULL, 0);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"down_block_types",
                                                      "CrossAttnDownBlock2D",
                                                      "not implemented"}, 3);
    char *cfg = NULL;
    DkErr err = {0};
    CHECK(if_unet_config(DATA "/stage1", &cfg, NULL, &err) == DK_OK && cfg);
    json_t *j = json_loads(cfg ? cfg : "{}", 0, NULL);
    json_object_set_new(j, "resnet_time_scale_shift", json_string("ada_group"));
    char *text = json_dumps(j, 0);
    make_dir(dir, sizeof dir, "cfg2", text);
    write_edited(dir, NULL, 0);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"resnet_time_scale_shift = "
                                                      "\"ada_group\""}, 1);
    free(text);
    json_object_set_new(j, "resnet_time_scale_shift", json_string("scale_shift"));
    json_object_set_new(j, "some_future_key", json_true());
    text = json_dumps(j, 0);
    make_dir(dir, sizeof dir, "cfg3", text);
    write_edited(dir, NULL, 0);
    refused(dir, DK_ERR_FORMAT, (const char *const[]){"some_future_key = true"}, 1);
    free(text);
    json_decref(j);
    free(cfg);
    dk_err_clear(&err);
}

static void save_state(ts_module *m, const char *path);   /* below */

/* Which file: with both in the folder, float32 reads the float32 file
 * (written here from the variant's numbers) and matches diffusers as the
 * variant does; bfloat16 reads the variant, close. */
static void test_fp16(void)
{
    char dir[256], p[512], used[256];
    make_dir(dir, sizeof dir, "both", NULL);
    snprintf(p, sizeof p, "%s/unet/" VARIANT, dir);
    CHECK(copy_file(STAGE1, p, 0));
    ts_module *m = load(DATA "/stage1", TS_F32, NULL, 0);
    snprintf(p, sizeof p, "%s/unet/diffusion_pytorch_model.safetensors", dir);
    if (m)
        save_state(m, p);
    api->module_free(m);
    m = load(dir, TS_F32, used, sizeof used);
    CHECK_STR(used, "unet/diffusion_pytorch_model.safetensors (float32)");
    match("stage1", m, 0, "out_text", 1);
    api->module_free(m);

    /* bfloat16 prefers the variant.  bf16 keeps 8 significant bits (unit
     * roundoff 2^-9 = 0.2%) and rounds every activation too.  How much this
     * fixture amplifies rounding is measured on the fixture itself: rounding
     * its float32 weights to fp16 (roundoff 2^-12, weights only) moved its
     * output by 0.17% rms (make_fixtures.py prints it), so bf16, 8x
     * coarser and on activations along ~40 layers of O(1) random weights,
     * lands at a few percent (measured: 4.9% rms, 5.6% worst element).  Allow 8% rms and 15% of the largest output: a
     * wrong weight or wiring moves the output by tens of percent
     * everywhere. */
    m = load(dir, TS_BF16, used, sizeof used);
    CHECK_STR(used, "unet/diffusion_pytorch_model.fp16.safetensors (float16, converted "
                    "to bfloat16)");
    CHECK(m && has_param(m, "conv_in.weight", TS_BF16));
    StFile *f = NULL;
    DkErr err = {0};
    CHECK(st_open(DATA "/stage1/io.safetensors", &f, NULL, &err) == DK_OK);
    if (m && f) {
        ts_tensor *y = forward(m, f, "text", 0), *ref = io(f, "out_text");
        double scale = 0, rel = 0, d = max_diff2(y, ref, &scale, &rel);
        ts_dtype dt = TS_F64;
        CHECK(y && api->tensor_dtype(y, &dt) == TS_OK && dt == TS_F32);  /* x's dtype */
        printf("  stage1 bfloat16 vs diffusers fp16 weights in fp32: max |diff| %.3g "
               "(%.2f%% of max |out| %.3g), rms diff %.2f%% of rms out\n", d,
               100 * d / scale, scale, 100 * rel);
        CHECK(d <= 0.15 * scale);
        CHECK(rel <= 0.08);
        api->tensor_free(y);
        api->tensor_free(ref);
    }
    st_close(f);
    dk_err_clear(&err);
    api->module_free(m);

    /* float16 parameters are made as such (no float32 copy first) */
    char *cfg = NULL;
    CHECK(if_unet_config(DATA "/stage1", &cfg, NULL, &err) == DK_OK);
    m = NULL;
    CHECK(api->if_unet_new(&m, cfg, TS_F16, TS_CPU) == TS_OK);
    CHECK(m && has_param(m, "mid_block.attentions.0.norm_cross.weight", TS_F16));
    api->module_free(m);
    free(cfg);
}

static char *read_text(const char *path)
{
    DkErr err = {0};
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    (void)n;
    fclose(f);
    dk_err_clear(&err);
    return buf;
}

/* The real configs: diffusers' parameter counts, counted without memory. */
static void test_full_size(void)
{
    char *counts = read_text(DATA "/full/param_counts.json");
    json_t *want = json_loads(counts ? counts : "{}", 0, NULL);
    const char *names[2] = {"IF-I-XL", "IF-II-L"};
    for (int i = 0; i < 2; i++) {
        char path[256];
        snprintf(path, sizeof path, DATA "/full/%s.json", names[i]);
        char *cfg = read_text(path);
        int64_t n = -1;
        ts_status st = api->if_unet_param_count(cfg, &n);
        CHECK(st == TS_OK);
        if (st != TS_OK)
            fprintf(stderr, "  %s: %s\n", names[i], api->last_error());
        json_int_t w = json_integer_value(json_object_get(want, names[i]));
        printf("  %s: %lld parameters (diffusers %lld)\n", names[i], (long long)n,
               (long long)w);
        CHECK(w > 0 && n == w);
        free(cfg);
    }
    json_decref(want);
    free(counts);
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n))
            v = atol(line + n + 1);
    if (f)
        fclose(f);
    return v;
}

/* State tensor i of m (the caller frees it), its name, shape and size. */
static ts_tensor *state(ts_module *m, int i, const char **name, int64_t *s, int *nd,
                        int64_t *numel)
{
    ts_tensor *v = NULL;
    CHECK(api->module_state_get(m, i, name, &v) == TS_OK);
    CHECK(api->tensor_shape(v, s, TS_MAX_DIMS, nd) == TS_OK);
    *numel = 1;
    for (int d = 0; d < *nd; d++)
        *numel *= s[d];
    return v;
}

/* Write m's state as a float32 safetensors file. */
static void save_state(ts_module *m, const char *path)
{
    int n = 0, nd = 0;
    CHECK(api->module_state_count(m, &n) == TS_OK);
    json_t *hdr = json_object();
    const char *name = NULL;
    int64_t s[TS_MAX_DIMS], numel = 0, off = 0;
    for (int i = 0; i < n; i++) {
        api->tensor_free(state(m, i, &name, s, &nd, &numel));
        json_t *shape = json_array();
        for (int d = 0; d < nd; d++)
            json_array_append_new(shape, json_integer(s[d]));
        json_object_set_new(hdr, name, json_pack("{s:s,s:o,s:[I,I]}", "dtype", "F32",
                                                 "shape", shape, "data_offsets",
                                                 (json_int_t)off,
                                                 (json_int_t)(off + 4 * numel)));
        off += 4 * numel;
    }
    char *text = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    FILE *f = fopen(path, "wb");
    uint64_t hl = strlen(text);
    unsigned char lb[8];
    for (int i = 0; i < 8; i++)
        lb[i] = (unsigned char)(hl >> (8 * i));
    CHECK(f && fwrite(lb, 1, 8, f) == 8 && fputs(text, f) >= 0);
    for (int i = 0; f && i < n; i++) {
        ts_tensor *v = state(m, i, &name, s, &nd, &numel);
        float *buf = malloc((size_t)numel * 4 + 4);
        CHECK(buf && api->tensor_to_data(v, buf, numel, TS_F32) == TS_OK);
        CHECK(fwrite(buf, 4, (size_t)numel, f) == (size_t)numel);
        free(buf);
        api->tensor_free(v);
    }
    if (f)
        fclose(f);
    free(text);
    json_decref(hdr);
}

/* Peak resident memory while loading a model of some tens of MB. */
static void test_peak_memory(void)
{
    char *cfg = NULL;
    DkErr err = {0};
    CHECK(if_unet_config(DATA "/stage1", &cfg, NULL, &err) == DK_OK);
    json_t *j = json_loads(cfg ? cfg : "{}", 0, NULL);
    json_object_set_new(j, "block_out_channels", json_pack("[iiii]", 64, 128, 192, 256));
    json_object_set_new(j, "norm_num_groups", json_integer(32));
    json_object_set_new(j, "attention_head_dim", json_integer(32));
    json_object_set_new(j, "cross_attention_dim", json_integer(128));
    char *big = json_dumps(j, 0);
    json_decref(j);
    char dir[256], p[512];
    make_dir(dir, sizeof dir, "big", big);
    ts_module *m = NULL;
    int64_t params = 0;
    CHECK(api->if_unet_new(&m, big, TS_F32, TS_CPU) == TS_OK);
    CHECK(api->module_param_count(m, &params) == TS_OK);
    snprintf(p, sizeof p, "%s/unet/diffusion_pytorch_model.safetensors", dir);
    save_state(m, p);
    api->module_free(m);
    m = NULL;
    malloc_trim(0);

    /* reset the high-water mark (Linux >= 4.0), then load */
    FILE *cr = fopen("/proc/self/clear_refs", "w");
    int reset = cr && fputs("5", cr) >= 0;
    if (cr)
        reset = fclose(cr) == 0 && reset;
    long base = status_kb("VmRSS:");
    m = load(dir, TS_F32, NULL, 0);
    long peak = status_kb("VmHWM:"), after = status_kb("VmRSS:");
    double model_mb = (double)params * 4 / (1 << 20);
    printf("  loading a %.1f MB model (%lld parameters): resident %.1f MB before, "
           "peak %.1f MB (+%.1f MB), %.1f MB after\n", model_mb, (long long)params,
           base / 1024.0, peak / 1024.0, (peak - base) / 1024.0, after / 1024.0);
    CHECK(model_mb > 20);
#ifdef __SANITIZE_ADDRESS__
    reset = 0;  /* ASan's shadow memory and quarantine are no measure */
#endif
    if (reset)
        CHECK((peak - base) / 1024.0 < 1.5 * model_mb);
    else
        printf("  (peak not checked: no reset on this kernel, or ASan)\n");
    api->module_free(m);
    free(big);
    free(cfg);
    dk_err_clear(&err);
}

int main(void)
{
    api = torch_test_api();
    if (!api)
        return check_report("test_if_unet");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    /* seeded init: the random weights of test_peak_memory are reproducible */
    CHECK(api->manual_seed(0) == TS_OK);
    test_stage1();
    test_stage2();
    test_variants();
    test_fp16();
    test_broken();
    test_full_size();
    test_peak_memory();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    CHECK(system(cmd) == 0);
    return check_report("test_if_unet");
}
