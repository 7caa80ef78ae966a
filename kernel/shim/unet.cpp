/*
 * unet.cpp: the Part B UNets of CS180 (docs/part-b.md, "The UNets"),
 * their Adam optimizer and one fused training step, behind ts.h.
 *
 * Every composite operation is an Seq of its parts, in the
 * order the spec's tables give them, so the state_dict key of a parameter
 * is its path: stage name, then the index of each part.  A PyTorch model
 * written the same way (nn.Sequential for Conv, DownConv, UpConv,
 * Unflatten, ConvBlock, DownBlock, UpBlock and FCBlock) has the same keys.
 *
 *   Conv       = Sequential(Conv2d(3,1,1), BatchNorm2d, GELU)          .0 .1
 *   DownConv   = Sequential(Conv2d(3,2,1), BatchNorm2d, GELU)          .0 .1
 *   UpConv     = Sequential(ConvTranspose2d(4,2,1), BatchNorm2d, GELU) .0 .1
 *   Unflatten  = Sequential(ConvTranspose2d(7,7,0), BatchNorm2d, GELU) .0 .1
 *   ConvBlock  = Sequential(Conv, Conv)                                .0 .1
 *   DownBlock  = Sequential(DownConv, ConvBlock)                       .0 .1
 *   UpBlock    = Sequential(UpConv, ConvBlock)                         .0 .1
 *   FCBlock    = Sequential(Linear, GELU, Linear)                      .0 .2
 *   Flatten    = AvgPool2d(7) then GELU: no parameters, no key
 *
 * Stages (D = hidden; keys for D = 64 in brackets):
 *   conv_in   ConvBlock(C -> D)      conv_in.0.0.weight      [64,1,3,3]
 *   down1     DownBlock(D -> D)      down1.0.0.weight        [64,64,3,3]
 *   down2     DownBlock(D -> 2D)     down2.1.1.1.running_var [128]
 *   unflatten Unflatten(2D)          unflatten.0.weight      [128,128,7,7]
 *   up1       UpBlock(4D -> D)       up1.0.0.weight          [256,64,4,4]
 *   up2       UpBlock(2D -> D)       up2.1.0.1.bias          [64]
 *   conv_out  ConvBlock(2D -> D)     conv_out.1.0.weight     [64,64,3,3]
 *   out       Conv2d(D -> C, 3,1,1)  out.weight              [1,64,3,3]
 *   fc1_t     FCBlock(1 -> 2D)       fc1_t.0.weight          [128,1]
 *   fc2_t     FCBlock(1 -> D)        fc2_t.2.bias            [64]
 *   fc1_c     FCBlock(K -> 2D)       fc1_c.0.weight          [128,10]
 *   fc2_c     FCBlock(K -> D)        fc2_c.2.weight          [64,64]
 * (fc*_t in the time- and class-conditioned UNets, fc*_c in the
 * class-conditioned one.)  Skips are concatenated [skip, decoder].
 *
 * Only torch::nn modules, torch::optim::Adam and the serialize archives
 * are used: API shared by libtorch 1.13 and 2.x.
 */
#include "ts.h"
#include "ts_impl.hpp"   /* ts_tensor, ts_guarded, ts_device */
#include "module_impl.hpp" /* ts_module */

#include <torch/nn.h>          /* Sequential, Conv2d, BatchNorm2d, ... */
#include <torch/optim/adam.h>  /* Adam */
#include <torch/serialize.h>   /* torch::save / load to streams */

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace nn = torch::nn;

/* nn::Sequential with a plain forward, so one can hold another (libtorch's
 * AnyModule refuses Sequential's templated forward). */
struct SeqImpl : nn::SequentialImpl {
    using nn::SequentialImpl::SequentialImpl;
    at::Tensor forward(at::Tensor x) { return nn::SequentialImpl::forward(x); }
};
TORCH_MODULE(Seq);

/* nn::ConvTranspose2d (same parameters, so the same keys) whose forward is
 * ts_conv_transpose2d: libtorch's own CPU path is slow (conv_transpose.cpp). */
struct UpConv2dImpl : nn::ConvTranspose2dImpl {
    int64_t stride, padding;
    UpConv2dImpl(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p)
        : nn::ConvTranspose2dImpl(nn::ConvTranspose2dOptions(in, out, k).stride(s).padding(p)),
          stride(s), padding(p) {}
    at::Tensor forward(const at::Tensor &x)
    {
        return ts_conv_transpose2d(x, weight, bias, stride, padding);
    }
};
TORCH_MODULE(UpConv2d);

// ---------------------------------------------------------------------------
// Building blocks (spec §2)
// ---------------------------------------------------------------------------

/* Conv2d(k, s, p) -> BN -> GELU (ops 1, 2). */
static Seq conv_bn_gelu(int64_t in, int64_t out, int64_t k,
                                   int64_t s, int64_t p)
{
    return Seq(
        nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(s).padding(p)),
        nn::BatchNorm2d(out), nn::GELU());
}

/* ConvTranspose2d(k, s, p) -> BN -> GELU (ops 3, 5). */
static Seq convT_bn_gelu(int64_t in, int64_t out, int64_t k,
                                    int64_t s, int64_t p)
{
    return Seq(
        UpConv2d(in, out, k, s, p),
        nn::BatchNorm2d(out), nn::GELU());
}

/* ConvBlock: Conv(in -> out), Conv(out -> out) (op 7). */
static Seq conv_block(int64_t in, int64_t out)
{
    return Seq(conv_bn_gelu(in, out, 3, 1, 1),
                          conv_bn_gelu(out, out, 3, 1, 1));
}

/* DownBlock: DownConv(in -> out), ConvBlock(out -> out) (op 8). */
static Seq down_block(int64_t in, int64_t out)
{
    return Seq(conv_bn_gelu(in, out, 3, 2, 1), conv_block(out, out));
}

/* UpBlock: UpConv(in -> out), ConvBlock(out -> out) (op 9). */
static Seq up_block(int64_t in, int64_t out)
{
    return Seq(convT_bn_gelu(in, out, 4, 2, 1), conv_block(out, out));
}

/* FCBlock: Linear(in -> out), GELU, Linear(out -> out) (op 10). */
static Seq fc_block(int64_t in, int64_t out)
{
    return Seq(nn::Linear(in, out), nn::GELU(), nn::Linear(out, out));
}

// ---------------------------------------------------------------------------
// The UNet (spec §3, conditioning §4)
// ---------------------------------------------------------------------------

struct UNetImpl : nn::Module {
    ts_unet_config cfg;
    Seq conv_in{nullptr}, down1{nullptr}, down2{nullptr},
        unflatten{nullptr}, up1{nullptr}, up2{nullptr}, conv_out{nullptr};
    nn::Conv2d out{nullptr};
    Seq fc1_t{nullptr}, fc2_t{nullptr}, fc1_c{nullptr}, fc2_c{nullptr};

    explicit UNetImpl(const ts_unet_config &c) : cfg(c)
    {
        const int64_t C = c.in_channels, D = c.hidden;
        /* Registration order = state_dict order = the figure's order. */
        conv_in = register_module("conv_in", conv_block(C, D));
        down1 = register_module("down1", down_block(D, D));
        down2 = register_module("down2", down_block(D, 2 * D));
        unflatten = register_module("unflatten", convT_bn_gelu(2 * D, 2 * D, 7, 7, 0));
        up1 = register_module("up1", up_block(4 * D, D));
        up2 = register_module("up2", up_block(2 * D, D));
        conv_out = register_module("conv_out", conv_block(2 * D, D));
        out = register_module("out", nn::Conv2d(nn::Conv2dOptions(D, C, 3).padding(1)));
        if (c.kind != TS_UNET_PLAIN) {
            fc1_t = register_module("fc1_t", fc_block(1, 2 * D));
            fc2_t = register_module("fc2_t", fc_block(1, D));
        }
        if (c.kind == TS_UNET_CLASS) {
            fc1_c = register_module("fc1_c", fc_block(c.num_classes, 2 * D));
            fc2_c = register_module("fc2_c", fc_block(c.num_classes, D));
        }
    }

    /* x: [N, C, H, W]; t: [N] or undefined; c: [N] int64 or undefined;
     * mask: [N] or undefined.  Returns [N, C, H, W]. */
    at::Tensor forward(const at::Tensor &x, const at::Tensor &t,
                       const at::Tensor &c, const at::Tensor &mask)
    {
        const int64_t N = x.size(0), D = cfg.hidden;
        at::Tensor e0 = conv_in->forward(x);                        // [N, D, H, W]
        at::Tensor e1 = down1->forward(e0);                         // [N, D, H/2, W/2]
        at::Tensor e2 = down2->forward(e1);                         // [N, 2D, H/4, W/4]
        at::Tensor b = at::gelu(at::avg_pool2d(e2, {7, 7}));        // [N, 2D, 1, 1]
        at::Tensor u0 = unflatten->forward(b);                      // [N, 2D, 7, 7]
        at::Tensor t1, t2, c1, c2;
        if (cfg.kind != TS_UNET_PLAIN) {
            at::Tensor tt = t.reshape({N, 1}).to(x.scalar_type());  // [N, 1]
            t1 = fc1_t->forward(tt).view({N, 2 * D, 1, 1});         // [N, 2D, 1, 1]
            t2 = fc2_t->forward(tt).view({N, D, 1, 1});             // [N, D, 1, 1]
        }
        if (cfg.kind == TS_UNET_CLASS) {
            at::Tensor onehot;                                      // [N, K]
            if (c.defined())
                onehot = at::one_hot(c, cfg.num_classes).to(x.scalar_type());
            else
                onehot = at::zeros({N, (int64_t)cfg.num_classes}, x.options());
            if (mask.defined())                                     // drop: zero vector
                onehot = onehot * mask.reshape({N, 1}).to(x.scalar_type());
            c1 = fc1_c->forward(onehot).view({N, 2 * D, 1, 1});     // [N, 2D, 1, 1]
            c2 = fc2_c->forward(onehot).view({N, D, 1, 1});         // [N, D, 1, 1]
            u0 = c1 * u0 + t1;                                      // unflatten <- c1 * unflatten + t1
        } else if (cfg.kind == TS_UNET_TIME) {
            u0 = u0 * t1;                                           // unflatten <- unflatten * t1
        }
        at::Tensor u1 = up1->forward(at::cat({e2, u0}, 1));         // [N, D, H/2, W/2]
        if (cfg.kind == TS_UNET_CLASS)
            u1 = c2 * u1 + t2;                                      // up1 <- c2 * up1 + t2
        else if (cfg.kind == TS_UNET_TIME)
            u1 = u1 * t2;                                           // up1 <- up1 * t2
        at::Tensor u2 = up2->forward(at::cat({e1, u1}, 1));         // [N, D, H, W]
        at::Tensor f = conv_out->forward(at::cat({e0, u2}, 1));     // [N, D, H, W]
        return out->forward(f);                                     // [N, C, H, W]
    }
};

struct ts_optim {
    std::unique_ptr<torch::optim::Adam> adam;
    ts_module *m; /* borrowed */
};

void ts_module_refresh_state(ts_module *m)
{
    m->state.clear();
    for (const auto &p : m->net->named_parameters(true))
        m->state.emplace_back(p.key(), p.value());
    for (const auto &b : m->net->named_buffers(true))
        m->state.emplace_back(b.key(), b.value());
}

static void check_config(const ts_unet_config *cfg)
{
    if (!cfg)
        throw std::invalid_argument("config is NULL");
    if (cfg->kind != TS_UNET_PLAIN && cfg->kind != TS_UNET_TIME &&
        cfg->kind != TS_UNET_CLASS)
        throw std::invalid_argument("unknown UNet kind " + std::to_string((int)cfg->kind));
    if (cfg->in_channels < 1 || cfg->in_channels > 16)
        throw std::invalid_argument("in_channels " + std::to_string(cfg->in_channels) +
                                    " is not in 1..16");
    if (cfg->hidden < 1 || cfg->hidden > 1024)
        throw std::invalid_argument("hidden " + std::to_string(cfg->hidden) +
                                    " is not in 1..1024");
    if (cfg->kind == TS_UNET_CLASS && (cfg->num_classes < 1 || cfg->num_classes > 1000))
        throw std::invalid_argument("num_classes " + std::to_string(cfg->num_classes) +
                                    " is not in 1..1000");
}

/* The inputs a forward needs, checked against the kind. */
static void check_inputs(const ts_module *m, const ts_tensor *x, const ts_tensor *t,
                         const ts_tensor *c, const ts_tensor *mask)
{
    if (!m)
        throw std::invalid_argument("module is NULL");
    if (!x)
        throw std::invalid_argument("x is NULL");
    if (!m->partb)
        throw std::invalid_argument("this model is not a Part B UNet");
    const ts_unet_config &cfg = m->partb->cfg;
    const at::Tensor &xt = x->t;
    if (xt.dim() != 4 || xt.size(1) != cfg.in_channels)
        throw std::invalid_argument("x must be (N, " + std::to_string(cfg.in_channels) +
                                    ", H, W), not " + c10::str(xt.sizes()));
    if (xt.size(2) % 4 != 0 || xt.size(2) / 4 != 7 || xt.size(3) / 4 != 7 ||
        xt.size(3) % 4 != 0)
        throw std::invalid_argument("x must be 28 x 28 (the UNet pools 7 x 7 at "
                                    "the bottom), not " + c10::str(xt.sizes()));
    const int64_t N = xt.size(0);
    if (cfg.kind == TS_UNET_PLAIN && (t || c || mask))
        throw std::invalid_argument("the unconditional UNet takes no t, c or mask");
    if (cfg.kind != TS_UNET_PLAIN && !t)
        throw std::invalid_argument("this UNet is time-conditioned: t is required");
    if (cfg.kind == TS_UNET_TIME && (c || mask))
        throw std::invalid_argument("the time-conditioned UNet takes no class");
    if (t && t->t.numel() != N)
        throw std::invalid_argument("t needs one value per image (" + std::to_string(N) +
                                    "), not " + c10::str(t->t.sizes()));
    if (c && (c->t.numel() != N || c->t.scalar_type() != at::kLong))
        throw std::invalid_argument("c must be (N) int64 class labels, not " +
                                    c10::str(c->t.sizes()) + " " +
                                    c10::toString(c->t.scalar_type()));
    if (c && c->t.numel() > 0 &&
        (c->t.min().item<int64_t>() < 0 || c->t.max().item<int64_t>() >= cfg.num_classes))
        throw std::invalid_argument("class labels must be in 0.." +
                                    std::to_string(cfg.num_classes - 1));
    if (mask && mask->t.numel() != N)
        throw std::invalid_argument("mask needs one value per image");
}

static at::Tensor on(const ts_tensor *h, const at::Device &dev)
{
    return h ? h->t.to(dev) : at::Tensor();
}

static at::Device module_device(const ts_module *m)
{
    return m->state.empty() ? at::Device(at::kCPU) : m->state.front().second.device();
}

// ---------------------------------------------------------------------------
// The C API: modules
// ---------------------------------------------------------------------------

extern "C" ts_status ts_unet_new(ts_module **out, const ts_unet_config *cfg, int device)
{
    if (out)
        *out = nullptr;
    return ts_guarded("unet_new", nullptr, 0, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        check_config(cfg);
        ts_unet_config c = *cfg;
        if (c.kind != TS_UNET_CLASS)
            c.num_classes = 0;
        auto m = std::make_unique<ts_module>();
        m->partb = std::make_shared<UNetImpl>(c);
        m->net = m->partb;
        m->net->to(ts_device(device));
        ts_module_refresh_state(m.get());
        *out = m.release();
    });
}

extern "C" void ts_module_free(ts_module *m)
{
    delete m;
}

extern "C" ts_status ts_module_config(const ts_module *m, ts_unet_config *out)
{
    return ts_guarded("module_config", nullptr, 0, [&] {
        if (!m || !out)
            throw std::invalid_argument("module or out is NULL");
        if (!m->partb)
            throw std::invalid_argument("this model is not a Part B UNet");
        *out = m->partb->cfg;
    });
}

extern "C" ts_status ts_module_param_count(const ts_module *m, int64_t *out)
{
    return ts_guarded("module_param_count", nullptr, 0, [&] {
        if (!m || !out)
            throw std::invalid_argument("module or out is NULL");
        int64_t n = 0;
        for (const auto &p : m->net->parameters(true))
            n += p.numel();
        *out = n;
    });
}

extern "C" ts_status ts_module_device(const ts_module *m, int *out)
{
    return ts_guarded("module_device", nullptr, 0, [&] {
        if (!m || !out)
            throw std::invalid_argument("module or out is NULL");
        *out = ts_device_code(module_device(m));
    });
}

extern "C" ts_status ts_module_to_device(ts_module *m, int device)
{
    return ts_guarded("module_to_device", nullptr, 0, [&] {
        if (!m)
            throw std::invalid_argument("module is NULL");
        m->net->to(ts_device(device));
        ts_module_refresh_state(m);
    });
}

extern "C" ts_status ts_module_state_count(const ts_module *m, int *out)
{
    return ts_guarded("module_state_count", nullptr, 0, [&] {
        if (!m || !out)
            throw std::invalid_argument("module or out is NULL");
        *out = (int)m->state.size();
    });
}

extern "C" ts_status ts_module_state_get(const ts_module *m, int i, const char **name,
                                         ts_tensor **value)
{
    if (value)
        *value = nullptr;
    return ts_guarded("module_state_get", nullptr, 0, [&] {
        if (!m || !name || !value)
            throw std::invalid_argument("module, name or value is NULL");
        if (i < 0 || i >= (int)m->state.size())
            throw std::invalid_argument("state entry " + std::to_string(i) +
                                        " is not in 0.." +
                                        std::to_string((int)m->state.size() - 1));
        *name = m->state[(size_t)i].first.c_str();
        *value = new ts_tensor{m->state[(size_t)i].second.detach()};
    });
}

extern "C" ts_status ts_module_state_set(ts_module *m, const char *name,
                                         const ts_tensor *value)
{
    const ts_tensor *ins[] = {value};
    return ts_guarded("module_state_set", ins, 1, [&] {
        if (!m || !name)
            throw std::invalid_argument("module or name is NULL");
        for (auto &e : m->state) {
            if (e.first != name)
                continue;
            if (!e.second.sizes().equals(value->t.sizes()))
                throw std::invalid_argument(std::string(name) + " has shape " +
                                            c10::str(e.second.sizes()) + ", not " +
                                            c10::str(value->t.sizes()));
            torch::NoGradGuard no_grad;
            e.second.copy_(value->t);
            return;
        }
        throw std::invalid_argument(std::string("the model has no entry ") + name);
    });
}

extern "C" ts_status ts_unet_forward(ts_tensor **out, ts_module *m, const ts_tensor *x,
                                     const ts_tensor *t, const ts_tensor *c,
                                     const ts_tensor *mask)
{
    if (out)
        *out = nullptr;
    const ts_tensor *ins[] = {x};
    return ts_guarded("unet_forward", ins, 1, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        check_inputs(m, x, t, c, mask);
        at::Device dev = module_device(m);
        torch::NoGradGuard no_grad;
        m->net->eval();
        at::Tensor u = m->partb->forward(x->t.to(dev), on(t, dev), on(c, dev), on(mask, dev));
        *out = new ts_tensor{std::move(u)};
    });
}

// ---------------------------------------------------------------------------
// The C API: training
// ---------------------------------------------------------------------------

extern "C" ts_status ts_optim_adam_new(ts_optim **out, ts_module *m, double lr)
{
    if (out)
        *out = nullptr;
    return ts_guarded("optim_adam_new", nullptr, 0, [&] {
        if (!out || !m)
            throw std::invalid_argument("out or module is NULL");
        if (!m->partb)
            throw std::invalid_argument("only the Part B UNets train");
        if (!(lr > 0))
            throw std::invalid_argument("the learning rate must be > 0");
        auto o = std::make_unique<ts_optim>();
        o->adam = std::make_unique<torch::optim::Adam>(m->net->parameters(true),
                                                       torch::optim::AdamOptions(lr));
        o->m = m;
        *out = o.release();
    });
}

extern "C" void ts_optim_free(ts_optim *o)
{
    delete o;
}

extern "C" ts_status ts_optim_set_lr(ts_optim *o, double lr)
{
    return ts_guarded("optim_set_lr", nullptr, 0, [&] {
        if (!o)
            throw std::invalid_argument("optimizer is NULL");
        if (!(lr > 0))
            throw std::invalid_argument("the learning rate must be > 0");
        for (auto &g : o->adam->param_groups())
            static_cast<torch::optim::AdamOptions &>(g.options()).lr(lr);
    });
}

extern "C" ts_status ts_optim_save(const ts_optim *o, void **data, size_t *len)
{
    if (data)
        *data = nullptr;
    return ts_guarded("optim_save", nullptr, 0, [&] {
        if (!o || !data || !len)
            throw std::invalid_argument("optimizer, data or len is NULL");
        std::ostringstream os;
        torch::save(*o->adam, os);
        std::string s = os.str();
        void *buf = malloc(s.size() ? s.size() : 1);
        if (!buf)
            throw std::bad_alloc();
        memcpy(buf, s.data(), s.size());
        *data = buf;
        *len = s.size();
    });
}

extern "C" ts_status ts_optim_load(ts_optim *o, const void *data, size_t len)
{
    return ts_guarded("optim_load", nullptr, 0, [&] {
        if (!o || (!data && len))
            throw std::invalid_argument("optimizer or data is NULL");
        std::istringstream is(std::string(static_cast<const char *>(data), len));
        /* Load into a scratch optimizer first, so a failure leaves o as it
         * was. */
        auto fresh = std::make_unique<torch::optim::Adam>(
            o->m->net->parameters(true),
            static_cast<torch::optim::AdamOptions &>(o->adam->param_groups()[0].options()));
        torch::load(*fresh, is);
        o->adam = std::move(fresh);
    });
}

extern "C" ts_status ts_train_step(ts_module *m, ts_optim *o, const ts_tensor *x,
                                   const ts_tensor *t, const ts_tensor *c,
                                   const ts_tensor *mask, const ts_tensor *target,
                                   double clip_norm, ts_tensor **loss)
{
    if (loss)
        *loss = nullptr;
    const ts_tensor *ins[] = {x, target};
    return ts_guarded("train_step", ins, 2, [&] {
        if (!o)
            throw std::invalid_argument("optimizer is NULL");
        check_inputs(m, x, t, c, mask);
        if (o->m != m)
            throw std::invalid_argument("the optimizer belongs to another model");
        at::Device dev = module_device(m);
        at::Tensor xin = x->t.to(dev), tgt = target->t.to(dev);
        m->net->train();
        o->adam->zero_grad();
        at::Tensor u = m->partb->forward(xin, on(t, dev), on(c, dev), on(mask, dev));
        if (!u.sizes().equals(tgt.sizes()))
            throw std::invalid_argument("target must have the output's shape " +
                                        c10::str(u.sizes()) + ", not " +
                                        c10::str(tgt.sizes()));
        at::Tensor l = at::mse_loss(u, tgt);                       // scalar
        l.backward();
        if (clip_norm > 0)
            nn::utils::clip_grad_norm_(m->net->parameters(true), clip_norm);
        o->adam->step();
        if (loss)
            *loss = new ts_tensor{l.detach()};
    });
}
