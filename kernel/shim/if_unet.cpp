/*
 * if_unet.cpp: DeepFloyd IF's UNet (diffusers' UNet2DConditionModel in the
 * variants IF's stage I and stage II use), behind ts.h.
 *
 * Built from the text of the checkpoint's unet/config.json: no model's
 * numbers live here.  Every module is registered under the name diffusers
 * gives it, so a parameter's path is its key in the checkpoint:
 *
 *   conv_in                                  Conv2d(in -> C0)
 *   time_embedding.linear_{1,2}              t features (C0) -> E -> E
 *   class_embedding.linear_{1,2}             stage II: the noise level, same
 *   add_embedding.{norm1, pool, proj, norm2} pooled text -> E (+ to emb)
 *   add_embedding.pool.{positional_embedding, q_proj, k_proj, v_proj}
 *   encoder_hid_proj                         text (4096) -> cross_attention_dim
 *   down_blocks.i.resnets.j.{norm1, conv1, time_emb_proj, norm2, conv2,
 *                            conv_shortcut}
 *   down_blocks.i.attentions.j.{group_norm, norm_cross, to_q, to_k, to_v,
 *                               add_k_proj, add_v_proj, to_out.0}
 *   down_blocks.i.downsamplers.0.*           a resnet that average-pools
 *   mid_block.{resnets.0, attentions.0, resnets.1}
 *   up_blocks.i.{resnets, attentions, upsamplers.0}  (upsamplers: nearest x2)
 *   conv_norm_out, conv_out
 *
 * The maths (each line is diffusers 0.27's):
 *   resnet:   h = conv1(act(norm1(x)))  (x and h resampled first in samplers)
 *             [scale, shift] = time_emb_proj(act(emb))  (no act: skip_time_act)
 *             h = norm2(h) * (1 + scale) + shift        ("scale_shift")
 *             out = (shortcut(x) + conv2(act(h))) / output_scale_factor
 *   attention: K = [add_k(norm_cross(text)); to_k(gn(x))], V likewise,
 *             out = x + to_out(softmax(q K^T / sqrt(d)) V), heads of width d
 *   up block: before each resnet, concatenate [h, last skip]
 *
 * Parameters are made directly in the requested dtype and device (our own
 * small Linear/Conv2d/GroupNorm/LayerNorm modules, with PyTorch's default
 * init), so a half-precision model never exists in float32, and a model on
 * the meta device (ts_if_unet_param_count) allocates nothing.
 *
 * Only API shared by libtorch 1.13 and 2.x is used; with 2.x the attention
 * runs as at::scaled_dot_product_attention (the same maths, fused).
 */
#include "ts.h"
#include "ts_impl.hpp"      /* ts_tensor, ts_guarded, ts_device */
#include "module_impl.hpp"  /* ts_module */

#include <jansson.h>
#include <torch/nn/module.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/utils.h>    /* NoGradGuard */
#include <torch/version.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nn = torch::nn;
namespace F = torch::nn::functional;

/* Constants of diffusers' modules, not of any model: GroupNorm groups of an
 * attention's norm_cross (Attention's cross_attention_norm_num_groups), the
 * eps of every attention GroupNorm and of the LayerNorms, and the period of
 * the sinusoidal time features. */
static const int64_t kCrossNormGroups = 32;
static const double kAttnEps = 1e-5, kLayerNormEps = 1e-5;
static const double kMaxPeriod = 10000.0;

// ---------------------------------------------------------------------------
// The configuration, from unet/config.json
// ---------------------------------------------------------------------------

enum class Act { GELU, SILU, RELU, MISH, NONE };

struct IfConfig {
    int64_t in_channels = 4, out_channels = 4;
    std::vector<std::string> down_types, up_types;
    std::string mid_type;
    std::vector<int64_t> block_out, layers, head_dim, cross_dim;
    int64_t groups = 32;
    double eps = 1e-5;
    Act act = Act::SILU, time_act = Act::NONE;
    bool scale_shift = false, skip_time_act = false;
    double resnet_scale = 1.0, mid_scale = 1.0;
    bool flip_sin_to_cos = true, center_input = false;
    double freq_shift = 0;
    int64_t time_embed_dim = 0;
    int64_t encoder_hid_dim = 0;      /* 0: no encoder_hid_proj */
    bool text_embed = false;          /* addition_embed_type "text" */
    int64_t text_heads = 64;
    bool class_timestep = false;      /* class_embed_type "timestep" */
    bool cross_norm = false;          /* cross_attention_norm "group_norm" */
    int64_t conv_in_kernel = 3, conv_out_kernel = 3;
    int64_t sample_size = 0;          /* informational (ts_if_unet_describe) */
};

static std::string json_text(json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    std::string r = s ? s : "?";
    free(s);
    return r;
}

[[noreturn]] static void unsupported(const char *key, json_t *v, const std::string &why)
{
    throw std::invalid_argument("unet/config.json: " + std::string(key) + " = " +
                                json_text(v) + ": " + why);
}

static bool is_null(json_t *v)
{
    return !v || json_is_null(v);
}

static int64_t get_int(json_t *root, const char *key, int64_t dflt, int64_t lo, int64_t hi)
{
    json_t *v = json_object_get(root, key);
    if (is_null(v))
        return dflt;
    if (!json_is_integer(v))
        unsupported(key, v, "expected a whole number");
    int64_t x = json_integer_value(v);
    if (x < lo || x > hi)
        unsupported(key, v, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
}

static double get_num(json_t *root, const char *key, double dflt)
{
    json_t *v = json_object_get(root, key);
    if (is_null(v))
        return dflt;
    if (!json_is_number(v) || !std::isfinite(json_number_value(v)))
        unsupported(key, v, "expected a number");
    return json_number_value(v);
}

static bool get_bool(json_t *root, const char *key, bool dflt)
{
    json_t *v = json_object_get(root, key);
    if (is_null(v))
        return dflt;
    if (!json_is_boolean(v))
        unsupported(key, v, "expected true or false");
    return json_is_true(v);
}

static std::string get_str(json_t *root, const char *key, const char *dflt)
{
    json_t *v = json_object_get(root, key);
    if (is_null(v))
        return dflt ? dflt : "";
    if (!json_is_string(v))
        unsupported(key, v, "expected a string");
    return json_string_value(v);
}

static std::vector<std::string> get_strs(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_array(v) || json_array_size(v) == 0)
        unsupported(key, v ? v : json_null(), "expected a list of block types");
    std::vector<std::string> r;
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e))
            unsupported(key, v, "expected a list of strings");
        r.push_back(json_string_value(e));
    }
    return r;
}

/* A number or a list of one number per block. */
static std::vector<int64_t> get_per_block(json_t *root, const char *key, int64_t dflt,
                                          size_t n, int64_t lo, int64_t hi)
{
    json_t *v = json_object_get(root, key);
    std::vector<int64_t> r;
    if (is_null(v)) {
        r.assign(n, dflt);
    } else if (json_is_integer(v)) {
        r.assign(n, json_integer_value(v));
    } else if (json_is_array(v) && json_array_size(v) == n) {
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_integer(e))
                unsupported(key, v, "expected whole numbers");
            r.push_back(json_integer_value(e));
        }
    } else {
        unsupported(key, v, "expected a number or a list of " + std::to_string(n) +
                                " (one per block)");
    }
    for (int64_t x : r)
        if (x < lo || x > hi)
            unsupported(key, v, "out of range " + std::to_string(lo) + ".." +
                                    std::to_string(hi));
    return r;
}

static Act get_act(json_t *root, const char *key, const char *dflt, bool allow_none)
{
    json_t *v = json_object_get(root, key);
    if (is_null(v) && allow_none && !dflt)
        return Act::NONE;
    std::string s = get_str(root, key, dflt);
    if (s == "gelu")
        return Act::GELU;
    if (s == "silu" || s == "swish")
        return Act::SILU;
    if (s == "relu")
        return Act::RELU;
    if (s == "mish")
        return Act::MISH;
    unsupported(key, v, "activations read here: gelu, silu, swish, relu, mish");
}

/* Keys whose value must be its default (a feature not implemented), and
 * keys that do not matter to these block types. */
static void check_unused(json_t *root)
{
    static const char *const known[] = {
        /* not read by the Simple* and Resnet* blocks, or inference-only */
        "sample_size", "downsample_padding", "dropout", "use_linear_projection",
        "upcast_attention", "transformer_layers_per_block",
        "reverse_transformer_layers_per_block", "addition_time_embed_dim",
        "dual_cross_attention", "attention_type", "only_cross_attention",
        "mid_block_only_cross_attention", "num_class_embeds",
        "projection_class_embeddings_input_dim", "class_embeddings_concat",
        "num_attention_heads", "time_cond_proj_dim", "timestep_post_act",
        "time_embedding_type", "encoder_hid_dim_type", "cross_attention_norm",
        "addition_embed_type", "class_embed_type", "time_embedding_act_fn",
        /* read by build_config */
        "in_channels", "out_channels", "center_input_sample", "flip_sin_to_cos",
        "freq_shift", "down_block_types", "mid_block_type", "up_block_types",
        "block_out_channels", "layers_per_block", "mid_block_scale_factor", "act_fn",
        "norm_num_groups", "norm_eps", "cross_attention_dim", "encoder_hid_dim",
        "attention_head_dim", "resnet_time_scale_shift", "resnet_skip_time_act",
        "resnet_out_scale_factor", "time_embedding_dim", "conv_in_kernel",
        "conv_out_kernel", "addition_embed_type_num_heads",
    };
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (key[0] == '_')   /* _class_name, _diffusers_version, _name_or_path */
            continue;
        bool ok = false;
        for (const char *k : known)
            ok = ok || !strcmp(k, key);
        if (!ok)
            unsupported(key, v, "a UNet2DConditionModel key this kernel does not know "
                                "(it reads diffusers' configs up to 0.27)");
    }
    auto must_be = [&](const char *k, bool ok, const char *why) {
        if (!ok)
            unsupported(k, json_object_get(root, k), why);
    };
    must_be("only_cross_attention", !get_bool(root, "only_cross_attention", false),
            "only false is implemented (IF's blocks attend to themselves too)");
    must_be("mid_block_only_cross_attention",
            !get_bool(root, "mid_block_only_cross_attention", false),
            "only false or null is implemented");
    must_be("dual_cross_attention", !get_bool(root, "dual_cross_attention", false),
            "not implemented");
    must_be("class_embeddings_concat", !get_bool(root, "class_embeddings_concat", false),
            "only false is implemented");
    must_be("num_attention_heads", is_null(json_object_get(root, "num_attention_heads")),
            "not implemented (diffusers refuses it too): heads come from "
            "attention_head_dim");
    must_be("num_class_embeds", is_null(json_object_get(root, "num_class_embeds")),
            "not implemented (class_embed_type \"timestep\" is)");
    must_be("time_cond_proj_dim", is_null(json_object_get(root, "time_cond_proj_dim")),
            "not implemented");
    must_be("timestep_post_act", is_null(json_object_get(root, "timestep_post_act")),
            "not implemented");
    must_be("attention_type", get_str(root, "attention_type", "default") == "default",
            "only \"default\" is implemented");
    must_be("time_embedding_type",
            get_str(root, "time_embedding_type", "positional") == "positional",
            "only \"positional\" is implemented");
}

static IfConfig build_config(const char *text)
{
    if (!text)
        throw std::invalid_argument("config_json is NULL");
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        throw std::invalid_argument(std::string("unet/config.json is not a JSON object (") +
                                    jerr.text + ", line " + std::to_string(jerr.line) + ")");
    }
    std::unique_ptr<json_t, void (*)(json_t *)> hold(root, json_decref);
    json_t *cls = json_object_get(root, "_class_name");
    if (cls && !(json_is_string(cls) && !strcmp(json_string_value(cls), "UNet2DConditionModel")))
        unsupported("_class_name", cls, "only UNet2DConditionModel is implemented");
    check_unused(root);

    IfConfig c;
    c.in_channels = get_int(root, "in_channels", 4, 1, 1024);
    c.out_channels = get_int(root, "out_channels", 4, 1, 1024);
    c.down_types = get_strs(root, "down_block_types");
    c.up_types = get_strs(root, "up_block_types");
    size_t n = c.down_types.size();
    if (c.up_types.size() != n)
        unsupported("up_block_types", json_object_get(root, "up_block_types"),
                    "needs as many entries as down_block_types");
    for (const auto &t : c.down_types)
        if (t != "ResnetDownsampleBlock2D" && t != "SimpleCrossAttnDownBlock2D")
            unsupported("down_block_types", json_object_get(root, "down_block_types"),
                        "block type " + t + " is not implemented (IF's are "
                        "ResnetDownsampleBlock2D and SimpleCrossAttnDownBlock2D)");
    for (const auto &t : c.up_types)
        if (t != "ResnetUpsampleBlock2D" && t != "SimpleCrossAttnUpBlock2D")
            unsupported("up_block_types", json_object_get(root, "up_block_types"),
                        "block type " + t + " is not implemented (IF's are "
                        "ResnetUpsampleBlock2D and SimpleCrossAttnUpBlock2D)");
    c.mid_type = get_str(root, "mid_block_type", "UNetMidBlock2DCrossAttn");
    if (c.mid_type != "UNetMidBlock2DSimpleCrossAttn")
        unsupported("mid_block_type", json_object_get(root, "mid_block_type"),
                    "only UNetMidBlock2DSimpleCrossAttn is implemented");
    json_t *bo = json_object_get(root, "block_out_channels");
    if (!json_is_array(bo) || json_array_size(bo) != n)
        unsupported("block_out_channels", bo ? bo : json_null(),
                    "expected one width per block");
    c.block_out = get_per_block(root, "block_out_channels", 0, n, 1, 1 << 16);
    c.layers = get_per_block(root, "layers_per_block", 2, n, 1, 64);
    c.head_dim = get_per_block(root, "attention_head_dim", 8, n, 1, 1 << 16);
    c.cross_dim = get_per_block(root, "cross_attention_dim", 1280, n, 1, 1 << 16);
    c.groups = get_int(root, "norm_num_groups", 32, 1, 1 << 16);
    if (is_null(json_object_get(root, "norm_num_groups")) &&
        json_object_get(root, "norm_num_groups"))
        unsupported("norm_num_groups", json_null(), "only GroupNorm UNets are implemented");
    c.eps = get_num(root, "norm_eps", 1e-5);
    c.act = get_act(root, "act_fn", "silu", false);
    c.time_act = get_act(root, "time_embedding_act_fn", nullptr, true);
    std::string ss = get_str(root, "resnet_time_scale_shift", "default");
    if (ss != "scale_shift" && ss != "default")
        unsupported("resnet_time_scale_shift", json_object_get(root, "resnet_time_scale_shift"),
                    "only \"scale_shift\" and \"default\" are implemented");
    c.scale_shift = ss == "scale_shift";
    c.skip_time_act = get_bool(root, "resnet_skip_time_act", false);
    c.resnet_scale = get_num(root, "resnet_out_scale_factor", 1.0);
    c.mid_scale = get_num(root, "mid_block_scale_factor", 1.0);
    c.flip_sin_to_cos = get_bool(root, "flip_sin_to_cos", true);
    c.center_input = get_bool(root, "center_input_sample", false);
    c.freq_shift = get_num(root, "freq_shift", 0);
    c.time_embed_dim = get_int(root, "time_embedding_dim", c.block_out[0] * 4, 1, 1 << 20);
    c.sample_size = get_int(root, "sample_size", 0, 1, 1 << 16);
    c.conv_in_kernel = get_int(root, "conv_in_kernel", 3, 1, 15);
    c.conv_out_kernel = get_int(root, "conv_out_kernel", 3, 1, 15);
    if (c.conv_in_kernel % 2 == 0 || c.conv_out_kernel % 2 == 0)
        unsupported(c.conv_in_kernel % 2 == 0 ? "conv_in_kernel" : "conv_out_kernel",
                    json_object_get(root, c.conv_in_kernel % 2 == 0 ? "conv_in_kernel"
                                                                    : "conv_out_kernel"),
                    "only odd kernels keep the size");

    c.encoder_hid_dim = get_int(root, "encoder_hid_dim", 0, 1, 1 << 20);
    std::string hid_type = get_str(root, "encoder_hid_dim_type",
                                   c.encoder_hid_dim ? "text_proj" : "");
    if (!hid_type.empty() && hid_type != "text_proj")
        unsupported("encoder_hid_dim_type", json_object_get(root, "encoder_hid_dim_type"),
                    "only \"text_proj\" is implemented");
    if (hid_type == "text_proj" && !c.encoder_hid_dim)
        unsupported("encoder_hid_dim", json_null(), "\"text_proj\" needs encoder_hid_dim");
    std::string add = get_str(root, "addition_embed_type", "");
    if (!add.empty() && add != "text")
        unsupported("addition_embed_type", json_object_get(root, "addition_embed_type"),
                    "only \"text\" (IF's pooled text embedding) is implemented");
    c.text_embed = add == "text";
    c.text_heads = get_int(root, "addition_embed_type_num_heads", 64, 1, 1 << 16);
    int64_t text_dim = c.encoder_hid_dim ? c.encoder_hid_dim : c.cross_dim[0];
    if (c.text_embed && text_dim % c.text_heads != 0)
        unsupported("addition_embed_type_num_heads",
                    json_object_get(root, "addition_embed_type_num_heads"),
                    "must divide the text width " + std::to_string(text_dim));
    std::string cls_type = get_str(root, "class_embed_type", "");
    if (!cls_type.empty() && cls_type != "timestep")
        unsupported("class_embed_type", json_object_get(root, "class_embed_type"),
                    "only \"timestep\" (IF stage II's noise level) is implemented");
    c.class_timestep = cls_type == "timestep";
    std::string cn = get_str(root, "cross_attention_norm", "");
    if (!cn.empty() && cn != "group_norm")
        unsupported("cross_attention_norm", json_object_get(root, "cross_attention_norm"),
                    "only \"group_norm\" and null are implemented");
    c.cross_norm = cn == "group_norm";

    /* Shapes that would only fail deep inside libtorch: say so now. */
    for (size_t i = 0; i < n; i++) {
        if (c.block_out[i] % c.groups != 0)
            unsupported("block_out_channels", bo, "each width must be a multiple of "
                        "norm_num_groups " + std::to_string(c.groups));
        bool attn = c.down_types[i] == "SimpleCrossAttnDownBlock2D" ||
                    c.up_types[n - 1 - i] == "SimpleCrossAttnUpBlock2D" || i == n - 1;
        if (attn && c.block_out[i] < c.head_dim[i])
            unsupported("attention_head_dim", json_object_get(root, "attention_head_dim"),
                        "wider than block " + std::to_string(i) + "'s " +
                            std::to_string(c.block_out[i]) + " channels");
        if (attn && c.cross_norm && c.cross_dim[i] % kCrossNormGroups != 0)
            unsupported("cross_attention_dim", json_object_get(root, "cross_attention_dim"),
                        "with cross_attention_norm \"group_norm\" it must be a multiple "
                        "of 32");
    }
    if (c.block_out[0] < 2)
        unsupported("block_out_channels", bo, "the first width must be at least 2");
    return c;
}

// ---------------------------------------------------------------------------
// Parameters made in place: layers with PyTorch's default init
// ---------------------------------------------------------------------------

/* Where and how parameters are made. */
struct Maker {
    at::TensorOptions opt;
    bool meta() const { return opt.device().type() == at::kMeta; }

    /* U(-b, b), drawn in float32 one tensor at a time, then cast. */
    at::Tensor uniform(at::IntArrayRef shape, double b) const
    {
        if (meta())
            return at::empty(shape, opt);
        at::Tensor f = at::empty(shape, opt.dtype(at::kFloat));
        f.uniform_(-b, b);
        return f.to(opt.dtype().toScalarType());
    }
    at::Tensor fill(at::IntArrayRef shape, double v) const
    {
        return meta() ? at::empty(shape, opt) : at::full(shape, v, opt);
    }
    at::Tensor randn_scaled(at::IntArrayRef shape, double s) const
    {
        if (meta())
            return at::empty(shape, opt);
        return (at::randn(shape, opt.dtype(at::kFloat)) * s).to(opt.dtype().toScalarType());
    }
};

static at::Tensor param(nn::Module &m, const char *name, at::Tensor t)
{
    return m.register_parameter(name, std::move(t), /*requires_grad=*/false);
}

struct LinearImpl : nn::Module {
    at::Tensor weight, bias;
    LinearImpl(const Maker &mk, int64_t in, int64_t out)
    {
        double b = 1.0 / std::sqrt((double)in);  /* kaiming_uniform(a=sqrt 5) */
        weight = param(*this, "weight", mk.uniform({out, in}, b));
        bias = param(*this, "bias", mk.uniform({out}, b));
    }
    at::Tensor forward(const at::Tensor &x) { return at::linear(x, weight, bias); }
};
TORCH_MODULE(Linear);

struct ConvImpl : nn::Module {
    at::Tensor weight, bias;
    int64_t pad;
    ConvImpl(const Maker &mk, int64_t in, int64_t out, int64_t k) : pad(k / 2)
    {
        double b = 1.0 / std::sqrt((double)(in * k * k));
        weight = param(*this, "weight", mk.uniform({out, in, k, k}, b));
        bias = param(*this, "bias", mk.uniform({out}, b));
    }
    at::Tensor forward(const at::Tensor &x)
    {
        return at::conv2d(x, weight, bias, {1, 1}, {pad, pad});
    }
};
TORCH_MODULE(Conv);

struct GroupNormImpl : nn::Module {
    at::Tensor weight, bias;
    int64_t groups;
    double eps;
    GroupNormImpl(const Maker &mk, int64_t groups_, int64_t ch, double eps_)
        : groups(groups_), eps(eps_)
    {
        weight = param(*this, "weight", mk.fill({ch}, 1.0));
        bias = param(*this, "bias", mk.fill({ch}, 0.0));
    }
    /* x: (N, C, *) */
    at::Tensor forward(const at::Tensor &x)
    {
        return at::group_norm(x, groups, weight, bias, eps);
    }
};
TORCH_MODULE(GroupNorm);

struct LayerNormImpl : nn::Module {
    at::Tensor weight, bias;
    LayerNormImpl(const Maker &mk, int64_t ch)
    {
        weight = param(*this, "weight", mk.fill({ch}, 1.0));
        bias = param(*this, "bias", mk.fill({ch}, 0.0));
    }
    at::Tensor forward(const at::Tensor &x)
    {
        return at::layer_norm(x, {weight.size(0)}, weight, bias, kLayerNormEps);
    }
};
TORCH_MODULE(LayerNorm);

static at::Tensor act(Act a, const at::Tensor &x)
{
    switch (a) {
    case Act::GELU: return at::gelu(x);   /* exact (erf), as nn.GELU() */
    case Act::SILU: return at::silu(x);
    case Act::RELU: return at::relu(x);
    case Act::MISH: return at::mish(x);
    case Act::NONE: break;
    }
    return x;
}

// ---------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------

/* Sinusoidal features of t (N) as diffusers' get_timestep_embedding, in
 * float32: [sin | cos] of t * exp(-ln(P) k / (half - shift)), halves
 * swapped with flip_sin_to_cos. */
static at::Tensor timestep_features(const at::Tensor &t, int64_t dim, bool flip, double shift)
{
    int64_t half = dim / 2;
    at::Tensor k = at::arange(half, t.options().dtype(at::kFloat));
    at::Tensor freqs = at::exp(k * (-std::log(kMaxPeriod)) / ((double)half - shift));
    at::Tensor arg = t.to(at::kFloat).unsqueeze(1) * freqs.unsqueeze(0);  // [N, half]
    at::Tensor e = flip ? at::cat({at::cos(arg), at::sin(arg)}, 1)
                        : at::cat({at::sin(arg), at::cos(arg)}, 1);
    if (dim % 2 == 1)
        e = at::constant_pad_nd(e, {0, 1, 0, 0});
    return e;
}

/* TimestepEmbedding: linear_2(act(linear_1(features))). */
struct TimeEmbedImpl : nn::Module {
    Linear linear_1{nullptr}, linear_2{nullptr};
    Act a;
    TimeEmbedImpl(const Maker &mk, int64_t in, int64_t out, Act a_) : a(a_)
    {
        linear_1 = register_module("linear_1", Linear(mk, in, out));
        linear_2 = register_module("linear_2", Linear(mk, out, out));
    }
    at::Tensor forward(const at::Tensor &f) { return linear_2(act(a, linear_1(f))); }
};
TORCH_MODULE(TimeEmbed);

/* AttentionPooling: one query, the mean token plus a learned position,
 * attends over [query; tokens]; both sides scaled by d^(-1/4). */
struct PoolImpl : nn::Module {
    at::Tensor positional_embedding;
    Linear k_proj{nullptr}, q_proj{nullptr}, v_proj{nullptr};
    int64_t heads;
    PoolImpl(const Maker &mk, int64_t width, int64_t heads_) : heads(heads_)
    {
        positional_embedding = param(*this, "positional_embedding",
                                     mk.randn_scaled({1, width}, 1.0 / std::sqrt((double)width)));
        k_proj = register_module("k_proj", Linear(mk, width, width));
        q_proj = register_module("q_proj", Linear(mk, width, width));
        v_proj = register_module("v_proj", Linear(mk, width, width));
    }
    /* x: (N, L, W) -> (N, W) */
    at::Tensor forward(const at::Tensor &x)
    {
        const int64_t N = x.size(0), W = x.size(2), d = W / heads;
        at::Tensor cls = x.mean(1, true) + positional_embedding.to(x.scalar_type());
        at::Tensor seq = at::cat({cls, x}, 1);                              // [N, L+1, W]
        auto split = [&](const at::Tensor &y) {                            // -> [N*h, d, S]
            return y.view({N, -1, heads, d}).transpose(1, 2).reshape({N * heads, -1, d})
                .transpose(1, 2);
        };
        double s = 1.0 / std::sqrt(std::sqrt((double)d));
        at::Tensor q = split(q_proj(cls)) * s, k = split(k_proj(seq)) * s,
                   v = split(v_proj(seq));
        at::Tensor w = at::bmm(q.transpose(1, 2), k);                       // [N*h, 1, L+1]
        w = at::softmax(w, -1, at::kFloat).to(w.scalar_type());
        at::Tensor a = at::bmm(v, w.transpose(1, 2));                       // [N*h, d, 1]
        return a.reshape({N, W});
    }
};
TORCH_MODULE(Pool);

/* TextTimeEmbedding: norm2(proj(pool(norm1(text)))). */
struct TextEmbedImpl : nn::Module {
    LayerNorm norm1{nullptr}, norm2{nullptr};
    Pool pool{nullptr};
    Linear proj{nullptr};
    TextEmbedImpl(const Maker &mk, int64_t width, int64_t out, int64_t heads)
    {
        norm1 = register_module("norm1", LayerNorm(mk, width));
        pool = register_module("pool", Pool(mk, width, heads));
        proj = register_module("proj", Linear(mk, width, out));
        norm2 = register_module("norm2", LayerNorm(mk, out));
    }
    at::Tensor forward(const at::Tensor &text) { return norm2(proj(pool(norm1(text)))); }
};
TORCH_MODULE(TextEmbed);

// ---------------------------------------------------------------------------
// Resnet and attention
// ---------------------------------------------------------------------------

enum class Resample { NONE, UP, DOWN };

struct ResnetImpl : nn::Module {
    GroupNorm norm1{nullptr}, norm2{nullptr};
    Conv conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
    Linear time_emb_proj{nullptr};
    const IfConfig &c;
    Resample rs;
    double out_scale;
    ResnetImpl(const Maker &mk, const IfConfig &cfg, int64_t in, int64_t out, double scale,
               Resample r = Resample::NONE)
        : c(cfg), rs(r), out_scale(scale)
    {
        norm1 = register_module("norm1", GroupNorm(mk, c.groups, in, c.eps));
        conv1 = register_module("conv1", Conv(mk, in, out, 3));
        time_emb_proj = register_module(
            "time_emb_proj", Linear(mk, c.time_embed_dim, c.scale_shift ? 2 * out : out));
        norm2 = register_module("norm2", GroupNorm(mk, c.groups, out, c.eps));
        conv2 = register_module("conv2", Conv(mk, out, out, 3));
        if (in != out)
            conv_shortcut = register_module("conv_shortcut", Conv(mk, in, out, 1));
    }
    at::Tensor resample(const at::Tensor &x)
    {
        if (rs == Resample::UP)
            return F::interpolate(x, F::InterpolateFuncOptions()
                                         .size(std::vector<int64_t>{x.size(2) * 2, x.size(3) * 2})
                                         .mode(torch::kNearest));
        if (rs == Resample::DOWN)
            return at::avg_pool2d(x, {2, 2}, {2, 2});
        return x;
    }
    at::Tensor forward(at::Tensor x, const at::Tensor &emb)
    {
        at::Tensor h = act(c.act, norm1(x));
        if (rs != Resample::NONE) {
            x = resample(x);
            h = resample(h);
        }
        h = conv1(h);
        at::Tensor te = time_emb_proj(c.skip_time_act ? emb : act(c.act, emb))
                            .unsqueeze(-1).unsqueeze(-1);                // [N, 2C, 1, 1]
        if (c.scale_shift) {
            auto ss = te.chunk(2, 1);
            h = norm2(h) * (1 + ss[0]) + ss[1];
        } else {
            h = norm2(h + te);
        }
        h = conv2(act(c.act, h));
        if (conv_shortcut)
            x = conv_shortcut(x);
        at::Tensor y = x + h;
        return out_scale == 1.0 ? y : y / out_scale;
    }
};
TORCH_MODULE(Resnet);

/* Attention with added key/value from the text (AttnAddedKVProcessor). */
struct AttnImpl : nn::Module {
    GroupNorm group_norm{nullptr}, norm_cross{nullptr};
    Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, add_k_proj{nullptr},
        add_v_proj{nullptr}, out0{nullptr};
    nn::ModuleList to_out;
    int64_t heads, dim_head;
    AttnImpl(const Maker &mk, const IfConfig &c, int64_t ch, int64_t head_dim, int64_t cross)
        : heads(ch / head_dim), dim_head(head_dim)
    {
        const int64_t inner = heads * dim_head;
        group_norm = register_module("group_norm", GroupNorm(mk, c.groups, ch, kAttnEps));
        if (c.cross_norm)
            norm_cross = register_module("norm_cross",
                                         GroupNorm(mk, kCrossNormGroups, cross, kAttnEps));
        to_q = register_module("to_q", Linear(mk, ch, inner));
        to_k = register_module("to_k", Linear(mk, ch, inner));
        to_v = register_module("to_v", Linear(mk, ch, inner));
        add_k_proj = register_module("add_k_proj", Linear(mk, cross, inner));
        add_v_proj = register_module("add_v_proj", Linear(mk, cross, inner));
        out0 = Linear(mk, inner, ch);
        to_out = register_module("to_out", nn::ModuleList(out0));
    }
    /* x: (N, C, H, W); ctx: (N, L, cross) */
    at::Tensor forward(const at::Tensor &x, at::Tensor ctx)
    {
        const int64_t N = x.size(0), C = x.size(1), S = x.size(2) * x.size(3);
        at::Tensor flat = x.reshape({N, C, S});
        if (norm_cross)
            ctx = norm_cross(ctx.transpose(1, 2)).transpose(1, 2);
        at::Tensor hs = group_norm(flat).transpose(1, 2);                  // [N, S, C]
        auto split = [&](const at::Tensor &y) {                            // [N, h, T, d]
            return y.view({N, -1, heads, dim_head}).transpose(1, 2);
        };
        at::Tensor q = split(to_q(hs));
        at::Tensor k = at::cat({split(add_k_proj(ctx)), split(to_k(hs))}, 2);
        at::Tensor v = at::cat({split(add_v_proj(ctx)), split(to_v(hs))}, 2);
#if TORCH_VERSION_MAJOR >= 2
        at::Tensor o = at::scaled_dot_product_attention(q, k, v);           // [N, h, S, d]
#else
        const int64_t B = N * heads;
        at::Tensor q3 = q.reshape({B, S, dim_head}), k3 = k.reshape({B, -1, dim_head}),
                   v3 = v.reshape({B, -1, dim_head});
        /* diffusers' baddbmm(empty, q, k^T, beta=0) is not safe here: libtorch
         * 1.13's CPU bfloat16 path lets NaNs of the uninitialised input through */
        at::Tensor w = at::bmm(q3, k3.transpose(1, 2)).mul_(1.0 / std::sqrt((double)dim_head));
        w = at::softmax(w, -1, at::kFloat).to(q3.scalar_type());          // upcast softmax
        at::Tensor o = at::bmm(w, v3).view({N, heads, S, dim_head});
#endif
        o = o.transpose(1, 2).reshape({N, S, heads * dim_head});
        at::Tensor y = out0(o).transpose(1, 2).reshape(x.sizes());
        return y + x;
    }
};
TORCH_MODULE(Attn);

// ---------------------------------------------------------------------------
// Blocks and the UNet
// ---------------------------------------------------------------------------

/* One down, mid or up block: resnets, each optionally followed by an
 * attention, and an optional resampling resnet. */
struct BlockImpl : nn::Module {
    nn::ModuleList resnets{nullptr}, attentions{nullptr}, samplers{nullptr};
    std::vector<Resnet> res;
    std::vector<Attn> attn;
    Resnet sampler{nullptr};
    BlockImpl()
    {
        resnets = register_module("resnets", nn::ModuleList());
    }
    void add_resnet(Resnet r)
    {
        resnets->push_back(r);
        res.push_back(r);
    }
    void add_attn(Attn a)
    {
        if (!attentions)
            attentions = register_module("attentions", nn::ModuleList());
        attentions->push_back(a);
        attn.push_back(a);
    }
    void add_sampler(const char *name, Resnet r)
    {
        samplers = register_module(name, nn::ModuleList(r));
        sampler = r;
    }
};
TORCH_MODULE(Block);

struct IfUNetImpl : nn::Module {
    IfConfig c;
    Conv conv_in{nullptr}, conv_out{nullptr};
    TimeEmbed time_embedding{nullptr}, class_embedding{nullptr};
    Linear encoder_hid_proj{nullptr};
    TextEmbed add_embedding{nullptr};
    nn::ModuleList down_blocks, up_blocks;
    std::vector<Block> downs, ups;
    Block mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};

    IfUNetImpl(const IfConfig &cfg, const Maker &mk) : c(cfg)
    {
        const size_t n = c.block_out.size();
        const int64_t C0 = c.block_out[0], E = c.time_embed_dim;
        conv_in = register_module("conv_in", Conv(mk, c.in_channels, C0, c.conv_in_kernel));
        time_embedding = register_module("time_embedding", TimeEmbed(mk, C0, E, c.act));
        if (c.encoder_hid_dim)
            encoder_hid_proj = register_module("encoder_hid_proj",
                                               Linear(mk, c.encoder_hid_dim, c.cross_dim[0]));
        if (c.class_timestep)
            class_embedding = register_module("class_embedding", TimeEmbed(mk, C0, E, c.act));
        if (c.text_embed)
            add_embedding = register_module(
                "add_embedding",
                TextEmbed(mk, c.encoder_hid_dim ? c.encoder_hid_dim : c.cross_dim[0], E,
                          c.text_heads));
        down_blocks = register_module("down_blocks", nn::ModuleList());
        up_blocks = register_module("up_blocks", nn::ModuleList());

        int64_t out = C0;
        for (size_t i = 0; i < n; i++) {
            int64_t in = out;
            out = c.block_out[i];
            Block b;
            bool with_attn = c.down_types[i] == "SimpleCrossAttnDownBlock2D";
            for (int64_t j = 0; j < c.layers[i]; j++) {
                b->add_resnet(Resnet(mk, c, j == 0 ? in : out, out, c.resnet_scale));
                if (with_attn)
                    b->add_attn(Attn(mk, c, out, c.head_dim[i], c.cross_dim[i]));
            }
            if (i + 1 < n)
                b->add_sampler("downsamplers",
                               Resnet(mk, c, out, out, c.resnet_scale, Resample::DOWN));
            down_blocks->push_back(b);
            downs.push_back(b);
        }

        const int64_t top = c.block_out[n - 1];
        mid_block = register_module("mid_block", Block());
        mid_block->add_resnet(Resnet(mk, c, top, top, c.mid_scale));
        mid_block->add_attn(Attn(mk, c, top, c.head_dim[n - 1], c.cross_dim[n - 1]));
        mid_block->add_resnet(Resnet(mk, c, top, top, c.mid_scale));

        out = top;
        for (size_t i = 0; i < n; i++) {
            const size_t lvl = n - 1 - i;                   /* the level it mirrors */
            int64_t prev = out;
            out = c.block_out[lvl];
            int64_t in = c.block_out[lvl == 0 ? 0 : lvl - 1];
            Block b;
            bool with_attn = c.up_types[i] == "SimpleCrossAttnUpBlock2D";
            const int64_t L = c.layers[lvl] + 1;
            for (int64_t j = 0; j < L; j++) {
                int64_t skip = j == L - 1 ? in : out;
                b->add_resnet(Resnet(mk, c, (j == 0 ? prev : out) + skip, out, c.resnet_scale));
                if (with_attn)
                    b->add_attn(Attn(mk, c, out, c.head_dim[lvl], c.cross_dim[lvl]));
            }
            if (i + 1 < n)
                b->add_sampler("upsamplers", Resnet(mk, c, out, out, c.resnet_scale, Resample::UP));
            up_blocks->push_back(b);
            ups.push_back(b);
        }
        conv_norm_out = register_module("conv_norm_out", GroupNorm(mk, c.groups, C0, c.eps));
        conv_out = register_module("conv_out", Conv(mk, C0, c.out_channels, c.conv_out_kernel));
    }

    static at::Tensor run_block(Block &b, at::Tensor h, const at::Tensor &emb,
                                const at::Tensor &ctx, std::vector<at::Tensor> *push,
                                std::vector<at::Tensor> *pop)
    {
        for (size_t j = 0; j < b->res.size(); j++) {
            if (pop) {
                h = at::cat({h, pop->back()}, 1);
                pop->pop_back();
            }
            h = b->res[j](h, emb);
            if (!b->attn.empty())
                h = b->attn[j](h, ctx);
            if (push)
                push->push_back(h);
        }
        if (b->sampler) {
            h = b->sampler(h, emb);
            if (push)
                push->push_back(h);
        }
        return h;
    }

    /* x (N, Cin, H, W), t (N) float, text (N, L, D), level (N) or undefined;
     * all on the parameters' device, x and text in their dtype. */
    at::Tensor forward(at::Tensor x, const at::Tensor &t, const at::Tensor &text,
                       const at::Tensor &level)
    {
        const at::ScalarType dt = x.scalar_type();
        const int64_t C0 = c.block_out[0];
        at::Tensor emb = time_embedding(
            timestep_features(t, C0, c.flip_sin_to_cos, c.freq_shift).to(dt));
        if (class_embedding)
            emb = emb + class_embedding(
                            timestep_features(level, C0, c.flip_sin_to_cos, c.freq_shift).to(dt));
        if (add_embedding)
            emb = emb + add_embedding(text);
        emb = act(c.time_act, emb);
        at::Tensor ctx = encoder_hid_proj ? encoder_hid_proj(text) : text;
        if (c.center_input)
            x = 2 * x - 1.0;

        at::Tensor h = conv_in(x);
        std::vector<at::Tensor> skips{h};
        for (auto &b : downs)
            h = run_block(b, h, emb, ctx, &skips, nullptr);
        h = mid_block->res[0](h, emb);
        h = mid_block->attn[0](h, ctx);
        h = mid_block->res[1](h, emb);
        for (auto &b : ups)
            h = run_block(b, h, emb, ctx, nullptr, &skips);
        return conv_out(act(c.act, conv_norm_out(h)));
    }
};

// ---------------------------------------------------------------------------
// The C API
// ---------------------------------------------------------------------------

static at::ScalarType float_type(ts_dtype d)
{
    switch (d) {
    case TS_F32: return at::kFloat;
    case TS_F16: return at::kHalf;
    case TS_BF16: return at::kBFloat16;
    default: break;
    }
    throw std::invalid_argument("an IF UNet's parameters are float32, float16 or "
                                "bfloat16, not " + std::string(ts_dtype_name(d)));
}

extern "C" ts_status ts_if_unet_new(ts_module **out, const char *config_json, ts_dtype dtype,
                                    int device)
{
    if (out)
        *out = nullptr;
    return ts_guarded("if_unet_new", nullptr, 0, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        IfConfig c = build_config(config_json);
        Maker mk{at::TensorOptions().dtype(float_type(dtype)).device(ts_device(device))};
        torch::NoGradGuard no_grad;
        auto m = std::make_unique<ts_module>();
        m->ifunet = std::make_shared<IfUNetImpl>(c, mk);
        m->net = m->ifunet;
        m->net->eval();
        ts_module_refresh_state(m.get());
        *out = m.release();
    });
}

extern "C" ts_status ts_if_unet_param_count(const char *config_json, int64_t *out)
{
    return ts_guarded("if_unet_param_count", nullptr, 0, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        IfConfig c = build_config(config_json);
        Maker mk{at::TensorOptions().dtype(at::kFloat).device(at::kMeta)};
        auto net = std::make_shared<IfUNetImpl>(c, mk);
        int64_t n = 0;
        for (const auto &p : net->parameters(true))
            n += p.numel();
        *out = n;
    });
}

extern "C" ts_status ts_if_unet_describe(const ts_module *m, ts_if_unet_info *out)
{
    return ts_guarded("if_unet_describe", nullptr, 0, [&] {
        if (!m || !out)
            throw std::invalid_argument("module or out is NULL");
        if (!m->ifunet)
            throw std::invalid_argument("this model is not an IF UNet");
        const IfConfig &c = m->ifunet->c;
        out->in_channels = (int)c.in_channels;
        out->out_channels = (int)c.out_channels;
        out->text_dim = (int)(c.encoder_hid_dim ? c.encoder_hid_dim : c.cross_dim[0]);
        out->needs_noise_level = c.class_timestep ? 1 : 0;
        out->size_multiple = 1 << (c.block_out.size() - 1);
        out->sample_size = (int)c.sample_size;
    });
}

/* A (N) or (1) vector of per-image numbers, as float32 on dev. */
static at::Tensor per_image(const ts_tensor *v, const char *what, int64_t N,
                            const at::Device &dev)
{
    const at::Tensor &t = v->t;
    if (t.numel() != N && t.numel() != 1)
        throw std::invalid_argument(std::string(what) + " needs one value per image (" +
                                    std::to_string(N) + ") or one for all, not " +
                                    c10::str(t.sizes()));
    return t.reshape({-1}).to(dev, at::kFloat).expand({N}).contiguous();
}

extern "C" ts_status ts_if_unet_forward(ts_tensor **out, ts_module *m, const ts_tensor *x,
                                        const ts_tensor *t, const ts_tensor *text,
                                        const ts_tensor *noise_level)
{
    if (out)
        *out = nullptr;
    const ts_tensor *ins[] = {x, t, text};
    return ts_guarded("if_unet_forward", ins, 3, [&] {
        if (!out || !m)
            throw std::invalid_argument("out or module is NULL");
        if (!m->ifunet)
            throw std::invalid_argument("this model is not an IF UNet");
        IfUNetImpl &net = *m->ifunet;
        const IfConfig &c = net.c;
        const at::Tensor &xt = x->t;
        const int64_t levels = (int64_t)c.block_out.size() - 1;
        if (xt.dim() != 4 || xt.size(1) != c.in_channels)
            throw std::invalid_argument("x must be (N, " + std::to_string(c.in_channels) +
                                        ", H, W), not " + c10::str(xt.sizes()));
        if (!at::isFloatingType(xt.scalar_type()))
            throw std::invalid_argument("x must be a float tensor");
        if (xt.size(2) % (1 << levels) || xt.size(3) % (1 << levels) || xt.size(2) == 0 ||
            xt.size(3) == 0)
            throw std::invalid_argument("x's height and width must be multiples of " +
                                        std::to_string(1 << levels) + ", not " +
                                        c10::str(xt.sizes()));
        const int64_t N = xt.size(0);
        const int64_t width = c.encoder_hid_dim ? c.encoder_hid_dim : c.cross_dim[0];
        const at::Tensor &tx = text->t;
        if (tx.dim() != 3 || tx.size(2) != width || (tx.size(0) != N && tx.size(0) != 1) ||
            tx.size(1) == 0)
            throw std::invalid_argument("text must be (N, L, " + std::to_string(width) +
                                        ") prompt embeddings, not " + c10::str(tx.sizes()));
        if (c.class_timestep && !noise_level)
            throw std::invalid_argument("this UNet (stage II) needs the noise level");
        if (!c.class_timestep && noise_level)
            throw std::invalid_argument("this UNet takes no noise level (stage I)");
        const at::Device dev = m->state.front().second.device();
        const at::ScalarType pdt = m->state.front().second.scalar_type();
        if (dev.is_cpu() && pdt == at::kHalf)
            throw std::invalid_argument("float16 runs on a GPU; on the CPU use float32 "
                                        "or bfloat16");
        at::Tensor tt = per_image(t, "t", N, dev);
        at::Tensor lv = noise_level ? per_image(noise_level, "noise_level", N, dev)
                                    : at::Tensor();
        at::Tensor txt = tx.to(dev, pdt).expand({N, tx.size(1), tx.size(2)});
        torch::NoGradGuard no_grad;
        at::Tensor y = net.forward(xt.to(dev, pdt), tt, txt, lv);
        *out = new ts_tensor{y.to(xt.scalar_type())};
    });
}
