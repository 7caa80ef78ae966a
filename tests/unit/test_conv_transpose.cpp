/*
 * test_conv_transpose.cpp: the shim's ConvTranspose2d (kernel/shim/
 * conv_transpose.cpp) gives what libtorch's own gives: outputs and all
 * three gradients, for every transposed convolution the Part B UNets use
 * and an odd one, with and without bias, and without an input gradient
 * where none is needed.
 *
 * C++ because the reference is a libtorch op; it compiles the shim file
 * itself, so the function under test is the one the backend runs.
 */
#include "shim/ts_impl.hpp"

#include <torch/torch.h>

/* c10's logging defines a CHECK of its own (abort on failure): ours
 * counts and carries on. */
#undef CHECK
#include "check.h"

struct Case {
    const char *name;
    int64_t n, cin, cout, h, k, stride, padding;
};

/* Relative to the reference's largest magnitude: the two sum in different
 * orders, so they agree to float rounding, not bit for bit. */
static double rel_err(const at::Tensor &got, const at::Tensor &want)
{
    if (!got.defined() || !want.defined())
        return got.defined() == want.defined() ? 0.0 : 1.0;
    double scale = want.abs().max().item<double>();
    return (got - want).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

static void check_case(const Case &c, bool bias, bool input_grad)
{
    torch::manual_seed(7);
    at::Tensor x0 = torch::randn({c.n, c.cin, c.h, c.h});
    at::Tensor w0 = torch::randn({c.cin, c.cout, c.k, c.k}) * 0.1;
    at::Tensor b0 = bias ? torch::randn({c.cout}) : at::Tensor();

    at::Tensor x1 = x0.clone().requires_grad_(input_grad), w1 = w0.clone().requires_grad_();
    at::Tensor x2 = x0.clone().requires_grad_(input_grad), w2 = w0.clone().requires_grad_();
    at::Tensor b1 = bias ? b0.clone().requires_grad_() : at::Tensor();
    at::Tensor b2 = bias ? b0.clone().requires_grad_() : at::Tensor();

    at::Tensor want = at::conv_transpose2d(x1, w1, b1, c.stride, c.padding);
    at::Tensor got = ts_conv_transpose2d(x2, w2, b2, c.stride, c.padding);
    CHECK(got.sizes() == want.sizes());
    if (got.sizes() != want.sizes())
        return;
    at::Tensor g = torch::randn(want.sizes());
    (want * g).sum().backward();
    (got * g).sum().backward();

    double e_y = rel_err(got, want), e_w = rel_err(w2.grad(), w1.grad());
    double e_x = input_grad ? rel_err(x2.grad(), x1.grad()) : 0.0;
    double e_b = bias ? rel_err(b2.grad(), b1.grad()) : 0.0;
    bool ok = e_y < 1e-5 && e_x < 1e-5 && e_w < 1e-5 && e_b < 1e-5;
    CHECK(ok);
    if (!input_grad)
        CHECK(!x2.grad().defined());
    if (!ok)
        fprintf(stderr, "  %s bias=%d input_grad=%d: relative errors y %.2g dx %.2g dw %.2g db %.2g\n",
                c.name, bias, input_grad, e_y, e_x, e_w, e_b);
}

int main()
{
    at::set_num_threads(2);
    const Case cases[] = {
        {"up1 (D=8)", 4, 32, 8, 7, 4, 2, 1},     /* UpConv: 7 -> 14 */
        {"up2 (D=8)", 4, 16, 8, 14, 4, 2, 1},    /* UpConv: 14 -> 28 */
        {"unflatten", 4, 16, 16, 1, 7, 7, 0},    /* Unflatten: 1 -> 7 */
        {"odd", 3, 5, 6, 5, 3, 2, 1},            /* stride 2, kernel 3 */
    };
    for (const Case &c : cases) {
        check_case(c, true, true);
        check_case(c, false, true);
    }
    check_case(cases[0], true, false);

    /* The trained path runs in float32 on the CPU; a double input takes
     * libtorch's own and still agrees. */
    at::Tensor x = torch::randn({2, 4, 3, 3}, at::kDouble), w = torch::randn({4, 2, 4, 4}, at::kDouble);
    CHECK(rel_err(ts_conv_transpose2d(x, w, at::Tensor(), 2, 1),
                  at::conv_transpose2d(x, w, {}, 2, 1)) < 1e-12);
    return check_report("test_conv_transpose");
}
