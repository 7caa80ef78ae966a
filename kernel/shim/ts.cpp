/*
 * ts.cpp: the C API of ts.h over libtorch's ATen; the only C++ in the kernel.
 *
 * Built into libdiffuse_torch.so and reached through the TsApi table that
 * ts_api_v1() returns.  Every exported body runs inside guard() (or produce(),
 * its variant for functions that return a new tensor), which turns any C++
 * exception into a ts_status and a one-line message in a thread-local buffer.
 * Order of the catch clauses (most specific first):
 *   OOM class (c10::OutOfMemoryError from 1.13 on, c10::CUDAOutOfMemoryError
 *   before), std::bad_alloc, CPU allocator failures   -> TS_OOM
 *   c10::Error (first line of what_without_backtrace) -> TS_ERR
 *   std::exception, anything else                     -> TS_ERR
 *
 * Only API shared by libtorch 1.13 (Debian 12) and 2.x (the official CUDA
 * builds) is used: ATen functions, at::Generator, and the torch::nn::functional
 * pad and interpolate helpers.
 */
#include "ts.h"
#include "ts_impl.hpp"              /* ts_tensor, ts_generator, ts_guarded */

#include <ATen/ATen.h>              /* at::Tensor and the operators */
#include <ATen/CPUGeneratorImpl.h>  /* createCPUGenerator, getDefaultCPUGenerator */
#include <ATen/Parallel.h>          /* set_num_threads, get_num_threads */
#include <ATen/Version.h>           /* show_config */
#include <c10/util/Exception.h>     /* c10::Error, the OOM class */
#include <torch/cuda.h>             /* is_available, device_count */
#include <torch/nn/functional/padding.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/version.h>          /* TORCH_VERSION_MAJOR, ... */

#include <dlfcn.h>   /* dlopen, dladdr */
#include <limits.h>  /* PATH_MAX */
#include <stdlib.h>  /* realpath */
#include <sched.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#if TORCH_VERSION_MAJOR > 1 || (TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR >= 13)
using TsOomError = c10::OutOfMemoryError;
#else
using TsOomError = c10::CUDAOutOfMemoryError; /* its name up to 1.12 */
#endif

namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------
// The last error and the guard
// ---------------------------------------------------------------------------

static thread_local char last_err[1024];

extern "C" const char *ts_last_error(void)
{
    return last_err;
}

static ts_dtype ts_dtype_of(at::ScalarType s);

/* "[2, 3] float32", plus " cuda:0" off the CPU. */
static std::string describe(const at::Tensor &t)
{
    if (!t.defined())
        return "undefined";
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); i++) {
        if (i)
            s += ", ";
        s += std::to_string(t.size(i));
    }
    s += "] ";
    try {
        s += ts_dtype_name(ts_dtype_of(t.scalar_type()));
    } catch (const std::invalid_argument &) {
        s += c10::toString(t.scalar_type()); /* a dtype ts.h does not name */
    }
    if (!t.is_cpu())
        s += " " + t.device().str();
    return s;
}

/* Write "op(in1, in2): msg" (first line of msg only) into last_err.  Never
 * throws: if building the context fails, the bare message is kept. */
static void record(const char *op, const ts_tensor *const *ins, size_t nins,
                   const char *msg) noexcept
{
    size_t len = strcspn(msg, "\n");
    while (len > 0 && isspace((unsigned char)msg[len - 1]))
        len--;
    try {
        std::string ctx = op;
        if (nins > 0) {
            ctx += "(";
            for (size_t i = 0; i < nins; i++) {
                if (i)
                    ctx += ", ";
                ctx += ins[i] ? describe(ins[i]->t) : "NULL";
            }
            ctx += ")";
        }
        snprintf(last_err, sizeof last_err, "%s: %.*s", ctx.c_str(), (int)len,
                 msg);
    } catch (...) {
        snprintf(last_err, sizeof last_err, "%s: %.*s", op, (int)len, msg);
    }
}

/* Run body(); map whatever it throws to a status.  ins are the tensor
 * arguments, checked for NULL first and named in the message on failure. */
template <class Body>
static ts_status guard_n(const char *op, const ts_tensor *const *ins,
                         size_t nins, Body &&body) noexcept
{
    last_err[0] = '\0';
    for (size_t i = 0; i < nins; i++) {
        if (!ins[i]) {
            snprintf(last_err, sizeof last_err,
                     "%s: tensor argument %zu is NULL", op, i + 1);
            return TS_ERR;
        }
    }
    try {
        body();
        return TS_OK;
    } catch (const TsOomError &e) {
        record(op, ins, nins, e.what_without_backtrace());
        return TS_OOM;
    } catch (const c10::Error &e) {
        const char *msg = e.what_without_backtrace();
        record(op, ins, nins, msg);
        /* The CPU allocator raises a plain c10::Error in 1.13. */
        return strstr(msg, "not enough memory") ? TS_OOM : TS_ERR;
    } catch (const std::bad_alloc &) {
        record(op, ins, nins, "out of memory");
        return TS_OOM;
    } catch (const std::exception &e) {
        record(op, ins, nins, e.what());
        return TS_ERR;
    } catch (...) {
        record(op, ins, nins, "unknown C++ exception");
        return TS_ERR;
    }
}

template <class Body>
static ts_status guard(const char *op, std::initializer_list<const ts_tensor *> ins,
                       Body &&body) noexcept
{
    return guard_n(op, ins.begin(), ins.size(), body);
}

/* guard() for the functions that make one tensor: *out is NULL until make()
 * succeeded, then owns the result. */
template <class Make>
static ts_status produce(const char *op, ts_tensor **out,
                         std::initializer_list<const ts_tensor *> ins,
                         Make &&make) noexcept
{
    if (!out) {
        snprintf(last_err, sizeof last_err, "%s: out is NULL", op);
        return TS_ERR;
    }
    *out = nullptr;
    return guard_n(op, ins.begin(), ins.size(), [&] {
        at::Tensor r = make();
        *out = new ts_tensor{std::move(r)};
    });
}

/* The guard for the other shim files (ts_impl.hpp). */
ts_status ts_guarded(const char *op, const ts_tensor *const *ins, size_t nins,
                     const std::function<void()> &body) noexcept
{
    return guard_n(op, ins, nins, body);
}

// ---------------------------------------------------------------------------
// Conversions between the C vocabulary and ATen's
// ---------------------------------------------------------------------------

static at::ScalarType scalar_type(ts_dtype d)
{
    switch (d) {
    case TS_F32: return at::kFloat;
    case TS_F16: return at::kHalf;
    case TS_BF16: return at::kBFloat16;
    case TS_F64: return at::kDouble;
    case TS_I64: return at::kLong;
    case TS_I32: return at::kInt;
    case TS_U8: return at::kByte;
    case TS_BOOL: return at::kBool;
    case TS_I8: return at::kChar;
    default: break;
    }
    throw std::invalid_argument("unknown dtype code " + std::to_string((int)d));
}

static ts_dtype ts_dtype_of(at::ScalarType s)
{
    switch (s) {
    case at::kFloat: return TS_F32;
    case at::kHalf: return TS_F16;
    case at::kBFloat16: return TS_BF16;
    case at::kDouble: return TS_F64;
    case at::kLong: return TS_I64;
    case at::kInt: return TS_I32;
    case at::kByte: return TS_U8;
    case at::kBool: return TS_BOOL;
    case at::kChar: return TS_I8;
    default: break;
    }
    throw std::invalid_argument(std::string("dtype ") + c10::toString(s) +
                                " has no ts_dtype");
}

/* The device TS_DEVICE_DEFAULT stands for; resolved on first use. */
static const int DEVICE_UNSET = -100;
static int chosen_device = DEVICE_UNSET;

static int default_device()
{
    if (chosen_device == DEVICE_UNSET)
        chosen_device = torch::cuda::is_available() ? 0 : TS_CPU;
    return chosen_device;
}

static at::Device device_of(int d)
{
    if (d == TS_DEVICE_DEFAULT)
        d = default_device();
    if (d == TS_CPU)
        return at::Device(at::kCPU);
    if (d < 0)
        throw std::invalid_argument("unknown device code " + std::to_string(d));
    int n = (int)torch::cuda::device_count();
    if (d >= n)
        throw std::invalid_argument("there is no CUDA device " + std::to_string(d) +
                                    " (libtorch sees " + std::to_string(n) + ")");
    return at::Device(at::kCUDA, (c10::DeviceIndex)d);
}

at::Device ts_device(int d)
{
    return device_of(d);
}

int ts_device_code(const at::Device &d)
{
    if (d.is_cpu())
        return TS_CPU;
    if (d.is_cuda())
        return d.has_index() ? d.index() : 0;
    throw std::invalid_argument("device " + d.str() + " has no ts code");
}

static std::vector<int64_t> dims_of(const int64_t *dims, int n, const char *what)
{
    if (n < 0 || n > TS_MAX_DIMS)
        throw std::invalid_argument(std::string(what) + ": " + std::to_string(n) +
                                    " entries (0 to " +
                                    std::to_string(TS_MAX_DIMS) + " allowed)");
    if (n > 0 && !dims)
        throw std::invalid_argument(std::string(what) + " is NULL");
    return std::vector<int64_t>(dims, dims + n);
}

static at::TensorOptions options(ts_dtype dtype, int device)
{
    return at::TensorOptions().dtype(scalar_type(dtype)).device(device_of(device));
}

static std::vector<at::Tensor> tensor_list(const ts_tensor *const *xs, int n)
{
    if (n <= 0 || !xs)
        throw std::invalid_argument("needs at least one tensor");
    std::vector<at::Tensor> v;
    v.reserve((size_t)n);
    for (int i = 0; i < n; i++) {
        if (!xs[i])
            throw std::invalid_argument("tensor " + std::to_string(i + 1) +
                                        " of " + std::to_string(n) + " is NULL");
        v.push_back(xs[i]->t);
    }
    return v;
}

// ---------------------------------------------------------------------------
// Process set-up
// ---------------------------------------------------------------------------

static int usable_cores()
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The implementation a BLAS library file belongs to, from its real path;
 * NULL when the file is no BLAS. */
static const char *blas_kind(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (strstr(base, "mkl_"))
        return "MKL";
    if (strstr(path, "openblas"))
        return "OpenBLAS";
    if (strncmp(base, "libblis", 7) == 0 ||
        (strstr(path, "blis") && strncmp(base, "libblas", 7) == 0))
        return "BLIS";
    if (strstr(path, "atlas") && strncmp(base, "libblas", 7) == 0)
        return "ATLAS";
    if (strncmp(base, "libblas.so", 10) == 0)
        return "reference BLAS";
    return nullptr;
}

/* Find the BLAS that libtorch's sgemm_ calls reach.  Debian's libtorch links
 * libblas.so.3, resolved through the libblas.so.3-x86_64-linux-gnu
 * alternative; ask the loader which file defines sgemm_ in that library.
 * Scanning /proc/self/maps alone is not enough: with the reference BLAS
 * selected, OpenBLAS may still be mapped (liblapack.so.3 pulls it in) while
 * every sgemm_ goes to the reference one.  The maps scan remains the
 * fallback for a BLAS under another name (libmkl_rt, ...).  The official
 * builds link MKL statically: nothing shows up (see blas_build). */
static void find_blas(char *name, size_t name_cap, char *path, size_t path_cap)
{
    snprintf(name, name_cap, "none loaded");
    path[0] = '\0';
    void *h = dlopen("libblas.so.3", RTLD_LAZY | RTLD_NOLOAD);
    if (h) {
        void *sgemm = dlsym(h, "sgemm_");
        Dl_info info;
        char real[PATH_MAX];
        if (sgemm && dladdr(sgemm, &info) && info.dli_fname &&
            realpath(info.dli_fname, real)) {
            const char *kind = blas_kind(real);
            snprintf(name, name_cap, "%s", kind ? kind : "unknown BLAS");
            size_t n = strnlen(real, path_cap - 1); /* cut a very long path */
            memcpy(path, real, n);
            path[n] = '\0';
        }
        dlclose(h);
        if (path[0])
            return;
    }
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, '/');
        if (!p)
            continue;
        p[strcspn(p, "\n")] = '\0';
        const char *kind = blas_kind(p);
        if (kind) {
            snprintf(name, name_cap, "%s", kind);
            snprintf(path, path_cap, "%s", p);
            break;
        }
    }
    fclose(f);
}

/* libtorch's BLAS_INFO build setting, from at::show_config(). */
static void blas_build(char *out, size_t cap)
{
    std::string cfg = at::show_config();
    size_t pos = cfg.find("BLAS_INFO=");
    std::string v = "unknown";
    if (pos != std::string::npos) {
        pos += strlen("BLAS_INFO=");
        v = cfg.substr(pos, cfg.find_first_of(", \n", pos) - pos);
    }
    snprintf(out, cap, "%s", v.c_str());
}

/* GPU n's name and memory from the CUDA driver libtorch already loaded
 * (libcuda.so.1; RTLD_NOLOAD: never load it ourselves).  The driver API's
 * few calls used here take only ints, chars and size_t, so no CUDA header is
 * needed to build the shim. */
static void cuda_properties(int dev, char *name, size_t cap, uint64_t *mem)
{
    name[0] = '\0';
    *mem = 0;
    void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (!h)
        return;
    typedef int (*init_fn)(unsigned);
    typedef int (*get_fn)(int *, int);
    typedef int (*name_fn)(char *, int, int);
    typedef int (*mem_fn)(size_t *, int);
    init_fn cu_init = reinterpret_cast<init_fn>(dlsym(h, "cuInit"));
    get_fn cu_get = reinterpret_cast<get_fn>(dlsym(h, "cuDeviceGet"));
    name_fn cu_name = reinterpret_cast<name_fn>(dlsym(h, "cuDeviceGetName"));
    mem_fn cu_mem = reinterpret_cast<mem_fn>(dlsym(h, "cuDeviceTotalMem_v2"));
    int cudev = 0;
    if (cu_init && cu_get && cu_init(0) == 0 && cu_get(&cudev, dev) == 0) {
        if (cu_name && cu_name(name, (int)cap, cudev) != 0)
            name[0] = '\0';
        size_t bytes = 0;
        if (cu_mem && cu_mem(&bytes, cudev) == 0)
            *mem = bytes;
    }
    dlclose(h);
}

extern "C" ts_status ts_info(ts_device_info *out)
{
    return guard("info", {}, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        ts_device_info d;
        memset(&d, 0, sizeof d);
        d.torch_major = TORCH_VERSION_MAJOR;
        d.torch_minor = TORCH_VERSION_MINOR;
        d.torch_patch = TORCH_VERSION_PATCH;
        d.cuda_available = torch::cuda::is_available() ? 1 : 0;
        d.cuda_count = d.cuda_available ? (int)torch::cuda::device_count() : 0;
        if (d.cuda_count > 0)
            cuda_properties(0, d.cuda_name, sizeof d.cuda_name, &d.cuda_memory);
        d.device = default_device();
        d.threads = at::get_num_threads();
        d.cores = usable_cores();
        blas_build(d.blas_build, sizeof d.blas_build);
        find_blas(d.blas_name, sizeof d.blas_name, d.blas_path, sizeof d.blas_path);
        if (!d.blas_path[0] && strcmp(d.blas_build, "mkl") == 0)
            snprintf(d.blas_name, sizeof d.blas_name, "MKL");
        *out = d;
    });
}

extern "C" ts_status ts_set_device(int device)
{
    return guard("set_device", {}, [&] {
        if (device == TS_DEVICE_DEFAULT)
            throw std::invalid_argument("give TS_CPU or a CUDA index");
        device_of(device); /* throws unless it exists */
        chosen_device = device;
    });
}

extern "C" ts_status ts_set_threads(int n, int *got)
{
    return guard("set_threads", {}, [&] {
        at::set_num_threads(n > 0 ? n : usable_cores());
        if (got)
            *got = at::get_num_threads();
    });
}

extern "C" ts_status ts_manual_seed(uint64_t seed)
{
    return guard("manual_seed", {}, [&] { at::manual_seed(seed); });
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

extern "C" ts_status ts_generator_new(ts_generator **out, uint64_t seed)
{
    return guard("generator_new", {}, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        *out = nullptr;
        *out = new ts_generator{at::detail::createCPUGenerator(seed)};
    });
}

extern "C" void ts_generator_free(ts_generator *g)
{
    delete g;
}

// ---------------------------------------------------------------------------
// Tensors: life cycle and queries
// ---------------------------------------------------------------------------

extern "C" void ts_tensor_free(ts_tensor *t)
{
    delete t;
}

extern "C" ts_status ts_tensor_from_data(ts_tensor **out, const void *data,
                                         const int64_t *shape, int ndim,
                                         ts_dtype dtype)
{
    return produce("tensor_from_data", out, {}, [&] {
        std::vector<int64_t> s = dims_of(shape, ndim, "shape");
        at::TensorOptions o = at::TensorOptions().dtype(scalar_type(dtype));
        int64_t n = 1;
        for (int64_t k : s) {
            if (k < 0)
                throw std::invalid_argument("negative dimension " + std::to_string(k));
            n *= k;
        }
        if (n == 0)
            return at::empty(s, o);
        if (!data)
            throw std::invalid_argument("data is NULL");
        return at::from_blob(const_cast<void *>(data), s, o).clone();
    });
}

extern "C" ts_status ts_tensor_to_data(const ts_tensor *t, void *data,
                                       int64_t numel, ts_dtype dtype)
{
    return guard("tensor_to_data", {t}, [&] {
        if (t->t.numel() != numel)
            throw std::invalid_argument("the buffer holds " + std::to_string(numel) +
                                        " elements, the tensor " +
                                        std::to_string(t->t.numel()));
        if (numel == 0)
            return;
        if (!data)
            throw std::invalid_argument("data is NULL");
        at::Tensor c = t->t.to(at::kCPU, scalar_type(dtype)).contiguous();
        memcpy(data, c.data_ptr(), (size_t)numel * c.element_size());
    });
}

extern "C" ts_status ts_tensor_shape(const ts_tensor *t, int64_t *dims, int cap,
                                     int *ndim)
{
    return guard("tensor_shape", {t}, [&] {
        if (!ndim)
            throw std::invalid_argument("ndim is NULL");
        int64_t n = t->t.dim();
        *ndim = (int)n;
        if (n > cap)
            throw std::invalid_argument("rank " + std::to_string(n) +
                                        " does not fit in " + std::to_string(cap));
        if (n > 0 && !dims)
            throw std::invalid_argument("dims is NULL");
        for (int64_t i = 0; i < n; i++)
            dims[i] = t->t.size(i);
    });
}

extern "C" ts_status ts_tensor_dtype(const ts_tensor *t, ts_dtype *out)
{
    return guard("tensor_dtype", {t}, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        *out = ts_dtype_of(t->t.scalar_type());
    });
}

extern "C" ts_status ts_tensor_device(const ts_tensor *t, int *out)
{
    return guard("tensor_device", {t}, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        *out = ts_device_code(t->t.device());
    });
}

extern "C" ts_status ts_tensor_item(const ts_tensor *t, double *out)
{
    return guard("tensor_item", {t}, [&] {
        if (!out)
            throw std::invalid_argument("out is NULL");
        *out = t->t.item<double>();
    });
}

// ---------------------------------------------------------------------------
// Tensors: creation
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_zeros(ts_tensor **out, const int64_t *shape,
                                     int ndim, ts_dtype dtype, int device)
{
    return produce("tensor_zeros", out, {}, [&] {
        return at::zeros(dims_of(shape, ndim, "shape"), options(dtype, device));
    });
}

extern "C" ts_status ts_tensor_ones(ts_tensor **out, const int64_t *shape,
                                    int ndim, ts_dtype dtype, int device)
{
    return produce("tensor_ones", out, {}, [&] {
        return at::ones(dims_of(shape, ndim, "shape"), options(dtype, device));
    });
}

extern "C" ts_status ts_tensor_full(ts_tensor **out, const int64_t *shape,
                                    int ndim, double value, ts_dtype dtype,
                                    int device)
{
    return produce("tensor_full", out, {}, [&] {
        return at::full(dims_of(shape, ndim, "shape"), value, options(dtype, device));
    });
}

/* Noise drawn on the CPU in float32, then moved and cast: the same stream
 * gives the same numbers on every device and dtype.  Standard normal, or
 * uniform in [0, 1) when `uniform`. */
static at::Tensor noise(at::IntArrayRef shape, ts_generator *g, at::ScalarType st,
                        at::Device dev, bool uniform = false)
{
    if (!at::isFloatingType(st))
        throw std::invalid_argument(std::string("noise needs a floating dtype, not ") +
                                    c10::toString(st));
    at::Generator gen = g ? g->g : at::detail::getDefaultCPUGenerator();
    at::TensorOptions f32 = at::TensorOptions().dtype(at::kFloat);
    at::Tensor x = uniform ? at::rand(shape, gen, f32) : at::randn(shape, gen, f32);
    return x.to(dev, st);
}

extern "C" ts_status ts_tensor_randn(ts_tensor **out, const int64_t *shape,
                                     int ndim, ts_dtype dtype, int device,
                                     ts_generator *g)
{
    return produce("tensor_randn", out, {}, [&] {
        return noise(dims_of(shape, ndim, "shape"), g, scalar_type(dtype),
                     device_of(device));
    });
}

extern "C" ts_status ts_tensor_rand(ts_tensor **out, const int64_t *shape,
                                    int ndim, ts_dtype dtype, int device,
                                    ts_generator *g)
{
    return produce("tensor_rand", out, {}, [&] {
        return noise(dims_of(shape, ndim, "shape"), g, scalar_type(dtype),
                     device_of(device), true);
    });
}

extern "C" ts_status ts_tensor_randn_like(ts_tensor **out, const ts_tensor *x,
                                          ts_generator *g)
{
    return produce("tensor_randn_like", out, {x}, [&] {
        return noise(x->t.sizes(), g, x->t.scalar_type(), x->t.device());
    });
}

// ---------------------------------------------------------------------------
// Tensors: arithmetic
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_add(ts_tensor **out, const ts_tensor *a,
                                   const ts_tensor *b)
{
    return produce("add", out, {a, b}, [&] { return at::add(a->t, b->t); });
}

extern "C" ts_status ts_tensor_sub(ts_tensor **out, const ts_tensor *a,
                                   const ts_tensor *b)
{
    return produce("sub", out, {a, b}, [&] { return at::sub(a->t, b->t); });
}

extern "C" ts_status ts_tensor_mul(ts_tensor **out, const ts_tensor *a,
                                   const ts_tensor *b)
{
    return produce("mul", out, {a, b}, [&] { return at::mul(a->t, b->t); });
}

extern "C" ts_status ts_tensor_div(ts_tensor **out, const ts_tensor *a,
                                   const ts_tensor *b)
{
    return produce("div", out, {a, b}, [&] { return at::div(a->t, b->t); });
}

extern "C" ts_status ts_tensor_add_scalar(ts_tensor **out, const ts_tensor *a,
                                          double s)
{
    return produce("add_scalar", out, {a}, [&] { return at::add(a->t, s); });
}

extern "C" ts_status ts_tensor_sub_scalar(ts_tensor **out, const ts_tensor *a,
                                          double s)
{
    return produce("sub_scalar", out, {a}, [&] { return at::sub(a->t, s); });
}

extern "C" ts_status ts_tensor_mul_scalar(ts_tensor **out, const ts_tensor *a,
                                          double s)
{
    return produce("mul_scalar", out, {a}, [&] { return at::mul(a->t, s); });
}

extern "C" ts_status ts_tensor_div_scalar(ts_tensor **out, const ts_tensor *a,
                                          double s)
{
    return produce("div_scalar", out, {a}, [&] { return at::div(a->t, s); });
}

extern "C" ts_status ts_tensor_axpby(ts_tensor **out, double alpha,
                                     const ts_tensor *a, double beta,
                                     const ts_tensor *b)
{
    return produce("axpby", out, {a, b}, [&] {
        return at::add(at::mul(a->t, alpha), b->t, beta);
    });
}

extern "C" ts_status ts_tensor_sqrt(ts_tensor **out, const ts_tensor *x)
{
    return produce("sqrt", out, {x}, [&] { return at::sqrt(x->t); });
}

extern "C" ts_status ts_tensor_exp(ts_tensor **out, const ts_tensor *x)
{
    return produce("exp", out, {x}, [&] { return at::exp(x->t); });
}

extern "C" ts_status ts_tensor_clamp(ts_tensor **out, const ts_tensor *x,
                                     double lo, double hi)
{
    return produce("clamp", out, {x}, [&] {
        bool has_lo = !(std::isinf(lo) && lo < 0), has_hi = !(std::isinf(hi) && hi > 0);
        if (has_lo && has_hi)
            return at::clamp(x->t, at::Scalar(lo), at::Scalar(hi));
        if (has_lo)
            return at::clamp_min(x->t, lo);
        if (has_hi)
            return at::clamp_max(x->t, hi);
        return x->t.clone();
    });
}

// ---------------------------------------------------------------------------
// Tensors: reductions
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_mean(ts_tensor **out, const ts_tensor *x,
                                    const int64_t *dims, int ndims, int keepdim)
{
    return produce("mean", out, {x}, [&] {
        std::vector<int64_t> d = dims_of(dims, ndims, "dims");
        if (d.empty())
            return at::mean(x->t);
        return at::mean(x->t, at::IntArrayRef(d), keepdim != 0);
    });
}

extern "C" ts_status ts_tensor_std(ts_tensor **out, const ts_tensor *x,
                                   const int64_t *dims, int ndims, int keepdim)
{
    return produce("std", out, {x}, [&] {
        std::vector<int64_t> d = dims_of(dims, ndims, "dims");
        if (d.empty())
            return at::std(x->t, /*unbiased=*/true);
        return at::std(x->t, at::IntArrayRef(d), /*unbiased=*/true, keepdim != 0);
    });
}

// ---------------------------------------------------------------------------
// Tensors: linear algebra and convolution
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_matmul(ts_tensor **out, const ts_tensor *a,
                                      const ts_tensor *b)
{
    return produce("matmul", out, {a, b}, [&] { return at::matmul(a->t, b->t); });
}

extern "C" ts_status ts_tensor_conv2d(ts_tensor **out, const ts_tensor *x,
                                      const ts_tensor *w, const ts_tensor *bias,
                                      const int64_t stride[2],
                                      const int64_t padding[2], int64_t groups)
{
    if (!bias)
        return produce("conv2d", out, {x, w}, [&] {
            if (!stride || !padding)
                throw std::invalid_argument("stride and padding are (h, w) pairs");
            return at::conv2d(x->t, w->t, c10::nullopt, at::IntArrayRef(stride, 2),
                              at::IntArrayRef(padding, 2), {1, 1}, groups);
        });
    return produce("conv2d", out, {x, w, bias}, [&] {
        if (!stride || !padding)
            throw std::invalid_argument("stride and padding are (h, w) pairs");
        return at::conv2d(x->t, w->t, bias->t, at::IntArrayRef(stride, 2),
                          at::IntArrayRef(padding, 2), {1, 1}, groups);
    });
}

// ---------------------------------------------------------------------------
// Tensors: resampling
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_pad(ts_tensor **out, const ts_tensor *x,
                                   const int64_t *pads, int npads,
                                   ts_pad_mode mode, double value)
{
    return produce("pad", out, {x}, [&] {
        std::vector<int64_t> p = dims_of(pads, npads, "pads");
        F::PadFuncOptions o(p);
        switch (mode) {
        case TS_PAD_CONSTANT: o.mode(torch::kConstant).value(value); break;
        case TS_PAD_REFLECT: o.mode(torch::kReflect); break;
        case TS_PAD_REPLICATE: o.mode(torch::kReplicate); break;
        case TS_PAD_CIRCULAR: o.mode(torch::kCircular); break;
        default:
            throw std::invalid_argument("unknown pad mode " + std::to_string((int)mode));
        }
        return F::pad(x->t, o);
    });
}

extern "C" ts_status ts_tensor_interpolate(ts_tensor **out, const ts_tensor *x,
                                           int64_t height, int64_t width,
                                           ts_interp mode, int align_corners,
                                           int antialias)
{
    return produce("interpolate", out, {x}, [&] {
        if (x->t.dim() != 4)
            throw std::invalid_argument("needs an (N, C, H, W) tensor");
        F::InterpolateFuncOptions o;
        o.size(std::vector<int64_t>{height, width});
        switch (mode) {
        case TS_INTERP_NEAREST: o.mode(torch::kNearest); break;
        case TS_INTERP_BILINEAR:
            o.mode(torch::kBilinear).align_corners(align_corners != 0)
                .antialias(antialias != 0);
            break;
        case TS_INTERP_BICUBIC:
            o.mode(torch::kBicubic).align_corners(align_corners != 0)
                .antialias(antialias != 0);
            break;
        default:
            throw std::invalid_argument("unknown interpolation mode " +
                                        std::to_string((int)mode));
        }
        return F::interpolate(x->t, o);
    });
}

// ---------------------------------------------------------------------------
// Tensors: devices and types
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_to_device(ts_tensor **out, const ts_tensor *x,
                                         int device)
{
    return produce("to_device", out, {x}, [&] { return x->t.to(device_of(device)); });
}

extern "C" ts_status ts_tensor_to_dtype(ts_tensor **out, const ts_tensor *x,
                                        ts_dtype dtype)
{
    return produce("to_dtype", out, {x}, [&] { return x->t.to(scalar_type(dtype)); });
}

// ---------------------------------------------------------------------------
// Tensors: shape
// ---------------------------------------------------------------------------

extern "C" ts_status ts_tensor_reshape(ts_tensor **out, const ts_tensor *x,
                                       const int64_t *shape, int ndim)
{
    return produce("reshape", out, {x}, [&] {
        return x->t.reshape(dims_of(shape, ndim, "shape"));
    });
}

extern "C" ts_status ts_tensor_permute(ts_tensor **out, const ts_tensor *x,
                                       const int64_t *perm, int ndim)
{
    return produce("permute", out, {x}, [&] {
        return x->t.permute(dims_of(perm, ndim, "perm"));
    });
}

extern "C" ts_status ts_tensor_cat(ts_tensor **out, const ts_tensor *const *xs,
                                   int n, int64_t dim)
{
    return produce("cat", out, {}, [&] {
        std::vector<at::Tensor> v = tensor_list(xs, n);
        return at::cat(at::TensorList(v), dim);
    });
}

extern "C" ts_status ts_tensor_stack(ts_tensor **out, const ts_tensor *const *xs,
                                     int n, int64_t dim)
{
    return produce("stack", out, {}, [&] {
        std::vector<at::Tensor> v = tensor_list(xs, n);
        return at::stack(at::TensorList(v), dim);
    });
}

extern "C" ts_status ts_tensor_select(ts_tensor **out, const ts_tensor *x,
                                      int64_t dim, int64_t index)
{
    return produce("select", out, {x}, [&] { return x->t.select(dim, index); });
}

extern "C" ts_status ts_tensor_slice(ts_tensor **out, const ts_tensor *x,
                                     int64_t dim, int64_t start, int64_t end,
                                     int64_t step)
{
    return produce("slice", out, {x}, [&] {
        return x->t.slice(dim, start, end, step);
    });
}

extern "C" ts_status ts_tensor_flip(ts_tensor **out, const ts_tensor *x,
                                    const int64_t *dims, int ndims)
{
    return produce("flip", out, {x}, [&] {
        return at::flip(x->t, dims_of(dims, ndims, "dims"));
    });
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

extern "C" const TsApi *ts_api_v1(void)
{
#define TS_API_ENTRY(name) ts_##name,
    static const TsApi api = {
        TS_API_VERSION,
        (int)sizeof(TsApi),
        TORCH_VERSION,
        TS_API_FUNCS(TS_API_ENTRY)
    };
#undef TS_API_ENTRY
    return &api;
}
