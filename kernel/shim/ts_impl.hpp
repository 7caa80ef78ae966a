/*
 * ts_impl.hpp: what the shim's C++ files share (private to kernel/shim).
 *
 * ts.cpp owns the error machinery (the thread-local last error and the
 * guard that turns exceptions into a ts_status) and the C vocabulary of
 * devices and dtypes; unet.cpp, the Part B models, reaches them through
 * the few functions declared here.  Nothing here is exported from
 * libdiffuse_torch.so (hidden visibility).
 */
#ifndef DK_TS_IMPL_HPP
#define DK_TS_IMPL_HPP

#include "ts.h"

#include <ATen/ATen.h>

#include <cstddef>
#include <functional>

struct ts_tensor {
    at::Tensor t;
};

struct ts_generator {
    at::Generator g;
};

/* Run body() inside ts.cpp's guard: clears the last error, checks the
 * tensor arguments ins[0..nins) for NULL, maps any exception to TS_OOM or
 * TS_ERR with "op(shapes...): message" as the last error. */
ts_status ts_guarded(const char *op, const ts_tensor *const *ins, size_t nins,
                     const std::function<void()> &body) noexcept;

/* The at::Device of a ts device code (TS_CPU, n, TS_DEVICE_DEFAULT);
 * throws std::invalid_argument for a device that does not exist. */
at::Device ts_device(int device);

/* The ts device code of an at::Device (TS_CPU or the CUDA index). */
int ts_device_code(const at::Device &d);

/* ConvTranspose2d (groups 1, dilation 1, no output padding) of x [N, Cin,
 * H, W] with w [Cin, Cout, k, k] and bias b [Cout] (may be undefined),
 * differentiable; on the CPU in float32 it runs as oneDNN convolutions
 * (conv_transpose.cpp says why), elsewhere as at::conv_transpose2d. */
at::Tensor ts_conv_transpose2d(const at::Tensor &x, const at::Tensor &w,
                               const at::Tensor &b, int64_t stride, int64_t padding);

#endif
