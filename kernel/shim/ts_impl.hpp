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

#endif
