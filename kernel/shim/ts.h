/*
 * ts.h: the C face of libtorch, the only header the rest of the kernel sees.
 *
 * The implementation (ts.cpp, C++) is built into a shared library,
 * libdiffuse_torch.so, that the kernel loads with dlopen on the first command
 * that needs tensors (kernel/backend/backend.h).  That keeps libtorch, its
 * 200 MB of code and its start-up cost out of the protocol core.  The library
 * exports ONE symbol, ts_api_v1, which returns a table (TsApi, at the end of
 * this file) holding a pointer to every function declared here; C code calls
 * through that table: `api->tensor_add(&y, a, b)`.  The prototypes below are
 * the contract of each table entry; the symbols themselves are hidden.
 *
 * The rules, after tch-rs's torch-sys:
 *  - Handles are distinct opaque types (ts_tensor, ts_generator, ts_module,
 *    ts_optim), so the compiler tells them apart.
 *  - Every function returns a ts_status and writes results through
 *    out-parameters.  No C++ exception ever crosses into C.
 *  - On failure the message sits in a shim-owned, thread-local buffer read
 *    with ts_last_error(): one line, "op(shape dtype, ...): what libtorch
 *    said", valid until the next call into the shim.  Nothing to free.
 *  - Every returned handle belongs to the caller and is released with its
 *    kind's free function (NULL is a no-op).  Arguments are borrowed.  On
 *    error *out is NULL and the inputs are unchanged.
 *  - Handles are values: no function here writes into an input tensor.
 *    tensor_select, tensor_slice, tensor_reshape and tensor_permute may
 *    return views sharing memory with their input, and tensor_to_device and
 *    tensor_to_dtype return the input's memory when nothing changes; that is
 *    invisible as long as nothing writes in place.
 *  - Devices are ints: TS_CPU (-1) or a CUDA index (0, 1, ...);
 *    TS_DEVICE_DEFAULT means "the chosen device" (CUDA 0 when there is one,
 *    else the CPU; ts_set_device changes it).
 *  - Shapes are (const int64_t *shape, int ndim), at most TS_MAX_DIMS dims.
 *
 * Interrupts: every function here is one bounded libtorch call (a few ms to a
 * few s at the sizes the course uses; a whole UNet forward or training step
 * is one such call) and libtorch cannot be stopped inside a kernel, so the
 * loops that poll dk_interrupted() live above the shim, between calls.  No
 * function returns TS_INTERRUPTED today; the status is kept so that a
 * future call long enough to need stopping inside (a large model's forward
 * polling between blocks) can report it without an ABI change.
 */
#ifndef DK_TS_H
#define DK_TS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change to TsApi, a struct or an enum below; the loader refuses
 * a library built for another version. */
#define TS_API_VERSION 5

#define TS_MAX_DIMS 8

typedef enum {
    TS_OK = 0,
    TS_ERR,         /* libtorch refused: bad shape, dtype, argument ... */
    TS_OOM,         /* out of memory (GPU or host) */
    TS_INTERRUPTED  /* stopped by an interrupt check (none yet, see above) */
} ts_status;

#if defined(__GNUC__)
#define TS_MUST_CHECK __attribute__((warn_unused_result))
#else
#define TS_MUST_CHECK
#endif

typedef struct ts_tensor ts_tensor;
typedef struct ts_generator ts_generator;
typedef struct ts_module ts_module;   /* a network with its parameters */
typedef struct ts_optim ts_optim;     /* an optimizer over a ts_module */

/* TS_ENUM_RANGE: each enum taken as an argument ends with two entries that
 * are no values (*_RANGE_MIN_, *_RANGE_MAX_).  They make every int a valid
 * value of the enum in C++, where a value outside an enum's range is
 * undefined behaviour, so a bad code from C is reported as TS_ERR. */

/* Element types.  ORDER MATTERS: ts.cpp maps them by value. */
typedef enum {
    TS_F32 = 0,
    TS_F16,
    TS_BF16,
    TS_F64,
    TS_I64,
    TS_I32,
    TS_U8,
    TS_BOOL,
    TS_I8,
    TS_DTYPE_RANGE_MIN_ = -0x7fffffff - 1, /* see TS_ENUM_RANGE */
    TS_DTYPE_RANGE_MAX_ = 0x7fffffff
} ts_dtype;

#define TS_CPU (-1)
#define TS_DEVICE_DEFAULT (-2)

typedef enum {
    TS_INTERP_NEAREST = 0,
    TS_INTERP_BILINEAR,
    TS_INTERP_BICUBIC,
    TS_INTERP_RANGE_MIN_ = -0x7fffffff - 1, /* see TS_ENUM_RANGE */
    TS_INTERP_RANGE_MAX_ = 0x7fffffff
} ts_interp;

typedef enum {
    TS_PAD_CONSTANT = 0,
    TS_PAD_REFLECT,
    TS_PAD_REPLICATE,
    TS_PAD_CIRCULAR,
    TS_PAD_RANGE_MIN_ = -0x7fffffff - 1, /* see TS_ENUM_RANGE */
    TS_PAD_RANGE_MAX_ = 0x7fffffff
} ts_pad_mode;

/* What the process runs on; filled by ts_info. */
typedef struct ts_device_info {
    int torch_major, torch_minor, torch_patch; /* libtorch's version */
    int cuda_available;   /* libtorch has CUDA and sees at least one GPU */
    int cuda_count;       /* number of GPUs it sees */
    char cuda_name[128];  /* GPU 0's name, "" when there is none */
    uint64_t cuda_memory; /* GPU 0's total memory in bytes, 0 if unknown */
    int device;           /* the chosen device: TS_CPU or a CUDA index */
    int threads;          /* libtorch's intra-op thread count */
    int cores;            /* CPUs this process may run on */
    char blas_build[32];  /* libtorch's build setting BLAS_INFO: "generic"
                             (Debian: whatever libblas.so.3 the system
                             selects), "mkl" (official builds, linked in) */
    char blas_name[32];   /* "OpenBLAS", "reference BLAS", "MKL", "BLIS",
                             "ATLAS", "none loaded" */
    char blas_path[256];  /* the file that defines the sgemm_ libtorch
                             calls (real path); "" when none is loaded (MKL
                             linked into libtorch shows as "MKL", no path) */
} ts_device_info;

/* The element type's name: "float32", "uint8", ...; "?" if out of range. */
static inline const char *ts_dtype_name(ts_dtype d)
{
    static const char *const names[] = {"float32", "float16", "bfloat16",
                                        "float64", "int64",   "int32",
                                        "uint8",   "bool",    "int8"};
    return (unsigned)d < sizeof names / sizeof names[0] ? names[d] : "?";
}

/* ---- errors --------------------------------------------------------------- */

/* The message of the last failed call on this thread, "" after a success.
 * Owned by the shim; valid until the next call. */
const char *ts_last_error(void);

/* ---- process set-up ------------------------------------------------------- */

/* Fill *out with libtorch's version, the GPUs it sees, the chosen device,
 * the thread count and the BLAS library the process loaded. */
ts_status ts_info(ts_device_info *out) TS_MUST_CHECK;

/* Choose the device that TS_DEVICE_DEFAULT means: TS_CPU forces the CPU,
 * n >= 0 picks CUDA n (TS_ERR if there is no such GPU). */
ts_status ts_set_device(int device) TS_MUST_CHECK;

/* Set libtorch's intra-op thread count; n <= 0 means one per core the
 * process may run on (Debian's libtorch starts with 1).  *got (may be NULL)
 * receives the count libtorch reports afterwards. */
ts_status ts_set_threads(int n, int *got) TS_MUST_CHECK;

/* Seed libtorch's global generators (CPU and every GPU). */
ts_status ts_manual_seed(uint64_t seed) TS_MUST_CHECK;

/* ---- generators ----------------------------------------------------------- */

/* A private random stream seeded with `seed`.  It lives on the CPU: noise is
 * drawn there in float32 and then moved and cast, so one seed gives the same
 * numbers on every device and dtype. */
ts_status ts_generator_new(ts_generator **out, uint64_t seed) TS_MUST_CHECK;
void ts_generator_free(ts_generator *g);

/* ---- tensors: life cycle and queries ---------------------------------------- */

void ts_tensor_free(ts_tensor *t);

/* A new CPU tensor holding a copy of `data`, read as elements of `dtype` in
 * row-major order; shape[0..ndim) (ndim 0 = a scalar). */
ts_status ts_tensor_from_data(ts_tensor **out, const void *data,
                              const int64_t *shape, int ndim,
                              ts_dtype dtype) TS_MUST_CHECK;

/* Copy t's elements out, converted to `dtype`, row-major, whatever t's
 * device and layout.  `numel` must equal t's element count. */
ts_status ts_tensor_to_data(const ts_tensor *t, void *data, int64_t numel,
                            ts_dtype dtype) TS_MUST_CHECK;

/* t's shape into dims[0..cap); *ndim gets the true rank (TS_ERR if > cap). */
ts_status ts_tensor_shape(const ts_tensor *t, int64_t *dims, int cap,
                          int *ndim) TS_MUST_CHECK;
ts_status ts_tensor_dtype(const ts_tensor *t, ts_dtype *out) TS_MUST_CHECK;
/* TS_CPU or the CUDA index. */
ts_status ts_tensor_device(const ts_tensor *t, int *out) TS_MUST_CHECK;
/* The value of a one-element tensor, as a double. */
ts_status ts_tensor_item(const ts_tensor *t, double *out) TS_MUST_CHECK;

/* ---- tensors: creation ------------------------------------------------------ */

ts_status ts_tensor_zeros(ts_tensor **out, const int64_t *shape, int ndim,
                          ts_dtype dtype, int device) TS_MUST_CHECK;
ts_status ts_tensor_ones(ts_tensor **out, const int64_t *shape, int ndim,
                         ts_dtype dtype, int device) TS_MUST_CHECK;
ts_status ts_tensor_full(ts_tensor **out, const int64_t *shape, int ndim,
                         double value, ts_dtype dtype,
                         int device) TS_MUST_CHECK;

/* Standard normal noise.  g NULL draws from the global CPU generator
 * (ts_manual_seed); either way the draw happens on the CPU (see
 * ts_generator_new).  dtype must be a floating type. */
ts_status ts_tensor_randn(ts_tensor **out, const int64_t *shape, int ndim,
                          ts_dtype dtype, int device,
                          ts_generator *g) TS_MUST_CHECK;
/* Noise with x's shape, dtype and device. */
ts_status ts_tensor_randn_like(ts_tensor **out, const ts_tensor *x,
                               ts_generator *g) TS_MUST_CHECK;

/* ---- tensors: arithmetic (broadcasting as in PyTorch) ---------------------- */

ts_status ts_tensor_add(ts_tensor **out, const ts_tensor *a,
                        const ts_tensor *b) TS_MUST_CHECK;
ts_status ts_tensor_sub(ts_tensor **out, const ts_tensor *a,
                        const ts_tensor *b) TS_MUST_CHECK;
ts_status ts_tensor_mul(ts_tensor **out, const ts_tensor *a,
                        const ts_tensor *b) TS_MUST_CHECK;
ts_status ts_tensor_div(ts_tensor **out, const ts_tensor *a,
                        const ts_tensor *b) TS_MUST_CHECK;
/* a + s, a - s, a * s, a / s. */
ts_status ts_tensor_add_scalar(ts_tensor **out, const ts_tensor *a,
                               double s) TS_MUST_CHECK;
ts_status ts_tensor_sub_scalar(ts_tensor **out, const ts_tensor *a,
                               double s) TS_MUST_CHECK;
ts_status ts_tensor_mul_scalar(ts_tensor **out, const ts_tensor *a,
                               double s) TS_MUST_CHECK;
ts_status ts_tensor_div_scalar(ts_tensor **out, const ts_tensor *a,
                               double s) TS_MUST_CHECK;
/* alpha*a + beta*b in one call: the forward process
 * (sqrt(ab)*x0 + sqrt(1-ab)*eps), a DDPM or Euler step, CFG. */
ts_status ts_tensor_axpby(ts_tensor **out, double alpha, const ts_tensor *a,
                          double beta, const ts_tensor *b) TS_MUST_CHECK;
ts_status ts_tensor_sqrt(ts_tensor **out, const ts_tensor *x) TS_MUST_CHECK;
/* e^x element-wise (added in version 3: the learned variance
 * exp(0.5 log σ²)). */
ts_status ts_tensor_exp(ts_tensor **out, const ts_tensor *x) TS_MUST_CHECK;
/* Clamp to [lo, hi]; pass -INFINITY or INFINITY for an open side. */
ts_status ts_tensor_clamp(ts_tensor **out, const ts_tensor *x, double lo,
                          double hi) TS_MUST_CHECK;

/* ---- tensors: reductions ---------------------------------------------------- */

/* Mean (std: unbiased standard deviation) over dims[0..ndims); ndims 0
 * reduces over everything to a scalar.  keepdim keeps reduced dims as 1. */
ts_status ts_tensor_mean(ts_tensor **out, const ts_tensor *x,
                         const int64_t *dims, int ndims,
                         int keepdim) TS_MUST_CHECK;
ts_status ts_tensor_std(ts_tensor **out, const ts_tensor *x,
                        const int64_t *dims, int ndims,
                        int keepdim) TS_MUST_CHECK;

/* ---- tensors: linear algebra and convolution ------------------------------- */

ts_status ts_tensor_matmul(ts_tensor **out, const ts_tensor *a,
                           const ts_tensor *b) TS_MUST_CHECK;

/* 2-D convolution. x: (N, C, H, W); w: (O, C/groups, kh, kw); bias: (O) or
 * NULL; stride and padding are (h, w) pairs; zero padding.  A depthwise
 * blur is groups = C with w of shape (C, 1, kh, kw). */
ts_status ts_tensor_conv2d(ts_tensor **out, const ts_tensor *x,
                           const ts_tensor *w, const ts_tensor *bias,
                           const int64_t stride[2], const int64_t padding[2],
                           int64_t groups) TS_MUST_CHECK;

/* ---- tensors: resampling ---------------------------------------------------- */

/* Pad the last dims: pads = (left, right[, top, bottom[, front, back]]), as
 * torch.nn.functional.pad.  `value` is used by TS_PAD_CONSTANT only;
 * reflect/replicate/circular need a 3-D, 4-D or 5-D x. */
ts_status ts_tensor_pad(ts_tensor **out, const ts_tensor *x,
                        const int64_t *pads, int npads, ts_pad_mode mode,
                        double value) TS_MUST_CHECK;

/* Resize x (N, C, H, W) to (N, C, height, width).  align_corners and
 * antialias apply to bilinear and bicubic only (antialias matters when
 * shrinking, like PIL); nearest ignores both. */
ts_status ts_tensor_interpolate(ts_tensor **out, const ts_tensor *x,
                                int64_t height, int64_t width,
                                ts_interp mode, int align_corners,
                                int antialias) TS_MUST_CHECK;

/* ---- tensors: devices and types --------------------------------------------- */

/* x on `device` (TS_CPU, a CUDA index, TS_DEVICE_DEFAULT), or in `dtype`:
 * a converted copy, or x's own memory when it is already there. */
ts_status ts_tensor_to_device(ts_tensor **out, const ts_tensor *x,
                              int device) TS_MUST_CHECK;
ts_status ts_tensor_to_dtype(ts_tensor **out, const ts_tensor *x,
                             ts_dtype dtype) TS_MUST_CHECK;

/* ---- tensors: shape ----------------------------------------------------------- */

/* Same elements, new shape (one entry may be -1). */
ts_status ts_tensor_reshape(ts_tensor **out, const ts_tensor *x,
                            const int64_t *shape, int ndim) TS_MUST_CHECK;
/* Reorder dims: out dim i is x's dim perm[i] (HWC -> CHW is {2, 0, 1}). */
ts_status ts_tensor_permute(ts_tensor **out, const ts_tensor *x,
                            const int64_t *perm, int ndim) TS_MUST_CHECK;
/* Join n tensors along an existing dim (cat) or a new one (stack). */
ts_status ts_tensor_cat(ts_tensor **out, const ts_tensor *const *xs, int n,
                        int64_t dim) TS_MUST_CHECK;
ts_status ts_tensor_stack(ts_tensor **out, const ts_tensor *const *xs, int n,
                          int64_t dim) TS_MUST_CHECK;
/* x[..., index, ...] along dim; the dim disappears.  Negative counts from
 * the end, as in Python. */
ts_status ts_tensor_select(ts_tensor **out, const ts_tensor *x, int64_t dim,
                           int64_t index) TS_MUST_CHECK;
/* x[..., start:end:step, ...] along dim (Python semantics, step > 0). */
ts_status ts_tensor_slice(ts_tensor **out, const ts_tensor *x, int64_t dim,
                          int64_t start, int64_t end,
                          int64_t step) TS_MUST_CHECK;
/* Reverse the order along each of dims[0..ndims). */
ts_status ts_tensor_flip(ts_tensor **out, const ts_tensor *x,
                         const int64_t *dims, int ndims) TS_MUST_CHECK;

/* ---- random numbers, uniform (added in version 2) ------------------------- */

/* Uniform noise in [0, 1), drawn like ts_tensor_randn (on the CPU in
 * float32 from g or the global generator, then moved and cast). */
ts_status ts_tensor_rand(ts_tensor **out, const int64_t *shape, int ndim,
                         ts_dtype dtype, int device,
                         ts_generator *g) TS_MUST_CHECK;

/* ---- the Part B UNets (kernel/shim/unet.cpp, added in version 2) ----------
 *
 * The three MNIST UNets of the course's Part B (docs/part-b.md), built from
 * torch::nn modules whose state_dict keys read like the course's PyTorch
 * code ("down1.0.0.weight"; unet.cpp's header lists them).  A module lives
 * on one device, chosen at creation.  ts_unet_forward is inference (eval
 * mode: BatchNorm uses its running statistics; no autograd); training goes
 * through ts_train_step, which switches to train mode for its step. */

typedef enum {
    TS_UNET_PLAIN = 0, /* x -> x: the single-step denoiser (Figure 1) */
    TS_UNET_TIME,      /* (x, t) -> u: fc1_t, fc2_t modulate unflatten, up1 */
    TS_UNET_CLASS,     /* (x, t, c, mask) -> u: plus fc1_c, fc2_c */
    TS_UNET_RANGE_MIN_ = -0x7fffffff - 1, /* see TS_ENUM_RANGE */
    TS_UNET_RANGE_MAX_ = 0x7fffffff
} ts_unet_kind;

typedef struct ts_unet_config {
    ts_unet_kind kind;
    int in_channels;   /* 1 for MNIST */
    int hidden;        /* D: 128 for the denoiser, 64 for flow matching */
    int num_classes;   /* 10 for TS_UNET_CLASS; ignored otherwise */
} ts_unet_config;

/* A freshly initialised UNet (PyTorch's default init, from libtorch's global
 * generator: seed it first for a reproducible start) on `device`.  Sizes:
 * in_channels 1..16, hidden 1..1024, num_classes 1..1000; the input is
 * 28 x 28 (any H, W divisible by 4 whose quarter is 7 works). */
ts_status ts_unet_new(ts_module **out, const ts_unet_config *cfg,
                      int device) TS_MUST_CHECK;
void ts_module_free(ts_module *m);
ts_status ts_module_config(const ts_module *m,
                           ts_unet_config *out) TS_MUST_CHECK;
/* Trainable parameters (BatchNorm running statistics excluded). */
ts_status ts_module_param_count(const ts_module *m,
                                int64_t *out) TS_MUST_CHECK;
/* TS_CPU or the CUDA index of the module's parameters. */
ts_status ts_module_device(const ts_module *m, int *out) TS_MUST_CHECK;
/* Move the parameters (and buffers) to `device`.  An optimizer made
 * before keeps references to the old tensors: make it afterwards. */
ts_status ts_module_to_device(ts_module *m, int device) TS_MUST_CHECK;

/* The state_dict, in registration order: parameters and buffers
 * (BatchNorm running_mean, running_var, num_batches_tracked).  Entry i's
 * name is owned by m (valid until m is freed); *value is a new handle
 * sharing the entry's memory: never write into it (use state_set). */
ts_status ts_module_state_count(const ts_module *m, int *out) TS_MUST_CHECK;
ts_status ts_module_state_get(const ts_module *m, int i, const char **name,
                              ts_tensor **value) TS_MUST_CHECK;
/* Copy `value` into the entry called `name` (converted to its dtype and
 * device).  TS_ERR for an unknown name or a different shape. */
ts_status ts_module_state_set(ts_module *m, const char *name,
                              const ts_tensor *value) TS_MUST_CHECK;

/* u = UNet(x, t, c, mask).  x: (N, C, H, W) float; t: (N) float in [0, 1]
 * (required by TS_UNET_TIME and TS_UNET_CLASS, must be NULL for
 * TS_UNET_PLAIN); c: (N) int64 class labels or NULL (the zero vector:
 * unconditional); mask: (N) float, 1 keeps item i's class and 0 drops it
 * to the zero vector, or NULL (keep all).  c and mask only for
 * TS_UNET_CLASS.  Out: (N, 1, H, W). */
ts_status ts_unet_forward(ts_tensor **out, ts_module *m, const ts_tensor *x,
                          const ts_tensor *t, const ts_tensor *c,
                          const ts_tensor *mask) TS_MUST_CHECK;

/* ---- training (unet.cpp, added in version 2) ------------------------------ */

/* torch::optim::Adam over m's parameters (betas 0.9, 0.999, eps 1e-8, no
 * weight decay).  m must outlive the optimizer. */
ts_status ts_optim_adam_new(ts_optim **out, ts_module *m,
                            double lr) TS_MUST_CHECK;
void ts_optim_free(ts_optim *o);
/* The learning rate of every parameter group (ExponentialLR steps it). */
ts_status ts_optim_set_lr(ts_optim *o, double lr) TS_MUST_CHECK;
/* The optimizer's state (Adam moments and step counts) as bytes in
 * libtorch's archive format: *data is malloc'd for the caller (free()).
 * optim_load reads them back into an optimizer over a module of the same
 * configuration; TS_ERR when the bytes do not fit it. */
ts_status ts_optim_save(const ts_optim *o, void **data,
                        size_t *len) TS_MUST_CHECK;
ts_status ts_optim_load(ts_optim *o, const void *data,
                        size_t len) TS_MUST_CHECK;

/* One step of gradient descent on the mean squared error:
 *   train mode; zero_grad; u = UNet(x, t, c, mask);
 *   L = mean((u - target)^2); L.backward();
 *   if clip_norm > 0: clip the gradients' global L2 norm to clip_norm;
 *   Adam step.
 * Arguments as in ts_unet_forward; target has u's shape.  *loss (may be
 * NULL) receives L as a detached scalar tensor: reading it (tensor_item)
 * waits for the device, so a loop may read it only every few steps.  When
 * the step fails the parameters are unchanged unless the failure came from
 * the optimizer's update itself. */
ts_status ts_train_step(ts_module *m, ts_optim *o, const ts_tensor *x,
                        const ts_tensor *t, const ts_tensor *c,
                        const ts_tensor *mask, const ts_tensor *target,
                        double clip_norm, ts_tensor **loss) TS_MUST_CHECK;

/* ---- DeepFloyd IF's UNet (kernel/shim/if_unet.cpp, added in version 4) ---
 *
 * The UNet2DConditionModel of DeepFloyd IF's stage I (IF-I-XL/L/M) and
 * stage II (IF-II-L/M) upscaler, built from the text of the checkpoint's
 * unet/config.json (Hugging Face diffusers layout), so every size loads
 * with no model's numbers in the code.  The module's state_dict keys are
 * diffusers' ("down_blocks.1.attentions.0.to_k.weight"), so a
 * diffusion_pytorch_model.safetensors file loads key by key through
 * ts_module_state_set.  The ts_module_* functions above work on it
 * (except ts_module_config, which is for the Part B UNets: TS_ERR).
 *
 * Implemented: down blocks ResnetDownsampleBlock2D and
 * SimpleCrossAttnDownBlock2D, up blocks ResnetUpsampleBlock2D and
 * SimpleCrossAttnUpBlock2D, mid block UNetMidBlock2DSimpleCrossAttn;
 * positional time embedding; addition_embed_type "text"; encoder_hid_dim
 * with "text_proj"; class_embed_type "timestep"; resnet_time_scale_shift
 * "scale_shift" or "default"; cross_attention_norm "group_norm" or null;
 * act_fn gelu, silu; center_input_sample; layers_per_block, attention_head_dim and
 * cross_attention_dim as a number or a list per block.  A config that asks
 * for anything else (or has a key this code does not know) is TS_ERR with
 * a message naming the key and its value. */

/* A new IF UNet from `config_json` (the text of unet/config.json, copied;
 * the caller keeps it), with freshly initialised weights (PyTorch's
 * default init, drawn from libtorch's global generator) made directly in
 * `dtype` (TS_F32, TS_F16 or TS_BF16) on `device`: no float32 copy of a
 * half-precision model is ever made.  TS_OOM when it does not fit. */
ts_status ts_if_unet_new(ts_module **out, const char *config_json,
                         ts_dtype dtype, int device) TS_MUST_CHECK;

/* out = UNet(x, t, text, noise_level), inference (no autograd):
 *   x           (N, in_channels, H, W) float; H and W divisible by
 *               2^(number of blocks - 1);
 *   t           (N) or (1) timesteps, int64 or float;
 *   text        (N, L, encoder_hid_dim) prompt embeddings (T5: L 77, 4096
 *               wide), any float dtype; (1, L, D) is shared by the batch;
 *   noise_level (N) or (1) int64 or float, required by a config with
 *               class_embed_type "timestep" (stage II), NULL otherwise.
 * The inputs are moved to the module's device and dtype.  Out: (N,
 * out_channels, H, W) in x's dtype, on the module's device.  A float16
 * module runs on a GPU only (libtorch's CPU kernels lack half precision):
 * on the CPU this is TS_ERR, saying so. */
ts_status ts_if_unet_forward(ts_tensor **out, ts_module *m,
                             const ts_tensor *x, const ts_tensor *t,
                             const ts_tensor *text,
                             const ts_tensor *noise_level) TS_MUST_CHECK;

/* What a caller needs to know to feed an IF UNet, from its config. */
typedef struct ts_if_unet_info {
    int in_channels;       /* 3 for stage I; 6 for stage II (the noisy image
                              and the upscaled conditioning image) */
    int out_channels;      /* 6 in IF: noise estimate and variance values */
    int text_dim;          /* width of the prompt embeddings (T5: 4096) */
    int needs_noise_level; /* class_embed_type "timestep" (stage II) */
    int size_multiple;     /* H and W must be multiples of this */
    int sample_size;       /* the config's sample_size (64 for stage I, 256
                              for stage II), 0 when it has none */
} ts_if_unet_info;

/* Fill *out for m; TS_ERR when m is not an IF UNet. */
ts_status ts_if_unet_describe(const ts_module *m,
                              ts_if_unet_info *out) TS_MUST_CHECK;

/* The number of parameters the UNet of `config_json` has, counted by
 * building it on libtorch's meta device: no weights are allocated, so the
 * full-size configs can be checked anywhere.  TS_ERR as ts_if_unet_new. */
ts_status ts_if_unet_param_count(const char *config_json,
                                 int64_t *out) TS_MUST_CHECK;

/* ---- prompt embeddings (kernel/shim/pickle.cpp, added in version 4) --------
 *
 * The course ships its T5 prompt embeddings as a Python dict written by
 * torch.save: {prompt: tensor [1, 77, 4096] float16}, "" the null prompt. */

/* Read the dict of strings to tensors that torch.save wrote to `path` (the
 * zip format of PyTorch 1.6 and later).  On success *n entries, in the
 * dict's order: *keys is a malloc'd array of *n malloc'd NUL-terminated
 * strings and *values a malloc'd array of *n new CPU tensors in their
 * stored dtype; the caller frees each key (free), each value
 * (tensor_free), then both arrays (free).  TS_ERR names the problem: the
 * file cannot be read, is not a zip-format torch.save file, is damaged or
 * truncated, holds GPU tensors while libtorch has no GPU, or is not a dict
 * of string -> tensor.  On error *keys and *values are NULL and *n is 0. */
ts_status ts_load_tensor_dict(const char *path, int64_t *n, char ***keys,
                              ts_tensor ***values) TS_MUST_CHECK;

/* ---- the table ---------------------------------------------------------------- */

/* Every entry of TsApi, in order.  The struct below and the table in ts.cpp
 * are both generated from this list, so they cannot drift apart; each entry
 * has the type of the ts_<name> prototype above. */
#define TS_API_FUNCS(X)                                                    \
    X(last_error) X(info) X(set_device) X(set_threads) X(manual_seed)      \
    X(generator_new) X(generator_free)                                     \
    X(tensor_free) X(tensor_from_data) X(tensor_to_data) X(tensor_shape)   \
    X(tensor_dtype) X(tensor_device) X(tensor_item)                        \
    X(tensor_zeros) X(tensor_ones) X(tensor_full) X(tensor_randn)          \
    X(tensor_randn_like)                                                   \
    X(tensor_add) X(tensor_sub) X(tensor_mul) X(tensor_div)                \
    X(tensor_add_scalar) X(tensor_sub_scalar) X(tensor_mul_scalar)         \
    X(tensor_div_scalar) X(tensor_axpby) X(tensor_sqrt) X(tensor_clamp)    \
    X(tensor_mean) X(tensor_std)                                           \
    X(tensor_matmul) X(tensor_conv2d)                                      \
    X(tensor_pad) X(tensor_interpolate)                                    \
    X(tensor_to_device) X(tensor_to_dtype)                                 \
    X(tensor_reshape) X(tensor_permute) X(tensor_cat) X(tensor_stack)      \
    X(tensor_select) X(tensor_slice) X(tensor_flip)                        \
    /* version 2 */                                                        \
    X(tensor_rand)                                                         \
    X(unet_new) X(module_free) X(module_config) X(module_param_count)      \
    X(module_device) X(module_to_device)                                   \
    X(module_state_count) X(module_state_get) X(module_state_set)          \
    X(unet_forward)                                                        \
    X(optim_adam_new) X(optim_free) X(optim_set_lr) X(optim_save)          \
    X(optim_load) X(train_step)                                            \
    /* version 3 */                                                        \
    X(tensor_exp)                                                          \
    /* version 4 */                                                        \
    X(if_unet_new) X(if_unet_forward) X(if_unet_param_count)               \
    X(if_unet_describe)                                                    \
    /* version 4: prompt embeddings */                                     \
    X(load_tensor_dict)

#ifdef __cplusplus
#define TS_TYPEOF(x) decltype(x)
#else
#define TS_TYPEOF(x) __typeof__(x)
#endif

typedef struct TsApi {
    int version;   /* TS_API_VERSION the library was built with: first, so a
                      loader can read it whatever else changed */
    int size;      /* sizeof(TsApi) in the library */
    const char *torch_version; /* "1.13.0", for messages */
#define TS_API_FIELD(name) TS_TYPEOF(ts_##name) *name;
    TS_API_FUNCS(TS_API_FIELD)
#undef TS_API_FIELD
} TsApi;

/* The one exported symbol of libdiffuse_torch.so (everything else is built
 * hidden): the loader dlsym()s it, calls it, and checks `version` first. */
#define TS_API_SYMBOL "ts_api_v1"
typedef const TsApi *(*ts_api_fn)(void);
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const TsApi *ts_api_v1(void);

#ifdef __cplusplus
}
#endif

#endif
