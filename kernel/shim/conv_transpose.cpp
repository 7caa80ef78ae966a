/*
 * conv_transpose.cpp: ConvTranspose2d on the CPU through oneDNN.
 *
 * Why: libtorch's CPU ConvTranspose2d (1.13) is slow_conv_transpose2d, an
 * im2col + BLAS loop whose backward dominated a Part B training step
 * (tests/bench/README.md has the measured times).  A transposed
 * convolution is the adjoint of an ordinary one, so every piece of it is
 * an ordinary convolution's pass, and those go through oneDNN:
 *
 *   y      = conv_transpose(x, w)  = grad_input  of conv(., w) at x
 *   dL/dx  = conv(g, w)            = an ordinary forward
 *   dL/dw  = grad_weight of conv(input g, weight w) at x
 *   dL/db  = sum of g over N, H, W
 *
 * The results equal at::conv_transpose2d's to float rounding (tests/unit/
 * test_conv_transpose.cpp checks values and gradients against it).  Other devices
 * and dtypes keep libtorch's own path (cuDNN on GPUs is already fast).
 */
#include "ts_impl.hpp"

#include <torch/autograd.h>

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/* The ordinary convolution that this transposed one is the adjoint of:
 * input x' (shape of y) -> output x, with the same weight. */
struct Geometry {
    std::vector<int64_t> stride, padding, dilation{1, 1}, output_padding{0, 0};
};

at::Tensor forward_pass(const at::Tensor &x, const at::Tensor &w, const Geometry &g)
{
    const int64_t k_h = w.size(2), k_w = w.size(3);
    const int64_t h = (x.size(2) - 1) * g.stride[0] - 2 * g.padding[0] + k_h;
    const int64_t wd = (x.size(3) - 1) * g.stride[1] - 2 * g.padding[1] + k_w;
    /* Only its shape is read: the input gradient does not need the input. */
    at::Tensor shape = at::empty({x.size(0), w.size(1), h, wd}, x.options());
    return std::get<0>(at::convolution_backward(
        x, shape, w, c10::nullopt, g.stride, g.padding, g.dilation,
        false, g.output_padding, 1, {true, false, false}));
}

struct ConvTranspose : torch::autograd::Function<ConvTranspose> {
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &x,
                              const at::Tensor &w, const at::Tensor &b,
                              std::vector<int64_t> stride, std::vector<int64_t> padding)
    {
        ctx->save_for_backward({x, w});
        ctx->saved_data["stride"] = stride;
        ctx->saved_data["padding"] = padding;
        return forward_pass(x, w, Geometry{stride, padding}).add_(b.view({1, -1, 1, 1}));
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &x = saved[0], &w = saved[1];
        const at::Tensor g = grads[0].contiguous();
        const Geometry geo{ctx->saved_data["stride"].toIntVector(),
                           ctx->saved_data["padding"].toIntVector()};
        at::Tensor gx, gw, gb;
        if (ctx->needs_input_grad(0))
            gx = at::conv2d(g, w, {}, geo.stride, geo.padding);
        if (ctx->needs_input_grad(1))
            gw = std::get<1>(at::convolution_backward(
                x, g, w, c10::nullopt, geo.stride, geo.padding, geo.dilation,
                false, geo.output_padding, 1,
                {false, true, false}));
        if (ctx->needs_input_grad(2))
            gb = g.sum({0, 2, 3});
        return {gx, gw, gb, at::Tensor(), at::Tensor()};
    }
};

} // namespace

at::Tensor ts_conv_transpose2d(const at::Tensor &x, const at::Tensor &w,
                               const at::Tensor &b, int64_t stride, int64_t padding)
{
    if (!x.is_cpu() || x.scalar_type() != at::kFloat || x.dim() != 4)
        return at::conv_transpose2d(x, w, b, stride, padding);
    /* autograd::Function takes no undefined inputs: no bias is a zero one. */
    const at::Tensor bias = b.defined() ? b : at::zeros({w.size(1)}, w.options());
    return ConvTranspose::apply(x.contiguous(), w, bias, std::vector<int64_t>{stride, stride},
                                std::vector<int64_t>{padding, padding});
}
