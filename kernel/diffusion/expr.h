/*
 * expr.h: tensor formulas that read like the report.
 *
 * The diffusion algorithms are arithmetic on tensors.  Written against the
 * shim directly, every operation is a call, a status check and a free, and
 * the equation disappears.  An Expr scope makes them read as the maths:
 *
 *     Expr s;
 *     expr_begin(&s, api, err);
 *     // x_t = sqrt(ᾱ) x0 + sqrt(1 - ᾱ) ε
 *     ts_tensor *x_t = add(&s, scale(&s, sqrt(ab), x0),
 *                              scale(&s, sqrt(1 - ab), eps));
 *     ts_tensor *out = expr_keep(&s, x_t);
 *     return expr_end(&s);
 *
 * The rules, after ggml's context-owned graphs:
 *  - The scope owns every tensor an operation returns (its temporaries);
 *    expr_end frees them all.  Inputs are borrowed and never written.
 *  - Operations nest: each takes tensors and returns a tensor (borrowed
 *    from the scope).
 *  - The first failure sticks: it is reported into the scope's DkErr (with
 *    the shim's message, taken at once) and every later operation returns
 *    NULL without calling the shim.  A NULL input also yields NULL.  Code
 *    therefore checks once, at the end: expr_end returns the status.
 *  - Only what expr_keep hands out leaves the scope: the caller then owns
 *    it (free with api->tensor_free), or NULL if the scope had failed.
 *
 * The names are short on purpose (add, sub, mul, scale, ...): they are
 * static inline wrappers, visible only to the algorithm files that include
 * this header, where they make the formulas legible.
 */
#ifndef DK_EXPR_H
#define DK_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "util/err.h"

typedef struct Expr {
    const TsApi *api;  /* borrowed */
    DkErr *err;        /* borrowed: the first failure is written here */
    dk_status status;  /* DK_OK until something fails */
    ts_tensor **owned; /* the scope's temporaries (malloc'd) */
    size_t n, cap;
} Expr;

/* Open a scope.  Nothing to free until the first operation. */
void expr_begin(Expr *s, const TsApi *api, DkErr *err);
/* Free every temporary still in the scope; returns the scope's status
 * (DK_OK, or the code of the first failure, already in err). */
dk_status expr_end(Expr *s);
/* Hand t out of the scope: the caller owns it from here.  NULL when the
 * scope has failed (then nothing is handed out) or t is NULL. */
ts_tensor *expr_keep(Expr *s, const ts_tensor *t);
/* Take t into the scope (a tensor made elsewhere, e.g. a UNet's output):
 * the scope frees it.  Returns t, or NULL (t freed) when the scope has
 * already failed or cannot grow. */
ts_tensor *expr_adopt(Expr *s, ts_tensor *t);
/* Free t now, inside a long loop, instead of at expr_end. */
void expr_drop(Expr *s, const ts_tensor *t);
/* Record a failure of the caller's own (a bad argument): sticks like a
 * shim error.  Returns NULL so `return expr_fail(...)` reads well. */
ts_tensor *expr_fail(Expr *s, dk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Mark s failed with a status an inner scope already reported into the
 * same DkErr (a loop's per-step scope inside a function's scope). */
void expr_inherit(Expr *s, dk_status code);
/* Non-zero once something failed. */
static inline int expr_failed(const Expr *s) { return s->status != DK_OK; }

/* ---- the operations (each returns a scope-owned tensor or NULL) -------- */

/* Record the result of one shim call: the wrappers below use it, and an
 * algorithm may too for a shim call of its own (make the call first:
 * the order of a function's arguments is unspecified in C):
 *     ts_tensor *t = NULL;
 *     ts_status st = api->x(&t, ...);
 *     t = expr_call(s, st, t);  */
ts_tensor *expr_call(Expr *s, ts_status st, ts_tensor *t);

/* 1 when the scope may go on and every input is there. */
static inline int expr_ok(const Expr *s, const ts_tensor *a, const ts_tensor *b)
{
    return s->status == DK_OK && a && b;
}

/* The call runs before r_ is read: C leaves the order of a function's
 * arguments open, so the call cannot be an argument beside r_. */
#define EXPR_OP2(a, b, call)                                                 \
    do {                                                                     \
        ts_tensor *r_ = NULL;                                                \
        if (!expr_ok(s, a, b))                                               \
            return NULL;                                                     \
        ts_status st_ = s->api->call;                                        \
        return expr_call(s, st_, r_);                                        \
    } while (0)
#define EXPR_OP1(a, call) EXPR_OP2(a, a, call)

/* a + b, a - b, a * b, a / b: element-wise, broadcasting as PyTorch. */
static inline ts_tensor *add(Expr *s, const ts_tensor *a, const ts_tensor *b)
{ EXPR_OP2(a, b, tensor_add(&r_, a, b)); }
static inline ts_tensor *sub(Expr *s, const ts_tensor *a, const ts_tensor *b)
{ EXPR_OP2(a, b, tensor_sub(&r_, a, b)); }
static inline ts_tensor *mul(Expr *s, const ts_tensor *a, const ts_tensor *b)
{ EXPR_OP2(a, b, tensor_mul(&r_, a, b)); }
static inline ts_tensor *divide(Expr *s, const ts_tensor *a, const ts_tensor *b)
{ EXPR_OP2(a, b, tensor_div(&r_, a, b)); }

/* k·a, a + c, a / k. */
static inline ts_tensor *scale(Expr *s, double k, const ts_tensor *a)
{ EXPR_OP1(a, tensor_mul_scalar(&r_, a, k)); }
static inline ts_tensor *plus(Expr *s, const ts_tensor *a, double c)
{ EXPR_OP1(a, tensor_add_scalar(&r_, a, c)); }
static inline ts_tensor *over(Expr *s, const ts_tensor *a, double k)
{ EXPR_OP1(a, tensor_div_scalar(&r_, a, k)); }

/* α·a + β·b in one call (the forward process, a DDPM step, CFG). */
static inline ts_tensor *lerp2(Expr *s, double alpha, const ts_tensor *a,
                               double beta, const ts_tensor *b)
{ EXPR_OP2(a, b, tensor_axpby(&r_, alpha, a, beta, b)); }

/* e^a, √a, a clamped to [lo, hi] (±INFINITY for an open side). */
static inline ts_tensor *texp(Expr *s, const ts_tensor *a)
{ EXPR_OP1(a, tensor_exp(&r_, a)); }
static inline ts_tensor *tsqrt(Expr *s, const ts_tensor *a)
{ EXPR_OP1(a, tensor_sqrt(&r_, a)); }
static inline ts_tensor *clamp(Expr *s, const ts_tensor *a, double lo, double hi)
{ EXPR_OP1(a, tensor_clamp(&r_, a, lo, hi)); }

/* ε ~ N(0, I) with x's shape, dtype and device, drawn from g. */
static inline ts_tensor *randn_like(Expr *s, const ts_tensor *x, ts_generator *g)
{ EXPR_OP1(x, tensor_randn_like(&r_, x, g)); }

/* x[.., start:end, ..] along dim; a and b joined along dim; x reversed
 * along dims[0..ndims); x reshaped. */
static inline ts_tensor *slice(Expr *s, const ts_tensor *x, int64_t dim,
                               int64_t start, int64_t end)
{ EXPR_OP1(x, tensor_slice(&r_, x, dim, start, end, 1)); }
static inline ts_tensor *cat2(Expr *s, const ts_tensor *a, const ts_tensor *b,
                              int64_t dim)
{
    const ts_tensor *ab[2] = {a, b};
    EXPR_OP2(a, b, tensor_cat(&r_, ab, 2, dim));
}
static inline ts_tensor *flip(Expr *s, const ts_tensor *x, const int64_t *dims,
                              int ndims)
{ EXPR_OP1(x, tensor_flip(&r_, x, dims, ndims)); }
static inline ts_tensor *reshape(Expr *s, const ts_tensor *x,
                                 const int64_t *shape, int ndim)
{ EXPR_OP1(x, tensor_reshape(&r_, x, shape, ndim)); }

/* x padded by p on every side of its last two dims, mirrored (reflect);
 * a convolution of x with w, stride 1, no padding, in `groups` groups (a
 * depthwise blur is groups = C). */
static inline ts_tensor *pad_reflect(Expr *s, const ts_tensor *x, int64_t p)
{
    const int64_t pads[4] = {p, p, p, p};
    EXPR_OP1(x, tensor_pad(&r_, x, pads, 4, TS_PAD_REFLECT, 0.0));
}
static inline ts_tensor *conv2d(Expr *s, const ts_tensor *x, const ts_tensor *w,
                                int64_t groups)
{
    const int64_t stride[2] = {1, 1}, nopad[2] = {0, 0};
    EXPR_OP2(x, w, tensor_conv2d(&r_, x, w, NULL, stride, nopad, groups));
}
/* t moved to the device `like` lives on. */
ts_tensor *to_device_of(Expr *s, const ts_tensor *t, const ts_tensor *like);

/* New tensors (float32 on the chosen device): U[0, 1) noise from g, and
 * a constant. */
ts_tensor *rand_shape(Expr *s, const int64_t *shape, int ndim, ts_generator *g);
ts_tensor *full(Expr *s, const int64_t *shape, int ndim, double v);

/* A new CPU tensor holding a copy of n-D host data of `dtype`. */
ts_tensor *from_host(Expr *s, const void *data, const int64_t *shape,
                     int ndim, ts_dtype dtype);

/* x's size along dim (0 when the scope has failed or x is NULL). */
int64_t dim_size(Expr *s, const ts_tensor *x, int dim);

#endif
